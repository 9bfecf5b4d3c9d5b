"""The app's HTTP client for tests that talk to a real sandbox, recording what it sent.

Fixtures: ``call_log`` (what the client sent, with timing and concurrency), ``http`` (the app's
own client from ``build_http_client``, over a real network transport that fills ``call_log``)
and ``control`` (the test-only control API of the test's ``sandbox``).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import parse_qs

import httpx
import pytest

from desktop_app.api.http import build_http_client
from desktop_app.api.sandbox_control import SandboxControl
from desktop_app.sandbox.server import SandboxServer

#: One sent request: (path, start, end, form fields), times from ``time.perf_counter``.
Call = tuple[str, float, float, dict[str, list[str]]]


@dataclass
class CallLog:
    """What a recording transport saw: one :data:`Call` per request, and concurrency."""

    calls: list[Call] = field(default_factory=list)
    in_flight: dict[str, int] = field(default_factory=dict)
    max_in_flight: dict[str, int] = field(default_factory=dict)
    #: (host:port, path) of every request, in the order they were sent.
    targets: list[tuple[str, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def of(self, path: str) -> list[Call]:
        """The finished calls to ``path``, in the order they finished."""
        with self.lock:
            return [c for c in self.calls if c[0] == path]


class RecordingTransport(httpx.BaseTransport):
    """A real network transport that records each request's path, timing and form body."""

    def __init__(self, log: CallLog) -> None:
        self._inner = httpx.HTTPTransport()
        self._log = log

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        body = request.read().decode(errors="replace")
        form = parse_qs(body) if body else parse_qs(request.url.query.decode())
        with self._log.lock:
            self._log.targets.append((f"{request.url.host}:{request.url.port}", path))
            now = self._log.in_flight.get(path, 0) + 1
            self._log.in_flight[path] = now
            self._log.max_in_flight[path] = max(self._log.max_in_flight.get(path, 0), now)
        start = time.perf_counter()
        try:
            response = self._inner.handle_request(request)
            response.read()  # the call ends when its body has arrived
            return response
        finally:
            end = time.perf_counter()
            with self._log.lock:
                self._log.in_flight[path] -= 1
                self._log.calls.append((path, start, end, form))

    def close(self) -> None:
        self._inner.close()


@pytest.fixture
def call_log() -> CallLog:
    """Every request the test's ``http`` client sent."""
    return CallLog()


@pytest.fixture
def http(call_log: CallLog) -> Iterator[httpx.Client]:
    """The app's own HTTP client (``build_http_client``), recording into ``call_log``."""
    with build_http_client(transport=RecordingTransport(call_log)) as client:
        yield client


@pytest.fixture
def control(http: httpx.Client, sandbox: SandboxServer) -> SandboxControl:
    """The test-only control API of the test's ``sandbox``."""
    return SandboxControl(http, sandbox.url)
