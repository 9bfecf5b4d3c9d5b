"""HistoryService's reads: a cancelled ``recent`` task stops its SQLite query, safely."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from desktop_app.domain.errors import QueryInterrupted
from desktop_app.domain.history_query import RecentQuery
from desktop_app.domain.phone import display_number
from desktop_app.services.history import HistoryService
from desktop_app.store import history as store_module
from tests.helpers.report_rows import Row, add_rows
from tests.helpers.tasks import settle

_SLOW = (
    "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 300000)"
    " SELECT count(*) FROM c"
)


def test_cancelling_a_recent_task_interrupts_its_query(
    qtbot, make_runner, history_store, monkeypatch
) -> None:
    inside, ended = threading.Event(), threading.Event()
    outcome: list[BaseException] = []

    def endless_rows(conn, _query, *, interrupt, **_kwargs):  # type: ignore[no-untyped-def]
        inside.set()
        try:
            while True:  # only an interrupt ends it, as it would a long search
                interrupt.check()
                conn.execute(_SLOW).fetchall()
        except BaseException as exc:
            outcome.append(exc)
            raise
        finally:
            ended.set()

    monkeypatch.setattr(store_module, "recent_rows", endless_rows)
    runner = make_runner(2, name="store")
    history = HistoryService(runner, history_store)
    task = history.recent(RecentQuery(text="Acme"))
    assert inside.wait(30)
    delivered: list[object] = []
    task.on_success(delivered.append).on_failure(delivered.append)
    task.cancel()
    assert ended.wait(30)  # the pool thread is free again
    qtbot.waitUntil(lambda: runner.running_count() == 0, timeout=10_000)
    assert delivered == []  # a cancelled task delivers neither a result nor its interruption
    assert len(outcome) == 1
    # SQLite stopped the statement (OperationalError) or the check between two did.
    assert isinstance(outcome[0], QueryInterrupted) or "interrupted" in str(outcome[0])


def test_many_cancelled_searches_do_not_crash_the_binding(tmp_path: Path) -> None:
    """Thousands of recent()+cancel() cycles, in a child process (a crash must not kill us).

    PySide6 (6.11.3) tracks a signal connected to a *bound method of a plain object* with a
    weak reference whose callback runs on whichever thread drops the object's last
    reference. Connected that way, the Interrupt died with the job's closure on a pool thread
    and the process crashed in 3 of 3 runs of this test; HistoryService now hands it to the
    task's ``on_finished`` (a plain list the task owns), so no Qt connection refers to it.
    """
    script = textwrap.dedent(
        f"""
        import os
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
        from PySide6.QtCore import QCoreApplication
        app = QCoreApplication([])
        from desktop_app.services.history import HistoryService
        from desktop_app.services.tasks import TaskRunner
        from desktop_app.store.history import HistoryStore, NewRequest, RecentQuery
        store = HistoryStore({str(tmp_path / "h.sqlite3")!r})
        for i in range(50):
            store.add_request(NewRequest(profile="p", operator="o", kind="start",
                              number=f"44770090{{i:04d}}", brand="Acme", workflow_id=1))
        runner = TaskRunner(2, name="store")
        history = HistoryService(runner, store)
        for i in range(3000):
            task = history.recent(RecentQuery(text="770"))
            if i % 3:
                task.cancel()
            app.processEvents()
        while runner.running_count():
            app.processEvents()
        assert runner.shutdown(10_000)
        assert store.close()
        print("survived")
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=300, check=False
    )
    assert (done.returncode, done.stdout.strip()) == (0, "survived"), done.stderr[-2000:]


@pytest.mark.skipif(not hasattr(os, "SCHED_BATCH"), reason="Linux scheduling classes")
def test_history_queries_run_on_batch_threads(qtbot, make_runner, history_store, monkeypatch):
    """A woken query thread must not preempt the GUI thread that woke it (see the module)."""
    seen: list[int] = []
    real = history_store.recent

    def recording_recent(*args, **kwargs):  # type: ignore[no-untyped-def]
        seen.append(os.sched_getscheduler(0))
        return real(*args, **kwargs)

    monkeypatch.setattr(history_store, "recent", recording_recent)
    history = HistoryService(make_runner(2, name="store"), history_store)
    settle(qtbot, history.recent(), timeout=10_000)
    assert seen == [os.SCHED_BATCH]
    assert os.sched_getscheduler(0) != os.SCHED_BATCH  # the GUI thread keeps its class


def test_a_page_arrives_with_its_numbers_formatted(
    qtbot, make_runner, history_store, history_path
) -> None:
    """The store thread formats each page's numbers; the window's paint only reads the cache."""
    numbers = ["447700900123", "12025550143", "4915112345678", "33612345678"]
    add_rows(history_path, [Row(number=n, request_id=f"{i:032x}") for i, n in enumerate(numbers)])
    history = HistoryService(make_runner(2, name="store"), history_store)
    display_number.cache_clear()
    page = settle(qtbot, history.recent(), timeout=10_000).value
    assert page is not None and sorted(e.number for e in page) == sorted(numbers)
    before = display_number.cache_info()
    assert before.currsize == len(numbers)
    shown = [display_number(n) for n in numbers]  # what the table's cells ask
    after = display_number.cache_info()
    assert (after.hits - before.hits, after.misses) == (len(numbers), before.misses)
    assert shown[0] == "+44 7700 900123"
