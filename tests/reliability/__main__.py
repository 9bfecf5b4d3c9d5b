"""``python -m tests.reliability``: run the reliability suite and print its figures.

Runs ``tests/reliability`` through pytest in this process, then prints the figures (faults
injected and handled, bad inputs tried, kills survived, rows lost, secrets found...) as text and,
last, as one JSON object on a line of its own. Extra arguments go to pytest (e.g. ``-k kill``).
Exit status: pytest's.
"""

from __future__ import annotations

import json
import sys
import time
from collections import Counter
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]


class _Outcomes:
    """Counts test outcomes (xfail and xpass included)."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.when == "call" or (report.when == "setup" and report.outcome != "passed"):
            if hasattr(report, "wasxfail"):
                self.counts["xfailed" if report.skipped else "xpassed"] += 1
            else:
                self.counts[report.outcome] += 1


def _figures_module() -> ModuleType | None:
    # pytest imports this package as "reliability" (rootdir-relative, tests/ has no
    # __init__.py); a plain import would name it "tests.reliability".
    for name in ("reliability.figures", "tests.reliability.figures"):
        module = sys.modules.get(name)
        if module is not None:
            return module
    return None


def main(argv: list[str]) -> int:
    outcomes = _Outcomes()
    started = time.monotonic()
    code = int(pytest.main(["-q", "-p", "no:randomly", str(HERE), *argv], plugins=[outcomes]))
    elapsed = time.monotonic() - started
    module = _figures_module()
    data: dict[str, Any] = module.snapshot() if module is not None else {}
    notes: list[str] = module.notes() if module is not None else []
    summary: dict[str, Any] = {
        "kills_survived": data.get("kill_databases_integrity_ok", 0),
        "kills": data.get("kills", 0),
        "rows_lost": data.get("rows_lost", 0) + data.get("concurrent_rows_lost", 0),
        "faults_injected": data.get("faults_injected", 0),
        "faults_handled": data.get("faults_handled", 0),
        "bad_inputs_tried": data.get("bad_inputs_tried", 0) + data.get("sandbox_hostile_cases", 0),
        "secrets_found": data.get("secrets_found", 0),
        "figures": data,
        "tests": dict(outcomes.counts),
        "notes": notes,
        "seconds": round(elapsed, 1),
        "pytest_exit": code,
    }
    print("\n== Verify Desk reliability run ==")
    print(f"kills survived        {summary['kills_survived']} / {summary['kills']}")
    print(f"rows lost             {summary['rows_lost']}")
    print(f"faults injected       {summary['faults_injected']}")
    print(f"faults handled        {summary['faults_handled']}")
    print(f"bad inputs tried      {summary['bad_inputs_tried']}")
    print(f"secrets found         {summary['secrets_found']}")
    print(f"tests                 {dict(outcomes.counts)}")
    print(json.dumps(summary, sort_keys=False))
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
