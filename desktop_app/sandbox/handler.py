"""The sandbox's HTTP server and request handler: each request dispatched to its engine.

The handler is built in layers, one module each:

* :mod:`desktop_app.sandbox.wire`: answers in a single write (Nagle off, ``Content-Length``
  always set, nothing logged per request: the query string may hold the secret) and the
  request body limit (:data:`MAX_BODY`);
* :mod:`desktop_app.sandbox.connection`: connection tracking, and TLS on the same port;
* :mod:`desktop_app.sandbox.fault_injection`: playing a drawn fault;
* this module: dispatch (tables in :mod:`desktop_app.sandbox.routes`) to the Verify v1 engine
  (answers in JSON or XML, as the path's ``{format}`` says), the Verify v2 engine, the Messages
  engine (``/v1/messages``, and ``/sandbox/inbound``, a customer writing in), the Account
  balance and the ``/sandbox/...`` controls (:mod:`desktop_app.sandbox.controls`).
  ``verbose`` logs the method and path only, never the query string.

Methods: a known path answers only its methods; any other one is HTTP 405 with ``Allow``
(``OPTIONS`` is 204 with ``Allow``; a method http.server does not know is 501). On a Verify v2
path and on ``/v1/messages`` every error is an RFC 7807 problem document. ``/verify/psd2/xml``
answers status 3 in JSON: the spec lists the path but says PSD2 has no XML format.

An unexpected exception while answering is HTTP 500 with a problem document; the engines'
transactions have rolled back whatever it had changed, and the connection closes.
"""

from __future__ import annotations

import logging
import re
import socket
import ssl
import sys
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from desktop_app.sandbox.connection import ConnectionServer
from desktop_app.sandbox.controls import Controls
from desktop_app.sandbox.fault_injection import FaultInjectingHandler
from desktop_app.sandbox.faults import FaultPlan
from desktop_app.sandbox.formats import JSON_TYPE, json_bytes, render_v1
from desktop_app.sandbox.messages_engine import InboundRefused
from desktop_app.sandbox.params import (
    BadParametersError,
    basic_credentials,
    merge,
    parse_body,
    parse_query,
)
from desktop_app.sandbox.problems import problem_body
from desktop_app.sandbox.records import shown
from desktop_app.sandbox.routes import (
    BALANCE_PATH,
    INBOUND_PATH,
    MESSAGES_PATH,
    PSD2_XML_PATH,
    SANDBOX_ROUTES,
    V2_PREFIX,
    VERIFY_ROUTES,
    allowed_methods,
    is_v2,
    v2_route,
)
from desktop_app.sandbox.wire import MAX_BODY

if TYPE_CHECKING:
    from desktop_app.sandbox.core import Sandbox

__all__ = [
    "MAX_BODY",
    "SANDBOX_ROUTES",
    "V2_PREFIX",
    "VERIFY_ROUTES",
    "SandboxHTTPServer",
    "SandboxHandler",
    "v2_route",
]

log = logging.getLogger(__name__)

#: A Host header that may be echoed into a ``check_url`` (anything else uses the bound address).
_HOST_RE = re.compile(r"[A-Za-z0-9.\-]+(:[0-9]{1,5})?|\[[0-9A-Fa-f:.]+\](:[0-9]{1,5})?")
#: What an unexpected error answers (the trace goes to the log, never to the client).
_INTERNAL = "The sandbox could not answer this request; nothing was changed. Try again."
_NO_PSD2_XML = {"status": "3", "error_text": "Invalid value for param: format"}


class SandboxHTTPServer(ConnectionServer):
    """The sandbox's threading HTTP server: its engines, its fault plan and tracked connections.

    Args:
        address: The ``(host, port)`` to listen on (port 0: any free port).
        engine: The composed sandbox whose engines answer every request.
        ssl_context: Serve TLS on the same port too.
        verbose: Print the method and path of each request (never the query string).
        family: The address family of ``address``.
        faults: The fault plan requests draw from (default: an empty one).
    """

    def __init__(
        self,
        address: tuple[str, int],
        engine: Sandbox,
        *,
        ssl_context: ssl.SSLContext | None = None,
        verbose: bool = False,
        family: socket.AddressFamily = socket.AF_INET,
        faults: FaultPlan | None = None,
    ) -> None:
        self.engine = engine
        self.faults = faults if faults is not None else FaultPlan()
        self.controls = Controls(engine, self.faults)
        super().__init__(
            address, SandboxHandler, ssl_context=ssl_context, verbose=verbose, family=family
        )


class SandboxHandler(FaultInjectingHandler):
    """One connection's requests, each dispatched to an engine or a control."""

    server: SandboxHTTPServer

    def do_GET(self) -> None:  # noqa: N802 - http.server calls do_<METHOD>
        """Handle GET."""
        self._dispatch()

    def do_POST(self) -> None:  # noqa: N802 - http.server calls do_<METHOD>
        """Handle POST."""
        self._dispatch()

    def do_DELETE(self) -> None:  # noqa: N802 - http.server calls do_<METHOD>
        """Handle DELETE (Verify v2 cancel, clearing faults)."""
        self._dispatch()

    def do_PUT(self) -> None:  # noqa: N802 - http.server calls do_<METHOD>
        """Handle PUT (no path takes it: 405 with ``Allow``)."""
        self._dispatch()

    def do_PATCH(self) -> None:  # noqa: N802 - http.server calls do_<METHOD>
        """Handle PATCH (no path takes it: 405 with ``Allow``)."""
        self._dispatch()

    def do_HEAD(self) -> None:  # noqa: N802 - http.server calls do_<METHOD>
        """Handle HEAD (no path takes it: 405 with ``Allow``, headers only)."""
        self._dispatch()

    def do_OPTIONS(self) -> None:  # noqa: N802 - http.server calls do_<METHOD>
        """Handle OPTIONS: 204 with the path's ``Allow``."""
        self._dispatch()

    def do_TRACE(self) -> None:  # noqa: N802 - http.server calls do_<METHOD>
        """Handle TRACE (no path takes it: 405 with ``Allow``)."""
        self._dispatch()

    def _dispatch(self) -> None:
        body = self._read_body()
        if body is None:
            return
        split = urlsplit(self.path)
        path = split.path.rstrip("/") or "/"
        if self.server.verbose:
            sys.stderr.write(f"{self.command} {path}\n")
        self._answered = False
        try:
            self._route(path, split.query, body)
        except Exception:
            log.error("sandbox: %s %s failed; answered HTTP 500", self.command, path, exc_info=True)
            self.close_connection = True
            if not self._answered:
                problem = problem_body("Internal Server Error", _INTERNAL, "internal-error")
                self.send_json(500, problem)

    def _route(self, path: str, query: str, body: bytes) -> None:
        allowed = allowed_methods(path)
        v2 = is_v2(path)
        if allowed is None:
            if v2:
                detail = f"No such Verify v2 endpoint: {shown(path, 200)}"
                self.send_problem(404, detail, "not-found")
            else:
                self.send_json(404, {"error": "Not Found", "path": shown(path, 200)})
            return
        if self.command not in allowed:
            self._method_not_allowed(path, allowed)
            return
        if v2:
            self._v2(path, body)
            return
        if path == MESSAGES_PATH:
            self._messages(body)
            return
        if path == INBOUND_PATH:
            self._inbound(body)
            return
        if path == PSD2_XML_PATH:
            self.send_json(200, {"request_id": "", **_NO_PSD2_XML})
            return
        try:
            params = merge(
                parse_query(query), parse_body(body, self.headers.get("Content-Type", ""))
            )
        except BadParametersError as exc:
            self._bad_parameters(path, str(exc))
            return
        if path in VERIFY_ROUTES:
            self._v1(path, params)
        elif path == BALANCE_PATH:
            self._balance(params)
        else:
            self._control(path, params)

    def _method_not_allowed(self, path: str, allowed: tuple[str, ...]) -> None:
        if self.command == "OPTIONS":
            self.send_json(204, None, allow=allowed)
            return
        detail = f"{self.command[:20]} is not allowed here; use {' or '.join(allowed)}."
        if is_v2(path) or path == MESSAGES_PATH:
            self.send_problem(405, detail, "method-not-allowed", allow=allowed)
        else:
            self.send_json(405, {"error": "Method Not Allowed", "detail": detail}, allow=allowed)

    def _bad_parameters(self, path: str, reason: str) -> None:
        text = f"Invalid request: {reason}"
        route = VERIFY_ROUTES.get(path)
        if route is not None:
            op, fmt = route
            body: dict[str, Any] = {"status": "3", "error_text": text}
            self._send_v1(op, {"request_id": "", **body} if op == "start" else body, fmt)
        elif path == BALANCE_PATH:
            self.send_json(400, {"status": "3", "error_text": text})
        else:
            self.send_json(400, {"error": text})

    def _v1(self, path: str, params: dict[str, list[str]]) -> None:
        op, fmt = VERIFY_ROUTES[path]
        fault = self.server.faults.draw(op)
        if fault is not None and self._fault_before(fault, op, fmt):
            return
        self._wait_latency()
        basic = basic_credentials(self.headers.get("Authorization"))
        answer = self.server.engine.v1.verify(op, params, basic)
        data, content_type = render_v1(op, answer, fmt)
        self._answer(200, data, content_type, fault)

    def _balance(self, params: dict[str, list[str]]) -> None:
        fault = self.server.faults.draw("balance")
        if fault is not None and self._fault_before(fault, "balance"):
            return
        self._wait_latency()
        basic = basic_credentials(self.headers.get("Authorization"))
        code, answer = self.server.engine.balance(params, basic)
        self._answer(code, json_bytes(answer), JSON_TYPE, fault)

    def _control(self, path: str, params: dict[str, list[str]]) -> None:
        try:
            body = self.server.controls.answer(self.command, path, params)
        except ValueError as exc:
            self.send_json(400, {"error": str(exc)})
            return
        self.send_json(200, body)

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
        assert route is not None  # the path and method were checked
        op, request_id = route
        endpoint = f"v2_{op}"
        fault = self.server.faults.draw(endpoint)
        if fault is not None and self._fault_before(fault, endpoint):
            return
        self._wait_latency()
        answer = self.server.engine.v2.verify(
            op,
            request_id,
            body,
            authorization=self.headers.get("Authorization"),
            base_url=self._base_url(),
        )
        data = None if answer.body is None else json_bytes(answer.body)
        self._answer(answer.status, data, JSON_TYPE, fault, location=answer.location)

    def _messages(self, body: bytes) -> None:
        self._wait_latency()
        answer = self.server.engine.messages_api.send(body, self.headers.get("Authorization"))
        self._send_raw(answer.status, json_bytes(answer.body), content_type=answer.content_type)

    def _inbound(self, body: bytes) -> None:
        try:
            answer = self.server.engine.messages_api.inbound(body)
        except InboundRefused as exc:
            self.send_json(400, {"error": str(exc)})
            return
        self.send_json(200, answer)

    def _wait_latency(self) -> None:
        latency = self.server.engine.latency
        if latency > 0:
            self.server.stopping.wait(latency)
