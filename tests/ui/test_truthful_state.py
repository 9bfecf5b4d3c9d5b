"""Truthful state (issue 9, item 5): a message goes when what it describes changes, "… ago" ticks.

One test per stale state the issue lists, each on the widget that showed it: the recent requests
("Verification cancelled." under other requests, a refused row's reason, the details pane's note,
v2 checks), the Check page (ages, the result of another request), the window (a live profile's
error after switching back to the Sandbox), the status-10 panel's Cancel once the second delivery
is due. The Send page's (the "already running" panel, "Fix the fields…", "Code sent") are in
``test_send_form``.
Forms run on the real services over a real sandbox (``stack``), views on fakes with a clock the
test moves.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from desktop_app.app import AppContext
from desktop_app.domain.errors import NumberBlockedError
from desktop_app.domain.models import ControlResult, DeliveryEvent, VerificationStatus
from desktop_app.domain.validation import StartForm
from desktop_app.settings.profiles import Profile
from desktop_app.ui import messages
from desktop_app.ui.check_form import CheckForm
from desktop_app.ui.concurrent_panel import ConcurrentPanel
from desktop_app.ui.details_pane import DetailsPane
from desktop_app.ui.recent_requests import RecentRequestsView
from tests.helpers.live_stack import Stack
from tests.helpers.tasks import settle

MOBILE = "+44 7400 123456"


# -- the status-10 panel ----------------------------------------------------------------------

def test_panel_cancel_follows_the_schedule_not_the_last_lookup(
    qtbot: Any, fake_history: Any, fake_verification: Any, make_entry: Any, make_record: Any
) -> None:
    entry = make_entry(next_event_wait=120, pin_expiry=240)
    fake_history.rows = [entry]
    start = entry.created_at.timestamp()
    now = [start + 60]
    panel = ConcurrentPanel(fake_verification, fake_history, clock=lambda: now[0])
    qtbot.addWidget(panel)
    panel.show_request(entry.request_id)
    qtbot.waitUntil(lambda: "ago" in panel.timing_label.text(), timeout=3000)
    # The lookup saw one delivery, and is not asked again before the second is due.
    fake_verification.calls("search")[-1].succeed(
        (make_record(entry.request_id, events=(DeliveryEvent("sms", "e1"),)),))
    assert panel.cancel_button.isEnabled()
    now[0] = start + 120  # the second delivery is due: the API refuses a cancel from now on
    panel.timer.timeout.emit()
    assert not panel.cancel_button.isEnabled()
    assert "second delivery" in panel.cancel_button.toolTip()


# -- the recent requests ----------------------------------------------------------------------

@pytest.fixture
def view(qtbot: Any, make_entry: Any, fake_history: Any, fake_verification: Any,
         fake_refresher: Any, clock: Any) -> RecentRequestsView:  # fmt: skip
    fake_history.rows = [
        make_entry(brand="Live", created_at=clock.now),
        make_entry(brand="Other", created_at=clock.now - timedelta(minutes=1)),
        make_entry(brand="Blocked", request_id=None, status=VerificationStatus.REFUSED,
                   last_error=str(NumberBlockedError(status="7", error_text="Blacklisted!"))),
    ]  # fmt: skip
    widget = RecentRequestsView(fake_history, fake_verification, fake_refresher, clock=clock)
    qtbot.addWidget(widget)
    widget.reload()
    qtbot.waitUntil(lambda: widget.model.rowCount() == 3)
    return widget


def _select_row(view: RecentRequestsView, brand: str) -> None:
    row = next(r for r in range(view.model.rowCount()) if view.model.entry_at(r).brand == brand)
    view.table.selectRow(row)


def test_a_cancel_outcome_is_not_said_under_another_request(
    view: RecentRequestsView, fake_verification: Any, clock: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(messages, "confirm", lambda *_a: True)
    clock.advance(40)
    _select_row(view, "Live")
    view.cancel_action.trigger()
    fake_verification.calls("cancel")[-1].succeed(ControlResult("cancel"))
    assert view.message_label.text() == messages.CANCELLED
    _select_row(view, "Other")
    assert view.message_label.text() == "" and not view.message_label.isVisibleTo(view)


def test_a_failed_lookup_is_withdrawn_with_its_request(
    view: RecentRequestsView, fake_verification: Any
) -> None:
    _select_row(view, "Live")
    fake_verification.calls("search")[-1].fail(NumberBlockedError(status="7", error_text="x"))
    assert view.message_label.text().startswith(NumberBlockedError.meaning)
    _select_row(view, "Other")
    assert view.message_label.text() == ""


def test_the_timers_note_stops_promising_a_lookup_that_failed(
    view: RecentRequestsView, fake_verification: Any, make_record: Any
) -> None:
    _select_row(view, "Live")
    note = view.details.note_label
    assert note.text() == "Timers are estimated from the workflow until the lookup answers."
    fake_verification.calls("search")[-1].fail(NumberBlockedError(status="7", error_text="x"))
    assert note.text() == "Timers are estimated from the workflow: the lookup could not give them."
    _select_row(view, "Other")
    _select_row(view, "Live")  # looked up again: the next answer decides
    rid = view.selected_entry().request_id  # type: ignore[union-attr]
    fake_verification.calls("search")[-1].succeed((make_record(rid),))
    assert note.text() == ""


def test_a_refused_row_says_why_in_plain_words(view: RecentRequestsView) -> None:
    row = next(r for r in range(view.model.rowCount()) if view.model.entry_at(r).brand == "Blocked")
    tooltip = view.model.index(row, 2).data(3)  # the Status column's tooltip
    assert "Refused" in tooltip and NumberBlockedError.meaning in tooltip
    assert "Blacklisted!" not in tooltip and "status 7" not in tooltip
    _select_row(view, "Blocked")
    note = view.details.note_label
    assert note.text() == f"{NumberBlockedError.meaning} {NumberBlockedError.next_step}"
    assert "Blacklisted!" in note.details() and not note.disclosure.expanded
    assert view.details.title_label.text() == "Not started — Refused"


def test_no_lookup_note_where_no_lookup_comes(
    view: RecentRequestsView, fake_verification: Any, make_record: Any
) -> None:
    _select_row(view, "Live")
    note = view.details.note_label
    assert note.text().startswith("Timers are estimated")  # a v1 request being looked up
    rid = view.selected_entry().request_id  # type: ignore[union-attr]
    fake_verification.calls("search")[-1].succeed((make_record(rid),))
    assert note.text() == ""


def test_v2_checks_are_listed_like_v1_checks(qtbot: Any, stack: Stack) -> None:
    from desktop_app.domain.v2_validation import V2ChannelForm, V2Form

    form = V2Form(brand="Acme", channels=[V2ChannelForm("sms", "+447700900123")])
    started = settle(qtbot, stack.verification.send_v2(form, allow_unknown_number=True))
    assert started.value is not None, started.error
    rid = started.value.request_id
    settle(qtbot, stack.verification.check(rid, "000000"))
    code = stack.control.messages("447700900123")[-1].code
    settle(qtbot, stack.verification.check(rid, code))
    pane = DetailsPane(history=stack.history)
    qtbot.addWidget(pane)
    pane.show_entry(stack.store.find(rid), None)
    qtbot.waitUntil(lambda: pane.checks_list.count() == 2, timeout=5000)
    lines = [pane.checks_list.item(i).text() for i in range(2)]
    assert lines[0].endswith("wrong code") and lines[1].endswith("right code")
    assert code not in " ".join(lines)


# -- the Check page ---------------------------------------------------------------------------

def test_the_pickers_ages_tick(qtbot: Any, stack: Stack, clock: Any) -> None:
    clock.now = datetime.now(UTC)  # the store stamps rows with this machine's clock
    form = CheckForm(stack.verification, stack.history, clock=clock)
    qtbot.addWidget(form)
    started = settle(qtbot, stack.verification.send(StartForm(number=MOBILE, brand="Acme")))
    rid = started.value.request_id
    form.reload()
    qtbot.waitUntil(lambda: form.request_combo.findData(rid) >= 0, timeout=5000)
    index = form.request_combo.findData(rid)
    entry_age = form.request_combo.itemText(index)
    clock.advance(125)
    form.timer.timeout.emit()
    ticked = form.request_combo.itemText(index)
    assert ticked != entry_age and "2 min" in ticked and ticked.endswith(rid)


def test_check_is_offered_only_while_the_request_takes_a_code(
    qtbot: Any, stack: Stack, clock: Any
) -> None:
    form = CheckForm(stack.verification, stack.history)
    qtbot.addWidget(form)
    started = settle(qtbot, stack.verification.send(StartForm(number=MOBILE, brand="Acme")))
    rid = started.value.request_id
    form.open_request(rid)
    # Not just the id it was opened with (listed at once): the history's read of it, running.
    qtbot.waitUntil(lambda: _listed_running(form, rid), timeout=5000)
    assert form.check_button.isEnabled()
    stack.control.advance_clock(31)
    settle(qtbot, stack.verification.cancel(rid))  # elsewhere (the recent requests)
    qtbot.waitUntil(lambda: not form.check_button.isEnabled(), timeout=5000)
    assert form.check_button.toolTip().startswith("Not now: This request has ended")
    # How it ended follows from the history row, read after the refusal.
    qtbot.waitUntil(lambda: "has ended (cancelled)" in form.check_button.toolTip(), timeout=5000)
    assert form.request_combo.currentText().endswith("· cancelled")


def test_a_request_that_ended_before_the_page_listed_it_is_not_offered(
    qtbot: Any, stack: Stack
) -> None:
    """The page never saw it running (as when its reads lag behind a cancel): it asks."""
    started = settle(qtbot, stack.verification.send(StartForm(number=MOBILE, brand="Acme")))
    rid = started.value.request_id
    stack.control.advance_clock(31)
    settle(qtbot, stack.verification.cancel(rid))
    form = CheckForm(stack.verification, stack.history)
    qtbot.addWidget(form)
    form.open_request(rid)
    qtbot.waitUntil(lambda: "has ended (cancelled)" in form.check_button.toolTip(), timeout=5000)
    assert not form.check_button.isEnabled()
    text = form.request_combo.currentText()
    assert " · Acme · " in text and text.endswith("· cancelled")  # the request, not a bare id


def _listed_running(form: CheckForm, rid: str) -> bool:
    """The picker shows ``rid`` as the history lists it running: number, brand, age, id."""
    index = form.request_combo.findData(rid)
    text = form.request_combo.itemText(index) if index >= 0 else ""
    return " · Acme · " in text and text.endswith(rid)


def test_a_check_result_goes_when_another_request_is_chosen(
    qtbot: Any, stack: Stack
) -> None:
    form = CheckForm(stack.verification, stack.history)
    qtbot.addWidget(form)
    first = settle(qtbot, stack.verification.send(StartForm(number=MOBILE, brand="Acme"))).value
    second = settle(qtbot, stack.verification.send(
        StartForm(number="+44 7400 654321", brand="Acme"))).value  # fmt: skip
    form.open_request(first.request_id)
    form.code_edit.setText("0000")
    with qtbot.waitSignal(form.checked, timeout=5000):
        form.check_button.click()
    assert form.result_label.text().startswith("Wrong code")
    form.open_request(second.request_id)
    assert form.result_label.text() == ""


# -- the window -------------------------------------------------------------------------------

@pytest.fixture(autouse=True)
def _no_error_dialogs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(messages, "show_error", lambda *_a: None)


def _switch(qtbot: Any, ctx: AppContext, name: str) -> None:
    combo = ctx.window.profile_combo
    index = combo.findData(name)
    with qtbot.waitSignal(ctx.session.profile_changed, timeout=5000):
        combo.setCurrentIndex(index)
        combo.activated.emit(index)


def test_a_live_profiles_error_goes_when_switching_back_to_the_sandbox(
    qtbot: Any, ctx: AppContext
) -> None:
    unreachable = Profile(name="Live", api_host="http://127.0.0.1:9", rest_host="http://127.0.0.1:9",
                          api_key="key")  # fmt: skip
    assert settle(qtbot, ctx.session.save_profile(unreachable, "secret-1234")).value is not None
    _switch(qtbot, ctx, "Live")
    form = ctx.window.send_form
    form.number_edit.setText(MOBILE)
    form.brand_edit.setText("Acme")
    form.send_button.click()
    qtbot.waitUntil(lambda: form.result_label.text().startswith("The Verify API host could not"),
                    timeout=10_000)  # fmt: skip
    assert "ConnectError" in form.result_label.details()
    ctx.window.statusBar().showMessage("a failure shown for the live profile")
    _switch(qtbot, ctx, "Sandbox")
    assert form.result_label.text() == ""
    assert ctx.window.statusBar().currentMessage() == ""
