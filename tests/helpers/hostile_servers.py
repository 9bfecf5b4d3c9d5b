"""Raw-socket servers that misbehave on purpose: record, drip, or never stop sending.

* :class:`RecordingServer` accepts anything (a proxied request, ``CONNECT``), keeps every byte
  it receives and answers 502: the proxy a credential must never reach.
* :class:`HostileServer` reads one request and then, by ``mode``:
  ``slow-headers`` (a status line, then one header byte every ``interval``), ``drip-body``
  (complete headers, then one body byte every ``interval``), ``endless`` (a chunked body sent
  as fast as the client reads, forever) or ``huge`` (``Content-Length`` of 1.5 GB, then bytes
  as fast as the client reads).

Both stop when the test's ``with`` block ends; their pauses wait on the stop event, so nothing
outlives the test.
"""

from __future__ import annotations

import socket
import threading
from types import TracebackType
from typing import Final

_CHUNK: Final = b"x" * 65536


class _Listener:
    def __init__(self, host: str = "127.0.0.1") -> None:
        self.stopping = threading.Event()
        self.lock = threading.Lock()
        self.connections = 0
        self._sock = socket.create_server((host, 0))
        self._sock.settimeout(0.2)
        self.host, self.port = self._sock.getsockname()[:2]
        self._threads: list[threading.Thread] = []
        self._accepter = threading.Thread(target=self._accept, daemon=True)

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def _accept(self) -> None:
        while not self.stopping.is_set():
            try:
                conn, _ = self._sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with self.lock:
                self.connections += 1
            thread = threading.Thread(target=self._serve_safely, args=(conn,), daemon=True)
            self._threads.append(thread)
            thread.start()

    def _serve_safely(self, conn: socket.socket) -> None:
        try:
            with conn:
                conn.settimeout(5)
                self.serve(conn)
        except OSError:
            pass  # the client gave up: exactly what these servers wait for

    def serve(self, conn: socket.socket) -> None:
        raise NotImplementedError

    def __enter__(self) -> _Listener:
        self._accepter.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stopping.set()
        self._accepter.join(5)
        self._sock.close()
        for thread in self._threads:
            thread.join(5)


def read_request_head(conn: socket.socket) -> bytes:
    """Everything up to the blank line ending the request headers (and what came with it)."""
    data = b""
    while b"\r\n\r\n" not in data:
        part = conn.recv(65536)
        if not part:
            break
        data += part
    return data


class RecordingServer(_Listener):
    """Keeps every byte any client sends; answers 502 so no client waits for it."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        super().__init__(host)
        self.received = bytearray()

    def serve(self, conn: socket.socket) -> None:
        conn.settimeout(1)
        pending = bytearray()
        try:
            while True:
                part = conn.recv(65536)
                if not part:
                    return
                with self.lock:
                    self.received += part
                pending += part
                # Answer each request only once all of it (its body too) is recorded: the client
                # gets its 502 after ``received`` holds what it sent, never before.
                while (end := _request_end(pending)) is not None:
                    del pending[:end]
                    conn.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
        except TimeoutError:
            return


def _request_end(data: bytearray) -> int | None:
    """Where the first whole request in ``data`` ends (headers, then Content-Length bytes)."""
    head_end = data.find(b"\r\n\r\n")
    if head_end < 0:
        return None
    length = 0
    for line in bytes(data[:head_end]).split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length" and value.strip().isdigit():
            length = int(value.strip())
    end = head_end + 4 + length
    return end if len(data) >= end else None


class HostileServer(_Listener):
    """Answers every request in one hostile ``mode`` (see the module docstring)."""

    def __init__(self, mode: str, interval: float = 0.2) -> None:
        super().__init__()
        self.mode = mode
        self.interval = interval
        self.hits = 0

    def serve(self, conn: socket.socket) -> None:
        read_request_head(conn)
        with self.lock:
            self.hits += 1
        if self.mode == "slow-headers":
            conn.sendall(b"HTTP/1.1 200 OK\r\n")
            self._drip(conn, b"X-Slow: " + b"a" * 10_000_000)
        elif self.mode == "drip-body":
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                         b"Content-Length: 1000000\r\n\r\n")  # fmt: skip
            self._drip(conn, b'{"status": "0", "request_id": "' + b"a" * 999_000)
        elif self.mode == "endless":
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                         b"Transfer-Encoding: chunked\r\n\r\n")  # fmt: skip
            chunk = b"%x\r\n%s\r\n" % (len(_CHUNK), _CHUNK)
            while not self.stopping.is_set():
                conn.sendall(chunk)
        elif self.mode == "huge":
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                         b"Content-Length: 1500000000\r\n\r\n")  # fmt: skip
            while not self.stopping.is_set():
                conn.sendall(_CHUNK)

    def _drip(self, conn: socket.socket, data: bytes) -> None:
        for index in range(len(data)):
            if self.stopping.wait(self.interval):
                return
            conn.sendall(data[index : index + 1])
