"""The HTTP request handler: routing, body limits, TLS and JSON answers.

Built for speed on keep-alive connections: Nagle off, headers and body in one write,
``Content-Length`` always set, and nothing logged per request (``verbose`` logs the method and
path only, never the query string, which may hold the secret).
"""

from __future__ import annotations

import contextlib
import json
import re
import select
import socket
import socketserver
import ssl
import struct
import sys
import threading
import time
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from socketserver import _SocketWriter  # type: ignore[attr-defined]
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from desktop_app.sandbox.faults import Fault, FaultPlan, rule_from_fields
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
    "/sandbox/faults": ("GET", "POST", "DELETE"),
    "/sandbox/faults/clear": ("POST",),
}
V2_PREFIX = "/v2/verify"
#: The page a failing gateway sends with HTTP 5xx (the ``http5xx`` faults).
_GATEWAY_PAGE = (
    "<html><head><title>{code} {phrase}</title></head><body><center><h1>{code} {phrase}"
    "</h1></center><hr><center>sandbox fault injection</center></body></html>\n"
)
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
        faults: FaultPlan | None = None,
    ) -> None:
        self.address_family = family
        self.engine = engine
        self.faults = faults if faults is not None else FaultPlan()
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

    def open_connections(self) -> int:
        """How many connections are being served right now."""
        with self._conn_lock:
            return len(self._handlers)

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
        kind = None if body is None else "application/json;charset=UTF-8"
        self._send_raw(code, data, content_type=kind, location=location)

    def _send_raw(
        self,
        code: int,
        data: bytes,
        *,
        content_type: str | None,
        location: str | None = None,
        length: int | None = None,
        extra: str = "",
    ) -> None:
        """Write one answer; ``length`` may claim more bytes than ``data`` (a truncated body)."""
        try:
            phrase = HTTPStatus(code).phrase
        except ValueError:
            phrase = ""
        if content_type is not None:
            extra += f"Content-Type: {content_type}\r\n"
        if location is not None:
            extra += f"Location: {location}\r\n"
        size = len(data) if length is None else length
        head = (
            f"HTTP/1.1 {code} {phrase}\r\n"
            f"Server: {self.server_version}\r\n"
            f"Date: {self.date_time_string()}\r\n" + extra + f"Content-Length: {size}\r\n"
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
        if self.command == "DELETE" and path != "/sandbox/faults":
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
            endpoint = op or "balance"
            fault = self.server.faults.draw(endpoint)
            if fault is not None and self._fault_before(fault, endpoint):
                return
            self._wait_latency()
            basic = basic_credentials(self.headers.get("Authorization"))
            if op is not None:
                code, answer = 200, engine.verify(op, params, basic)
            else:
                code, answer = engine.balance(params, basic)
            self._answer(code, answer, fault)
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
        endpoint = f"v2_{op}"
        fault = self.server.faults.draw(endpoint)
        if fault is not None and self._fault_before(fault, endpoint):
            return
        self._wait_latency()
        answer = self.server.engine.verify_v2(
            op,
            request_id,
            body,
            authorization=self.headers.get("Authorization"),
            base_url=self._base_url(),
        )
        self._answer(answer.status, answer.body, fault, location=answer.location)

    # -- fault injection (see desktop_app.sandbox.faults) ------------------------------------

    def _fault_before(self, fault: Fault, endpoint: str) -> bool:
        """Play a fault due before processing; True when it took the request's place."""
        kind = fault.kind
        if kind == "latency":
            if not self.server.stopping.wait(fault.seconds):
                return False  # then the normal answer
            self._drop()  # the server is stopping
            return True
        if kind == "hang":
            self._hang(fault.seconds)
        elif kind == "reset":
            self._reset()
        elif kind.startswith("http"):
            code = int(kind[4:])
            page = _GATEWAY_PAGE.format(code=code, phrase=HTTPStatus(code).phrase).encode()
            self._send_raw(code, page, content_type="text/html")
        elif kind == "throttle":
            if endpoint == "balance" or endpoint.startswith("v2_"):
                problem = {
                    "type": "https://developer.vonage.com/api-errors#throttled",
                    "title": "Rate Limit Hit",
                    "detail": "Please wait, then retry your request",
                }
                self.send_json(429, problem)
            else:
                self.send_json(200, _v1_refusal(endpoint, "1", "Throttled"))
        elif kind == "internal_error":
            if endpoint == "balance" or endpoint.startswith("v2_"):
                problem = {"title": "Internal Error", "detail": "Internal Error"}
                self.send_json(500, problem)
            else:
                self.send_json(200, _v1_refusal(endpoint, "5", "Internal Error"))
        else:  # pragma: no cover - every "before" kind is handled above
            return False
        return True

    def _answer(
        self,
        code: int,
        body: dict[str, Any] | None,
        fault: Fault | None,
        *,
        location: str | None = None,
    ) -> None:
        """Send the engine's answer, spoiled by a fault due after processing (if any)."""
        if fault is None or fault.before:
            self.send_json(code, body, location=location)
            return
        self.close_connection = True
        if fault.kind == "drop_after_processing":
            self._drop()
            return
        full = b"{}" if body is None else json.dumps(body, separators=(",", ":")).encode()
        half = full[: max(1, len(full) // 2)]
        json_type = "application/json;charset=UTF-8"
        if fault.kind == "malformed_json":
            self._send_raw(code, half, content_type=json_type, location=location)
        else:  # truncated: promise the whole body, send half of it, close
            self._send_raw(code, half, content_type=json_type, location=location, length=len(full))
            self._drop()

    def _drop(self) -> None:
        """Close the connection now (a FIN, no answer)."""
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.wfile.flush()
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)

    def _reset(self) -> None:
        """Abort the connection with a TCP reset (``SO_LINGER`` 0) instead of answering."""
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        with contextlib.suppress(OSError):
            self.rfile.close()  # a makefile reference would keep the socket open
        with contextlib.suppress(OSError):
            self.connection.close()

    def _hang(self, seconds: float) -> None:
        """Answer nothing until the client gives up, ``seconds`` pass or the server stops."""
        self.close_connection = True
        deadline = time.monotonic() + seconds
        stopping = self.server.stopping
        peekable = self._tls is None
        while not stopping.is_set():
            left = deadline - time.monotonic()
            if left <= 0:
                break
            step = min(0.05, left)
            if not peekable:
                stopping.wait(step)
                continue
            try:
                readable, _, _ = select.select([self.connection], [], [], step)
                if readable and not self.connection.recv(1, socket.MSG_PEEK):
                    break  # the client closed its end: it gave up
            except (OSError, ValueError):
                break
            if readable:  # the client sent more bytes; keep ignoring them
                stopping.wait(step)
        self._drop()

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
            elif path.startswith("/sandbox/faults"):
                body = self._faults_control(path, params)
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

    def _faults_control(self, path: str, params: dict[str, list[str]]) -> dict[str, Any]:
        """``/sandbox/faults``: GET lists, POST adds a rule, DELETE (or POST .../clear) clears."""
        plan = self.server.faults
        if path == "/sandbox/faults/clear" or self.command == "DELETE":
            removed = plan.clear()
            return {**plan.to_json(), "removed": removed}
        if self.command == "POST":
            plan.add(rule_from_fields(params))
        return plan.to_json()


def _v1_refusal(endpoint: str, status: str, text: str) -> dict[str, Any]:
    """A Verify v1 refusal body as the API shapes it for ``endpoint``."""
    body: dict[str, Any] = {"status": status, "error_text": text}
    return {"request_id": "", **body} if endpoint in ("start", "psd2") else body


_SANDBOX_FIELD = {
    "/sandbox/clock/advance": "seconds",
    "/sandbox/clock/scale": "time_scale",
    "/sandbox/latency": "seconds",
}
