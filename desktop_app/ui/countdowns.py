"""Timing rules of a live request, turned into what the window shows and allows.

Pure functions over the domain types (no widgets): the countdown lines of the details pane
(``desktop_app.domain.lifecycle.predict`` does the prediction) and the reasons an action is not
allowed now (field guide §1.8). Kept apart from the widgets so they are tested with a fixed clock.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from desktop_app.domain import lifecycle
from desktop_app.domain.models import HistoryEntry, VerificationRecord, VerificationStatus
from desktop_app.domain.workflows import (
    CANCEL_NOT_BEFORE_S,
    DEFAULT_NEXT_EVENT_WAIT,
    DEFAULT_PIN_EXPIRY,
    DEFAULT_WORKFLOW_ID,
    WORKFLOWS,
)
from desktop_app.ui import formatting
from desktop_app.ui.v2_timeline import v2_blockers, v2_countdowns

#: Returns "now" as an aware UTC datetime; widgets take one so tests can move time.
Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """The default clock: an aware UTC ``datetime``."""
    return datetime.now(UTC)


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
    start = formatting.as_utc(entry.created_at).timestamp()
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


def _event_times(
    entry: HistoryEntry, record: VerificationRecord | None, start: float, wait: int, now: float
) -> list[float]:
    if record is None or not record.events:
        # Unknown: assume the schedule ran without manual "next event" triggers.
        steps = len(
            WORKFLOWS.get(
                entry.workflow_id or DEFAULT_WORKFLOW_ID, WORKFLOWS[DEFAULT_WORKFLOW_ID]
            ).steps
        )
        return [start + i * wait for i in range(steps) if start + i * wait <= now]
    # Search dates come from the server's clock; rebase them on our start time.
    shift = 0.0
    if record.date_submitted is not None:
        shift = start - formatting.as_utc(record.date_submitted).timestamp()
    first = _stamp(record.first_event_date, shift) or start
    last = _stamp(record.last_event_date, shift) or first
    count = len(record.events)
    if count == 1:
        return [first]
    middle = [min(first + i * wait, last) for i in range(1, count - 1)]
    return [first, *middle, last]


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


def blockers(
    entry: HistoryEntry | None, record: VerificationRecord | None, now: datetime
) -> dict[str, str]:
    """Why each request action is not allowed now ("" when it is allowed).

    Args:
        entry: The selected request, or None.
        record: Its latest search result (gives the delivery events fired), or None.
        now: The current moment.

    Returns:
        A reason per action name: ``check``, ``cancel``, ``next`` and ``copy``.
    """
    if entry is None:
        none = "Select a request first"
        return {"check": none, "cancel": none, "next": none, "copy": none}
    if entry.api_version == "v2":
        return v2_blockers(entry, now)
    copy = "" if entry.request_id else "This request has no id (the API never accepted it)"
    if entry.status != VerificationStatus.IN_PROGRESS:
        why = (
            f"Only a request in progress allows this "
            f"(this one is {formatting.status_text(entry.status)})"
        )
        return {"check": why, "cancel": why, "next": why, "copy": copy}
    events = len(record.events) if record is not None else None
    workflow = WORKFLOWS.get(
        entry.workflow_id or DEFAULT_WORKFLOW_ID, WORKFLOWS[DEFAULT_WORKFLOW_ID]
    )
    age = (formatting.as_utc(now) - formatting.as_utc(entry.created_at)).total_seconds()
    cancel = ""
    if age < CANCEL_NOT_BEFORE_S:
        wait = formatting.format_duration(CANCEL_NOT_BEFORE_S - age + 0.999)
        cancel = f"Cancel is allowed {CANCEL_NOT_BEFORE_S} s after the start (in {wait})"
    elif events is not None and events >= 2:
        cancel = "Cancel is no longer allowed: the 2nd delivery was already sent"
    nxt = ""
    if events is not None and events >= len(workflow.steps):
        nxt = "No delivery event is left in this workflow"
    return {"check": "", "cancel": cancel, "next": nxt, "copy": copy}
