"""The shared history's schema on a real PostgreSQL: migrations under the advisory lock."""

from __future__ import annotations

import threading

import psycopg

from desktop_app.store import pg_schema
from desktop_app.store.history import HistoryStore
from tests.helpers.postgres import PostgresServer


def test_clients_migrating_an_empty_database_at_once_get_one_schema_and_no_error(
    postgres_server: PostgresServer, pg_url: str, pg_password: str, pg_database: str
) -> None:
    clients = 4
    start = threading.Barrier(clients)
    opened: list[HistoryStore] = []
    failures: list[BaseException] = []
    lock = threading.Lock()

    def open_store() -> None:
        start.wait(timeout=30)
        try:
            store = HistoryStore(pg_url, password=pg_password)
        except BaseException as exc:
            with lock:
                failures.append(exc)
            return
        with lock:
            opened.append(store)

    threads = [threading.Thread(target=open_store) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    try:
        assert failures == []
        assert len(opened) == clients
        with psycopg.connect(postgres_server.admin_dsn(pg_database)) as conn:
            versions = conn.execute("SELECT version FROM verify_desk_schema").fetchall()
            tables = conn.execute(
                "SELECT count(*) FROM pg_tables"
                " WHERE schemaname = 'public' AND tablename = 'requests'"
            ).fetchone()
            assert pg_schema.schema_version(conn) == pg_schema.SCHEMA_VERSION
        assert sorted(v for (v,) in versions) == list(range(1, pg_schema.SCHEMA_VERSION + 1))
        assert tables == (1,)
        # Every client works on the one schema.
        assert all(store.count() == 0 for store in opened)
    finally:
        for store in opened:
            store.close()


def test_reopening_a_migrated_database_changes_nothing(pg_url: str, pg_password: str) -> None:
    HistoryStore(pg_url, password=pg_password).close()
    store = HistoryStore(pg_url, password=pg_password)
    try:
        assert store.dialect == "postgresql" and store.count() == 0
    finally:
        store.close()
