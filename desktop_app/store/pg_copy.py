"""Copying a desktop's SQLite history into a team's PostgreSQL one, resumable at any point.

Each copied row gets a UUID derived from what never changes in it (its table, its SQLite id, its
creation time, profile and number or operation), so copying the same file again, or going on
after an interruption, inserts only what is missing (``ON CONFLICT (uuid) DO NOTHING``): nothing
is copied twice, whatever the file's path. Status timelines are unique by (message, leg, status)
already. Rows are read in id order, ``BATCH`` per transaction on each side; the server assigns
new ids. Codes sent by message (``message_codes``) are not copied: they are short-lived salted
hashes of live codes, which the team's history starts without.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

from desktop_app.store._reports import read, write
from desktop_app.store._sql import CALL_COLUMNS, REQUEST_COLUMNS
from desktop_app.store.backend import SqlConnection
from desktop_app.store.history import HistoryStore

__all__ = ["BATCH", "CopyProgress", "copy_history"]

BATCH: Final = 500
#: The namespace of the copied rows' UUIDs (fixed: the same row always gets the same UUID).
_NAMESPACE: Final = uuid.UUID("6f1d8f64-6c1e-4a8e-9a52-2f8f3f2b7c10")
_EVENT_COLUMNS: Final = (
    "message_uuid, leg, channel, status, occurred_at, received_at, error_code, error_title,"
    " price, currency, applied"
)
#: table -> (columns copied after the id, the parts of the row naming it for its UUID)
_TABLES: Final[dict[str, tuple[str, tuple[int, ...]]]] = {
    # REQUEST_COLUMNS: 1 profile, 5 number, 10 created_at; CALL_COLUMNS: 1 profile, 3 operation,
    # 5 started_at.
    "requests": (REQUEST_COLUMNS.split(", ", 1)[1], (1, 5, 10)),
    "calls": (CALL_COLUMNS.split(", ", 1)[1], (1, 3, 5)),
    "message_events": (_EVENT_COLUMNS, ()),
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


def _insert_sql(table: str, columns: str, with_uuid: bool) -> str:
    count = len(columns.split(","))
    if with_uuid:
        marks = ", ".join(["CAST(? AS uuid)", *["?"] * count])
        return (f"INSERT INTO {table} (uuid, {columns}) VALUES ({marks})"
                " ON CONFLICT (uuid) DO NOTHING")  # fmt: skip
    marks = ", ".join("?" * count)
    return f"INSERT INTO {table} ({columns}) VALUES ({marks}) ON CONFLICT DO NOTHING"


def _count(source: HistoryStore, table: str) -> int:
    def run(conn: SqlConnection) -> int:
        return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])

    return read(source, run)


def _batch(source: HistoryStore, table: str, columns: str, after: int) -> list[tuple[Any, ...]]:
    sql = f"SELECT id, {columns} FROM {table} WHERE id > ? ORDER BY id LIMIT {BATCH:d}"

    def run(conn: SqlConnection) -> list[tuple[Any, ...]]:
        return list(conn.execute(sql, (after,)).fetchall())

    return read(source, run)


def _put(target: HistoryStore, table: str, columns: str, rows: list[tuple[Any, ...]]) -> int:
    """Insert the rows that are not there yet, in one transaction; return how many were new."""
    parts = _TABLES[table][1]
    insert = _insert_sql(table, columns, with_uuid=bool(parts))

    def run(conn: SqlConnection) -> int:
        new = 0
        for row in rows:
            values = list(row[1:])
            if parts:
                values.insert(0, _row_uuid(table, row, parts))
            new += conn.execute(insert, values).rowcount
        return new

    return write(target, run)


def copy_history(
    source: HistoryStore,
    target: HistoryStore,
    progress: Callable[[CopyProgress], None] = lambda _p: None,
) -> CopyProgress:
    """Copy every request, call and status timeline of ``source`` into ``target``.

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
    for table, (columns, _parts) in _TABLES.items():
        last = 0
        while rows := _batch(source, table, columns, last):
            copied += _put(target, table, columns, rows)
            done += len(rows)
            last = rows[-1][0]
            progress(CopyProgress(done, total, copied))
    return CopyProgress(done, total, copied)
