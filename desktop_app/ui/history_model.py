"""The table model behind the recent-requests view.

``HistoryTableModel`` shows a list of frozen ``HistoryEntry`` records, one per row. It never sorts
or filters (``HistoryFilterProxy`` does), and exposes raw values through ``SORT_ROLE`` so the
proxy compares times and prices rather than display strings.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from typing_extensions import override

from desktop_app.domain.models import HistoryEntry, VerificationRecord, VerificationStatus
from desktop_app.ui import formatting

COL_STARTED = 0
COL_NUMBER = 1
COL_BRAND = 2
COL_WORKFLOW = 3
COL_STATUS = 4
COL_CHECKS = 5
COL_PRICE = 6
COL_PROFILE = 7
COL_OPERATOR = 8
COL_REQUEST_ID = 9
COLUMN_COUNT = 10

#: Raw, comparable value of a cell (datetime as a timestamp, Decimal as float, ...).
SORT_ROLE = int(Qt.ItemDataRole.UserRole)
#: The row's ``HistoryEntry`` (any column).
ENTRY_ROLE = SORT_ROLE + 1

_HEADERS = (
    "Started",
    "Number",
    "Brand",
    "Workflow",
    "Status",
    "Checks",
    "Price",
    "Profile",
    "Operator",
    "Request id",
)
_KNOWN_STATUSES = {s.value for s in VerificationStatus}
_Index = QModelIndex | QPersistentModelIndex


class HistoryTableModel(QAbstractTableModel):
    """Rows of verification requests started from this app.

    Attributes:
        SortRole: Same as the module's ``SORT_ROLE`` (kept on the class for callers).
    """

    SortRole = SORT_ROLE

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[HistoryEntry] = []
        self._by_request_id: dict[str, int] = {}
        self._mask_numbers = False

    # --- Qt virtuals -----------------------------------------------------------------------

    @override
    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 - Qt's default
        return 0 if parent.isValid() else len(self._rows)

    @override
    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 - Qt's default
        return 0 if parent.isValid() else COLUMN_COUNT

    @override
    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            orientation == Qt.Orientation.Horizontal
            and 0 <= section < COLUMN_COUNT
            and role == Qt.ItemDataRole.DisplayRole
        ):
            return _HEADERS[section]
        return None

    @override
    def flags(self, index: _Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return (
            Qt.ItemFlag.ItemIsEnabled
            | Qt.ItemFlag.ItemIsSelectable
            | Qt.ItemFlag.ItemNeverHasChildren
        )

    @override
    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        entry = self._rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(entry, column)
        if role == SORT_ROLE:
            return self._sort_value(entry, column)
        if role == ENTRY_ROLE:
            return entry
        if column == COL_STATUS and role in (
            Qt.ItemDataRole.ForegroundRole,
            Qt.ItemDataRole.DecorationRole,
        ):
            return formatting.status_color(entry.status)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(entry, column)
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (COL_CHECKS, COL_PRICE):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    # --- public API ------------------------------------------------------------------------

    def set_rows(self, rows: Iterable[HistoryEntry]) -> None:
        """Replace every row (a model reset)."""
        self.beginResetModel()
        self._rows = list(rows)
        self._reindex()
        self.endResetModel()

    def update_rows(self, rows: Sequence[HistoryEntry]) -> None:
        """Like ``set_rows``, but without a reset when the same requests come back in order.

        A periodic reload then only emits ``dataChanged``, so the view keeps its scroll
        position and selection.
        """
        if [(e.id, e.request_id) for e in rows] != [(e.id, e.request_id) for e in self._rows]:
            self.set_rows(rows)
            return
        for row, entry in enumerate(rows):
            if entry != self._rows[row]:
                self._rows[row] = entry
                self._emit_row_changed(row)

    def rows(self) -> list[HistoryEntry]:
        """A copy of the rows, in model order."""
        return list(self._rows)

    def entry_at(self, row: int) -> HistoryEntry | None:
        """The entry shown in ``row``, or None when out of range."""
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def row_of(self, request_id: str) -> int | None:
        """The row showing ``request_id``, or None when it is not loaded."""
        return self._by_request_id.get(request_id)

    def upsert(self, entry: HistoryEntry) -> None:
        """Update the row of the same request (or history id), or insert it at the top."""
        row = self._find(entry)
        if row is None:
            self.beginInsertRows(QModelIndex(), 0, 0)
            self._rows.insert(0, entry)
            self._reindex()
            self.endInsertRows()
            return
        self._rows[row] = entry
        self._reindex()
        self._emit_row_changed(row)

    def apply_records(self, records: Sequence[VerificationRecord]) -> None:
        """Update status, price, finalisation and checks from search results.

        Records for requests that are not loaded are ignored.
        """
        for record in records:
            row = self._by_request_id.get(record.request_id)
            if row is None:
                continue
            updated = _merge_record(self._rows[row], record)
            if updated != self._rows[row]:
                self._rows[row] = updated
                self._emit_row_changed(row)

    def set_mask_numbers(self, mask: bool) -> None:
        """Hide (True) or show the middle digits of every number, e.g. for screen sharing."""
        if mask == self._mask_numbers:
            return
        self._mask_numbers = mask
        if self._rows:
            self.dataChanged.emit(
                self.index(0, COL_NUMBER), self.index(len(self._rows) - 1, COL_NUMBER)
            )

    def _find(self, entry: HistoryEntry) -> int | None:
        if entry.request_id and entry.request_id in self._by_request_id:
            return self._by_request_id[entry.request_id]
        for row, existing in enumerate(self._rows):
            if existing.id == entry.id and entry.id > 0:
                return row
        return None

    def _reindex(self) -> None:
        self._by_request_id = {
            entry.request_id: row for row, entry in enumerate(self._rows) if entry.request_id
        }

    def _emit_row_changed(self, row: int) -> None:
        self.dataChanged.emit(self.index(row, 0), self.index(row, COLUMN_COUNT - 1))

    def _display(self, entry: HistoryEntry, column: int) -> str:
        if column == COL_STARTED:
            return formatting.format_datetime(entry.created_at)
        if column == COL_NUMBER:
            return formatting.format_number(entry.number, mask=self._mask_numbers)
        if column == COL_BRAND:
            return entry.brand
        if column == COL_WORKFLOW:
            return formatting.workflow_text(entry.workflow_id)
        if column == COL_STATUS:
            return formatting.status_text(entry.status)
        if column == COL_CHECKS:
            return str(entry.checks_count)
        if column == COL_PRICE:
            return formatting.format_money(entry.price, entry.currency)
        if column == COL_PROFILE:
            return entry.profile
        if column == COL_OPERATOR:
            return entry.operator
        return entry.request_id or formatting.MISSING

    def _sort_value(self, entry: HistoryEntry, column: int) -> Any:
        values: dict[int, Any] = {
            COL_STARTED: formatting.as_utc(entry.created_at).timestamp(),
            COL_NUMBER: entry.number,
            COL_BRAND: entry.brand.casefold(),
            COL_WORKFLOW: entry.workflow_id or 0,
            COL_STATUS: str(entry.status),
            COL_CHECKS: entry.checks_count,
            COL_PRICE: float(entry.price) if entry.price is not None else -1.0,
            COL_PROFILE: entry.profile.casefold(),
            COL_OPERATOR: entry.operator.casefold(),
            COL_REQUEST_ID: entry.request_id or "",
        }
        return values.get(column)

    def _tooltip(self, entry: HistoryEntry, column: int) -> str | None:
        if column == COL_STATUS:
            parts = [str(entry.status)]
            if entry.last_check_outcome:
                parts.append(f"Last check: {entry.last_check_outcome}")
            if entry.last_error:
                parts.append(entry.last_error)
            return "\n".join(parts)
        if column == COL_STARTED and entry.finalized_at is not None:
            return f"Finalized {formatting.format_datetime(entry.finalized_at)}"
        return None


def provisional_entry(
    request_id: str, history_id: int, number: str, profile: str, now: datetime
) -> HistoryEntry:
    """An entry for a request just started, shown until the history store's row arrives."""
    return HistoryEntry(
        id=history_id,
        profile=profile,
        operator="",
        api_version="v1",
        kind="start",
        number=number,
        brand="",
        workflow_id=None,
        request_id=request_id,
        status=VerificationStatus.IN_PROGRESS,
        created_at=now,
        updated_at=now,
    )


def _merge_record(entry: HistoryEntry, record: VerificationRecord) -> HistoryEntry:
    changes: dict[str, Any] = {}
    if record.status in _KNOWN_STATUSES:
        changes["status"] = VerificationStatus(record.status)
    if record.price is not None:
        changes["price"] = record.price
    if record.currency:
        changes["currency"] = record.currency
    if record.date_finalized is not None:
        changes["finalized_at"] = record.date_finalized
    if record.checks:
        changes["checks_count"] = len(record.checks)
        changes["last_check_outcome"] = record.checks[-1].status
    return dataclasses.replace(entry, **changes)
