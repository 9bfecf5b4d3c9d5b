"""A simulated clock that runs at a settable speed and can jump forward, within what dates hold.

Simulated time is Unix seconds. It starts at the real time when the clock is built and then
advances ``time_scale`` simulated seconds per real second; :meth:`SimClock.advance` adds a jump.
The clock never passes :data:`MAX_TIME` (9999-01-01 UTC): every time the sandbox shows is a
date, and the year before the end of the calendar leaves room for the furthest deadline a
request can set. A jump past it is refused (nothing moves); running fast into it, the clock
stops there.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

__all__ = ["MAX_TIME", "MAX_TIME_SCALE", "ClockState", "SimClock"]

#: The latest simulated time (Unix seconds of 9999-01-01T00:00:00Z).
MAX_TIME = datetime(9999, 1, 1, tzinfo=UTC).timestamp()
#: The fastest the clock may run (simulated seconds per real second).
MAX_TIME_SCALE = 1_000_000.0


@dataclass(frozen=True)
class ClockState:
    """What a clock reads and how fast it runs: all of it a save file needs."""

    now: float
    time_scale: float


class SimClock:
    """Thread-safe simulated clock.

    Args:
        time_scale: Simulated seconds per real second (0 freezes the clock).
        start: Simulated time at creation (defaults to the real wall clock).
        real_time: The real monotonic time source (injectable for tests).

    Raises:
        ValueError: ``time_scale`` or ``start`` is out of range.
    """

    def __init__(
        self,
        time_scale: float = 1.0,
        *,
        start: float | None = None,
        real_time: Callable[[], float] = time.monotonic,
    ) -> None:
        _check_scale(time_scale)
        base = time.time() if start is None else start
        if not (math.isfinite(base) and 0 <= base <= MAX_TIME):
            raise ValueError("start must be a time from 1970 to 9999-01-01")
        self._lock = threading.Lock()
        self._real_time = real_time
        self._base_real = real_time()
        self._base_sim = base
        self._scale = time_scale

    def now(self) -> float:
        """Return the current simulated time (Unix seconds)."""
        with self._lock:
            return self._now_locked()

    @property
    def time_scale(self) -> float:
        """Simulated seconds per real second."""
        with self._lock:
            return self._scale

    def set_time_scale(self, time_scale: float) -> None:
        """Change the speed from now on (time already elapsed is kept).

        Raises:
            ValueError: Not a number from 0 to :data:`MAX_TIME_SCALE`.
        """
        _check_scale(time_scale)
        with self._lock:
            self._rebase()
            self._scale = time_scale

    def advance(self, seconds: float) -> float:
        """Jump ``seconds`` forward and return the new simulated time.

        Raises:
            ValueError: ``seconds`` is negative, not finite, or would pass :data:`MAX_TIME`;
                the clock has not moved.
        """
        if not math.isfinite(seconds) or seconds < 0:
            raise ValueError("seconds must be a finite number >= 0")
        with self._lock:
            self._rebase()
            if seconds > MAX_TIME - self._base_sim:
                raise ValueError(
                    f"seconds must be at most {math.floor(MAX_TIME - self._base_sim)}: the "
                    "clock cannot go past 9999-01-01"
                )
            self._base_sim += seconds
            return self._base_sim

    def state(self) -> ClockState:
        """The current reading and speed."""
        with self._lock:
            return ClockState(self._now_locked(), self._scale)

    def restore(self, state: ClockState) -> None:
        """Read ``state.now`` from this moment on, at ``state.time_scale``.

        Raises:
            ValueError: The state is out of range.
        """
        _check_scale(state.time_scale)
        if not (math.isfinite(state.now) and 0 <= state.now <= MAX_TIME):
            raise ValueError("now must be a time from 1970 to 9999-01-01")
        with self._lock:
            self._base_real = self._real_time()
            self._base_sim = state.now
            self._scale = state.time_scale

    def _now_locked(self) -> float:
        now = self._base_sim + (self._real_time() - self._base_real) * self._scale
        return now if now < MAX_TIME else MAX_TIME

    def _rebase(self) -> None:
        real = self._real_time()
        self._base_sim = min(MAX_TIME, self._base_sim + (real - self._base_real) * self._scale)
        self._base_real = real


def _check_scale(time_scale: float) -> None:
    if not math.isfinite(time_scale) or not 0 <= time_scale <= MAX_TIME_SCALE:
        raise ValueError(f"time_scale must be between 0 and {MAX_TIME_SCALE:.0f}")
