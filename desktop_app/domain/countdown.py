"""What a window can count down to for a live Verify v1 request, predicted without a clock.

:func:`predict` rebuilds the schedule of :class:`~desktop_app.domain.state_machine.Lifecycle`
(field guide ``shared/docs/verify-api.md`` §1.3, §1.6, §1.8) from what is known about a request:
its start, its timing parameters, the delivery events seen so far and the wrong codes. The
window's countdowns and the concurrent-request panel use it; the state machine reports its own
:class:`Countdown` through the same function, so both always agree.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from desktop_app.domain.workflows import CANCEL_NOT_BEFORE_S, MAX_WRONG_CODES, WORKFLOWS

__all__ = ["Countdown", "effective_pin_expiry", "predict"]


def effective_pin_expiry(pin_expiry: int, next_event_wait: int) -> int:
    """Return the PIN lifetime the API really uses.

    Args:
        pin_expiry: The requested PIN lifetime in seconds.
        next_event_wait: The requested wait between delivery events in seconds.

    Returns:
        ``pin_expiry`` when it is an exact multiple of ``next_event_wait``, else
        ``next_event_wait``.
    """
    if next_event_wait > 0 and pin_expiry % next_event_wait == 0:
        return pin_expiry
    return next_event_wait


@dataclass(frozen=True)
class Countdown:
    """Predicted timings a window can count down to.

    Attributes:
        next_event_at: When the next delivery event fires, or None when none is left.
        pin_expires_at: When the current PIN stops being accepted.
        cancel_allowed_from: The first moment a cancel is accepted.
        cancel_allowed_until: When cancel stops being accepted (the 2nd event), or None when the
            workflow has a single event (cancel then stays allowed while the request is live).
        attempts_left: Wrong codes still allowed for the current PIN before the request fails.
        events_left: Delivery events that have not fired yet.
        expires_at: When the request expires if nothing else happens.
    """

    next_event_at: float | None
    pin_expires_at: float
    cancel_allowed_from: float
    cancel_allowed_until: float | None
    attempts_left: int
    events_left: int
    expires_at: float


def predict(
    started_at: float,
    workflow_id: int,
    pin_expiry: int,
    next_event_wait: int,
    event_times: Sequence[float] = (),
    wrong_check_times: Sequence[float] = (),
) -> Countdown:
    """Predict the timings of a live request from what is known about it.

    Args:
        started_at: When the request started.
        workflow_id: Its workflow (1..7).
        pin_expiry: The requested PIN lifetime (forced like the API does).
        next_event_wait: The wait between delivery events.
        event_times: When each delivery event fired so far, oldest first. Empty means only the
            first event, at ``started_at``.
        wrong_check_times: When each wrong code was submitted (to count attempts left).

    Returns:
        The predicted countdown values.
    """
    steps = WORKFLOWS[workflow_id].steps
    expiry = effective_pin_expiry(pin_expiry, next_event_wait)
    times = list(event_times) or [started_at]
    pin_generated_at = times[0]
    for at in times[1:]:
        if at >= pin_generated_at + expiry:
            pin_generated_at = at
    events_left = max(len(steps) - len(times), 0)
    next_event_at = times[-1] + next_event_wait if events_left else None
    pin_expires_at = pin_generated_at + expiry
    expires_at = pin_expires_at
    # Replay the schedule forward to find when the last PIN of the workflow expires.
    t, gen = times[-1], pin_generated_at
    for _ in range(events_left):
        t += next_event_wait
        if t >= gen + expiry:
            gen = t
    expires_at = gen + expiry
    wrong = sum(1 for at in wrong_check_times if at >= pin_generated_at)
    second_event_at: float | None
    if len(times) >= 2:
        second_event_at = times[1]
    elif len(steps) >= 2:
        second_event_at = times[0] + next_event_wait
    else:
        second_event_at = None
    return Countdown(
        next_event_at=next_event_at,
        pin_expires_at=pin_expires_at,
        cancel_allowed_from=started_at + CANCEL_NOT_BEFORE_S,
        cancel_allowed_until=second_event_at,
        attempts_left=max(MAX_WRONG_CODES - wrong, 0),
        events_left=events_left,
        expires_at=expires_at,
    )
