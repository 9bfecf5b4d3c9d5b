"""Responsiveness: the longest gap between 5 ms heartbeat ticks on the GUI thread under load.

A ``QTimer`` (``PreciseTimer``, 5 ms) on the GUI thread of a fresh process (``_gui_child
heartbeat``, offscreen) records the time between its ticks while:

* ``inflight``: 100 sends through ``VerificationService.send`` are in flight against a sandbox
  with 1 s latency, in **another process** (``python -m desktop_app.sandbox --latency 1 ...``:
  an in-process sandbox would share this process's GIL and be measured as the app's cost).
  The window covers submitting the 100 tasks and lasts until the last answer arrived (the
  network runner has 8 threads, so 8 calls are on the wire and 92 queued: about 13 s); quick
  mode sends 32;
* ``history``: the recent-requests view over the 1,000,000-row history (100,000 in quick
  mode) changes every 40 ms: reload, fetchMore (scroll to the end), a new text filter
  (number, id or brand, applied at once), a new status filter, in turn;
* ``idle``: nothing (the baseline), in the same process, interleaved with the others;
* ``floor``: the painting floor of ``history``: a bare ``QTableView`` over a trivial Python
  ``QAbstractTableModel`` (constant strings), as many visible cells as the view's table,
  reset (so fully repainted) every 40 ms. No query, no store thread: what repainting a table
  at that rate costs on this platform (offscreen, software text rendering) by itself.

Figures, per part (medians over rounds), measured three ways on every gap between two ticks:

* **the stall** (``busy``): the longest single pass of the event loop that ended in the gap,
  wall clock (one ``processEvents`` call: painting, slots, model diffs, garbage collection, and
  any time the OS gave the thread's core to something else meanwhile). That is the longest a
  key press or a click arriving then could have waited. The gap itself is not: it is at least
  the timer's 5 ms even when the loop has nothing to do;
* **the GUI thread's own CPU time** in the gap (``time.thread_time``): what the code made the
  thread do, whatever else the machine ran. On 2 cores shared with other test suites the wall
  clock moves with them (``runq``: the time the thread was runnable but waiting for a CPU, from
  Linux ``schedstat``);
* the **heartbeat gap** (wall clock), reported beside them, and the gap less its run-queue wait
  (``own``: CPU plus time blocked on the GIL or a lock, or waiting for the next tick).

Target: in both ``inflight`` and ``history``, the longest stall **and** its 99th percentile at
most 16 ms (one frame at 60 Hz), and the same for the CPU per slice; ``floor`` (the bare table,
measured the same way in the same run) and ``idle`` are reported beside them. The load average
before and after the run is in the details.
"""

from __future__ import annotations

import os
import statistics
import tempfile
from pathlib import Path
from typing import Any

from benchmarks import register, result
from benchmarks._common import sandbox_process
from benchmarks._history_gen import history_file
from benchmarks.history_scale import run_child

NAME = "responsiveness"
TARGET_MS = 16.0


@register(NAME)
def run(quick: bool) -> dict[str, Any]:
    """Longest GUI-thread heartbeat gap: 100 sends in flight (1 s latency), 1M-row view churn."""
    path, _ = history_file(100_000 if quick else 1_000_000)
    load_before = os.getloadavg()
    rounds = 1 if quick else 4
    sends = 32 if quick else 100
    with (
        tempfile.TemporaryDirectory(prefix="vd-resp-") as tmp,
        sandbox_process("--latency", "1") as sandbox,
    ):
        out = run_child(
            "heartbeat",
            {
                "db": str(path),
                "scratch_db": str(Path(tmp) / "scratch.sqlite3"),
                "sandbox_url": sandbox.url,
                "seconds": 1.5 if quick else 3.0,
                "rounds": rounds,
                "sends": sends,
            },
        )
    parts = out["rounds"]

    def med(part: str, key: str) -> float:
        return round(float(statistics.median(r[key] for r in parts[part])), 2)

    keys = (
        "max_ms", "p99_ms", "p50_ms", "cpu_max_ms", "cpu_p99_ms", "own_max_ms", "own_p99_ms",
        "busy_max_ms", "busy_p99_ms",
    )  # fmt: skip
    table: dict[str, dict[str, float]] = {
        part: {key: med(part, key) for key in keys if key in parts[part][0]}
        | {"worst_max_ms": max(r["max_ms"] for r in parts[part]),
           "worst_cpu_max_ms": max(r.get("cpu_max_ms", 0.0) for r in parts[part])}
        for part in parts
    }  # fmt: skip
    judged = [
        table[p][k]
        for p in ("inflight", "history")
        for k in ("busy_max_ms", "busy_p99_ms", "cpu_max_ms", "cpu_p99_ms")
    ]
    worst = max(table["inflight"]["busy_max_ms"], table["history"]["busy_max_ms"])
    floor = table["floor"]
    return result(
        NAME,
        metric="longest GUI stall (one event-loop pass, wall clock), ms (median over rounds, "
        "worst part); CPU per slice and heartbeat gaps in details",
        value=worst,
        baseline=floor["busy_max_ms"],
        ratio=round(table["history"]["busy_max_ms"] / floor["busy_max_ms"], 2),
        target=f"longest stall and p99 <= {TARGET_MS:g} ms, wall clock and GUI-thread CPU (100 "
        "sends in flight; 1M-row view refreshing), the bare-table floor measured the same way "
        "beside it",
        met=all(value <= TARGET_MS for value in judged),
        details={
            "parts": table,
            "history_to_floor": {
                "busy_max": round(table["history"]["busy_max_ms"] / floor["busy_max_ms"], 2),
                "busy_p99": round(table["history"]["busy_p99_ms"] / floor["busy_p99_ms"], 2),
                "cpu_max": round(table["history"]["cpu_max_ms"] / floor["cpu_max_ms"], 2),
                "cpu_p99": round(table["history"]["cpu_p99_ms"] / floor["cpu_p99_ms"], 2),
                "wall_max": round(table["history"]["max_ms"] / floor["max_ms"], 2),
                "wall_p99": round(table["history"]["p99_ms"] / floor["p99_ms"], 2),
            },
            "wall_clock_met": {
                p: table[p]["max_ms"] <= TARGET_MS and table[p]["p99_ms"] <= TARGET_MS
                for p in ("inflight", "history", "floor", "idle")
            },
            "rounds": parts,
            "history_rows": 100_000 if quick else 1_000_000,
            "sends_in_flight": sends,
            "network_threads": 8,
            "rss_mb_end": out["rss_mb_end"],
            "loadavg_before": [round(x, 2) for x in load_before],
            "loadavg_after": [round(x, 2) for x in os.getloadavg()],
        },
    )
