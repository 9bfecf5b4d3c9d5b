"""The in-page panel shown when a start is refused with status 10 (a verification is running).

It names the live request, says when it started and how long it still lives, and offers the
three ways forward: check its code, cancel it (only while the API allows it: from 30 s after the
start until the second delivery event), or show it in the recent requests. Check and Cancel follow
the same rules as everywhere else (``desktop_app.domain.action_rules``), re-read every second and
by the schedule (a delivery due since the last lookup counts), with the reason in the tooltip.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from desktop_app.domain.action_rules import (
    RequestFacts,
    expires_at,
    facts_of,
    facts_of_search,
    rules,
)
from desktop_app.domain.api_family import ApiFamily, family_of
from desktop_app.domain.models import HistoryEntry, VerificationRecord, VerificationStatus
from desktop_app.services.history import HistoryService
from desktop_app.services.verification import VerificationService
from desktop_app.ui import messages
from desktop_app.ui.details_disclosure import MessageLine
from desktop_app.ui.formatting import format_duration, format_request_id, status_text

__all__ = ["CANCEL_TOOLTIP", "ConcurrentPanel", "started_by"]

CANCEL_TOOLTIP = "Cancel the running request (allowed from 30 s after its start)"
CHECK_TOOLTIP = "Open the check form on the running request"
_LOOKING_UP = "Looking the request up…"
_CANCELLED_WHY = "It was cancelled"


def started_by(entry: HistoryEntry) -> str:
    """Who started a request, as the panel says it: the agent, their computer and profile."""
    text = f"Started by {entry.operator}" + (f" on {entry.host}" if entry.host else "")
    return f"{text} (profile {entry.profile})"


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
        self._presenter = False
        self._cancelled = False
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
        #: Who started it, from the history row (on a team's shared history: any agent's).
        self.agent_label = QLabel(self)
        self.agent_label.setWordWrap(True)
        self.agent_label.setVisible(False)
        self.message_line = MessageLine(self, name="Running request problem")
        self.check_button = QPushButton("Check code", self)
        self.check_button.setToolTip(CHECK_TOOLTIP)
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
        layout.addWidget(self.agent_label)
        layout.addWidget(self.timing_label)
        layout.addWidget(self.message_line)
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
        self._cancelled = False
        self._show_id()
        self.timing_label.setText(_LOOKING_UP)
        self.agent_label.clear()
        self.agent_label.setVisible(False)
        self.message_line.clear()
        self.show_button.setEnabled(True)
        self._apply_rules()
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
        self.message_line.clear()
        self.setVisible(False)

    def set_presenter_mode(self, on: bool) -> None:
        """Presenter mode: the request id shows only its ends."""
        self._presenter = on
        self.message_line.set_mask(on)
        if self.request_id:
            self._show_id()

    def _show_id(self) -> None:
        shown = format_request_id(self.request_id, mask=self._presenter)
        self.id_label.setText(f"Request <code>{shown}</code>")

    def update_record(self, record: VerificationRecord) -> None:
        """Take a fresher search result for the shown request (e.g. from the refresher)."""
        if record.request_id == self.request_id:
            self._record = record
            self._on_timer_timeout()

    def _on_history_entry(self, entry: HistoryEntry | None) -> None:
        if entry is not None and entry.request_id == self.request_id:
            self._entry = entry
            self.agent_label.setText(started_by(entry))
            self.agent_label.setVisible(True)
            self._on_timer_timeout()

    def _on_search_records(self, records: tuple[VerificationRecord, ...]) -> None:
        for record in records:
            if record.request_id == self.request_id:
                self.message_line.clear()  # the lookup answered: its earlier failure is old news
            self.update_record(record)

    def _on_lookup_failed(self, request_id: str, exc: BaseException) -> None:
        if request_id == self.request_id:
            self.message_line.setText(messages.describe(exc))

    def _facts(self) -> RequestFacts | None:
        if self._entry is not None:
            return facts_of(self._entry, self._record)
        if self._record is not None:
            return facts_of_search(self._record)
        return None

    def _reasons(self) -> tuple[str, str]:
        """Why Check and Cancel are refused now ("" when the API accepts them)."""
        if self._cancelled:
            return _CANCELLED_WHY, _CANCELLED_WHY
        facts = self._facts()
        if facts is None:
            # Not looked up yet: Verify v2 accepts a cancel whenever it runs; v1 needs the start.
            v2 = family_of(self.request_id, None) is ApiFamily.V2
            return "", "" if v2 else _LOOKING_UP
        allowed = rules(facts, self._clock())
        return messages.why_not(allowed.check), messages.why_not(allowed.cancel)

    def _apply_rules(self) -> None:
        check, cancel = self._reasons()
        for button, why, tip in ((self.check_button, check, CHECK_TOOLTIP),
                                 (self.cancel_button, cancel, CANCEL_TOOLTIP)):
            button.setEnabled(not why)
            button.setToolTip(f"Not now: {why}." if why else tip)

    def _on_timer_timeout(self) -> None:
        if not self.request_id:
            return
        self._apply_rules()
        facts = self._facts()
        if facts is None or self._cancelled:
            return
        now = self._clock()
        started = facts.started_at
        clock_text = time.strftime("%H:%M:%S", time.localtime(started))
        ends = expires_at(facts, now)
        if facts.status != VerificationStatus.IN_PROGRESS or now >= ends:
            state = status_text(facts.status) if facts.status != VerificationStatus.IN_PROGRESS \
                else status_text(VerificationStatus.EXPIRED)  # fmt: skip
            self.timing_label.setText(f"Started {clock_text}; it is no longer running "
                                      f"({state.lower()}). You can send a new code.")
            return
        self.timing_label.setText(
            f"Started {clock_text} ({format_duration(now - started)} ago); it lives "
            f"{format_duration(ends - now)} more unless checked or cancelled.")

    def _on_cancel_button_clicked(self) -> None:
        self.cancel_button.setEnabled(False)
        rid = self.request_id
        task = self._verification.cancel(rid)
        task.on_success(lambda _result: self._on_cancelled(rid))
        task.on_failure(lambda exc: self._on_cancel_failed(rid, exc))

    def _on_cancel_failed(self, request_id: str, exc: BaseException) -> None:
        if request_id == self.request_id:
            self.message_line.setText(messages.describe(exc))
            self.lookup()  # whatever made the API refuse, the lookup shows it

    def _on_cancelled(self, request_id: str) -> None:
        if request_id != self.request_id:
            return  # the panel moved on to another request meanwhile
        self.timer.stop()
        self._cancelled = True
        self._apply_rules()
        self.message_line.clear()
        self.timing_label.setText("Cancelled. You can send a new code to this number now.")

