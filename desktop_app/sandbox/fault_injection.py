"""Playing a drawn fault on the connection: before the engine runs, or spoiling its answer.

The plan (which fault, on which endpoint, how often) is :mod:`desktop_app.sandbox.faults`;
:class:`~desktop_app.sandbox.handler.SandboxHandler` draws one per request and hands it here.
A fault due *before* processing takes the request's place (a delay, a hang, a reset, a gateway
5xx page, a throttled or internal-error refusal); one due *after* processing spoils the
engine's answer (dropped, malformed or truncated JSON).
"""

from __future__ import annotations

import contextlib
import select
import socket
import struct
import time
from http import HTTPStatus
from typing import Any

from desktop_app.sandbox.connection import ConnectionHandler
from desktop_app.sandbox.faults import Fault
from desktop_app.sandbox.formats import render_v1
from desktop_app.sandbox.problems import problem_body

__all__ = ["FaultInjectingHandler"]

#: The page a failing gateway sends with HTTP 5xx (the ``http5xx`` faults).
_GATEWAY_PAGE = (
    "<html><head><title>{code} {phrase}</title></head><body><center><h1>{code} {phrase}"
    "</h1></center><hr><center>sandbox fault injection</center></body></html>\n"
)


class FaultInjectingHandler(ConnectionHandler):
    """A connection that can play a fault instead of, or on top of, its answer."""

    def _fault_before(self, fault: Fault, endpoint: str, fmt: str = "json") -> bool:
        """Play a fault due before processing; True when it took the request's place.

        ``fmt`` is the answer format of a Verify v1 endpoint (``json`` or ``xml``).
        """
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
                detail = "Please wait, then retry your request"
                self.send_json(429, problem_body("Rate Limit Hit", detail, "throttled"))
            else:
                self._send_v1(endpoint, _v1_refusal(endpoint, "1", "Throttled"), fmt)
        elif kind == "internal_error":
            if endpoint == "balance" or endpoint.startswith("v2_"):
                body = problem_body("Internal Error", "Internal Error", "internal-error")
                self.send_json(500, body)
            else:
                self._send_v1(endpoint, _v1_refusal(endpoint, "5", "Internal Error"), fmt)
        else:  # pragma: no cover - every "before" kind is handled above
            return False
        return True

    def _answer(
        self,
        code: int,
        data: bytes | None,
        content_type: str,
        fault: Fault | None,
        *,
        location: str | None = None,
    ) -> None:
        """Send the engine's answer (``data`` None: no body), spoiled by a fault due after."""
        if fault is None or fault.before:
            kind = None if data is None else content_type
            self._send_raw(code, data or b"", content_type=kind, location=location)
            return
        self.close_connection = True
        if fault.kind == "drop_after_processing":
            self._drop()
            return
        full = b"{}" if data is None else data
        half = full[: max(1, len(full) // 2)]
        if fault.kind == "malformed_json":
            self._send_raw(code, half, content_type=content_type, location=location)
        else:  # truncated: promise the whole body, send half of it, close
            self._send_raw(
                code, half, content_type=content_type, location=location, length=len(full)
            )
            self._drop()

    def _send_v1(self, op: str, body: dict[str, Any], fmt: str) -> None:
        """Send a Verify v1 answer (HTTP 200) in ``fmt``."""
        data, content_type = render_v1(op, body, fmt)
        self._send_raw(200, data, content_type=content_type)

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


def _v1_refusal(endpoint: str, status: str, text: str) -> dict[str, Any]:
    """A Verify v1 refusal body as the API shapes it for ``endpoint``."""
    body: dict[str, Any] = {"status": status, "error_text": text}
    return {"request_id": "", **body} if endpoint in ("start", "psd2") else body
