"""The details of one verification request: search result, timeline and live countdowns.

The countdown lines come from ``desktop_app.ui.countdowns`` (over
``desktop_app.domain.lifecycle.predict``); this widget refreshes them once a second.

The pane scrolls vertically and wraps every line (values, events, checks), so it fits a small
screen and a long text (an error, a v2 timeline) never widens the window or is cut off.

A request that never started (refused, not sent, outcome unknown) says why under its title, in
plain words with the API's own under "Details" (``messages.describe_stored`` over the history's
``last_error``). Verify v2 has no search: its checks are the ones this app made, from the
history's call log. In presenter mode the number and the id are masked like everywhere else.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from PySide6.QtCore import QSize, Qt, QTimer
from PySide6.QtGui import QFont, QFontMetrics, QResizeEvent
from PySide6.QtWidgets import (
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QLabel,
    QListView,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)
from typing_extensions import override

from desktop_app.domain.models import (
    CallEntry,
    HandsetMessage,
    HistoryEntry,
    VerificationRecord,
    VerificationStatus,
)
from desktop_app.ui import formatting, messages
from desktop_app.ui.audit_list import AuditList
from desktop_app.ui.countdowns import Clock, countdown_text, follow_clock, utc_now
from desktop_app.ui.details_disclosure import MessageLine
from desktop_app.ui.fitting import ScrollPage, wrapped
from desktop_app.ui.message_timeline import MessageTimeline
from desktop_app.ui.message_words import MESSAGES_API, row_status_text
from desktop_app.ui.v2_timeline import v2_timeline

if TYPE_CHECKING:
    from desktop_app.services.history import HistoryService

_CHANNEL_TEXT = {"sms": "SMS", "tts": "Call (text-to-speech)"}
#: Statuses of a start the API never took up: the row says why (its ``last_error``).
_NOT_STARTED = (VerificationStatus.REFUSED, VerificationStatus.NOT_SENT,
                VerificationStatus.UNKNOWN)  # fmt: skip
#: What a Verify v2 check call's outcome (and API status) reads like in the checks list.
#: A v2 check's outcome by its HTTP status, in words (v1's: ``formatting.check_text``).
#: Rows about Verify's own timers and prices, which a Messages API row does not have.
_VERIFY_ONLY = ("message_cost", "cancel", "next_event")
_V2_CHECK_TEXT = {"400": "wrong code", "410": "wrong code (too many: the request ended)"}
#: Below this width the events and checks lists stack instead of standing side by side.
_SIDE_BY_SIDE_WIDTH = 520


class DetailsPane(ScrollPage):
    """Everything known about the selected request, with countdowns refreshed every second.

    Args:
        parent: The owning widget.
        clock: Returns "now" (aware UTC): the active server's clock (the pane re-renders at
            once when it jumps); injectable so tests need not wait.
        history: Reads a Verify v2 request's checks from the call log (None: not listed).
    """

    def __init__(self, parent: QWidget | None = None, *, clock: Clock = utc_now,
                 history: HistoryService | None = None) -> None:
        super().__init__(parent)
        self._clock = clock
        self._history = history
        self._calls: tuple[CallEntry, ...] = ()
        self._entry: HistoryEntry | None = None
        self._record: VerificationRecord | None = None
        #: Requests whose last lookup failed (a later answer takes them out).
        self._failed_lookups: set[str] = set()
        self._mask = False
        self._messages: tuple[HandsetMessage, ...] = ()
        self.timer = QTimer(self)
        self.timer.setInterval(1000)
        self._build_layout()
        self._connect_signals()
        self.show_entry(None, None)

    def _build_layout(self) -> None:
        self.title_label = wrapped()
        bold = QFont(self.title_label.font())
        bold.setBold(True)
        self.title_label.setFont(bold)
        self.note_label = MessageLine(self, name="About this request")
        values = (
            "number",
            "workflow",
            "submitted",
            "finalized",
            "price",
            "message_cost",
            "cancel",
            "next_event",
            "pin_expiry",
            "attempts",
        )
        self.value_labels: dict[str, QLabel] = {name: wrapped() for name in values}
        # A value is never squeezed narrower than a date and time: in a narrow pane the
        # form puts it under its caption instead (WrapLongRows).
        least = QFontMetrics(self.font()).horizontalAdvance("0000-00-00 00:00:00")
        for label in self.value_labels.values():
            label.setMinimumWidth(least)
        captions = (
            "Number",
            "Workflow",
            "Submitted",
            "Finalized",
            "Price",
            "Message cost (estimated)",
            "Cancel allowed",
            "Next event",
            "PIN expires",
            "Wrong codes left",
        )
        self.form = form = QFormLayout()
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        for name, caption in zip(values, captions, strict=True):
            form.addRow(f"{caption}:", self.value_labels[name])
        # Each line wraps rather than being cut off, whatever the pane's width.
        self.events_list = _line_list()
        self.checks_list = _line_list()
        self.events_box = QGroupBox("Delivery events")
        QVBoxLayout(self.events_box).addWidget(self.events_list)
        self.checks_box = QGroupBox("Checks")
        QVBoxLayout(self.checks_box).addWidget(self.checks_list)
        self.lists_layout = QGridLayout()
        self.message_timeline = MessageTimeline(self)  # Messages API rows only
        layout = self.body_layout
        layout.addWidget(self.title_label)
        layout.addWidget(self.note_label)
        layout.addLayout(form)
        layout.addWidget(self.message_timeline)
        layout.addLayout(self.lists_layout, 1)
        self.audit_list = AuditList(self._history)  # the audit trail (ui/audit_list.py)
        layout.addWidget(self.audit_list)
        self._arrange_lists(side_by_side=True)

    def _arrange_lists(self, *, side_by_side: bool) -> None:
        """Events and checks side by side in a wide pane, one above the other in a narrow one."""
        grid = self.lists_layout
        grid.addWidget(self.events_box, 0, 0)
        grid.addWidget(self.checks_box, 0 if side_by_side else 1, 1 if side_by_side else 0)
        self._side_by_side = side_by_side

    @override
    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        wide = self.viewport().width() >= _SIDE_BY_SIDE_WIDTH
        if wide != self._side_by_side:
            self._arrange_lists(side_by_side=wide)

    def _connect_signals(self) -> None:
        self.timer.timeout.connect(self._on_timer_timeout)
        follow_clock(self._clock, self._on_clock_changed)

    @property
    def entry(self) -> HistoryEntry | None:
        """The entry shown, or None."""
        return self._entry

    @property
    def record(self) -> VerificationRecord | None:
        """The search result shown, or None."""
        return self._record

    def _show_rows_for(self, entry: HistoryEntry | None) -> None:
        """A message has no Verify timers or delivery events: their rows go (not "—")."""
        message = entry is not None and entry.api_version == MESSAGES_API
        code = message and entry is not None and bool(entry.code_length)
        hidden = set(_VERIFY_ONLY) | ({"pin_expiry", "attempts"} if message and not code else set())
        for name, label in self.value_labels.items():
            self.form.setRowVisible(label, not (message and name in hidden))
        self.events_box.setVisible(not message)
        self.checks_box.setVisible(not message or code)

    def show_entry(self, entry: HistoryEntry | None, record: VerificationRecord | None) -> None:
        """Show a request (None clears the pane).

        Args:
            entry: The history entry of the selected row.
            record: Its latest search result, or None while unknown.
        """
        self.audit_list.show_entry(entry)  # re-read on reloads too: a refusal changes no row
        if entry is not None and entry == self._entry and record == self._record:
            return  # nothing new (a periodic reload): no relayout, no repaint
        self._entry = entry
        self._record = record
        if record is not None:
            self._failed_lookups.discard(record.request_id)
        self.message_timeline.show_entry(entry)
        self._show_rows_for(entry)
        self.events_list.clear()
        self.checks_list.clear()
        if entry is None:
            self.title_label.setText("No request selected")
            self.note_label.setText("Select a request to see its events, checks and timers.")
            for label in self.value_labels.values():
                label.setText(formatting.MISSING)
            self.timer.stop()
            return
        status = record.status if record is not None else str(entry.status)
        self._show_title(status)
        self.note_label.setText(self._note(entry, record))
        values = self.value_labels
        values["number"].setText(formatting.format_number(entry.number, mask=self._mask))
        values["workflow"].setText(formatting.entry_workflow_text(entry))
        submitted = record.date_submitted if record and record.date_submitted else entry.created_at
        values["submitted"].setText(formatting.format_datetime(submitted))
        finalized = record.date_finalized if record is not None else entry.finalized_at
        values["finalized"].setText(formatting.format_datetime(finalized))
        price, currency = (
            (record.price, record.currency) if record else (entry.price, entry.currency)
        )
        values["price"].setText(formatting.format_money(price, currency))
        cost = record.estimated_price_messages_sent if record else None
        values["message_cost"].setText(formatting.format_money(cost, currency))
        self._fill_lists(record)
        self._fill_v2_timeline()
        self._load_v2_checks()
        self.update_countdowns()
        if status == VerificationStatus.IN_PROGRESS:
            self.timer.start()
        else:
            self.timer.stop()

    def _show_title(self, status: str) -> None:
        entry = self._entry
        if entry is None:
            return
        shown = (formatting.format_request_id(entry.request_id, mask=self._mask)
                 if entry.request_id else "Not started")  # fmt: skip
        said = (row_status_text(entry) if entry.api_version == MESSAGES_API
                else formatting.status_text(status))  # a message: its delivery  # fmt: skip
        self.title_label.setText(f"{shown} — {said}")

    def lookup_failed(self, request_id: str) -> None:
        """The lookup of ``request_id`` failed: its timers stay estimates (the note says so)."""
        self._failed_lookups.add(request_id)
        if self._entry is not None and self._entry.request_id == request_id:
            self.note_label.setText(self._note(self._entry, self._record))

    def _note(self, entry: HistoryEntry, record: VerificationRecord | None) -> str:
        """What to say under the title: why it never started, or what the timers rest on."""
        if entry.status in _NOT_STARTED and entry.last_error:
            return messages.describe_stored(entry.last_error)
        if entry.status == VerificationStatus.UNKNOWN_TO_SERVER:
            return f"{messages.UNKNOWN_TO_SERVER}."
        if (record is None and entry.api_version != "v2" and entry.request_id
                and entry.status == VerificationStatus.IN_PROGRESS):  # fmt: skip
            if entry.request_id in self._failed_lookups:
                return "Timers are estimated from the workflow: the lookup could not give them."
            return "Timers are estimated from the workflow until the lookup answers."
        return ""

    def _load_v2_checks(self) -> None:
        """Ask the call log for a v2 request's checks (v2 has no search to list them)."""
        entry = self._entry
        self._calls = ()
        if entry is None or entry.api_version != "v2" or not entry.request_id:
            return
        if self._history is None or not entry.checks_count:
            return
        rid = entry.request_id
        self._history.calls(rid).on_success(lambda calls: self._on_calls_loaded(rid, calls))

    def _on_calls_loaded(self, request_id: str, calls: list[CallEntry]) -> None:
        entry = self._entry
        if entry is None or entry.request_id != request_id:
            return  # another request is shown now
        self._calls = tuple(c for c in calls if c.operation == "check")
        self.checks_list.clear()
        for call in self._calls:
            if call.outcome == "ok":
                result = formatting.check_text("VALID")
            elif call.outcome == "api_error":
                result = _V2_CHECK_TEXT.get(call.api_status, "refused")
            else:
                result = "no answer"
            _add_line(self.checks_list, f"{formatting.format_datetime(call.started_at)}  {result}")

    def set_handset_messages(self, messages: Iterable[HandsetMessage] | None) -> None:
        """The sandbox handset's messages (a v2 row's timeline shows the ones it received)."""
        self._messages = tuple(messages or ())
        if self._entry is not None and self._entry.api_version == "v2":
            self._fill_v2_timeline()

    def _fill_v2_timeline(self) -> None:
        entry = self._entry
        if entry is None or entry.api_version != "v2":
            return
        self.events_list.clear()
        for line in v2_timeline(entry, self._messages, self._clock(), mask=self._mask):
            _add_line(self.events_list, line.text)

    def set_presenter_mode(self, on: bool) -> None:
        """Presenter mode: the number by its last four digits, the id by its ends."""
        self._mask = on
        self.note_label.set_mask(on)
        self.message_timeline.set_presenter_mode(on)
        if self._entry is not None:
            self.value_labels["number"].setText(
                formatting.format_number(self._entry.number, mask=on)
            )
            record = self._record
            self._show_title(record.status if record is not None else str(self._entry.status))
            self._fill_v2_timeline()

    def update_countdowns(self) -> None:
        """Recompute the countdown lines for the clock's current time."""
        if self._entry is None:
            return
        text = countdown_text(self._entry, self._record, self._clock())
        self.value_labels["cancel"].setText(text.cancel)
        self.value_labels["next_event"].setText(text.next_event)
        self.value_labels["pin_expiry"].setText(text.pin_expiry)
        self.value_labels["attempts"].setText(text.attempts)

    def _fill_lists(self, record: VerificationRecord | None) -> None:
        if record is None:
            return
        for index, event in enumerate(record.events, start=1):
            when = ""
            if index == 1 and record.first_event_date:
                when = f" — {formatting.format_datetime(record.first_event_date)}"
            elif index == len(record.events) and record.last_event_date:
                when = f" — {formatting.format_datetime(record.last_event_date)}"
            channel = _CHANNEL_TEXT.get(event.type, event.type)
            _add_line(self.events_list, f"{index}. {channel}{when}")
        for check in record.checks:
            # Search echoes the code entered; it is deliberately never shown here.
            _add_line(
                self.checks_list,
                f"{formatting.format_datetime(check.date_received)}  "
                f"{formatting.check_text(check.status)}",
            )

    def _on_timer_timeout(self) -> None:
        self.update_countdowns()

    def _on_clock_changed(self) -> None:
        self._fill_v2_timeline()
        self.update_countdowns()


class _LineList(QListWidget):
    """A list of a few short lines: it asks for four lines' height, and gets at least three."""

    @override
    def sizeHint(self) -> QSize:
        line = QFontMetrics(self.font()).height() + 4
        return QSize(super().sizeHint().width(), 4 * line + 2 * self.frameWidth())


def _line_list() -> QListWidget:
    """A list of short lines, each wrapped to the list's width, never scrolled sideways."""
    widget = _LineList()
    widget.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    widget.setWordWrap(True)
    widget.setResizeMode(QListView.ResizeMode.Adjust)
    # Three lines show without scrolling (a v1 request has at most three events).
    metrics = QFontMetrics(widget.font())
    widget.setMinimumHeight(3 * (metrics.height() + 4) + 2 * widget.frameWidth())
    return widget


def _add_line(widget: QListWidget, text: str) -> None:
    item = QListWidgetItem(text)
    item.setToolTip(text)
    widget.addItem(item)
