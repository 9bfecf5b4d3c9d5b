"""A stand-in Messages API for the client benchmark: every POST is accepted with HTTP 202.

The same server design as :mod:`benchmarks._trivial_server` (and the sandbox): it reads the
body, then answers ``{"message_uuid": ...}`` in one write, with no routing, parsing or
authentication, so the client benchmark measures the clients and not the server.

Run: ``python -m benchmarks._messages_server [--port 0]``; the first line is
``Messages stand-in listening on http://127.0.0.1:PORT``; SIGTERM or SIGINT stops it.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Sequence
from types import FrameType

from benchmarks._trivial_server import TrivialHandler, TrivialServer

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
    parser = argparse.ArgumentParser(prog="python -m benchmarks._messages_server")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args(argv)
    server = TrivialServer(("127.0.0.1", args.port), AcceptingHandler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, on_signal)
    print(f"Messages stand-in listening on http://127.0.0.1:{server.server_address[1]}", flush=True)
    while not stop.wait(0.5):
        pass
    server.shutdown()
    server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
