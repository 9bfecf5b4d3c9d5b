"""History at scale: the recent-requests view over 1,000,000 generated history rows.

The history (``_history_gen``: realistic numbers, brands, statuses, profiles and operators over
a year, through the app's own schema) is cached in the temp folder. The measurements run in a
fresh process (``_gui_child history``) so that its resident memory is the view's own: the
app's runners, ``HistoryService`` over ``HistoryStore``, and ``RecentRequestsView`` shown in a
``QMainWindow`` (offscreen).

Figures (medians of interleaved rounds; each round opens a new view):

* first rows: from creating the view to the first page in its model (and painted);
* number / id filter: from the debounce timer firing to the filtered rows in the model
  (``..._with_debounce``: from setting the text, the 250 ms pause included);
* sort change: a header click (``sortByColumn``) to the re-ordered rows painted;
* RSS: ``VmRSS`` at the end, after 26 pages (5,200 rows) were loaded by scrolling.

Baseline ("floor"): the same page query run straight on ``sqlite3`` in the same process (the
store's own SQL, ``store._search.recent_rows``, on a fresh connection), interleaved with the
view's rounds: the view/floor ratio is what the task hop, the row mapping, the model and the
paint add. ``--quick`` uses 100,000 rows and 2 rounds; the documented figures are the full run.
"""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

from benchmarks import register, result
from benchmarks._history_gen import history_file

NAME = "history_scale"
TARGETS_MS = {"view_first_rows": 100.0, "view_number_filter": 100.0, "view_id_filter": 100.0,
              "view_sort_started_asc": 200.0, "view_sort_brand": 200.0}  # fmt: skip
RSS_TARGET_MB = 250.0


def run_child(mode: str, args: dict[str, Any], timeout: float = 600) -> dict[str, Any]:
    """Run ``benchmarks._gui_child MODE`` and return its JSON answer."""
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks._gui_child", mode, json.dumps(args)],
        capture_output=True, text=True, timeout=timeout, check=False,
    )  # fmt: skip
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    if proc.returncode != 0 or not lines:
        raise RuntimeError(f"_gui_child {mode} failed ({proc.returncode}): {proc.stderr[-2000:]}")
    return dict(json.loads(lines[-1]))


@register(NAME)
def run(quick: bool) -> dict[str, Any]:
    """Recent-requests view over 1M history rows: first rows, filters, sorts, RSS vs sqlite3."""
    rows = 100_000 if quick else 1_000_000
    path, gen = history_file(rows)
    out = run_child("history", {"db": str(path), "rounds": 2 if quick else 7})
    med = out["median_ms"]
    ratios = {
        "first_rows": round(med["view_first_rows"] / med["floor_first_page"], 1),
        "number_filter": round(med["view_number_filter"] / med["floor_number_filter"], 2),
        "id_filter": round(med["view_id_filter"] / med["floor_id_filter"], 2),
        "status_filter": round(med["view_status_filter"] / med["floor_status_filter"], 1),
        "sort_started_asc": round(med["view_sort_started_asc"] / med["floor_sort_started_asc"], 1),
    }
    met_each = {key: med[key] < limit for key, limit in TARGETS_MS.items()}
    met_each["rss"] = out["rss_mb_end"] < RSS_TARGET_MB
    return result(
        NAME,
        metric=f"ms from opening the view to its first rows ({rows:,} history rows)",
        value=med["view_first_rows"],
        baseline=med["floor_first_page"],
        ratio=ratios["first_rows"],
        target="first rows < 100 ms, number/id filter < 100 ms, sort change < 200 ms, "
        "RSS < 250 MB (1,000,000 rows)",
        met=all(met_each.values()),
        details={"history": gen, "ratios_view_over_floor": ratios, "met": met_each, **out},
    )
