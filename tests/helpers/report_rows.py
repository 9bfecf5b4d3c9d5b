"""Rows for the report tests, written straight into a real history file.

The history's write API is being reworked (parameter objects), and reports only read, so these
tests fill the ``requests`` table with plain ``sqlite3``, after ``HistoryStore`` has created the
file with the app's own migrations. Every field a report reads can be set exactly (times, prices,
statuses), which is what a hand computation needs.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from desktop_app.store._connection import to_micros
from desktop_app.store.history import HistoryStore

T0 = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)


def micros(moment: datetime) -> int:
    """Microseconds since the epoch, exactly (as the store writes them)."""
    return to_micros(moment)


@dataclass
class Row:
    """One ``requests`` row; ``None`` times mean "not set"."""

    created_at: datetime = T0
    status: str = "SUCCESS"
    profile: str = "Sandbox"
    operator: str = "ann"
    api_version: str = "v1"
    kind: str = "start"
    number: str = "447700900123"
    brand: str = "Acme"
    workflow_id: int | None = 1
    channels: str = ""
    request_id: str | None = "a" * 32
    finalized_at: datetime | None = None
    price: Decimal | None = None
    currency: str = ""
    checks_count: int = 0
    last_check_outcome: str = ""
    last_error: str = ""


def make_history(path: Path, rows: Iterable[Row]) -> Path:
    """Create ``path`` with the app's schema and these rows (ids in the order given)."""
    HistoryStore(path).close()
    add_rows(path, rows)
    return path


def add_rows(path: Path, rows: Iterable[Row]) -> None:
    names = [f.name for f in fields(Row)]
    columns = [*names, "updated_at"]
    sql = f"INSERT INTO requests ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"

    def values(row: Row) -> list[object]:
        out: list[object] = []
        for name in names:
            value = getattr(row, name)
            if isinstance(value, datetime):
                value = micros(value)
            elif isinstance(value, Decimal):
                value = str(value)
            out.append(value)
        out.append(micros(row.finalized_at or row.created_at))
        return out

    conn = sqlite3.connect(path)
    try:
        with conn:
            conn.executemany(sql, [values(row) for row in rows])
    finally:
        conn.close()
