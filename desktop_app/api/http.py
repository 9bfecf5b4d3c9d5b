"""The shared HTTP client, and JSON calls for Verify v1, the Account API and the sandbox.

:func:`build_http_client` builds the one client the app shares: TLS verification always on,
redirects off, and the transports of :mod:`desktop_app.api.transport` (plain http only to a
loopback address actually connected to and never through a proxy; ``HTTPS_PROXY`` honoured for
https hosts only; every other proxy variable ignored). It carries the
:class:`~desktop_app.api.exchange.CallLimits` every call obeys.

:func:`request_json` sends one call through :func:`~desktop_app.api.exchange.exchange` (where
httpx failures and the limits become domain errors) and judges the answer:

=====================================================  =======================  ===============
answer                                                 domain                   sent?
=====================================================  =======================  ===============
HTTP 5xx                                               ServerError(http_status) yes
HTTP 401                                               AuthError                yes
HTTP 429                                               ThrottledError           yes
any other non-2xx (404 from a wrong host, 3xx, ...)    ServerError(http_status) yes
2xx with HTML / non-JSON / truncated JSON              ResponseFormatError      yes
=====================================================  =======================  ===============

Other unexpected HTTP statuses are ServerError rather than ResponseFormatError: the status line
is the most useful thing to show, and the body of such answers is never the API's.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping
from typing import Any, Final

import httpx

from desktop_app import __version__
from desktop_app.domain.errors import (
    AuthError,
    ResponseFormatError,
    ServerError,
    ThrottledError,
)
from desktop_app.domain.redact import redact_secret

from .exchange import (
    DEFAULT_CALL_LIMITS,
    Answer,
    ApiHttpClient,
    CallLimits,
    FormData,
    exchange,
)
from .server_time import ServerTime
from .transport import GuardedTransport, https_proxy_from, no_proxy_mounts, ssl_context_from

__all__ = [
    "DEFAULT_API_HOST",
    "DEFAULT_REST_HOST",
    "DEFAULT_TIMEOUT",
    "USER_AGENT",
    "build_http_client",
    "decode_json",
    "request_json",
]

#: Verify v1 lives here (not on rest.nexmo.com: that host answers status 3 "Facility not allowed").
DEFAULT_API_HOST: Final = "https://api.nexmo.com"
#: The Account API (balance) lives here.
DEFAULT_REST_HOST: Final = "https://rest.nexmo.com"
#: Explicit per-phase limits, so no call can wait forever.
DEFAULT_TIMEOUT: Final = httpx.Timeout(connect=5.0, read=15.0, write=10.0, pool=5.0)
USER_AGENT: Final = f"verify-desk/{__version__}"
#: The most of an HTTP reason phrase ever shown (it is the server's free text).
_REASON_MAX: Final = 80


def build_http_client(
    transport: httpx.BaseTransport | None = None,
    timeout: httpx.Timeout = DEFAULT_TIMEOUT,
    *,
    limits: CallLimits = DEFAULT_CALL_LIMITS,
    environ: Mapping[str, str] | None = None,
    server_time: ServerTime | None = None,
) -> ApiHttpClient:
    """Build the one long-lived client the app shares between worker threads.

    ``httpx.Client`` is thread-safe for concurrent requests; its pool keeps connections alive.
    The environment is read once, here: ``HTTPS_PROXY`` / ``NO_PROXY`` for https hosts and
    ``SSL_CERT_FILE`` / ``SSL_CERT_DIR`` for the trusted CAs; nothing else of it (see
    :mod:`desktop_app.api.transport`).

    Args:
        transport: A transport to use instead of the network for every URL (tests pass
            ``MockTransport``); then no proxy and no loopback check apply.
        timeout: Per-phase timeouts; :data:`DEFAULT_TIMEOUT` unless a test needs shorter ones.
        limits: The overall deadline and the answer size limit of each call.
        environ: The environment to read (default ``os.environ``).
        server_time: Where the servers' clock offsets are learned from their ``Date`` headers
            (the window reads it for a live profile's clock); a new one by default.

    Returns:
        A client with TLS verification on, redirects off and the Verify Desk User-Agent.

    Raises:
        ValidationFailed: ``HTTPS_PROXY`` or ``SSL_CERT_FILE`` / ``SSL_CERT_DIR`` is unusable.
    """
    common: dict[str, Any] = {
        "limits": limits,
        "server_time": server_time,
        "timeout": timeout,
        # Every API this client calls answers JSON; saying so once here spares each call
        # overriding httpx's "*/*" (a measurable share of a call: benchmarks/messages_client.py).
        "headers": {"User-Agent": USER_AGENT, "Accept": "application/json"},
        "follow_redirects": False,
        # Proxies, .netrc and CA settings are decided here, never picked up by httpx itself.
        "trust_env": False,
    }
    if transport is not None:
        return ApiHttpClient(transport=transport, **common)
    env = os.environ if environ is None else environ
    # Never configurable: a support tool must not talk to an impostor holding the secret.
    context = ssl_context_from(env)
    proxy = https_proxy_from(env)
    direct = GuardedTransport(context, loopback_only=False)
    https = direct if proxy is None else GuardedTransport(context, loopback_only=False, proxy=proxy)
    mounts: dict[str, httpx.BaseTransport | None] = {
        "http://": GuardedTransport(context, loopback_only=True)
    }
    if proxy is not None:
        mounts.update(no_proxy_mounts(env, direct))
    return ApiHttpClient(transport=https, mounts=mounts, **common)


def _reject_constant(name: str) -> Any:
    """Refuse NaN and Infinity, which are not JSON."""
    raise ValueError(f"non-standard JSON constant {name}")


#: Shared by every thread, as json.loads shares its default decoder: decoding keeps no state.
_DECODER: Final = json.JSONDecoder(parse_constant=_reject_constant)


def decode_json(content: bytes) -> Any:
    """Decode a response body; anything that is not one JSON document is ResponseFormatError.

    Args:
        content: The raw body.

    Returns:
        The decoded JSON value (any type; the parsers check its shape).

    Raises:
        ResponseFormatError: Empty, HTML, truncated, not UTF-8, or absurdly nested.
    """
    if not content.strip():
        raise ResponseFormatError("The Verify API sent an empty answer.")
    try:
        # What json.loads does with bytes, with one decoder built once (json.loads builds a
        # new one per call when given parse_constant).
        return _DECODER.decode(content.decode(json.detect_encoding(content), "surrogatepass"))
    except (ValueError, RecursionError) as exc:
        # ValueError covers JSONDecodeError and UnicodeDecodeError; RecursionError deep nesting.
        kind = "not valid JSON" if isinstance(exc, ValueError) else "nested too deeply"
        error = ResponseFormatError(f"{ResponseFormatError.meaning} (the body is {kind}).")
    raise error


def _retry_after_header(response: Answer) -> float | None:
    """Seconds from a numeric Retry-After header, if any."""
    raw = response.headers.get("Retry-After", "")
    try:
        value = float(raw)
    except ValueError:
        return None
    return value if math.isfinite(value) and value >= 0 else None


def _check_http_status(response: Answer, secret: str) -> None:
    """Raise the domain error for an HTTP status the API does not answer with.

    The reason phrase is server text like any other: scrubbed of the secret and kept short.
    """
    status = response.status_code
    if 200 <= status < 300:
        return
    if status == 401:
        raise AuthError(status="401", error_text="HTTP 401 Unauthorized")
    if status == 429:
        raise ThrottledError(
            status="1",
            error_text="HTTP 429 Too Many Requests",
            retry_after=_retry_after_header(response) or 1.0,
        )
    reason = redact_secret(response.reason_phrase, secret)[:_REASON_MAX] or "error"
    if status >= 500:
        raise ServerError(f"{ServerError.meaning} (HTTP {status} {reason}).", http_status=status)
    raise ServerError(
        f"The Verify API host answered HTTP {status} {reason}; check the profile's API host.",
        http_status=status,
    )


def request_json(
    http: httpx.Client,
    method: str,
    url: str,
    *,
    data: FormData | None = None,
    params: Mapping[str, str] | None = None,
    auth: httpx.Auth | None = None,
    secret: str = "",
    allow_empty: bool = False,
) -> Any:
    """Send one request and return its decoded JSON body, or raise a domain error.

    Args:
        http: The shared client.
        method: ``"GET"`` or ``"POST"``.
        url: The full URL; it must never contain a secret.
        data: Form fields (sent as ``application/x-www-form-urlencoded``); lists repeat a key.
        params: Query parameters (never secrets).
        auth: Per-request authentication (HTTP Basic for the Account API).
        secret: Scrubbed out of any text that ends up in an error.
        allow_empty: Return ``None`` for an empty body instead of raising.

    Returns:
        The decoded JSON value (``None`` for an allowed empty body).

    Raises:
        TransportError: A subclass saying whether the request was sent (see the module table).
        AuthError: HTTP 401.
        ThrottledError: HTTP 429.
        ValidationFailed: The request holds text that cannot be encoded; nothing was sent.
    """
    response = exchange(http, method, url, data=data, params=params, auth=auth, secret=secret)
    _check_http_status(response, secret)
    if allow_empty and not response.content.strip():
        return None
    return decode_json(response.content)
