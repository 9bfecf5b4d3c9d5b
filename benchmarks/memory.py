"""Memory over time: 10,000 send/check cycles through the services layer.

A fresh process (``_gui_child memory``, see ``_memory_child``) runs the cycles through
``VerificationService`` (the app's runners, a real history file, the recent-requests view open)
against a sandbox in another process (rate limits off, ``--allow-pin-code`` so the code is
known), 8 cycles at a time, one distinct number per cycle. Resident memory (``VmRSS``, after a
``gc.collect()`` and a short settle) is read after the first 1,000 cycles (the baseline: caches,
pools and connections are warm by then) and at the end. Target: end within 10 % of the
checkpoint. Quick mode: 200 then 1,000 cycles.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from benchmarks import register, result
from benchmarks._common import sandbox_process
from benchmarks.history_scale import run_child

NAME = "memory"
TARGET_PCT = 10.0


@register(NAME)
def run(quick: bool) -> dict[str, Any]:
    """RSS after 10,000 send/check cycles vs after the first 1,000 (services, real history)."""
    cycles, checkpoint = (1_000, 200) if quick else (10_000, 1_000)
    with (
        tempfile.TemporaryDirectory(prefix="vd-mem-") as tmp,
        sandbox_process("--allow-pin-code") as sandbox,
    ):
        out = run_child(
            "memory",
            {"cycles": cycles, "checkpoint": checkpoint, "sandbox_url": sandbox.url,
             "scratch_db": str(Path(tmp) / "history.sqlite3")},
            timeout=1800,
        )  # fmt: skip
    growth = out["growth_pct"]
    return result(
        NAME,
        metric=f"RSS MiB after {cycles:,} send/check cycles",
        value=out["rss_mb_end"],
        baseline=out["rss_mb_at_checkpoint"],
        ratio=round(out["rss_mb_end"] / out["rss_mb_at_checkpoint"], 3),
        target=f"end within {TARGET_PCT:g} % of the RSS after {checkpoint:,} cycles",
        met=growth is not None and growth <= TARGET_PCT and out["failed"] == 0,
        details=out,
    )
