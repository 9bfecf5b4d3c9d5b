"""Scenario runs on a paused sandbox clock: ten simulated minutes cost no real time.

Two scenario files run through the same runner and target factory as ``verify-desk-cli run``
(a fresh sandbox per file, clock paused): *waiting* starts a request and moves the clock ten
simulated minutes (``advance`` 600 s, then ``wait`` until it expires), *baseline* makes the
same calls without moving the clock. They run interleaved; the figure is the median wall time
of the waiting file, and the ratio waiting / baseline shows what the ten minutes cost.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks import register, result
from benchmarks._common import median, rotated

NAME = "scenario_clock"

_STEPS = """
[[scenario]]
name = "{name}"
  [[scenario.step]]
  do = "start"
  number = "447700900123"
  workflow_id = 6
  pin_expiry = 900
  next_event_wait = 900
  [[scenario.step]]
  do = "read_code"
{advance}
  [[scenario.step]]
  do = "inspect"
  expect.status = "{status}"
"""
_ADVANCE = """  [[scenario.step]]
  do = "advance"
  minutes = 10
  [[scenario.step]]
  do = "wait"
  until.status = "EXPIRED"
  expect.waited = 300
"""


def _run_once(path: Path, history: Path) -> tuple[float, float]:
    from desktop_app.cli.parser import parse_args
    from desktop_app.cli.scenario_targets import target_factory
    from desktop_app.usecases.scenarios_engine import ScenarioRunner
    from desktop_app.usecases.scenarios_load import load_files

    args = parse_args(["--history-db", str(history), "run", str(path)])
    files = load_files([path])
    started = time.perf_counter()
    with target_factory(args) as targets:
        summary = ScenarioRunner(targets).run(files)
    spent = time.perf_counter() - started
    if not summary.ok:
        raise RuntimeError(f"{path.name} failed: {summary.cases[0].reason}")
    return spent, summary.simulated_seconds


@register(NAME)
def run(quick: bool) -> dict[str, Any]:
    """Wall seconds of a scenario that moves a paused clock 15 min vs the same without."""
    rounds = 5 if quick else 15
    walls: dict[str, list[float]] = {"waiting": [], "baseline": []}
    simulated: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder)
        files = {
            "waiting": _STEPS.format(name="waiting", advance=_ADVANCE, status="EXPIRED"),
            "baseline": _STEPS.format(name="baseline", advance="", status="IN PROGRESS"),
        }
        paths = {}
        for name, text in files.items():
            paths[name] = base / f"{name}.toml"
            paths[name].write_text(text, encoding="utf-8")
        for name in files:  # warm-up: imports, the first sandbox
            _run_once(paths[name], base / "warm.sqlite3")
        for round_no in range(rounds):
            for name in rotated(list(files), round_no):
                wall, sim = _run_once(paths[name], base / f"{name}-{round_no}.sqlite3")
                walls[name].append(wall)
                simulated[name] = sim
    value, baseline = median(walls["waiting"]), median(walls["baseline"])
    return result(
        NAME,
        metric="median wall seconds of a scenario file that waits 15 simulated minutes",
        value=round(value, 4),
        baseline=round(baseline, 4),
        ratio=round(value / baseline, 3),
        target="under 1 s of real time (the simulated minutes cost no sleeping)",
        met=value < 1.0,
        details={
            "rounds": rounds,
            "simulated_seconds": simulated,
            "wall_seconds_rounds": {k: [round(v, 4) for v in vals] for k, vals in walls.items()},
            "ratio_is": "waiting / baseline (the same calls without moving the clock)",
        },
    )
