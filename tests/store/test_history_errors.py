"""Environment failures become StoreError; bugs propagate unchanged."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import pytest

from desktop_app.domain.errors import StoreError
from desktop_app.domain.history_writes import NewCall
from desktop_app.domain.models import VerificationStatus as S
from desktop_app.store._connection import Database
from desktop_app.store.history import HistoryStore, NewRequest, RequestChanges


def _add(h: HistoryStore) -> int:
    return h.add_request(NewRequest(
        profile="p", operator="o", kind="start", number="447700900001", brand="B", workflow_id=1,
    ))


@pytest.fixture
def fast_busy(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Database, "busy_timeout_ms", 50)
    monkeypatch.setattr(Database, "busy_retry_delays", (0.01, 0.02))


def test_read_only_database_reads_but_refuses_writes(db_path: Path) -> None:
    h = HistoryStore(db_path)
    row = _add(h)
    h.close()
    ro = HistoryStore(f"file:{db_path}?mode=ro")
    try:
        assert ro.get(row).status == S.UNKNOWN
        assert ro.count() == 1
        with pytest.raises(StoreError, match="read-only") as info:
            _add(ro)
        assert isinstance(info.value.__cause__, sqlite3.OperationalError)
        with pytest.raises(StoreError, match="read-only"):
            ro.update_request(row, RequestChanges(status=S.FAILED))
        with pytest.raises(StoreError, match="read-only"):
            ro.begin_call(NewCall(profile="p", operator="o", operation="balance"))
        assert ro.get(row).status == S.UNKNOWN
        assert "history" in info.value.user_message().lower()
    finally:
        ro.close()


def test_read_only_file_that_needs_a_migration_is_a_store_error(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    sqlite3.connect(path).close()  # version 0: opening must create tables
    with pytest.raises(StoreError, match="read-only"):
        HistoryStore(f"file:{path}?mode=ro")


@pytest.mark.sqlite_only  # SQLite's own file, pragmas or errors
def test_disk_full_is_a_store_error_and_nothing_half_written(store: HistoryStore) -> None:
    writer = store._db._writer  # white-box: cap the file at its current size = a full disk
    pages = writer.execute("PRAGMA page_count").fetchone()[0]
    writer.execute(f"PRAGMA max_page_count = {pages}")
    before = store.count()
    with pytest.raises(StoreError, match="full"):
        for _ in range(2000):
            store.add_request(NewRequest(
                profile="p" * 500, operator="o", kind="start", number="1" * 15,
                brand="b" * 500, workflow_id=None,
            ))  # fmt: skip
    added = store.count() - before
    assert added < 2000
    writer.execute("PRAGMA max_page_count = 1073741823")
    row = _add(store)  # the store keeps working once space is back
    assert store.get(row).number == "447700900001"
    assert writer.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_locked_database_is_retried_then_a_store_error(db_path: Path, fast_busy: None) -> None:
    h = HistoryStore(db_path)
    other = sqlite3.connect(db_path, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")  # another process holds the write lock
        started = time.monotonic()
        with pytest.raises(StoreError, match="locked"):
            _add(h)
        assert time.monotonic() - started < 2
        assert h.count() == 0  # reads do not wait for the writer (WAL)
        other.execute("ROLLBACK")
        assert h.get(_add(h)).status == S.UNKNOWN
    finally:
        other.close()
        h.close()


def test_a_briefly_locked_database_succeeds_on_retry(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(Database, "busy_timeout_ms", 20)
    monkeypatch.setattr(Database, "busy_retry_delays", (0.3, 0.3))
    h = HistoryStore(db_path)
    other = sqlite3.connect(db_path, isolation_level=None, check_same_thread=False)
    try:
        other.execute("BEGIN IMMEDIATE")
        release = threading.Timer(0.1, lambda: other.execute("COMMIT"))
        release.start()
        row = _add(h)
        release.join()
        assert h.get(row).id == row
    finally:
        other.close()
        h.close()


@pytest.mark.sqlite_only  # SQLite's own file, pragmas or errors
def test_reads_do_not_block_on_a_long_write(store: HistoryStore, db_path: Path) -> None:
    row = _add(store)
    other = sqlite3.connect(db_path, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("UPDATE requests SET brand = 'changing'")
        started = time.monotonic()
        assert store.get(row).brand == "B"  # the committed snapshot, at once
        assert store.recent()[0].brand == "B"
        assert time.monotonic() - started < 1
        other.execute("COMMIT")
        assert store.get(row).brand == "changing"
    finally:
        other.close()


def test_not_a_database_is_a_store_error(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    path.write_bytes(b"this is not sqlite " * 200)
    with pytest.raises(StoreError, match="not a database"):
        HistoryStore(path)


def test_unopenable_location_is_a_store_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(StoreError):
        HistoryStore(blocker / "sub" / "history.sqlite3")
    with pytest.raises(StoreError, match="cannot be opened"):
        HistoryStore(f"file:{tmp_path}/missing/history.sqlite3?mode=ro")


@pytest.mark.sqlite_only  # SQLite's own file, pragmas or errors
def test_a_bug_is_not_disguised_as_a_store_error(store: HistoryStore) -> None:
    with pytest.raises(sqlite3.ProgrammingError):
        store.add_request(NewRequest(
            profile=object(),  # type: ignore[arg-type]
            operator="o", kind="start", number="1", brand="b", workflow_id=None,
        ))  # fmt: skip
    assert store.count() == 0
    assert _add(store) > 0  # the failed transaction was rolled back, the store still works
