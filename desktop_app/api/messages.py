"""The Messages API client: ``POST /v1/messages`` (SMS, MMS, WhatsApp, Viber, Messenger).

One call, :meth:`MessagesClient.send`, on the profile's API host: ``https://api.nexmo.com``, a
regional host (``api-eu``/``api-us``/``api-ap.vonage.com``), Vonage's Messages sandbox or the
built-in sandbox (:data:`~desktop_app.domain.messages_hosts.MESSAGES_HOSTS`). It goes through the
app's one shared ``httpx.Client`` and the same call limits and httpx -> domain mapping as Verify
(:func:`~desktop_app.api.exchange.exchange`), so the timeouts, TLS checks and User-Agent are the
app's.

Authentication is HTTP Basic (``api_key:api_secret``) or a Bearer application JWT
(:class:`~desktop_app.api.jwt_auth.JwtAuth`, RS256, a fresh token per request); never both.
The private key is the caller's (read from the keyring) and appears in no ``repr``, log or
error.

Before anything is sent the request is checked with
:func:`~desktop_app.domain.messages_validation.message_errors`; a problem raises
``ValidationFailed`` naming each field path and nothing leaves the machine.

**A send is never retried.** A timeout or a dropped connection after the request was written
(``ApiTimeoutError``, ``ConnectionLostError``: ``outcome_unknown``) may hide an accepted message,
and re-sending would deliver it twice; the person decides. Even refusals that prove nothing
happened (connection refused, HTTP 429) are reported rather than retried, so a person never
waits on a backoff they did not ask for; a ``ThrottledError`` carries the wait the API asked.

The only log lines are method, path and HTTP status: texts, numbers and codes never reach a log.
A client holds no mutable state, so one instance may be used from several threads at once.
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Generator
from typing import Literal

import httpx

from desktop_app.domain.errors import ValidationFailed
from desktop_app.domain.messages import MessageAccepted, MessageRequest
from desktop_app.domain.messages_hosts import MESSAGES_PATH
from desktop_app.domain.messages_validation import message_errors
from desktop_app.domain.messages_wire import message_body
from desktop_app.domain.models import ApiCredentials

from .exchange import exchange
from .http import DEFAULT_API_HOST
from .jwt_auth import JwtAuth
from .messages_errors import messages_error, parse_accepted, retry_after_of

__all__ = ["MessagesClient"]

logger = logging.getLogger(__name__)


class _PresetAuthorization(httpx.Auth):
    """Puts one ``Authorization`` value, built once per client, on every request.

    httpx merges a per-call ``headers`` mapping into a copy of the client's headers on
    every call, which costs more than setting one header here; the value (it encodes the
    secret) appears in no ``repr``.
    """

    def __init__(self, value: str) -> None:
        self._value = value

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = self._value
        yield request


class MessagesClient:
    """The Messages API over the app's shared ``httpx.Client``.

    Args:
        http: The app's long-lived client (see ``build_http_client``).
        credentials: The profile's key and secret: required for Basic auth; with a JWT they
            may be ``None`` (the secret, when given, is still scrubbed from server text).
        api_host: Scheme and host, e.g. ``https://api-eu.vonage.com`` or the sandbox's address.
        auth: ``"basic"`` (the default) or a :class:`JwtAuth` built from the application id
            and its private key.

    Raises:
        ValueError: ``auth`` is neither, or Basic auth without credentials (programming errors).
    """

    def __init__(
        self,
        http: httpx.Client,
        credentials: ApiCredentials | None,
        *,
        api_host: str = DEFAULT_API_HOST,
        auth: Literal["basic"] | JwtAuth = "basic",
    ) -> None:
        if auth != "basic" and not isinstance(auth, JwtAuth):
            raise ValueError("auth must be 'basic' or a JwtAuth")
        if auth == "basic" and credentials is None:
            raise ValueError("Basic auth needs the profile's API key and secret")
        self._http = http
        self._credentials = credentials
        self._url = f"{api_host.rstrip('/')}{MESSAGES_PATH}"
        self._api_host = api_host.rstrip("/")
        self._auth = auth
        self._jwt = auth if isinstance(auth, JwtAuth) else None
        self._secret = credentials.api_secret if credentials is not None else ""
        # What does not change between sends is built once, here: a send's cost is measured
        # against bare httpx (benchmarks/messages_client.py). The app's client already asks
        # for JSON (build_http_client); another client gets the header with every send.
        self._headers: dict[str, str] | None = None
        if http.headers.get("Accept") != "application/json":
            self._headers = {"Accept": "application/json"}
        self._basic: _PresetAuthorization | None = None
        if credentials is not None and self._jwt is None:
            pair = f"{credentials.api_key}:{credentials.api_secret}".encode()
            self._basic = _PresetAuthorization(f"Basic {base64.b64encode(pair).decode('ascii')}")

    def __repr__(self) -> str:
        kind = "jwt" if isinstance(self._auth, JwtAuth) else "basic"
        key = self._credentials.api_key if self._credentials else None
        return f"MessagesClient(api_host={self._api_host!r}, api_key={key!r}, auth={kind!r})"

    @property
    def api_host(self) -> str:
        """The scheme and host messages are sent to."""
        return self._api_host

    @property
    def auth_kind(self) -> Literal["basic", "jwt"]:
        """How requests authenticate."""
        return "jwt" if isinstance(self._auth, JwtAuth) else "basic"

    def send(self, request: MessageRequest) -> MessageAccepted:
        """Send one message (``POST /v1/messages`` -> 202 ``message_uuid``). Never retried.

        Raises:
            ValidationFailed: The request breaks a rule (each problem names its field path);
                nothing was sent.
            InvalidParameterError: HTTP 400/422; ``invalid_parameters`` holds ``(path,
                reason)`` pairs.
            AuthError: HTTP 401 (wrong key/secret, or a JWT the API does not accept).
            QuotaExceededError: HTTP 402 (low balance).
            ThrottledError: HTTP 429; ``retry_after`` is the wait the API asked for.
            ApiError: Any other refusal with a problem body.
            TransportError: The answer did not arrive or could not be read; when its
                ``outcome_unknown`` is true the message may have been accepted.
        """
        errors = message_errors(request)
        if errors:
            raise ValidationFailed(errors)
        headers = self._headers
        if self._jwt is not None:  # a fresh token per request
            headers = {**(headers or {}), "Authorization": self._jwt.authorization()}
        secret = self._secret
        # exchange() enforces the call limits, logs only method, path and status, and never
        # chains the httpx exception (which holds the text, perhaps a code) onto its error.
        response = exchange(
            self._http, "POST", self._url, json_body=message_body(request), auth=self._basic,
            headers=headers, secret=secret, log=logger,
        )  # fmt: skip
        if 200 <= response.status_code < 300:
            return parse_accepted(response.content)
        retry_after = None
        if response.status_code == 429:
            retry_after = retry_after_of(response.headers.get("Retry-After"), response.content)
        raise messages_error(
            response.status_code, response.content, secret=secret, retry_after=retry_after
        )
