"""Helpers shared by the services tests: a counting transport, real desks, test numbers, and
``settle`` (wait for a task's outcome)."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar
from urllib.parse import parse_qs

import httpx

from desktop_app.api.account import AccountClient
from desktop_app.api.retry import RetryPolicy
from desktop_app.api.v1 import VerifyV1Client
from desktop_app.api.v2 import VerifyV2Client
from desktop_app.domain.models import ApiCredentials
from desktop_app.services.tasks import Task
from desktop_app.store.history import HistoryStore
from desktop_app.usecases.desk import VerifyDesk
from desktop_app.usecases.desk_v2 import open_desk_v2
from desktop_app.usecases.operations import VerifyOperations

T = TypeVar("T")


@dataclass
class CallLog:
    """What a counting transport saw: (path, start, end, form) per request, and concurrency."""

    calls: list[tuple[str, float, float, dict[str, list[str]]]] = field(default_factory=list)
    in_flight: dict[str, int] = field(default_factory=dict)
    max_in_flight: dict[str, int] = field(default_factory=dict)
    #: (host:port, path) of every request, in the order they were sent.
    targets: list[tuple[str, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def of(self, path: str) -> list[tuple[str, float, float, dict[str, list[str]]]]:
        with self.lock:
            return [c for c in self.calls if c[0] == path]


class CountingTransport(httpx.BaseTransport):
    """Wraps a real transport and records each request's path, timing and form body."""

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
            response.read()
            return response
        finally:
            end = time.perf_counter()
            with self._log.lock:
                self._log.in_flight[path] -= 1
                self._log.calls.append((path, start, end, form))

    def close(self) -> None:
        self._inner.close()


def build_desk(
    http: httpx.Client,
    url: str,
    history: HistoryStore,
    *,
    api_key: str = "sandbox",
    api_secret: str = "sandbox-secret",
    profile: str = "Sandbox",
    retry: RetryPolicy | None = None,
) -> VerifyOperations:
    """A profile's real operations (v1 and v2 desks) pointed at a sandbox (no settings)."""
    creds = ApiCredentials(api_key, api_secret)
    v1 = VerifyDesk(
        client=VerifyV1Client(http, creds, api_host=url, retry=retry),
        account=AccountClient(http, creds, rest_host=url, retry=retry),
        history=history,
        profile=profile,
        operator="tester",
    )
    v2 = VerifyV2Client(http, creds, api_host=url, retry=retry)
    return VerifyOperations(v1, open_desk_v2(v1, v2))


def uk_number(n: int) -> str:
    """A distinct valid UK mobile number (never one of the sandbox's magic endings)."""
    return f"447911{n:04d}56"


@dataclass
class Outcome(Generic[T]):
    """How a task ended: its value, or its error (neither when it was cancelled)."""

    value: T | None = None
    error: BaseException | None = None


def settle(qtbot: Any, task: Task[T], timeout: int = 5000) -> Outcome[T]:
    """Wait until ``task`` is done; its failure counts as handled (the test looks at it)."""
    outcome: Outcome[T] = Outcome()
    task.on_success(lambda value: setattr(outcome, "value", value))
    task.on_failure(lambda error: setattr(outcome, "error", error))
    qtbot.waitUntil(lambda: task.is_done, timeout=timeout)
    return outcome
