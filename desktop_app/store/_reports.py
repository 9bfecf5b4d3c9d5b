"""The read hook the report modules (``export``, ``analytics``) run their SQL through."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

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
