"""A stand-in Messages API for the client benchmark: every POST is accepted with HTTP 202.

The same server design as :mod:`benchmarks._trivial_server` (and the sandbox): it reads the
body, then answers ``{"message_uuid": ...}`` in one write, with no routing, parsing or
authentication, so the client benchmark measures the clients and not the server.

Run: ``python -m benchmarks._messages_server [--port 0]``; the first line is
``Messages stand-in listening on http://127.0.0.1:PORT``; SIGTERM or SIGINT stops it.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from benchmarks._trivial_server import TrivialHandler
from benchmarks._trivial_server import main as trivial_main

BODY = b'{"message_uuid":"aaaaaaaa-bbbb-cccc-dddd-0123456789ab"}'


class AcceptingHandler(TrivialHandler):
    """Reads the body (so keep-alive works) and answers 202 with a message uuid."""

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        head = (
            "HTTP/1.1 202 Accepted\r\n"
            f"Server: {self.server_version}\r\n"
            f"Date: {self.date_time_string()}\r\n"
            "Content-Type: application/json\r\n"
            f"Content-Length: {len(BODY)}\r\n\r\n"
        )
        self.wfile.write(head.encode("latin-1") + BODY)


def main(argv: Sequence[str] | None = None) -> int:
    """Serve until SIGTERM/SIGINT."""
    return trivial_main(argv, AcceptingHandler, "Messages stand-in")


if __name__ == "__main__":
    sys.exit(main())
