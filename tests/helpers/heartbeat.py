"""A GUI-thread heartbeat with a same-run control, for the "never stalls" acceptance tests.

A QTimer on the GUI thread records when it really ticked. On a shared 2-core machine other
processes can delay every thread of this process alike, which is not a stall this app caused.
So a second *process* ticks on the same schedule at the same time: it has its own interpreter
and GIL, so nothing this process does (a GIL hog, a blocking call on the GUI thread) can delay
it, while machine-wide starvation delays both. A GUI gap counts against the app only by how
much it exceeds the control's lateness over the same moment. On an idle machine the control is
never late and the check is the plain one.
"""

from __future__ import annotations

import itertools
import subprocess
import sys
import time
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QTimer

from tests.helpers.sandbox import wait_for_stopping_sandboxes

# time.perf_counter is CLOCK_MONOTONIC on Linux: one clock for both processes.
_CONTROL = """
import sys, threading, time
interval = float(sys.argv[1])
stop = threading.Event()
threading.Thread(target=lambda: (sys.stdin.read(), stop.set()), daemon=True).start()
ticks = []
while not stop.is_set():
    time.sleep(interval)
    ticks.append(time.perf_counter())
sys.stdout.write(" ".join(repr(t) for t in ticks))
"""


@dataclass(frozen=True)
class HeartbeatResult:
    """What a heartbeat saw, in milliseconds."""

    ticks: int
    max_gap_ms: float
    #: The worst lateness of a GUI tick (gap minus the interval).
    late_ms: float
    #: The worst GUI lateness left after subtracting the control's lateness at that moment.
    unexplained_late_ms: float
    control_late_ms: float

    def describe(self) -> str:
        """One line for the test log and failure messages."""
        return (
            f"{self.ticks} ticks, max gap {self.max_gap_ms:.1f} ms (late {self.late_ms:.1f} ms; "
            f"control process late {self.control_late_ms:.1f} ms; "
            f"unexplained {self.unexplained_late_ms:.1f} ms)"
        )


class Heartbeat:
    """Tick a QTimer on the GUI thread and a control process side by side."""

    def __init__(self, qtbot: Any, interval_ms: int = 10) -> None:
        wait_for_stopping_sandboxes()  # measure this test alone, not an earlier one's teardown
        self.interval_ms = interval_ms
        self.ticks: list[float] = []
        self._control = subprocess.Popen(
            [sys.executable, "-c", _CONTROL, str(interval_ms / 1000)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self.timer = QTimer()
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(lambda: self.ticks.append(time.perf_counter()))
        self.timer.start()
        qtbot.waitUntil(lambda: len(self.ticks) >= 5)
        self.ticks.clear()

    def stop(self) -> HeartbeatResult:
        """Stop both and compare them."""
        self.timer.stop()
        out, _ = self._control.communicate("", timeout=30)
        control = [float(t) for t in out.split()]
        interval = self.interval_ms / 1000
        worst_late = worst_unexplained = 0.0
        for a, b in itertools.pairwise(self.ticks):
            late = (b - a) - interval
            worst_late = max(worst_late, late)
            if late > 0:
                excused = _control_late(control, a, b, interval)
                worst_unexplained = max(worst_unexplained, late - excused)
        control_late = max(
            ((b - a) - interval for a, b in itertools.pairwise(control)), default=0.0
        )
        gaps = [b - a for a, b in itertools.pairwise(self.ticks)]
        return HeartbeatResult(
            ticks=len(self.ticks),
            max_gap_ms=max(gaps, default=0.0) * 1000,
            late_ms=worst_late * 1000,
            unexplained_late_ms=worst_unexplained * 1000,
            control_late_ms=max(control_late, 0.0) * 1000,
        )


def _control_late(control: list[float], start: float, end: float, interval: float) -> float:
    """The control's worst lateness among its gaps that overlap ``[start, end]``."""
    overlapping = (b - a for a, b in itertools.pairwise(control) if b >= start and a <= end)
    return max((gap - interval for gap in overlapping), default=0.0)
