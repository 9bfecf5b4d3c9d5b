"""Timing rules of a live request, turned into what the window shows and allows.

Pure functions over the domain types (no widgets): the countdown lines of the details pane
(``desktop_app.domain.lifecycle.predict`` does the prediction). Kept apart from the widgets so
they are tested with a fixed clock. Whether an action is allowed now is the domain's one rule
(``desktop_app.domain.action_rules``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from PySide6.QtCore import SignalInstance

from desktop_app.domain import lifecycle
from desktop_app.domain.models import HistoryEntry, VerificationRecord, VerificationStatus
from desktop_app.domain.workflows import (
    DEFAULT_NEXT_EVENT_WAIT,
    DEFAULT_PIN_EXPIRY,
    DEFAULT_WORKFLOW_ID,
    WORKFLOWS,
    Workflow,
)
from desktop_app.ui import formatting
from desktop_app.ui.v2_timeline import v2_countdowns

#: Returns "now" as an aware UTC datetime; widgets take one so tests can move time. The app
#: gives every widget the same one: the active server's clock (``services.clock.ServerClock``).
Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """The default clock: an aware UTC ``datetime``."""
    return datetime.now(UTC)


def follow_clock(clock: object, render: Callable[[], None]) -> None:
    """Call ``render`` whenever ``clock`` jumps (a skip, a speed change, another profile).

    A ``ServerClock`` says so with its ``changed`` signal; a plain function never jumps.
    """
    changed = getattr(clock, "changed", None)
    if isinstance(changed, SignalInstance):
        changed.connect(render)


@dataclass(frozen=True)
class CountdownText:
    """The three live countdowns and the attempts left, as shown to a person."""

    cancel: str
    next_event: str
    pin_expiry: str
    attempts: str


def countdown_text(
    entry: HistoryEntry, record: VerificationRecord | None, now: datetime
) -> CountdownText:
    """Compute the countdown lines for a request at ``now``.

    Without a search record the delivery events are assumed to follow the workflow schedule.

    Args:
        entry: The history entry (start time, workflow and its timings).
        record: The latest search result for the request, if any.
        now: The current moment (aware, or naive UTC).

    Returns:
        The countdown lines; all are "—" once the request has finished.
    """
    if entry.api_version == "v2":
        v2 = v2_countdowns(entry, now)
        return CountdownText(v2.cancel, v2.next_event, v2.pin_expiry, v2.attempts)
    status = record.status if record is not None else str(entry.status)
    if status != VerificationStatus.IN_PROGRESS:
        done = formatting.MISSING
        return CountdownText(done, done, done, done)
    workflow_id = entry.workflow_id if entry.workflow_id in WORKFLOWS else DEFAULT_WORKFLOW_ID
    pin_expiry = entry.pin_expiry or DEFAULT_PIN_EXPIRY
    wait = entry.next_event_wait or DEFAULT_NEXT_EVENT_WAIT
    start = started_at(entry, record)
    at = formatting.as_utc(now).timestamp()
    times = _event_times(entry, record, start, wait, at)
    wrong = _wrong_check_times(entry, record)
    pred = lifecycle.predict(start, workflow_id, pin_expiry, wait, times, wrong)
    if at < pred.cancel_allowed_from:
        cancel = f"in {formatting.format_duration(pred.cancel_allowed_from - at)}"
    elif len(times) >= 2 or (
        pred.cancel_allowed_until is not None and at >= pred.cancel_allowed_until
    ):
        cancel = "no longer (the 2nd delivery was sent)"
    else:
        cancel = "allowed now"
    if pred.next_event_at is None:
        next_event = "no more events in this workflow"
    elif pred.next_event_at <= at:
        next_event = "due now"
    else:
        next_event = f"in {formatting.format_duration(pred.next_event_at - at)}"
    if pred.pin_expires_at > at:
        pin = f"in {formatting.format_duration(pred.pin_expires_at - at)}"
    else:
        pin = "expired"
    return CountdownText(cancel, next_event, pin, str(pred.attempts_left))


#: How far apart the row's start and the server's may be and still come from one clock.
_SAME_CLOCK_S = 2.0


def started_at(entry: HistoryEntry, record: VerificationRecord | None) -> float:
    """When the request started, on the server's clock (Unix seconds).

    The history row's time is finer (the server's ``date_submitted`` is whole seconds) and was
    stamped with the server's clock, unless it was written before that clock was known (the
    first call to a live server) or elsewhere (another program): then the server's own date
    counts (the middle of its second).
    """
    created = formatting.as_utc(entry.created_at).timestamp()
    if record is None or record.date_submitted is None:
        return created
    submitted = formatting.as_utc(record.date_submitted).timestamp()
    return created if abs(created - submitted) <= _SAME_CLOCK_S else submitted + 0.5


def _event_times(
    entry: HistoryEntry, record: VerificationRecord | None, start: float, wait: int, now: float
) -> list[float]:
    steps = len(_workflow(entry).steps)
    if record is None or not record.events:
        # Unknown: assume the schedule ran without manual "next event" triggers.
        return _scheduled([start], steps, wait, now)
    # Search dates come from the server's clock; rebase them on our start time.
    shift = 0.0
    if record.date_submitted is not None:
        shift = start - formatting.as_utc(record.date_submitted).timestamp()
    first = _stamp(record.first_event_date, shift) or start
    last = _stamp(record.last_event_date, shift) or first
    count = len(record.events)
    if count == 1:
        return _scheduled([first], steps, wait, now)
    middle = [min(first + i * wait, last) for i in range(1, count - 1)]
    # What fired since the search (the clock may have skipped ahead): the schedule says.
    return _scheduled([first, *middle, last], steps, wait, now)


def _workflow(entry: HistoryEntry) -> Workflow:
    return WORKFLOWS.get(entry.workflow_id or DEFAULT_WORKFLOW_ID, WORKFLOWS[DEFAULT_WORKFLOW_ID])


def _scheduled(known: list[float], steps: int, wait: int, now: float) -> list[float]:
    """``known`` delivery times, then the ones the schedule fired after them up to ``now``."""
    times = list(known)
    while len(times) < steps and times[-1] + wait <= now:
        times.append(times[-1] + wait)
    return times


def _wrong_check_times(entry: HistoryEntry, record: VerificationRecord | None) -> list[float]:
    if record is None:
        return []
    base = formatting.as_utc(entry.created_at).timestamp()
    return [
        formatting.as_utc(c.date_received).timestamp() if c.date_received else base
        for c in record.checks
        if c.status != "VALID"
    ]


def _stamp(moment: datetime | None, shift: float) -> float | None:
    return None if moment is None else formatting.as_utc(moment).timestamp() + shift
