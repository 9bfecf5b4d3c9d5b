"""Sorting and filtering of loaded history rows, on top of ``HistoryTableModel``.

The recent-requests view does not use it: its filters run in SQLite and the table shows the
model directly, because a proxy on the paint path costs a ``mapToSource`` and Python calls
(``rowCount``/``columnCount`` through ``hasIndex``) for every cell of every repaint, plus a
Python ``filterAcceptsRow`` per loaded row on every reset. It remains for callers that filter
loaded rows in memory (``RecentRequestsView.proxy`` builds one on demand).
"""

from __future__ import annotations

import re
from typing import Any

from PySide6.QtCore import (
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from typing_extensions import override

from desktop_app.domain.models import HistoryEntry
from desktop_app.ui.history_model import ENTRY_ROLE, SORT_ROLE, HistoryTableModel

_NUMBER_PUNCTUATION = re.compile(r"[\s+\-().]")
_Index = QModelIndex | QPersistentModelIndex


class HistoryFilterProxy(QSortFilterProxyModel):
    """Filters rows by free text and status; sorting is done by the model under it.

    The text matches a substring of the brand or the request id (case-insensitive), or of the
    number's digits (spaces, ``+`` and dashes in the filter are ignored).

    ``sort`` is handed to a ``HistoryTableModel`` source, which orders its rows with one
    ``list.sort`` on raw values; the proxy itself stays unsorted and keeps the source's order.
    Sorting here would call ``lessThan`` (two ``data()`` calls through Qt) per comparison:
    about 3 s for 5,000 loaded rows. Other sources are sorted by the proxy on ``SORT_ROLE``.
    """

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._text = ""
        self._digits = ""
        self._status: str | None = None
        self.setSortRole(SORT_ROLE)
        self.setDynamicSortFilter(True)

    def set_filter_text(self, text: str) -> None:
        """Show only rows whose number, request id or brand contain ``text``."""
        needle = text.strip().casefold()
        if needle == self._text:
            return
        self.beginFilterChange()
        self._text = needle
        digits = _NUMBER_PUNCTUATION.sub("", needle)
        self._digits = digits if digits.isdigit() else ""
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def set_status_filter(self, status: str | None) -> None:
        """Show only rows with this status value (``"IN PROGRESS"``, ...); None shows all."""
        if status == self._status:
            return
        # Qt 6.10 deprecates invalidateFilter() for this begin/end pair.
        self.beginFilterChange()
        self._status = status or None
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    @property
    def filter_text(self) -> str:
        """The normalised filter text."""
        return self._text

    @property
    def status_filter(self) -> str | None:
        """The status rows must have, or None."""
        return self._status

    @override
    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        source = self.sourceModel()
        if isinstance(source, HistoryTableModel):
            source.sort(column, order)
        else:
            super().sort(column, order)

    @override
    def filterAcceptsRow(self, source_row: int, source_parent: _Index) -> bool:
        source = self.sourceModel()
        if source is None:
            return False
        entry = source.index(source_row, 0, source_parent).data(ENTRY_ROLE)
        if not isinstance(entry, HistoryEntry):
            return True
        if self._status is not None and str(entry.status) != self._status:
            return False
        return self._matches_text(entry)

    @override
    def lessThan(self, source_left: _Index, source_right: _Index) -> bool:
        left = source_left.data(SORT_ROLE)
        right = source_right.data(SORT_ROLE)
        return _less(left, right)

    def _matches_text(self, entry: HistoryEntry) -> bool:
        if not self._text:
            return True
        if self._text in entry.brand.casefold():
            return True
        if entry.request_id and self._text in entry.request_id.casefold():
            return True
        return bool(self._digits) and self._digits in entry.number.lstrip("+")


def _less(left: Any, right: Any) -> bool:
    # None (no value) sorts before everything; mismatched types fall back to text.
    if left is None or right is None:
        return left is None and right is not None
    try:
        return bool(left < right)
    except TypeError:
        return str(left) < str(right)
