"""Live shared history: a request sent in one window reaches another window's Recent requests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from desktop_app.app import AppContext
from desktop_app.settings.profiles import Profile
from tests.helpers.windows import send_in_window

NUMBER = "+44 7400 123456"



def _shown(ctx: AppContext) -> list[str | None]:
    return [row.request_id for row in ctx.window.recent.model.rows()]


def test_a_send_in_one_window_reaches_the_other_through_notify(
    qtbot: Any, open_window: Callable[..., AppContext]
) -> None:
    a, b = open_window("a"), open_window("b")
    assert a.history_store is not None and a.history_store.dialect == "postgresql"
    assert b.history is not None
    qtbot.waitUntil(lambda: not b.window.recent.is_loading, timeout=5000)
    assert _shown(b) == []
    # B hears it from the server (LISTEN), not from a poll: its ``changed`` fires first.
    with qtbot.waitSignal(b.history.changed, timeout=5000):
        rid = send_in_window(qtbot, a, NUMBER)
    qtbot.waitUntil(lambda: rid in _shown(b), timeout=5000)
    assert b.window.history_label.isHidden()  # the server is reachable


def test_a_start_refused_as_already_running_names_the_agent_who_started_it(
    qtbot: Any, open_window: Callable[..., AppContext], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LOGNAME", "ana")  # the OS user each desk records as the operator
    a = open_window("a")
    rid = send_in_window(qtbot, a, NUMBER)
    # Ben's desk talks to the same (sandbox) API as Ana's, under a profile of his own.
    monkeypatch.setenv("LOGNAME", "ben")
    api = a.sandbox.url
    team = Profile(name="Team", api_host=api, rest_host=api, api_key="sandbox")
    b = open_window("b", team, "sandbox-secret")
    panel = b.window.concurrent_panel
    form = b.window.send_form
    form.number_edit.setText(NUMBER)
    form.brand_edit.setText("Acme")
    form.send_button.click()
    qtbot.waitUntil(lambda: not panel.agent_label.isHidden(), timeout=10000)
    assert panel.request_id == rid
    assert panel.agent_label.text().startswith("Started by ana")
    assert "profile Sandbox" in panel.agent_label.text()
