"""Where the sandbox's time goes under the throughput load (a diagnostic, not a benchmark).

Starts the sandbox in its own process, drives it with ``benchmarks._loadgen`` (start phase then
check phase) and samples it with ``py-spy`` (``pip install py-spy`` into the venv; root or
ptrace permission needed), counting only samples of the thread that holds the GIL, so the
figures say where the one core the server can use is spent.

Run: ``python -m benchmarks._profile_sandbox [--duration 4]``. Prints, per phase, the share of
GIL-holding samples in each function (self) and under each function (inclusive).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import threading
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from benchmarks._common import sandbox_process
from benchmarks.sandbox_throughput import run_loadgen


def summarize(raw: str, top: int) -> tuple[list[tuple[str, float]], list[tuple[str, float]]]:
    """Self and inclusive shares (percent of samples) from py-spy's collapsed stacks."""
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    total = 0
    for line in raw.splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack:
            continue
        count = int(count_text)
        frames = [_short(f) for f in stack.split(";")]
        total += count
        own[frames[-1]] += count
        for frame in set(frames):
            inclusive[frame] += count
    if not total:
        return [], []

    def share(counter: Counter[str]) -> list[tuple[str, float]]:
        return [(name, round(100 * n / total, 1)) for name, n in counter.most_common(top)]

    return share(own), share(inclusive)


def _short(frame: str) -> str:
    """``func (path/to/file.py:12)`` -> ``file.py:func`` with a package hint."""
    func, _, where = frame.partition(" (")
    path = where.rstrip(")").rsplit(":", 1)[0]
    for marker in ("desktop_app/", "python3.11/"):
        if marker in path:
            path = path.split(marker, 1)[1]
            break
    return f"{path}:{func}"


def main(argv: Sequence[str] | None = None) -> int:
    """Profile the start phase and the check phase; print the top functions."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks._profile_sandbox")
    parser.add_argument("--duration", type=float, default=4.0, help="seconds per phase")
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args(argv)
    py_spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    if not Path(py_spy).exists():
        print("py-spy is not installed (pip install py-spy)", file=sys.stderr)
        return 2
    with sandbox_process() as sandbox, tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "stacks.txt"
        # Record both phases: the warm-up and the start phase, then the check phase.
        record = subprocess.Popen(
            [py_spy, "record", "--pid", str(sandbox.pid), "--gil", "--format", "raw",
             "--rate", "200", "--duration", str(int(2 * args.duration + 2)), "-o", str(out)],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        report: dict[str, object] = {}
        load = threading.Thread(
            target=lambda: report.update(
                run_loadgen(
                    sandbox.url, prefix="4499", connections=8, warmup=0.5,
                    duration=args.duration, trivial=False,
                )
            )
        )  # fmt: skip
        load.start()
        load.join()
        _, err = record.communicate(timeout=2 * args.duration + 60)
        if not out.exists():
            print(f"py-spy failed: {err[-2000:]}", file=sys.stderr)
            return 1
        own, inclusive = summarize(out.read_text(), args.top)
    print(f"load: {report}")
    print("\nself % of GIL-holding samples (start and check phases together):")
    for name, pct in own:
        print(f"  {pct:5.1f}  {name}")
    print("\ninclusive %:")
    for name, pct in inclusive:
        print(f"  {pct:5.1f}  {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
