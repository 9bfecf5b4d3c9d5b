"""Many worker threads writing and reading at once."""

from __future__ import annotations

import sqlite3
import threading
from decimal import Decimal
from pathlib import Path

import pytest

from desktop_app.domain.history_query import RecentQuery
from desktop_app.domain.history_writes import CallEnd, NewCall
from desktop_app.domain.models import VerificationStatus as S
from desktop_app.store.history import HistoryStore, NewRequest, RequestChanges

THREADS = 16
OPS = 250  # per thread, five kinds of write in turn


@pytest.mark.slow
def test_storm_of_mixed_writes_keeps_every_row(db_path: Path) -> None:
    store = HistoryStore(db_path)
    barrier = threading.Barrier(THREADS + 2)
    errors: list[BaseException] = []
    rows: dict[int, list[int]] = {}
    stop = threading.Event()

    def writer(t: int) -> None:
        mine: list[int] = []
        call = 0
        try:
            barrier.wait()
            for i in range(OPS):
                step = i % 5
                if step == 0:
                    mine.append(store.add_request(NewRequest(
                        profile=f"p{t % 3}", operator=f"op{t}", kind="start",
                        number=f"44{t:02d}{i:06d}", brand=f"Brand {t}", workflow_id=t % 7 + 1,
                    )))  # fmt: skip
                elif step == 1:
                    store.update_request(mine[-1], RequestChanges(
                        request_id=f"t{t}-r{i}", status=S.IN_PROGRESS,
                        price=Decimal("0.0500"), currency="EUR",
                    ))  # fmt: skip
                elif step == 2:
                    store.record_check(f"t{t}-r{i - 1}", "INVALID")
                elif step == 3:
                    call = store.begin_call(NewCall(
                        profile=f"p{t % 3}", operator=f"op{t}", operation="check",
                        request_id=f"t{t}-r{i - 2}",
                    ))  # fmt: skip
                else:
                    store.end_call(call, CallEnd(outcome="ok", api_status="0"))
        except BaseException as exc:
            errors.append(exc)
        rows[t] = mine

    def reader() -> None:
        try:
            barrier.wait()
            while not stop.is_set():
                store.recent(RecentQuery(limit=50))
                store.recent(RecentQuery(text="Brand 1", limit=20))
                store.count(RecentQuery(status=S.IN_PROGRESS))
                store.in_progress()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(t,)) for t in range(THREADS)]
    threads += [threading.Thread(target=reader) for _ in range(2)]
    for th in threads:
        th.start()
    for th in threads[:THREADS]:
        th.join(timeout=120)
    stop.set()
    for th in threads[THREADS:]:
        th.join(timeout=30)
    assert not errors, errors
    assert not any(th.is_alive() for th in threads)

    per_thread = OPS // 5
    assert store.count() == THREADS * per_thread
    assert store.count(RecentQuery(status=S.IN_PROGRESS)) == THREADS * per_thread
    assert store.count(RecentQuery(status=S.UNKNOWN)) == 0
    assert len(store.recent_calls(limit=10_000)) == THREADS * per_thread
    for t, mine in rows.items():
        assert len(mine) == per_thread
        for k, row in enumerate(mine):
            e = store.get(row)
            i = k * 5
            assert (e.request_id, e.status, e.checks_count, e.last_check_outcome) == (
                f"t{t}-r{i + 1}", S.IN_PROGRESS, 1, "INVALID",
            )  # fmt: skip
            assert (e.number, e.operator, e.price, e.currency) == (
                f"44{t:02d}{i:06d}", f"op{t}", Decimal("0.0500"), "EUR",
            )  # fmt: skip
            (c,) = store.calls(f"t{t}-r{i + 1}")
            assert (c.outcome, c.api_status, c.operation) == ("ok", "0", "check")
            assert c.finished_at is not None
    store.close()

    conn = sqlite3.connect(db_path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        conn.execute("INSERT INTO requests_fts (requests_fts) VALUES ('integrity-check')")
        ids = [r[0] for r in conn.execute("SELECT id FROM requests ORDER BY id")]
        assert ids == sorted({row for mine in rows.values() for row in mine})
    finally:
        conn.close()


def test_memory_store_is_thread_safe_too() -> None:
    store = HistoryStore(":memory:")

    def work(t: int) -> None:
        for i in range(50):
            row = store.add_request(NewRequest(
                profile="p", operator="o", kind="start", number=f"{t}{i}", brand="b",
                workflow_id=None,
            ))  # fmt: skip
            store.update_request(row, RequestChanges(request_id=f"{t}-{i}"))
            store.recent(RecentQuery(limit=5))

    threads = [threading.Thread(target=work, args=(t,)) for t in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=60)
    assert store.count() == 400
    assert all(e.request_id for e in store.recent(RecentQuery(limit=500)))
    store.close()
