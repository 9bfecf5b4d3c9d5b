"""Every place that offers Check, Cancel or "Trigger next event" follows the one domain rule.

For a grid of requests (Verify v1 and v2, fresh, past 30 s, past the second delivery, with and
without a search result, past expiry, finished, never started) at several moments, the recent
requests' actions, the status-10 panel's buttons and the Check page's button are enabled exactly
when ``domain.action_rules.rules`` accepts the action, and when not, the tooltip gives the rule's
reason in words (``messages.why_not``).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from PySide6.QtWidgets import QWidget

from desktop_app.domain.action_rules import facts_of, rules
from desktop_app.domain.models import DeliveryEvent, HistoryEntry, VerificationStatus
from desktop_app.ui import messages
from desktop_app.ui.check_form import CheckForm
from desktop_app.ui.concurrent_panel import ConcurrentPanel
from desktop_app.ui.request_actions import RecordCache, RequestActions
from tests.helpers.clock import T0
from tests.helpers.fakes import FakeHistoryService

V2_ID = "0b2c9d4e-1f2a-4b3c-8d4e-5f6a7b8c9d0e"
#: (name, entry fields, search result events or None, seconds after the start)
CASES = [
    ("v1 fresh", {}, None, 5),
    ("v1 past 30 s", {}, 1, 45),
    ("v1 second delivery by the schedule", {"next_event_wait": 120, "pin_expiry": 240}, 1, 130),
    ("v1 second delivery by the search", {}, 2, 60),
    ("v1 last step", {"workflow_id": 6, "next_event_wait": 60, "pin_expiry": 300}, 1, 70),
    ("v1 expired", {"workflow_id": 6, "next_event_wait": 60, "pin_expiry": 60}, 1, 400),
    ("v1 verified", {"status": VerificationStatus.SUCCESS}, None, 60),
    ("never started", {"status": VerificationStatus.REFUSED, "request_id": None}, None, 1),
    ("v2 fresh", {"api_version": "v2", "request_id": V2_ID, "channels": "sms,voice"}, None, 1),
    ("v2 last channel", {"api_version": "v2", "request_id": V2_ID, "channels": "sms,voice"},
     None, 310),
    ("v2 silent auth", {"api_version": "v2", "request_id": V2_ID,
                        "channels": "silent_auth,sms"}, None, 10),
]  # fmt: skip


class _History(FakeHistoryService):
    """The history with the Check page's read: the requests in progress."""

    def in_progress(self, **kwargs: Any) -> Any:
        rows = [e for e in self.rows or [] if e.status == VerificationStatus.IN_PROGRESS]
        return self._task("in_progress", result=rows, **kwargs)


def _case(make_entry: Any, make_record: Any, fields: dict[str, Any], events: int | None,
          ) -> tuple[HistoryEntry, Any]:  # fmt: skip
    entry = make_entry(**fields)
    record = None
    if events is not None and entry.request_id:
        record = make_record(
            entry.request_id, first_event_date=T0, last_event_date=T0 + timedelta(seconds=40),
            events=tuple(DeliveryEvent("sms", f"e{i}") for i in range(events)))  # fmt: skip
    return entry, record


def _expect(widget_enabled: bool, tooltip: str, refusal: Any) -> None:
    assert widget_enabled == (refusal is None), tooltip
    if refusal is not None:
        assert messages.why_not(refusal) in tooltip


@pytest.mark.parametrize(("name", "fields", "events", "after"), CASES, ids=[c[0] for c in CASES])
def test_the_recent_requests_actions_follow_the_rule(
    qtbot: Any, fake_verification: Any, make_entry: Any, make_record: Any, clock: Any,
    name: str, fields: dict[str, Any], events: int | None, after: float,
) -> None:  # fmt: skip
    entry, record = _case(make_entry, make_record, fields, events)
    host = QWidget()
    qtbot.addWidget(host)
    cache = RecordCache(fake_verification)
    if record is not None:
        cache.put([record])
    actions = RequestActions(host, fake_verification, cache, lambda: entry, clock)
    clock.advance(after)
    actions.update()
    allowed = rules(facts_of(entry, record), clock().timestamp())
    for action, refusal in ((actions.check, allowed.check), (actions.cancel, allowed.cancel),
                            (actions.next, allowed.next)):  # fmt: skip
        _expect(action.isEnabled(), action.toolTip(), refusal)


@pytest.mark.parametrize(("name", "fields", "events", "after"), CASES, ids=[c[0] for c in CASES])
def test_the_already_running_panel_follows_the_rule(
    qtbot: Any, fake_verification: Any, make_entry: Any, make_record: Any,
    name: str, fields: dict[str, Any], events: int | None, after: float,
) -> None:  # fmt: skip
    entry, record = _case(make_entry, make_record, fields, events)
    if not entry.request_id:
        return  # the panel is only ever about a request the API named
    now = T0.timestamp() + after
    history = FakeHistoryService(rows=[entry])
    panel = ConcurrentPanel(fake_verification, history, clock=lambda: now)
    qtbot.addWidget(panel)
    panel.show_request(entry.request_id)
    qtbot.waitUntil(lambda: bool(history.calls("get")) and history.calls("get")[0].is_done)
    if record is not None:
        fake_verification.calls("search")[-1].succeed((record,))
    allowed = rules(facts_of(entry, record), now)
    _expect(panel.check_button.isEnabled(), panel.check_button.toolTip(), allowed.check)
    _expect(panel.cancel_button.isEnabled(), panel.cancel_button.toolTip(), allowed.cancel)


@pytest.mark.parametrize(("name", "fields", "events", "after"), CASES, ids=[c[0] for c in CASES])
def test_the_check_page_follows_the_rule(
    qtbot: Any, fake_verification: Any, make_entry: Any, make_record: Any, clock: Any,
    name: str, fields: dict[str, Any], events: int | None, after: float,
) -> None:  # fmt: skip
    entry, _record = _case(make_entry, make_record, fields, events)
    if entry.status != VerificationStatus.IN_PROGRESS:
        return  # the page lists running requests only (a finished one: see test_truthful_state)
    form = CheckForm(fake_verification, _History(rows=[entry]), clock=clock)
    qtbot.addWidget(form)
    form.reload()
    qtbot.waitUntil(lambda: form.request_combo.findData(entry.request_id) >= 0)
    form.request_combo.setCurrentIndex(form.request_combo.findData(entry.request_id))
    clock.advance(after)
    form.timer.timeout.emit()
    allowed = rules(facts_of(entry), clock().timestamp())  # the page has no search result
    _expect(form.check_button.isEnabled(), form.check_button.toolTip(), allowed.check)
