"""Connections, transactions, retries and error classification for the history database.

Threading model (one writer, many readers):

* **Writes** go through one connection guarded by a ``threading.Lock``: every write is one
  ``BEGIN IMMEDIATE ... COMMIT`` transaction, so writes from many pool threads are serialised
  inside the store and each is durable (WAL, ``synchronous=NORMAL``) before the call returns.
* **Reads** use one connection per thread (``threading.local``) opened with
  ``PRAGMA query_only``. In WAL mode a reader sees the last committed snapshot and never
  waits for the writer, so a long write (a prune) does not freeze the history list.
* An in-memory database (``":memory:"``, for tests) cannot be shared between connections, so
  there the single connection serves reads too, under the same lock.

Closing while other threads read (``check_same_thread=False``: pool threads share the store).
Every read and write *borrows* the database: under one condition it checks "open" and counts
itself in, and counts itself out when done. ``close`` marks the store closed under the same
condition (new calls raise ``StoreClosedError``), interrupts reads in flight (SQLite's
``interrupt``; never a write), waits a bounded time for the borrowers to leave, and closes the
connections only when none is in use; if the wait runs out, the last borrower to leave closes
them. So no thread ever touches a closed connection, whatever order shutdown runs in.

A reader can also be stopped on purpose: ``Interrupt`` (given to ``read``) lets the GUI thread
stop a history query that a newer one has superseded, instead of letting it hold a core.

Errors are classified as in house-style rule 27: environment problems (locked, read-only,
disk full, I/O, damaged file) become ``StoreError`` with a sentence a person can act on;
"database is locked" is retried briefly first. Anything else is a bug and propagates.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Final, TypeVar

from desktop_app.domain.errors import QueryInterrupted, StoreClosedError, StoreError
from desktop_app.store._files import create_private_file
from desktop_app.store._reading import Interrupt
from desktop_app.store.schema import migrate

T = TypeVar("T")

_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
_BUSY_CODES: Final = frozenset({5, 6})  # SQLITE_BUSY, SQLITE_LOCKED
_INTERRUPT_CODE: Final = 9  # SQLITE_INTERRUPT
#: While ``close`` waits, how often it interrupts the reads in flight again: an interrupt that
#: lands between two statements of a read is lost (SQLite clears it when the next one starts).
_REINTERRUPT_S: Final = 0.05
_CLOSED: Final = "The history store is closed (the application is shutting down)."
#: Primary SQLite result codes that mean "the environment", with what to tell the person.
_ENVIRONMENT: Final[dict[int, str]] = {
    3: "The history database cannot be opened: permission denied.",
    5: "The history database is locked by another program (another Verify Desk?).",
    6: "The history database is locked by another program (another Verify Desk?).",
    7: "Out of memory while using the history database.",
    8: "The history database is read-only (file permissions or a read-only disk).",
    10: "The history database could not be read or written (disk I/O error).",
    11: "The history database file is damaged.",
    13: "The disk holding the history database is full.",
    14: "The history database file cannot be opened (missing folder or no permission).",
    15: "The history database is locked by another program (another Verify Desk?).",
    26: "The history file is not a database (it may be damaged).",
}


def to_micros(value: datetime) -> int:
    """Encode a datetime as integer microseconds since the epoch (naive means UTC)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    delta = value - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def from_micros(value: int) -> datetime:
    """Decode integer microseconds since the epoch into an aware UTC datetime."""
    # Epoch + timedelta: the same value as fromtimestamp(...).replace(microsecond=...), in
    # about half the time (0.9 against 2.1 us). It runs 2 or 3 times per row on the store
    # threads, with the GIL held, while the GUI thread paints.
    return _EPOCH + timedelta(microseconds=value)


def classify(exc: sqlite3.Error, where: str) -> StoreError | None:
    """Return the ``StoreError`` for an environment problem, or None for a bug."""
    code = getattr(exc, "sqlite_errorcode", None)
    if not isinstance(code, int):
        return None
    sentence = _ENVIRONMENT.get(code & 0xFF)
    if sentence is None:
        return None
    return StoreError(f"{sentence} ({where}: {exc})")


def _counts(cursor: sqlite3.Cursor) -> tuple[int, int]:
    return cursor.rowcount, cursor.lastrowid or 0


def _is_busy(exc: sqlite3.Error) -> bool:
    code = getattr(exc, "sqlite_errorcode", None)
    return isinstance(code, int) and (code & 0xFF) in _BUSY_CODES


def _is_interrupt(exc: BaseException) -> bool:
    code = getattr(exc, "sqlite_errorcode", None)
    return isinstance(code, int) and (code & 0xFF) == _INTERRUPT_CODE


class Database:
    """The connections to one SQLite file; see the module docstring for the threading model.

    Args:
        path: A file path, ``":memory:"``, or a ``file:`` URI (e.g. ``file:h.db?mode=ro``).
    """

    #: Which SQL dialect the query modules speak to it (see ``backend``).
    dialect: Final = "sqlite"

    #: How long SQLite itself waits for a lock, then how often and how long we retry.
    busy_timeout_ms: int = 5000
    busy_retry_delays: tuple[float, ...] = (0.05, 0.25)

    def __init__(self, path: Path | str) -> None:
        text = str(path)
        self._memory = text == ":memory:"
        self._uri = isinstance(path, str) and text.startswith("file:")
        self._target = text
        self._where = text if not self._memory else "in-memory history"
        self._lock = threading.Lock()  # the writer (and, in memory, the only connection)
        self._local = threading.local()
        #: Guards what follows: open/closed, the borrowers, the reader connections.
        self._state = threading.Condition()
        self._readers: list[sqlite3.Connection] = []
        self._reading: dict[int, sqlite3.Connection] = {}  # thread id -> reader in use
        self._borrowers = 0
        self._closed = False
        self._released = False  # the connections are closed
        if not (self._memory or self._uri):
            try:
                Path(text).parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError(f"The history folder cannot be created ({exc}).") from exc
            create_private_file(Path(text))  # owner-only: SQLite would use the umask
        self._writer = self._guard(self._open_writer)

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(
            self._target,
            uri=self._uri,
            timeout=self.busy_timeout_ms / 1000,
            isolation_level=None,
            check_same_thread=False,  # close() may close any thread's connection
        )
        conn.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout_ms):d}")
        conn.execute("PRAGMA foreign_keys = ON")
        return conn

    def _open_writer(self) -> sqlite3.Connection:
        conn = self._connect()
        try:
            if not self._memory:
                conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
            migrate(conn)
        except BaseException:
            conn.close()
            raise
        return conn

    def _reader(self) -> sqlite3.Connection:
        if self._memory:
            return self._writer
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._connect()
            conn.execute("PRAGMA query_only = ON")
            with self._state:
                self._readers.append(conn)
            self._local.conn = conn
        return conn

    def _guard(self, fn: Callable[[], T]) -> T:
        """Run ``fn``, retrying "locked" briefly and turning environment errors into StoreError."""
        for delay in (*self.busy_retry_delays, None):
            try:
                return fn()
            except sqlite3.Error as exc:
                error = classify(exc, self._where)
                if error is None:
                    raise
                if delay is not None and _is_busy(exc):
                    time.sleep(delay)
                    continue
                raise error from exc
        raise AssertionError("unreachable")  # pragma: no cover

    @contextmanager
    def _borrowed(self) -> Iterator[None]:
        """Count a call in (or refuse it when closed); the last one out after ``close`` closes."""
        with self._state:
            if self._closed:
                raise StoreClosedError(_CLOSED)
            self._borrowers += 1
        try:
            yield
        finally:
            with self._state:
                self._borrowers -= 1
                if self._closed and not self._borrowers:
                    self._release()
                    self._state.notify_all()

    def write(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Run ``fn`` in one committed write transaction, serialised with every other write."""

        def attempt() -> T:
            conn = self._writer
            conn.execute("BEGIN IMMEDIATE")
            try:
                result = fn(conn)
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
            return result

        with self._borrowed(), self._lock:
            return self._guard(attempt)

    def read(
        self, fn: Callable[[sqlite3.Connection], T], *, interrupt: Interrupt | None = None
    ) -> T:
        """Run ``fn`` on this thread's read connection (the shared one for ``:memory:``).

        Args:
            fn: The read; it gets the connection and must not keep it.
            interrupt: Lets another thread stop this read (``QueryInterrupted``).

        Raises:
            StoreClosedError: The store is closed, or was closed while ``fn`` ran.
            QueryInterrupted: ``interrupt`` fired.
        """
        with self._borrowed():
            try:
                if self._memory:
                    with self._lock:
                        return self._guard(lambda: self._run(fn, self._writer, interrupt))
                conn = self._reader()
                with self._state:
                    self._reading[threading.get_ident()] = conn
                try:
                    return self._guard(lambda: self._run(fn, conn, interrupt))
                finally:
                    with self._state:
                        self._reading.pop(threading.get_ident(), None)
            except sqlite3.OperationalError as exc:
                if not _is_interrupt(exc):
                    raise
                if interrupt is not None and interrupt.fired:
                    raise QueryInterrupted("The history query was superseded.") from exc
                raise StoreClosedError(_CLOSED) from exc

    @staticmethod
    def _run(
        fn: Callable[[sqlite3.Connection], T],
        conn: sqlite3.Connection,
        interrupt: Interrupt | None,
    ) -> T:
        if interrupt is None:
            return fn(conn)
        with interrupt.bound(conn):
            return fn(conn)

    def execute(self, sql: str, args: Sequence[object] = ()) -> tuple[int, int]:
        """Run one writing statement in its own transaction; return (rowcount, lastrowid)."""
        return self.write(lambda conn: _counts(conn.execute(sql, args)))

    def query(self, sql: str, args: Sequence[object] = ()) -> list[tuple[Any, ...]]:
        """Run one query on this thread's read connection and return every row."""
        return self.read(lambda conn: conn.execute(sql, args).fetchall())

    def close(self, *, wait: float | None = None, interrupt: bool = True) -> bool:
        """Refuse new calls, stop the reads in flight and close the connections once unused.

        Never closes a connection a call is still using: when the calls in flight outlive
        ``wait``, the last of them closes the connections as it returns. Writes in flight are
        never interrupted. Idempotent; later calls raise ``StoreClosedError``.

        Args:
            wait: The most seconds to wait for calls in flight; None waits until they return.
            interrupt: Interrupt the reads in flight (they raise ``StoreClosedError``).

        Returns:
            True when every connection is closed on return; False when a call still runs
            (its thread closes them when it returns).
        """
        deadline = None if wait is None else time.monotonic() + max(0.0, wait)
        with self._state:
            self._closed = True
            self._state.notify_all()
            while self._borrowers:
                if interrupt and not self._memory:
                    for conn in self._reading.values():
                        conn.interrupt()
                left = _REINTERRUPT_S if deadline is None else deadline - time.monotonic()
                if left <= 0:
                    return False
                self._state.wait(min(left, _REINTERRUPT_S) if interrupt else left)
            self._release()
            return True

    def _release(self) -> None:
        """Close every connection once (with ``_state`` held, closed, nobody borrowing)."""
        if self._released:
            return
        self._released = True
        readers, self._readers = self._readers, []
        for conn in readers:
            conn.close()
        self._writer.close()
