"""The Account API's balance call, which doubles as the "test connection" check.

``GET {rest_host}/account/get-balance`` authenticates with HTTP Basic (``key:secret``), never
with query parameters: the secret must not appear in a URL. HTTP 401 becomes ``AuthError``.
The call is idempotent, so transient failures are retried (see :mod:`desktop_app.api.retry`).
"""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx

from desktop_app.domain.models import ApiCredentials, Balance

from .http import DEFAULT_REST_HOST, request_json
from .parsing import parse_balance
from .retry import RetryPolicy, call_with_retry, retry_idempotent

__all__ = ["AccountClient"]


class AccountClient:
    """Reads the account balance.

    Args:
        http: The app's shared client.
        credentials: The profile's key and secret.
        rest_host: Scheme and host of the REST API (the sandbox's address in tests).
        retry: Backoff policy; ``None`` means the default.
        sleep: How to wait between attempts.
    """

    def __init__(
        self,
        http: httpx.Client,
        credentials: ApiCredentials,
        *,
        rest_host: str = DEFAULT_REST_HOST,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._http = http
        self._credentials = credentials
        self._rest_host = rest_host.rstrip("/")
        self._retry = retry if retry is not None else RetryPolicy()
        self._sleep = sleep

    def __repr__(self) -> str:
        return (
            f"AccountClient(rest_host={self._rest_host!r}, api_key={self._credentials.api_key!r})"
        )

    def get_balance(self) -> Balance:
        """Return the balance; proves the key and secret work.

        Raises:
            AuthError: HTTP 401 (wrong or disabled credentials).
            TransportError: The answer did not arrive or could not be read.
        """
        creds = self._credentials

        def once() -> Balance:
            body = request_json(
                self._http,
                "GET",
                f"{self._rest_host}/account/get-balance",
                auth=httpx.BasicAuth(creds.api_key, creds.api_secret),
                secret=creds.api_secret,
            )
            return parse_balance(body)

        return call_with_retry(
            once, policy=self._retry, should_retry=retry_idempotent, sleep=self._sleep
        )
