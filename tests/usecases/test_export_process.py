"""The export's child process: it yields the CPU to the window and reports at a bounded rate."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from desktop_app.domain.reports import ExportFormat, ExportProgress, HistoryFilter
from desktop_app.store.history import HistoryStore
from desktop_app.usecases.export_process import ProgressThrottle, export_in_child
from tests.helpers.report_rows import T0, Row


def test_the_child_lowers_its_priority() -> None:
    code = textwrap.dedent(
        """
        import os
        from desktop_app.usecases.export_process import _in_background
        before = os.nice(0)
        _in_background()
        print(os.nice(0) - before, os.sched_getscheduler(0) == os.SCHED_BATCH)
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    raised, batch = out.stdout.split()
    assert int(raised) == min(10, 19 - os.nice(0))
    assert batch == "True"


def test_progress_lines_are_few_and_end_on_the_total(
    tmp_path: Path, report_history: Callable[[list[Row]], HistoryStore]
) -> None:
    """The child reads the history the window has open: its SQLite file, or the shared one."""
    rows = [Row(created_at=T0 + timedelta(seconds=i), request_id=f"{i:032x}") for i in range(3000)]
    history = report_history(rows)
    shared = history.shared_source()
    db = tmp_path / "report-0.sqlite3" if shared is None else shared[0]
    seen: list[ExportProgress] = []
    summary = export_in_child(
        db, HistoryFilter(), tmp_path / "out.csv", ExportFormat.CSV, mask=False,
        progress=seen.append, cancelled=lambda: False,
        password=None if shared is None else shared[1],
    )  # fmt: skip
    assert summary.rows == 3000
    assert seen[:2] == [ExportProgress(0, None), ExportProgress(0, 3000)]  # counting, counted
    assert seen[-1] == ExportProgress(3000, 3000)
    assert [p.done for p in seen] == sorted(p.done for p in seen)


def test_progress_steps_pass_at_most_once_an_interval_but_first_and_last_always() -> None:
    now = [0]  # in 20 ms steps, so that the arithmetic is exact
    due = ProgressThrottle(5, clock=lambda: now[0])
    passed = []
    for done in range(0, 1001, 50):  # a step every 20 ms
        passed.append(due(ExportProgress(done, 1000)))
        now[0] += 1
    kept = [done for done, ok in zip(range(0, 1001, 50), passed, strict=True) if ok]
    assert kept[0] == 0 and kept[-1] == 1000
    assert kept == [0, 250, 500, 750, 1000]
