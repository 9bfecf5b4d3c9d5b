"""Reading the whole history for an export: keyset pages in constant memory.

:func:`export_pages` yields the rows a :class:`~desktop_app.domain.reports.HistoryFilter`
selects, newest first (the Recent requests order), ``page_size`` rows at a time. Each page is
its own short read: ``WHERE <filter> AND (created_at, id) < (last page's last row) ORDER BY
created_at DESC, id DESC LIMIT n``, answered by walking the index that ends in
``(created_at, id)`` for the filter (see ``schema``), so a page costs the same at row 10 and at
row 1,000,000 and memory holds one page. No read transaction spans the export: writes go on
meanwhile, and since ``(created_at, id)`` of a row never changes no row is read twice or
skipped; rows started after the export began are newer than its first page and are not in it.

The text filter is the Recent requests one (number, request id or brand; a typed phone number
as its digits), matched with ``LIKE`` while walking the index: a full export visits every row
anyway, which the trigram index cannot make cheaper.

On PostgreSQL the rows come from one query through a server-side (named) cursor instead
(``PgDatabase.stream``): the server holds the result and sends a page per fetch, so memory
still holds one page, and the whole export reads one snapshot. The text filter there is the
shared history's own (``ILIKE`` on the trigram expression, as Recent requests filters).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, Final

from desktop_app.domain.audit import ActionEntry
from desktop_app.domain.models import HistoryEntry
from desktop_app.domain.reports import HistoryFilter
from desktop_app.store._audit import ACTION_COLUMNS, action_entry
from desktop_app.store._connection import to_micros
from desktop_app.store._reports import read, stream
from desktop_app.store._sql import REQUEST_COLUMNS, entry, like_clause, search_text, trigram_clause
from desktop_app.store.backend import SqlConnection
from desktop_app.store.gil import hand_over_gil
from desktop_app.store.history import HistoryStore

__all__ = ["PAGE_SIZE", "count_matching", "export_pages", "page_actions"]

#: Rows per page: big enough that the per-query cost vanishes, small enough that a page is a
#: few milliseconds of work (the GIL is handed over between pages).
PAGE_SIZE: Final = 500
_ORDER: Final = "ORDER BY created_at DESC, id DESC"
_GIL_CHUNK: Final = 32


def _filter_sql(flt: HistoryFilter, dialect: str = "sqlite") -> tuple[list[str], list[object]]:
    where: list[str] = []
    args: list[object] = []
    if flt.profile is not None:
        where.append("profile = ?")
        args.append(flt.profile)
    if flt.status is not None:
        where.append("status = ?")
        args.append(str(flt.status))
    if flt.since is not None:
        where.append("created_at >= ?")
        args.append(to_micros(flt.since))
    if flt.until is not None:
        where.append("created_at < ?")
        args.append(to_micros(flt.until))
    term = search_text(flt.text)
    if term:
        sql, extra = trigram_clause(term) if dialect == "postgresql" else like_clause(term)
        where.append(sql)
        args.extend(extra)
    return where, args


def _fetch(sql: str, args: list[object]) -> Callable[[SqlConnection], list[Any]]:
    return lambda conn: conn.execute(sql, args).fetchall()


def count_matching(history: HistoryStore, flt: HistoryFilter) -> int:
    """How many rows :func:`export_pages` will yield (for the progress bar)."""
    where, args = _filter_sql(flt, history.dialect)
    clause = f"WHERE {' AND '.join(where)}" if where else ""
    sql = f"SELECT count(*) FROM requests {clause}"
    return int(read(history, lambda conn: conn.execute(sql, args).fetchone()[0]))


def page_actions(history: HistoryStore, page: list[HistoryEntry]) -> list[ActionEntry]:
    """The actions on one page's rows: in the page's order, each row's oldest first.

    One short read over ``ix_actions_history`` (a page is at most ``PAGE_SIZE`` rows, under
    SQLite's bound-parameter limit).
    """
    if not page:
        return []
    ids = [e.id for e in page]
    marks = ", ".join("?" * len(ids))
    sql = (f"SELECT {ACTION_COLUMNS} FROM actions WHERE history_id IN ({marks})"
           " ORDER BY acted_at, id")  # fmt: skip
    found = [action_entry(row) for row in read(history, _fetch(sql, list(ids)))]
    rank = {row_id: index for index, row_id in enumerate(ids)}
    return sorted(found, key=lambda a: rank[a.history_id or 0])  # stable: time order kept


def _entries(rows: list[Any]) -> list[HistoryEntry]:
    page: list[HistoryEntry] = []
    for start in range(0, len(rows), _GIL_CHUNK):
        if start:
            hand_over_gil()  # the GUI thread may be waiting to paint
        page.extend(entry(row) for row in rows[start : start + _GIL_CHUNK])
    return page


def export_pages(
    history: HistoryStore, flt: HistoryFilter, *, page_size: int = PAGE_SIZE
) -> Iterator[list[HistoryEntry]]:
    """Yield the matching rows newest first, one keyset page (a short read) at a time.

    Raises:
        StoreError: The database cannot be read (or was closed between pages).
    """
    where, args = _filter_sql(flt, history.dialect)
    select = f"SELECT {REQUEST_COLUMNS} FROM requests"
    if history.dialect == "postgresql":
        clause = f"WHERE {' AND '.join(where)}" if where else ""
        for rows in stream(history, f"{select} {clause} {_ORDER}", args, page_size):
            yield _entries(rows)
        return
    keyset: tuple[int, int] | None = None
    while True:
        terms = list(where)
        page_args = list(args)
        if keyset is not None:
            terms.append("(created_at, id) < (?, ?)")
            page_args.extend(keyset)
        clause = f"WHERE {' AND '.join(terms)}" if terms else ""
        sql = f"{select} {clause} {_ORDER} LIMIT {int(page_size):d}"
        rows = read(history, _fetch(sql, page_args))
        if not rows:
            return
        page = _entries(rows)
        keyset = (to_micros(page[-1].created_at), page[-1].id)
        yield page
        if len(rows) < page_size:
            return
