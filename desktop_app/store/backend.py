"""The two history backends behind one shape: SQLite (embedded, the default) and PostgreSQL.

The query modules are written once, against :class:`SqlConnection` (the part of a DB-API
connection they use, with SQLite's ``?`` placeholders); ``sqlite3.Connection`` is one as is, and
``pg_database.PgConnection`` translates for PostgreSQL. A store holds a :class:`HistoryDatabase`
(``_connection.Database`` or ``pg_database.PgDatabase``), chosen by :func:`open_database` from
the history URL (``domain.history_url``). Where the dialects differ in more than spelling
(search, schema, LISTEN/NOTIFY) the code asks ``dialect`` and keeps each side small.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol, TypeVar

from desktop_app.domain.history_url import PostgresTarget, SqliteTarget, parse_history_url

if TYPE_CHECKING:
    from desktop_app.store._reading import Interrupt
    from desktop_app.store.pg_outbox import SharedWrites

T = TypeVar("T")
Dialect = Literal["sqlite", "postgresql"]


class SqlCursor(Protocol):
    """What the query modules read from a cursor."""

    @property
    def rowcount(self) -> int:
        """Rows the statement changed."""

    @property
    def lastrowid(self) -> int | None:
        """The id of the row an ``INSERT`` added."""

    def fetchall(self) -> list[Any]:
        """Every remaining row."""

    def fetchone(self) -> Any:
        """The next row, or None."""

    def __iter__(self) -> Iterator[Any]: ...


class SqlConnection(Protocol):
    """What the query modules call on a connection: ``execute`` with ``?`` placeholders."""

    def execute(self, sql: str, parameters: Sequence[Any] = ..., /) -> SqlCursor:
        """Run one statement."""


class HistoryDatabase(Protocol):
    """The connections to one history, SQLite's or PostgreSQL's (``_connection.Database``)."""

    @property
    def dialect(self) -> Dialect:
        """Which SQL dialect it speaks."""

    def write(self, fn: Callable[[Any], T]) -> T:
        """Run ``fn(connection)`` in one committed transaction."""

    def read(self, fn: Callable[[Any], T], *, interrupt: Interrupt | None = None) -> T:
        """Run ``fn(connection)`` on a reading connection."""

    def execute(self, sql: str, args: Sequence[object] = ()) -> tuple[int, int]:
        """One writing statement: (rowcount, new row id)."""

    def query(self, sql: str, args: Sequence[object] = ()) -> list[tuple[Any, ...]]:
        """One query's rows."""

    def close(self, *, wait: float | None = None, interrupt: bool = True) -> bool:
        """Close once no call uses it."""


def is_url(target: Path | str) -> bool:
    """True when ``target`` is a history URL rather than a path (or ``":memory:"``/``file:``)."""
    return isinstance(target, str) and target.startswith(("sqlite:", "postgresql:", "postgres:"))


def open_database(target: Path | str, *, password: str | None = None) -> HistoryDatabase:
    """Open the history at ``target``: a path, ``":memory:"``, a ``file:`` URI or a history URL.

    Raises:
        HistoryUrlError: ``target`` is a malformed history URL.
        StoreError: The database cannot be opened, reached or migrated.
    """
    from desktop_app.store._connection import Database

    if not is_url(target):
        return Database(target)
    parsed = parse_history_url(str(target))
    if isinstance(parsed, SqliteTarget):
        return Database(parsed.path)
    return _open_postgres(parsed, password)


def sqlite_file(target: Path | str) -> Path | None:
    """The SQLite file ``target`` names (a path or ``sqlite:///`` URL), else None.

    None for a PostgreSQL URL, ``":memory:"`` or a ``file:`` URI.
    """
    if is_url(target):
        parsed = parse_history_url(str(target))
        return parsed.path if isinstance(parsed, SqliteTarget) else None
    text = str(target)
    return None if text == ":memory:" or text.startswith("file:") else Path(target)


def _open_postgres(target: PostgresTarget, password: str | None) -> HistoryDatabase:
    from desktop_app.store.pg_database import PgDatabase  # psycopg loads only when used

    return PgDatabase(target, password)


def shared_writes(db: HistoryDatabase, outbox: Path | None) -> SharedWrites:
    """The once-only, queue-when-away writer of a PostgreSQL history (``pg_outbox``)."""
    from desktop_app.store.pg_database import PgDatabase
    from desktop_app.store.pg_outbox import Outbox, SharedWrites

    assert isinstance(db, PgDatabase)
    return SharedWrites(db, None if outbox is None else Outbox(outbox))


def shared_source(db: HistoryDatabase) -> tuple[str, str | None] | None:
    """A PostgreSQL history's URL and password, for a child process to open it; else None."""
    if db.dialect != "postgresql":
        return None
    from desktop_app.store.pg_database import PgDatabase

    assert isinstance(db, PgDatabase)
    return str(db.target), db.password
