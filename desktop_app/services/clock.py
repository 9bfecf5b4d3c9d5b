"""One clock for every time the window shows: the clock of the active profile's server.

Countdowns, "… ago" texts, the rules that enable an action (cancel from 30 s after the start)
and the times the history stamps on its rows all read :class:`ServerClock`, so a request's
times come from one source and are always in order:

* **Sandbox profile**: the sandbox's simulated clock (it can run faster and skip ahead). It is
  read through ``/sandbox/clock`` (the sandbox may live in another process, sharing its saved
  state) and told forward locally at the speed it runs, between readings. A skip or a speed
  change made from the window hands its new reading over at once (``set_reading``); another
  process's changes are picked up by a re-read every ``sync_ms``.
* **Live profile**: this machine's clock corrected by the offset the server's ``Date`` headers
  show (:class:`~desktop_app.api.server_time.ServerTime`, learned at the API boundary from every
  answer; none yet: this machine's clock).

``changed`` is emitted whenever the time jumps (another source, a skip, a speed change, a
re-read that moved it), so every view re-renders at once instead of at its next tick. ``now``
is safe from any thread (the history store's writes call it on the pool).
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime

from PySide6.QtCore import QObject, QTimer, Signal

from desktop_app.api.sandbox_control import ClockReading, SandboxControl
from desktop_app.api.server_time import ServerTime
from desktop_app.domain.errors import SandboxUnavailableError
from desktop_app.services.tasks import Task, TaskRunner

log = logging.getLogger(__name__)

__all__ = ["JUMP_S", "ServerClock"]

#: A re-read that moves the clock by more than this (seconds) is a jump worth re-rendering for.
JUMP_S = 0.25


class ServerClock(QObject):
    """The active profile's server clock (see the module docstring).

    Calling it gives "now" as an aware UTC ``datetime`` (what the widgets' ``Clock`` is).

    Args:
        runner: Where sandbox clock reads run (a small runner: the handset's).
        server_time: The offsets learned from ``Date`` headers (the shared HTTP client's).
        sync_ms: How often the sandbox clock is re-read while the sandbox is the source.
        parent: The Qt parent.

    Signals:
        changed(): The time jumped or the source changed: re-render everything that shows it.
    """

    changed = Signal()

    def __init__(
        self,
        runner: TaskRunner,
        server_time: ServerTime,
        *,
        sync_ms: int = 5000,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._runner = runner
        self._server_time = server_time
        # One attribute, replaced whole: worker threads read it without a lock.
        self._source: ClockReading | str | None = None  # a reading, a live origin, or nothing
        self._control: SandboxControl | None = None
        self._generation = 0
        self._pending: Task[ClockReading] | None = None
        self._timer = QTimer(self)
        self._timer.setInterval(max(100, sync_ms))
        self._timer.timeout.connect(self._on_timer_timeout)

    def __call__(self) -> datetime:
        """Now, as an aware UTC datetime."""
        return datetime.fromtimestamp(self.now(), UTC)

    def now(self) -> float:
        """Now on the active server's clock (Unix seconds); any thread."""
        source = self._source
        if isinstance(source, ClockReading):
            return source.at(time.monotonic())
        if isinstance(source, str):
            offset = self._server_time.offset(source)
            return time.time() + (offset or 0.0)
        return time.time()

    @property
    def simulated(self) -> bool:
        """True while the source is the sandbox's clock (read at least once)."""
        return isinstance(self._source, ClockReading)

    @property
    def time_scale(self) -> float:
        """Server seconds per real second (1 for a live server)."""
        source = self._source
        return source.time_scale if isinstance(source, ClockReading) else 1.0

    # -- the source -------------------------------------------------------------------------

    def use_sandbox(self, control: SandboxControl) -> Task[ClockReading]:
        """Follow the sandbox ``control`` talks to; the task yields its first reading."""
        self._generation += 1
        self._control = control
        self._source = None  # this machine's clock until the sandbox's is read
        self._timer.start()
        return self.sync()

    def use_live(self, api_host: str) -> None:
        """Follow the server at ``api_host`` (this machine's clock until it has answered)."""
        self._generation += 1
        self._control = None
        self._timer.stop()
        self._cancel_pending()
        self._source = api_host
        self.changed.emit()

    def stop(self) -> None:
        """Stop re-reading (shutdown)."""
        self._timer.stop()
        self._cancel_pending()

    # -- readings ---------------------------------------------------------------------------

    def sync(self) -> Task[ClockReading]:
        """Read the sandbox clock now (fails with ``SandboxUnavailableError`` on a live one)."""
        control = self._control
        if control is None:
            return self._runner.rejected(SandboxUnavailableError(), name="clock.sync")
        self._cancel_pending()
        generation = self._generation
        task = self._runner.submit(control.clock, name="clock.sync")
        self._pending = task
        task.on_success(lambda reading: self._on_read(generation, reading))
        task.on_failure(lambda exc: log.info("sandbox clock read failed: %s", exc))
        return task.on_finished(lambda: self._on_finished(task))

    def set_reading(self, reading: ClockReading) -> None:
        """Take a sandbox reading that arrived another way (a skip's or speed change's answer).

        A re-read still in flight was asked before the skip: its answer is dropped (it would
        set the clock back), and the next one reads the clock as the skip left it.
        """
        if self._control is None:
            return
        self._generation += 1
        self._cancel_pending()
        self._apply(reading)

    def _on_read(self, generation: int, reading: ClockReading) -> None:
        current = self._source
        if generation != self._generation:
            return  # another source, or a skip's reading, came since this read was asked
        if isinstance(current, ClockReading) and reading.taken < current.taken:
            return  # an older reading than the one held
        self._apply(reading)

    def _apply(self, reading: ClockReading) -> None:
        before = self._source
        self._source = reading
        moved = not isinstance(before, ClockReading) or before.time_scale != reading.time_scale \
            or abs(before.at(reading.taken) - reading.now) > JUMP_S  # fmt: skip
        if moved:
            self.changed.emit()

    def _on_timer_timeout(self) -> None:
        if self._pending is None and self._control is not None:
            self.sync()

    def _on_finished(self, task: Task[ClockReading]) -> None:
        if self._pending is task:
            self._pending = None

    def _cancel_pending(self) -> None:
        if self._pending is not None:
            self._pending.cancel()
            self._pending = None
