"""The loaded history rows and how they change, without Qt: paging, merges, upserts, sorting.

``HistoryRows`` keeps the rows the recent-requests table shows (the pages loaded so far, in
the order shown) and answers every change as a *diff*: a list of ``Change`` steps
(``Removed``, ``Updated``, ``Inserted``, ``Resorted``) computed against the current rows
without touching them. Whoever shows the rows applies the steps one by one with ``apply`` and
tells its view about each (``HistoryTableModel`` wraps each in Qt's begin/end signals), so a
reload never needs a model reset: rows still shown keep their place, selection and scroll.

Order. The store pages newest first on ``(created_at, id)`` (the *store order*). Unsorted,
the rows are kept in that order and a new set of rows is diffed against the old one in a
single walk. Sorted by a column (``sort``), rows are ordered by that column's key, ties in
store order, and every change that adds rows or changes a key ends with one ``Resorted``.

Steps are computed for the rows as they are and must be applied in the order given, at once:
``Removed`` steps come bottom-up, then ``Updated`` (indexes after the removals), then
``Inserted`` top-down at their final rows, then ``Resorted``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from operator import itemgetter
from typing import Any, Final

from desktop_app.domain.models import HistoryEntry, VerificationRecord, VerificationStatus

__all__ = [
    "Change",
    "HistoryRows",
    "Inserted",
    "Removed",
    "Resorted",
    "SortKey",
    "Updated",
    "merge_record",
    "store_order",
]

#: A column's sort key: a comparable value per entry.
SortKey = Callable[[HistoryEntry], Any]
#: More separate runs of inserted or removed rows than this: remove all, insert all (cheaper
#: for a view than many small moves).
MAX_RUNS: Final = 8
_KNOWN_STATUSES: Final = frozenset(s.value for s in VerificationStatus)


@dataclass(frozen=True)
class Inserted:
    """``entries`` now occupy rows ``first`` .. ``first + len(entries) - 1``."""

    first: int
    entries: tuple[HistoryEntry, ...]

    @property
    def last(self) -> int:
        """The last inserted row."""
        return self.first + len(self.entries) - 1


@dataclass(frozen=True)
class Removed:
    """Rows ``first`` .. ``first + count - 1`` go away."""

    first: int
    count: int

    @property
    def last(self) -> int:
        """The last removed row."""
        return self.first + self.count - 1


@dataclass(frozen=True)
class Updated:
    """The entry in ``row`` is replaced (same request, other values)."""

    row: int
    old: HistoryEntry
    new: HistoryEntry


@dataclass(frozen=True)
class Resorted:
    """The rows are put back in the current order; ``apply`` returns where each row went."""


Change = Inserted | Removed | Updated | Resorted


def store_order(entry: HistoryEntry) -> tuple[datetime, int]:
    """The store's paging key ``(created_at, id)``; newest first is this, descending."""
    moment = entry.created_at  # aware values compare right whatever their zone; naive is UTC
    return (moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC), entry.id)


class HistoryRows:
    """The loaded rows, in the order shown, and the diffs that change them (no Qt).

    Attributes:
        more: Older rows exist beyond the loaded ones (the store said so with the last page).
    """

    def __init__(self) -> None:
        self._rows: list[HistoryEntry] = []
        self._row_of_id: dict[int, int] = {}
        self._row_of_request: dict[str, int] = {}
        self._order: tuple[SortKey, bool] | None = None
        self.more = False
        self._fetching = False

    # --- reading ---------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._rows)

    def __getitem__(self, row: int) -> HistoryEntry:
        return self._rows[row]

    def entries(self) -> list[HistoryEntry]:
        """A copy of the rows, in the order shown."""
        return list(self._rows)

    def entry_at(self, row: int) -> HistoryEntry | None:
        """The entry in ``row``, or None when out of range."""
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def row_of(self, request_id: str) -> int | None:
        """The row showing ``request_id``, or None when it is not loaded."""
        return self._row_of_request.get(request_id)

    @property
    def is_sorted(self) -> bool:
        """True when ordered by a column rather than the store's order."""
        return self._order is not None

    # --- paging ----------------------------------------------------------------------------

    def can_fetch_more(self) -> bool:
        """True when older rows exist and no page is being fetched."""
        return self.more and not self._fetching and bool(self._rows)

    def fetch_more(self) -> tuple[datetime, int] | None:
        """Start fetching the next page: the keyset ``(created_at, id)`` to load older than.

        Returns None when there is nothing to fetch (or a fetch is under way). The keyset is
        the oldest loaded row in store order, whatever the rows are sorted by.
        """
        if not self.can_fetch_more():
            return None
        self._fetching = True
        oldest = min(self._rows, key=store_order)
        return (oldest.created_at, oldest.id)

    def set_has_more(self, more: bool) -> None:
        """Say whether older rows exist, and end a pending fetch (a later one may ask again)."""
        self.more, self._fetching = more, False

    # --- diffs -----------------------------------------------------------------------------

    def replace(self, entries: Iterable[HistoryEntry], *, more: bool) -> list[Change]:
        """Show ``entries`` (a new query's first page, newest first) instead of the rows."""
        self.set_has_more(more)
        return self._diff(list(entries))

    def merge_head(self, page: Sequence[HistoryEntry], *, more: bool) -> list[Change]:
        """Refresh with the same query's new first page, keeping the older pages loaded.

        Loaded rows as new as the page's oldest row are replaced by the page (changed ones
        updated, ones no longer there removed, new ones inserted); older loaded rows stay, so
        a periodic reload keeps the scroll position. When the page ends above every loaded
        row (the history moved on by more than a page) or is all there is (``more`` False),
        it replaces the rows: keeping them would leave a gap no page fills.
        """
        if not more or not page or not self._rows:
            return self.replace(page, more=more)
        edge = store_order(page[-1])
        keys = [store_order(e) for e in self._rows]  # once each: thousands of rows when deep
        if edge > max(keys):
            return self.replace(page, more=more)
        self.more = more
        older = [(k, e) for k, e in zip(keys, self._rows, strict=True) if k < edge]
        older.sort(key=itemgetter(0), reverse=True)  # newest first
        return self._diff([*page, *(e for _, e in older)])

    def append_page(self, page: Sequence[HistoryEntry], *, more: bool) -> list[Change]:
        """Add the next (older) page below the loaded rows; ends the pending fetch.

        Rows already loaded (a request that moved between pages) are skipped.
        """
        self.set_has_more(more)
        fresh = _unique(e for e in page if e.id not in self._row_of_id)
        if not fresh:
            return []
        changes: list[Change] = [Inserted(len(self._rows), tuple(fresh))]
        return [*changes, Resorted()] if self._order is not None else changes

    def upsert(self, entry: HistoryEntry) -> list[Change]:
        """Update the row of the same request (or history id), or insert it at the top."""
        row = self._find(entry)
        if row is None:
            changes: list[Change] = [Inserted(0, (entry,))]
            return [*changes, Resorted()] if self._order is not None else changes
        return self._updates([(row, entry)])

    def apply_records(self, records: Iterable[VerificationRecord]) -> list[Change]:
        """Updates from search results (status, price, finalisation, checks) for loaded rows."""
        pending: dict[int, HistoryEntry] = {}
        for record in records:
            row = self._row_of_request.get(record.request_id)
            if row is not None:
                pending[row] = merge_record(pending.get(row, self._rows[row]), record)
        return self._updates(sorted(pending.items()))

    def sort(self, key: SortKey | None, *, descending: bool) -> list[Change]:
        """Order the rows by ``key`` (None: the store's order, newest first)."""
        self._order = None if key is None else (key, descending)
        return [Resorted()]

    # --- applying --------------------------------------------------------------------------

    def apply(self, change: Change) -> list[int] | None:
        """Apply one step; for ``Resorted``, return the new row of each old row."""
        rows = self._rows
        if isinstance(change, Updated):
            rows[change.row] = change.new
            old, new = change.old, change.new
            if (old.id, old.request_id) == (new.id, new.request_id):
                return None  # the indexes still hold
        elif isinstance(change, Inserted):
            rows[change.first : change.first] = change.entries
        elif isinstance(change, Removed):
            del rows[change.first : change.first + change.count]
        else:
            before = list(rows)
            self._sort_in_place(rows)
            where = {id(e): row for row, e in enumerate(rows)}
            self._reindex()
            return [where[id(e)] for e in before]
        self._reindex()
        return None

    def apply_all(self, changes: Iterable[Change]) -> None:
        """Apply every step (for callers that need no notification between steps)."""
        for change in changes:
            self.apply(change)

    # --- internals -------------------------------------------------------------------------

    def _diff(self, target: list[HistoryEntry]) -> list[Change]:
        """The steps from the rows to ``target`` (store order) in the current order."""
        wanted = {e.id: e for e in reversed(target)}  # the first of duplicates wins
        target = _unique(target)
        removed = [row for row, e in enumerate(self._rows) if e.id not in wanted]
        kept = [e for e in self._rows if e.id in wanted]
        kept_ids = {e.id for e in kept}
        if self._order is None:
            final = target
            common_in_step = [e.id for e in kept] == [e.id for e in final if e.id in kept_ids]
            added = [row for row, e in enumerate(final) if e.id not in kept_ids]
        else:
            final = kept + [e for e in target if e.id not in kept_ids]
            common_in_step = True
            added = list(range(len(kept), len(final)))
        removed_runs, added_runs = _runs(removed), _runs(added)
        if not common_in_step or len(removed_runs) + len(added_runs) > MAX_RUNS:
            return self._swap_all(target)
        changes: list[Change] = [Removed(first, count) for first, count in reversed(removed_runs)]
        updates = [(row, wanted[e.id]) for row, e in enumerate(kept) if _changed(e, wanted[e.id])]
        changes += [Updated(row, kept[row], new) for row, new in updates]
        changes += [Inserted(first, tuple(final[first : first + n])) for first, n in added_runs]
        if self._order is not None and (added or self._keys_changed(kept, wanted)):
            changes.append(Resorted())
        return changes

    def _swap_all(self, target: list[HistoryEntry]) -> list[Change]:
        changes: list[Change] = [Removed(0, len(self._rows))] if self._rows else []
        if target:
            ordered = list(target)
            self._sort_in_place(ordered)
            changes.append(Inserted(0, tuple(ordered)))
        return changes

    def _updates(self, pairs: Sequence[tuple[int, HistoryEntry]]) -> list[Change]:
        changes: list[Change] = [
            Updated(row, self._rows[row], new)
            for row, new in pairs
            if _changed(self._rows[row], new)
        ]
        if self._order is not None:
            key = self._order[0]
            if any(key(c.old) != key(c.new) for c in changes if isinstance(c, Updated)):
                changes.append(Resorted())
        return changes

    def _keys_changed(self, kept: list[HistoryEntry], wanted: dict[int, HistoryEntry]) -> bool:
        assert self._order is not None
        key = self._order[0]
        return any(key(e) != key(wanted[e.id]) for e in kept if _changed(e, wanted[e.id]))

    def _sort_in_place(self, rows: list[HistoryEntry]) -> None:
        # Two stable sorts: ties in a column keep the store order, so the same set of rows is
        # always in the same order (which is what lets _diff walk old and new together).
        rows.sort(key=store_order, reverse=True)
        if self._order is not None:
            key, descending = self._order
            rows.sort(key=key, reverse=descending)

    def _find(self, entry: HistoryEntry) -> int | None:
        if entry.request_id and entry.request_id in self._row_of_request:
            return self._row_of_request[entry.request_id]
        return self._row_of_id.get(entry.id) if entry.id > 0 else None

    def _reindex(self) -> None:
        self._row_of_id = {e.id: row for row, e in enumerate(self._rows)}
        self._row_of_request = {
            e.request_id: row for row, e in enumerate(self._rows) if e.request_id
        }


def _changed(old: HistoryEntry, new: HistoryEntry) -> bool:
    # Identity first: rows kept from older pages, and rows the store's memo mapped again, are
    # the same objects, and a dataclass comparison builds two tuples of 22 fields.
    return new is not old and new != old


def _unique(entries: Iterable[HistoryEntry]) -> list[HistoryEntry]:
    seen: set[int] = set()
    out = []
    for entry in entries:
        if entry.id not in seen:
            seen.add(entry.id)
            out.append(entry)
    return out


def _runs(rows: list[int]) -> list[tuple[int, int]]:
    """Ascending row numbers as ``(first, count)`` runs of consecutive rows."""
    runs: list[tuple[int, int]] = []
    for row in rows:
        if runs and runs[-1][0] + runs[-1][1] == row:
            runs[-1] = (runs[-1][0], runs[-1][1] + 1)
        else:
            runs.append((row, 1))
    return runs


def merge_record(entry: HistoryEntry, record: VerificationRecord) -> HistoryEntry:
    """``entry`` with what a search result says of status, price, finalisation and checks."""
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
    return dataclasses.replace(entry, **changes) if changes else entry
