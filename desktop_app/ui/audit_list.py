"""The details pane's "Actions" box: the selected request's audit trail, oldest first.

One line per action: when (local time), what, how it ended, who and on which computer
(``2026-12-07 10:15:03  Code checked: wrong code (ann@ws-12)``). The actions come from the
history's ``actions`` table through ``HistoryService.actions`` (a worker thread); an answer for
a request that is no longer shown is dropped. Lines hold no request id or number, so presenter
mode has nothing to mask here; the operator and host names are shown as they are.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QGroupBox, QListView, QListWidget, QListWidgetItem, QVBoxLayout

from desktop_app.domain.audit import ActionEntry, ActionKind, Outcome
from desktop_app.domain.models import HistoryEntry
from desktop_app.ui import formatting

if TYPE_CHECKING:
    from desktop_app.services.history import HistoryService

__all__ = ["AuditList", "action_line"]

#: What each action kind reads like.
KIND_TEXT: Final[dict[str, str]] = {
    ActionKind.START: "Started",
    ActionKind.CHECK: "Code checked",
    ActionKind.CANCEL: "Cancelled",
    ActionKind.NEXT: "Next delivery",
    ActionKind.MESSAGE: "Message sent",
    ActionKind.CODE_SEND: "Code sent by message",
    ActionKind.CODE_CHECK: "Code checked",
    ActionKind.CODE_CANCEL: "Code cancelled",
}
#: What each outcome reads like (plain words; the stored word is the export's).
OUTCOME_TEXT: Final[dict[str, str]] = {
    Outcome.OK: "done",
    Outcome.WRONG_CODE: "wrong code",
    Outcome.TOO_MANY: "too many wrong codes",
    Outcome.EXPIRED: "expired",
    Outcome.NOT_FOUND: "not found or no longer active",
    Outcome.CONCURRENT: "refused, one already running",
    Outcome.REFUSED: "refused",
    Outcome.THROTTLED: "refused, too many requests",
    Outcome.AUTH: "refused, wrong credentials",
    Outcome.INVALID: "refused, invalid value",
    Outcome.QUOTA: "refused, not enough credit",
    Outcome.API_ERROR: "refused by the API",
    Outcome.NOT_SENT: "not sent",
    Outcome.UNKNOWN: "no answer, outcome unknown",
    Outcome.ERROR: "failed",
}


_CHECKS: Final = (ActionKind.CHECK, ActionKind.CODE_CHECK)


def action_line(action: ActionEntry) -> str:
    """One action as the list shows it."""
    what = KIND_TEXT.get(action.kind, action.kind)
    how = OUTCOME_TEXT.get(action.outcome, action.outcome)
    if action.outcome == Outcome.OK and action.kind in _CHECKS:
        how = "right code"  # "done" says less than the wrong-code line above it
    who = f"{action.user}@{action.host}" if action.host else action.user
    return f"{formatting.format_datetime(action.at)}  {what}: {how} ({who})"


class AuditList(QGroupBox):
    """The "Actions" box of the details pane.

    Args:
        history: Reads the actions (None: the box stays empty).
    """

    def __init__(self, history: HistoryService | None) -> None:
        super().__init__("Actions")
        self._history = history
        self._shown: int | None = None
        self.lines = QListWidget()
        self.lines.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.lines.setWordWrap(True)
        self.lines.setResizeMode(QListView.ResizeMode.Adjust)
        metrics = QFontMetrics(self.lines.font())
        self.lines.setMinimumHeight(3 * (metrics.height() + 4) + 2 * self.lines.frameWidth())
        self.lines.setAccessibleName("Actions on this request")
        QVBoxLayout(self).addWidget(self.lines)

    def show_entry(self, entry: HistoryEntry | None) -> None:
        """Show ``entry``'s actions (None clears); re-reads them for the same entry too."""
        if entry is None or self._history is None:
            self._shown = None
            self.lines.clear()
            return
        if entry.id != self._shown:
            self.lines.clear()
        self._shown = row = entry.id
        self._history.actions(row).on_success(lambda actions: self._on_loaded(row, actions))

    def _on_loaded(self, history_id: int, actions: list[ActionEntry]) -> None:
        if history_id != self._shown:
            return  # another request is shown now
        texts = [action_line(a) for a in actions]
        if texts == self.texts():
            return  # a periodic re-read with nothing new: no repaint
        self.lines.clear()
        for text in texts:
            item = QListWidgetItem(text)
            item.setToolTip(text)
            self.lines.addItem(item)

    def texts(self) -> list[str]:
        """The lines shown (for tests and accessibility checks)."""
        return [self.lines.item(i).text() for i in range(self.lines.count())]
