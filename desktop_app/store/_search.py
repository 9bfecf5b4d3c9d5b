"""Newest-first history pages that stay fast at a million rows, with or without a search.

Without a search term every page is one walk down an index ending in ``(created_at, id)``,
stopping after ``LIMIT`` rows; ``before`` continues from the previous page's last row (keyset
paging, never ``OFFSET``).

A search term of three or more characters is answered in two phases, because neither
strategy alone is fast for every term:

1. Scan the newest ``WINDOW`` candidate rows with ``LIKE``. A common term ("Acme") fills the
   page here in a few milliseconds, where the trigram index would have to produce and sort
   hundreds of thousands of matches.
2. If the page is not full, ask the FTS5 trigram index for the rest, older than the window.
   A rare term (part of a number or request id) has a short match list, so this is cheap.

Both phases run in one read transaction, so they see the same snapshot. Terms shorter than
three characters cannot use the trigram index and are scanned with ``LIKE`` (they match
often, so the scan stops early).
"""

from __future__ import annotations

import sqlite3
from typing import Any, Final

from desktop_app.domain.models import VerificationStatus
from desktop_app.store._connection import Interrupt
from desktop_app.store._sql import REQUEST_COLUMNS, fts_clause, like_clause, search_text

#: How many of the newest candidates phase 1 scans before handing over to the index.
WINDOW: Final = 5000
_ORDER: Final = "ORDER BY created_at DESC, id DESC"


def _where(terms: list[str]) -> str:
    return f"WHERE {' AND '.join(terms)}" if terms else ""


def recent_rows(
    conn: sqlite3.Connection,
    *,
    limit: int,
    text: str,
    status: VerificationStatus | None,
    profile: str | None,
    before: tuple[int, int] | None,
    interrupt: Interrupt | None = None,
) -> list[tuple[Any, ...]]:
    """Return one page of request rows (``REQUEST_COLUMNS`` order), newest first.

    Args:
        conn: A read connection in autocommit mode.
        limit: At most this many rows.
        text: The raw search text (may be empty).
        status: Only this status, or None.
        profile: Only this profile, or None.
        before: ``(created_at micros, id)`` of the previous page's last row, or None.
        interrupt: Checked between statements (``Interrupt.fire`` stops a running one).
    """
    if limit <= 0:
        return []  # SQLite reads a negative LIMIT as "no limit"
    base: list[str] = []
    args: list[object] = []
    if profile is not None:
        base.append("profile = ?")
        args.append(profile)
    if status is not None:
        base.append("status = ?")
        args.append(str(status))
    if before is not None:
        base.append("(created_at, id) < (?, ?)")
        args.extend(before)
    select = f"SELECT {REQUEST_COLUMNS} FROM requests"
    term = search_text(text)
    like_sql, like_args = like_clause(term)
    if len(term) < 3:
        where, extra = ([*base, like_sql], like_args) if term else (base, [])
        sql = f"{select} {_where(where)} {_ORDER} LIMIT ?"
        return conn.execute(sql, [*args, *extra, limit]).fetchall()

    conn.execute("BEGIN")  # one snapshot for both phases
    try:
        window = f"{select} {_where(base)} {_ORDER} LIMIT {WINDOW:d}"
        rows = conn.execute(
            f"SELECT * FROM ({window}) WHERE {like_sql} {_ORDER} LIMIT ?",
            [*args, *like_args, limit],
        ).fetchall()
        if len(rows) < limit:
            edge = conn.execute(
                f"SELECT created_at, id FROM requests {_where(base)} {_ORDER}"
                f" LIMIT 1 OFFSET {WINDOW - 1:d}",  # bounded: the window's last row
                args,
            ).fetchone()
            if edge is not None:  # older rows exist beyond the window: use the index
                if interrupt is not None:
                    interrupt.check()
                fts_sql, fts_args = fts_clause(term)
                where = [*base, "(created_at, id) < (?, ?)", fts_sql]
                rows += conn.execute(
                    f"{select} {_where(where)} {_ORDER} LIMIT ?",
                    [*args, *edge, *fts_args, limit - len(rows)],
                ).fetchall()
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
    return rows
