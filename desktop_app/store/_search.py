"""Newest-first history pages that stay fast at a million rows, with or without a search.

Without a search term every page is one walk down an index ending in ``(created_at, id)``,
stopping after ``LIMIT`` rows; ``before`` continues from the previous page's last row (keyset
paging, never ``OFFSET``).

A search term matches a substring of the number, request id or brand, or the start of the
operator's or the host's name (the audit trail: who started it, where). A term of three or more
characters first asks the FTS5 trigram index, then the operator and host NOCASE indexes, for
at most ``RARE`` matching row ids (probes that stop early for a common term), then:

* **a rare term** (fewer matches than ``RARE``: part of a number or of a request id, a rare
  brand) reads exactly those rows, filtered and ordered: a few hundred row lookups, where a
  substring scan would read thousands of rows to find nothing;
* **a common term** ("Acme") scans the newest ``WINDOW`` candidate rows with ``LIKE`` and
  stops as soon as the page is full (a few hundred rows for a brand in every tenth request);
  only if the window leaves the page short does the trigram index supply the older rest.

Measured on the 1,000,000-row benchmark history (docs/benchmarks.md, "Responsiveness"): the
former plan (a ``LIKE`` scan over a materialised 5,000-row window for every term, then the
index) spent 10 to 30 ms in the scan for terms it then found in the index only.

Every statement of one search runs in one read transaction (one snapshot), and ``interrupt``
is checked between them. Terms shorter than three characters cannot use the trigram index
and are scanned with ``LIKE`` (they match often, so the scan stops early).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, Final

from desktop_app.domain.history_query import RecentQuery
from desktop_app.domain.models import HistoryEntry
from desktop_app.store._connection import to_micros
from desktop_app.store._reading import Interrupt
from desktop_app.store._sql import (
    REQUEST_COLUMNS,
    WHO_SQL,
    entry,
    fts_clause,
    like_clause,
    narrowing,
    search_text,
    text_clause,
    trigram_clause,
    who_args,
)
from desktop_app.store.backend import Dialect, SqlConnection

#: How many of the newest candidates a common term's ``LIKE`` scan reads at most.
WINDOW: Final = 5000
#: A term with fewer trigram matches than this is read by row id. Below SQLite's oldest
#: default limit of 999 bound parameters, so the ids fit one ``IN (...)`` everywhere.
RARE: Final = 900
_ORDER: Final = "ORDER BY created_at DESC, id DESC"
_SELECT: Final = f"SELECT {REQUEST_COLUMNS} FROM requests"


#: ``entry`` memoised on the raw row: a refresh mostly brings rows it already mapped (the same
#: values make the same frozen entry), and building an entry is the store threads' longest
#: stretch of Python. Bounded (about five pages); thread-safe.
page_entry: Callable[[tuple[Any, ...]], HistoryEntry] = functools.lru_cache(maxsize=1024)(entry)


def _where(terms: list[str]) -> str:
    return f"WHERE {' AND '.join(terms)}" if terms else ""


def recent_rows(
    conn: SqlConnection,
    query: RecentQuery,
    *,
    interrupt: Interrupt | None = None,
    dialect: Dialect = "sqlite",
) -> list[tuple[Any, ...]]:
    """Return one page of request rows (``REQUEST_COLUMNS`` order), newest first.

    Args:
        conn: A read connection in autocommit mode.
        query: Which rows.
        interrupt: Checked between statements (``Interrupt.fire`` stops a running one).
        dialect: PostgreSQL answers any term in one statement (see ``_trigram_page``).
    """
    limit = query.limit
    if limit <= 0:
        return []  # SQLite reads a negative LIMIT as "no limit"
    base, args = narrowing(query)
    if query.before is not None:
        created_at, row_id = query.before
        base.append("(created_at, id) < (?, ?)")
        args.extend((to_micros(created_at), row_id))
    term = search_text(query.text)
    if term and dialect == "postgresql":
        return _trigram_page(conn, base, args, term, limit)
    if len(term) < 3:
        like_sql, like_args = like_clause(term)
        where, extra = ([*base, like_sql], like_args) if term else (base, [])
        sql = f"{_SELECT} {_where(where)} {_ORDER} LIMIT ?"
        return conn.execute(sql, [*args, *extra, limit]).fetchall()

    def check() -> None:
        if interrupt is not None:
            interrupt.check()

    conn.execute("BEGIN")  # one snapshot for every statement below
    try:
        _, fts_args = fts_clause(term)
        probe = "SELECT rowid FROM requests_fts WHERE requests_fts MATCH ? LIMIT ?"
        ids = [row[0] for row in conn.execute(probe, [*fts_args, RARE])]
        if len(ids) < RARE:  # the audit side: who started it (two NOCASE index ranges)
            who = f"SELECT id FROM requests WHERE {WHO_SQL} LIMIT ?"
            found = (row[0] for row in conn.execute(who, [*who_args(term), RARE]))
            ids = list(dict.fromkeys([*ids, *found]))
        check()
        if len(ids) < RARE:
            marks = ", ".join("?" * len(ids))
            sql = f"{_SELECT} {_where([*base, f'id IN ({marks})'])} {_ORDER} LIMIT ?"
            rows = conn.execute(sql, [*args, *ids, limit]).fetchall() if ids else []
        else:
            rows = _common(conn, base, args, term, limit, check)
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
    return rows


def _common(
    conn: SqlConnection,
    base: list[str],
    args: list[object],
    term: str,
    limit: int,
    check: Callable[[], None],
) -> list[tuple[Any, ...]]:
    """A common term: ``LIKE`` over the newest ``WINDOW`` rows, then the index for the rest."""
    like_sql, like_args = like_clause(term)
    edge = conn.execute(
        f"SELECT created_at, id FROM requests {_where(base)} {_ORDER}"
        f" LIMIT 1 OFFSET {WINDOW - 1:d}",  # bounded: an index-only walk of the window
        args,
    ).fetchone()
    check()
    window = [*base, like_sql] if edge is None else [*base, "(created_at, id) >= (?, ?)", like_sql]
    edge_args = [] if edge is None else list(edge)
    rows: list[tuple[Any, ...]] = conn.execute(
        f"{_SELECT} {_where(window)} {_ORDER} LIMIT ?", [*args, *edge_args, *like_args, limit]
    ).fetchall()
    if len(rows) < limit and edge is not None:  # older rows exist beyond the window
        check()
        fts_sql, fts_args = text_clause(term)
        older = [*base, "(created_at, id) < (?, ?)", fts_sql]
        rows += conn.execute(
            f"{_SELECT} {_where(older)} {_ORDER} LIMIT ?",
            [*args, *edge, *fts_args, limit - len(rows)],
        ).fetchall()
    return rows


def _trigram_page(
    conn: SqlConnection, base: list[str], args: list[object], term: str, limit: int
) -> list[tuple[Any, ...]]:
    """PostgreSQL's page for a search term: one statement.

    Its planner picks the ``pg_trgm`` index for a rare term and the backwards
    ``(created_at, id)`` walk (stopping at ``LIMIT``) for a common one.
    """
    sql, extra = trigram_clause(term)
    return list(
        conn.execute(f"{_SELECT} {_where([*base, sql])} {_ORDER} LIMIT ?", [*args, *extra, limit])
        .fetchall()
    )
