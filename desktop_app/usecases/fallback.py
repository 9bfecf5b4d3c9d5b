"""The session's history: the database file, or memory once the file cannot be written.

A full disk, a read-only file or a vanished folder must not stop a support agent mid-call. The
first :class:`~desktop_app.domain.errors.StoreError` on a write *degrades* the session:

* a warning is logged once and ``on_degraded`` is called once (the CLI prints it to stderr, the
  window shows a banner);
* that write, and every later one, goes to an in-memory history for the rest of the session
  (the file is not retried: a flapping file would scatter one request over two stores);
* reads merge the memory rows (newest) with what the file still lets us read.

Rows written to memory get *negative* ids (``-1``, ``-2``...), so they never collide with the
file's ids. A file row that is updated after the switch is first copied into memory (status,
request id, price, error; its check count starts again from 0) and keeps its file id.

The audit trail: inside ``with history.acting(action):`` the first row write this thread makes
carries the action and records it in the same transaction; an action no write took (a refused
cancel, a next) is recorded on its own when the block ends. So the use cases record every
action exactly once without threading it through each recording helper.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime
from typing import TypeVar

from desktop_app.domain.audit import ActionEntry, NewAction
from desktop_app.domain.errors import StoreError
from desktop_app.domain.history_query import LATEST, RecentQuery
from desktop_app.domain.history_writes import CallEnd, NewCall, NewRequest, RequestChanges
from desktop_app.domain.models import CallEntry, HistoryEntry
from desktop_app.store.history import HistoryStore

__all__ = ["DegradedCallback", "SessionHistory"]

logger = logging.getLogger(__name__)

T = TypeVar("T")
DegradedCallback = Callable[[StoreError], None]

#: The in-memory store's location.
_MEMORY = ":memory:"


class SessionHistory:
    """A :class:`HistoryStore` front that falls back to memory; see the module docstring.

    Thread-safe: the stores are, and the switch and the id map are guarded by a lock.

    Args:
        store: The history file (the caller owns and closes it).
        on_degraded: Called once, with the error, when the session switches to memory.
    """

    def __init__(self, store: HistoryStore, *, on_degraded: DegradedCallback | None = None) -> None:
        self._store = store
        self._on_degraded = on_degraded
        self._lock = threading.RLock()
        self._memory: HistoryStore | None = None
        self._problem: StoreError | None = None
        #: File row id -> memory row id, for file rows updated after the switch.
        self._copies: dict[int, int] = {}
        #: Per thread: the action the next row write records (see ``acting``).
        self._acting = threading.local()

    @property
    def store(self) -> HistoryStore:
        """The history file this session started with."""
        return self._store

    @property
    def problem(self) -> StoreError | None:
        """The error that switched the session to memory, or None while the file works."""
        return self._problem

    def close(self) -> None:
        """Close the in-memory store (the file is the caller's to close)."""
        with self._lock:
            if self._memory is not None:
                self._memory.close()

    # -- the switch -------------------------------------------------------------------------

    def _degrade(self, error: StoreError) -> HistoryStore:
        with self._lock:
            first = self._memory is None
            if self._memory is None:
                self._memory = HistoryStore(_MEMORY)
                self._problem = error
            memory = self._memory
        if first:
            logger.warning("History file unusable, keeping this session in memory: %s", error)
            if self._on_degraded is not None:
                self._on_degraded(error)
        return memory

    def _write(self, to_file: Callable[[], T]) -> tuple[T | None, HistoryStore | None]:
        """Run a write on the file; return (result, None), or (None, memory) after a switch."""
        memory = self._memory
        if memory is not None:
            return None, memory
        try:
            return to_file(), None
        except StoreError as error:
            return None, self._degrade(error)

    def _file_read(self, read: Callable[[], T], empty: T) -> T:
        """A read from the file; once degraded a failing read counts as "nothing there"."""
        if self._memory is None:
            return read()
        try:
            return read()
        except StoreError:
            return empty

    def _copy_row(self, memory: HistoryStore, row_id: int) -> int | None:
        """The memory row standing for file row ``row_id``, copied on first use."""
        with self._lock:
            if row_id in self._copies:
                return self._copies[row_id]
            try:
                old = self._store.get(row_id)
            except (StoreError, KeyError):
                logger.warning("History row #%d could not be read to carry it over", row_id)
                return None
            new = memory.add_request(NewRequest.like(old))
            memory.update_request(new, RequestChanges.like(old))
            self._copies[row_id] = new
            return new

    def _copy_request_id(self, memory: HistoryStore, request_id: str) -> None:
        if memory.find(request_id) is not None:
            return
        old = self._file_read(lambda: self._store.find(request_id), None)
        if old is not None:
            self._copy_row(memory, old.id)

    def _public(self, item: HistoryEntry) -> HistoryEntry:
        """A memory entry with its public id (the file id of a copy, else negative)."""
        with self._lock:
            for file_id, memory_id in self._copies.items():
                if memory_id == item.id:
                    return replace(item, id=file_id)
        return replace(item, id=-item.id)

    # -- the audit trail -------------------------------------------------------------------

    @contextmanager
    def acting(self, action: NewAction) -> Iterator[None]:
        """Record ``action`` with the first row write of this thread in the block, else alone."""
        self._acting.action = action
        try:
            yield
        finally:
            left = self._take_action()
            if left is not None:
                self.add_action(left)

    def _take_action(self) -> NewAction | None:
        action: NewAction | None = getattr(self._acting, "action", None)
        self._acting.action = None
        return action

    def add_action(self, action: NewAction) -> None:
        """See :meth:`HistoryStore.add_action`."""
        if action.history_id is not None and action.history_id < 0:
            self._require_memory().add_action(replace(action, history_id=-action.history_id))
            return
        _, memory = self._write(lambda: self._store.add_action(action))
        if memory is not None:
            memory.add_action(replace(action, history_id=self._copies.get(action.history_id or 0)))

    def actions(
        self, *, history_id: int | None = None, request_id: str | None = None
    ) -> list[ActionEntry]:
        """See :meth:`HistoryStore.actions`; memory actions carry their rows' public ids."""
        memory = self._memory
        if history_id is not None and history_id < 0:
            found = self._require_memory().actions(history_id=-history_id)
            return [replace(a, history_id=history_id) for a in found]
        no_actions: list[ActionEntry] = []
        from_file = self._file_read(
            lambda: self._store.actions(history_id=history_id, request_id=request_id), no_actions
        )
        if memory is None:
            return from_file
        if history_id is not None:
            copy = self._copies.get(history_id)
            mine = [] if copy is None else memory.actions(history_id=copy)
            mine = [replace(a, history_id=history_id) for a in mine]
        else:
            mine = memory.actions(request_id=request_id)
        return sorted(from_file + mine, key=lambda a: a.at)

    # -- writes -----------------------------------------------------------------------------

    def add_request(self, new: NewRequest) -> int:
        """See :meth:`HistoryStore.add_request`; a memory row's id is negative."""
        result, memory = self._write(lambda: self._store.add_request(new))
        return -memory.add_request(new) if memory is not None else int(result or 0)

    def update_request(self, row_id: int, change: RequestChanges) -> None:
        """See :meth:`HistoryStore.update_request` (a lost file row is skipped, logged)."""
        action = self._take_action()
        if row_id < 0:
            self._require_memory().update_request(-row_id, change, action=action)
            return
        _, memory = self._write(lambda: self._store.update_request(row_id, change, action=action))
        if memory is None:
            return
        copy = self._copy_row(memory, row_id)
        if copy is not None:
            memory.update_request(copy, change, action=action)
        elif action is not None:
            memory.add_action(replace(action, history_id=None))

    def update_by_request_id(self, request_id: str, change: RequestChanges) -> bool:
        """See :meth:`HistoryStore.update_by_request_id`."""
        action = self._take_action()
        result, memory = self._write(
            lambda: self._store.update_by_request_id(request_id, change, action=action)
        )
        if memory is None:
            return bool(result)
        self._copy_request_id(memory, request_id)
        return memory.update_by_request_id(request_id, change, action=action)

    def record_check(
        self, request_id: str, outcome: str, change: RequestChanges | None = None
    ) -> None:
        """See :meth:`HistoryStore.record_check`."""
        action = self._take_action()
        _, memory = self._write(
            lambda: self._store.record_check(request_id, outcome, change, action=action)
        )
        if memory is not None:
            self._copy_request_id(memory, request_id)
            memory.record_check(request_id, outcome, change, action=action)

    def begin_call(self, new: NewCall) -> int:
        """See :meth:`HistoryStore.begin_call`; a memory call's id is negative."""
        result, memory = self._write(lambda: self._store.begin_call(new))
        return -memory.begin_call(new) if memory is not None else int(result or 0)

    def end_call(self, call_id: int, end: CallEnd) -> None:
        """See :meth:`HistoryStore.end_call`; a file call begun before the switch stays open."""
        if call_id < 0:
            self._require_memory().end_call(-call_id, end)
            return
        _, memory = self._write(lambda: self._store.end_call(call_id, end))
        if memory is not None:
            logger.info("Call #%d stays 'pending' in the history file (file unusable)", call_id)

    def _require_memory(self) -> HistoryStore:
        memory = self._memory
        if memory is None:  # pragma: no cover - negative ids only come from memory
            raise KeyError("no in-memory history in this session")
        return memory

    # -- reads ------------------------------------------------------------------------------

    def get(self, row_id: int) -> HistoryEntry:
        """See :meth:`HistoryStore.get` (negative ids are memory rows).

        Raises:
            KeyError: No row has this id.
        """
        memory = self._memory
        if row_id < 0:
            return self._public(self._require_memory().get(-row_id))
        if memory is not None and row_id in self._copies:
            return self._public(memory.get(self._copies[row_id]))
        return self._store.get(row_id)

    def find(self, request_id: str) -> HistoryEntry | None:
        """See :meth:`HistoryStore.find`; memory rows first."""
        memory = self._memory
        if memory is not None:
            found = memory.find(request_id)
            if found is not None:
                return self._public(found)
        return self._file_read(lambda: self._store.find(request_id), None)

    def unresolved_start(
        self, *, profile: str, number: str, since: datetime
    ) -> HistoryEntry | None:
        """See :meth:`HistoryStore.unresolved_start`; memory rows first."""
        memory = self._memory
        if memory is not None:
            found = memory.unresolved_start(profile=profile, number=number, since=since)
            if found is not None:
                return self._public(found)
        row = self._file_read(
            lambda: self._store.unresolved_start(profile=profile, number=number, since=since),
            None,
        )
        if row is not None and memory is not None and row.id in self._copies:
            return None  # its memory copy is the current truth, and it is resolved
        return row

    def recent(self, query: RecentQuery = LATEST) -> list[HistoryEntry]:
        """See :meth:`HistoryStore.recent`: the first page only.

        Raises:
            ValueError: ``query.before`` is given (no keyset paging across the two stores).
        """
        if query.before is not None:
            raise ValueError("the session history reads first pages only")
        memory = self._memory
        no_rows: list[HistoryEntry] = []
        from_file = self._file_read(lambda: self._store.recent(query), no_rows)
        if memory is None:
            return from_file
        mine = [self._public(e) for e in memory.recent(query)]
        copied = set(self._copies)
        merged = mine + [e for e in from_file if e.id not in copied]
        merged.sort(key=lambda e: (e.created_at, e.id if e.id > 0 else 0), reverse=True)
        return merged[: query.limit]

    def recent_calls(self, limit: int = 100) -> list[CallEntry]:
        """See :meth:`HistoryStore.recent_calls`; memory calls (negative ids) first."""
        memory = self._memory
        no_calls: list[CallEntry] = []
        from_file = self._file_read(lambda: self._store.recent_calls(limit), no_calls)
        if memory is None:
            return from_file
        mine = [replace(c, id=-c.id) for c in memory.recent_calls(limit)]
        return (mine + from_file)[:limit]
