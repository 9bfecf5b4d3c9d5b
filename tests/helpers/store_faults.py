"""History stores made full or read-only for real, and rows to put in them."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from desktop_app.domain.errors import StoreError
from desktop_app.domain.history_writes import NewCall
from desktop_app.store.history import HistoryStore, NewRequest
from tests.helpers.desks import OPERATOR, PROFILE


def add_row(store: HistoryStore, number: str = "447700900123", brand: str = "seed") -> int:
    return store.add_request(NewRequest(
        profile=PROFILE, operator=OPERATOR, kind="start", number=number, brand=brand,
        workflow_id=None,
    ))  # fmt: skip


def writer_connection(store: HistoryStore) -> sqlite3.Connection:
    conn: sqlite3.Connection = store._db._writer
    return conn


def fill_until_full(store: HistoryStore) -> int:
    """Cap the file at its current size (``max_page_count``) and write until SQLITE_FULL.

    The cap makes SQLite itself refuse to grow the file with ``SQLITE_FULL`` (13): the same
    code, path and message as a disk that really is full. Both tables are filled (a new row
    in either fails). Returns the rows written first.
    """
    conn = writer_connection(store)
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    conn.execute(f"PRAGMA max_page_count = {int(pages)}")
    written = 0

    def request_row() -> None:
        add_row(store, brand=f"fill{written}")

    def call_row() -> None:
        store.begin_call(NewCall(profile=PROFILE, operator=OPERATOR, operation="fill"))

    for write in (request_row, call_row):
        while True:
            try:
                write()
            except StoreError:
                break
            written += 1
            assert written < 20_000, "the page cap did not fill up"
    return written


def read_only_copy(source: Path, target: Path) -> str:
    """A closed history file at ``target`` and its read-only ``file:`` URI."""
    target.write_bytes(source.read_bytes())
    return f"file:{target}?mode=ro"
