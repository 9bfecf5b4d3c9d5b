from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from PySide6.QtGui import QGuiApplication, QKeySequence

from desktop_app.domain.errors import RequestNotFoundError
from desktop_app.domain.history_query import RecentQuery
from desktop_app.domain.models import (
    CheckAttempt,
    ControlResult,
    DeliveryEvent,
    VerificationStatus,
)
from desktop_app.ui import messages
from desktop_app.ui.countdowns import countdown_text
from desktop_app.ui.history_columns import (
    BRAND,
    COLUMNS,
    NUMBER,
    OPERATOR,
    PROFILE,
    STATUS,
    column_index,
)
from desktop_app.ui.recent_requests import RecentRequestsView
from tests.helpers.fakes import FakeTask

T0 = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)
COL_BRAND, COL_NUMBER, COL_STATUS = map(column_index, (BRAND, NUMBER, STATUS))
COL_OPERATOR, COL_PROFILE = map(column_index, (OPERATOR, PROFILE))
HIDDEN_BY_DEFAULT = [i for i, column in enumerate(COLUMNS) if column.hidden]


class _Started:
    def __init__(self, request_id: str, history_id: int, number: str) -> None:
        self.request_id, self.history_id, self.number = request_id, history_id, number


@pytest.fixture
def entries(make_entry):
    return [
        make_entry(brand="Live", created_at=T0),
        make_entry(
            brand="Done",
            status=VerificationStatus.SUCCESS,
            created_at=T0 - timedelta(minutes=3),
            price=Decimal("0.05"),
            currency="EUR",
        ),
    ]


@pytest.fixture
def view(qtbot, entries, fake_history, fake_verification, fake_refresher, clock):
    fake_history.rows = entries
    widget = RecentRequestsView(fake_history, fake_verification, fake_refresher, clock=clock)
    qtbot.addWidget(widget)
    widget.reload()
    qtbot.waitUntil(lambda: widget.model.rowCount() == 2)
    return widget


def _select(view, request_id):
    view.show_request(request_id)
    assert view.selected_entry().request_id == request_id


def test_loads_through_the_history_service(qtbot, view, fake_history, fake_refresher, entries):
    assert fake_history.queries()[-1].limit == 200
    assert not view.busy_label.isVisibleTo(view)
    assert view.refresh_action.isEnabled()
    assert entries[0].request_id in fake_refresher.watched
    assert entries[1].request_id not in fake_refresher.watched
    assert view.filter_edit.placeholderText() == "Filter by number, id, brand, user or host"
    assert view.find_action.shortcut() == QKeySequence(QKeySequence.StandardKey.Find)
    assert view.table.isSortingEnabled()


def test_busy_while_loading_and_stale_loads_dropped(qtbot, view, fake_history, entries):
    fake_history.rows = None  # the test finishes the loads itself
    view.reload()
    first = fake_history.calls("recent")[-1]
    assert view.busy_label.isVisibleTo(view)
    assert not view.refresh_action.isEnabled()
    view.reload()
    assert first.is_cancelled
    fake_history.calls("recent")[-1].succeed(entries[:1])
    assert view.model.rowCount() == 1
    assert not view.busy_label.isVisibleTo(view)


def test_actions_for_a_request_in_progress(qtbot, view, entries, clock, fake_verification):
    clock.advance(10)
    _select(view, entries[0].request_id)
    assert view.check_action.isEnabled()
    assert view.next_action.isEnabled()
    assert view.copy_action.isEnabled()
    assert not view.cancel_action.isEnabled()
    assert "30 s after the start" in view.cancel_action.toolTip()
    assert "in 20 s" in view.cancel_action.toolTip()
    clock.advance(21)
    view.request_actions.timer.timeout.emit()
    assert view.cancel_action.isEnabled()
    # The search says two events were sent: cancel is refused by the API now.
    record = fake_verification.calls("search")[-1]
    record.succeed((_record(entries[0].request_id, events=2),))
    assert not view.cancel_action.isEnabled()
    assert "the second delivery has been sent" in view.cancel_action.toolTip()
    with qtbot.waitSignal(
        view.check_requested, check_params_cb=lambda rid: rid == entries[0].request_id
    ):
        view.check_action.trigger()


def test_actions_for_a_finished_request(view, entries):
    _select(view, entries[1].request_id)
    for action in (view.check_action, view.cancel_action, view.next_action):
        assert not action.isEnabled()
        assert "Verified" in action.toolTip()
    assert view.copy_action.isEnabled()
    view.copy_action.trigger()
    assert QGuiApplication.clipboard().text() == entries[1].request_id


def test_next_event_disabled_when_workflow_has_none_left(view, entries, fake_verification, clock):
    clock.advance(700)
    _select(view, entries[0].request_id)
    fake_verification.calls("search")[-1].succeed((_record(entries[0].request_id, events=3),))
    assert not view.next_action.isEnabled()
    assert "Nothing is left to deliver" in view.next_action.toolTip()


def _record(request_id, *, events=1, checks=(), status="IN PROGRESS"):
    from desktop_app.domain.models import VerificationRecord

    return VerificationRecord(
        request_id=request_id,
        status=status,
        number="447700900123",
        date_submitted=T0,
        first_event_date=T0,
        last_event_date=T0 + timedelta(seconds=300 * (events - 1)),
        price=Decimal("0.05"),
        currency="EUR",
        estimated_price_messages_sent=Decimal("0.0333"),
        events=tuple(DeliveryEvent("sms" if i == 0 else "tts", f"ev{i}") for i in range(events)),
        checks=checks,
    )


def test_details_show_search_result_without_codes(view, entries, fake_verification):
    _select(view, entries[0].request_id)
    search = fake_verification.calls("search")
    assert [t.args[0] for t in search] == [(entries[0].request_id,)]
    checks = (CheckAttempt(T0 + timedelta(seconds=20), "INVALID", code="9876"),)
    search[-1].succeed((_record(entries[0].request_id, events=2, checks=checks),))
    details = view.details
    events = [details.events_list.item(i).text() for i in range(details.events_list.count())]
    assert events[0].startswith("1. SMS")
    assert events[1].startswith("2. Call")
    # One line per event, elided rather than scrolled sideways; the full line in the tooltip.
    assert details.events_list.horizontalScrollBarPolicy().name == "ScrollBarAlwaysOff"
    assert details.events_list.item(1).toolTip() == events[1]
    shown = [details.checks_list.item(i).text() for i in range(details.checks_list.count())]
    assert len(shown) == 1 and shown[0].endswith("wrong code")
    assert "9876" not in " ".join(shown)
    assert details.value_labels["message_cost"].text() == "0.0333 EUR"
    # The 2nd delivery came when the PIN had expired: a new PIN, so the wrong code no longer counts.
    assert details.value_labels["attempts"].text() == "3"
    # Selecting it again does not search again (cached).
    _select(view, entries[1].request_id)
    _select(view, entries[0].request_id)
    assert (
        len([t for t in fake_verification.calls("search") if t.args[0] == search[0].args[0]]) == 1
    )


def test_countdowns_move_with_the_clock(view, entries, clock):
    clock.advance(5)
    _select(view, entries[0].request_id)
    labels = view.details.value_labels
    assert labels["cancel"].text() == "in 25 s"
    assert labels["next_event"].text() == "in 4 min 55 s"
    assert labels["pin_expiry"].text() == "in 4 min 55 s"
    clock.advance(60)
    view.details.timer.timeout.emit()
    assert labels["cancel"].text() == "allowed now"
    assert labels["next_event"].text() == "in 3 min 55 s"
    assert view.details.timer.isActive()


def test_countdown_text_is_blank_when_finished(make_entry):
    text = countdown_text(make_entry(status=VerificationStatus.EXPIRED), None, T0)
    assert text.cancel == text.next_event == text.pin_expiry == "—"


def test_history_changed_reloads_debounced(qtbot, view, fake_history, fake_verification):
    before = len(fake_history.calls("recent"))
    fake_verification.history_changed.emit()
    fake_verification.history_changed.emit()
    qtbot.waitUntil(lambda: len(fake_history.calls("recent")) == before + 1)
    assert view.reload_timer.interval() == 200


def test_refresher_results_update_rows_and_details(qtbot, view, entries, fake_refresher):
    _select(view, entries[0].request_id)
    fake_refresher.refreshed.emit((_record(entries[0].request_id, status="SUCCESS"),))
    row = view.model.row_of(entries[0].request_id)
    assert view.model.index(row, COL_STATUS).data() == "Verified"
    assert not view.check_action.isEnabled()
    assert "Verified" in view.details.title_label.text()


def test_show_request_reloads_when_not_loaded(qtbot, view, fake_history, make_entry, entries):
    newer = make_entry(brand="Elsewhere")
    fake_history.rows = [newer, *entries]
    view.show_request(newer.request_id)
    qtbot.waitUntil(
        lambda: (
            view.selected_entry() is not None
            and view.selected_entry().request_id == newer.request_id
        )
    )


def test_add_started_puts_the_request_on_top(qtbot, view, fake_refresher, fake_history):
    fake_history.rows = None
    view.add_started(_Started("abc123", 99, "447700900999"))
    assert view.model.entry_at(0).request_id == "abc123"
    assert view.selected_entry().request_id == "abc123"
    assert "abc123" in fake_refresher.watched


def test_a_page_read_before_a_send_keeps_the_new_request_selected(view, fake_history, entries):
    fake_history.rows = None
    view.reload()  # under way when the request is started: it read the history before it
    view.add_started(_Started("abc123", 99, "447700900999"))
    assert view.selected_entry().request_id == "abc123"
    fake_history.calls("recent")[-1].succeed(list(entries))  # its page: no abc123 in it
    assert view.model.entry_at(0).request_id == "abc123"
    assert view.selected_entry().request_id == "abc123"
    assert view.details.entry is not None and view.details.entry.request_id == "abc123"
    view.reload()  # begun after the request was started: its page is the truth
    fake_history.calls("recent")[-1].succeed(list(entries))
    assert view.model.row_of("abc123") is None


def test_cancel_asks_then_calls_the_service(
    qtbot, view, entries, fake_verification, clock, monkeypatch
):
    asked = []
    monkeypatch.setattr(messages, "confirm", lambda *a: asked.append(a) or True)
    clock.advance(40)
    _select(view, entries[0].request_id)
    fake_verification.calls("search")[-1].succeed((_record(entries[0].request_id),))
    view.cancel_action.trigger()
    assert asked
    task = fake_verification.calls("cancel")[-1]
    assert task.args == (entries[0].request_id,)
    task.succeed(ControlResult("cancel"))
    assert view.message_label.text() == messages.CANCELLED
    assert len(fake_verification.calls("search")) == 2  # stale record re-fetched


def test_errors_show_one_line_user_message(view, entries, fake_verification, clock):
    clock.advance(40)
    _select(view, entries[0].request_id)
    view.next_action.trigger()
    gone = RequestNotFoundError(status="6", error_text="gone")
    fake_verification.calls("next_event")[-1].fail(gone)
    # The plain sentence and the next step; the API's status and words under "Details".
    assert view.message_label.text() == f"{gone.meaning} {gone.next_step}"
    assert "\n" not in view.message_label.text()
    assert "status 6" not in view.message_label.text()
    assert "gone" in view.message_label.details()


def test_mask_numbers_and_state_round_trip(
    qtbot, view, fake_history, fake_verification, fake_refresher, entries
):
    view.set_presenter_mode(True)
    assert "••" in view.model.index(0, COL_NUMBER).data()
    view.table.horizontalHeader().resizeSection(COL_BRAND, 222)
    view.set_column_visible(COL_OPERATOR, True)
    view.set_column_visible(COL_STATUS, False)
    state = view.save_state()
    assert set(state) == {"columns", "splitter"}
    other = RecentRequestsView(fake_history, fake_verification, fake_refresher)
    qtbot.addWidget(other)
    other.restore_state(state)
    header = other.table.horizontalHeader()
    assert header.sectionSize(COL_BRAND) == 222
    assert not header.isSectionHidden(COL_OPERATOR)
    assert header.isSectionHidden(COL_STATUS)
    assert header.isSectionHidden(COL_PROFILE)
    other.restore_state({"columns": "not base64!"})


def test_table_layout_fits_a_narrow_centre(view):
    table = view.table
    header = table.horizontalHeader()
    assert table.model() is view.model  # no proxy on the paint path
    assert not table.wordWrap()
    assert table.verticalHeader().sectionResizeMode(0).name == "Fixed"
    assert header.stretchLastSection()
    assert all(header.isSectionHidden(c) for c in HIDDEN_BY_DEFAULT)
    assert all(header.sectionResizeMode(c).name == "Interactive" for c in range(10))
    first_three = sum(header.sectionSize(c) for c in range(3))  # Started, Number, Status
    assert first_three < 420
    metrics = table.fontMetrics()
    for column in range(3):  # each fits its text on one line
        text = view.model.index(0, column).data()
        assert metrics.horizontalAdvance(text) < header.sectionSize(column)


def test_header_menu_shows_and_hides_columns(view):
    menu = view.column_menu()
    actions = {a.text(): a for a in menu.actions()}
    assert not actions["Profile"].isChecked() and actions["Status"].isChecked()
    actions["Profile"].trigger()
    assert not view.table.horizontalHeader().isSectionHidden(COL_PROFILE)
    actions["Profile"].trigger()
    assert view.table.horizontalHeader().isSectionHidden(COL_PROFILE)


def test_set_profile_reloads_for_that_profile(qtbot, view, fake_history):
    view.set_profile("Live EU")
    assert fake_history.queries()[-1].profile == "Live EU"


def test_a_cached_search_result_is_dropped_when_the_history_moved_on(
    qtbot, view, entries, fake_history, fake_verification, make_entry
):
    rid = entries[0].request_id
    _select(view, rid)
    fake_verification.calls("search")[-1].succeed((_record(rid),))  # IN PROGRESS, cached
    assert "In progress" in view.details.title_label.text()
    # The customer's third wrong code terminated it here: the history says FAILED.
    failed = make_entry(brand="Live", created_at=T0, request_id=rid,
                        status=VerificationStatus.FAILED)
    fake_history.rows = [failed, entries[1]]
    view.reload()
    qtbot.waitUntil(lambda: view.selected_entry().status is VerificationStatus.FAILED)
    _select(view, entries[1].request_id)
    _select(view, rid)
    assert "In progress" not in view.details.title_label.text()
    searches = [t for t in fake_verification.calls("search") if t.args[0] == (rid,)]
    assert len(searches) == 2  # looked up again instead of trusting the stale copy


@pytest.mark.slow
def test_our_own_search_throttling_retries_quietly(qtbot, view, entries, fake_verification):
    from desktop_app.domain.errors import ThrottledError

    rid = entries[0].request_id
    _select(view, rid)
    first = [t for t in fake_verification.calls("search") if t.args[0] == (rid,)]
    assert len(first) == 1
    first[-1].fail(ThrottledError(status="1", error_text="Throttled", retry_after=1.0))
    # No error line for the user: the refresher and this pane share the 1 search/s limit.
    assert not view.message_label.isVisibleTo(view)
    qtbot.waitUntil(
        lambda: len([t for t in fake_verification.calls("search") if t.args[0] == (rid,)]) == 2,
        timeout=3000,
    )


def test_other_search_failures_are_shown(view, entries, fake_verification):
    rid = entries[0].request_id
    _select(view, rid)
    gone = RequestNotFoundError(status="6", error_text="gone")
    fake_verification.calls("search")[-1].fail(gone)
    assert view.message_label.isVisibleTo(view)


def test_a_refresh_keeps_older_pages_and_a_new_filter_replaces_them(
    qtbot, fake_history, fake_verification, fake_refresher, make_entry, monkeypatch
):
    from PySide6.QtCore import QModelIndex

    page1 = [make_entry(created_at=T0 - timedelta(minutes=i)) for i in range(2)]
    page2 = [make_entry(created_at=T0 - timedelta(minutes=10 + i)) for i in range(2)]
    first_pages = fake_history.recent

    def recent(query: RecentQuery) -> FakeTask:
        # The table may ask for the next page by itself (Qt's fetchMore) at any moment: every
        # such request gets the older page while unfiltered, nothing once filtered.
        if query.before is None:
            return first_pages(query)
        return fake_history._task("recent", query, result=[] if query.text else page2)

    def wait_for_first_page() -> None:
        task = [t for t in fake_history.calls("recent") if t.args[0].before is None][-1]
        qtbot.waitUntil(lambda: task.is_done)

    monkeypatch.setattr(fake_history, "recent", recent)
    view = RecentRequestsView(fake_history, fake_verification, fake_refresher, limit=2)
    qtbot.addWidget(view)
    fake_history.rows = page1
    view.reload()
    qtbot.waitUntil(lambda: view.model.rowCount() >= 2)
    view.model.fetchMore(QModelIndex())  # what scrolling to the end does (if Qt has not yet)
    qtbot.waitUntil(lambda: view.model.rowCount() == 4)
    asked = [q.before for q in fake_history.queries() if q.before]
    assert asked[0] == (page1[-1].created_at, page1[-1].id)
    view.reload()  # the periodic refresh: same query, same first page
    wait_for_first_page()
    assert [e.id for e in view.model.rows()] == [e.id for e in page1 + page2]
    view.filter_edit.setText("7700")
    fake_history.rows = [page1[1], page2[0]]  # what the store finds for the new filter
    view.apply_filter()
    wait_for_first_page()
    assert [e.id for e in view.model.rows()] == [page1[1].id, page2[0].id]


def test_an_empty_table_says_why_and_the_hint_goes_with_the_first_row(
    qtbot, entries, fake_history, fake_verification, fake_refresher, clock
):
    from desktop_app.ui.recent_requests import EMPTY_TEXT, NO_MATCH_TEXT

    fake_history.rows = None  # the first page has not answered
    widget = RecentRequestsView(fake_history, fake_verification, fake_refresher, clock=clock)
    qtbot.addWidget(widget)
    widget.show()
    widget.reload()
    hint = widget.empty_hint
    assert hint.isHidden()  # "no requests" before the store answered could be untrue
    fake_history.calls("recent")[-1].succeed([])
    qtbot.waitUntil(hint.isVisible)
    assert hint.text() == EMPTY_TEXT and "Ctrl+1" in hint.text()
    assert widget.table.viewport().rect().contains(hint.geometry())
    widget.filter_edit.setText("nobody")  # a filter that finds nothing: another sentence
    widget.apply_filter()
    fake_history.calls("recent")[-1].succeed([])
    qtbot.waitUntil(lambda: hint.text() == NO_MATCH_TEXT)
    widget.filter_edit.setText("")
    widget.apply_filter()
    fake_history.calls("recent")[-1].succeed(entries)
    qtbot.waitUntil(lambda: widget.model.rowCount() == 2)
    assert hint.isHidden()
