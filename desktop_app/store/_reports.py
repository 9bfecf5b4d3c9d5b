"""The hooks the report modules (``export``, ``analytics``, ``pg_copy``) run their SQL through."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

from desktop_app.store.backend import SqlConnection
from desktop_app.store.history import HistoryStore

T = TypeVar("T")


def read(history: HistoryStore, fn: Callable[[SqlConnection], T]) -> T:
    """Run ``fn(connection)`` on the store's read connection for the calling thread.

    ``HistoryStore`` has no public hook for a module of its own package to run its own SQL;
    this is the one place that reaches its ``Database``, so reports get the same retries,
    error classification (``StoreError``) and close() safety as the history's own reads.
    """
    return history._db.read(fn)


def write(history: HistoryStore, fn: Callable[[SqlConnection], T]) -> T:
    """Run ``fn(connection)`` in one committed write transaction of the store (see ``read``)."""
    return history._db.write(fn)


def stream(
    history: HistoryStore, sql: str, args: Sequence[object], size: int
) -> Iterator[list[tuple[Any, ...]]]:
    """The rows of one query, ``size`` at a time, from a PostgreSQL server-side cursor.

    Raises:
        TypeError: The history is not on PostgreSQL (SQLite's reports page by keyset).
    """
    from desktop_app.store.pg_database import PgDatabase

    db = history._db
    if not isinstance(db, PgDatabase):
        raise TypeError("only a PostgreSQL history streams from a server-side cursor")
    return db.stream(sql, args, size=size)
