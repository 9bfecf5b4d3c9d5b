"""The requests written while a shared history's server is away, as they will be once written.

A write to a team's history that cannot reach its server waits in the outbox (``pg_outbox``) as
an action: the shared SQL and its arguments. :func:`queued_entries` replays the waiting actions,
in order, into a throw-away in-memory SQLite history with the same schema and reads the request
rows from it with the same query as Recent requests (filters included). Each new row keeps the
provisional id its writer was given (``PROVISIONAL_BASE`` + its place in the outbox), so the
window matches it with the row it already shows. Statements about rows the server already had
change nothing here (those rows are not in the replica); a statement the replica cannot run is
skipped: this is a preview for the window, the outbox itself is what gets written.
"""

from __future__ import annotations

import dataclasses
import sqlite3
from collections.abc import Sequence

from desktop_app.domain.history_query import LATEST, RecentQuery
from desktop_app.domain.models import HistoryEntry
from desktop_app.store._reading import map_rows
from desktop_app.store._search import page_entry, recent_rows
from desktop_app.store.pg_outbox import PROVISIONAL_BASE, Statement
from desktop_app.store.schema import migrate

__all__ = ["queued_entries"]


def _replica() -> sqlite3.Connection:
    conn = sqlite3.connect(":memory:", isolation_level=None)
    migrate(conn)
    # The shared schema's row UUID, by which later writes find a row written while away.
    conn.execute("ALTER TABLE requests ADD COLUMN uuid TEXT")
    return conn


def queued_entries(
    waiting: Sequence[tuple[int, Sequence[Statement]]], query: RecentQuery = LATEST
) -> list[HistoryEntry]:
    """The request rows the waiting actions add, newest first, filtered as ``recent`` filters.

    Args:
        waiting: ``(place in the outbox, statements)`` of each waiting action, oldest first.
        query: Which rows (its filters and limit; a page's ``before`` does not apply here).
    """
    if not waiting:
        return []
    conn = _replica()
    try:
        for place, statements in waiting:
            for index, (sql, args) in enumerate(statements):
                try:
                    cursor = conn.execute(sql, list(args))
                except sqlite3.Error:
                    continue
                if index == 0 and sql.lstrip()[:6].upper() == "INSERT" and sql.find(
                        "INTO requests") >= 0:  # fmt: skip
                    conn.execute("UPDATE requests SET id = ? WHERE rowid = ?",
                                 (PROVISIONAL_BASE + place, cursor.lastrowid))  # fmt: skip
        rows = recent_rows(conn, dataclasses.replace(query, before=None))
        return map_rows(rows, page_entry)
    finally:
        conn.close()
