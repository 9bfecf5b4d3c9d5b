"""The shared HTTP client and the one place where httpx failures become domain errors.

Every client in this package sends through :func:`request_json`, so nothing from httpx leaks
upward: transport failures become :class:`~desktop_app.domain.errors.TransportError` subclasses
and unreadable bodies :class:`~desktop_app.domain.errors.ResponseFormatError`.

How httpx failures map (``outcome_unknown`` says whether the server may have acted):

=====================================================  =======================  ===============
httpx                                                  domain                   sent?
=====================================================  =======================  ===============
ConnectError, ConnectTimeout, UnsupportedProtocol,     ConnectError             no
ProxyError, LocalProtocolError, InvalidURL
PoolTimeout (no free connection in the pool)           ConnectError             no
ConnectError caused by ``ssl.SSLError``                TlsError                 no
ReadTimeout, WriteTimeout                              TimeoutError_            unknown
RemoteProtocolError, ReadError, WriteError             ConnectionLostError      unknown
DecodingError (broken gzip etc.)                       ResponseFormatError      yes
HTTP 5xx                                               ServerError(http_status) yes
HTTP 401                                               AuthError                yes
HTTP 429                                               ThrottledError           yes
any other non-2xx (404 from a wrong host, 3xx, ...)    ServerError(http_status) yes
2xx with HTML / non-JSON / truncated JSON              ResponseFormatError      yes
=====================================================  =======================  ===============

``PoolTimeout`` is raised while waiting for a connection from the client's own pool, before
anything is written, so it is reported as "not sent" (ConnectError, with its own message).
Other unexpected HTTP statuses are ServerError rather than ResponseFormatError: the status line
is the most useful thing to show, and the body of such answers is never the API's.

The client logs nothing but method, path and HTTP status. Secrets travel in form bodies or in
the ``Authorization`` header, neither of which httpx or httpcore log.
"""

from __future__ import annotations

import json
import logging
import math
import ssl
from collections.abc import Mapping, Sequence
from typing import Any, Final
from urllib.parse import urlsplit

import httpx

from desktop_app import __version__
from desktop_app.domain.errors import (
    AuthError,
    ConnectError,
    ConnectionLostError,
    ResponseFormatError,
    ServerError,
    ThrottledError,
    TimeoutError_,
    TlsError,
    TransportError,
)

from .errors import scrub_secret

__all__ = [
    "DEFAULT_API_HOST",
    "DEFAULT_REST_HOST",
    "DEFAULT_TIMEOUT",
    "USER_AGENT",
    "build_http_client",
    "decode_json",
    "map_transport_error",
    "request_json",
]

logger = logging.getLogger(__name__)

#: Verify v1 lives here (not on rest.nexmo.com: that host answers status 3 "Facility not allowed").
DEFAULT_API_HOST: Final = "https://api.nexmo.com"
#: The Account API (balance) lives here.
DEFAULT_REST_HOST: Final = "https://rest.nexmo.com"
#: Explicit per-phase limits, so no call can wait forever.
DEFAULT_TIMEOUT: Final = httpx.Timeout(connect=5.0, read=15.0, write=10.0, pool=5.0)
USER_AGENT: Final = f"verify-desk/{__version__}"

FormData = Mapping[str, str | Sequence[str]]


def build_http_client(
    transport: httpx.BaseTransport | None = None,
    timeout: httpx.Timeout = DEFAULT_TIMEOUT,
) -> httpx.Client:
    """Build the one long-lived client the app shares between worker threads.

    ``httpx.Client`` is thread-safe for concurrent requests; its pool keeps connections alive.

    Args:
        transport: A transport to use instead of the network (tests pass ``MockTransport``).
        timeout: Per-phase timeouts; :data:`DEFAULT_TIMEOUT` unless a test needs shorter ones.

    Returns:
        A client with TLS verification on, redirects off and the Verify Desk User-Agent.
    """
    return httpx.Client(
        transport=transport,
        timeout=timeout,
        headers={"User-Agent": USER_AGENT},
        follow_redirects=False,
        # Never configurable: a support tool must not talk to an impostor holding the secret.
        verify=True,
    )


def _caused_by_tls(exc: BaseException) -> bool:
    """True when ``exc`` or anything in its cause/context chain is an SSL error."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, ssl.SSLError | ssl.CertificateError):
            return True
        current = current.__cause__ or current.__context__
    return False


def map_transport_error(exc: Exception, *, secret: str = "") -> TransportError:
    """Translate an httpx (or socket/SSL) failure into the domain's TransportError family.

    Args:
        exc: What httpx raised.
        secret: Scrubbed out of the detail text, in case a message ever carries it.

    Returns:
        The domain error to raise instead (never an httpx type).
    """
    detail = scrub_secret(str(exc), secret)
    suffix = f" ({type(exc).__name__}: {detail})" if detail else f" ({type(exc).__name__})"
    if isinstance(exc, ssl.SSLError | ssl.CertificateError) or (
        isinstance(exc, httpx.ConnectError) and _caused_by_tls(exc)
    ):
        return TlsError(TlsError.meaning + suffix)
    if isinstance(exc, httpx.PoolTimeout):
        return ConnectError(
            "No connection to the Verify API became free in time; nothing was sent." + suffix
        )
    if isinstance(
        exc,
        httpx.ConnectError
        | httpx.ConnectTimeout
        | httpx.UnsupportedProtocol
        | httpx.ProxyError
        | httpx.LocalProtocolError
        | httpx.InvalidURL,
    ):
        return ConnectError(ConnectError.meaning + suffix)
    if isinstance(exc, httpx.TimeoutException):
        return TimeoutError_(TimeoutError_.meaning + suffix)
    if isinstance(exc, httpx.DecodingError):
        return ResponseFormatError(ResponseFormatError.meaning + suffix)
    if isinstance(exc, httpx.NetworkError | httpx.RemoteProtocolError | OSError):
        return ConnectionLostError(ConnectionLostError.meaning + suffix)
    # Anything else httpx may add later: outcome unknown, the safe assumption.
    return TransportError(TransportError.meaning + suffix)


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
        return json.loads(content, parse_constant=_reject_constant)
    except (ValueError, RecursionError) as exc:
        # ValueError covers JSONDecodeError and UnicodeDecodeError; RecursionError deep nesting.
        kind = "not valid JSON" if isinstance(exc, ValueError) else "nested too deeply"
        error = ResponseFormatError(f"{ResponseFormatError.meaning} (the body is {kind}).")
    raise error


def _path_of(url: str) -> str:
    """The path of ``url`` for a log line (never the query), or "?" if it does not parse."""
    try:
        return urlsplit(url).path
    except ValueError:
        return "?"


def _reject_constant(name: str) -> Any:
    """Refuse NaN and Infinity, which are not JSON."""
    raise ValueError(f"non-standard JSON constant {name}")


def _retry_after_header(response: httpx.Response) -> float | None:
    """Seconds from a numeric Retry-After header, if any."""
    raw = response.headers.get("Retry-After", "")
    try:
        value = float(raw)
    except ValueError:
        return None
    return value if math.isfinite(value) and value >= 0 else None


def _check_http_status(response: httpx.Response) -> None:
    """Raise the domain error for an HTTP status the API does not answer with."""
    status = response.status_code
    if 200 <= status < 300:
        return
    if status == 401:
        raise AuthError("401", "HTTP 401 Unauthorized")
    if status == 429:
        raise ThrottledError(
            "1", "HTTP 429 Too Many Requests", retry_after=_retry_after_header(response) or 1.0
        )
    reason = response.reason_phrase or "error"
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
    """
    failure: TransportError | None = None
    try:
        response = http.request(method, url, data=data, params=params, auth=auth)
    except (httpx.HTTPError, httpx.InvalidURL, OSError) as exc:
        failure = map_transport_error(exc, secret=secret)
    if failure is not None:
        # Raised outside the except block so no httpx exception (which holds the request and
        # its body) is chained onto the domain error.
        logger.info("%s %s failed: %s", method, _path_of(url), type(failure).__name__)
        raise failure
    logger.debug("%s %s -> HTTP %s", method, response.url.path, response.status_code)
    _check_http_status(response)
    if allow_empty and not response.content.strip():
        return None
    return decode_json(response.content)
