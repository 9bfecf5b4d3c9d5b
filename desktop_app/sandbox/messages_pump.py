"""A thread that plays the Messages engine's due status events while no request arrives.

The shared state plays due deadlines lazily, on entering any operation: enough for Verify,
whose changes are only seen by asking. A status webhook must arrive on its own (a receiver
waits for ``delivered`` without calling the sandbox), so :class:`DeadlinePump` wakes when
the soonest event it was told about is due by the simulated clock (at its current speed) and
enters an empty transaction, which plays everything due, in order. Advancing the clock plays
what became due itself; a change of speed is noticed within :data:`MAX_SLEEP` real seconds.

Wake-ups are coalesced to one every :data:`MIN_SLEEP` real seconds, so a burst of sends costs
a few transactions, not one per event. The wake-up times are run-time only (after a load, the
engine tells the pump again).
"""

from __future__ import annotations

import heapq
import logging
import threading
from typing import Final

from desktop_app.sandbox.shared import SharedState

__all__ = ["MAX_SLEEP", "MIN_SLEEP", "DeadlinePump"]

log = logging.getLogger(__name__)

#: The longest the pump sleeps between looks at the clock (real seconds).
MAX_SLEEP: Final = 0.25
#: The shortest (wake-ups closer than this are played together).
MIN_SLEEP: Final = 0.01


class DeadlinePump:
    """Plays due deadlines of the shared state at the simulated times they fall due.

    Args:
        state: The shared state whose deadlines are played.
    """

    def __init__(self, state: SharedState) -> None:
        self._state = state
        self._due: list[float] = []
        self._cond = threading.Condition()
        self._thread: threading.Thread | None = None
        self._closed = False

    def wake(self, due: float) -> None:
        """Make sure the state is entered once the simulated clock reaches ``due``."""
        with self._cond:
            if self._closed:
                return
            soonest = self._due[0] if self._due else None
            heapq.heappush(self._due, due)
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="sandbox-messages-pump", daemon=True
                )
                self._thread.start()
            elif soonest is None or due < soonest:
                self._cond.notify()

    def close(self, timeout: float = 5.0) -> None:
        """Stop the thread (events still due are played by the next operation, if any)."""
        with self._cond:
            self._closed = True
            thread = self._thread
            self._cond.notify()
        if thread is not None:
            thread.join(timeout)

    def _run(self) -> None:
        clock = self._state.clock
        while True:
            with self._cond:
                if self._closed:
                    return
                if not self._due:
                    self._cond.wait()
                    continue
                reading = clock.state()
                if self._due[0] > reading.now:
                    if reading.time_scale > 0:
                        wait = (self._due[0] - reading.now) / reading.time_scale
                        wait = min(max(wait, MIN_SLEEP), MAX_SLEEP)
                    else:
                        wait = MAX_SLEEP
                    self._cond.wait(wait)
                    continue
                while self._due and self._due[0] <= reading.now:
                    heapq.heappop(self._due)
            try:
                with self._state.begin():
                    pass  # entering plays every due deadline, oldest first
            except Exception:
                log.error("sandbox: playing due status events failed", exc_info=True)
            with self._cond:
                if not self._closed:
                    self._cond.wait(MIN_SLEEP)
