"""Live shared history: a request sent in one window reaches another window's Recent requests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from desktop_app.app import AppContext


def _send(qtbot: Any, ctx: AppContext, number: str = "+44 7400 123456") -> str:
    form = ctx.window.send_form
    form.number_edit.setText(number)
    form.brand_edit.setText("Acme")
    with qtbot.waitSignal(form.sent, timeout=5000) as blocker:
        form.send_button.click()
    return str(blocker.args[0].request_id)


def _shown(ctx: AppContext) -> list[str | None]:
    return [row.request_id for row in ctx.window.recent.model.rows()]


def test_a_send_in_one_window_reaches_the_other_through_notify(
    qtbot: Any, open_window: Callable[[str], AppContext]
) -> None:
    a, b = open_window("a"), open_window("b")
    assert a.history_store is not None and a.history_store.dialect == "postgresql"
    assert b.history is not None
    qtbot.waitUntil(lambda: not b.window.recent.is_loading, timeout=5000)
    assert _shown(b) == []
    # B hears it from the server (LISTEN), not from a poll: its ``changed`` fires first.
    with qtbot.waitSignal(b.history.changed, timeout=5000):
        rid = _send(qtbot, a)
    qtbot.waitUntil(lambda: rid in _shown(b), timeout=5000)
    assert b.window.history_label.isHidden()  # the server is reachable
