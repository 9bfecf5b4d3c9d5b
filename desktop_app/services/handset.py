"""The simulated handset of the built-in sandbox: the codes it "delivered", and its clock.

Only the Sandbox profile has a handset. With any other profile the service is unavailable: it
polls nothing and emits nothing, and its commands fail with ``SandboxUnavailableError``.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, QTimer, Signal

from desktop_app.api.sandbox_control import ClockReading, SandboxControl
from desktop_app.domain.errors import SandboxUnavailableError
from desktop_app.domain.models import HandsetMessage
from desktop_app.services.tasks import Task, TaskRunner

log = logging.getLogger(__name__)

__all__ = ["HandsetService"]


class HandsetService(QObject):
    """Polls the sandbox's delivered messages and drives its clock, on the pool.

    Args:
        runner: The runner the polls run on (a small one of their own is best: see
            ``desktop_app.services.build_runners``).
        control: The sandbox control client, or None when the profile is not the sandbox.
        poll_ms: How often to poll while started.
        parent: The Qt parent.

    Signals:
        messages_changed(object): ``tuple[HandsetMessage, ...]`` (oldest first), only when the
            list differs from the last one emitted.
        clock_changed(float): The sandbox time scale, after ``set_time_scale`` succeeded.
        clock_read(object): The sandbox's :class:`ClockReading` after a skip or a speed change
            (the window's one clock takes it at once: every countdown follows).
    """

    messages_changed = Signal(object)
    clock_changed = Signal(float)
    clock_read = Signal(object)

    def __init__(
        self,
        runner: TaskRunner,
        control: SandboxControl | None,
        *,
        poll_ms: int = 1000,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._runner = runner
        self._control = control
        self._timer = QTimer(self)
        self._timer.setInterval(max(50, poll_ms))
        self._timer.timeout.connect(self._on_timer_timeout)
        self._messages: tuple[HandsetMessage, ...] = ()
        self._poll: Task[tuple[HandsetMessage, ...]] | None = None
        self._generation = 0

    @property
    def available(self) -> bool:
        """False when the profile is not the sandbox."""
        return self._control is not None

    @property
    def messages(self) -> tuple[HandsetMessage, ...]:
        """The last list emitted."""
        return self._messages

    def set_control(self, control: SandboxControl | None) -> None:
        """Talk to another sandbox (or none); a poll in flight for the old one is dropped."""
        self._control = control
        self._generation += 1
        if self._poll is not None:
            self._poll.cancel()
            self._poll = None
        if control is None and self._messages:
            self._messages = ()
            self.messages_changed.emit(())

    def start(self) -> None:
        """Poll every ``poll_ms`` (only while available)."""
        self._timer.start()

    def stop(self) -> None:
        """Stop polling."""
        self._timer.stop()

    def refresh(self) -> Task[tuple[HandsetMessage, ...]]:
        """Read the delivered messages now (oldest first); ``messages_changed`` follows.

        When unavailable the task succeeds with ``()`` and nothing is emitted.
        """
        control = self._control
        if control is None:
            return self._runner.resolved((), name="handset.refresh")
        generation = self._generation
        task = self._runner.submit(control.messages, name="handset.messages")
        return task.on_success(lambda messages: self._on_messages_read(generation, messages))

    def set_time_scale(self, scale: float) -> Task[float]:
        """Make sandbox time run ``scale`` times faster; yields the scale (``clock_changed``)."""
        control = self._control
        if control is None:
            return self._runner.rejected(SandboxUnavailableError(), name="handset.time_scale")

        def told(reading: ClockReading) -> float:
            self.clock_read.emit(reading)
            return float(scale)

        task = self._runner.submit(
            lambda: control.set_time_scale(scale), name="handset.time_scale", then=told
        )
        return task.on_success(self.clock_changed.emit)

    def advance(self, seconds: float) -> Task[ClockReading]:
        """Move the sandbox clock forward, then re-read the messages; yields the new clock."""
        control = self._control
        if control is None:
            return self._runner.rejected(SandboxUnavailableError(), name="handset.advance")
        task = self._runner.submit(lambda: control.advance_clock(seconds), name="handset.advance")
        # Advancing the clock may fire deliveries: show them without waiting for the next poll
        # (a failed read is the poll's business: it tries again within a second).
        return task.on_success(self.clock_read.emit).on_success(
            lambda _: self.refresh().on_failure(self._on_poll_failed)
        )

    def inbound(self, channel: str, from_: str, to: str, text: str) -> Task[str]:
        """The customer ``from_`` writes ``text`` to ``to`` (``POST /sandbox/inbound``).

        On WhatsApp this opens the customer's 24-hour window. Yields the inbound message's id.
        """
        control = self._control
        if control is None:
            return self._runner.rejected(SandboxUnavailableError(), name="handset.inbound")
        return self._runner.submit(
            lambda: control.inbound(channel, from_, to, text), name="handset.inbound"
        )

    def _on_timer_timeout(self) -> None:
        if self._control is None or self._poll is not None:
            return  # unavailable, or the last poll is still running (a slow sandbox)
        self._poll = self.refresh().on_failure(self._on_poll_failed)
        self._poll.on_finished(self._on_poll_finished)

    def _on_poll_failed(self, exc: BaseException) -> None:
        log.info("handset poll failed: %s", exc)

    def _on_poll_finished(self) -> None:
        self._poll = None

    def _on_messages_read(self, generation: int, messages: tuple[HandsetMessage, ...]) -> None:
        if generation != self._generation:
            return  # read from a sandbox we no longer talk to
        if messages != self._messages:
            self._messages = messages
            self.messages_changed.emit(messages)
