"""HTTP/1.1 on the wire, built for speed on keep-alive connections: answers and the body limit.

Every answer is its status line, headers and body in a single write (with Nagle off, one
segment for a small answer), ``Content-Length`` always set and ``Connection: close`` only when
the connection ends. Nothing is logged per request: the query string may hold the secret. A
request body is read only when its ``Content-Length`` is valid and at most :data:`MAX_BODY`.
"""

from __future__ import annotations

import json
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler
from typing import Any

__all__ = ["MAX_BODY", "WireHandler"]

#: Bodies above this size are refused with HTTP 413.
MAX_BODY = 64 * 1024


class WireHandler(BaseHTTPRequestHandler):
    """A request handler that answers in one write and reads bounded bodies."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server_version = "VerifyDeskSandbox/1.0"
    sys_version = ""
    #: Idle keep-alive connections are closed after this many seconds.
    timeout = 120

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

    def _read_body(self) -> bytes | None:
        """The request body (``b""`` without one); None when refused or cut short.

        A refusal (chunked, bad length, too large) is answered here; a body shorter than its
        ``Content-Length`` only closes the connection.
        """
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
