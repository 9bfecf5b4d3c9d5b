"""The Verify v1 verification lifecycle as a pure state machine (no I/O, no clock reads).

Time is passed in as float seconds (any epoch; the sandbox uses simulated Unix time). The rules
follow the field guide (``shared/docs/verify-api.md`` §1.3, §1.6, §1.8):

* Delivery events: the first one fires at the start, each later one ``next_event_wait`` seconds
  after the previous one. ``trigger_next`` fires the next one now and the schedule restarts
  from it.
* PINs: one is generated at the start and is valid for ``pin_expiry`` seconds. At each delivery
  event, if the current PIN has expired, a new PIN is generated (and the wrong-code counter
  restarts). ``pin_expiry`` that is not an exact multiple of ``next_event_wait`` is silently
  forced to ``next_event_wait``, as the real API does.
* The request is EXPIRED once the current PIN has expired and no delivery event remains.
* Checks: a right code finishes it as SUCCESS; the 3rd wrong code for the same PIN finishes it
  as FAILED. A code checked after its PIN expired counts as wrong.
* Cancel is allowed from 30 s after the start until the 2nd delivery event has fired.

The machine reports outcomes as enums; mapping them to API status codes and texts is the
caller's job (v1 and v2 word them differently). PIN values come from an injected generator so
the machine stays deterministic under test.

:class:`~desktop_app.domain.v2_lifecycle.V2Lifecycle` subclasses this machine for Verify v2;
:func:`~desktop_app.domain.countdown.predict` makes the same timing prediction for a window.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Self

from desktop_app.domain.countdown import Countdown, effective_pin_expiry, predict
from desktop_app.domain.models import VerificationStatus
from desktop_app.domain.workflows import (
    CANCEL_NOT_BEFORE_S,
    DEFAULT_NEXT_EVENT_WAIT,
    DEFAULT_PIN_EXPIRY,
    DEFAULT_WORKFLOW_ID,
    MAX_WRONG_CODES,
    WORKFLOWS,
)

__all__ = [
    "CheckAttemptRecord",
    "CheckOutcome",
    "ControlOutcome",
    "Delivery",
    "Lifecycle",
    "LifecycleSnapshot",
]


class CheckOutcome(enum.Enum):
    """What a submitted code did (v1: MATCH 0, WRONG 16, TOO_MANY 17, NOT_ACTIVE 6)."""

    MATCH = "match"
    WRONG = "wrong"
    TOO_MANY = "too_many"
    NOT_ACTIVE = "not_active"
    #: Verify v2: the current step (silent auth) takes no code; nothing was counted.
    CODE_NOT_SUPPORTED = "code_not_supported"


class ControlOutcome(enum.Enum):
    """What a cancel or trigger-next command did (v1: OK 0, NOT_ACTIVE 6, the rest 19)."""

    OK = "ok"
    TOO_EARLY = "too_early"
    TOO_LATE = "too_late"
    NO_MORE_EVENTS = "no_more_events"
    NOT_ACTIVE = "not_active"


@dataclass(frozen=True)
class Delivery:
    """One delivery event that fired.

    Attributes:
        index: 0 for the first event of the workflow, 1 for the second, ...
        channel: ``"sms"`` or ``"tts"``.
        at: When it fired (seconds).
        code: The PIN it delivered.
        new_pin: True when this event generated a new PIN (always true for the first).
    """

    index: int
    channel: str
    at: float
    code: str = field(repr=False)
    new_pin: bool


@dataclass(frozen=True)
class CheckAttemptRecord:
    """One code submitted against the request."""

    at: float
    code: str = field(repr=False)
    valid: bool


@dataclass(frozen=True)
class LifecycleSnapshot:
    """Everything a lifecycle holds, as plain values: what a saved sandbox keeps of it.

    The code source is not part of it (it is a function): :meth:`Lifecycle.restore` takes a
    new one.
    """

    started_at: float
    workflow_id: int
    steps: tuple[str, ...]
    pin_expiry: int
    next_event_wait: int
    status: VerificationStatus
    finalized_at: float | None
    deliveries: tuple[Delivery, ...]
    checks: tuple[CheckAttemptRecord, ...]
    wrong_attempts: int
    code: str = field(repr=False)
    pin_generated_at: float


class Lifecycle:
    """The state of one verification request, advanced by explicit times.

    Every public method takes ``now`` and first plays out whatever became due before it
    (delivery events, expiry), so callers never need a background timer.

    Args:
        started_at: When the request started (the first event fires then).
        new_code: Returns a fresh PIN each time one is needed.
        workflow_id: The workflow (1..7).
        pin_expiry: Requested PIN lifetime in seconds (forced like the API does).
        next_event_wait: Seconds between delivery events.
        steps: The channels to play instead of ``workflow_id``'s (used by
            :class:`V2Lifecycle`; ``workflow_id`` is then only a label).
    """

    def __init__(
        self,
        started_at: float,
        new_code: Callable[[], str],
        *,
        workflow_id: int = DEFAULT_WORKFLOW_ID,
        pin_expiry: int = DEFAULT_PIN_EXPIRY,
        next_event_wait: int = DEFAULT_NEXT_EVENT_WAIT,
        steps: Sequence[str] | None = None,
    ) -> None:
        if steps is None and workflow_id not in WORKFLOWS:
            raise ValueError(f"unknown workflow_id {workflow_id}")
        if steps is not None and not steps:
            raise ValueError("steps must name at least one channel")
        if next_event_wait <= 0 or pin_expiry <= 0:
            raise ValueError("pin_expiry and next_event_wait must be positive")
        self.started_at = started_at
        self.workflow_id = workflow_id
        self.steps: tuple[str, ...] = (
            WORKFLOWS[workflow_id].steps if steps is None else tuple(steps)
        )
        self.next_event_wait = next_event_wait
        self.pin_expiry = effective_pin_expiry(pin_expiry, next_event_wait)
        self.status = VerificationStatus.IN_PROGRESS
        self.finalized_at: float | None = None
        self.deliveries: list[Delivery] = []
        self.checks: list[CheckAttemptRecord] = []
        self.wrong_attempts = 0
        self._new_code = new_code
        self._code = ""
        self._pin_generated_at = started_at
        self._fire(started_at)

    # -- saving and restoring -----------------------------------------------------------------

    def snapshot(self) -> LifecycleSnapshot:
        """The whole state as plain values (:meth:`restore` turns it back into a lifecycle)."""
        return LifecycleSnapshot(
            started_at=self.started_at,
            workflow_id=self.workflow_id,
            steps=self.steps,
            pin_expiry=self.pin_expiry,
            next_event_wait=self.next_event_wait,
            status=self.status,
            finalized_at=self.finalized_at,
            deliveries=tuple(self.deliveries),
            checks=tuple(self.checks),
            wrong_attempts=self.wrong_attempts,
            code=self._code,
            pin_generated_at=self._pin_generated_at,
        )

    @classmethod
    def restore(cls, snapshot: LifecycleSnapshot, new_code: Callable[[], str]) -> Self:
        """The lifecycle ``snapshot`` was taken of, making later codes with ``new_code``.

        Nothing fires: the request carries on from where it was (the constructor would start
        a new one).

        Raises:
            ValueError: The snapshot cannot be a lifecycle's (no step, no delivery, a
                non-positive timing).
        """
        if not snapshot.steps or not snapshot.deliveries:
            raise ValueError("a lifecycle has at least one step and one delivery")
        if snapshot.next_event_wait <= 0 or snapshot.pin_expiry <= 0:
            raise ValueError("pin_expiry and next_event_wait must be positive")
        if len(snapshot.deliveries) > len(snapshot.steps):
            raise ValueError("more deliveries than steps")
        lifecycle = cls.__new__(cls)
        lifecycle.started_at = snapshot.started_at
        lifecycle.workflow_id = snapshot.workflow_id
        lifecycle.steps = tuple(snapshot.steps)
        lifecycle.next_event_wait = snapshot.next_event_wait
        lifecycle.pin_expiry = snapshot.pin_expiry
        lifecycle.status = snapshot.status
        lifecycle.finalized_at = snapshot.finalized_at
        lifecycle.deliveries = list(snapshot.deliveries)
        lifecycle.checks = list(snapshot.checks)
        lifecycle.wrong_attempts = snapshot.wrong_attempts
        lifecycle._new_code = new_code
        lifecycle._code = snapshot.code
        lifecycle._pin_generated_at = snapshot.pin_generated_at
        return lifecycle

    # -- read-only views ---------------------------------------------------------------------

    @property
    def is_live(self) -> bool:
        """True while the request is IN PROGRESS."""
        return self.status is VerificationStatus.IN_PROGRESS

    @property
    def current_code(self) -> str:
        """The PIN currently delivered (valid until ``pin_expires_at``)."""
        return self._code

    @property
    def events_left(self) -> int:
        """Delivery events of the workflow that have not fired yet."""
        return len(self.steps) - len(self.deliveries)

    @property
    def next_event_at(self) -> float | None:
        """When the next delivery event is due, or None (none left, or finished)."""
        if not self.is_live or not self.events_left:
            return None
        return self.deliveries[-1].at + self.next_event_wait

    @property
    def pin_expires_at(self) -> float:
        """When the current PIN stops being accepted."""
        return self._pin_generated_at + self.pin_expiry

    @property
    def attempts_left(self) -> int:
        """Wrong codes still allowed for the current PIN."""
        return MAX_WRONG_CODES - self.wrong_attempts

    @property
    def current_delivery(self) -> Delivery:
        """The most recent delivery event that carried the current PIN."""
        return self.deliveries[-1]

    def next_deadline(self) -> float | None:
        """The next time something happens on its own (an event or the expiry), or None."""
        if not self.is_live:
            return None
        nxt = self.next_event_at
        return nxt if nxt is not None else self.pin_expires_at

    def countdown(self) -> Countdown:
        """The same prediction :func:`predict` makes, from this request's own history."""
        return predict(
            self.started_at,
            self.workflow_id,
            self.pin_expiry,
            self.next_event_wait,
            [d.at for d in self.deliveries],
            [c.at for c in self.checks if not c.valid],
        )

    # -- transitions -------------------------------------------------------------------------

    def advance(self, now: float) -> list[Delivery]:
        """Play out everything due up to ``now``.

        Returns:
            The delivery events that fired (at their scheduled times), oldest first.
        """
        fired: list[Delivery] = []
        while self.is_live:
            nxt = self.next_event_at
            if nxt is not None:
                if nxt > now:
                    break
                fired.append(self._fire(nxt))
            elif self.pin_expires_at <= now:
                self._finish(VerificationStatus.EXPIRED, self.pin_expires_at)
            else:
                break
        return fired

    def check(self, code: str, now: float) -> CheckOutcome:
        """Submit a code at ``now``."""
        self.advance(now)
        if not self.is_live:
            return CheckOutcome.NOT_ACTIVE
        valid = code == self._code and now < self.pin_expires_at
        self.checks.append(CheckAttemptRecord(now, code, valid))
        if valid:
            self._finish(VerificationStatus.SUCCESS, now)
            return CheckOutcome.MATCH
        self.wrong_attempts += 1
        if self.wrong_attempts >= MAX_WRONG_CODES:
            self._finish(VerificationStatus.FAILED, now)
            return CheckOutcome.TOO_MANY
        return CheckOutcome.WRONG

    def cancel(self, now: float) -> ControlOutcome:
        """Cancel at ``now`` (allowed from 30 s after the start until the 2nd event)."""
        self.advance(now)
        if not self.is_live:
            return ControlOutcome.NOT_ACTIVE
        if len(self.deliveries) >= 2:
            return ControlOutcome.TOO_LATE
        if now < self.started_at + CANCEL_NOT_BEFORE_S:
            return ControlOutcome.TOO_EARLY
        self._finish(VerificationStatus.CANCELLED, now)
        return ControlOutcome.OK

    def trigger_next(self, now: float) -> tuple[ControlOutcome, Delivery | None]:
        """Fire the next delivery event now; the schedule restarts from it."""
        self.advance(now)
        if not self.is_live:
            return ControlOutcome.NOT_ACTIVE, None
        if not self.events_left:
            return ControlOutcome.NO_MORE_EVENTS, None
        return ControlOutcome.OK, self._fire(now)

    # -- internals ---------------------------------------------------------------------------

    def _fire(self, at: float) -> Delivery:
        first = not self.deliveries
        new_pin = first or at >= self.pin_expires_at
        if new_pin:
            self._code = self._new_code()
            self._pin_generated_at = at
            self.wrong_attempts = 0
        delivery = Delivery(
            len(self.deliveries), self.steps[len(self.deliveries)], at, self._code, new_pin
        )
        self.deliveries.append(delivery)
        return delivery

    def _finish(self, status: VerificationStatus, at: float) -> None:
        self.status = status
        self.finalized_at = at
