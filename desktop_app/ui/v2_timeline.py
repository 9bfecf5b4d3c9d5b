"""What the window shows of a Verify v2 request: its per-channel timeline and its countdowns.

Verify v2 has no status lookup, so a v2 row's timeline is built from what this app knows: the
channel list and channel timeout it sent (the history row), the messages the sandbox's handset
received for the request (sandbox profile only), and the status its own check and cancel calls
recorded. Channels not seen on the handset are shown as *expected* at ``start + i * timeout``
(a ``next_workflow`` brings them forward). Pure functions: no widgets, a fixed clock in tests.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from desktop_app.domain.models import HandsetMessage, HistoryEntry, VerificationStatus
from desktop_app.domain.v2 import DEFAULT_CHANNEL_TIMEOUT, SILENT_AUTH, V2_MAX_WRONG_CODES
from desktop_app.ui import formatting

__all__ = ["TimelineLine", "v2_countdowns", "v2_timeline"]


@dataclass(frozen=True)
class TimelineLine:
    """One channel of the timeline: its position, its words and whether it was seen."""

    index: int
    text: str
    delivered: bool


def _channels(entry: HistoryEntry) -> list[str]:
    return [c.strip() for c in entry.channels.split(",") if c.strip()]


def _timeout(entry: HistoryEntry) -> int:
    return entry.next_event_wait or DEFAULT_CHANNEL_TIMEOUT


def v2_timeline(
    entry: HistoryEntry, messages: Iterable[HandsetMessage], now: datetime, *, mask: bool = False
) -> list[TimelineLine]:
    """The channels of a v2 request in order, each sent, expected or unused.

    Args:
        entry: The history row (channels, channel timeout in ``next_event_wait``, status).
        messages: Handset messages (any request's; this request's are picked out).
        now: The current moment.
        mask: Presenter mode: numbers by their last four digits.
    """
    own = [m for m in messages if m.request_id == entry.request_id]
    own.sort(key=lambda m: formatting.as_utc(m.sent_at).timestamp() if m.sent_at else 0.0)
    start = formatting.as_utc(entry.created_at).timestamp()
    at = formatting.as_utc(now).timestamp()
    live = entry.status == VerificationStatus.IN_PROGRESS
    lines: list[TimelineLine] = []
    for index, channel in enumerate(_channels(entry)):
        name = formatting.V2_CHANNEL_NAMES.get(channel, channel)
        message = next((m for m in own if m.channel == channel), None)
        if message is not None:
            own.remove(message)
            when = formatting.format_datetime(message.sent_at)
            to = formatting.format_number(message.number, mask=mask)
            text = f"{index + 1}. {name} — sent {when} to {to}"
            lines.append(TimelineLine(index, text, True))
            continue
        due = start + index * _timeout(entry)
        if channel == SILENT_AUTH and index == 0:
            state = "check URL sent to the app (no message)"
        elif not live:
            state = "not used" if index > 0 else formatting.status_text(entry.status).lower()
        elif due <= at:
            state = "expected now (not seen on the handset)"
        else:
            state = f"expected in {formatting.format_duration(due - at)}"
        lines.append(TimelineLine(index, f"{index + 1}. {name} — {state}", False))
    if entry.finalized_at is not None and not live:
        when = formatting.format_datetime(entry.finalized_at)
        lines.append(TimelineLine(len(lines), f"{formatting.status_text(entry.status)} {when}",
                                  False))  # fmt: skip
    return lines


@dataclass(frozen=True)
class V2Countdowns:
    """The details pane's countdown lines for a v2 request."""

    cancel: str
    next_event: str
    pin_expiry: str
    attempts: str


def v2_countdowns(entry: HistoryEntry, now: datetime) -> V2Countdowns:
    """Cancel is always allowed in v2; the next channel follows the channel timeout."""
    if entry.status != VerificationStatus.IN_PROGRESS:
        done = formatting.MISSING
        return V2Countdowns(done, done, done, done)
    channels = _channels(entry)
    start = formatting.as_utc(entry.created_at).timestamp()
    at = formatting.as_utc(now).timestamp()
    elapsed = max(at - start, 0.0)
    step = int(elapsed // _timeout(entry))
    if step + 1 < len(channels):
        due = start + (step + 1) * _timeout(entry)
        name = formatting.V2_CHANNEL_NAMES.get(channels[step + 1], channels[step + 1])
        nxt = f"{name} in {formatting.format_duration(due - at)} (or now: Trigger next event)"
    else:
        nxt = "no more channels in this workflow"
    end = start + len(channels) * _timeout(entry)
    code = (f"with the workflow, in {formatting.format_duration(end - at)}" if end > at
            else "expired")  # fmt: skip
    wrong = entry.checks_count if entry.last_check_outcome == "INVALID" else 0
    left = max(V2_MAX_WRONG_CODES - wrong, 0)
    return V2Countdowns("allowed now (Verify v2 has no 30 s rule)", nxt, code, str(left))
