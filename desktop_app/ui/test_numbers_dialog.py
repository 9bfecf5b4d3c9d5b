"""Help → Test numbers: the sandbox's catalogue of numbers, one per outcome; pick one to use it.

The table reads the one catalogue in the domain (:data:`desktop_app.domain.test_numbers.CATALOGUE`,
also behind ``verify-desk-cli test-numbers`` and docs/test-numbers.md). Choosing an entry (double
click, Enter or "Use this number") emits :attr:`TestNumbersDialog.chosen`; the window fills the
matching form with it. Whether an entry can be used right now (the profile is the sandbox, the
window has a form for its API) is the window's call, given as ``why_not``: the reason shows on
the button and in the row's tooltip, so nothing is offered that would not work.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)
from typing_extensions import override

from desktop_app.domain.test_numbers import API_MESSAGES, API_V1, API_V2, CatalogueEntry
from desktop_app.domain.test_numbers import entries_for as catalogue_entries
from desktop_app.ui.formatting import format_number
from desktop_app.ui.validators import data_combo

_Index = QModelIndex | QPersistentModelIndex

API_NAMES = {API_V1: "Verify v1", API_V2: "Verify v2", API_MESSAGES: "Messages"}
HEADERS = ("Number", "API", "Outcome", "Fixed code", "What it shows")
_NUMBER, _API, _OUTCOME, _CODE, _SHOWS = range(len(HEADERS))


def shown_number(entry: CatalogueEntry, *, mask: bool = False) -> str:
    """The entry's number as the forms show one (an email address stays as it is)."""
    return entry.number if "@" in entry.number else format_number(entry.number, mask=mask)


class TestNumbersModel(QAbstractTableModel):
    """The catalogue's entries as rows (read-only); ``ENTRY_ROLE`` gives a row's entry.

    Args:
        entries: The rows.
        mask: Presenter mode: numbers by their last four digits.
        parent: The owning object.
    """

    __test__ = False  # not a pytest class, whatever its name says
    ENTRY_ROLE = int(Qt.ItemDataRole.UserRole)

    def __init__(
        self, entries: Sequence[CatalogueEntry], *, mask: bool = False,
        parent: QWidget | None = None,
    ) -> None:  # fmt: skip
        super().__init__(parent)
        self._entries = tuple(entries)
        self._mask = mask

    def set_entries(self, entries: Sequence[CatalogueEntry]) -> None:
        """Show these entries instead."""
        self.beginResetModel()
        self._entries = tuple(entries)
        self.endResetModel()

    def set_mask(self, mask: bool) -> None:
        """Presenter mode on or off: the Number column is drawn again."""
        if mask != self._mask:
            self._mask = mask
            if self._entries:
                last = self.index(len(self._entries) - 1, _NUMBER)
                self.dataChanged.emit(self.index(0, _NUMBER), last)

    def entry(self, row: int) -> CatalogueEntry:
        """The entry shown on ``row``."""
        return self._entries[row]

    @override
    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._entries)

    @override
    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(HEADERS)

    @override
    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole
                and 0 <= section < len(HEADERS)):  # fmt: skip
            return HEADERS[section]
        return None

    @override
    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._entries):
            return None
        entry = self._entries[index.row()]
        if role == self.ENTRY_ROLE:
            return entry
        if role == Qt.ItemDataRole.DisplayRole:
            return self._cell(entry, index.column())
        if role == Qt.ItemDataRole.ToolTipRole:
            return entry.demonstrates
        return None

    def _cell(self, entry: CatalogueEntry, column: int) -> str | None:
        if column == _NUMBER:
            ending = f" (any …{entry.number[-4:]})" if entry.any_ending else ""
            return shown_number(entry, mask=self._mask) + ending
        if column == _API:
            return API_NAMES.get(entry.api, entry.api)
        if column == _OUTCOME:
            return entry.outcome
        if column == _CODE:
            return entry.code or ""
        if column == _SHOWS:
            return entry.demonstrates
        return None


class TestNumbersDialog(QDialog):
    """The catalogue in a table with an API filter and a "Use this number" button.

    Signals:
        chosen(object): The ``CatalogueEntry`` the person chose to use.

    Args:
        why_not: For an entry, why it cannot be used now ("" when it can).
        mask: Presenter mode: numbers by their last four digits.
        parent: The owning widget.
    """

    __test__ = False
    chosen = Signal(object)

    def __init__(
        self, why_not: Callable[[CatalogueEntry], str], *, mask: bool = False,
        parent: QWidget | None = None,
    ) -> None:  # fmt: skip
        super().__init__(parent)
        self.setWindowTitle("Test numbers")
        self._why_not = why_not
        intro = QLabel(
            "Each number makes the built-in sandbox answer with one outcome, so every result "
            "can be shown or tested without a phone. Choose one to put it in the form.",
            self,
        )
        intro.setWordWrap(True)
        self.api_combo = data_combo(
            self, [("All APIs", "")] + [(name, api) for api, name in API_NAMES.items()]
        )
        self.api_combo.setAccessibleName("API")
        self.model = TestNumbersModel(catalogue_entries(), mask=mask, parent=self)
        self.table = QTableView(self)
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setWordWrap(True)  # "What it shows" is a sentence or two
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(_SHOWS, QHeaderView.ResizeMode.Stretch)
        self.use_button = QPushButton("&Use this number", self)
        self.reason = QLabel(self)
        self.reason.setWordWrap(True)
        self.reason.setAccessibleName("Why not")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        top = QHBoxLayout()
        show_label = QLabel("&Show:", self)
        show_label.setBuddy(self.api_combo)
        top.addWidget(show_label)
        top.addWidget(self.api_combo)
        top.addStretch(1)
        bottom = QHBoxLayout()
        bottom.addWidget(self.reason, 1)
        bottom.addWidget(self.use_button)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addLayout(bottom)
        layout.addWidget(buttons)
        buttons.rejected.connect(self.reject)
        self.api_combo.currentIndexChanged.connect(self._on_api_changed)
        self.table.selectionModel().currentRowChanged.connect(self._update_use)
        self.table.activated.connect(self._on_activated)
        self.use_button.clicked.connect(self._use_current)
        self.resize(760, 420)
        self._update_use()

    def select_number(self, number: str) -> None:
        """Make the row of ``number`` current (first match), e.g. to point at one."""
        for row in range(self.model.rowCount()):
            if self.model.entry(row).number == number:
                self.table.selectRow(row)
                return

    def refresh(self) -> None:
        """Ask again whether the current entry can be used (the profile may have changed)."""
        self._update_use()

    def _current(self) -> CatalogueEntry | None:
        index = self.table.currentIndex()
        return self.model.entry(index.row()) if index.isValid() else None

    def _update_use(self, *_args: object) -> None:
        entry = self._current()
        reason = "Choose a number first." if entry is None else self._why_not(entry)
        self.use_button.setEnabled(not reason)
        self.use_button.setToolTip(reason)
        self.reason.setText(reason if entry is not None else "")

    def _on_api_changed(self, *_args: object) -> None:
        self.model.set_entries(catalogue_entries(self.api_combo.currentData() or None))
        self._update_use()

    def _on_activated(self, index: QModelIndex) -> None:
        self.table.setCurrentIndex(index)
        self._use_current()

    def _use_current(self) -> None:
        entry = self._current()
        if entry is not None and not self._why_not(entry):
            self.chosen.emit(entry)
            self.accept()  # out of the way of the form it filled (Help reopens it where it was)
