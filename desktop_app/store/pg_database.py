"""The history on a PostgreSQL server: a connection pool behind the same interface as ``Database``.

``HistoryStore`` and the query modules talk to a ``Database``-shaped object: ``write(fn)`` runs
``fn(connection)`` in one committed transaction, ``read(fn)`` on a reading connection,
``execute``/``query`` for single statements, ``close``. :class:`PgDatabase` provides that on a
psycopg 3 ``ConnectionPool``, and hands ``fn`` a :class:`PgConnection`, which accepts the shared
SQL as written for SQLite: the dialects agree on everything the shared queries use except the
few points handled here, in one place:

* placeholders: ``?`` becomes ``%s`` (and a literal ``%`` becomes ``%%``), outside quotes;
* an ``INSERT`` returns its new row's id (``RETURNING id``), which SQLite gives as
  ``lastrowid``;
* Python booleans are stored as 0/1 in the INTEGER flag columns, as SQLite stores them.

Search (trigram index) and the schema are per-dialect pieces of their own (``_search``,
``pg_schema``). The password is a connection parameter only; it never enters a URL, a log line
or an error text (libpq's own messages do not repeat it).

Threading: the pool is thread-safe; each call takes a connection for its own duration. Reads
run in autocommit (each statement sees the latest commit); ``Interrupt.fire`` cancels the
running statement on the server (``cancel_safe``).
"""

from __future__ import annotations

import functools
import logging
import re
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Final, TypeVar

import psycopg
from psycopg import errors as pg_errors
from psycopg_pool import ConnectionPool, PoolTimeout

from desktop_app.domain.errors import QueryInterrupted, StoreClosedError, StoreError
from desktop_app.domain.history_url import PostgresTarget
from desktop_app.store._reading import Interrupt
from desktop_app.store.pg_schema import migrate

T = TypeVar("T")


_CLOSED: Final = "The history store is closed (the application is shutting down)."
_UNREACHABLE: Final = "The shared history server cannot be reached"
#: How long a call waits for a pooled connection before it reports the server unreachable.
_POOL_TIMEOUT_S: Final = 3.0
#: A quoted literal, or one of the characters to translate.
_TOKENS: Final = re.compile(r"'(?:[^']|'')*'|[?%]")


@functools.lru_cache(maxsize=512)
def translate(sql: str) -> bytes:
    """The shared (SQLite-style) SQL as psycopg reads it; see the module docstring."""

    def replace(match: re.Match[str]) -> str:
        token = match.group(0)
        return {"?": "%s", "%": "%%"}.get(token, token)

    text = _TOKENS.sub(replace, sql)
    head = text.lstrip()[:6].upper()
    if head == "INSERT" and " RETURNING " not in text.upper():
        text += " RETURNING id"
    return text.encode()


def _param(value: object) -> object:
    return int(value) if isinstance(value, bool) else value


class PgCursor:
    """The part of ``sqlite3.Cursor`` the shared queries use, over a psycopg cursor."""

    def __init__(self, cursor: psycopg.Cursor[tuple[Any, ...]], inserted: bool) -> None:
        self._cursor = cursor
        self.rowcount = cursor.rowcount
        self.lastrowid = 0
        if inserted and cursor.description is not None:
            row = cursor.fetchone()
            self.lastrowid = int(row[0]) if row is not None else 0

    def fetchall(self) -> list[tuple[Any, ...]]:
        """Every remaining row."""
        return self._cursor.fetchall()

    def fetchone(self) -> tuple[Any, ...] | None:
        """The next row, or None."""
        return self._cursor.fetchone()

    def __iter__(self) -> Iterator[tuple[Any, ...]]:
        return iter(self._cursor.fetchall())


class PgConnection:
    """A psycopg connection speaking the shared SQL (``?`` placeholders); see the module docs."""

    dialect: Final = "postgresql"

    def __init__(self, conn: psycopg.Connection[tuple[Any, ...]]) -> None:
        self.raw = conn

    def execute(self, sql: str, args: Sequence[object] = ()) -> PgCursor:
        """Run one statement of the shared SQL."""
        query = translate(sql)
        cursor = self.raw.execute(query, [_param(a) for a in args])
        return PgCursor(cursor, query.lstrip()[:6].upper() == b"INSERT")

    def interrupt(self) -> None:
        """Cancel the statement running on this connection (from another thread)."""
        self.raw.cancel_safe()


def classify(exc: psycopg.Error, target: PostgresTarget) -> StoreError | None:
    """A ``StoreError`` for what the environment did (server gone, refused login...), or None."""
    where = f"{target.host}:{target.port}/{target.dbname}"
    if isinstance(exc, pg_errors.InsufficientPrivilege):
        return StoreError(f"The shared history refuses this user ({where}: {exc}).")
    if isinstance(exc, psycopg.OperationalError):
        return StoreError(f"{_UNREACHABLE} ({where}: {exc}).")
    return None


class PgDatabase:
    """The shared history's connection pool (see the module docstring).

    Args:
        target: Where the database is (no password).
        password: From the keyring; None when the server needs none (peer or certificate).
        min_size: Connections the pool keeps open.
        max_size: The most connections it opens.

    Raises:
        StoreError: The server cannot be reached, refuses the login, or cannot be migrated.
    """

    dialect: Final = "postgresql"

    def __init__(
        self,
        target: PostgresTarget,
        password: str | None = None,
        *,
        min_size: int = 1,
        max_size: int = 4,
    ) -> None:
        self.target = target
        kwargs: dict[str, Any] = {**target.connect_kwargs(), "autocommit": True}
        if password is not None:
            kwargs["password"] = password
        self._kwargs = kwargs
        self._state = threading.Condition()
        self._borrowers = 0
        self._closed = False
        self._reading: dict[int, PgConnection] = {}
        #: Set when the server could not be reached; cleared by :meth:`renew_pool`. While set,
        #: calls fail at once instead of each waiting for a pooled connection in vain.
        self._down = False
        # The pool logs a warning at every reconnection attempt while the server is away
        # (about one a second); the outage is reported once, by the listener and status bar.
        logging.getLogger("psycopg.pool").setLevel(logging.ERROR)
        self._sizes = (min_size, max_size)
        self._guard(self._migrate, probe=True)
        self._pool = self._new_pool()
        try:
            self._guard(lambda: self._pool.open(wait=True, timeout=_POOL_TIMEOUT_S), probe=True)
        except BaseException:
            self._pool.close()
            raise

    def _new_pool(self) -> ConnectionPool[psycopg.Connection[tuple[Any, ...]]]:
        return ConnectionPool(
            kwargs=self._kwargs, min_size=self._sizes[0], max_size=self._sizes[1], open=False,
            timeout=_POOL_TIMEOUT_S, name="verify-desk-history",
            check=ConnectionPool.check_connection,
        )  # fmt: skip

    def renew_pool(self) -> None:
        """Replace the pool by a fresh one, after an outage.

        The pool waits out a growing back-off between reconnection attempts while the server
        is away; without this the first reads after its return could wait for that back-off.
        """
        fresh = self._new_pool()
        fresh.open(wait=False)
        self._down = False
        with self._state:
            if self._closed:
                fresh.close()
                return
            old, self._pool = self._pool, fresh
        old.close(timeout=1.0)

    def connect(self, **extra: Any) -> psycopg.Connection[tuple[Any, ...]]:
        """A connection of its own (not from the pool), e.g. for LISTEN; the caller closes it."""
        return psycopg.connect(**{**self._kwargs, **extra})

    def _migrate(self) -> None:
        with self.connect() as conn:
            migrate(conn)

    @property
    def password(self) -> str | None:
        """The password this pool logs in with (from the keyring), for a child process's own."""
        value = self._kwargs.get("password")
        return None if value is None else str(value)

    @property
    def down(self) -> bool:
        """True since the server could not be reached (until :meth:`renew_pool`)."""
        return self._down

    def mark_down(self) -> None:
        """Note that the server is away (the listener heard it first)."""
        self._down = True

    def _guard(self, fn: Callable[[], T], *, probe: bool = False) -> T:
        if self._down and not probe:
            raise StoreError(f"{_UNREACHABLE} (it went away; waiting for it to return).")
        try:
            return fn()
        except PoolTimeout as exc:
            self._down = True
            waited = f"no connection within {_POOL_TIMEOUT_S:g} s"
            raise StoreError(f"{_UNREACHABLE} ({waited}).") from exc
        except psycopg.Error as exc:
            error = classify(exc, self.target)
            if error is None:
                raise
            if isinstance(exc, psycopg.OperationalError):
                self._down = True
            raise error from exc

    @contextmanager
    def _borrowed(self) -> Iterator[None]:
        with self._state:
            if self._closed:
                raise StoreClosedError(_CLOSED)
            self._borrowers += 1
        try:
            yield
        finally:
            with self._state:
                self._borrowers -= 1
                self._state.notify_all()

    def write(self, fn: Callable[[PgConnection], T]) -> T:
        """Run ``fn`` in one committed transaction."""

        def attempt() -> T:
            with self._pool.connection() as raw, raw.transaction():
                return fn(PgConnection(raw))

        with self._borrowed():
            return self._guard(attempt)

    def write_direct(self, fn: Callable[[PgConnection], T]) -> T:
        """Like :meth:`write`, on a new connection of its own (not the pool's).

        For the first writes after an outage: the pool may still be waiting out its reconnection
        back-off (see :meth:`renew_pool`).
        """

        def attempt() -> T:
            with self.connect() as raw, raw.transaction():
                return fn(PgConnection(raw))

        with self._borrowed():
            return self._guard(attempt, probe=True)

    def read(self, fn: Callable[[PgConnection], T], *, interrupt: Interrupt | None = None) -> T:
        """Run ``fn`` on a pooled connection in autocommit mode.

        Raises:
            StoreClosedError: The store is closed, or was closed while ``fn`` ran.
            QueryInterrupted: ``interrupt`` fired.
        """

        def attempt() -> T:
            with self._pool.connection() as raw:
                conn = PgConnection(raw)
                key = threading.get_ident()
                with self._state:
                    self._reading[key] = conn
                try:
                    if interrupt is None:
                        return fn(conn)
                    with interrupt.bound(conn):
                        return fn(conn)
                finally:
                    with self._state:
                        self._reading.pop(key, None)

        with self._borrowed():
            try:
                return self._guard(attempt)
            except pg_errors.QueryCanceled as exc:
                if interrupt is not None and interrupt.fired:
                    raise QueryInterrupted("The history query was superseded.") from exc
                raise StoreClosedError(_CLOSED) from exc

    def stream(
        self, sql: str, args: Sequence[object] = (), *, size: int
    ) -> Iterator[list[tuple[Any, ...]]]:
        """The rows of one query (the shared SQL), ``size`` at a time, from a server-side cursor.

        A named cursor in one read-only transaction: the server keeps the result and hands
        over one batch per fetch, so memory holds one batch whatever the query's size, and
        every batch reads the same snapshot. The pooled connection is held until the generator
        ends or is closed; :meth:`close` cancels it like a read.
        """
        query = translate(sql)
        params = [_param(a) for a in args]
        with self._borrowed():
            raw = self._guard(self._pool.getconn)
            conn = PgConnection(raw)
            key = id(conn)
            with self._state:
                self._reading[key] = conn
            try:
                with raw.transaction(), raw.cursor(name="verify_desk_stream") as cursor:
                    self._guard(lambda: raw.execute(b"SET TRANSACTION READ ONLY"))
                    self._guard(lambda: cursor.execute(query, params))
                    while rows := self._guard(lambda: cursor.fetchmany(size)):
                        yield rows
            finally:
                with self._state:
                    self._reading.pop(key, None)
                self._pool.putconn(raw)

    def execute(self, sql: str, args: Sequence[object] = ()) -> tuple[int, int]:
        """Run one writing statement in its own transaction; return (rowcount, new row id)."""

        def run(conn: PgConnection) -> tuple[int, int]:
            cursor = conn.execute(sql, args)
            return cursor.rowcount, cursor.lastrowid

        return self.write(run)

    def query(self, sql: str, args: Sequence[object] = ()) -> list[tuple[Any, ...]]:
        """Run one query and return every row."""
        return self.read(lambda conn: conn.execute(sql, args).fetchall())

    def close(self, *, wait: float | None = None, interrupt: bool = True) -> bool:
        """Refuse new calls, cancel the reads in flight and close the pool once unused.

        Returns:
            True when the pool is closed; False when a call outlived ``wait`` (the pool is
            closed anyway: that call's connection is returned to a closed pool and closed).
        """
        deadline = None if wait is None else time.monotonic() + max(0.0, wait)
        done = True
        with self._state:
            already = self._closed
            self._closed = True
            if interrupt:
                for conn in self._reading.values():
                    conn.interrupt()
            while self._borrowers:
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    done = False
                    break
                self._state.wait(left)
        if not already:
            self._pool.close(timeout=0 if not done else 5.0)
        return done
