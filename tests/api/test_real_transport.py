"""The same mapping over real loopback sockets (no MockTransport): refused, TLS, timeout, drop."""

from __future__ import annotations

import socket
import struct
import threading
from collections.abc import Iterator

import httpx
import pytest

from desktop_app.api.http import build_http_client
from desktop_app.api.retry import RetryPolicy
from desktop_app.api.v1 import VerifyV1Client
from desktop_app.domain import errors as e
from desktop_app.domain.models import StartParams
from tests.helpers.mock_api import CREDS

START = StartParams(number="447700900000", brand="A")


def _client(host: str) -> tuple[httpx.Client, VerifyV1Client]:
    http = build_http_client(timeout=httpx.Timeout(0.5))
    return http, VerifyV1Client(http, CREDS, api_host=host, retry=RetryPolicy(attempts=1))


@pytest.fixture
def listener() -> Iterator[socket.socket]:
    sock = socket.create_server(("127.0.0.1", 0))
    try:
        yield sock
    finally:
        sock.close()


def _serve_once(sock: socket.socket, action: str) -> threading.Thread:
    def run() -> None:
        conn, _ = sock.accept()
        with conn:
            conn.settimeout(2)
            if action == "plain-http":
                # Whatever arrives (a TLS ClientHello), answer in plain HTTP.
                conn.recv(4096)
                conn.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
            elif action == "drop":
                conn.recv(65536)
                # Linger 0: close() sends RST, i.e. "connection reset by peer".
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            elif action == "silent":
                # Read everything, answer nothing, until the client gives up and closes.
                try:
                    while conn.recv(65536):
                        pass
                except OSError:
                    pass

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def test_refused_connection_is_connect_error() -> None:
    sock = socket.create_server(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens there now
    http, client = _client(f"http://127.0.0.1:{port}")
    with http, pytest.raises(e.ConnectError) as info:
        client.start(START)
    assert info.value.outcome_unknown is False


def test_tls_failure_is_tls_error(listener: socket.socket) -> None:
    thread = _serve_once(listener, "plain-http")
    http, client = _client(f"https://127.0.0.1:{listener.getsockname()[1]}")
    with http, pytest.raises(e.TlsError) as info:
        client.start(START)
    thread.join(5)
    assert info.value.outcome_unknown is False


@pytest.mark.slow
def test_silent_server_is_timeout(listener: socket.socket) -> None:
    thread = _serve_once(listener, "silent")
    http, client = _client(f"http://127.0.0.1:{listener.getsockname()[1]}")
    with http, pytest.raises(e.ApiTimeoutError) as info:
        client.start(START)
    thread.join(5)
    assert info.value.outcome_unknown is True


def test_reset_connection_is_connection_lost(listener: socket.socket) -> None:
    thread = _serve_once(listener, "drop")
    http, client = _client(f"http://127.0.0.1:{listener.getsockname()[1]}")
    with http, pytest.raises(e.ConnectionLostError) as info:
        client.start(START)
    thread.join(5)
    assert info.value.outcome_unknown is True
