"""Copying a desktop's SQLite history into a team's PostgreSQL one, resumable at any point.

Each copied row gets a UUID derived from what never changes in it (its table, its SQLite id, its
creation time, profile and number or operation), so copying the same file again, or going on
after an interruption, inserts only what is missing (``ON CONFLICT (uuid) DO NOTHING``): nothing
is copied twice, whatever the file's path. Status timelines are unique by (message, leg, status)
already. Rows are read in id order, ``BATCH`` per transaction on each side; the server assigns
new ids, so an action's or a code's ``history_id`` is found again on the server by its request's
UUID (computed from the same source row). Codes sent by message (``message_codes``: salted
hashes and expiries, never a code) are copied like actions; a live code the team's history
already holds for the same profile and number wins over the copied one.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

from desktop_app.store import _ddl as ddl
from desktop_app.store._ddl import Column
from desktop_app.store._reports import read, write
from desktop_app.store._sql import CALL_COLUMNS, REQUEST_COLUMNS
from desktop_app.store.backend import SqlConnection
from desktop_app.store.history import HistoryStore

__all__ = ["BATCH", "CopyProgress", "copy_history"]

BATCH: Final = 500
#: The namespace of the copied rows' UUIDs (fixed: the same row always gets the same UUID).
_NAMESPACE: Final = uuid.UUID("6f1d8f64-6c1e-4a8e-9a52-2f8f3f2b7c10")


@dataclass(frozen=True)
class _Table:
    """How one table is copied.

    Attributes:
        columns: Copied as they are, after the id.
        names: The positions (in ``id, columns``) naming a row for its UUID; none: the table has
            no UUID (its own unique key makes a copy once-only).
        linked: The table has a ``history_id``: it names the copied request, whose id on the
            server differs, so it is found again by that request's UUID.
    """

    columns: str
    names: tuple[int, ...] = ()
    linked: bool = False


def _columns(table: tuple[Column, ...], *, but: str = "") -> str:
    return ", ".join(name for name, _kind, _rest in table if name != but)


_TABLES: Final[dict[str, _Table]] = {
    # REQUEST_COLUMNS: 1 profile, 5 number, 10 created_at; CALL_COLUMNS: 1 profile,
    # 3 operation, 5 started_at.
    "requests": _Table(REQUEST_COLUMNS.split(", ", 1)[1], (1, 5, 10)),
    "calls": _Table(CALL_COLUMNS.split(", ", 1)[1], (1, 3, 5)),
    "message_events": _Table(_columns(ddl.MESSAGE_EVENTS)),
    # The linked tables' columns leave history_id out (it is re-found, last). Actions: 3 kind,
    # 5 profile, 8 acted_at; codes: 1 profile, 2 number, 6 created_at.
    "actions": _Table(_columns(ddl.ACTIONS, but="history_id"), (3, 5, 8), linked=True),
    "message_codes": _Table(_columns(ddl.MESSAGE_CODES, but="history_id"), (1, 2, 6), linked=True),
}


@dataclass(frozen=True)
class CopyProgress:
    """How far a copy is: rows read so far, of ``total``; ``copied`` of them were new."""

    done: int
    total: int
    copied: int


def _row_uuid(table: str, row: tuple[Any, ...], parts: tuple[int, ...]) -> str:
    name = "/".join([table, str(row[0]), *(str(row[i]) for i in parts)])
    return str(uuid.uuid5(_NAMESPACE, name))


def _request_uuid(source_row: tuple[Any, ...]) -> str | None:
    """The copied request's UUID from its source ``(id, profile, number, created_at)``."""
    if source_row[0] is None:
        return None  # no request, or one this history no longer holds
    row_id, profile, number, created_at = source_row
    by_position = {0: row_id, 1: profile, 5: number, 10: created_at}
    return _row_uuid("requests", tuple(by_position.get(i) for i in range(11)), (1, 5, 10))


def _insert_sql(table: str, spec: _Table) -> str:
    count = len(spec.columns.split(","))
    marks = ["?"] * count
    columns = spec.columns
    if spec.linked:
        columns += ", history_id"
        marks.append("(SELECT id FROM requests WHERE uuid = CAST(? AS uuid))")
    if spec.names:
        # Any conflict, not only the UUID's: a live code the team's history already holds for
        # the same profile and number (or message) stays, and the copied one is skipped.
        values = ", ".join(["CAST(? AS uuid)", *marks])
        return f"INSERT INTO {table} (uuid, {columns}) VALUES ({values}) ON CONFLICT DO NOTHING"
    return f"INSERT INTO {table} ({columns}) VALUES ({', '.join(marks)}) ON CONFLICT DO NOTHING"


def _count(source: HistoryStore, table: str) -> int:
    def run(conn: SqlConnection) -> int:
        return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])

    return read(source, run)


def _batch(source: HistoryStore, table: str, spec: _Table, after: int) -> list[tuple[Any, ...]]:
    """The next rows after id ``after``; a linked table's end with its request's naming parts."""
    columns = ", ".join(f"t.{c.strip()}" for c in spec.columns.split(","))
    joined = ""
    if spec.linked:
        columns += ", r.id, r.profile, r.number, r.created_at"
        joined = " LEFT JOIN requests r ON r.id = t.history_id"
    sql = (f"SELECT t.id, {columns} FROM {table} t{joined} WHERE t.id > ? ORDER BY t.id"
           f" LIMIT {BATCH:d}")  # fmt: skip

    def run(conn: SqlConnection) -> list[tuple[Any, ...]]:
        return list(conn.execute(sql, (after,)).fetchall())

    return read(source, run)


def _values(table: str, spec: _Table, row: tuple[Any, ...]) -> list[object]:
    # A linked row ends with its request's naming parts: they become that request's UUID.
    values = [*row[1:-4], _request_uuid(row[-4:])] if spec.linked else list(row[1:])
    if spec.names:
        values.insert(0, _row_uuid(table, row, spec.names))
    return values


def _put(target: HistoryStore, table: str, spec: _Table, rows: list[tuple[Any, ...]]) -> int:
    """Insert the rows that are not there yet, in one transaction; return how many were new."""
    insert = _insert_sql(table, spec)

    def run(conn: SqlConnection) -> int:
        return sum(conn.execute(insert, _values(table, spec, row)).rowcount for row in rows)

    return write(target, run)


def copy_history(
    source: HistoryStore,
    target: HistoryStore,
    progress: Callable[[CopyProgress], None] = lambda _p: None,
) -> CopyProgress:
    """Copy every request, call, status timeline, action and code of ``source`` into ``target``.

    Args:
        source: The SQLite history (read only).
        target: The PostgreSQL history.
        progress: Called after each batch.

    Returns:
        The final count (``copied`` < ``done`` when some rows were already there).

    Raises:
        ValueError: ``target`` is not a PostgreSQL history.
        StoreError: Either database cannot be read or written.
    """
    if target.dialect != "postgresql":
        raise ValueError("the target of a copy must be a PostgreSQL history")
    total = sum(_count(source, table) for table in _TABLES)
    done = copied = 0
    for table, spec in _TABLES.items():
        last = 0
        while rows := _batch(source, table, spec, last):
            copied += _put(target, table, spec, rows)
            done += len(rows)
            last = rows[-1][0]
            progress(CopyProgress(done, total, copied))
    return CopyProgress(done, total, copied)
