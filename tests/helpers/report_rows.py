"""Rows for the report tests, written straight into a real history (SQLite or PostgreSQL).

The history's write API is being reworked (parameter objects), and reports only read, so these
tests fill the ``requests`` table with plain SQL, after ``HistoryStore`` has created the schema
with the app's own migrations: :func:`make_history` into a SQLite file with ``sqlite3``,
:func:`fill` into any open store (the store's own connection, so a PostgreSQL one too). Every
field a report reads can be set exactly (times, prices, statuses), which is what a hand
computation needs.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Final

import pytest

from desktop_app.store._connection import to_micros
from desktop_app.store._reports import write
from desktop_app.store.backend import SqlConnection
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


_NAMES: Final = [f.name for f in fields(Row)]
_COLUMNS: Final = [*_NAMES, "updated_at"]
INSERT_ROW: Final = (
    f"INSERT INTO requests ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' * len(_COLUMNS))})"
)


def row_values(row: Row) -> list[object]:
    """The arguments of :data:`INSERT_ROW` for ``row``."""
    out: list[object] = []
    for name in _NAMES:
        value = getattr(row, name)
        if isinstance(value, datetime):
            value = micros(value)
        elif isinstance(value, Decimal):
            value = str(value)
        out.append(value)
    out.append(micros(row.finalized_at or row.created_at))
    return out


def add_rows(path: Path, rows: Iterable[Row]) -> None:
    conn = sqlite3.connect(path)
    try:
        with conn:
            conn.executemany(INSERT_ROW, [row_values(row) for row in rows])
    finally:
        conn.close()


def fill(history: HistoryStore, rows: Iterable[Row]) -> HistoryStore:
    """Insert ``rows`` into an open store of either backend (ids in the order given)."""
    execute_all(history, [(INSERT_ROW, row_values(row)) for row in rows])
    return history


def execute_all(history: HistoryStore, statements: Sequence[tuple[str, Sequence[object]]]) -> None:
    """Run statements (SQLite's ``?`` SQL) in one transaction of the store's own database."""

    def run(conn: SqlConnection) -> None:
        for sql, args in statements:
            conn.execute(sql, args)

    write(history, run)


@pytest.fixture
def report_history(
    request: pytest.FixtureRequest, history_backend: str, tmp_path: Path
) -> Iterator[Callable[[Iterable[Row]], HistoryStore]]:
    """``report_history(rows)``: a store on the test's backend holding ``rows``; closed after."""
    from tests.helpers.history import open_test_history

    opened: list[HistoryStore] = []

    def open_with(rows: Iterable[Row]) -> HistoryStore:
        path = tmp_path / f"report-{len(opened)}.sqlite3"
        opened.append(open_test_history(request, history_backend, path))
        return fill(opened[-1], rows)

    yield open_with
    for store in opened:
        store.close()
