"""The ordered channels of a Verify v2 request on the Send page: :class:`WorkflowBuilder`.

It holds one :class:`~desktop_app.ui.v2_channel_row.ChannelRow` per channel. Rows are added
(button or Alt+Insert), removed and moved; every row is checked with the domain's v2 rules
(:func:`~desktop_app.domain.v2_validation.check_channel`) as it is typed, and an error named
``workflow[i].from`` is shown under row ``i``'s ``from`` field.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QLabel, QPushButton, QVBoxLayout, QWidget

from desktop_app.domain.errors import FieldError
from desktop_app.domain.v2 import SMS, VOICE
from desktop_app.domain.v2_validation import V2ChannelForm, check_channel
from desktop_app.ui.v2_channel_row import ROW_FIELD, ChannelRow
from desktop_app.ui.validators import FieldErrorLabel

__all__ = ["WORKFLOW_FIELD", "WorkflowBuilder"]

#: A field of the workflow: ``workflow[i]`` (a whole channel) or ``workflow[i].<field>``.
WORKFLOW_FIELD = re.compile(r"workflow\[(\d+)\](?:\.(\w+))?")


class WorkflowBuilder(QWidget):
    """The ordered channels of a Verify v2 request, each checked inline.

    Signals:
        changed(): a channel was added, removed, moved or edited.

    Args:
        parent: The owning widget.
        region: Returns the region national numbers are read in (``""``: none).
    """

    changed = Signal()

    def __init__(
        self, parent: QWidget | None = None, *, region: Callable[[], str] | None = None
    ) -> None:
        super().__init__(parent)
        self.rows: list[ChannelRow] = []
        self._region = region or str
        self._default_to = ""
        #: Whether a typed ``to`` is one of the sandbox's test numbers (no range warning then).
        self.is_test_number: Callable[[str], bool] = lambda _to: False
        self.rows_layout = QVBoxLayout()
        self.rows_layout.setContentsMargins(0, 0, 0, 0)
        self.add_button = QPushButton("&Add channel", self)
        self.add_button.setToolTip("Add a channel at the end of the workflow (Alt+Insert)")
        self.add_button.setAccessibleName("Add channel")
        self.workflow_error = FieldErrorLabel("workflow", self)
        title = QLabel("Workflow: channels tried in order, the next after the channel timeout")
        title.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(title)
        layout.addLayout(self.rows_layout)
        layout.addWidget(self.workflow_error)
        layout.addWidget(self.add_button, 0, Qt.AlignmentFlag.AlignLeft)
        self.add_shortcut = QShortcut(QKeySequence("Alt+Insert"), self)
        self.add_shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.add_button.clicked.connect(self._on_add_button_clicked)
        self.add_shortcut.activated.connect(self._on_add_button_clicked)
        self.changed.connect(self.recheck)

    # -- editing ------------------------------------------------------------------------------

    def add_channel(
        self, channel: str = SMS, *, to: str = "", from_: str = "",
        extras: dict[str, str] | None = None,
    ) -> ChannelRow:  # fmt: skip
        """Append a channel row and return it."""
        row = ChannelRow(self)
        row.set_channel(channel)
        row.to_edit.setText(to)
        row.from_edit.setText(from_)
        for key, value in (extras or {}).items():
            row.extra_edits[key].setText(value)
        row.set_default_to(self._default_to)
        row.changed.connect(self.changed)
        row.move_requested.connect(self.move_row)
        row.remove_requested.connect(self.remove_row)
        self.rows.append(row)
        self._relayout()
        return row

    def remove_row(self, row: ChannelRow) -> None:
        """Remove ``row`` (the focus moves to a neighbour)."""
        if row not in self.rows:
            return
        index = self.rows.index(row)
        self.rows.remove(row)
        row.hide()
        row.deleteLater()
        self._relayout()
        if self.rows:
            self.rows[min(index, len(self.rows) - 1)].channel_combo.setFocus()
        else:
            self.add_button.setFocus()

    def move_row(self, row: ChannelRow, delta: int) -> None:
        """Move ``row`` up (-1) or down (+1); the focus stays on it."""
        index = self.rows.index(row)
        target = index + delta
        if not 0 <= target < len(self.rows):
            return
        self.rows[index], self.rows[target] = self.rows[target], self.rows[index]
        self._relayout()
        row.channel_combo.setFocus()

    def clear(self) -> None:
        """Remove every row."""
        for row in list(self.rows):
            self.remove_row(row)

    def set_default_to(self, number: str) -> None:
        """The main number (the phone channels' ``to`` while theirs is empty)."""
        self._default_to = number.strip()
        for row in self.rows:
            row.set_default_to(self._default_to)
        self.recheck()

    def channels(self) -> tuple[str, ...]:
        """The channel of each row, in order."""
        return tuple(row.channel() for row in self.rows)

    def entries(self) -> tuple[V2ChannelForm, ...]:
        """The workflow as the domain reads it."""
        return tuple(row.entry() for row in self.rows)

    def _relayout(self) -> None:
        for row in self.rows:
            self.rows_layout.removeWidget(row)
        for index, row in enumerate(self.rows):
            self.rows_layout.addWidget(row)
            row.show()  # at once (the layout would only show it on the next loop turn)
            row.set_index(index, len(self.rows))
        self.changed.emit()

    # -- errors -------------------------------------------------------------------------------

    def recheck(self) -> list[FieldError]:
        """Check every row now and show each problem under its field; returns them all."""
        region = self._region() or None
        errors: list[FieldError] = []
        for index, row in enumerate(self.rows):
            entry = row.entry()
            problems = check_channel(index, entry, default_region=region)[1]
            if not entry.to.strip():
                # Nothing typed yet: a missing `to` is said on Send, not while the form is empty.
                problems = [e for e in problems if not e.field.endswith(".to")]
            errors.extend(problems)
        if not self.rows:
            errors.append(FieldError("workflow", "add at least one channel"))
        self.show_errors(errors)
        return errors

    def show_errors(self, errors: Iterable[FieldError]) -> list[FieldError]:
        """Show the ``workflow``/``workflow[i]...`` errors; returns the ones not about it."""
        per_row: dict[int, list[tuple[str, FieldError]]] = {i: [] for i in range(len(self.rows))}
        workflow: FieldError | None = None
        others: list[FieldError] = []
        for error in errors:
            match = WORKFLOW_FIELD.fullmatch(error.field)
            if error.field == "workflow":
                workflow = workflow or error
            elif match is not None and int(match.group(1)) < len(self.rows):
                row = self.rows[int(match.group(1))]
                if error.overridable and self.is_test_number(row.entry().to):
                    continue  # a sandbox test number: its range is no surprise
                per_row[int(match.group(1))].append((match.group(2) or ROW_FIELD, error))
            elif match is not None:
                workflow = workflow or error
            else:
                others.append(error)
        for index, row in enumerate(self.rows):
            row.show_errors(per_row[index])
        self.workflow_error.show_error(workflow)
        return others

    def _on_add_button_clicked(self) -> None:
        used = self.channels()
        nxt = VOICE if used and used[-1] == SMS else SMS
        row = self.add_channel(nxt)
        row.channel_combo.setFocus()
