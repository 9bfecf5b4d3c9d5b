"""The audit trail in the window: the details pane's Actions box, and the filter by user or host.

On the real services over a real sandbox (``stack``): a send, a wrong code and the right one
through the window's VerificationService; the selected request's pane lists the three actions
with who and where, and the Recent requests filter finds rows by their operator and host.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from desktop_app.domain.audit import ActionEntry
from desktop_app.domain.models import HistoryEntry, VerificationStatus
from desktop_app.domain.validation import StartForm
from desktop_app.services.refresher import StatusRefresher
from desktop_app.ui.audit_list import action_line
from desktop_app.ui.details_pane import DetailsPane
from desktop_app.ui.recent_requests import RecentRequestsView
from tests.helpers.desks import HOST, OPERATOR
from tests.helpers.fakes import FakeHistoryService
from tests.helpers.live_stack import Stack
from tests.helpers.tasks import settle

NUMBER = "447400123488"
WHO = f"{OPERATOR}@{HOST}"


def _view(stack: Stack) -> RecentRequestsView:
    return RecentRequestsView(stack.history, stack.verification,
                              StatusRefresher(stack.verification, stack.history))  # fmt: skip


def test_the_details_pane_lists_each_action_with_who_and_where(qtbot: Any, stack: Stack) -> None:
    verification = stack.verification
    view = _view(stack)
    qtbot.addWidget(view)
    with qtbot.waitSignal(verification.started, timeout=5000) as blocker:
        verification.send(StartForm(number=NUMBER, brand="Acme"))
    started = blocker.args[0]
    code = stack.control.messages(NUMBER)[-1].code
    wrong = "".join("1" if c != "1" else "2" for c in code)
    assert settle(qtbot, verification.check(started.request_id, wrong)).error is not None
    assert settle(qtbot, verification.check(started.request_id, code)).error is None
    view.add_started(started)
    qtbot.waitUntil(lambda: view.selected_entry() is not None, timeout=5000)
    view.reload()
    audit = view.details.audit_list
    qtbot.waitUntil(lambda: len(audit.texts()) == 3, timeout=5000)
    lines = audit.texts()
    assert all(line.endswith(f"({WHO})") for line in lines)
    assert [line.split("  ", 1)[1] for line in lines] == [
        f"Started: done ({WHO})",
        f"Code checked: wrong code ({WHO})",
        f"Code checked: right code ({WHO})",
    ]
    assert code not in " ".join(lines) and wrong not in " ".join(lines)


@pytest.mark.parametrize("who", [OPERATOR, OPERATOR.upper()[:3], HOST])
def test_the_window_filter_finds_rows_by_user_or_host(qtbot: Any, stack: Stack, who: str) -> None:
    verification = stack.verification
    view = _view(stack)
    qtbot.addWidget(view)
    with qtbot.waitSignal(verification.started, timeout=5000):
        verification.send(StartForm(number=NUMBER, brand="Acme"))
    view.reload()
    qtbot.waitUntil(lambda: view.model.rowCount() == 1, timeout=5000)
    view.filter_edit.setText("nobody-here")
    qtbot.waitUntil(lambda: view.model.rowCount() == 0, timeout=5000)
    view.filter_edit.setText(who)
    qtbot.waitUntil(lambda: view.model.rowCount() == 1, timeout=5000)
    assert view.model.entry_at(0).host == HOST


def _entry(row_id: int) -> HistoryEntry:
    now = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
    return HistoryEntry(id=row_id, profile="p", operator="ann", host="ws-1", api_version="v1",
                        kind="start", number="447700900123", brand="Acme", workflow_id=None,
                        request_id=f"{row_id:032x}", status=VerificationStatus.IN_PROGRESS,
                        created_at=now, updated_at=now)  # fmt: skip


def _action(row_id: int, outcome: str) -> ActionEntry:
    return ActionEntry(id=1, history_id=row_id, request_id=None, kind="cancel", outcome=outcome,
                       profile="p", user="ann", host="ws-1",
                       at=datetime(2026, 12, 7, 9, 1, tzinfo=UTC))  # fmt: skip


def test_a_refusal_shows_on_reload_and_a_late_answer_is_dropped(qtbot: Any) -> None:
    history = FakeHistoryService()
    pane = DetailsPane(history=history)  # type: ignore[arg-type]
    qtbot.addWidget(pane)
    first, second = _entry(1), _entry(2)
    history.audit[1] = [_action(1, "refused")]
    pane.show_entry(first, None)
    qtbot.waitUntil(lambda: len(pane.audit_list.texts()) == 1)
    history.audit[1].append(_action(1, "ok"))
    pane.show_entry(first, None)  # a periodic reload: the row did not change, the trail did
    qtbot.waitUntil(lambda: len(pane.audit_list.texts()) == 2)
    assert pane.audit_list.texts()[0].endswith("Cancelled: refused (ann@ws-1)")
    pane.set_presenter_mode(True)
    assert "447700900123" not in " ".join(pane.audit_list.texts())
    slow = history.calls("actions")
    pane.show_entry(second, None)
    qtbot.waitUntil(lambda: pane.audit_list.texts() == [])
    pane.audit_list._on_loaded(1, [_action(1, "ok")])  # a late answer for the first row
    assert pane.audit_list.texts() == [] and slow
    pane.show_entry(None, None)
    assert pane.audit_list.texts() == []


def test_an_action_line_is_plain_words() -> None:
    line = action_line(_action(3, "not_found"))
    assert line.endswith("Cancelled: not found or no longer active (ann@ws-1)")
    unknown = ActionEntry(id=2, history_id=3, request_id=None, kind="future", outcome="odd",
                          profile="p", user="ann", host="", at=datetime(2026, 1, 1, tzinfo=UTC))
    assert action_line(unknown).endswith("future: odd (ann)")
