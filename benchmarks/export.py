"""Export: the whole 1,000,000-row history to CSV from the window, in a fresh process.

The history is ``_history_gen``'s (cached in the temp folder). ``_reports_child export`` runs
the app's ``ReportsService`` on its own runner and the window's ``ExportDialog`` (progress bar
polled every 100 ms) while a 5 ms heartbeat timer on the GUI thread records the gaps between
its ticks. As in the app, the rows are written by a child process
(``usecases.export_process``); the same export on a worker thread of the window's process is
measured too, for comparison. Figures:

* memory growth: ``VmHWM`` (peak resident memory) after the export minus ``VmRSS`` just before
  it; target under 100 MB (the export holds one 500-row page at a time);
* the GUI thread's slices during the export: its own CPU time between two heartbeat ticks
  (``time.thread_time``), the longest and the 99th percentile; target at most 16 ms (one frame
  at 60 Hz). Beside it, measured the same way: the wall-clock gaps (which on a shared machine
  are mostly the OS running something else: the run-queue wait is in the details) and the
  idle heartbeat of the same process before and after;
* time and rows/s, with the ratio to the floor: the same rows read newest first straight from
  ``sqlite3`` in the same process, nothing mapped or written;
* how many distinct progress values the dialog showed.

``--quick`` uses the 100,000-row history.
"""

from __future__ import annotations

import os
from typing import Any

from benchmarks import register, result
from benchmarks._history_gen import history_file
from benchmarks._reports_child import run_reports_child

NAME = "export"
RSS_GROWTH_TARGET_MB = 100.0
STALL_TARGET_MS = 16.0


@register(NAME)
def run(quick: bool) -> dict[str, Any]:
    """1M-row CSV export from the window: memory growth, longest GUI stall, rows/s vs sqlite3."""
    rows = 100_000 if quick else 1_000_000
    path, gen = history_file(rows)
    load_before = [round(x, 2) for x in os.getloadavg()]
    out = run_reports_child("export", {"db": str(path), "where": "process"})
    # The same export on a worker thread of the window's process, for comparison (why the
    # window exports in a child process: the GIL).
    thread = run_reports_child("export", {"db": str(path), "where": "thread"})
    growth = out["rss_growth_mb"]
    beat = out["heartbeat_export"]
    met = {
        "rss_growth": growth < RSS_GROWTH_TARGET_MB,
        "stall": beat["cpu_max_ms"] <= STALL_TARGET_MS and beat["cpu_p99_ms"] <= STALL_TARGET_MS,
        "stall_wall_clock": beat["max_ms"] <= STALL_TARGET_MS,
        "progress": out["progress_values_shown"] > 1,
    }
    return result(
        NAME,
        metric=f"seconds to export {out['rows']:,} history rows to CSV from the window",
        value=out["export_s"],
        baseline=out["floor_read_s"],
        ratio=round(out["export_s"] / out["floor_read_s"], 1),
        target="memory growth < 100 MB, longest GUI-thread slice and p99 <= 16 ms of its CPU "
        "(wall-clock gaps beside it), progress shown",
        met=met["rss_growth"] and met["stall"] and met["progress"],
        details={
            "history": gen,
            "met": met,
            "loadavg_before": load_before,
            "loadavg_after": [round(x, 2) for x in os.getloadavg()],
            **out,
            "on_a_worker_thread": {
                key: thread[key]
                for key in (
                    "export_s",
                    "rss_growth_mb",
                    "heartbeat_export",
                    "gaps_over_16ms",
                    "heartbeat_idle",
                )
            },
        },
    )
