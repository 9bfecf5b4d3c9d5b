"""The reports half of ``pg_history``: export and analytics on a shared history, beside SQLite.

* **Export**: ``usecases.export_process.export_in_child`` as the window runs it (a child
  process; on PostgreSQL it opens the URL itself, password on stdin, and streams from a named
  cursor), CSV, the newest million rows of each history (the caller's filter): wall time, rows
  per second and the child's peak resident memory (``VmHWM`` read from ``/proc`` at every
  progress line, so just before it exits).
* **Analytics**: ``store.analytics.run_analytics`` (the SQL and the folding, what the page
  waits for) for every breakdown over "all time" and the last 30 days (UTC midnights, as the
  page asks in a whole-hour zone), medians of interleaved rounds; and, once, the day counts
  read from the hourly rollup against the same counts grouped straight from ``requests`` (what
  answering from indexes alone would cost).
"""

from __future__ import annotations

import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from unittest import mock


def _peak_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return 0.0


def export_figures(store: Any, db: str, flt: Any) -> dict[str, float]:
    """Export the rows ``flt`` selects from ``store`` (``db``: its file or URL) in a child."""
    import subprocess

    from desktop_app.domain.reports import ExportFormat
    from desktop_app.usecases import export_process

    shared = store.shared_source()
    children: list[Any] = []
    peaks: list[float] = []
    real_popen = subprocess.Popen

    def popen(*args: Any, **kwargs: Any) -> Any:
        children.append(real_popen(*args, **kwargs))
        return children[-1]

    def progress(_step: object) -> None:
        peaks.append(_peak_mb(children[-1].pid))

    with tempfile.TemporaryDirectory() as folder, \
            mock.patch.object(export_process.subprocess, "Popen", popen):  # fmt: skip
        started = time.perf_counter()
        summary = export_process.export_in_child(
            db, flt, Path(folder) / "out.csv", ExportFormat.CSV, mask=False, progress=progress,
            cancelled=lambda: False, password=None if shared is None else shared[1],
        )  # fmt: skip
        took = time.perf_counter() - started
        size = (Path(folder) / "out.csv").stat().st_size
    return {
        "rows": summary.rows, "seconds": round(took, 1),
        "rows_per_s": round(summary.rows / took), "child_peak_mb": max(peaks, default=0.0),
        "file_mb": round(size / 2**20, 1),
    }  # fmt: skip


def _queries(newest: datetime) -> dict[str, Any]:
    from desktop_app.domain.analytics import AnalyticsQuery
    from desktop_app.domain.reports import BREAKDOWNS

    midnight = (newest + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    ranges = {
        "all_time": (datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC)),
        "last_30_days": (midnight - timedelta(days=30), midnight),
    }
    return {
        f"{name}/{item.name}": AnalyticsQuery(since, until, by=item.name, tz=UTC)
        for name, (since, until) in ranges.items()
        for item in BREAKDOWNS
    }


def analytics_figures(stores: dict[str, Any], rounds: int) -> dict[str, Any]:
    """Median ms of ``run_analytics`` per backend, range and breakdown (interleaved rounds)."""
    from desktop_app.store.analytics import data_range, run_analytics

    queries: dict[str, dict[str, Any]] = {}
    for side, store in stores.items():
        span = data_range(store)
        assert span is not None, f"the {side} history is empty"
        newest = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=span[1])
        queries[side] = _queries(newest)
    samples: dict[str, list[float]] = {}
    for _ in range(rounds):
        for key in queries["pg"]:
            for side, store in stores.items():
                started = time.perf_counter()
                run_analytics(store, queries[side][key])
                samples.setdefault(f"{side}/{key}", []).append(
                    (time.perf_counter() - started) * 1000
                )
    return {key: round(statistics.median(v), 1) for key, v in samples.items()}


def rollup_against_scan(store: Any) -> dict[str, float]:
    """Ms for the day counts from ``analytics_hours`` and the same counts from ``requests``."""
    from desktop_app.store._reports import read

    def timed(sql: str) -> float:
        started = time.perf_counter()
        read(store, lambda conn: conn.execute(sql).fetchall())
        return round((time.perf_counter() - started) * 1000, 1)

    return {
        "rollup_ms": timed(
            "SELECT hour * 3600000000 / 86400000000, status, currency, price, sum(requests)"
            " FROM analytics_hours GROUP BY 1, 2, 3, 4"
        ),
        "requests_scan_ms": timed(
            "SELECT created_at / 86400000000, status, currency, price, count(*)"
            " FROM requests GROUP BY 1, 2, 3, 4"
        ),
    }
