"""The table model behind the recent-requests view: Qt's side of ``HistoryRows``.

``HistoryTableModel`` is thin. ``HistoryRows`` (no Qt) decides how the rows change and answers
each change as a diff; the model applies the diff step by step inside Qt's begin/end signals
(rows inserted and removed, ``dataChanged`` over the changed columns of an updated row, a
``layoutChanged`` with the vertical-sort hint when the rows are re-sorted). It never resets: a
new query's rows replace the old ones as removals and insertions, so the horizontal header,
which repaints on every reset, is left alone, and rows still shown keep their selection.
What a column shows comes from ``history_columns.COLUMNS``.

Painting cost: the table's delegate asks for every visible cell through ``multiData`` (one
Python call per cell, the display strings cached per entry, the status colours per status);
``index`` answers in one call what Qt's default would ask ``rowCount`` and ``columnCount`` for;
``flags`` is Qt's own.

Lazy loading: when the view scrolls to the end, Qt calls ``canFetchMore``/``fetchMore``; the
model then emits ``more_requested`` with the keyset ``(created_at, id)`` of its oldest row and
does nothing else (no query on the GUI thread). Whoever owns the model loads the next page on
a pool and hands it to ``append_page``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from PySide6.QtCore import (
    QAbstractItemModel,
    QAbstractTableModel,
    QModelIndex,
    QModelRoleData,
    QModelRoleDataSpan,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor, QGuiApplication, QIcon, QPixmap
from typing_extensions import override

from desktop_app.domain.models import HistoryEntry, VerificationRecord, VerificationStatus
from desktop_app.ui import formatting
from desktop_app.ui.countdowns import Clock, utc_now
from desktop_app.ui.history_columns import (
    COLUMNS,
    STARTED,
    STATUS,
    Align,
    CellContext,
    column_index,
)
from desktop_app.ui.history_rows import Change, HistoryRows, Inserted, Removed, Resorted, Updated

_COUNT = len(COLUMNS)
_DISPLAY = int(Qt.ItemDataRole.DisplayRole)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole)
#: What a row written while the team's history server is away says (tooltip, line below).
NOT_YET_SAVED = ("Not yet saved to the team history: the server is unreachable; it will be "
                 "written when it returns.")
_ALIGNMENT = int(Qt.ItemDataRole.TextAlignmentRole)
#: The status swatch's size (the delegate scales it to the view's decoration size).
_SWATCH_PX = 16
_FOREGROUND = int(Qt.ItemDataRole.ForegroundRole)
_DECORATION = int(Qt.ItemDataRole.DecorationRole)
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
#: Per column: its alignment role value (None: Qt's default), whether it is status-coloured.
_ALIGN = tuple(_RIGHT if c.align is Align.RIGHT else None for c in COLUMNS)
_COLOURED = tuple(c.status_colour for c in COLUMNS)
_STATUS_COLUMN = column_index(STATUS)
#: Added to the Status cell of a row that waits for the team's history server.
WAITING_MARK = " · not yet saved"
_VERTICAL_SORT = QAbstractItemModel.LayoutChangeHint.VerticalSortHint
#: The overload of ``layout(AboutToBe)Changed`` that carries a hint.
_WITH_HINT = "QList<QPersistentModelIndex>,QAbstractItemModel::LayoutChangeHint"
_Index = QModelIndex | QPersistentModelIndex


class HistoryTableModel(QAbstractTableModel):
    """Rows of verification requests started from this app (see the module docstring).

    Signals:
        more_requested(object): The view scrolled to the last loaded row and more rows exist:
            load the page older than this ``(created_at, id)`` keyset, pass it to
            ``append_page``.
    """

    more_requested = Signal(object)

    def __init__(self, parent: QObject | None = None, *, clock: Clock = utc_now) -> None:
        super().__init__(parent)
        self._clock = clock
        self._rows = HistoryRows()
        self._context = CellContext(today=formatting.local_date(clock()))
        #: Status -> foreground colour and swatch (asked for every status cell of a repaint).
        self._colours: dict[str, QColor] = {}
        self._swatches: dict[str, QIcon] = {}
        #: Display strings per loaded entry (keyed by identity, entry kept to pin the id).
        self._cells: dict[int, tuple[HistoryEntry, tuple[str, ...]]] = {}
        #: (column, order) the rows are sorted by; None: the store's order (newest first).
        self._order: tuple[int, Qt.SortOrder] | None = None
        #: Ids of rows waiting in the shared history's outbox (not yet on the server).
        self._waiting: frozenset[int] = frozenset()

    # --- Qt virtuals -----------------------------------------------------------------------

    @override
    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 - Qt's default
        return 0 if parent.isValid() else len(self._rows)

    @override
    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 - Qt's default
        return 0 if parent.isValid() else _COUNT

    @override
    def index(
        self,
        row: int,
        column: int,
        parent: _Index = QModelIndex(),  # noqa: B008 - Qt's default
    ) -> QModelIndex:
        # Qt's own index() asks rowCount and columnCount (two Python calls) for every cell the
        # table paints; this is one.
        if 0 <= row < len(self._rows) and 0 <= column < _COUNT and not parent.isValid():
            return self.createIndex(row, column)
        return QModelIndex()

    @override
    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Order the loaded rows by ``column`` (one ``list.sort`` on the column's sort key).

        Rows loaded later are sorted in; ``column`` -1 or "Started, newest first" is the
        store's own order.
        """
        started_desc = column == column_index(STARTED) and order == Qt.SortOrder.DescendingOrder
        wanted = None if column < 0 or started_desc else (column, order)
        if wanted == self._order or column >= _COUNT:
            return
        self._order = wanted
        key = None if wanted is None else COLUMNS[column].sort_key
        self._apply(self._rows.sort(key, descending=order == Qt.SortOrder.DescendingOrder))

    @override
    def canFetchMore(self, parent: _Index) -> bool:
        return not parent.isValid() and self._rows.can_fetch_more()

    @override
    def fetchMore(self, parent: _Index) -> None:
        keyset = None if parent.isValid() else self._rows.fetch_more()
        if keyset is not None:
            self.more_requested.emit(keyset)

    @override
    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            orientation == Qt.Orientation.Horizontal
            and 0 <= section < _COUNT
            and role == Qt.ItemDataRole.DisplayRole
        ):
            return COLUMNS[section].header
        return None

    @override
    def multiData(self, index: _Index, roleDataSpan: QModelRoleDataSpan | QModelRoleData) -> None:
        # The delegate asks for ~8 roles per cell on every repaint in one multiData call: one
        # Python call per cell instead of one per role (each Python call from the paint takes
        # the GIL, which a store thread may hold). Every other role is cleared: the delegate
        # reuses its span from cell to cell.
        span = _role_data(roleDataSpan)
        row = index.row()
        if not 0 <= row < len(self._rows):
            for role_data in span:
                role_data.clearData()
            return
        column = index.column()
        text = self._cells_of(row)[column]
        for role_data in span:
            role = role_data.role()
            if role == _DISPLAY:
                role_data.setData(text)
            elif role == _ALIGNMENT and _ALIGN[column] is not None:
                role_data.setData(_ALIGN[column])
            elif role == _FOREGROUND and _COLOURED[column]:
                role_data.setData(self._colour(self._rows[row].status))
            elif role == _DECORATION and _COLOURED[column]:
                role_data.setData(self._swatch(self._rows[row].status))
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
        if role == _TOOLTIP:
            if self._rows[row].id in self._waiting:
                return NOT_YET_SAVED
            tooltip = COLUMNS[column].tooltip
            return None if tooltip is None else tooltip(self._rows[row], self._context)
        if role == _ALIGNMENT:
            return _ALIGN[column]
        if role == _FOREGROUND and _COLOURED[column]:
            return self._colour(self._rows[row].status)
        if role == _DECORATION and _COLOURED[column]:
            return self._swatch(self._rows[row].status)
        return None

    # --- public API ------------------------------------------------------------------------

    def set_rows(self, rows: Iterable[HistoryEntry], *, more: bool = False) -> None:
        """Show these rows (a new query's first page) instead of the loaded ones.

        ``more``: older rows exist beyond these. Rows still shown keep their place.
        """
        self._colours.clear()  # the palette may have changed since
        self._swatches.clear()
        self._context = CellContext(
            formatting.local_date(self._clock()), self._context.mask_numbers
        )
        self._apply(self._rows.replace(rows, more=more))

    def merge_head(self, rows: Sequence[HistoryEntry], *, more: bool) -> None:
        """Refresh with the same query's new first page, keeping older pages loaded below it."""
        self._apply(self._rows.merge_head(rows, more=more))

    def append_page(self, rows: Sequence[HistoryEntry], *, more: bool) -> None:
        """Add the next (older) page below the loaded rows; ends the pending ``fetchMore``."""
        self._apply(self._rows.append_page(rows, more=more))

    def upsert(self, entry: HistoryEntry) -> None:
        """Update the row of the same request (or history id), or insert it at the top."""
        self._apply(self._rows.upsert(entry))

    def set_waiting(self, ids: frozenset[int]) -> None:
        """Mark these rows as waiting for the shared history's server (Status and tooltip)."""
        if ids != self._waiting:
            self._waiting = ids
            self._cells.clear()

    def is_waiting(self, entry: HistoryEntry) -> bool:
        """True when ``entry``'s row is marked as not yet saved to the team's history."""
        return entry.id in self._waiting

    def apply_records(self, records: Sequence[VerificationRecord]) -> None:
        """Update status, price, finalisation and checks from search results (loaded rows)."""
        self._apply(self._rows.apply_records(records))

    @property
    def has_more(self) -> bool:
        """True when older rows exist beyond the loaded ones."""
        return self._rows.more

    def set_has_more(self, more: bool) -> None:
        """Say whether older rows exist beyond the loaded ones (and end a pending fetch)."""
        self._rows.set_has_more(more)

    def rows(self) -> list[HistoryEntry]:
        """A copy of the rows, in model order."""
        return self._rows.entries()

    def entry_at(self, row: int) -> HistoryEntry | None:
        """The entry shown in ``row``, or None when out of range."""
        return self._rows.entry_at(row)

    def row_of(self, request_id: str) -> int | None:
        """The row showing ``request_id``, or None when it is not loaded."""
        return self._rows.row_of(request_id)

    def set_mask_numbers(self, mask: bool) -> None:
        """Presenter mode: numbers by their last four digits, request ids by their ends."""
        if mask != self._context.mask_numbers:
            self._context = CellContext(self._context.today, mask)
            self._cells.clear()
            if len(self._rows):
                self.dataChanged.emit(self.index(0, 0), self.index(len(self._rows) - 1, _COUNT - 1))

    def roll_day(self) -> None:
        """Redraw the Started column when the local date changed (the view asks every minute).

        Today's rows show the time only, other days' the date too.
        """
        today = formatting.local_date(self._clock())
        if today != self._context.today:
            self._context = CellContext(today, self._context.mask_numbers)
            self._column_changed(column_index(STARTED))

    # --- applying diffs --------------------------------------------------------------------

    def _apply(self, changes: Sequence[Change]) -> None:
        root = QModelIndex()
        for change in changes:
            if isinstance(change, Updated):
                old_cells = self._cells_of_entry(change.old)
                self._rows.apply(change)
                self._emit_changed(change, old_cells)
            elif isinstance(change, Inserted):
                self.beginInsertRows(root, change.first, change.last)
                self._rows.apply(change)
                self.endInsertRows()
            elif isinstance(change, Removed):
                self.beginRemoveRows(root, change.first, change.last)
                self._rows.apply(change)
                self.endRemoveRows()
            else:
                self._resort(change)
        if len(self._cells) > 2 * len(self._rows) + 512:  # strings of rows no longer shown
            self._cells.clear()

    def _resort(self, change: Resorted) -> None:
        # The vertical-sort hint tells the horizontal header that only rows move: it skips
        # its own relayout and repaint. (The stubs miss the signals' overload __getitem__.)
        about: Any = self.layoutAboutToBeChanged
        done: Any = self.layoutChanged
        about[_WITH_HINT].emit([], _VERTICAL_SORT)
        moved = self._rows.apply(change) or []
        old = self.persistentIndexList()
        if old:
            new = [self.index(moved[i.row()], i.column()) for i in old]
            self.changePersistentIndexList(old, new)
        done[_WITH_HINT].emit([], _VERTICAL_SORT)

    def _emit_changed(self, change: Updated, old_cells: tuple[str, ...]) -> None:
        """One ``dataChanged`` over the narrowest column range whose cells changed.

        None when only values no cell shows changed (``updated_at``, for example).
        """
        old, new = change.old, change.new
        new_cells = self._cells_of_entry(new)
        changed = [
            c
            for c, column in enumerate(COLUMNS)
            if old_cells[c] != new_cells[c]
            or (
                column.tooltip is not None
                and column.tooltip(old, self._context) != column.tooltip(new, self._context)
            )
            or (column.status_colour and old.status != new.status)
        ]
        if changed:
            row = change.row
            self.dataChanged.emit(self.index(row, changed[0]), self.index(row, changed[-1]))

    def _column_changed(self, column: int) -> None:
        self._cells.clear()
        if len(self._rows):
            self.dataChanged.emit(self.index(0, column), self.index(len(self._rows) - 1, column))

    def _cells_of(self, row: int) -> tuple[str, ...]:
        return self._cells_of_entry(self._rows[row])

    def _cells_of_entry(self, entry: HistoryEntry) -> tuple[str, ...]:
        """The entry's display strings, computed once per entry (see ``_cells``)."""
        cells = self._cells.get(id(entry))
        if cells is None or cells[0] is not entry:
            context = self._context
            texts = [column.display(entry, context) for column in COLUMNS]
            if entry.id in self._waiting:
                texts[_STATUS_COLUMN] += WAITING_MARK
            cells = (entry, tuple(texts))
            self._cells[id(entry)] = cells
        return cells[1]

    def _swatch(self, status: str) -> QIcon | QColor:
        # A QColor as the decoration makes the delegate fill a new pixmap and wrap it in a new
        # icon for every status cell of every repaint; one icon per status is drawn as is.
        icon = self._swatches.get(status)
        if icon is None:
            if QGuiApplication.instance() is None:
                return self._colour(status)  # no pixmap without a GUI (the model on its own)
            pixmap = QPixmap(_SWATCH_PX, _SWATCH_PX)
            pixmap.fill(self._colour(status))
            icon = self._swatches[status] = QIcon(pixmap)
        return icon

    def _colour(self, status: str) -> QColor:
        colour = self._colours.get(status)
        if colour is None:
            colour = self._colours[status] = formatting.status_color(status)
        return colour


def _role_data(span: QModelRoleDataSpan | QModelRoleData) -> Sequence[QModelRoleData]:
    if isinstance(span, QModelRoleData):
        return (span,)
    items: Any = span  # the stubs miss QModelRoleDataSpan's __getitem__
    return [items[i] for i in range(span.length())]


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
