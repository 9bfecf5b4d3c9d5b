"""Crash and concurrency safety of the history file (issue 5, item 3).

* 20 writer processes are SIGKILLed at random points while writing: every database must pass
  ``PRAGMA integrity_check`` and hold every write whose acknowledgement was printed.
* Two writer processes and this process write one file at once: nothing lost, no "database is
  locked" escaping; the store's own retry on SQLITE_BUSY is shown to work on its own.
"""

from __future__ import annotations

import random
import sqlite3
import threading
import time
from pathlib import Path

import pytest

from desktop_app.domain.errors import StoreError
from desktop_app.domain.history_query import RecentQuery
from desktop_app.domain.models import VerificationStatus
from desktop_app.store._connection import Database
from desktop_app.store.history import HistoryStore, NewRequest, RequestChanges

from . import crashkit, figures

# The reliability suite (also run alone by `python -m tests.reliability`): sweeps and
# fault runs, left out of the quick loop (scripts/test --quick).
pytestmark = pytest.mark.slow

KILLS = 20


@pytest.mark.parametrize("round_no", range(KILLS))
def test_sigkill_during_writes_loses_no_acknowledged_row(tmp_path: Path, round_no: int) -> None:
    rng = random.Random(5000 + round_no)
    db = tmp_path / f"kill-{round_no}.sqlite3"
    child = crashkit.spawn(db, seed=round_no + 1)
    target = rng.randrange(1, 600)
    child.wait_for_writes(target, timeout=3.0)
    time.sleep(rng.uniform(0, 0.003))  # land inside a write more often than between two
    alive = child.proc.poll() is None
    crashkit.sigkill(child)
    acks = child.finish()
    assert alive, child.stderr
    assert child.proc.returncode == -9

    verdict = crashkit.verify(db, acks)
    figures.add("kills")
    figures.add("acked_writes", verdict.acked)
    figures.add("acked_rows", verdict.rows)
    figures.add("rows_lost", len(verdict.lost))
    if verdict.integrity == "ok":
        figures.add("kill_databases_integrity_ok")
    assert verdict.integrity == "ok"
    assert verdict.lost == []
    assert verdict.acked >= 1
    # And the app opens it again and can keep writing.
    store = HistoryStore(db)
    try:
        assert store.count() >= verdict.rows
        store.add_request(NewRequest(
            profile="p", operator="o", kind="start", number="447700900123", brand="after",
            workflow_id=None,
        ))  # fmt: skip
    finally:
        store.close()


def test_two_app_instances_writing_at_once_lose_nothing(tmp_path: Path) -> None:
    db = tmp_path / "shared.sqlite3"
    HistoryStore(db).close()  # schema first, as the first app start would
    cycles = 120
    window = crashkit.spawn(db, seed=101, count=cycles, label="window")
    cli = crashkit.spawn(db, seed=202, count=cycles, label="cli")

    # This process is a third writer and a reader at the same time (the history list).
    store = HistoryStore(db)
    mine: list[int] = []
    errors: list[BaseException] = []

    def reader() -> None:
        try:
            while window.proc.poll() is None or cli.proc.poll() is None:
                store.recent(RecentQuery(limit=50))
                store.count(RecentQuery(text="window"))
        except BaseException as exc:
            errors.append(exc)

    thread = threading.Thread(target=reader)
    thread.start()
    for i in range(cycles):
        row = store.add_request(NewRequest(
            profile="test",
            operator="o",
            kind="start",
            number=f"4477009{i:05d}",
            brand=f"t{i}",
            workflow_id=None,
        ))
        store.update_request(
            row, RequestChanges(request_id=f"{i:032x}", status=VerificationStatus.IN_PROGRESS)
        )
        mine.append(row)
    acks = {name: child.finish() for name, child in (("window", window), ("cli", cli))}
    thread.join(30)
    try:
        for name, child in (("window", window), ("cli", cli)):
            stderr = child.stderr
            assert child.proc.returncode == 0, (name, stderr)
            assert "locked" not in stderr and not any(a["op"] == "error" for a in acks[name])
            assert acks[name][-1] == {"op": "done", "cycles": cycles}
        assert errors == []
        lost = [v for a in acks.values() for v in crashkit.verify(db, a).lost]
        missing_mine = [r for r in mine if store.get(r).request_id is None]
        for profile in ("window", "cli", "test"):
            assert store.count(RecentQuery(profile=profile)) == cycles
    finally:
        store.close()
    figures.add("concurrent_writers", 3)
    figures.add("concurrent_rows_written", 3 * cycles)
    figures.add("concurrent_rows_lost", len(lost) + len(missing_mine))
    assert lost == [] and missing_mine == []
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()


def _hold_write_lock(db: Path, seconds: float, held: threading.Event) -> None:
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("BEGIN IMMEDIATE")
    held.set()
    time.sleep(seconds)
    conn.execute("COMMIT")
    conn.close()


def _short_busy_store(db: Path, monkeypatch: pytest.MonkeyPatch) -> HistoryStore:
    monkeypatch.setattr(Database, "busy_timeout_ms", 100)
    monkeypatch.setattr(Database, "busy_retry_delays", (0.05, 0.25))
    return HistoryStore(db)


def test_store_retries_sqlite_busy_beyond_the_busy_timeout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "busy.sqlite3"
    store = _short_busy_store(db, monkeypatch)
    held = threading.Event()
    # 100 ms busy timeout, then 50 ms and 250 ms pauses: a 0.4 s lock is outlasted by the retry.
    locker = threading.Thread(target=_hold_write_lock, args=(db, 0.4, held))
    locker.start()
    held.wait(5)
    started = time.monotonic()
    row = store.add_request(NewRequest(
        profile="p", operator="o", kind="start", number="447700900123", brand="b",
        workflow_id=None,
    ))  # fmt: skip
    waited = time.monotonic() - started
    locker.join()
    figures.add("busy_errors_escaped", 0)
    figures.add("faults_injected")
    figures.add("faults_handled")
    assert store.get(row).brand == "b"
    assert waited >= 0.25  # it really waited for the other writer
    store.close()


def test_a_lock_that_outlasts_every_retry_is_a_clear_store_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "busy2.sqlite3"
    store = _short_busy_store(db, monkeypatch)
    held = threading.Event()
    locker = threading.Thread(target=_hold_write_lock, args=(db, 1.5, held))
    locker.start()
    held.wait(5)
    with pytest.raises(StoreError) as failed:
        store.add_request(NewRequest(
            profile="p", operator="o", kind="start", number="447700900123", brand="b",
            workflow_id=None,
        ))  # fmt: skip
    locker.join()
    store.close()
    figures.add("faults_injected")
    figures.add("faults_handled")
    assert "locked by another program" in str(failed.value)
    assert not isinstance(failed.value, sqlite3.Error)
