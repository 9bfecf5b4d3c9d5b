"""Entry point: ``python -m benchmarks [--quick] [--only NAME ...] [--json-out FILE] [--list]``.

Prints one JSON object per line: first a header (machine and versions), then one line per
benchmark. ``--quick`` runs fewer iterations (the whole run stays under a minute). Exit status:
0 when every selected benchmark ran (whether or not its target was met; ``--strict`` also fails
on a missed target), 1 when one raised, 2 for an unknown name.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from benchmarks import discover
from benchmarks._common import machine_info


def build_parser() -> argparse.ArgumentParser:
    """The argument parser."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="Verify Desk benchmarks; one JSON line per benchmark, ratios vs same-run "
        "baselines.",
    )
    parser.add_argument("--quick", action="store_true", help="fewer iterations (< 1 minute)")
    parser.add_argument("--only", nargs="+", metavar="NAME", help="run only these benchmarks")
    parser.add_argument("--json-out", type=Path, help="also write the JSON lines to this file")
    parser.add_argument("--list", action="store_true", help="list the benchmarks and exit")
    parser.add_argument("--strict", action="store_true", help="exit 3 when a target is missed")
    return parser


def _emit(obj: dict[str, Any], sink: list[str]) -> None:
    line = json.dumps(obj, sort_keys=False)
    sink.append(line)
    print(line, flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the selected benchmarks; returns the exit status."""
    args = build_parser().parse_args(argv)
    registry = discover()
    if args.list:
        for bench in registry.values():
            print(f"{bench.name}\t{bench.summary}")
        return 0
    names = list(args.only or registry)
    unknown = [n for n in names if n not in registry]
    if unknown:
        print(
            f"unknown benchmark(s): {', '.join(unknown)}; known: {', '.join(registry)}",
            file=sys.stderr,
        )
        return 2
    lines: list[str] = []
    _emit(machine_info(args.quick), lines)
    status = 0
    for name in names:
        started = time.perf_counter()
        try:
            outcome = registry[name].run(args.quick)
        except Exception as exc:  # one broken benchmark must not hide the others
            traceback.print_exc(file=sys.stderr)
            outcome = {
                "name": name,
                "metric": "error",
                "value": None,
                "baseline": None,
                "ratio": None,
                "target": "",
                "met": False,
                "details": {"error": f"{type(exc).__name__}: {exc}"},
            }
            status = 1
        outcome.setdefault("details", {})["wall_s"] = round(time.perf_counter() - started, 1)
        if args.strict and not outcome["met"] and status == 0:
            status = 3
        _emit(outcome, lines)
    if args.json_out is not None:
        args.json_out.write_text("\n".join(lines) + "\n")
    return status


if __name__ == "__main__":
    sys.exit(main())
