"""Per-key token buckets on real (monotonic) time, like the API's per-key throughput limit."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class Throttle:
    """A token bucket per key: ``rate`` requests per second, bursts of up to ``max(rate, 1)``.

    Args:
        rate: Requests per second allowed per key; 0 disables throttling.
        real_time: The monotonic time source (injectable for tests).
    """

    def __init__(self, rate: float, real_time: Callable[[], float] = time.monotonic) -> None:
        if rate < 0:
            raise ValueError("rate must be >= 0")
        self.rate = rate
        self.capacity = max(rate, 1.0)
        self._real_time = real_time
        self._lock = threading.Lock()
        self._buckets: dict[str, tuple[float, float]] = {}

    def allow(self, key: str) -> bool:
        """Take one token for ``key``; False when the key is over its rate."""
        if self.rate <= 0:
            return True
        now = self._real_time()
        with self._lock:
            tokens, last = self._buckets.get(key, (self.capacity, now))
            tokens = min(self.capacity, tokens + (now - last) * self.rate)
            if tokens < 1.0:
                self._buckets[key] = (tokens, now)
                return False
            self._buckets[key] = (tokens - 1.0, now)
            return True
