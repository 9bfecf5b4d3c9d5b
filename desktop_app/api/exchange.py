"""One HTTP exchange under the call limits, and the one place httpx failures become domain errors.

Every client in this package sends through :func:`exchange` (v1, the Account API and the sandbox
control through :func:`desktop_app.api.http.request_json`), so nothing from httpx leaks upward:
transport failures become :class:`~desktop_app.domain.errors.TransportError` subclasses.

How failures map (``outcome_unknown`` says whether the server may have acted):

=====================================================  =======================  ===============
httpx                                                  domain                   sent?
=====================================================  =======================  ===============
ConnectError, ConnectTimeout, UnsupportedProtocol,     ConnectError             no
ProxyError, LocalProtocolError, InvalidURL
PoolTimeout (no free connection in the pool)           ConnectError             no
ConnectError caused by ``ssl.SSLError``                TlsError                 no
ReadTimeout, WriteTimeout                              ApiTimeoutError          unknown
the call's overall deadline passed (slow or dripping)  CallDeadlineError        unknown
answer larger than the call's size limit               AnswerTooLargeError      unknown
RemoteProtocolError, ReadError, WriteError             ConnectionLostError      unknown
DecodingError (broken gzip etc.)                       ResponseFormatError      yes
text that cannot be encoded (a lone surrogate)         ValidationFailed         no
=====================================================  =======================  ===============

``PoolTimeout`` is raised while waiting for a connection from the client's own pool, before
anything is written, so it is reported as "not sent" (ConnectError, with its own message).
HTTP statuses are judged by the callers (:mod:`desktop_app.api.http` for v1 and the Account API,
:mod:`desktop_app.api.v2_parsing` for v2).

The limits (:class:`CallLimits`, carried by the client that
:func:`~desktop_app.api.http.build_http_client` builds): an overall deadline for the whole call
(connect, send, headers and body; enforced per socket operation by
:mod:`desktop_app.api.transport`, so a server dripping a byte at a time cannot stretch it), and
a maximum answer size (a declared ``Content-Length`` above it is refused before reading; a body
is read in chunks and abandoned once over it, so memory stays bounded).
Neither failure is retried for a start: the server may have acted.

Every answer's ``Date`` header also tells the client's
:class:`~desktop_app.api.server_time.ServerTime` how far that server's clock is from ours (the
window's countdowns follow the server's clock on a live profile).

Nothing is logged but method, path and HTTP status. Secrets travel in form bodies or in the
``Authorization`` header, neither of which httpx or httpcore log.
"""

from __future__ import annotations

import logging
import math
import ssl
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, NamedTuple
from urllib.parse import urlsplit

import httpx

from desktop_app.domain.errors import (
    AnswerTooLargeError,
    ApiTimeoutError,
    CallDeadlineError,
    ConnectError,
    ConnectionLostError,
    FieldError,
    ResponseFormatError,
    TlsError,
    TransportError,
    ValidationFailed,
)
from desktop_app.domain.redact import redact_secret

from .server_time import ServerTime
from .transport import deadline_scope

__all__ = [
    "ANSWER_SIZE_RANGE",
    "DEADLINE_RANGE",
    "DEFAULT_CALL_LIMITS",
    "Answer",
    "ApiHttpClient",
    "CallLimits",
    "FormData",
    "exchange",
    "map_transport_error",
]

logger = logging.getLogger(__name__)

_monotonic = time.monotonic
_wall_clock = time.time

FormData = Mapping[str, str | Sequence[str]]

#: Bounds of the configurable limits (a deadline of a day, an answer of 1 GiB, are not limits).
DEADLINE_RANGE: Final = (1.0, 3600.0)
ANSWER_SIZE_RANGE: Final = (1024, 1 << 30)


@dataclass(frozen=True)
class CallLimits:
    """The limits every call through :func:`exchange` obeys.

    Attributes:
        deadline: Seconds for one whole HTTP exchange, from connecting to the last body byte.
        max_answer_bytes: The largest answer body read; Verify answers are a few kilobytes,
            the sandbox's request listing a few hundred.
    """

    deadline: float = 30.0
    max_answer_bytes: int = 8 * 1024 * 1024

    def __post_init__(self) -> None:
        low, high = DEADLINE_RANGE
        if not (math.isfinite(self.deadline) and low <= self.deadline <= high):
            raise ValueError(f"deadline must be from {low:g} to {high:g} seconds")
        smallest, largest = ANSWER_SIZE_RANGE
        if not smallest <= self.max_answer_bytes <= largest:
            raise ValueError(f"max_answer_bytes must be from {smallest} to {largest}")


DEFAULT_CALL_LIMITS: Final = CallLimits()


class ApiHttpClient(httpx.Client):
    """The shared ``httpx.Client``, the :class:`CallLimits` its calls obey, and its servers' clocks.

    Args:
        limits: The limits of every call.
        server_time: Where the servers' clock offsets are learned (a new one by default).
        kwargs: For ``httpx.Client``.
    """

    def __init__(
        self, *, limits: CallLimits, server_time: ServerTime | None = None, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.call_limits = limits
        self.server_time = server_time if server_time is not None else ServerTime()


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
    detail = redact_secret(str(exc), secret)
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
        return ApiTimeoutError(ApiTimeoutError.meaning + suffix)
    if isinstance(exc, httpx.DecodingError):
        return ResponseFormatError(ResponseFormatError.meaning + suffix)
    if isinstance(exc, httpx.NetworkError | httpx.RemoteProtocolError | OSError):
        return ConnectionLostError(ConnectionLostError.meaning + suffix)
    # Anything else httpx may add later: outcome unknown, the safe assumption.
    return TransportError(TransportError.meaning + suffix)


def _path_of(url: str) -> str:
    """The path of ``url`` for a log line (never the query), or "?" if it does not parse."""
    try:
        return urlsplit(url).path
    except ValueError:
        return "?"


class Answer(NamedTuple):
    """What came back from one call: status, headers and the whole (bounded) body.

    A named tuple: immutable, and built once per call far more cheaply than a frozen
    dataclass.
    """

    status_code: int
    reason_phrase: str
    headers: httpx.Headers
    content: bytes


def _length_and_date(headers: httpx.Headers) -> tuple[bytes, str | None]:
    """``Content-Length`` (raw bytes, ``b""`` when absent) and ``Date`` of an answer.

    One pass over the raw headers instead of two ``Headers.get`` (each lower-cases, encodes
    and scans; together a measurable share of a call). A repeated header is joined with
    ", " as ``Headers.get`` joins it, so neither a doubled length nor a doubled date is
    believed.
    """
    length: bytes | None = None
    date: bytes | None = None
    for key, value in headers.raw:
        name = key.lower()
        if name == b"content-length":
            length = value if length is None else length + b", " + value
        elif name == b"date":
            date = value if date is None else date + b", " + value
    return length or b"", None if date is None else date.decode("latin-1")


def _read_body(
    response: httpx.Response, declared: bytes, limits: CallLimits, deadline: float
) -> bytes:
    """The body, at most ``limits.max_answer_bytes`` of it, before the deadline.

    A declared length (``Content-Length``, ASCII digits) above the limit is refused before
    anything is read. The chunks are counted and kept, not copied into a growing buffer:
    the usual answer is one chunk, which is then returned as it came.
    """
    limit = limits.max_answer_bytes
    if declared.isdigit() and int(declared) > limit:  # bytes.isdigit: ASCII digits only
        raise AnswerTooLargeError(limit=limit)
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > limit:
            raise AnswerTooLargeError(limit=limit)
        chunks.append(chunk)
        if _monotonic() > deadline:
            raise CallDeadlineError(seconds=limits.deadline)
    return b"".join(chunks)


#: Slack for the socket's own rounding when telling "the deadline cut this read" apart.
_DEADLINE_SLACK: Final = 0.05


def exchange(
    http: httpx.Client,
    method: str,
    url: str,
    *,
    data: FormData | None = None,
    params: Mapping[str, str] | None = None,
    json_body: Any = None,
    auth: httpx.Auth | None = None,
    headers: Mapping[str, str] | None = None,
    secret: str = "",
    log: logging.Logger = logger,
) -> Answer:
    """Send one request and read its answer within the client's :class:`CallLimits`.

    Args:
        http: The shared client (a plain ``httpx.Client`` gets the default limits).
        method: The HTTP method.
        url: The full URL; it must never contain a secret.
        data: Form fields (``application/x-www-form-urlencoded``); lists repeat a key.
        params: Query parameters (never secrets).
        json_body: A JSON body instead of a form.
        auth: Per-request authentication (HTTP Basic).
        headers: Extra request headers.
        secret: Scrubbed out of any text that ends up in an error.
        log: Where the one line per call (method, path, status or error class) goes: the
            calling client's logger.

    Returns:
        The status, headers and body; any HTTP status (the caller judges it).

    Raises:
        TransportError: A subclass saying whether the request was sent (see the module
            table); CallDeadlineError and AnswerTooLargeError for the limits.
        ValidationFailed: The request holds text that cannot be encoded; nothing was sent.
    """
    server_time = http.server_time if isinstance(http, ApiHttpClient) else None
    limits = http.call_limits if isinstance(http, ApiHttpClient) else DEFAULT_CALL_LIMITS
    failure: TransportError | ValidationFailed | None = None
    with deadline_scope(limits.deadline) as deadline:
        try:
            sent = _wall_clock()
            # What ``http.stream()`` does, without its generator context manager per call.
            request = http.build_request(
                method, url, data=data, params=params, json=json_body, headers=headers
            )
            response = http.send(request, auth=auth, stream=True)
            try:
                declared, date = _length_and_date(response.headers)
                if server_time is not None:
                    server_time.observe(url, date, sent, _wall_clock())
                content = _read_body(response, declared, limits, deadline)
                answer = Answer(
                    response.status_code, response.reason_phrase, response.headers, content
                )
            finally:
                response.close()
        except (httpx.ReadTimeout, httpx.WriteTimeout) as exc:
            if time.monotonic() + _DEADLINE_SLACK >= deadline:
                failure = CallDeadlineError(seconds=limits.deadline)
            else:
                failure = map_transport_error(exc, secret=secret)
        except (httpx.HTTPError, httpx.InvalidURL, OSError) as exc:
            failure = map_transport_error(exc, secret=secret)
        except TransportError as exc:  # the limits, from _read_body
            failure = exc
        except UnicodeEncodeError:
            # A lone surrogate (undecodable input) cannot be put on the wire.
            rule = "holds characters that are not valid text; nothing was sent"
            failure = ValidationFailed([FieldError("request", rule)])
    if failure is not None:
        # Raised outside the except block so no httpx exception (which holds the request and
        # its body) is chained onto the domain error.
        log.info("%s %s failed: %s", method, _path_of(url), type(failure).__name__)
        raise failure
    if log.isEnabledFor(logging.DEBUG):  # the path is parsed only when the line is kept
        log.debug("%s %s -> HTTP %s", method, _path_of(url), answer.status_code)
    return answer
