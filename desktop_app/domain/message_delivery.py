"""How a message's status webhooks land on its history row: legs, order and the row's status.

A message with failover is sent in *legs*: the first message, then each failover message in
turn when the one before is rejected or undeliverable. Every status webhook names its leg's
channel (and, on failover, ``workflow.items_number``, counted from 1), so the row records which
leg each status concerns.

**Order.** Webhooks may arrive late, twice or out of order. A status is applied to the row only
when it comes later in the lifecycle than the one the row shows: later leg first, then the
status's :attr:`~desktop_app.domain.messages_status.MessageStatus.rank` (submitted 0, delivered
1, read and the failures 2). So a late ``submitted`` never hides ``delivered``, and a failover
leg's ``submitted`` does follow the first leg's ``rejected``. The timeline keeps each (leg,
status) once.

**The row's status** (its existing meaning: where the request stands) for a plain message
(``kind`` ``"message"``): IN PROGRESS once accepted, or SENT when no receiver listens for its
status webhooks (nothing more will be learnt); SUCCESS once a leg is delivered (or read);
FAILED when the last leg failed. A code-by-message row (``kind`` ``"code"``) keeps its status
for the code's own check (SUCCESS when the right code was entered); only a failure of its last
leg ends it (FAILED: the code never arrived).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Final

from desktop_app.domain.messages_errors import error_code_info
from desktop_app.domain.messages_status import MessageStatus, StatusError
from desktop_app.domain.models import HistoryEntry, VerificationStatus

__all__ = [
    "CODE_KIND",
    "MESSAGES_API",
    "MESSAGE_KIND",
    "NOT_TRACKED",
    "MessageEventEntry",
    "delivery_order",
    "delivery_text",
    "error_title_of",
    "failure_meaning",
    "leg_of",
    "row_status",
]

#: The ``api_version`` of every Messages API row.
MESSAGES_API: Final = "messages"
#: The ``kind`` of a plain message row and of a code-by-message row.
MESSAGE_KIND: Final = "message"
CODE_KIND: Final = "code"
#: What a row without status webhooks says about its delivery.
NOT_TRACKED: Final = "status not tracked (no webhook receiver was running)"


@dataclass(frozen=True)
class MessageEventEntry:
    """One status of one leg of a message, as the history's timeline keeps it.

    Attributes:
        message_uuid: The message.
        leg: 0 for the first message, 1 for its first failover message...
        channel: The leg's channel.
        status: The status.
        occurred_at: When it happened, as the webhook says (UTC).
        received_at: When this app received it (UTC).
        error_code: A failure's Messages error code (``1340``), else None.
        error_title: A failure's title (``"Outside of the allowed window"``), else "".
        price: What the leg cost, when the webhook said.
        currency: The price's currency.
    """

    message_uuid: str
    leg: int
    channel: str
    status: MessageStatus
    occurred_at: datetime
    received_at: datetime
    error_code: int | None = None
    error_title: str = ""
    price: Decimal | None = None
    currency: str = ""


def leg_of(
    channels: Sequence[str], channel: str, *, current: int = 0, items_number: int | None = None
) -> int:
    """The leg a status webhook concerns.

    Args:
        channels: The message's legs' channels in order.
        channel: The webhook's ``channel``.
        current: The leg the row shows now (a channel used twice is taken from there on).
        items_number: The webhook's ``workflow.items_number`` (from 1), when it has one.
    """
    if items_number is not None and 1 <= items_number <= max(len(channels), 1):
        return items_number - 1
    matches = [index for index, name in enumerate(channels) if name == channel]
    if not matches:
        return max(current, 0)
    later = [index for index in matches if index >= current]
    return later[0] if later else matches[-1]


def delivery_order(leg: int, status: MessageStatus) -> int:
    """Where ``status`` of leg ``leg`` sits in the message's lifecycle (higher is later)."""
    return leg * 3 + status.rank


def error_title_of(error: StatusError | None) -> str:
    """A failure's title: the error table's for a known code, else what the webhook said."""
    if error is None:
        return ""
    info = error.info
    if info is not None:
        return info.title
    return (error.detail or error.title)[:200]


def row_status(kind: str, status: MessageStatus, leg: int, legs: int) -> VerificationStatus | None:
    """The row status a delivery status means, or None when it leaves the status alone."""
    last_leg = leg >= legs - 1
    if status.failed:
        return VerificationStatus.FAILED if last_leg else None
    if kind == CODE_KIND:
        return None
    if status in (MessageStatus.DELIVERED, MessageStatus.READ):
        return VerificationStatus.SUCCESS
    return VerificationStatus.IN_PROGRESS


def delivery_text(entry: HistoryEntry) -> str:
    """A message row's delivery in a few plain words ("delivered by sms", "not tracked")."""
    if not entry.delivery_status:
        if entry.status in (VerificationStatus.UNKNOWN, VerificationStatus.REFUSED,
                            VerificationStatus.NOT_SENT):  # fmt: skip
            return "-"
        return "waiting for its first status" if entry.delivery_tracked else NOT_TRACKED
    channels = [name for name in entry.channels.split(",") if name]
    channel = channels[entry.delivery_leg] if entry.delivery_leg < len(channels) else ""
    text = f"{entry.delivery_status} ({channel})" if channel else entry.delivery_status
    if entry.delivery_leg > 0:
        text += f", failover {entry.delivery_leg}"
    if entry.error_code is not None:
        text += f": {entry.error_code} {entry.error_title}".rstrip()
    return text


def failure_meaning(code: int | None) -> str:
    """The plain meaning of a Messages error code for ``last_error`` ("" when unknown)."""
    info = error_code_info(code) if code is not None else None
    return info.meaning if info is not None else ""
