"""Analytics: the page's figures over the 1,000,000-row history, and the chart library's cost.

``_reports_child analytics`` (a fresh process) asks ``ReportsService.analytics`` for every
breakdown over "the last 30 days" (about 82,000 of the generated rows) and "all time" (all
1,000,000), timing from the request to the figures on the GUI thread, and the whole page
(``AnalyticsPage.reload`` to ``figures_shown``, with the charts and the table drawn). Baseline:
the same aggregate SQL straight on a fresh ``sqlite3`` connection, in the same process. Target:
the page's figures in under 1 s.

The chart library: a fresh process per candidate (interleaved rounds, medians) measures the
import on top of ``PySide6.QtWidgets`` and a ``QApplication``, its first chart drawn, and the
resident memory both add: Qt Charts (``PySide6.QtCharts``) and, when installed, pyqtgraph (with
numpy), the alternative considered (docs/benchmarks.md, "Analytics: the chart library").
``--quick`` uses the 100,000-row history, one round and no chart-library rounds.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
from typing import Any

from benchmarks import register, result
from benchmarks._history_gen import history_file
from benchmarks._reports_child import run_reports_child

NAME = "analytics"
TARGET_MS = 1000.0

_PROBE = """
import json, time
from PySide6.QtWidgets import QApplication
app = QApplication([])
def rss():
    return int(open('/proc/self/statm').read().split()[1]) * 4096 / 2**20
r0, t0 = rss(), time.perf_counter()
{imp}
t1 = time.perf_counter()
{draw}
t2 = time.perf_counter()
print(json.dumps([(t1 - t0) * 1000, (t2 - t1) * 1000, rss() - r0]))
"""
_CANDIDATES = {
    "qtcharts": (
        "from PySide6 import QtCharts",
        "c = QtCharts.QChart(); s = QtCharts.QBarSeries(); b = QtCharts.QBarSet('a');"
        " b.append([1.0, 2.0, 3.0]); s.append(b); c.addSeries(s);"
        " v = QtCharts.QChartView(c); v.resize(600, 400); v.grab()",
    ),
    "pyqtgraph": (
        "import pyqtgraph",
        "w = pyqtgraph.PlotWidget(); w.addItem(pyqtgraph.BarGraphItem(x=[1, 2, 3],"
        " height=[1, 2, 3], width=0.6)); w.resize(600, 400); w.grab()",
    ),
}


def chart_library_cost(rounds: int) -> dict[str, Any]:
    """Import ms, first-chart ms and RSS MB of each installed candidate (medians)."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    samples: dict[str, list[list[float]]] = {}
    for _ in range(rounds):
        for name, (imp, draw) in _CANDIDATES.items():
            proc = subprocess.run(
                [sys.executable, "-c", _PROBE.format(imp=imp, draw=draw)],
                capture_output=True,
                text=True,
                env=env,
                check=False,
            )
            if proc.returncode != 0:
                samples.setdefault(name, [])
                continue
            samples.setdefault(name, []).append(json.loads(proc.stdout.strip().splitlines()[-1]))
    out: dict[str, Any] = {}
    for name, values in samples.items():
        if not values:
            out[name] = "not installed"
            continue
        out[name] = {
            key: round(statistics.median(v[i] for v in values), 1)
            for i, key in enumerate(("import_ms", "first_chart_ms", "rss_mb"))
        }
    return out


@register(NAME)
def run(quick: bool) -> dict[str, Any]:
    """Analytics figures over 1M rows (30 days and all time) vs raw SQL; chart library cost."""
    rows = 100_000 if quick else 1_000_000
    path, gen = history_file(rows)
    out = run_reports_child("analytics", {"db": str(path), "rounds": 1 if quick else 3})
    med, floor = out["median_ms"], out["floor_ms"]
    worst_30 = max(v for k, v in med.items() if k.startswith("last_30_days/"))
    worst_all = max(v for k, v in med.items() if k.startswith("all_time/"))
    page = out["page_ms"]
    ratios = {k: round(med[k] / floor[k], 2) for k in med if floor.get(k)}
    met = {
        "last_30_days": worst_30 < TARGET_MS,
        "all_time": worst_all < TARGET_MS,
        "page": max(page.values()) < TARGET_MS,
    }
    charts = {} if quick else chart_library_cost(5)
    return result(
        NAME,
        metric=f"ms to the page's figures, worst breakdown, all time ({rows:,} rows in range)",
        value=worst_all,
        baseline=max(v for k, v in floor.items() if k.startswith("all_time/")),
        ratio=round(statistics.median(ratios.values()), 2),
        target="figures < 1 s for every breakdown (last 30 days and all time) and the whole page",
        met=all(met.values()),
        details={
            "history": gen,
            "met": met,
            "worst_last_30_days_ms": worst_30,
            "ratios_over_sql": ratios,
            "chart_library": charts,
            **out,
        },
    )
