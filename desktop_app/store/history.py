"""The request history: every verification this app started and every API call it made.

A start is written *before* it is sent, with status ``OUTCOME UNKNOWN``; the caller updates it
when the answer arrives. A crash or timeout therefore leaves a visible "outcome unknown" row
instead of nothing. The same holds for calls, whose outcome is ``"pending"`` until ended.
PIN codes and secrets are never stored.

The audit trail: every action taken on a request (start, check, cancel, next, a message, a code
sent, checked or cancelled by message) is one ``actions`` row with its outcome word, who, where,
the profile and when; the writes that go with an action take it as ``action=`` and record it in
the same transaction (see ``_audit``).

Thread safety, time format and indexes are described in ``_connection`` and ``schema``.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, TypeVar

from desktop_app.domain.audit import ActionEntry, NewAction, verdict_outcome
from desktop_app.domain.errors import StoreClosedError, StoreError
from desktop_app.domain.history_query import LATEST, RecentQuery
from desktop_app.domain.history_writes import UNSET, CallEnd, NewCall, NewRequest, RequestChanges
from desktop_app.domain.message_codes import CodeVerdict, StoredCode
from desktop_app.domain.message_delivery import MessageEventEntry
from desktop_app.domain.messages_status import MessageStatusEvent
from desktop_app.domain.models import CallEntry, HistoryEntry, VerificationStatus
from desktop_app.store import _audit, _message_codes, _messages
from desktop_app.store._connection import to_micros
from desktop_app.store._messages import AppliedEvent
from desktop_app.store._reading import Interrupt, map_rows
from desktop_app.store._search import page_entry, recent_rows
from desktop_app.store._sql import (
    CALL_COLUMNS,
    INSERT_REQUEST,
    INSERT_REQUEST_UUID,
    REQUEST_COLUMNS,
    call,
    changes,
    entry,
    filters,
    new_row,
)
from desktop_app.store.backend import (
    HistoryDatabase,
    SqlConnection,
    open_database,
    shared_source,
    shared_writes,
    sqlite_file,
)

if TYPE_CHECKING:
    from desktop_app.store.pg_listen import HistoryListener
    from desktop_app.store.pg_outbox import SharedWrites, Statement

__all__ = [
    "UNSET", "AppliedEvent", "CallEnd", "HistoryStore", "Interrupt", "NewCall", "NewRequest",
    "RecentQuery", "RequestChanges", "utc_now",
]  # fmt: skip


R = TypeVar("R")

_PENDING: Final = "pending"
_PRUNE_BATCH: Final = 1000  # keeps each delete transaction (and the write lock) short
_NEWEST_WITH_ID: Final = "id = (SELECT max(id) FROM requests WHERE request_id = ?)"


def utc_now() -> datetime:
    """Return the current time as an aware UTC datetime (the default clock)."""
    return datetime.now(UTC)


class HistoryStore:
    """The history database (SQLite or a team's PostgreSQL, no Qt), safe to call from any thread.

    Args:
        path: The database file (created with its folder if missing), ``":memory:"`` for
            tests, a ``file:`` URI string (``"file:/x/history.sqlite3?mode=ro"``), or a history
            URL (``sqlite:///...`` or ``postgresql://user@host:port/db``; docs/team.md).
        clock: Returns "now"; injected so tests control timestamps.
        password: The PostgreSQL password (from the keyring); never part of ``path``.
        outbox: For a PostgreSQL history: the local file where writes wait while the server
            is away (``pg_outbox``); None: such a write raises ``StoreError``.

    Raises:
        StoreError: The database cannot be opened, created, reached or migrated (environment).
        HistoryUrlError: ``path`` is a malformed history URL.
    """

    def __init__(
        self,
        path: Path | str,
        *,
        clock: Callable[[], datetime] = utc_now,
        password: str | None = None,
        outbox: Path | None = None,
    ) -> None:
        self._clock = clock
        self._db: HistoryDatabase = open_database(path, password=password)
        #: The SQLite file this history is (None when shared or in memory): what a child
        #: process, such as the export's, opens.
        self.file: Path | None = sqlite_file(path)
        self._shared: SharedWrites | None = None
        if self._db.dialect == "postgresql":
            self._shared = shared_writes(self._db, outbox)
            self._shared.flush()  # what an earlier session left waiting

    @property
    def offline(self) -> bool:
        """True while writes wait for a shared history's server (see ``pg_outbox``)."""
        return self._shared is not None and self._shared.offline

    def flush(self) -> int:
        """Send the writes waiting for the shared history's server; return how many went."""
        return 0 if self._shared is None else self._shared.flush()

    def _write(
        self, sql: str, args: Sequence[object], *, new_row: str | None = None
    ) -> tuple[int, int]:
        """One writing statement: (rowcount, new row id); a shared history's may be queued."""
        return self._run([(sql, args)], new_row=new_row)

    def _run(
        self, statements: Sequence[Statement], *, new_row: str | None = None
    ) -> tuple[int, int]:
        """Statements in one transaction: (rowcount, new row id) of the first.

        On a shared history they are one once-only action, queued while its server is away.
        """
        if self._shared is not None:
            return self._shared.write(statements, new_row=new_row)

        def run(conn: SqlConnection) -> tuple[int, int]:
            first: tuple[int, int] | None = None
            for sql, args in statements:
                cursor = conn.execute(sql, args)
                first = first or (cursor.rowcount, cursor.lastrowid or 0)
            assert first is not None
            return first

        return self._db.write(run)

    def _row(self, row_id: int) -> tuple[str, object]:
        """The ``WHERE`` term and argument finding a request or call by id."""
        return ("id = ?", row_id) if self._shared is None else self._shared.row_key(row_id)

    @property
    def dialect(self) -> str:
        """``"sqlite"`` or ``"postgresql"``."""
        return self._db.dialect

    def shared_source(self) -> tuple[str, str | None] | None:
        """For a child process opening this same shared history: (URL, password), else None.

        The URL holds no password; the caller hands the password over a pipe, never in argv
        or the environment (docs/team.md).
        """
        return shared_source(self._db)

    def listen(
        self, on_change: Callable[[str], None], on_reachable: Callable[[bool], None]
    ) -> HistoryListener | None:
        """Hear every writer's request rows as they are written (a shared history only).

        Starts a listener on a thread and connection of its own (``pg_listen``); the caller
        stops it. Returns None for a SQLite history, where only this process writes.
        """
        from desktop_app.store.pg_database import PgDatabase

        if not isinstance(self._db, PgDatabase):
            return None
        from desktop_app.store.pg_listen import HistoryListener

        db = self._db

        def reachable(up: bool) -> None:
            if up:
                db.renew_pool()
                self.flush()  # before the windows reload: they then see the queued rows
            else:
                db.mark_down()  # no call waits for a pooled connection in vain meanwhile
            on_reachable(up)

        listener = HistoryListener(self._db.connect, on_change, reachable)
        listener.start()
        return listener

    def close(self, *, wait: float | None = None, interrupt: bool = True) -> bool:
        """Close the database safely while other threads may still use it; idempotent.

        New calls raise ``StoreClosedError`` at once; reads in flight are interrupted (unless
        ``interrupt`` is False; writes never are); a connection is closed only once no call
        uses it.

        Args:
            wait: The most seconds to wait for calls in flight (None: until they return).
            interrupt: Interrupt the reads in flight.

        Returns:
            True when the connections are closed; False when a call outlived ``wait`` (the
            last call to return closes them).
        """
        if self._shared is not None:
            self._shared.close()
        return self._db.close(wait=wait, interrupt=interrupt)

    def _now(self) -> int:
        return to_micros(self._clock())

    # -- verification requests -------------------------------------------------------------

    def add_request(self, new: NewRequest) -> int:
        """Record a start about to be sent, with status ``OUTCOME UNKNOWN``; return its row id."""
        if self._shared is None:
            return self._db.execute(INSERT_REQUEST, new_row(new, self._now()))[1]
        row_uuid = str(uuid.uuid4())
        args = (row_uuid, *new_row(new, self._now()))
        return self._write(INSERT_REQUEST_UUID, args, new_row=row_uuid)[1]

    def _write_with(
        self, sql: str, args: list[object], request_id: str, action: NewAction | None
    ) -> int:
        """Run one ``UPDATE`` keyed by ``request_id`` and record ``action`` with it (if given)."""
        now = to_micros(self._clock())
        if action is not None and action.request_id is None:
            action = replace(action, request_id=request_id)

        statements: list[Statement] = [(sql, args)]
        if action is not None:
            statements.append(_audit.insert_statement(action, now))
        return self._run(statements)[0]

    def update_request(
        self, row_id: int, change: RequestChanges, *, action: NewAction | None = None
    ) -> None:
        """Change only the given fields of a request (``updated_at`` always).

        Args:
            row_id: The row.
            change: The fields to change.
            action: The action that made the change, recorded with it (on this row).

        Raises:
            KeyError: No row has this id (nothing is recorded).
        """
        now = self._now()
        sets, args = changes(now, change)
        where, key = self._row(row_id)
        statements: list[Statement] = [(f"UPDATE requests SET {sets} WHERE {where}", [*args, key])]
        if action is not None:
            statements.append(_audit.insert_for_row(action, now, where, key))
        if self._run(statements)[0] == 0:
            raise KeyError(f"no history row with id {row_id}")

    def update_by_request_id(
        self, request_id: str, change: RequestChanges, *, action: NewAction | None = None
    ) -> bool:
        """Like ``update_request``, for the (newest) row with this API request id.

        ``action`` is recorded even when no row has this request id (its ``history_id`` NULL).

        Returns:
            False when no row has this request id.

        Raises:
            ValueError: ``change`` sets ``request_id`` (the key here).
        """
        if change.request_id is not UNSET:
            raise ValueError("update_by_request_id cannot change the request id")
        sets, args = changes(self._now(), change)
        sql = f"UPDATE requests SET {sets} WHERE {_NEWEST_WITH_ID}"
        return self._write_with(sql, [*args, request_id], request_id, action) > 0

    def record_check(
        self,
        request_id: str,
        outcome: str,
        change: RequestChanges | None = None,
        *,
        action: NewAction | None = None,
    ) -> None:
        """Count one code check (``"VALID"``, ``"INVALID"``, ``"TOO MANY"`` or an error text).

        ``change`` may also set the status (a final one stamps ``finalized_at``), the price...
        Does nothing to the rows when no row has this request id; ``action`` is recorded anyway.

        Raises:
            ValueError: ``change`` sets ``request_id`` (the key here).
        """
        change = change or RequestChanges()
        if change.request_id is not UNSET:
            raise ValueError("record_check cannot change the request id")
        sets, args = changes(self._now(), change)
        sql = (f"UPDATE requests SET checks_count = checks_count + 1, last_check_outcome = ?,"
               f" {sets} WHERE {_NEWEST_WITH_ID}")  # fmt: skip
        self._write_with(sql, [outcome, *args, request_id], request_id, action)

    # -- the audit trail ---------------------------------------------------------------------

    def add_action(self, action: NewAction) -> int:
        """Record an action that changed no row (a refused cancel, a next); return its id."""
        return self._run([_audit.insert_statement(action, self._now())])[1]

    def actions(
        self, *, history_id: int | None = None, request_id: str | None = None
    ) -> list[ActionEntry]:
        """The actions on one history row, or on one request id (and its rows), oldest first.

        Raises:
            ValueError: Neither (or both) given.
        """
        if (history_id is None) == (request_id is None):
            raise ValueError("give history_id or request_id")
        # A detail shown beside a row: while a shared history's server is away, none.
        return self._unless_away(lambda: self._db.read(
            lambda conn: _audit.actions_of(conn, history_id=history_id, request_id=request_id)
        ), [])

    def get(self, row_id: int) -> HistoryEntry:
        """Return one request by row id.

        Raises:
            KeyError: No row has this id.
        """
        rows = self._db.query(f"SELECT {REQUEST_COLUMNS} FROM requests WHERE id = ?", (row_id,))
        if not rows:
            raise KeyError(f"no history row with id {row_id}")
        return entry(rows[0])

    def find(self, request_id: str) -> HistoryEntry | None:
        """Return the (newest) request with this API request id, or None."""
        sql = f"SELECT {REQUEST_COLUMNS} FROM requests WHERE {_NEWEST_WITH_ID}"
        rows = self._lookup(sql, (request_id,))
        return entry(rows[0]) if rows else None

    def _lookup(self, sql: str, args: Sequence[object]) -> list[tuple[Any, ...]]:
        """A lookup before an action (``find``, ``unresolved_start``).

        On a shared history nothing is found while its server is away: the action goes on and
        its writes wait in the outbox.
        """
        return self._unless_away(lambda: self._db.query(sql, args), [])

    def _unless_away(self, read: Callable[[], R], away: R) -> R:
        """``read()``, or ``away`` when a shared history's server cannot be reached."""
        try:
            return read()
        except StoreClosedError:
            raise
        except StoreError:
            if self._shared is None:
                raise
            return away

    def unresolved_start(
        self, *, profile: str, number: str, since: datetime
    ) -> HistoryEntry | None:
        """Return the newest start of ``number`` whose outcome is unknown, or None.

        "Unresolved" means status ``OUTCOME UNKNOWN`` and no request id: the start was sent
        (or may have been) and its answer never arrived. Only rows of ``profile`` created at or
        after ``since`` count, so a stale row is never mistaken for today's live request.
        """
        sql = (
            f"SELECT {REQUEST_COLUMNS} FROM requests WHERE profile = ? AND number = ?"
            " AND status = ? AND request_id IS NULL AND created_at >= ?"
            " ORDER BY created_at DESC, id DESC LIMIT 1"
        )
        args = (profile, number, str(VerificationStatus.UNKNOWN), to_micros(since))
        rows = self._lookup(sql, args)
        return entry(rows[0]) if rows else None

    def recent(
        self, query: RecentQuery = LATEST, *, interrupt: Interrupt | None = None
    ) -> list[HistoryEntry]:
        """Return requests newest first, filtered, one keyset page at a time.

        Args:
            query: Which rows (see :class:`RecentQuery`).
            interrupt: Lets another thread stop the query (``QueryInterrupted``).
        """
        dialect = self._db.dialect
        rows = self._db.read(
            lambda conn: recent_rows(conn, query, interrupt=interrupt, dialect=dialect),
            interrupt=interrupt,
        )
        if interrupt is not None:
            interrupt.check()  # superseded while reading: skip mapping rows nobody wants
        return map_rows(rows, page_entry)

    def queued(self, query: RecentQuery = LATEST) -> list[HistoryEntry]:
        """The requests this session wrote while the shared history's server was away.

        They wait in the outbox (``pg_outbox``); here they are as they will be once written,
        with their provisional ids, newest first, filtered as ``recent`` filters. Empty for a
        SQLite history and when nothing waits.
        """
        if self._shared is None:
            return []
        from desktop_app.store.pending_rows import queued_entries

        return queued_entries(self._shared.queued(), query)

    def count(self, query: RecentQuery = LATEST) -> int:
        """Return how many requests match ``query``'s filters (its limit and page aside)."""
        where, args = filters(query, self._db.dialect)
        clause = f"WHERE {' AND '.join(where)}" if where else ""
        return int(self._db.query(f"SELECT count(*) FROM requests {clause}", args)[0][0])

    def in_progress(self, *, profile: str | None = None, limit: int = 100) -> list[HistoryEntry]:
        """Return the requests still ``IN PROGRESS``, newest first.

        On a shared history whose server is away: none (the status refresher just waits).
        """
        def read() -> list[HistoryEntry]:
            query = RecentQuery(limit=limit, status=VerificationStatus.IN_PROGRESS, profile=profile)
            return self.recent(query)

        return self._unless_away(read, [])

    # -- API calls -------------------------------------------------------------------------

    def begin_call(self, new: NewCall) -> int:
        """Record a call about to be made, with outcome ``"pending"``; return its id."""
        values = (new.profile, new.operator, new.operation, new.request_id, self._now(), _PENDING)
        sql = ("INSERT INTO calls (profile, operator, operation, request_id, started_at, outcome)"
               " VALUES (?, ?, ?, ?, ?, ?)")  # fmt: skip
        if self._shared is None:
            return self._db.execute(sql, values)[1]
        call_uuid = str(uuid.uuid4())
        sql = sql.replace("(profile,", "(uuid, profile,").replace("VALUES (", "VALUES (?, ")
        return self._write(sql, (call_uuid, *values), new_row=call_uuid)[1]

    def end_call(self, call_id: int, end: CallEnd) -> None:
        """Record how a call ended; ``end.request_id`` (when given) fills in the call's id."""
        where, key = self._row(call_id)
        self._write(
            "UPDATE calls SET finished_at = ?, outcome = ?, api_status = ?, error_text = ?,"
            f" request_id = COALESCE(?, request_id) WHERE {where}",
            (self._now(), end.outcome, end.api_status, end.error_text, end.request_id, key),
        )

    def calls(self, request_id: str) -> list[CallEntry]:
        """Return the calls made about one request, oldest first."""
        sql = f"SELECT {CALL_COLUMNS} FROM calls WHERE request_id = ? ORDER BY started_at, id"
        none: list[tuple[Any, ...]] = []
        rows = self._unless_away(lambda: self._db.query(sql, (request_id,)), none)
        return [call(row) for row in rows]

    def recent_calls(self, limit: int = 100) -> list[CallEntry]:
        """Return the latest calls, newest first."""
        sql = f"SELECT {CALL_COLUMNS} FROM calls ORDER BY started_at DESC, id DESC LIMIT ?"
        return [call(row) for row in self._db.query(sql, (limit,))]

    # -- the Messages API: status timelines and codes sent by message -----------------------

    def apply_message_event(
        self, event: MessageStatusEvent, *, items_number: int | None = None
    ) -> AppliedEvent | None:
        """Record a status webhook on its message's row and timeline, in lifecycle order.

        Idempotent: a repeat changes nothing. Returns None when no row has its message id
        (yet: such a status is kept for :meth:`adopt_message_events`).
        """
        now = self._clock()
        return self._db.write(
            lambda conn: _messages.apply_event(conn, event, items_number=items_number, now=now)
        )

    def adopt_message_events(self, message_uuid: str) -> int:
        """Apply the statuses that arrived before the row had this id; return how many."""
        now = self._clock()
        return self._db.write(lambda conn: _messages.adopt_events(conn, message_uuid, now))

    def message_events(self, message_uuid: str) -> list[MessageEventEntry]:
        """A message's status timeline, leg by leg, each leg in lifecycle order."""
        return self._db.read(lambda conn: _messages.events(conn, message_uuid))

    def reserve_code(
        self, *, profile: str, number: str, salt: bytes, digest: bytes, expires_at: datetime,
        now: datetime,
    ) -> tuple[int, StoredCode | None]:  # fmt: skip
        """Store a code's hash for ``number``: ``(id, None)``, or ``(0, live code)`` if live."""
        return self._db.write(
            lambda conn: _message_codes.reserve_code(
                conn, profile=profile, number=number, salt=salt, digest=digest,
                expires_at=expires_at, now=now,
            )
        )  # fmt: skip

    def attach_code(
        self, code_id: int, *, history_id: int | None = None, message_uuid: str | None = None
    ) -> None:
        """Link a code to its history row and (once accepted) its message id."""
        self._db.write(
            lambda conn: _message_codes.attach_code(
                conn, code_id, history_id=history_id, message_uuid=message_uuid
            )
        )

    def end_code(
        self,
        code_id: int,
        ending: VerificationStatus,
        now: datetime,
        *,
        action: NewAction | None = None,
    ) -> bool:
        """End a live code (hash wiped; its row too while IN PROGRESS); False if not live.

        ``action`` (the cancel that ended it) is recorded with it, only when it ended it.
        """

        def write(conn: SqlConnection) -> bool:
            ended = _message_codes.end_code(conn, code_id, ending, now)
            if ended and action is not None:
                _audit.insert_action(conn, action, to_micros(now))
            return ended

        return self._db.write(write)

    def find_code(self, message_uuid: str) -> StoredCode | None:
        """The code a message carried (its salted hash, never the code), or None."""
        return self._db.read(lambda conn: _message_codes.find_code(conn, message_uuid))

    def settle_code_check(
        self, code_id: int, candidate: bytes, now: datetime, *, action: NewAction | None = None
    ) -> tuple[CodeVerdict, StoredCode]:
        """Judge and record one check of a code in one transaction (see ``_message_codes``).

        ``action`` is recorded in that transaction, its outcome the verdict's word.
        """

        def write(conn: SqlConnection) -> tuple[CodeVerdict, StoredCode]:
            verdict, code = _message_codes.settle_check(conn, code_id, candidate, now)
            if action is not None:
                judged = replace(action, outcome=verdict_outcome(verdict))
                _audit.insert_action(conn, judged, to_micros(now), history_id=code.history_id)
            return verdict, code

        return self._db.write(write)

    # -- retention -------------------------------------------------------------------------

    def prune(self, older_than: datetime) -> int:
        """Delete requests and calls created before ``older_than``, in short batches.

        Returns:
            The number of request rows deleted (calls, message timelines and codes are
            pruned by the same rule).
        """
        cutoff = to_micros(older_than)

        deleted = 0
        tables = (("requests", "created_at"), ("calls", "started_at"),
                  ("message_events", "received_at"), ("message_codes", "created_at"),
                  ("actions", "acted_at"))  # fmt: skip
        for table, column in tables:
            sql = (f"DELETE FROM {table} WHERE id IN (SELECT id FROM {table}"
                   f" WHERE {column} < ? LIMIT {_PRUNE_BATCH:d})")  # fmt: skip
            while True:
                n = self._db.execute(sql, (cutoff,))[0]
                deleted += n if table == "requests" else 0
                if n < _PRUNE_BATCH:
                    break
        return deleted
