"""The table model behind the recent-requests view.

``HistoryTableModel`` shows a list of frozen ``HistoryEntry`` records, one per row, newest first
as the history store pages them. The view shows it directly (no proxy on the paint path): the
filters are pushed down to SQLite, and ``sort`` orders the loaded rows with one ``list.sort``.
Raw values are exposed through ``SORT_ROLE`` (for ``HistoryFilterProxy`` and other callers).

Painting cost: the table's delegate asks for every visible cell through ``multiData`` (one
Python call per cell, the display strings cached per row, the status colours per status);
``flags`` is Qt's own (no Python call). A changed row emits ``dataChanged`` over the columns
whose cells changed only, and a reload that brings the same rows emits nothing.

Lazy loading: the model holds only the pages loaded so far. When the view scrolls to the end,
Qt calls ``canFetchMore``/``fetchMore``; the model then emits ``more_requested`` with the
keyset ``(created_at, id)`` of its last row and does nothing else (no query on the GUI thread).
Whoever owns the model loads the next page on a pool and hands it to ``append_page``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QModelRoleData,
    QModelRoleDataSpan,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor
from typing_extensions import override

from desktop_app.domain.models import HistoryEntry, VerificationRecord, VerificationStatus
from desktop_app.ui import formatting, messages
from desktop_app.ui.countdowns import Clock, utc_now

# Column order: what fits a ~500 px centre first (Started, Number, Status), Profile and
# Operator last and hidden by default (``HIDDEN_BY_DEFAULT``; the header's menu shows them).
COL_STARTED = 0
COL_NUMBER = 1
COL_STATUS = 2
COL_BRAND = 3
COL_WORKFLOW = 4
COL_CHECKS = 5
COL_PRICE = 6
COL_REQUEST_ID = 7
COL_PROFILE = 8
COL_OPERATOR = 9
COLUMN_COUNT = 10
#: Columns the view hides until the user shows them (header context menu). Shown by default:
#: the key columns, which fit the table's width on a 1280x800 screen without scrolling.
HIDDEN_BY_DEFAULT = (COL_CHECKS, COL_PRICE, COL_REQUEST_ID, COL_PROFILE, COL_OPERATOR)

#: Raw, comparable value of a cell (datetime as a timestamp, Decimal as float, ...).
SORT_ROLE = int(Qt.ItemDataRole.UserRole)
#: The row's ``HistoryEntry`` (any column).
ENTRY_ROLE = SORT_ROLE + 1

HEADERS = (
    "Started",
    "Number",
    "Status",
    "Brand",
    "Workflow",
    "Checks",
    "Price",
    "Request id",
    "Profile",
    "Operator",
)
_KNOWN_STATUSES = {s.value for s in VerificationStatus}
_DISPLAY = int(Qt.ItemDataRole.DisplayRole)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole)
_ALIGNMENT = int(Qt.ItemDataRole.TextAlignmentRole)
_STATUS_COLOUR_ROLES = frozenset(
    {int(Qt.ItemDataRole.ForegroundRole), int(Qt.ItemDataRole.DecorationRole)}
)
_RIGHT_ALIGNED = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
_RIGHT_COLUMNS = frozenset({COL_CHECKS, COL_PRICE})
_Index = QModelIndex | QPersistentModelIndex


class HistoryTableModel(QAbstractTableModel):
    """Rows of verification requests started from this app.

    Attributes:
        SortRole: Same as the module's ``SORT_ROLE`` (kept on the class for callers).
    """

    SortRole = SORT_ROLE

    #: The view scrolled to the last loaded row and more rows exist: load the page older than
    #: this ``(created_at, id)`` keyset and pass it to ``append_page``.
    more_requested = Signal(object)

    def __init__(self, parent: QObject | None = None, *, clock: Clock = utc_now) -> None:
        super().__init__(parent)
        self._clock = clock
        self._today = formatting.local_date(clock())
        #: Status -> foreground colour (asked for every status cell on every repaint).
        self._colours: dict[str, QColor] = {}
        self._rows: list[HistoryEntry] = []
        self._by_request_id: dict[str, int] = {}
        self._mask_numbers = False
        self._more = False
        self._fetching = False
        #: Display strings per loaded entry (keyed by identity, entry kept to pin the id).
        self._cells: dict[int, tuple[HistoryEntry, tuple[str, ...]]] = {}
        #: (column, order) the rows are kept in; None: the store's order (newest first).
        self._order: tuple[int, Qt.SortOrder] | None = None

    # --- Qt virtuals -----------------------------------------------------------------------

    @override
    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 - Qt's default
        return 0 if parent.isValid() else len(self._rows)

    @override
    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 - Qt's default
        return 0 if parent.isValid() else COLUMN_COUNT

    @override
    def index(
        self,
        row: int,
        column: int,
        parent: _Index = QModelIndex(),  # noqa: B008 - Qt's default
    ) -> QModelIndex:
        # Qt's own index() asks rowCount and columnCount (two Python calls) for every cell the
        # table paints; this is one.
        if 0 <= row < len(self._rows) and 0 <= column < COLUMN_COUNT and not parent.isValid():
            return self.createIndex(row, column)
        return QModelIndex()

    @override
    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Order the loaded rows by ``column`` with one ``list.sort`` on raw values.

        No per-pair calls through Qt. Rows loaded later are sorted in; ``column`` -1 or
        "Started, newest first" is the store's own order.
        """
        if column < 0 or (column == COL_STARTED and order == Qt.SortOrder.DescendingOrder):
            wanted = None
        else:
            wanted = (column, order)
        if wanted == self._order:
            return
        self._order = wanted
        self.layoutAboutToBeChanged.emit()
        before = list(self._rows)
        self._sort_rows()
        self._move_persistent(before)
        self.layoutChanged.emit()

    def _sort_rows(self) -> None:
        if self._order is None:
            self._rows.sort(key=_store_order, reverse=True)
        else:
            column, order = self._order
            key = _SORT_KEYS.get(column)
            if key is not None:  # stable: equal values keep the store's order
                self._rows.sort(key=key, reverse=order == Qt.SortOrder.DescendingOrder)
        self._reindex()

    def _move_persistent(self, before: list[HistoryEntry]) -> None:
        old = self.persistentIndexList()
        if not old:
            return
        where = {id(e): row for row, e in enumerate(self._rows)}
        new = []
        for index in old:
            row = index.row()
            moved = where.get(id(before[row])) if 0 <= row < len(before) else None
            new.append(self.index(moved, index.column()) if moved is not None else QModelIndex())
        self.changePersistentIndexList(old, new)

    def _resort_after_insert(self) -> None:
        if self._order is None:
            return  # pages and new requests arrive in the store's order already
        self.layoutAboutToBeChanged.emit()
        before = list(self._rows)
        self._sort_rows()
        self._move_persistent(before)
        self.layoutChanged.emit()

    @override
    def canFetchMore(self, parent: _Index) -> bool:
        return not parent.isValid() and self._more and not self._fetching and bool(self._rows)

    @override
    def fetchMore(self, parent: _Index) -> None:
        if not self.canFetchMore(parent):
            return
        self._fetching = True
        last = self._rows[-1]
        self.more_requested.emit((last.created_at, last.id))

    @override
    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            orientation == Qt.Orientation.Horizontal
            and 0 <= section < COLUMN_COUNT
            and role == Qt.ItemDataRole.DisplayRole
        ):
            return HEADERS[section]
        return None

    @override
    def multiData(self, index: _Index, roleDataSpan: QModelRoleDataSpan | QModelRoleData) -> None:
        # The delegate asks for ~8 roles per cell on every repaint in one multiData call: one
        # Python call per cell instead of one per role (each Python call from the paint takes
        # the GIL, which a store thread may hold). Roles the model never sets stay invalid.
        span = _role_data(roleDataSpan)
        row = index.row()
        if not 0 <= row < len(self._rows) or index.model() is not self:
            for role_data in span:
                role_data.clearData()
            return
        column = index.column()
        text = self._cells_of(row)[column]
        for role_data in span:
            role = role_data.role()
            if role == _DISPLAY:
                role_data.setData(text)
            elif role == _ALIGNMENT and column in _RIGHT_COLUMNS:
                role_data.setData(_RIGHT_ALIGNED)
            elif role in _STATUS_COLOUR_ROLES and column == COL_STATUS:
                role_data.setData(self._colour(self._rows[row].status))
            else:
                role_data.clearData()

    @override
    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        row = index.row()
        if not 0 <= row < len(self._rows) or not index.isValid():
            return None
        role = int(role)
        column = index.column()
        if role == _DISPLAY:
            return self._cells_of(row)[column]
        entry = self._rows[row]
        if role == SORT_ROLE:
            return self._sort_value(entry, column)
        if role == ENTRY_ROLE:
            return entry
        if column == COL_STATUS and role in _STATUS_COLOUR_ROLES:
            return self._colour(entry.status)
        if role == _TOOLTIP:
            return self._tooltip(entry, column)
        if role == _ALIGNMENT and column in _RIGHT_COLUMNS:
            return _RIGHT_ALIGNED
        return None

    def _cells_of(self, row: int) -> tuple[str, ...]:
        """The row's display strings, computed once per entry (see ``_cells``)."""
        entry = self._rows[row]
        cells = self._cells.get(id(entry))
        if cells is None or cells[0] is not entry:
            if len(self._cells) > 2 * len(self._rows) + 512:  # replaced rows' strings
                self._cells.clear()
            cells = (entry, self._display_row(entry))
            self._cells[id(entry)] = cells
        return cells[1]

    def _colour(self, status: str) -> QColor:
        colour = self._colours.get(status)
        if colour is None:
            colour = self._colours[status] = formatting.status_color(status)
        return colour

    # --- public API ------------------------------------------------------------------------

    def set_rows(self, rows: Iterable[HistoryEntry], *, more: bool = False) -> None:
        """Replace every row (a model reset); ``more``: older rows exist beyond these."""
        self.beginResetModel()
        self._rows = list(rows)
        self._cells.clear()
        self._colours.clear()  # the palette may have changed since
        self._today = formatting.local_date(self._clock())
        if self._order is not None:
            self._sort_rows()
        self._reindex()
        self._more, self._fetching = more, False
        self.endResetModel()

    @property
    def has_more(self) -> bool:
        """True when older rows exist beyond the loaded ones."""
        return self._more

    def set_has_more(self, more: bool) -> None:
        """Say whether older rows exist beyond the loaded ones (and end a pending fetch)."""
        self._more, self._fetching = more, False

    def append_page(self, rows: Sequence[HistoryEntry], *, more: bool) -> None:
        """Add the next (older) page below the loaded rows; ends the pending ``fetchMore``.

        Rows already loaded (a request that moved between pages) are skipped.
        """
        self._fetching = False
        self._more = more
        known = {e.id for e in self._rows[-len(rows) :]} if rows else set()
        fresh = [e for e in rows if e.id not in known]
        if not fresh:
            return
        first = len(self._rows)
        self.beginInsertRows(QModelIndex(), first, first + len(fresh) - 1)
        self._rows.extend(fresh)
        for offset, entry in enumerate(fresh):
            if entry.request_id:
                self._by_request_id[entry.request_id] = first + offset
        self.endInsertRows()
        self._resort_after_insert()

    def merge_head(self, rows: Sequence[HistoryEntry], *, more: bool) -> None:
        """Refresh with a new first page, keeping the older pages loaded below it.

        When no more than one page is loaded, or the page is the whole (filtered) history
        (``more`` False), this is ``update_rows``. Otherwise rows of the
        page that are loaded are updated in place, newer ones are inserted at the top, and the
        older pages stay (so a periodic refresh keeps the scroll position). A page with no row
        in common with the loaded ones (the history moved on by more than a page) resets.
        """
        if not more or len(self._rows) <= len(rows):
            self.update_rows(rows)
            self.set_has_more(more)
            return
        head = self._rows if self._order is not None else self._rows[: len(rows) * 2]
        by_id = {e.id: row for row, e in enumerate(head)}
        if not any(e.id in by_id for e in rows):
            self.set_rows(rows, more=more)
            return
        for entry in rows:
            row = by_id.get(entry.id)
            if row is not None and entry != self._rows[row]:
                self._replace(row, entry)
        top = _store_order(
            self._rows[0] if self._order is None else max(self._rows, key=_store_order)
        )
        newer = [e for e in rows if e.id not in by_id and _store_order(e) > top]
        if newer:
            self.beginInsertRows(QModelIndex(), 0, len(newer) - 1)
            self._rows[0:0] = newer
            self._reindex()
            self.endInsertRows()
            self._resort_after_insert()

    def update_rows(self, rows: Sequence[HistoryEntry]) -> None:
        """Like ``set_rows``, but without a reset when the same requests come back in order.

        A periodic reload then only emits ``dataChanged``, so the view keeps its scroll
        position and selection.
        """
        if self._order is not None:  # the loaded rows are in another order than the store's
            by_id = {e.id: row for row, e in enumerate(self._rows)}
            if len(rows) != len(self._rows) or any(e.id not in by_id for e in rows):
                self.set_rows(rows)
                return
            changed = False
            for entry in rows:
                row = by_id[entry.id]
                if entry != self._rows[row]:
                    self._replace(row, entry)
                    changed = True
            if changed:
                self._resort_after_insert()
            return
        if [(e.id, e.request_id) for e in rows] != [(e.id, e.request_id) for e in self._rows]:
            self.set_rows(rows)
            return
        for row, entry in enumerate(rows):
            if entry != self._rows[row]:
                self._replace(row, entry)

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
            self._resort_after_insert()
            return
        old = self._rows[row]
        self._rows[row] = entry
        if old.request_id != entry.request_id:
            self._reindex()
        self._emit_changed(row, old, entry)

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
                self._replace(row, updated)

    def set_mask_numbers(self, mask: bool) -> None:
        """Presenter mode: numbers by their last four digits, request ids by their ends."""
        if mask == self._mask_numbers:
            return
        self._mask_numbers = mask
        self._cells.clear()
        if self._rows:
            self.dataChanged.emit(
                self.index(0, 0), self.index(len(self._rows) - 1, COLUMN_COUNT - 1)
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

    def _replace(self, row: int, entry: HistoryEntry) -> None:
        old = self._rows[row]
        self._rows[row] = entry
        self._emit_changed(row, old, entry)

    def _emit_changed(self, row: int, old: HistoryEntry, new: HistoryEntry) -> None:
        """One ``dataChanged`` over the narrowest column range whose cells changed.

        None when only fields no cell shows changed (``updated_at``, for example).
        """
        changed = [c for c, key in enumerate(_CELL_KEYS) if key(old) != key(new)]
        if changed:
            self.dataChanged.emit(self.index(row, changed[0]), self.index(row, changed[-1]))

    def roll_day(self) -> None:
        """Redraw the Started column when the local date changed.

        Today's rows show the time only, other days' the date too. The view calls this once a
        minute.
        """
        today = formatting.local_date(self._clock())
        if today == self._today:
            return
        self._today = today
        self._cells.clear()
        if self._rows:
            self.dataChanged.emit(
                self.index(0, COL_STARTED), self.index(len(self._rows) - 1, COL_STARTED)
            )

    def _display_row(self, entry: HistoryEntry) -> tuple[str, ...]:
        return tuple(self._display(entry, column) for column in range(COLUMN_COUNT))

    def _display(self, entry: HistoryEntry, column: int) -> str:
        if column == COL_STARTED:
            return formatting.format_datetime_compact(entry.created_at, self._today)
        if column == COL_NUMBER:
            return formatting.format_number(entry.number, mask=self._mask_numbers)
        if column == COL_BRAND:
            return entry.brand
        if column == COL_WORKFLOW:
            return formatting.entry_workflow_short(entry)
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
        return formatting.format_request_id(entry.request_id, mask=self._mask_numbers)

    def _sort_value(self, entry: HistoryEntry, column: int) -> Any:
        key = _SORT_KEYS.get(column)
        return None if key is None else key(entry)

    def _tooltip(self, entry: HistoryEntry, column: int) -> str | None:
        if column == COL_STATUS:
            parts = [formatting.status_text(entry.status)]
            if entry.last_check_outcome:
                parts.append(f"Last check: {entry.last_check_outcome}")
            if entry.last_error and entry.status != VerificationStatus.IN_PROGRESS:
                # Why it ended, in plain words (the API's own are under the pane's Details).
                parts.append(formatting.mask_text(messages.describe_stored(entry.last_error),
                                                  mask=self._mask_numbers))  # fmt: skip
            return "\n".join(parts)
        if column == COL_STARTED:
            started = f"Started {formatting.format_datetime(entry.created_at)}"
            if entry.finalized_at is None:
                return started
            return f"{started}\nFinalized {formatting.format_datetime(entry.finalized_at)}"
        if column == COL_WORKFLOW:
            return formatting.entry_workflow_text(entry)
        if column == COL_REQUEST_ID and entry.request_id:
            # The column is usually narrower than the 32 characters.
            return formatting.format_request_id(entry.request_id, mask=self._mask_numbers)
        return None


#: Per column, the fields its cell (text, tooltip, colour) is made of: a row's change is
#: reported for the columns whose key changed only.
_CELL_KEYS: tuple[Callable[[HistoryEntry], Any], ...] = (
    lambda e: (e.created_at, e.finalized_at),  # COL_STARTED
    lambda e: e.number,  # COL_NUMBER
    lambda e: (e.status, e.last_check_outcome, e.last_error),  # COL_STATUS
    lambda e: e.brand,  # COL_BRAND
    lambda e: (e.api_version, e.workflow_id, e.channels),  # COL_WORKFLOW
    lambda e: e.checks_count,  # COL_CHECKS
    lambda e: formatting.format_money(e.price, e.currency),  # COL_PRICE (as shown)
    lambda e: e.request_id,  # COL_REQUEST_ID
    lambda e: e.profile,  # COL_PROFILE
    lambda e: e.operator,  # COL_OPERATOR
)

_SORT_KEYS: dict[int, Callable[[HistoryEntry], Any]] = {
    COL_STARTED: lambda e: formatting.as_utc(e.created_at).timestamp(),
    COL_NUMBER: lambda e: e.number,
    COL_BRAND: lambda e: e.brand.casefold(),
    COL_WORKFLOW: lambda e: e.workflow_id or 0,
    COL_STATUS: lambda e: str(e.status),
    COL_CHECKS: lambda e: e.checks_count,
    COL_PRICE: lambda e: float(e.price) if e.price is not None else -1.0,
    COL_PROFILE: lambda e: e.profile.casefold(),
    COL_OPERATOR: lambda e: e.operator.casefold(),
    COL_REQUEST_ID: lambda e: e.request_id or "",
}


def _role_data(span: QModelRoleDataSpan | QModelRoleData) -> Sequence[QModelRoleData]:
    if isinstance(span, QModelRoleData):
        return (span,)
    items: Any = span  # the stubs miss QModelRoleDataSpan's __getitem__
    return [items[i] for i in range(span.length())]


def _store_order(entry: HistoryEntry) -> tuple[datetime, int]:
    return (formatting.as_utc(entry.created_at), entry.id)


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
