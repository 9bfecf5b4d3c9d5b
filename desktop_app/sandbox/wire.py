"""HTTP/1.1 on the wire, built for speed on keep-alive connections: answers and the body limit.

Every answer is its status line, headers and body in a single write (with Nagle off, one
segment for a small answer), ``Content-Length`` always set and ``Connection: close`` only when
the connection ends; an answer to ``HEAD`` has the headers only. Nothing is logged per request:
the query string may hold the secret. A request body is read only when its ``Content-Length``
is valid and at most :data:`MAX_BODY`.

Protocol errors (a bad request line, oversized headers, an unknown method, a refused body) are
JSON: an RFC 7807 problem document on a Verify v2 path (the v2 spec requires one for every
error), ``{"error": ...}`` elsewhere (``{"status": "3", "error_text": ...}`` for a body too
large, as the v1 API words it).
"""

from __future__ import annotations

import email.utils
import json
import time
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler
from typing import Any

from desktop_app.sandbox.problems import problem_body
from desktop_app.sandbox.routes import is_v2

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
        text = message or HTTPStatus(code).phrase
        if code != 501:
            # http.server appends the request line's repr: it may hold the secret.
            text = text.split(" (", 1)[0]
        text = text[:100]
        if self._on_v2_path():
            self.send_problem(code, f"{text}.", _kind(code))
        else:
            self.send_json(code, {"error": text})

    def send_problem(
        self, code: int, detail: str, kind: str, *, allow: tuple[str, ...] | None = None
    ) -> None:
        """Answer an RFC 7807 problem document (title: the status's phrase)."""
        try:
            title = HTTPStatus(code).phrase
        except ValueError:
            title = "Error"
        self.send_json(code, problem_body(title, detail, kind), allow=allow)

    def send_json(
        self,
        code: int,
        body: dict[str, Any] | None,
        *,
        location: str | None = None,
        allow: tuple[str, ...] | None = None,
    ) -> None:
        """Write the status line, headers and JSON body (``None``: no body) in a single write."""
        data = b"" if body is None else json.dumps(body, separators=(",", ":")).encode()
        kind = None if body is None else "application/json;charset=UTF-8"
        extra = f"Allow: {', '.join(allow)}\r\n" if allow is not None else ""
        self._send_raw(code, data, content_type=kind, location=location, extra=extra)

    def _on_v2_path(self) -> bool:
        """True once a request line naming a Verify v2 path was read."""
        # parse_request sets command and path together, after resetting command to None.
        path = getattr(self, "path", "") if getattr(self, "command", None) else ""
        return is_v2(path.split("?", 1)[0].rstrip("/"))

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
        phrase = _PHRASES.get(code, "")
        if content_type is not None:
            extra += f"Content-Type: {content_type}\r\n"
        if location is not None:
            extra += f"Location: {location}\r\n"
        self._answered = True
        size = len(data) if length is None else length
        if getattr(self, "command", None) == "HEAD":
            data = b""  # the headers describe the answer a GET would get; no body follows
        head = (
            f"HTTP/1.1 {code} {phrase}\r\n"
            f"Server: {self.server_version}\r\n"
            f"Date: {_http_date()}\r\n" + extra + f"Content-Length: {size}\r\n"
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
            if self._on_v2_path():
                detail = f"The request body is larger than {MAX_BODY} bytes."
                self.send_problem(413, detail, "payload-too-large")
            else:
                self.send_json(413, {"status": "3", "error_text": "Request body too large"})
            return None
        data = self.rfile.read(length) if length else b""
        if len(data) < length:
            self.close_connection = True
            return None
        return data


#: Each status's reason phrase (``HTTPStatus(code)`` costs an enum lookup per answer).
_PHRASES = {status.value: status.phrase for status in HTTPStatus}
#: The ``Date`` header of the current second: formatting it per answer cost ~3 us.
_date = (0, "")


def _http_date() -> str:
    """The ``Date`` header value (RFC 7231 IMF-fixdate), formatted once per second."""
    global _date
    now = int(time.time())
    second, text = _date
    if second != now:
        text = email.utils.formatdate(now, usegmt=True)
        _date = (now, text)  # one tuple swap: threads see the old or the new pair
    return text


def _kind(code: int) -> str:
    """The problem ``type`` anchor for a protocol error's status."""
    return {
        400: "bad-request",
        405: "method-not-allowed",
        411: "length-required",
        413: "payload-too-large",
        414: "uri-too-long",
        431: "headers-too-large",
        501: "not-implemented",
    }.get(code, "bad-request")
