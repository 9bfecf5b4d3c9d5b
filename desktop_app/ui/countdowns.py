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
from desktop_app.domain.action_rules import facts_of, fired_by
from desktop_app.domain.models import HistoryEntry, VerificationRecord, VerificationStatus
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
    # The same facts, start and deliveries fired (the search's, then the schedule's since) as
    # the action rules read: the countdowns and what is enabled never disagree.
    facts = facts_of(entry, record)
    at = formatting.as_utc(now).timestamp()
    times = fired_by(facts, at)
    wrong = _wrong_check_times(entry, record)
    pred = lifecycle.predict(facts.started_at, facts.workflow_id, facts.pin_expiry, facts.wait,
                             times, wrong)  # fmt: skip
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


def _wrong_check_times(entry: HistoryEntry, record: VerificationRecord | None) -> list[float]:
    if record is None:
        return []
    base = formatting.as_utc(entry.created_at).timestamp()
    return [
        formatting.as_utc(c.date_received).timestamp() if c.date_received else base
        for c in record.checks
        if c.status != "VALID"
    ]

