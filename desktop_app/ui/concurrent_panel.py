"""The in-page panel shown when a start is refused with status 10 (a verification is running).

It names the live request, says when it started and how long it still lives, and offers the
three ways forward: check its code, cancel it (only while the API allows it: from 30 s after the
start until the second delivery event), or show it in the recent requests.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from desktop_app.domain.api_family import ApiFamily, family_of
from desktop_app.domain.lifecycle import predict
from desktop_app.domain.models import HistoryEntry, VerificationRecord, VerificationStatus
from desktop_app.domain.workflows import (
    CANCEL_NOT_BEFORE_S,
    DEFAULT_NEXT_EVENT_WAIT,
    DEFAULT_PIN_EXPIRY,
    DEFAULT_WORKFLOW_ID,
)
from desktop_app.services.history import HistoryService
from desktop_app.services.verification import VerificationService
from desktop_app.ui import messages
from desktop_app.ui.formatting import as_utc, format_duration

__all__ = ["CANCEL_TOOLTIP", "ConcurrentPanel"]

CANCEL_TOOLTIP = "Cancel is allowed from 30 s after the start"
_LATE_TOOLTIP = "Cancel is no longer allowed: the second delivery attempt has been made"


class ConcurrentPanel(QFrame):
    """Explains a status-10 refusal and offers Check, Cancel and Show for the live request.

    Signals:
        check_requested(str): open the check form on this request id.
        show_requested(str): select this request in the recent requests.

    Args:
        verification: Looks the request up and cancels it.
        history: Gives the request's workflow and timings when this app started it.
        clock: "Now" in the API's time (Unix seconds); the sandbox's simulated clock on the
            Sandbox profile, the wall clock otherwise.
        parent: The owning widget.
    """

    check_requested = Signal(str)
    show_requested = Signal(str)

    def __init__(self, verification: VerificationService, history: HistoryService, *,
                 clock: Callable[[], float] = time.time, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._verification = verification
        self._history = history
        self._clock = clock
        self.request_id = ""
        self._entry: HistoryEntry | None = None
        self._record: VerificationRecord | None = None
        self._build_layout()
        self._connect_signals()
        self.setVisible(False)

    def _build_layout(self) -> None:
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAccessibleName("A verification is already running")
        self.title_label = QLabel("<b>A verification is already running for this number</b>", self)
        self.title_label.setWordWrap(True)
        self.id_label = QLabel(self)
        self.id_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.id_label.setWordWrap(True)
        self.timing_label = QLabel(self)
        self.timing_label.setWordWrap(True)
        self.check_button = QPushButton("Check code", self)
        self.check_button.setToolTip("Open the check form on the running request")
        self.cancel_button = QPushButton("Cancel it", self)
        self.cancel_button.setToolTip(CANCEL_TOOLTIP)
        self.cancel_button.setEnabled(False)
        self.show_button = QPushButton("Show", self)
        self.show_button.setToolTip("Select the running request in the recent requests")
        buttons = QHBoxLayout()
        for button in (self.check_button, self.cancel_button, self.show_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title_label)
        layout.addWidget(self.id_label)
        layout.addWidget(self.timing_label)
        layout.addLayout(buttons)
        self.timer = QTimer(self)
        self.timer.setInterval(1000)

    def _connect_signals(self) -> None:
        self.timer.timeout.connect(self._on_timer_timeout)
        self.check_button.clicked.connect(lambda: self.check_requested.emit(self.request_id))
        self.show_button.clicked.connect(lambda: self.show_requested.emit(self.request_id))
        self.cancel_button.clicked.connect(self._on_cancel_button_clicked)

    def show_request(self, request_id: str) -> None:
        """Show the panel for the live request ``request_id`` and look it up."""
        self.request_id = request_id
        self._entry = self._record = None
        self.id_label.setText(f"Request <code>{request_id}</code>")
        self.timing_label.setText("Looking the request up…")
        self.cancel_button.setEnabled(False)
        for button in (self.check_button, self.show_button):
            button.setEnabled(True)
        self.setVisible(True)
        self._history.get(request_id).on_success(self._on_history_entry)
        self.lookup()
        self.timer.start()

    def lookup(self) -> None:
        """Search the request again (its events and status), e.g. after the clock moved."""
        rid = self.request_id
        if rid:
            task = self._verification.search([rid])
            task.on_success(self._on_search_records)
            task.on_failure(lambda exc: self._on_lookup_failed(rid, exc))

    def clear(self) -> None:
        """Hide the panel and stop its timer."""
        self.timer.stop()
        self.request_id = ""
        self.setVisible(False)

    def update_record(self, record: VerificationRecord) -> None:
        """Take a fresher search result for the shown request (e.g. from the refresher)."""
        if record.request_id == self.request_id:
            self._record = record
            self._on_timer_timeout()

    def _on_history_entry(self, entry: HistoryEntry | None) -> None:
        if entry is not None and entry.request_id == self.request_id:
            self._entry = entry
            self._on_timer_timeout()

    def _on_search_records(self, records: tuple[VerificationRecord, ...]) -> None:
        for record in records:
            self.update_record(record)

    def _on_lookup_failed(self, request_id: str, exc: BaseException) -> None:
        # The countdown (from the history row, once read) takes the line back on its next tick.
        if request_id == self.request_id:
            self.timing_label.setText(messages.describe(exc))

    def _started_at(self) -> float | None:
        if self._record is not None and self._record.date_submitted is not None:
            return as_utc(self._record.date_submitted).timestamp()
        if self._entry is not None:
            return as_utc(self._entry.created_at).timestamp()
        return None

    def _on_timer_timeout(self) -> None:
        started = self._started_at()
        if started is None or not self.request_id:
            return
        entry = self._entry
        wait = (entry.next_event_wait if entry else None) or DEFAULT_NEXT_EVENT_WAIT
        countdown = predict(started, (entry.workflow_id if entry else None) or DEFAULT_WORKFLOW_ID,
                            (entry.pin_expiry if entry else None) or DEFAULT_PIN_EXPIRY, wait)
        now = self._clock()
        events = len(self._record.events) if self._record else 1
        status = self._record.status if self._record else VerificationStatus.IN_PROGRESS
        live = status == VerificationStatus.IN_PROGRESS and now < countdown.expires_at
        # Only Verify v1 limits when a request may be cancelled; v2 allows it while it runs.
        v1 = family_of(self.request_id, entry.api_version if entry else None) is ApiFamily.V1
        early = v1 and now < started + CANCEL_NOT_BEFORE_S
        until = countdown.cancel_allowed_until
        late = v1 and (events >= 2 or (until is not None and now >= until))
        self.cancel_button.setEnabled(live and not early and not late)
        self.cancel_button.setToolTip(_LATE_TOOLTIP if late else CANCEL_TOOLTIP)
        clock_text = time.strftime("%H:%M:%S", time.localtime(started))
        if not live:
            self.timing_label.setText(f"Started {clock_text}; it is no longer running "
                                      f"({status.lower()}). You can send a new code.")
            return
        self.timing_label.setText(
            f"Started {clock_text} ({format_duration(now - started)} ago); it lives "
            f"{format_duration(countdown.expires_at - now)} more unless checked or cancelled.")

    def _on_cancel_button_clicked(self) -> None:
        self.cancel_button.setEnabled(False)
        rid = self.request_id
        task = self._verification.cancel(rid)
        task.on_success(lambda _result: self._on_cancelled(rid))
        task.on_failure(lambda exc: self._on_cancel_failed(rid, exc))

    def _on_cancel_failed(self, request_id: str, exc: BaseException) -> None:
        if request_id == self.request_id:
            self.timing_label.setText(messages.describe(exc))

    def _on_cancelled(self, request_id: str) -> None:
        if request_id != self.request_id:
            return  # the panel moved on to another request meanwhile
        self.timer.stop()
        self.cancel_button.setEnabled(False)
        self.check_button.setEnabled(False)
        self.timing_label.setText("Cancelled. You can send a new code to this number now.")
