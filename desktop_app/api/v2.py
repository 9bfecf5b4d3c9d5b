"""The Verify v2 client: start, check, cancel and next workflow.

Verify v2 speaks JSON and real HTTP statuses (field guide §2). Requests go through the same
shared ``httpx.Client``, the same call limits and the same httpx -> domain mapping as v1
(:func:`desktop_app.api.exchange.exchange`); but where v1's ``request_json`` turns every
non-2xx into a transport error, v2 reads the body of a 4xx: refusals are RFC 7807 problems
mapped on their HTTP status by :mod:`desktop_app.api.v2_errors` into the same typed family as
v1.

Authentication is HTTP Basic (``api_key:api_secret``) by default, or an application JWT
(:class:`~desktop_app.api.jwt_auth.JwtAuth`); never both. Nothing secret is ever in a URL, and
the request id in a path is percent-encoded so it cannot change the path.

Before a start is sent, the params are re-validated
(:func:`~desktop_app.domain.v2_validation.v2_params_errors`): a WhatsApp channel without
``from``, or silent auth anywhere but first, is refused with ``ValidationFailed`` and nothing
leaves the machine. The JSON body carries only the fields that are set; ``fraud_check`` only
when ``False``.

Retries follow :mod:`desktop_app.api.retry`: start never; check, cancel and next_workflow only
when the server provably did not act (connection refused, HTTP 429). Codes are never logged:
the only log lines are method, path and HTTP status.

A client holds no mutable state, so one instance may be used from several threads at once.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from typing import Any, Literal, TypeVar
from urllib.parse import quote

import httpx

from desktop_app.domain.errors import FieldError, ValidationFailed
from desktop_app.domain.models import ApiCredentials
from desktop_app.domain.v2 import (
    Channel,
    EmailChannel,
    SilentAuthChannel,
    SmsChannel,
    V2CheckResult,
    V2StartParams,
    V2StartResult,
    WhatsAppChannel,
)
from desktop_app.domain.v2_validation import v2_params_errors

from .exchange import Answer, exchange
from .http import DEFAULT_API_HOST
from .jwt_auth import JwtAuth
from .retry import RetryDecision, RetryPolicy, call_with_retry, never, retry_if_not_processed
from .v2_parsing import V2Answer, parse_v2_answer

__all__ = ["VerifyV2Client", "channel_json", "start_body"]

logger = logging.getLogger(__name__)

T = TypeVar("T")


def _retry_after(response: Answer) -> float | None:
    """Seconds from a numeric ``Retry-After`` header, if any."""
    try:
        value = float(response.headers.get("Retry-After", ""))
    except ValueError:
        return None
    return value if math.isfinite(value) and value >= 0 else None


def channel_json(channel: Channel) -> dict[str, str]:
    """One workflow entry as the API wants it (only the fields that are set)."""
    body: dict[str, str] = {"channel": channel.channel, "to": channel.to}
    if isinstance(channel, SmsChannel):
        optional: dict[str, str | None] = {
            "from": channel.from_,
            "app_hash": channel.app_hash,
            "entity_id": channel.entity_id,
            "content_id": channel.content_id,
        }
    elif isinstance(channel, WhatsAppChannel | EmailChannel):
        optional = {"from": channel.from_}
    elif isinstance(channel, SilentAuthChannel):
        optional = {"redirect_url": channel.redirect_url}
    else:
        optional = {}
    body.update({key: value for key, value in optional.items() if value is not None})
    return body


def start_body(params: V2StartParams) -> dict[str, Any]:
    """The JSON body of ``POST /v2/verify`` for ``params``."""
    body: dict[str, Any] = {
        "brand": params.brand,
        "workflow": [channel_json(channel) for channel in params.workflow],
    }
    for name in ("locale", "channel_timeout", "client_ref", "code_length", "code"):
        value = getattr(params, name)
        if value is not None:
            body[name] = value
    if params.fraud_check is False:
        body["fraud_check"] = False
    return body


class VerifyV2Client:
    """Verify v2 over the app's shared ``httpx.Client``.

    Args:
        http: The app's long-lived client (see ``build_http_client``).
        credentials: The profile's key and secret (Basic auth; with JWT the secret is still
            scrubbed from any server text).
        api_host: Scheme and host, e.g. ``https://api.nexmo.com`` or the sandbox's address.
        auth: ``"basic"`` (the default) or a :class:`JwtAuth`.
        retry: Backoff for the calls that may be retried; ``None`` means the default policy.
        sleep: How to wait between attempts (tests pass a recorder).
    """

    def __init__(
        self,
        http: httpx.Client,
        credentials: ApiCredentials,
        *,
        api_host: str = DEFAULT_API_HOST,
        auth: Literal["basic"] | JwtAuth = "basic",
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if auth != "basic" and not isinstance(auth, JwtAuth):
            raise ValueError("auth must be 'basic' or a JwtAuth")
        self._http = http
        self._credentials = credentials
        self._api_host = api_host.rstrip("/")
        self._auth = auth
        self._retry = retry if retry is not None else RetryPolicy()
        self._sleep = sleep

    def __repr__(self) -> str:
        kind = "jwt" if isinstance(self._auth, JwtAuth) else "basic"
        return (
            f"VerifyV2Client(api_host={self._api_host!r}, "
            f"api_key={self._credentials.api_key!r}, auth={kind!r})"
        )

    @property
    def api_host(self) -> str:
        """The scheme and host requests go to."""
        return self._api_host

    # -- transport ---------------------------------------------------------------------------

    def _send(
        self,
        operation: str,
        method: str,
        path: str,
        *,
        body: dict[str, Any] | None = None,
        request_id: str = "",
    ) -> V2Answer:
        secret = self._credentials.api_secret
        headers = {"Accept": "application/json"}
        basic: httpx.Auth | None = None
        if isinstance(self._auth, JwtAuth):
            headers["Authorization"] = self._auth.authorization()
        else:
            basic = httpx.BasicAuth(self._credentials.api_key, secret)
        # exchange() enforces the call limits and never chains an httpx exception (which holds
        # the request and the code it carried) onto the domain error it raises.
        response = exchange(
            self._http,
            method,
            f"{self._api_host}{path}",
            json_body=body,
            auth=basic,
            headers=headers,
            secret=secret,
            log=logger,
        )
        return parse_v2_answer(
            operation,
            response.status_code,
            response.content,
            secret=secret,
            request_id=request_id,
            retry_after=_retry_after(response),
        )

    def _call(self, operation: Callable[[], T], should_retry: RetryDecision) -> T:
        return call_with_retry(
            operation, policy=self._retry, should_retry=should_retry, sleep=self._sleep
        )

    @staticmethod
    def _path(request_id: str, suffix: str = "") -> str:
        if not request_id.strip():
            raise ValidationFailed([FieldError("request_id", "required")])
        return f"/v2/verify/{quote(request_id.strip(), safe='')}{suffix}"

    # -- operations --------------------------------------------------------------------------

    def start(self, params: V2StartParams) -> V2StartResult:
        """Start a verification (``POST /v2/verify`` -> 202). Never retried.

        Raises:
            ValidationFailed: The params break a rule (e.g. WhatsApp without ``from``);
                nothing was sent.
            ConcurrentVerificationError: HTTP 409; ``request_id`` is the live request's id.
            InvalidParameterError: HTTP 422; ``invalid_parameters`` names each problem.
            ApiError: Any other refusal.
            TransportError: The answer did not arrive or could not be read.
        """
        errors = v2_params_errors(params)
        if errors:
            raise ValidationFailed(errors)
        body = start_body(params)

        def operation() -> V2StartResult:
            answer = self._send("start", "POST", "/v2/verify", body=body)
            assert isinstance(answer, V2StartResult)
            return answer

        return self._call(operation, never)

    def check(self, request_id: str, code: str) -> V2CheckResult:
        """Check a code (``POST /v2/verify/{id}`` -> 200 ``completed``).

        Raises:
            WrongCodeError: HTTP 400.
            TooManyAttemptsError: HTTP 410; the workflow is terminated.
            CodeNotSupportedError: HTTP 409; the current step takes no code (silent auth).
            RequestNotFoundError: HTTP 404; unknown, finished or already verified.
            ApiError: Any other refusal.
            TransportError: The answer did not arrive or could not be read.
        """
        path = self._path(request_id)

        def operation() -> V2CheckResult:
            answer = self._send("check", "POST", path, body={"code": code}, request_id=request_id)
            assert isinstance(answer, V2CheckResult)
            return answer

        return self._call(operation, retry_if_not_processed)

    def cancel(self, request_id: str) -> None:
        """Cancel a request (``DELETE /v2/verify/{id}`` -> 204).

        Raises:
            RequestNotFoundError: HTTP 404; unknown, finished or already cancelled.
            ApiError: Any other refusal.
            TransportError: The answer did not arrive or could not be read.
        """
        path = self._path(request_id)
        self._call(
            lambda: self._send("cancel", "DELETE", path, request_id=request_id),
            retry_if_not_processed,
        )

    def next_workflow(self, request_id: str) -> None:
        """Move to the next channel now (``POST /v2/verify/{id}/next_workflow`` -> 200).

        Raises:
            NoMoreWorkflowsError: HTTP 409; no channel left.
            RequestNotFoundError: HTTP 404.
            ApiError: Any other refusal.
            TransportError: The answer did not arrive or could not be read.
        """
        path = self._path(request_id, "/next_workflow")
        self._call(
            lambda: self._send("next_workflow", "POST", path, request_id=request_id),
            retry_if_not_processed,
        )
