"""The sandbox's HTTP server and request handler: each request routed to the engine.

The handler is built in layers, one module each:

* :mod:`desktop_app.sandbox.wire`: answers in a single write (Nagle off, ``Content-Length``
  always set, nothing logged per request: the query string may hold the secret) and the
  request body limit (:data:`MAX_BODY`);
* :mod:`desktop_app.sandbox.connection`: connection tracking, and TLS on the same port;
* :mod:`desktop_app.sandbox.fault_injection`: playing a drawn fault;
* this module: routing (tables in :mod:`desktop_app.sandbox.routes`) to the Verify v1, v2 and
  ``/sandbox/...`` control operations of the engine. ``verbose`` logs the method and path only,
  never the query string.
"""

from __future__ import annotations

import re
import socket
import ssl
import sys
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from desktop_app.sandbox.connection import ConnectionServer
from desktop_app.sandbox.fault_injection import FaultInjectingHandler
from desktop_app.sandbox.faults import FaultPlan, rule_from_fields
from desktop_app.sandbox.params import (
    BadParametersError,
    basic_credentials,
    merge,
    parse_body,
    parse_query,
)
from desktop_app.sandbox.routes import (
    SANDBOX_FIELD,
    SANDBOX_ROUTES,
    V2_PREFIX,
    VERIFY_ROUTES,
    v2_route,
)
from desktop_app.sandbox.wire import MAX_BODY

if TYPE_CHECKING:
    from desktop_app.sandbox.engine import SandboxEngine

__all__ = [
    "MAX_BODY",
    "SANDBOX_ROUTES",
    "V2_PREFIX",
    "VERIFY_ROUTES",
    "SandboxHTTPServer",
    "SandboxHandler",
    "v2_route",
]

#: A Host header that may be echoed into a ``check_url`` (anything else uses the bound address).
_HOST_RE = re.compile(r"[A-Za-z0-9.\-]+(:[0-9]{1,5})?|\[[0-9A-Fa-f:.]+\](:[0-9]{1,5})?")


class SandboxHTTPServer(ConnectionServer):
    """The sandbox's threading HTTP server: its engine, its fault plan and tracked connections.

    Args:
        address: The ``(host, port)`` to listen on (port 0: any free port).
        engine: Answers every Verify and control request.
        ssl_context: Serve TLS on the same port too.
        verbose: Print the method and path of each request (never the query string).
        family: The address family of ``address``.
        faults: The fault plan requests draw from (default: an empty one).
    """

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
        self.engine = engine
        self.faults = faults if faults is not None else FaultPlan()
        super().__init__(
            address, SandboxHandler, ssl_context=ssl_context, verbose=verbose, family=family
        )


class SandboxHandler(FaultInjectingHandler):
    """One connection's requests, each routed to the engine."""

    server: SandboxHTTPServer

    def do_GET(self) -> None:  # noqa: N802 - http.server calls do_<METHOD>
        """Handle GET."""
        self._dispatch()

    def do_POST(self) -> None:  # noqa: N802 - http.server calls do_<METHOD>
        """Handle POST."""
        self._dispatch()

    def do_DELETE(self) -> None:  # noqa: N802 - http.server calls do_<METHOD>
        """Handle DELETE (Verify v2 cancel)."""
        self._dispatch()

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

    def _wait_latency(self) -> None:
        latency = self.server.engine.latency
        if latency > 0:
            self.server.stopping.wait(latency)

    def _sandbox(self, path: str, params: dict[str, list[str]]) -> None:
        engine = self.server.engine
        value = (params.get(SANDBOX_FIELD.get(path, ""), [""]) or [""])[0]
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
