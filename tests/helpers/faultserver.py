"""A tiny loopback HTTP server that answers every request with one chosen fault.

Modes: ``html500`` / ``html502`` / ``html503`` (HTML error page), ``badjson`` (HTTP 200, not JSON),
``truncated`` (HTTP 200, the body stops short of its Content-Length), ``hang`` (reads the request,
never answers), ``reset`` (closes the connection without a word), ``throttle`` (v1 status 1),
``status5`` (v1 status 5), ``ok-balance`` (a normal balance answer). Bodies are kept in memory only
so a test can count hits; nothing is written anywhere.
"""

from __future__ import annotations

import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

_HTML = b"<html><body><h1>Bad Gateway</h1><p>upstream went away</p></body></html>"


class _Handler(BaseHTTPRequestHandler):
    server: FaultServer._Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _answer(self, status: int, body: bytes, ctype: str, *, length: int | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body) if length is None else length))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()
        self.close_connection = True

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        owner = self.server.owner
        with owner.lock:
            owner.hits += 1
            mode = owner.mode
        if mode.startswith("html"):
            self._answer(int(mode[4:]), _HTML, "text/html")
        elif mode == "badjson":
            self._answer(200, b'{"status": "0", "request_id": ', "application/json")
        elif mode == "truncated":
            body = b'{"status": "0", "request_id": "abc"}'
            self._answer(200, body[:12], "application/json", length=len(body))
        elif mode == "hang":
            owner.stopping.wait(30)
        elif mode == "reset":
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00" * 2)
            self.connection.close()
            self.close_connection = True
        elif mode == "throttle":
            self._json({"status": "1", "error_text": "Throughput Rate Exceeded"})
        elif mode == "status5":
            self._json({"status": "5", "error_text": "Internal Error"})
        else:
            self._json({"value": 10.5, "autoReload": False})

    def _json(self, data: dict[str, Any]) -> None:
        self._answer(200, json.dumps(data).encode(), "application/json")

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()


class FaultServer:
    """``with FaultServer("html502") as f: f.url``; ``f.mode`` may change between calls."""

    class _Server(ThreadingHTTPServer):
        daemon_threads = True
        owner: FaultServer

    def __init__(self, mode: str) -> None:
        self.mode = mode
        self.hits = 0
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self._server = self._Server(("127.0.0.1", 0), _Handler)
        self._server.owner = self
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def tls_url(self) -> str:
        """The same plain-HTTP port addressed as https: the TLS handshake fails."""
        return f"https://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> FaultServer:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stopping.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
