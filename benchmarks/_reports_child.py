"""Child process of the report benchmarks: ``python -m benchmarks._reports_child MODE JSON``.

Modes (each prints one JSON line):

* ``export``: a fresh process with the app's reports runner and ``ReportsService`` over the
  history file exports it (CSV) through the window's ``ExportDialog`` (progress bar polled every
  100 ms) while a 5 ms heartbeat on the GUI thread records its longest gaps. Memory: ``VmRSS``
  just before the export against the peak (``VmHWM``) after it. Then, interleaved: the heartbeat
  idle, and the floor (the same rows read newest first straight from ``sqlite3``, nothing
  written).
* ``analytics``: the analytics page's figures for each breakdown over "the last 30 days" and
  "all time": from asking ``ReportsService.analytics`` to the answer on the GUI thread, and the
  whole page (``AnalyticsPage.reload`` to ``figures_shown``, charts drawn). Baseline: the
  store's own aggregate run straight on a fresh ``sqlite3`` connection.
"""

from __future__ import annotations

import gc
import json
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEventLoop

from benchmarks._gui_child import Heartbeat, app, peak_rss_mb, rss_mb, wait_until


def _services(db: str, *, in_child: bool = True) -> tuple[Any, Any, Any]:
    from desktop_app.services.reports import ReportsService
    from desktop_app.services.tasks import TaskRunner
    from desktop_app.store.history import HistoryStore

    store = HistoryStore(db)
    runner = TaskRunner(2, name="reports")
    path = Path(db) if in_child else None  # the app passes its history file: a child process
    return store, runner, ReportsService(runner, store, history_path=path)


def _floor_read(db: str) -> float:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    started = time.perf_counter()
    for _row in conn.execute("SELECT * FROM requests ORDER BY created_at DESC, id DESC"):
        pass
    conn.close()
    return time.perf_counter() - started


class _GcPauses:
    """The longest garbage-collector pause per generation (any thread), via ``gc.callbacks``."""

    def __init__(self) -> None:
        self.longest = [0.0, 0.0, 0.0]
        self.count = [0, 0, 0]
        self._started = 0.0

    def __call__(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
            return
        generation = info["generation"]
        pause = (time.perf_counter() - self._started) * 1000
        self.longest[generation] = max(self.longest[generation], round(pause, 2))
        self.count[generation] += 1


def mode_export(args: dict[str, Any]) -> dict[str, Any]:
    from desktop_app.domain.reports import ExportFormat, HistoryFilter
    from desktop_app.ui.export_dialog import ExportDialog

    app()
    store, runner, reports = _services(args["db"], in_child=args.get("where") != "thread")
    heartbeat = Heartbeat()
    gc.freeze()  # as the app does once its window is populated (``app_launch.collector_on``)
    idle_before = heartbeat.run(2.0)
    out = Path(tempfile.mkdtemp(prefix="vd-export-")) / "history.csv"
    rss_before = rss_mb()
    values: set[int] = set()
    rss_samples: list[float] = []
    state: dict[str, Any] = {}

    def start() -> None:
        job = reports.export(
            HistoryFilter(),
            out,
            ExportFormat(args.get("format", "csv")),
            mask=bool(args.get("mask", False)),
        )
        dialog = ExportDialog(job, out)
        dialog.show()
        dialog.bar.valueChanged.connect(lambda v: (values.add(v), rss_samples.append(rss_mb())))
        state.update(job=job, dialog=dialog, started=time.perf_counter())
        job.task.on_success(lambda s: state.update(summary=s, ended=time.perf_counter()))
        job.task.on_failure(lambda e: state.update(error=repr(e), ended=time.perf_counter()))

    pauses = _GcPauses()
    gc.callbacks.append(pauses)
    during = heartbeat.run(0.5, work=start, until=lambda: "ended" in state)
    gc.callbacks.remove(pauses)
    over_16 = sum(1 for gap in heartbeat.gaps if gap > 16.0)
    if "error" in state:
        raise RuntimeError(state["error"])
    export_s = state["ended"] - state["started"]
    peak = peak_rss_mb()
    size_mb = out.stat().st_size / 2**20
    out.unlink()
    idle_after = heartbeat.run(2.0)
    floors = [_floor_read(args["db"]) for _ in range(2)]
    runner.shutdown(5000)
    store.close()
    rows = state["summary"].rows
    return {
        "rows": rows,
        "export_s": round(export_s, 2),
        "rows_per_s": round(rows / export_s),
        "file_mb": round(size_mb, 1),
        "floor_read_s": round(min(floors), 2),
        "rss_before_mb": rss_before,
        "rss_peak_mb": peak,
        "rss_growth_mb": round(peak - rss_before, 1),
        "rss_max_sampled_mb": max(rss_samples, default=rss_before),
        "progress_values_shown": len(values),
        "heartbeat_export": during,
        "gaps_over_16ms": over_16,
        "gc_longest_pause_ms": pauses.longest,
        "gc_collections": pauses.count,
        "heartbeat_idle": {"before": idle_before, "after": idle_after},
    }


def _sql_floor(db: str, query: Any) -> float:
    """The store's aggregate run straight on a fresh connection (no task, no folding)."""
    from desktop_app.domain.analytics import utc_offset_changes
    from desktop_app.domain.reports import breakdown
    from desktop_app.store import analytics

    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    item = breakdown(query.by)
    where, params = analytics._where(query)
    offsets = utc_offset_changes(query.since, query.until, query.tz)
    sql = (
        f"SELECT {analytics._key_sql(item, offsets)} AS k, status, currency, price,"
        f" verify_seconds AS s, count(*) FROM requests WHERE {where}"
        " GROUP BY 1, 2, 3, 4, 5"
    )
    started = time.perf_counter()
    conn.execute(sql, params).fetchall()
    elapsed = time.perf_counter() - started
    conn.close()
    return elapsed


def _ask(reports: Any, query: Any) -> float:
    """Seconds from asking the service to the figures on the GUI thread."""
    done: list[float] = []
    loop = QEventLoop()

    def arrived(_report: object) -> None:
        done.append(time.perf_counter())
        loop.quit()

    started = time.perf_counter()
    reports.analytics(query).on_success(arrived).on_failure(lambda _e: loop.quit())
    if not done:
        loop.exec()  # the window's way of waiting: the GUI thread sleeps in its event loop
    if not done:
        raise RuntimeError("the analytics task failed")
    return done[0] - started


def mode_analytics(args: dict[str, Any]) -> dict[str, Any]:
    from desktop_app.domain.analytics import AnalyticsQuery
    from desktop_app.domain.reports import BREAKDOWNS
    from desktop_app.store.analytics import data_range

    app()
    store, runner, reports = _services(args["db"])
    last = data_range(store)
    assert last is not None
    newest = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=last[1])
    today = newest.astimezone().date()
    until = datetime.combine(today + timedelta(days=1), datetime.min.time()).astimezone()
    ranges = {
        "last_30_days": until - timedelta(days=30),
        "all_time": datetime(2000, 1, 1).astimezone(),
    }
    rounds = int(args.get("rounds", 3))
    service: dict[str, list[float]] = {}
    floor: dict[str, list[float]] = {}
    for _ in range(rounds):
        for range_name, since in ranges.items():
            for item in BREAKDOWNS:
                key = f"{range_name}/{item.name}"
                query = AnalyticsQuery(since, until, by=item.name)
                service.setdefault(key, []).append(_ask(reports, query))
                floor.setdefault(key, []).append(_sql_floor(args["db"], query))
    page_ms = _page_rounds(reports, today, rounds)
    runner.shutdown(5000)
    store.close()
    med = {k: round(statistics.median(v) * 1000, 1) for k, v in service.items()}
    flo = {k: round(statistics.median(v) * 1000, 1) for k, v in floor.items()}
    return {"median_ms": med, "floor_ms": flo, "page_ms": page_ms, "rss_mb": rss_mb()}


def _page_rounds(reports: Any, today: date, rounds: int) -> dict[str, float]:
    """The whole page: ``reload`` to ``figures_shown`` (charts and table drawn)."""
    from desktop_app.ui.analytics_page import AnalyticsPage

    page = AnalyticsPage(reports, today=lambda: today)
    page.show()
    shown: list[float] = []
    page.figures_shown.connect(lambda: shown.append(time.perf_counter()))
    wait_until(lambda: bool(shown), timeout=120)
    out: dict[str, list[float]] = {}
    for _ in range(rounds):
        for preset in ("Last 30 days", "All time"):
            for name in ("day", "country"):
                page.range_combo.blockSignals(True)
                page.range_combo.setCurrentIndex(page.range_combo.findText(preset))
                page.range_combo.blockSignals(False)
                page.by_combo.blockSignals(True)
                page.by_combo.setCurrentIndex(page.by_combo.findData(name))
                page.by_combo.blockSignals(False)
                shown.clear()
                loop = QEventLoop()
                page.figures_shown.connect(loop.quit)
                started = time.perf_counter()
                page.reload()
                if not shown:
                    loop.exec()
                page.figures_shown.disconnect(loop.quit)
                out.setdefault(f"{preset}/{name}", []).append(shown[0] - started)
    page.close()
    return {k: round(statistics.median(v) * 1000, 1) for k, v in out.items()}


def run_reports_child(mode: str, args: dict[str, Any], timeout: float = 1800) -> dict[str, Any]:
    """Run this module as a fresh process in ``mode`` and return its JSON answer."""
    import os
    import subprocess

    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks._reports_child", mode, json.dumps(args)],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        env=env,
    )
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    if proc.returncode != 0 or not lines:
        raise RuntimeError(
            f"_reports_child {mode} failed ({proc.returncode}): {proc.stderr[-2000:]}"
        )
    return dict(json.loads(lines[-1]))


def main() -> None:
    mode, raw = sys.argv[1], sys.argv[2]
    args = json.loads(raw)
    result = {"export": mode_export, "analytics": mode_analytics}[mode](args)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
