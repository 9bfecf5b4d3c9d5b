"""Transport failures and bad answers become the right TransportError subclass."""

from __future__ import annotations

import ssl
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from desktop_app.api.exchange import map_transport_error
from desktop_app.api.http import decode_json
from desktop_app.domain import errors as e
from desktop_app.domain.models import StartParams
from tests.helpers.mock_api import Env

START = StartParams(number="447700900000", brand="Acme")
HTML = b"<html><body><h1>502 Bad Gateway</h1></body></html>"


def _tls_failure() -> httpx.ConnectError:
    # What httpx raises for a bad certificate: ConnectError caused by an ssl error.
    try:
        try:
            raise ssl.SSLCertVerificationError(1, "certificate verify failed: self-signed")
        except ssl.SSLError as inner:
            raise httpx.ConnectError("[SSL: CERTIFICATE_VERIFY_FAILED]") from inner
    except httpx.ConnectError as outer:
        return outer


FAILURES: list[tuple[str, Any, type[e.TransportError], bool]] = [
    ("read-timeout", httpx.ReadTimeout("timed out"), e.ApiTimeoutError, True),
    ("write-timeout", httpx.WriteTimeout("timed out"), e.ApiTimeoutError, True),
    ("connect-timeout", httpx.ConnectTimeout("timed out"), e.ConnectError, False),
    ("pool-timeout", httpx.PoolTimeout("no connection"), e.ConnectError, False),
    ("refused", httpx.ConnectError("[Errno 111] Connection refused"), e.ConnectError, False),
    ("tls", _tls_failure(), e.TlsError, False),
    ("reset", httpx.ReadError("[Errno 104] Connection reset by peer"), e.ConnectionLostError,
     True),
    ("dropped", httpx.RemoteProtocolError("Server disconnected without sending a response."),
     e.ConnectionLostError, True),
    ("unsupported-scheme", httpx.UnsupportedProtocol("ftp"), e.ConnectError, False),
    ("500-html", httpx.Response(500, content=HTML), e.ServerError, True),
    ("502-html", httpx.Response(502, content=HTML), e.ServerError, True),
    ("503-html", httpx.Response(503, content=HTML), e.ServerError, True),
    ("404-html", httpx.Response(404, content=b"<html>Not Found</html>"), e.ServerError, True),
    ("200-html", httpx.Response(200, content=HTML), e.ResponseFormatError, True),
    ("200-text", httpx.Response(200, content=b"OK"), e.ResponseFormatError, True),
    ("200-empty", httpx.Response(200, content=b""), e.ResponseFormatError, True),
    ("200-truncated", httpx.Response(200, content=b'{"request_id": "abc", "sta'),
     e.ResponseFormatError, True),
    ("200-list", httpx.Response(200, json=[{"status": "0"}]), e.ResponseFormatError, True),
    ("200-string", httpx.Response(200, json="0"), e.ResponseFormatError, True),
    ("200-no-status", httpx.Response(200, json={"request_id": "x"}), e.ResponseFormatError,
     True),
    ("200-status-type", httpx.Response(200, json={"status": [0], "request_id": "x"}),
     e.ResponseFormatError, True),
    ("200-id-type", httpx.Response(200, json={"status": "0", "request_id": {}}),
     e.ResponseFormatError, True),
    ("200-no-id", httpx.Response(200, json={"status": "0"}), e.ResponseFormatError, True),
    ("200-nan", httpx.Response(200, content=b'{"status": NaN}'), e.ResponseFormatError, True),
    ("200-latin1", httpx.Response(200, content=b'{"status": "\xff"}'), e.ResponseFormatError,
     True),
    ("200-bad-gzip", httpx.Response(200, stream=httpx.ByteStream(b"not gzip"),
                                    headers={"Content-Encoding": "gzip"}),
     e.ResponseFormatError, True),
]


@pytest.mark.parametrize(
    ("reply", "expected", "unknown"), [f[1:] for f in FAILURES], ids=[f[0] for f in FAILURES]
)
def test_start_failure_mapping_and_never_retried(
    reply: Any, expected: type[e.TransportError], unknown: bool, make_env: Callable[..., Env]
) -> None:
    env = make_env(reply)
    with pytest.raises(e.VerifyDeskError) as info:
        env.v1.start(START)
    assert type(info.value) is expected
    assert info.value.outcome_unknown is unknown or expected is e.ResponseFormatError
    # Nothing from httpx is attached (no cause, no context that would hold the request).
    assert info.value.__cause__ is None and info.value.__context__ is None
    assert env.recorder.calls == 1
    assert env.sleeps == []


@pytest.mark.parametrize("status", [500, 502, 503])
def test_server_error_keeps_http_status(status: int, make_env: Callable[..., Env]) -> None:
    env = make_env(httpx.Response(status, content=HTML))
    with pytest.raises(e.ServerError) as info:
        env.v1.start(START)
    assert info.value.http_status == status
    assert str(status) in str(info.value)
    assert "<html>" not in str(info.value)


def test_http_429_is_throttled_with_retry_after(make_env: Callable[..., Env]) -> None:
    env = make_env(httpx.Response(429, headers={"Retry-After": "7"}))
    with pytest.raises(e.ThrottledError) as info:
        env.v1.start(START)
    assert info.value.retry_after >= 7


def test_unknown_httpx_error_is_outcome_unknown() -> None:
    err = map_transport_error(httpx.StreamConsumed())
    assert isinstance(err, e.TransportError) and err.outcome_unknown


def test_invalid_host_is_not_sent(make_env: Callable[..., Env]) -> None:
    env = make_env(httpx.Response(200, json={"status": "0", "request_id": "x"}))
    from desktop_app.api.v1 import VerifyV1Client
    from tests.helpers.mock_api import CREDS

    client = VerifyV1Client(env.http, CREDS, api_host="https://host.invalid:notaport")
    with pytest.raises(e.ConnectError):
        client.start(START)
    assert env.recorder.calls == 0


def test_deep_nesting_is_format_error() -> None:
    with pytest.raises(e.ResponseFormatError):
        decode_json(b"[" * 100_000 + b"]" * 100_000)
