"""Real services over a real sandbox and history, for forms tested without the whole app."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from desktop_app.api.http import build_http_client
from desktop_app.api.sandbox_control import SandboxControl
from desktop_app.sandbox.server import SandboxConfig, SandboxServer
from desktop_app.services.history import HistoryService
from desktop_app.services.tasks import TaskRunner
from desktop_app.services.verification import VerificationService
from desktop_app.store.history import HistoryStore
from tests.helpers.desks import build_desk


@dataclass
class Stack:
    """What the forms talk to, plus the sandbox and store the tests inspect."""

    server: SandboxServer
    control: SandboxControl
    verification: VerificationService
    history: HistoryService
    store: HistoryStore


def live_stack(tmp_path: Path) -> Iterator[Stack]:
    """Build the stack, yield it, then shut it down in order (a fixture body)."""
    server = SandboxServer(SandboxConfig(port=0, search_rate_limit=0))
    server.start()
    http = build_http_client()
    store = HistoryStore(tmp_path / "history.db")
    desk = build_desk(http, server.url, store)
    runner = TaskRunner(4)
    yield Stack(
        server,
        SandboxControl(http, server.url),
        VerificationService(runner, desk),
        HistoryService(runner, store),
        store,
    )
    assert runner.shutdown(5000)
    http.close()
    store.close()
    server.stop()
