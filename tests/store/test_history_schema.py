"""Schema version, migrations and connection settings of the history database."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from desktop_app.domain.errors import StoreError
from desktop_app.store import schema
from desktop_app.store.history import HistoryStore, NewRequest


def _tables(path: Path) -> set[str]:
    with sqlite3.connect(path) as conn:
        rows = conn.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'index')")
        return {r[0] for r in rows}


def _version(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        return int(conn.execute("PRAGMA user_version").fetchone()[0])
    finally:
        conn.close()


def test_new_file_gets_the_current_schema(db_path: Path) -> None:
    HistoryStore(db_path).close()
    assert schema.SCHEMA_VERSION == len(schema.MIGRATIONS) >= 1
    assert _version(db_path) == schema.SCHEMA_VERSION
    names = _tables(db_path)
    assert {"requests", "calls", "requests_fts", "ix_requests_created", "ix_calls_started"} <= names


def test_opening_twice_is_idempotent_and_keeps_rows(db_path: Path) -> None:
    first = HistoryStore(db_path)
    row = first.add_request(NewRequest(
        profile="p", operator="o", kind="start", number="447700900001", brand="B", workflow_id=1,
    ))
    first.close()
    before = _tables(db_path)
    second = HistoryStore(db_path)
    try:
        assert second.get(row).number == "447700900001"
        assert second.count() == 1
    finally:
        second.close()
    assert _tables(db_path) == before
    assert _version(db_path) == schema.SCHEMA_VERSION


def test_migrate_on_an_up_to_date_connection_is_a_no_op(db_path: Path) -> None:
    HistoryStore(db_path).close()
    conn = sqlite3.connect(db_path, isolation_level=None)
    try:
        assert schema.migrate(conn) == schema.SCHEMA_VERSION
        assert schema.migrate(conn) == schema.SCHEMA_VERSION
    finally:
        conn.close()


def test_an_existing_empty_database_is_migrated_from_zero(db_path: Path) -> None:
    db_path.parent.mkdir(parents=True)
    sqlite3.connect(db_path).close()  # a zero-length file: version 0
    assert _version(db_path) == 0
    HistoryStore(db_path).close()
    assert _version(db_path) == schema.SCHEMA_VERSION


def test_a_failed_migration_leaves_the_old_version(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db_path.parent.mkdir(parents=True)
    broken = (*schema.MIGRATIONS[0], "CREATE TABLE broken (")
    monkeypatch.setattr(schema, "MIGRATIONS", (broken,))
    with pytest.raises(sqlite3.OperationalError):  # a bug in a migration is not a StoreError
        HistoryStore(db_path)
    assert _version(db_path) == 0
    assert "requests" not in _tables(db_path)


def test_a_newer_schema_is_refused(db_path: Path) -> None:
    HistoryStore(db_path).close()
    conn = sqlite3.connect(db_path)
    conn.execute(f"PRAGMA user_version = {schema.SCHEMA_VERSION + 1}")
    conn.commit()
    conn.close()
    with pytest.raises(StoreError, match="newer"):
        HistoryStore(db_path)


@pytest.mark.sqlite_only  # SQLite's own file, pragmas or errors
def test_connection_settings(store: HistoryStore, db_path: Path) -> None:
    writer = store._db._writer  # white-box: the pragmas are per connection
    assert writer.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert writer.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL
    assert writer.execute("PRAGMA busy_timeout").fetchone()[0] == 5000
    assert writer.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    reader = store._db._reader()
    assert reader.execute("PRAGMA query_only").fetchone()[0] == 1
    assert reader.execute("PRAGMA busy_timeout").fetchone()[0] == 5000


def test_memory_database_works(mem_store: HistoryStore) -> None:
    row = mem_store.add_request(NewRequest(
        profile="p", operator="o", kind="start", number="1", brand="b", workflow_id=None,
    ))
    assert mem_store.get(row).id == row
    assert mem_store.count() == 1


def test_no_column_can_hold_a_code_or_secret(db_path: Path) -> None:
    HistoryStore(db_path).close()
    conn = sqlite3.connect(db_path)
    try:
        columns = {
            r[1]
            for table in ("requests", "calls")
            for r in conn.execute(f"PRAGMA table_info({table})")
        }
    finally:
        conn.close()
    assert not {c for c in columns if "secret" in c or "pin_code" in c or c == "code"}
