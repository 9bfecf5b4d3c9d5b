"""The throughput baseline: a stdlib ``http.server`` that answers every request with the same
small JSON, built exactly like the sandbox's transport (``ThreadingHTTPServer``, a thread per
keep-alive connection, HTTP/1.1, Nagle off, headers and body in one write) but with no routing,
parsing, authentication or state. Its requests/s is the ceiling for that server design on this
machine.

Run: ``python -m benchmarks._trivial_server [--port 0]``; the first line is
``Trivial server listening on http://127.0.0.1:PORT``; SIGTERM or SIGINT stops it.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import FrameType

BODY = b'{"request_id":"0123456789abcdef0123456789abcdef","status":"0"}'


class TrivialHandler(BaseHTTPRequestHandler):
    """Reads the body (so keep-alive works) and answers the fixed JSON."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server_version = "Trivial/1.0"
    sys_version = ""
    timeout = 120

    def log_message(self, format: str, *args: object) -> None:
        """Log nothing."""

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        head = (
            "HTTP/1.1 200 OK\r\n"
            f"Server: {self.server_version}\r\n"
            f"Date: {self.date_time_string()}\r\n"
            "Content-Type: application/json;charset=UTF-8\r\n"
            f"Content-Length: {len(BODY)}\r\n"
            "Cache-Control: no-store\r\n\r\n"
        )
        self.wfile.write(head.encode("latin-1") + BODY)

    def do_GET(self) -> None:
        """Answer GET."""
        self._answer()

    def do_POST(self) -> None:
        """Answer POST."""
        self._answer()


class TrivialServer(ThreadingHTTPServer):
    """Daemon connection threads; no reverse DNS lookup at bind time."""

    daemon_threads = True
    block_on_close = False
    request_queue_size = 128

    def server_bind(self) -> None:
        """Bind without ``HTTPServer``'s ``getfqdn`` (slow without a network)."""
        import socketserver

        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = str(host)
        self.server_port = int(port)


def main(
    argv: Sequence[str] | None = None,
    handler: type[TrivialHandler] = TrivialHandler,
    name: str = "Trivial server",
) -> int:
    """Serve until SIGTERM/SIGINT (``handler`` and ``name``: another fixed answer's server)."""
    parser = argparse.ArgumentParser(prog=f"python -m {handler.__module__}")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args(argv)
    server = TrivialServer(("127.0.0.1", args.port), handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, on_signal)
    print(f"{name} listening on http://127.0.0.1:{server.server_address[1]}", flush=True)
    while not stop.wait(0.5):
        pass
    server.shutdown()
    server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
