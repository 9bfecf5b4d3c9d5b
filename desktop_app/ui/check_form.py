"""The Check page: pick a running request, type the code the customer reads out, see the result.

Codes are never stored or logged: the code box is cleared after every result, and the code only
travels to the service's job.

Check is enabled only while the API would take a code for the chosen request (the shared rule,
``desktop_app.domain.action_rules``), with the reason in its tooltip otherwise. The picker's
"… ago" texts tick; the result line goes when another request is chosen.
"""

from __future__ import annotations

from PySide6.QtCore import QRegularExpression, Qt, QTimer, Signal
from PySide6.QtGui import QFontDatabase, QRegularExpressionValidator
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop_app.domain.action_rules import facts_of, rules
from desktop_app.domain.errors import RequestNotFoundError, TooManyAttemptsError, WrongCodeError
from desktop_app.domain.models import HistoryEntry, VerificationStatus
from desktop_app.domain.v2 import is_v2_request_id
from desktop_app.domain.workflows import MAX_WRONG_CODES
from desktop_app.services.history import HistoryService
from desktop_app.services.latest import Latest
from desktop_app.services.verification import VerificationService
from desktop_app.ui import messages
from desktop_app.ui.countdowns import Clock, follow_clock, utc_now
from desktop_app.ui.details_disclosure import MessageLine
from desktop_app.ui.fitting import ScrollPage, shrinkable
from desktop_app.ui.formatting import (
    as_utc,
    format_duration,
    format_number,
    format_request_id,
    status_color,
    status_text,
)
from desktop_app.ui.validators import FieldErrorLabel, field_problem, submit_shortcuts

__all__ = ["CheckForm"]

_CODE_MAX = 10
CHECK_TOOLTIP = "Check the code (Enter or Ctrl+Enter)"


class CheckForm(QWidget):
    """Check a code against one of the recent IN PROGRESS requests (or a pasted request id).

    Signals:
        checked(str): a check of this request id ended (any outcome); the lists may refresh.

    Args:
        verification: Runs the check.
        history: Lists the requests still in progress.
        parent: The owning widget.
        clock: "Now" on the active server's clock (how long ago each request started).
    """

    checked = Signal(str)

    def __init__(self, verification: VerificationService, history: HistoryService,
                 parent: QWidget | None = None, *, clock: Clock = utc_now) -> None:
        super().__init__(parent)
        self._verification = verification
        self._history = history
        self._clock = clock
        self._presenter = False
        #: The request the result line is about ("" when it shows none).
        self._result_for = ""
        self._entries: dict[str, HistoryEntry] = {}
        self._wrong: dict[str, int] = {}
        #: Every request listed so far, so a finished one keeps a readable label.
        self._seen: dict[str, HistoryEntry] = {}
        #: Requests that ended while this form showed them, with how they ended.
        self._final: dict[str, str] = {}
        self._profile: str | None = None
        self._busy = False
        #: The running-requests read: a newer reload supersedes an older one still reading.
        self._reloads: Latest[list[HistoryEntry]] = Latest()
        self._build_layout()
        self._connect_signals()

    def _build_layout(self) -> None:
        self.request_combo = shrinkable(QComboBox(self), 20)  # the list opens as wide as needed
        self.request_combo.setEditable(True)
        self.request_combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.request_combo.setPlaceholderText("Pick a running request or paste its id")
        completer = QCompleter(self.request_combo.model(), self.request_combo)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.request_combo.setCompleter(completer)
        self.request_combo.setToolTip("Running requests: number, brand and age; type to search")
        self.request_combo.setAccessibleName("Request")
        self.code_edit = QLineEdit(self)
        self.code_edit.setValidator(QRegularExpressionValidator(
            QRegularExpression(f"[A-Za-z0-9]{{0,{_CODE_MAX}}}"), self.code_edit))
        self.code_edit.setMaxLength(_CODE_MAX)
        font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        font.setPointSizeF(font.pointSizeF() * 1.8)
        self.code_edit.setFont(font)
        self.code_edit.setPlaceholderText("code")
        self.code_edit.setToolTip("The code the customer reads out (letters and digits)")
        self.code_edit.setAccessibleName("Code")
        self.code_error = FieldErrorLabel("code", self)
        self.attempts_label = QLabel(self)
        self.attempts_label.setWordWrap(True)
        self.attempts_label.setAccessibleName("Attempts left")
        self.check_button = QPushButton("Check", self)
        self.check_button.setToolTip(CHECK_TOOLTIP)
        self.result_label = MessageLine(self, name="Check result")
        font = self.result_label.label.font()
        font.setPointSizeF(font.pointSizeF() * 1.3)
        font.setBold(True)
        self.result_label.label.setFont(font)
        form = QFormLayout()
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        form.addRow("&Request:", self.request_combo)
        code_cell = QWidget(self)
        code_row = QHBoxLayout(code_cell)
        code_row.setContentsMargins(0, 0, 0, 0)
        code_row.addWidget(self.code_edit, 1)
        code_row.addWidget(self.check_button)
        code_cell.setFocusProxy(self.code_edit)  # the label's Alt+O lands in the code box
        form.addRow("C&ode:", code_cell)
        form.addRow("", self.code_error)
        form.addRow("", self.attempts_label)
        # The page scrolls on a short screen instead of making the window taller.
        self.page = ScrollPage(self)
        body = self.page.body_layout
        body.addLayout(form)
        body.addWidget(self.result_label)
        body.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.page)
        self.shortcuts = submit_shortcuts(self)
        self.timer = QTimer(self)  # the "… ago" texts and the check rule follow the clock
        self.timer.setInterval(1000)

    def _connect_signals(self) -> None:
        self.timer.timeout.connect(self._on_timer_timeout)
        follow_clock(self._clock, self._on_timer_timeout)  # a skip: ages and the rule at once
        # A check, cancel or expiry recorded anywhere may end a listed request.
        self._verification.history_changed.connect(self.reload)
        self.code_edit.returnPressed.connect(self._on_check_button_clicked)
        self.check_button.clicked.connect(self._on_check_button_clicked)
        for shortcut in self.shortcuts:
            shortcut.activated.connect(self._on_check_button_clicked)
        self.request_combo.currentTextChanged.connect(self._on_request_combo_changed)

    # -- public API -----------------------------------------------------------------------------

    def set_profile(self, name: str | None) -> None:
        """List only the requests of profile ``name`` (None: every profile), then reload."""
        if name != self._profile:  # another account: nothing shown may belong to the old one
            self.request_combo.clear()
            self.request_combo.setEditText("")
            self.result_label.clear()
            self._result_for = ""
            self.attempts_label.clear()
        self._profile = name
        self.reload()

    def set_presenter_mode(self, on: bool) -> None:
        """Presenter mode: the picker shows the last four digits of numbers and ids' ends."""
        self._presenter = on
        self.result_label.set_mask(on)
        self._relabel()

    def reload(self) -> None:
        """Reload the running requests from the history (on the history pool; latest wins).

        A failed read is left to the runner's default report (the window shows it).
        """
        task = self._history.in_progress(profile=self._profile)
        self._reloads.set(task).on_success(self._on_history_loaded)

    def request_id(self) -> str:
        """The chosen request's id (a pasted id is taken as typed)."""
        index = self.request_combo.findText(self.request_combo.currentText())
        if index >= 0 and self.request_combo.itemData(index):
            return str(self.request_combo.itemData(index))
        return self.request_combo.currentText().strip()

    def open_request(self, request_id: str) -> None:
        """Select ``request_id`` (added when not listed yet); the focus goes to the code box."""
        index = self.request_combo.findData(request_id)
        if index < 0:
            self.request_combo.insertItem(0, request_id, request_id)
            index = 0
        self.request_combo.setCurrentIndex(index)
        self._show_start_of_text()
        self.result_label.clear()
        self._result_for = ""
        self.code_edit.setFocus(Qt.FocusReason.OtherFocusReason)
        self.reload()

    # -- slots --------------------------------------------------------------------------------

    def _on_history_loaded(self, entries: list[HistoryEntry]) -> None:
        current = self.request_id()
        before = self._entries
        self._entries = {e.request_id: e for e in entries if e.request_id}
        self._seen.update(self._entries)
        for rid in before.keys() - self._entries.keys():
            # No longer in progress (checked, cancelled or expired elsewhere): it takes no
            # code; the history says how it ended.
            self._final.setdefault(rid, "ended")
            self._history.get(rid).on_success(self._on_ended_entry)
        self.request_combo.blockSignals(True)
        self.request_combo.clear()
        for rid in self._entries:
            self.request_combo.addItem(self._label(rid), rid)
        index = self.request_combo.findData(current)
        if index < 0 and current:
            # No longer in progress (just verified or terminated): keep it, readably labelled.
            self.request_combo.insertItem(0, self._label(current), current)
            index = 0
            if current not in self._final:
                # Never seen running here (it ended before a read listed it, or it is a pasted
                # id): the history says whether, and how, it ended.
                self._history.get(current).on_success(self._on_ended_entry)
        self.request_combo.setCurrentIndex(max(index, 0) if self.request_combo.count() else -1)
        self.request_combo.blockSignals(False)
        self._show_start_of_text()
        self._on_request_combo_changed()
        self.timer.start()

    def _on_ended_entry(self, entry: HistoryEntry | None) -> None:
        if entry is None or not entry.request_id or not entry.status.is_final:
            return  # unknown to this history, or still running (the next reload lists it)
        rid = entry.request_id
        if self._final.get(rid, "ended") == "ended" and rid not in self._entries:
            self._final[rid] = status_text(entry.status).lower()
            self._seen.setdefault(rid, entry)  # a pasted id reads as the request it was
            self._relabel()
            self._show_attempts(self.request_id())
            self._apply_rule()

    def _label(self, rid: str) -> str:
        """The picker's text for a request: number, brand, age, id (and how it ended)."""
        entry = self._seen.get(rid)
        label = format_request_id(rid, mask=self._presenter)  # a pasted id: only that
        if entry is not None:
            age = format_duration((self._clock() - as_utc(entry.created_at)).total_seconds())
            number = format_number(entry.number, mask=self._presenter)
            api = " · v2" if entry.api_version == "v2" else ""
            label = f"{number} · {entry.brand}{api} · {age} ago · {label}"
        return f"{label} · {self._final[rid]}" if rid in self._final else label

    def _relabel(self) -> None:
        """Recompute every item's text (the ages tick; presenter mode changes the numbers)."""
        combo = self.request_combo
        current = combo.currentIndex()
        typing = current >= 0 and combo.currentText() != combo.itemText(current)
        for index in range(combo.count()):
            rid = str(combo.itemData(index) or "")
            text = self._label(rid) if rid else combo.itemText(index)
            if text != combo.itemText(index) and not (typing and index == current):
                combo.setItemText(index, text)  # the current one: its edit text follows
        if not typing:
            self._show_start_of_text()

    def _on_timer_timeout(self) -> None:
        self._relabel()
        self._apply_rule()

    def _apply_rule(self) -> None:
        """Enable Check only while the API would take a code for the chosen request."""
        rid = self.request_id()
        entry = self._entries.get(rid)
        why = ""
        if rid in self._final:
            how = self._final[rid]  # "ended" until the history says how
            why = ("This request has ended" + ("" if how == "ended" else f" ({how})")
                   + ": it takes no more codes")  # fmt: skip
        elif entry is not None:
            why = messages.why_not(rules(facts_of(entry), self._clock().timestamp()).check)
        self.check_button.setEnabled(not why and not self._busy)
        self.check_button.setToolTip(f"Not now: {why}." if why else CHECK_TOOLTIP)

    def _show_start_of_text(self) -> None:
        line = self.request_combo.lineEdit()
        if line is not None:
            line.setCursorPosition(0)  # the number and brand, not the tail of the id

    def _on_request_combo_changed(self, *_args: object) -> None:
        rid = self.request_id()
        entry = self._entries.get(rid)
        self.code_edit.setMaxLength(entry.code_length if entry and entry.code_length else _CODE_MAX)
        self._show_attempts(rid)
        if rid != self._result_for:  # the result was about another request
            self.result_label.clear()
            self._result_for = ""
        self._apply_rule()

    def _attempts_left(self, rid: str) -> int:
        entry = self._entries.get(rid)
        seeded = entry.checks_count if entry and entry.last_check_outcome == "INVALID" else 0
        return max(MAX_WRONG_CODES - max(seeded, self._wrong.get(rid, 0)), 0)

    def _show_attempts(self, rid: str) -> None:
        if not rid or rid in self._final:
            self.attempts_label.setText("")  # a finished request takes no more codes
            return
        left = self._attempts_left(rid)
        self.attempts_label.setText(f"{left} attempt{'s' if left != 1 else ''} left for the "
                                    "current code")

    def _on_check_button_clicked(self) -> None:
        if self._busy:
            return
        if not self.check_button.isEnabled():  # Enter in the code box: say why not, send nothing
            self.result_label.set_colour(None)
            self.result_label.setText(self.check_button.toolTip())
            return
        rid, code = self.request_id(), self.code_edit.text()
        # A UUID is a Verify v2 id (the service routes it to v2 check); the v1 rule is 32 hex.
        id_error = None if is_v2_request_id(rid) else field_problem("request_id", rid)
        error = id_error or field_problem("code", code)
        self.code_error.show_error(error)
        if error is not None:
            return
        self._busy = True
        self.check_button.setEnabled(False)
        self._result_for = rid
        self.result_label.set_colour(None)
        self.result_label.setText("Checking…")
        # Wrong codes counted before this one: the history reloads by itself meanwhile (and
        # may already count this one when the answer comes), so the count is taken now.
        used = MAX_WRONG_CODES - self._attempts_left(rid)
        task = self._verification.check(rid, code)
        task.on_success(lambda _result: self._show_result(rid, None, used))
        task.on_failure(lambda exc: self._show_result(rid, exc, used))
        task.on_finished(self._on_check_task_finished)

    def _on_check_task_finished(self) -> None:
        self._busy = False
        self._apply_rule()

    def _show_result(self, rid: str, exc: BaseException | None, used: int) -> None:
        self.code_edit.clear()
        if exc is None:
            text, status = "Verified ✓", VerificationStatus.SUCCESS
        elif isinstance(exc, WrongCodeError):
            self._wrong[rid] = max(self._wrong.get(rid, 0), used + 1)
            left = self._attempts_left(rid)
            text = f"Wrong code — {left} attempt{'s' if left != 1 else ''} left"
            status = VerificationStatus.EXPIRED  # amber
        elif isinstance(exc, TooManyAttemptsError):
            self._wrong[rid] = MAX_WRONG_CODES
            text = "Too many wrong codes: this request has ended. Send a new code to try again."
            status = VerificationStatus.FAILED
        else:
            text, status = messages.describe(exc), VerificationStatus.FAILED
        if exc is None:
            self._final[rid] = "verified"
        elif isinstance(exc, TooManyAttemptsError):
            self._final[rid] = "terminated"
        elif isinstance(exc, RequestNotFoundError):
            self._final.setdefault(rid, "ended")  # the API says it takes no more codes
        if rid == self.request_id():  # else another one was chosen meanwhile: not about it
            self._result_for = rid
            self.result_label.setText(text)
            self.result_label.set_colour(status_color(status))
            self._show_attempts(rid)
        self._apply_rule()
        self.checked.emit(rid)
        if exc is None or isinstance(exc, TooManyAttemptsError | RequestNotFoundError):
            self.reload()
        self.code_edit.setFocus(Qt.FocusReason.OtherFocusReason)
