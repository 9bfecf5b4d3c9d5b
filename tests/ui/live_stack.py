"""Real services over a real sandbox and history, for forms tested without the whole app."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from desktop_app.api.account import AccountClient
from desktop_app.api.http import build_http_client
from desktop_app.api.sandbox_control import SandboxControl
from desktop_app.api.v1 import VerifyV1Client
from desktop_app.api.v2 import VerifyV2Client
from desktop_app.domain.models import ApiCredentials
from desktop_app.sandbox.server import SandboxConfig, SandboxServer
from desktop_app.services.history import HistoryService
from desktop_app.services.tasks import TaskRunner
from desktop_app.services.verification import VerificationService
from desktop_app.store.history import HistoryStore
from desktop_app.usecases.desk import VerifyDesk
from desktop_app.usecases.desk_v2 import open_desk_v2
from desktop_app.usecases.operations import VerifyOperations


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
    creds = ApiCredentials("sandbox", "sandbox-secret")
    desk = VerifyDesk(client=VerifyV1Client(http, creds, api_host=server.url),
                      account=AccountClient(http, creds, rest_host=server.url),
                      history=store, profile="Sandbox", operator="tester")
    v2 = open_desk_v2(desk, VerifyV2Client(http, creds, api_host=server.url))
    ops = VerifyOperations(desk, v2)
    runner = TaskRunner(4)
    yield Stack(server, SandboxControl(http, server.url), VerificationService(runner, ops),
                HistoryService(runner, store), store)
    assert runner.shutdown(5000)
    http.close()
    store.close()
    server.stop()
