"""A simulated clock that runs at a settable speed and can jump forward.

Simulated time is Unix seconds. It starts at the real time when the clock is built and then
advances ``time_scale`` simulated seconds per real second; :meth:`SimClock.advance` adds a jump.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable


class SimClock:
    """Thread-safe simulated clock.

    Args:
        time_scale: Simulated seconds per real second (0 freezes the clock).
        start: Simulated time at creation (defaults to the real wall clock).
        real_time: The real monotonic time source (injectable for tests).
    """

    def __init__(
        self,
        time_scale: float = 1.0,
        *,
        start: float | None = None,
        real_time: Callable[[], float] = time.monotonic,
    ) -> None:
        _check_scale(time_scale)
        self._lock = threading.Lock()
        self._real_time = real_time
        self._base_real = real_time()
        self._base_sim = time.time() if start is None else start
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
        """Change the speed from now on (time already elapsed is kept)."""
        _check_scale(time_scale)
        with self._lock:
            self._rebase()
            self._scale = time_scale

    def advance(self, seconds: float) -> float:
        """Jump ``seconds`` forward and return the new simulated time."""
        if not math.isfinite(seconds) or seconds < 0:
            raise ValueError("seconds must be a finite number >= 0")
        with self._lock:
            self._rebase()
            self._base_sim += seconds
            return self._base_sim

    def _now_locked(self) -> float:
        return self._base_sim + (self._real_time() - self._base_real) * self._scale

    def _rebase(self) -> None:
        real = self._real_time()
        self._base_sim += (real - self._base_real) * self._scale
        self._base_real = real


def _check_scale(time_scale: float) -> None:
    if not math.isfinite(time_scale) or not 0 <= time_scale <= 1_000_000:
        raise ValueError("time_scale must be between 0 and 1000000")
