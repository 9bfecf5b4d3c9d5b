"""What the window says about Messages API sends: channels, statuses, legs and outcomes.

The Messages counterpart of :mod:`desktop_app.ui.messages` (whose :func:`describe` still words
every failure): channel names as people know them ("Viber", not ``viber_service``), a message
row's status in one word (sent, delivered, read, rejected, undeliverable), a timeline leg in a
plain line with the error's code and the API's title kept for "Details", and the page's outcome
sentences. Nothing technical is in a headline.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from desktop_app.domain.message_delivery import CODE_KIND, MESSAGES_API, MessageEventEntry
from desktop_app.domain.messages import (
    AUDIO,
    CUSTOM,
    FILE,
    IMAGE,
    MESSENGER,
    MMS,
    SMS,
    TEMPLATE,
    TEXT,
    VCARD,
    VIBER,
    VIDEO,
    WHATSAPP,
)
from desktop_app.domain.messages_errors import error_code_info
from desktop_app.domain.models import HistoryEntry, VerificationStatus
from desktop_app.ui import formatting
from desktop_app.ui.messages import Message

__all__ = [
    "CHANNEL_LABELS",
    "MESSAGES_API",
    "MESSAGE_TYPE_LABELS",
    "channel_label",
    "check_outcome",
    "code_sent",
    "leg_details",
    "leg_line",
    "message_sent",
    "row_status_text",
    "status_word",
]

CHANNEL_LABELS: Final = {
    SMS: "SMS", MMS: "MMS", WHATSAPP: "WhatsApp", VIBER: "Viber", MESSENGER: "Messenger",
}  # fmt: skip
MESSAGE_TYPE_LABELS: Final = {
    TEXT: "Text", IMAGE: "Image", AUDIO: "Audio", VIDEO: "Video", FILE: "File",
    VCARD: "Contact card (vCard)", TEMPLATE: "Template", CUSTOM: "Authentication template",
}  # fmt: skip
_STATUS_WORDS: Final = {
    "submitted": "Sent", "delivered": "Delivered", "read": "Read", "rejected": "Rejected",
    "undeliverable": "Undeliverable",
}  # fmt: skip
#: A row whose message was accepted but has no status yet (or is not tracked) reads "Sent".
_ACCEPTED = (VerificationStatus.IN_PROGRESS, VerificationStatus.SENT)


def channel_label(channel: str) -> str:
    """A channel as people name it (an unknown one as the API spells it)."""
    return CHANNEL_LABELS.get(channel, channel)


def status_word(status: str) -> str:
    """A delivery status in one plain word ("Delivered")."""
    return _STATUS_WORDS.get(status, status.title())


def row_status_text(entry: HistoryEntry) -> str:
    """The Status column of a row: a message's delivery in one word, else the request's status.

    A code sent by message keeps its own outcome once it has one (verified, expired,
    cancelled); until then, and for every plain message, the delivery speaks.
    """
    if entry.api_version != MESSAGES_API:
        return formatting.status_text(entry.status)
    if entry.kind == CODE_KIND and entry.status.is_final and entry.status not in _ACCEPTED \
            and entry.delivery_status not in ("rejected", "undeliverable"):  # fmt: skip
        return formatting.status_text(entry.status)
    if entry.delivery_status:
        return status_word(entry.delivery_status)
    if entry.status in _ACCEPTED:
        return "Sent"
    return formatting.status_text(entry.status)


def _plain_error(event: MessageEventEntry) -> str:
    info = error_code_info(event.error_code) if event.error_code is not None else None
    if info is not None:
        return f"{info.title}: {info.meaning}"
    return event.error_title or "the network gave no reason"


def leg_line(event: MessageEventEntry, *, legs: int) -> str:
    """One timeline line: ``"WhatsApp · Rejected · 14:00:01 — Outside of the allowed window: …"``.

    The error's number is never here (it is in :func:`leg_details`).
    """
    parts = [channel_label(event.channel)]
    if legs > 1:
        parts[0] += " (first try)" if event.leg == 0 else f" (failover {event.leg})"
    parts += [status_word(event.status.value), formatting.format_datetime(event.occurred_at)]
    line = " · ".join(parts)
    if event.status.failed:
        line += f" — {_plain_error(event)}"
    return line


def leg_details(events: Sequence[MessageEventEntry], *, mask: bool = False) -> str:
    """The technical side of a timeline: each failure's code and the API's title, and prices.

    ``mask`` (presenter mode) shows the message id by its ends.
    """
    lines = []
    for event in events:
        if event.error_code is not None or event.error_title:
            code = f"error {event.error_code}" if event.error_code is not None else "error"
            lines.append(f"Leg {event.leg + 1} ({event.channel}) {event.status.value}: {code}"
                         f" ({event.error_title or 'no title'})")  # fmt: skip
        if event.price is not None:
            lines.append(f"Leg {event.leg + 1} ({event.channel}) {event.status.value}: price "
                         f"{event.price} {event.currency}".rstrip())  # fmt: skip
    if events:
        shown = formatting.format_request_id(events[0].message_uuid, mask=mask)
        lines.append(f"Message id: {shown}")
    return "\n".join(lines)


def message_sent(channels: Sequence[str], tracked: bool) -> Message:
    """After a send the API accepted."""
    via = " then ".join(channel_label(c) for c in channels)
    step = ("Its delivery shows in Recent requests." if tracked
            else "Its delivery is not tracked: no webhook receiver was running.")  # fmt: skip
    return Message(f"Message accepted for {via}.", step)


def code_sent(channel: str) -> Message:
    """After a code by message was accepted."""
    return Message(f"Code sent by {channel_label(channel)}.",
                   "Type the code the customer reads out, then Check.")  # fmt: skip


def check_outcome(exc: BaseException | None, describe: str) -> str:
    """A code check's outcome: verified, or why not (``describe`` words the failure)."""
    return "Verified ✓ — the code is right." if exc is None else describe
