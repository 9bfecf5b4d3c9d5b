"""The Verify v2 lifecycle: the shared state machine with v2's code, cancel and silent auth.

Verify v2 (field guide ``shared/docs/verify-api.md`` §2.1, §2.3) shares
:class:`~desktop_app.domain.state_machine.Lifecycle` where the rules agree: channels fire in
order, each one ``channel_timeout`` seconds after the previous (``next_workflow`` fires the next
one now and the schedule restarts from it); three wrong codes fail the request. Where v2
differs, :class:`V2Lifecycle` says so:

* one code per request, valid until the workflow ends: the end is ``channel_timeout`` after
  the last channel fired (so every channel gets its full timeout), and no new code is made;
* cancel is allowed at any time while the request is live (v2 documents no 30 s rule);
* a code checked while the current step is silent auth is refused without counting as wrong
  (:attr:`~desktop_app.domain.state_machine.CheckOutcome.CODE_NOT_SUPPORTED`); silent auth
  completes through :meth:`V2Lifecycle.complete_silent_auth` instead;
* a channel that cannot deliver (``failing_steps``: the sandbox's test numbers) fails at once:
  the next channel fires at the same moment, and after the last one the request is FAILED.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, fields
from typing import Self

from desktop_app.domain.countdown import Countdown
from desktop_app.domain.models import VerificationStatus
from desktop_app.domain.state_machine import (
    CheckOutcome,
    ControlOutcome,
    Delivery,
    Lifecycle,
    LifecycleSnapshot,
)

__all__ = ["SILENT_AUTH_STEP", "V2Lifecycle", "V2LifecycleSnapshot"]

#: The Verify v2 channel that takes no code.
SILENT_AUTH_STEP = "silent_auth"


@dataclass(frozen=True)
class V2LifecycleSnapshot(LifecycleSnapshot):
    """A v2 lifecycle's whole state: the shared machine's, and its channels that cannot deliver.

    Attributes:
        failing_steps: The channels that fail as they fire.
        failed_steps: Those that fired and failed, in order.
    """

    failing_steps: tuple[int, ...] = ()
    failed_steps: tuple[int, ...] = ()


class V2Lifecycle(Lifecycle):
    """A Verify v2 request: the shared machine with v2's code, cancel and silent-auth rules.

    Args:
        started_at: When the request started (the first channel fires then).
        new_code: Returns the request's code (called once).
        channels: The workflow's channels in order (``"sms"``, ``"voice"``, ``"email"``,
            ``"whatsapp"``, ``"silent_auth"``).
        channel_timeout: Seconds each channel gets before the next one fires.
        failing_steps: Indexes of the channels that cannot deliver (each fails as it fires).
    """

    def __init__(
        self,
        started_at: float,
        new_code: Callable[[], str],
        *,
        channels: Sequence[str],
        channel_timeout: int,
        failing_steps: Collection[int] = (),
    ) -> None:
        if channel_timeout <= 0:
            raise ValueError("channel_timeout must be positive")
        self._failing = frozenset(failing_steps)
        #: The steps that fired and failed, in order.
        self.failed_steps: list[int] = []
        super().__init__(
            started_at,
            new_code,
            workflow_id=0,
            pin_expiry=channel_timeout * max(len(channels), 1),
            next_event_wait=channel_timeout,
            steps=channels,
        )

    def snapshot(self) -> V2LifecycleSnapshot:
        """The whole state as plain values, the failing channels too."""
        base = super().snapshot()
        return V2LifecycleSnapshot(
            **{f.name: getattr(base, f.name) for f in fields(base)},
            failing_steps=tuple(sorted(self._failing)),
            failed_steps=tuple(self.failed_steps),
        )

    @classmethod
    def restore(cls, snapshot: LifecycleSnapshot, new_code: Callable[[], str]) -> Self:
        """The lifecycle ``snapshot`` was taken of (a plain one: no failing channel)."""
        lifecycle = super().restore(snapshot, new_code)
        v2 = snapshot if isinstance(snapshot, V2LifecycleSnapshot) else None
        lifecycle._failing = frozenset(v2.failing_steps if v2 else ())
        lifecycle.failed_steps = list(v2.failed_steps if v2 else ())
        return lifecycle

    def _fire(self, at: float) -> Delivery:
        delivery = super()._fire(at)
        if delivery.index in self._failing and self.is_live:
            # The channel could not deliver: move on now (no timeout to wait out), or fail.
            self.failed_steps.append(delivery.index)
            if self.events_left:
                self._fire(at)
            else:
                self._finish(VerificationStatus.FAILED, at)
        return delivery

    @property
    def channel_timeout(self) -> int:
        """Seconds each channel gets."""
        return self.next_event_wait

    @property
    def current_channel(self) -> str:
        """The channel fired last (the one the request is waiting on while live)."""
        return self.deliveries[-1].channel

    @property
    def pin_expires_at(self) -> float:
        """When the code stops being accepted: the end of the workflow as things stand."""
        if not self.deliveries:
            return self.started_at + self.next_event_wait * len(self.steps)
        return self.deliveries[-1].at + self.next_event_wait * (1 + self.events_left)

    def countdown(self) -> Countdown:
        """Timings for a window: cancel is allowed any time; one code for the whole request."""
        return Countdown(
            next_event_at=self.next_event_at,
            pin_expires_at=self.pin_expires_at,
            cancel_allowed_from=self.started_at,
            cancel_allowed_until=None,
            attempts_left=self.attempts_left,
            events_left=self.events_left,
            expires_at=self.pin_expires_at,
        )

    def check(self, code: str, now: float) -> CheckOutcome:
        """Submit a code; refused without counting while the current step is silent auth."""
        self.advance(now)
        if self.is_live and self.current_channel == SILENT_AUTH_STEP:
            return CheckOutcome.CODE_NOT_SUPPORTED
        return super().check(code, now)

    def cancel(self, now: float) -> ControlOutcome:
        """Cancel at ``now``; v2 allows it whenever the request is live."""
        self.advance(now)
        if not self.is_live:
            return ControlOutcome.NOT_ACTIVE
        self._finish(VerificationStatus.CANCELLED, now)
        return ControlOutcome.OK

    def complete_silent_auth(self, now: float) -> bool:
        """The handset opened the check URL: True (and SUCCESS) if silent auth is current."""
        self.advance(now)
        if not self.is_live or self.current_channel != SILENT_AUTH_STEP:
            return False
        self._finish(VerificationStatus.SUCCESS, now)
        return True
