"""The recent-requests view: history table, filters, actions and the selected request's details.

All data arrives through the services on their pool: the history through
``HistoryService.recent``, the live state of a request through ``VerificationService.search``
(once per selection, then kept fresh by the ``StatusRefresher``). Nothing here blocks.

The history is never loaded whole: the model holds the pages loaded so far (``limit`` rows
each, newest first, keyset-paged on ``(created_at, id)``); scrolling to the end asks for the
next page (``fetchMore``), which arrives through a task. The text and status filters are pushed
down to SQLite (``recent(text=..., status=...)``, answered from the store's indexes and its
trigram index). Sorting: the store pages newest first, so that order (the default, "Started"
descending) is exact over the whole history; sorting by another column, or oldest first, orders
the rows loaded so far (the model), and rows of later pages are sorted in as they arrive.

The table shows the model directly, with fixed-height rows, no word wrap and column widths
computed once from the font (no ``ResizeToContents``, which measures every row on each
change): see docs/benchmarks.md, "Responsiveness". Profile and Operator are hidden by default;
the header's context menu shows and hides columns, and ``save_state`` keeps the choice.
"""

from __future__ import annotations

import base64
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QByteArray,
    QEvent,
    QItemSelectionModel,
    QModelIndex,
    QPoint,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QSplitter,
    QTableView,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from desktop_app.domain.errors import StoreClosedError, StoreError
from desktop_app.domain.history_query import RecentQuery
from desktop_app.domain.models import HistoryEntry, VerificationRecord, VerificationStatus
from desktop_app.services.latest import Latest
from desktop_app.ui import formatting, messages
from desktop_app.ui.countdowns import Clock, utc_now
from desktop_app.ui.details_disclosure import MessageLine
from desktop_app.ui.details_pane import DetailsPane
from desktop_app.ui.empty_hint import EmptyHint
from desktop_app.ui.fitting import shrinkable
from desktop_app.ui.history_columns import COLUMNS, STARTED, column_index
from desktop_app.ui.history_model import NOT_YET_SAVED, HistoryTableModel, provisional_entry
from desktop_app.ui.request_actions import RecordCache, RequestActions

if TYPE_CHECKING:
    from desktop_app.services.history import HistoryService
    from desktop_app.services.refresher import StatusRefresher
    from desktop_app.services.verification import VerificationService

_RELOAD_DEBOUNCE_MS = 200
#: What an empty table says: on a first start, and when a filter finds nothing.
EMPTY_TEXT = ("No requests yet on this profile. Send a code (Ctrl+1) or a message (Ctrl+4) and "
              "it appears here. On the sandbox, Help → Test numbers lists numbers that show "
              "each outcome.")
NO_MATCH_TEXT = "No request matches the filter. Clear it to see every request."
#: Typing in the filter reloads from the store after this pause.
FILTER_DEBOUNCE_MS = 250
#: How often the Started column checks whether the local date changed (time-only for today).
_DAY_CHECK_MS = 60_000


class RecentRequestsView(QWidget):
    """Recent verification requests with filters, actions and a details pane.

    Signals:
        check_requested(str): The user wants to check a code for this request id.

    Args:
        history: Loads the history.
        verification: Searches, cancels and triggers next events.
        refresher: Keeps requests in progress fresh.
        parent: The owning widget.
        clock: Returns "now" (aware UTC); injectable for tests.
        limit: How many recent requests to load.
    """

    check_requested = Signal(str)

    def __init__(
        self,
        history: HistoryService,
        verification: VerificationService,
        refresher: StatusRefresher,
        parent: QWidget | None = None,
        *,
        clock: Clock = utc_now,
        limit: int = 200,
    ) -> None:
        super().__init__(parent)
        self._history = history
        self._verification = verification
        self._refresher = refresher
        self._clock = clock
        #: The first page's query: the profile shown, the filter box's text, the status box's.
        self._query = RecentQuery(limit=limit)
        self._presenter = False
        self.records = RecordCache(verification, self)
        #: The first-page load and the next-page load: a newer one cancels the older (whose
        #: query is interrupted and whose result never arrives).
        self._load: Latest[list[HistoryEntry]] = Latest()
        self._more: Latest[list[HistoryEntry]] = Latest()
        self._pending_select: str | None = None
        #: Loads started so far; a page read before a request was started cannot have it.
        self._loads_started = 0
        #: Requests started here, by id: the loads started before each, and its row meanwhile.
        self._started_rows: dict[str, tuple[int, HistoryEntry]] = {}
        #: What the history is doing while it opens, shown under the table ("" when ready).
        self._history_status = ""
        self.model = HistoryTableModel(self, clock=clock)
        #: The query the model's rows answer; None before the first load.
        self._shown_query: RecentQuery | None = None
        self.reload_timer = QTimer(self)
        self.reload_timer.setSingleShot(True)
        self.reload_timer.setInterval(_RELOAD_DEBOUNCE_MS)
        self.filter_timer = QTimer(self)
        self.filter_timer.setSingleShot(True)
        self.filter_timer.setInterval(FILTER_DEBOUNCE_MS)
        self.day_timer = QTimer(self)
        self.day_timer.setInterval(_DAY_CHECK_MS)
        #: The (entry, search result) the details pane shows, to skip refilling it unchanged.
        self._details_shown: tuple[object, object] | None = None
        self._build_layout()
        self._connect_signals()
        self.request_actions.update()

    def _build_layout(self) -> None:
        self.filter_edit = QLineEdit()
        self.filter_edit.setPlaceholderText("Filter by number, id, brand, user or host")
        self.filter_edit.setClearButtonEnabled(True)
        # Sized for "All statuses", not its longest status: the filter beside it gets the room
        # (at 1024 px in presenter mode it was left a few letters wide).
        self.status_combo = shrinkable(QComboBox(), len("All statuses"))
        self.status_combo.addItem("All statuses", None)
        for status in VerificationStatus:
            self.status_combo.addItem(formatting.status_text(status), status.value)
        self.busy_label = QLabel("Refreshing…")
        # Hidden without giving its space back: toggling it on every reload must not re-lay
        # out (and repaint) the filter row.
        policy = self.busy_label.sizePolicy()
        policy.setRetainSizeWhenHidden(True)
        self.busy_label.setSizePolicy(policy)
        self.busy_label.setVisible(False)
        self.request_actions = RequestActions(
            self, self._verification, self.records, self.selected_entry, self._clock
        )
        acts = self.request_actions
        self.find_action, self.check_action = acts.find, acts.check
        self.cancel_action, self.next_action = acts.cancel, acts.next
        self.refresh_action, self.copy_action = acts.refresh, acts.copy
        self.toolbar = QToolBar()
        self.toolbar.addActions(self.request_actions.toolbar_actions())
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(column_index(STARTED), Qt.SortOrder.DescendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.table.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        # Always shown: a filter that finds a page or nothing must not hide and show it, which
        # re-lays out and repaints the whole table (frame, header, viewport) each time.
        self.table.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOn)
        self._size_sections()
        self.empty_hint = EmptyHint(self.table, self._empty_text)
        self.details = DetailsPane(clock=self._clock, history=self._history)
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.addWidget(self.table)
        self.splitter.addWidget(self.details)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.message_label = MessageLine(name="Recent requests message")
        top = QHBoxLayout()
        top.addWidget(self.filter_edit, 1)
        top.addWidget(self.status_combo)
        top.addWidget(self.busy_label)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.toolbar)
        layout.addWidget(self.splitter, 1)
        layout.addWidget(self.message_label)

    def _size_sections(self) -> None:
        """Row height and column widths from the font, once (never from the rows' contents)."""
        metrics = QFontMetrics(self.table.font())
        rows = self.table.verticalHeader()
        rows.setVisible(False)
        rows.setMinimumSectionSize(metrics.height())
        rows.setDefaultSectionSize(metrics.height() + 8)
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        header.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        header_metrics = QFontMetrics(header.font())
        padding = 2 * metrics.horizontalAdvance("0") + 8  # cell margins, focus frame
        sort_arrow = header_metrics.height() + 6
        for index, column in enumerate(COLUMNS):
            text = metrics.horizontalAdvance(column.width_sample)
            title = header_metrics.horizontalAdvance(column.header) + sort_arrow
            extra = metrics.height() if column.status_colour else 0  # the colour swatch
            header.resizeSection(index, max(text + extra, title) + padding)
            header.setSectionHidden(index, column.hidden)

    def column_menu(self) -> QMenu:
        """The header's context menu: a checkable entry per column.

        The last column shown cannot be hidden.
        """
        header = self.table.horizontalHeader()
        menu = QMenu(self)
        shown = [c for c in range(len(COLUMNS)) if not header.isSectionHidden(c)]
        for index, column in enumerate(COLUMNS):
            action = menu.addAction(column.header)
            action.setCheckable(True)
            action.setChecked(index in shown)
            action.setEnabled(shown != [index])
            action.toggled.connect(lambda checked, c=index: self.set_column_visible(c, checked))
        return menu

    def set_column_visible(self, column: int, visible: bool) -> None:
        """Show or hide a column (kept by ``save_state``)."""
        self.table.horizontalHeader().setSectionHidden(column, not visible)

    def _on_header_context_menu(self, pos: QPoint) -> None:
        header = self.table.horizontalHeader()
        menu = self.column_menu()
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        menu.popup(header.mapToGlobal(pos))

    def _connect_signals(self) -> None:
        self.table.horizontalHeader().customContextMenuRequested.connect(
            self._on_header_context_menu
        )
        self.day_timer.timeout.connect(self.model.roll_day)
        self.day_timer.start()
        self.filter_edit.textChanged.connect(self._on_filter_text_changed)
        self.filter_timer.timeout.connect(self.apply_filter)
        self.model.more_requested.connect(self._on_model_more_requested)
        self.status_combo.currentIndexChanged.connect(self._on_status_combo_index_changed)
        self.find_action.triggered.connect(self._on_find_action_triggered)
        self.request_actions.check_requested.connect(self.check_requested)
        self.refresh_action.triggered.connect(self._on_refresh_action_triggered)
        self.request_actions.message.connect(self._show_message)
        self.table.selectionModel().currentRowChanged.connect(self._on_table_current_changed)
        self.table.doubleClicked.connect(self.check_action.trigger)  # ignored when disabled
        self.reload_timer.timeout.connect(self.reload)
        self._verification.history_changed.connect(self._on_verification_history_changed)
        # Another agent's rows (a shared history): the same debounced reload as our own.
        self._history.changed.connect(self._on_verification_history_changed)
        self._refresher.refreshed.connect(self._on_refresher_refreshed)
        self.records.updated.connect(self._on_records_updated)
        self.records.failed.connect(self.request_actions.show_failure)
        self.records.failed.connect(self._on_records_failed)

    def reload(self) -> None:
        """Load the first page of the history on the pool (loads still running are dropped)."""
        self.reload_timer.stop()
        self._cancel_more()
        query = self._query
        task = self._history.recent(query)
        self._load.set(task)  # cancels the load before it
        self._loads_started += 1
        seq = self._loads_started
        task.on_success(lambda rows: self._on_load_succeeded(query, rows, seq))
        task.on_failure(self._on_load_failed)
        self._set_busy(True)

    @property
    def is_loading(self) -> bool:
        """True while a page of the history is being loaded."""
        return self._load.pending or self._more.pending

    def apply_filter(self) -> None:
        """Reload with the filter box's text now (typing does it after a short pause)."""
        self.filter_timer.stop()
        text = self.filter_edit.text().strip()
        if text != self._query.text:
            self._query = replace(self._query, text=text)
            self.reload()

    def _cancel_more(self) -> None:
        if self._more.pending:
            self._more.cancel()
            self.model.set_has_more(self.model.has_more)  # a later fetchMore may ask again

    def _on_model_more_requested(self, before: Any) -> None:
        task = self._history.recent(replace(self._query, before=before))
        self._more.set(task)
        task.on_success(self._on_more_succeeded)
        task.on_failure(self._on_more_failed)

    def _on_more_succeeded(self, rows: list[HistoryEntry]) -> None:
        self.model.append_page(rows, more=len(rows) >= self._query.limit)
        self._refresher.watch(
            [e.request_id for e in rows if e.request_id and not e.status.is_final]
        )

    def _on_more_failed(self, exc: BaseException) -> None:
        self.model.set_has_more(False)  # stop asking; Refresh starts over
        self._show_message(messages.describe(exc))

    def show_request(self, request_id: str) -> None:
        """Select and scroll to a request, loading the history first when it is not shown."""
        if not self._select(request_id):
            self._pending_select = request_id
            self.reload()

    def add_started(self, started: Any) -> None:
        """Show a request the user just started at the top, before the history has it."""
        now, profile = self._clock(), self._query.profile or ""
        entry = provisional_entry(started.request_id, started.history_id, started.number,
                                  profile, now)  # fmt: skip
        self._started_rows[started.request_id] = (self._loads_started, entry)
        self.model.upsert(entry)
        self._select(started.request_id)
        self._refresher.watch([started.request_id])
        task = self._history.get(started.request_id)
        task.on_success(self._on_get_succeeded).on_failure(self._on_get_failed)

    def set_presenter_mode(self, on: bool) -> None:
        """Presenter mode: numbers by their last four digits, request ids by their ends."""
        self._presenter = on
        self.model.set_mask_numbers(on)
        self.details.set_presenter_mode(on)
        self.request_actions.set_presenter_mode(on)
        self.message_label.set_mask(on)

    def show_history_status(self, text: str) -> None:
        """Say under the table what the history is doing while it opens ("" once ready)."""
        if text:
            self._history_status = text
            self._show_message(text)
        elif self._history_status:
            if self.message_label.text() == self._history_status:
                self._show_message("")
            self._history_status = ""
        self.empty_hint.update_hint()

    def show_notice(self, text: str) -> None:
        """Say something about the whole list under the table (until the next message)."""
        self._show_message(text)

    def clear_message(self) -> None:
        """Withdraw the message under the table (it no longer applies)."""
        self._show_message("")

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt's name
        """Rows follow the type's height (presenter mode makes it larger)."""
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:
            rows = self.table.verticalHeader()
            height = QFontMetrics(self.table.font()).height()
            rows.setMinimumSectionSize(height)
            rows.setDefaultSectionSize(height + 8)

    def set_profile(self, name: str | None) -> None:
        """Show the history of this profile only (None: every profile), and reload."""
        self._query = replace(self._query, profile=name)
        self.records.clear()
        self.reload()

    def save_state(self) -> dict[str, str]:
        """The column and splitter layout, as text for the preferences."""
        return {
            key: base64.b64encode(bytes(target.saveState().data())).decode("ascii")
            for key, target in self._state_targets()
        }

    def _state_targets(self) -> tuple[tuple[str, Any], ...]:
        # "columns", not the former "header": a state saved with the old column order would
        # give widths and hidden flags to the wrong columns.
        return (("columns", self.table.horizontalHeader()), ("splitter", self.splitter))

    def restore_state(self, state: dict[str, str]) -> None:
        """Restore what ``save_state`` returned (unreadable values are ignored)."""
        for key, target in self._state_targets():
            try:
                target.restoreState(QByteArray(base64.b64decode(state.get(key, ""))))
            except ValueError:
                continue

    def selected_entry(self) -> HistoryEntry | None:
        """The entry of the current row, or None."""
        index = self.table.selectionModel().currentIndex()
        if not index.isValid():
            return None
        return self.model.entry_at(index.row())

    def _select(self, request_id: str) -> bool:
        row = self.model.row_of(request_id)
        if row is None:
            return False
        selection = self.table.selectionModel()
        if selection.currentIndex().row() == row and selection.isRowSelected(row):
            return True  # already there: a periodic reload must not scroll the table back
        index = self.model.index(row, 0)
        selection.setCurrentIndex(
            index,
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows,
        )
        self.table.scrollTo(index)
        return True

    def _set_busy(self, busy: bool) -> None:
        if busy == self.busy_label.isVisibleTo(self):
            return
        self.busy_label.setVisible(busy)
        self.request_actions.set_busy(busy)

    def _on_records_failed(self, request_id: str, _message: object) -> None:
        self.details.lookup_failed(request_id)

    def _show_message(self, text: str) -> None:
        self.message_label.setText(text)

    def _show_selected_details(self) -> None:
        entry = self.selected_entry()
        record = self.records.get(entry.request_id) if entry else None
        if entry is not None and record is not None and _stale(record, entry):
            self.records.drop(record.request_id)  # the history moved on (checked, cancelled)
            record = None
        if entry is not None and entry.request_id and record is None \
                and entry.status != VerificationStatus.UNKNOWN_TO_SERVER:  # never searched again
            self.records.fetch(entry.request_id)
        if self._details_shown == (entry, record):
            return  # a reload that changed nothing here: no refill, no repaint
        self._details_shown = (entry, record)
        self.details.show_entry(entry, record)
        self.request_actions.update()

    def _on_filter_text_changed(self, _text: str) -> None:
        self.filter_timer.start()  # the store answers after a short pause

    def _on_status_combo_index_changed(self, _index: int) -> None:
        value = self.status_combo.currentData()
        status = VerificationStatus(value) if value else None
        if status != self._query.status:
            self._query = replace(self._query, status=status)
            self.reload()

    def _on_find_action_triggered(self) -> None:
        self.filter_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.filter_edit.selectAll()

    def _on_refresh_action_triggered(self) -> None:
        self.records.clear()
        self.reload()

    def _on_table_current_changed(self, _current: QModelIndex, _previous: QModelIndex) -> None:
        self._show_selected_details()

    def _on_verification_history_changed(self) -> None:
        self.reload_timer.start()

    def _on_refresher_refreshed(self, records: tuple[VerificationRecord, ...]) -> None:
        self.records.put(records)
        self.reload_timer.start()

    def _on_records_updated(self, records: tuple[VerificationRecord, ...]) -> None:
        self.model.apply_records(records)
        entry = self.selected_entry()
        if entry is not None and any(r.request_id == entry.request_id for r in records):
            self._show_selected_details()

    def _on_load_succeeded(self, query: RecentQuery, rows: list[HistoryEntry], seq: int) -> None:
        # Only the newest load reports: Latest cancelled the ones it replaced.
        self._set_busy(False)
        self.model.set_waiting(frozenset())  # the outbox was written back: these replace them
        if self.message_label.text() == NOT_YET_SAVED:
            self._show_message("")
        current = self.selected_entry()
        keep = self._pending_select or (current.request_id if current else None)
        more = len(rows) >= query.limit
        rows = self._with_started_rows(rows, seq)
        if query == self._shown_query:
            self.model.merge_head(rows, more=more)  # a refresh: older pages stay loaded
        else:
            self.model.set_rows(rows, more=more)
            self._shown_query = query
        # Requests whose outcome is still open (in progress or unknown) are kept fresh.
        self._refresher.watch(
            [e.request_id for e in rows if e.request_id and not e.status.is_final]
        )
        if keep and not self._select(keep) and keep == self._pending_select:
            shown = formatting.format_request_id(keep, mask=self._presenter)
            self._show_message(f"Request {shown} is not among the {query.limit} latest shown.")
        self._pending_select = None
        self._show_selected_details()
        self.empty_hint.update_hint()  # an empty answer changes no rows but says something

    def _with_started_rows(self, rows: list[HistoryEntry], seq: int) -> list[HistoryEntry]:
        """The page of load ``seq``, with the rows of requests started after it began on top.

        That load read the history before such a request was written (or before its id was),
        so its page cannot have it; without this the new request's row went and the selection
        fell back on the one before. A load begun after the request was started is the truth.
        """
        if not self._started_rows:
            return rows
        on_page = {entry.request_id for entry in rows}
        kept: list[HistoryEntry] = []
        for request_id, (loads_before, entry) in list(self._started_rows.items()):
            if seq > loads_before or request_id in on_page:
                del self._started_rows[request_id]
            else:
                kept.append(entry)
        return [*reversed(kept), *rows]  # the newest started first

    def _empty_text(self) -> str:
        if self._history_status:
            return self._history_status  # "Updating the history database…" in the table
        shown = self._shown_query
        if shown is None or not self._history.available:
            return ""  # the first page has not answered yet: "no requests" could be untrue
        return NO_MATCH_TEXT if shown.text or shown.status is not None else EMPTY_TEXT

    def _on_load_failed(self, exc: BaseException) -> None:
        self._set_busy(False)
        away = isinstance(exc, StoreError) and not isinstance(exc, StoreClosedError)
        if away and self._history.shared:
            # The team's server is away: the rows shown stay, and this session's own writes
            # (waiting in the outbox) are shown beside them, marked as not yet saved.
            query = self._query
            task = self._history.queued(query)
            task.on_success(lambda rows: self._on_queued(query, rows, exc))
            task.on_failure(lambda _err: self._show_message(messages.describe(exc)))
            return
        self._show_message(messages.describe(exc))

    def _on_queued(
        self, query: RecentQuery, rows: list[HistoryEntry], exc: BaseException
    ) -> None:
        if query != self._query or self._load.pending:
            return  # another query (or a newer load) since: its own answer will come
        if not rows:
            self._show_message(messages.describe(exc))
            return
        self.model.set_waiting(frozenset(e.id for e in rows))
        for entry in rows:
            self.model.upsert(entry)
        self._show_message(NOT_YET_SAVED)

    def _on_get_succeeded(self, entry: HistoryEntry | None) -> None:
        if entry is not None:
            started = self._started_rows.get(entry.request_id or "")
            if started is not None:  # the stored row stands in for it from now on
                self._started_rows[entry.request_id or ""] = (started[0], entry)
            self.model.upsert(entry)
            self._show_selected_details()

    def _on_get_failed(self, exc: BaseException) -> None:
        # The provisional row stays; the next reload brings the stored one.
        self._show_message(messages.describe(exc))


def _stale(record: VerificationRecord, entry: HistoryEntry) -> bool:
    """True when a cached search result predates what the history now knows.

    A check or cancel made here finalises the history row at once, while the search result
    cached a moment earlier still says IN PROGRESS.
    """
    return entry.status.is_final and record.status != entry.status.value
