"""Fixtures for the services tests: runners drained on teardown, real sandboxes, real desks."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from desktop_app.services.tasks import TaskRunner

from .support import CallLog, CountingTransport


@pytest.fixture
def make_runner(qtbot: object) -> Iterator[Callable[..., TaskRunner]]:
    """Build runners that are shut down (and fully drained) when the test ends."""
    runners: list[TaskRunner] = []

    def factory(max_threads: int = 4, name: str = "test") -> TaskRunner:
        runner = TaskRunner(max_threads, name=name)
        runners.append(runner)
        return runner

    yield factory
    for runner in runners:
        assert runner.shutdown(10_000), "a test left a job running"


@pytest.fixture
def call_log() -> CallLog:
    return CallLog()


@pytest.fixture
def http(call_log: CallLog) -> Iterator[httpx.Client]:
    from desktop_app.api.http import build_http_client

    client = build_http_client(transport=CountingTransport(call_log))
    yield client
    client.close()


@pytest.fixture
def sandbox_factory() -> Iterator[Callable[..., object]]:
    from desktop_app.sandbox.server import SandboxConfig, SandboxServer

    servers: list[SandboxServer] = []

    def factory(**overrides: object) -> SandboxServer:
        config = SandboxConfig(**{"port": 0, **overrides})
        server = SandboxServer(config)
        server.start()
        servers.append(server)
        return server

    yield factory
    for server in servers:
        server.stop()


@pytest.fixture
def sandbox(sandbox_factory: Callable[..., object]) -> object:
    return sandbox_factory()


@pytest.fixture
def history_store(tmp_path: Path) -> Iterator[object]:
    from desktop_app.store.history import HistoryStore

    store = HistoryStore(tmp_path / "history.sqlite3")
    yield store
    store.close()
