"""The HTTP request handler: routing, body limits, TLS and JSON answers.

Built for speed on keep-alive connections: Nagle off, headers and body in one write,
``Content-Length`` always set, and nothing logged per request (``verbose`` logs the method and
path only, never the query string, which may hold the secret).
"""

from __future__ import annotations

import contextlib
import json
import re
import socket
import socketserver
import ssl
import sys
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from socketserver import _SocketWriter  # type: ignore[attr-defined]
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from desktop_app.sandbox.params import (
    BadParametersError,
    basic_credentials,
    merge,
    parse_body,
    parse_query,
)

if TYPE_CHECKING:
    from desktop_app.sandbox.engine import SandboxEngine

#: Bodies above this size are refused with HTTP 413.
MAX_BODY = 64 * 1024
VERIFY_ROUTES = {
    "/verify/json": "start",
    "/verify/psd2/json": "psd2",
    "/verify/check/json": "check",
    "/verify/search/json": "search",
    "/verify/control/json": "control",
}
SANDBOX_ROUTES = {
    "/sandbox/clock": ("GET",),
    "/sandbox/clock/advance": ("POST",),
    "/sandbox/clock/scale": ("POST",),
    "/sandbox/latency": ("GET", "POST"),
    "/sandbox/messages": ("GET",),
    "/sandbox/requests": ("GET",),
    "/sandbox/callbacks": ("GET", "POST"),
}
V2_PREFIX = "/v2/verify"
#: A Host header that may be echoed into a ``check_url`` (anything else uses the bound address).
_HOST_RE = re.compile(r"[A-Za-z0-9.\-]+(:[0-9]{1,5})?|\[[0-9A-Fa-f:.]+\](:[0-9]{1,5})?")


def v2_route(method: str, path: str) -> tuple[str, str] | None:
    """``(operation, request_id)`` for a Verify v2 path and method, or None when none fits.

    ``POST /v2/verify`` start; ``POST /v2/verify/{id}`` check; ``DELETE /v2/verify/{id}``
    cancel; ``POST /v2/verify/{id}/next_workflow``; ``GET /v2/verify/{id}/silent-auth/redirect``.
    """
    rest = path[len(V2_PREFIX) :].strip("/")
    parts = rest.split("/") if rest else []
    if not parts:
        return ("start", "") if method == "POST" else None
    request_id, tail = parts[0], parts[1:]
    if not tail:
        return {"POST": ("check", request_id), "DELETE": ("cancel", request_id)}.get(method)
    if tail == ["next_workflow"] and method == "POST":
        return "next_workflow", request_id
    if tail == ["silent-auth", "redirect"] and method == "GET":
        return "silent_auth", request_id
    return None


class SandboxHTTPServer(ThreadingHTTPServer):
    """A threading HTTP server that tracks its connections so ``close_all`` can end them."""

    daemon_threads = True
    block_on_close = False
    request_queue_size = 128

    def __init__(
        self,
        address: tuple[str, int],
        engine: SandboxEngine,
        *,
        ssl_context: ssl.SSLContext | None = None,
        verbose: bool = False,
        family: socket.AddressFamily = socket.AF_INET,
    ) -> None:
        self.address_family = family
        self.engine = engine
        self.ssl_context = ssl_context
        self.verbose = verbose
        self.stopping = threading.Event()
        self._conn_lock = threading.Lock()
        self._handlers: set[SandboxHandler] = set()
        self._conn_threads: set[threading.Thread] = set()
        super().__init__(address, SandboxHandler)

    def server_bind(self) -> None:
        """Bind without the reverse DNS lookup ``HTTPServer`` does (slow without a network)."""
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = str(host)
        self.server_port = int(port)

    def process_request(self, request: Any, client_address: Any) -> None:
        """Serve each connection on its own daemon thread, remembered for ``join_all``."""
        thread = threading.Thread(
            target=self._serve_connection,
            args=(request, client_address),
            daemon=True,
            name="sandbox-connection",
        )
        with self._conn_lock:
            self._conn_threads.add(thread)
        thread.start()

    def _serve_connection(self, request: Any, client_address: Any) -> None:
        try:
            self.finish_request(request, client_address)
        except Exception:
            self.handle_error(request, client_address)
        finally:
            self.shutdown_request(request)
            with self._conn_lock:
                self._conn_threads.discard(threading.current_thread())

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Never print tracebacks per connection; ``verbose`` prints one line."""
        if self.verbose:
            sys.stderr.write(f"sandbox: connection error: {sys.exc_info()[0]}\n")

    def track(self, handler: SandboxHandler, alive: bool) -> None:
        """Remember (or forget) a live connection."""
        with self._conn_lock:
            if alive:
                self._handlers.add(handler)
            else:
                self._handlers.discard(handler)

    def close_all(self, timeout: float = 5.0) -> None:
        """End every open connection and wait for its thread."""
        self.stopping.set()
        with self._conn_lock:
            handlers, threads = list(self._handlers), list(self._conn_threads)
        for handler in handlers:
            with contextlib.suppress(OSError):
                handler.connection.shutdown(socket.SHUT_RDWR)
        for thread in threads:
            thread.join(timeout)


class SandboxHandler(BaseHTTPRequestHandler):
    """One connection's requests."""

    server: SandboxHTTPServer
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server_version = "VerifyDeskSandbox/1.0"
    sys_version = ""
    #: Idle keep-alive connections are closed after this many seconds.
    timeout = 120

    def setup(self) -> None:
        """Start the connection, switching to TLS when the client opens with a handshake."""
        super().setup()
        self._tls: ssl.SSLSocket | None = None
        self._broken = False
        self.server.track(self, True)
        if self.server.ssl_context is not None:
            try:
                head = self.connection.recv(1, socket.MSG_PEEK)
            except OSError:
                head = b""
            if head == b"\x16":
                self._start_tls()

    def handle(self) -> None:
        """Serve requests until the connection closes (unless TLS setup failed)."""
        if not self._broken:
            super().handle()

    def finish(self) -> None:
        """Flush and close the connection, TLS included."""
        try:
            super().finish()
        except OSError:
            pass
        finally:
            self.server.track(self, False)
            if self._tls is not None:
                with contextlib.suppress(OSError):
                    self._tls.close()

    def _start_tls(self) -> None:
        assert self.server.ssl_context is not None
        try:
            tls = self.server.ssl_context.wrap_socket(self.connection, server_side=True)
        except (OSError, ssl.SSLError):
            self._broken = True
            self.close_connection = True
            return
        self.rfile.close()
        self._tls = tls
        self.connection = tls
        self.rfile = tls.makefile("rb", -1)
        self.wfile = _SocketWriter(tls)

    # -- answers -----------------------------------------------------------------------------

    def log_message(self, format: str, *args: Any) -> None:
        """Log nothing per request (the query string may hold the secret)."""

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """Answer protocol errors with JSON and close the connection."""
        self.close_connection = True
        self.send_json(code, {"error": message or HTTPStatus(code).phrase})

    def send_json(
        self, code: int, body: dict[str, Any] | None, *, location: str | None = None
    ) -> None:
        """Write the status line, headers and JSON body (``None``: no body) in a single write."""
        data = b"" if body is None else json.dumps(body, separators=(",", ":")).encode()
        try:
            phrase = HTTPStatus(code).phrase
        except ValueError:
            phrase = ""
        extra = "" if body is None else "Content-Type: application/json;charset=UTF-8\r\n"
        if location is not None:
            extra += f"Location: {location}\r\n"
        head = (
            f"HTTP/1.1 {code} {phrase}\r\n"
            f"Server: {self.server_version}\r\n"
            f"Date: {self.date_time_string()}\r\n" + extra + f"Content-Length: {len(data)}\r\n"
            "Cache-Control: no-store\r\n"
            + ("Connection: close\r\n" if self.close_connection else "")
            + "\r\n"
        )
        try:
            self.wfile.write(head.encode("latin-1") + data)
        except OSError:
            self.close_connection = True

    # -- requests ----------------------------------------------------------------------------

    def do_GET(self) -> None:
        """Handle GET."""
        self._dispatch()

    def do_POST(self) -> None:
        """Handle POST."""
        self._dispatch()

    def do_DELETE(self) -> None:
        """Handle DELETE (Verify v2 cancel)."""
        self._dispatch()

    def do_CONNECT(self) -> None:
        """Tunnel to ourselves over TLS (nothing is ever forwarded to another host).

        Clients that only build ``https://host`` URLs (port 443) reach the sandbox through
        ``HTTPS_PROXY=http://127.0.0.1:PORT``.
        """
        if self.server.ssl_context is None or self._tls is not None:
            self.send_error(405, "CONNECT needs the sandbox to run with a TLS certificate")
            return
        self.wfile.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
        self._start_tls()
        self.close_connection = self._broken

    def _read_body(self) -> bytes | None:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            self.send_error(411, "Content-Length required")
            return None
        raw = self.headers.get("Content-Length")
        if raw is None:
            return b""
        try:
            length = int(raw)
        except ValueError:
            length = -1
        if length < 0:
            self.send_error(400, "Invalid Content-Length")
            return None
        if length > MAX_BODY:
            self.close_connection = True
            self.send_json(413, {"status": "3", "error_text": "Request body too large"})
            return None
        data = self.rfile.read(length) if length else b""
        if len(data) < length:
            self.close_connection = True
            return None
        return data

    def _dispatch(self) -> None:
        body = self._read_body()
        if body is None:
            return
        split = urlsplit(self.path)
        path = split.path.rstrip("/") or "/"
        if self.server.verbose:
            sys.stderr.write(f"{self.command} {path}\n")
        if path == V2_PREFIX or path.startswith(V2_PREFIX + "/"):
            self._v2(path, body)
            return
        if self.command == "DELETE":
            self.send_json(405, {"error": "Method Not Allowed"})
            return
        try:
            params = merge(
                parse_query(split.query),
                parse_body(body, self.headers.get("Content-Type", "")),
            )
        except BadParametersError as exc:
            self.send_json(
                200 if path in VERIFY_ROUTES else 400,
                {"status": "3", "error_text": f"Invalid request: {exc}"},
            )
            return
        engine = self.server.engine
        op = VERIFY_ROUTES.get(path)
        if op is not None or path == "/account/get-balance":
            self._wait_latency()
            basic = basic_credentials(self.headers.get("Authorization"))
            if op is not None:
                self.send_json(200, engine.verify(op, params, basic))
            else:
                self.send_json(*engine.balance(params, basic))
            return
        methods = SANDBOX_ROUTES.get(path)
        if methods is None:
            self.send_json(404, {"error": "Not Found", "path": path[:200]})
        elif self.command not in methods:
            self.send_json(405, {"error": "Method Not Allowed"})
        else:
            self._sandbox(path, params)

    def _base_url(self) -> str:
        """The scheme, host and port this client used (for a v2 ``check_url``)."""
        scheme = "https" if self._tls is not None else "http"
        host = self.headers.get("Host", "").strip()
        if not _HOST_RE.fullmatch(host):
            bound, port = str(self.server.server_address[0]), self.server.server_port
            host = f"[{bound}]:{port}" if ":" in bound else f"{bound}:{port}"
        return f"{scheme}://{host}"

    def _v2(self, path: str, body: bytes) -> None:
        route = v2_route(self.command, path)
        if route is None:
            code = 404 if self.command in ("GET", "POST", "DELETE") else 405
            title = "Not Found" if code == 404 else "Method Not Allowed"
            self.send_json(
                code, {"title": title, "detail": f"No such Verify v2 endpoint: {path[:200]}"}
            )
            return
        op, request_id = route
        self._wait_latency()
        answer = self.server.engine.verify_v2(
            op,
            request_id,
            body,
            authorization=self.headers.get("Authorization"),
            base_url=self._base_url(),
        )
        self.send_json(answer.status, answer.body, location=answer.location)

    def _wait_latency(self) -> None:
        latency = self.server.engine.latency
        if latency > 0:
            self.server.stopping.wait(latency)

    def _sandbox(self, path: str, params: dict[str, list[str]]) -> None:
        engine = self.server.engine
        value = (params.get(_SANDBOX_FIELD.get(path, ""), [""]) or [""])[0]
        try:
            if path == "/sandbox/clock/advance":
                body = engine.advance_clock(float(value))
            elif path == "/sandbox/clock/scale":
                engine.clock.set_time_scale(float(value))
                body = engine.clock_info()
            elif path == "/sandbox/latency":
                if self.command == "POST":
                    engine.latency = float(value)
                body = {"latency": engine.latency}
            elif path == "/sandbox/messages":
                body = engine.messages(params["number"][0] if "number" in params else None)
            elif path == "/sandbox/requests":
                body = engine.requests()
            elif path == "/sandbox/callbacks":
                if self.command == "POST":
                    engine.set_callback_url((params.get("url") or [""])[0] or None)
                body = {"callback_url": engine.callback_url}
            else:
                body = engine.clock_info()
        except ValueError as exc:
            self.send_json(400, {"error": str(exc)})
            return
        self.send_json(200, body)


_SANDBOX_FIELD = {
    "/sandbox/clock/advance": "seconds",
    "/sandbox/clock/scale": "time_scale",
    "/sandbox/latency": "seconds",
}
