"""Connections: a threading server that tracks them, and plain HTTP or TLS on one port.

:class:`ConnectionServer` serves each connection on its own daemon thread and remembers it, so
``close_all`` can end every open connection (and wait for its thread) when the sandbox stops.
:class:`ConnectionHandler` switches a connection to TLS when the server has a certificate and
the client opens with a TLS handshake, and answers ``CONNECT`` with a TLS tunnel to the sandbox
itself (for clients that only build ``https://host`` URLs).
"""

from __future__ import annotations

import contextlib
import socket
import socketserver
import ssl
import sys
import threading
from http.server import ThreadingHTTPServer
from socketserver import _SocketWriter  # type: ignore[attr-defined]
from typing import Any

from desktop_app.sandbox.wire import WireHandler

__all__ = ["ConnectionHandler", "ConnectionServer"]


class ConnectionServer(ThreadingHTTPServer):
    """A threading HTTP server that tracks its connections so ``close_all`` can end them.

    Args:
        address: The ``(host, port)`` to listen on (port 0: any free port).
        handler: The request handler class serving each connection.
        ssl_context: Serve TLS on the same port too (see :class:`ConnectionHandler`).
        verbose: Print one line per connection error.
        family: The address family of ``address``.
    """

    daemon_threads = True
    block_on_close = False
    request_queue_size = 128

    def __init__(
        self,
        address: tuple[str, int],
        handler: type[ConnectionHandler],
        *,
        ssl_context: ssl.SSLContext | None = None,
        verbose: bool = False,
        family: socket.AddressFamily = socket.AF_INET,
    ) -> None:
        self.address_family = family
        self.ssl_context = ssl_context
        self.verbose = verbose
        self.stopping = threading.Event()
        self._conn_lock = threading.Lock()
        self._handlers: set[ConnectionHandler] = set()
        self._conn_threads: set[threading.Thread] = set()
        super().__init__(address, handler)

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

    def track(self, handler: ConnectionHandler, alive: bool) -> None:
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


class ConnectionHandler(WireHandler):
    """One connection, in plain HTTP or TLS, tracked by its :class:`ConnectionServer`."""

    server: ConnectionServer

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

    def do_CONNECT(self) -> None:  # noqa: N802 - http.server calls do_<METHOD>
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
