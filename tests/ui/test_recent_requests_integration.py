"""The recent-requests view and handset panel on the real services and a SandboxServer."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from desktop_app.api.account import AccountClient
from desktop_app.api.http import build_http_client
from desktop_app.api.sandbox_control import SandboxControl
from desktop_app.api.v1 import VerifyV1Client
from desktop_app.domain.models import ApiCredentials
from desktop_app.domain.validation import StartForm
from desktop_app.sandbox.server import SandboxConfig, SandboxServer
from desktop_app.services.handset import HandsetService
from desktop_app.services.history import HistoryService
from desktop_app.services.refresher import StatusRefresher
from desktop_app.services.tasks import TaskRunner
from desktop_app.services.verification import VerificationService
from desktop_app.store.history import HistoryStore
from desktop_app.ui.handset_panel import COL_CODE, HandsetPanel
from desktop_app.ui.recent_requests import RecentRequestsView
from desktop_app.usecases.desk import VerifyDesk


@pytest.fixture
def services(tmp_path: Path) -> Iterator[dict[str, Any]]:
    server = SandboxServer(SandboxConfig(port=0, search_rate_limit=0))
    server.start()
    http = build_http_client()
    store = HistoryStore(tmp_path / "history.db")
    creds = ApiCredentials("sandbox", "sandbox-secret")
    desk = VerifyDesk(
        client=VerifyV1Client(http, creds, api_host=server.url),
        account=AccountClient(http, creds, rest_host=server.url),
        history=store,
        profile="Sandbox",
        operator="tester",
    )
    runner = TaskRunner(4)
    verification = VerificationService(runner, desk)
    history = HistoryService(runner, store)
    yield {
        "server": server,
        "verification": verification,
        "history": history,
        "refresher": StatusRefresher(verification, history),
        "handset": HandsetService(runner, SandboxControl(http, server.url), poll_ms=100),
    }
    assert runner.shutdown(5000)
    http.close()
    store.close()
    server.stop()


def test_started_request_shows_with_search_details_and_handset_code(qtbot, services):
    verification = services["verification"]
    view = RecentRequestsView(services["history"], verification, services["refresher"])
    panel = HandsetPanel(services["handset"])
    qtbot.addWidget(view)
    qtbot.addWidget(panel)
    with qtbot.waitSignal(verification.started, timeout=5000) as blocker:
        verification.send(StartForm(number="+44 7400 123456", brand="Acme"))
    started = blocker.args[0]
    view.add_started(started)
    qtbot.waitUntil(
        lambda: view.selected_entry() is not None and view.selected_entry().brand == "Acme",
        timeout=5000,
    )
    # The selection searched the request: its first delivery event is on the timeline.
    qtbot.waitUntil(lambda: view.details.events_list.count() == 1, timeout=5000)
    assert view.details.events_list.item(0).text().startswith("1. SMS")
    assert view.check_action.isEnabled()
    assert not view.cancel_action.isEnabled()  # within the first 30 s
    view.reload()
    qtbot.waitUntil(lambda: not view.busy_label.isVisibleTo(view), timeout=5000)
    assert view.model.row_of(started.request_id) is not None
    panel.show()
    qtbot.waitUntil(lambda: panel.messages_tree.topLevelItemCount() == 1, timeout=5000)
    code = panel.messages_tree.topLevelItem(0).text(COL_CODE)
    assert code.isdigit()
    panel.hide()
