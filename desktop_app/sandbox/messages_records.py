"""The Messages engine's records: each message, its legs and its status timeline, as plain data.

A :class:`MessageRecord` is one ``POST /v1/messages`` the sandbox accepted (``outbound``) or
one message a customer wrote in through ``POST /sandbox/inbound`` (``inbound``). It lives in
``SharedData.tables["messages"]`` under its ``message_uuid`` and holds only strings, numbers,
``None`` and lists of frozen dataclasses, so the whole table can be written as JSON
(:meth:`MessageRecord.to_json`) and read back (:meth:`MessageRecord.from_json`).

An outbound message has one :class:`MessageLeg` per message tried (the first, then each of
its ``failover``), all under the one ``message_uuid``; ``events`` are the status events already
played (oldest first) and ``planned`` the ones still due, each a :class:`MessageEvent` naming
its leg. How the events are written as webhooks is :meth:`MessageRecord.webhook_body`.
"""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Final

from desktop_app.domain.messages import MESSENGER, MMS, SMS, VIBER, WHATSAPP
from desktop_app.domain.messages_errors import error_code_info
from desktop_app.domain.messages_status import (
    ERROR_TYPE_BASE,
    MessageStatus,
    MessageStatusEvent,
    StatusError,
    Usage,
    format_timestamp,
    status_webhook_body,
)
from desktop_app.sandbox.records import iso

__all__ = [
    "CURRENCY",
    "INBOUND",
    "OUTBOUND",
    "PRICES",
    "MessageEvent",
    "MessageLeg",
    "MessageRecord",
    "inbound_webhook_body",
]

OUTBOUND: Final = "outbound"
INBOUND: Final = "inbound"
CURRENCY: Final = "EUR"
#: What one submitted message costs per channel (a rejected one costs nothing).
PRICES: dict[str, Decimal] = {
    SMS: Decimal("0.0333"),
    MMS: Decimal("0.0500"),
    WHATSAPP: Decimal("0.0147"),
    VIBER: Decimal("0.0150"),
    MESSENGER: Decimal("0.0000"),
}
_FREE = Decimal("0.0000")


@dataclass(frozen=True)
class MessageLeg:
    """One message of a send: the first one, or one of its failover messages.

    Attributes:
        channel: The channel as sent (``viber_service``, not ``viber``).
        message_type: ``text``, ``image``, ``template``, ...
        to: The recipient: E.164 digits, or a Messenger recipient id.
        from_: The sender as sent.
        text: What the handset shows (a one-time code may be in it: not in ``repr``).
        client_ref: Its own ``client_ref``, else the first message's.
        webhook_url: Its own ``webhook_url``, else the first message's; None: the sandbox's
            status URL.
    """

    channel: str
    message_type: str
    to: str
    from_: str
    text: str = field(repr=False)
    client_ref: str | None = None
    webhook_url: str | None = None


@dataclass(frozen=True)
class MessageEvent:
    """One status event of one leg, at a simulated time.

    Attributes:
        status: ``submitted``, ``delivered``, ``read``, ``rejected`` or ``undeliverable``.
        at: When it happens (Unix seconds, simulated).
        leg: Which leg (0 the first message, 1 its first failover...).
        error: The Messages error code of a failure (``1340``), else None.
    """

    status: str
    at: float
    leg: int
    error: int | None = None

    @property
    def failed(self) -> bool:
        """True for ``rejected`` and ``undeliverable``."""
        return MessageStatus(self.status).failed


@dataclass
class MessageRecord:
    """One message the sandbox holds (see the module docstring).

    Attributes:
        message_uuid: Its id (the 202 answer's, and every event's).
        created_at: When it was accepted (or written in).
        direction: :data:`OUTBOUND` (sent through the API) or :data:`INBOUND`.
        account: Who sent it: the API key, or ``app:<application id>``; ``""`` for inbound.
        legs: The messages tried, in order (an inbound one has exactly one).
        events: The status events played so far, oldest first.
        planned: The status events still due, soonest first.
        workflow_id: With failover, the id of the failover workflow.
    """

    message_uuid: str
    created_at: float
    direction: str
    account: str
    legs: list[MessageLeg]
    events: list[MessageEvent] = field(default_factory=list)
    planned: list[MessageEvent] = field(default_factory=list)
    workflow_id: str | None = None

    @property
    def status(self) -> str:
        """The newest status (``accepted`` before any event; ``inbound`` for inbound)."""
        if self.direction == INBOUND:
            return INBOUND
        return self.events[-1].status if self.events else "accepted"

    def to_json(self) -> dict[str, Any]:
        """The record as JSON-ready data (what a save file holds)."""
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> MessageRecord:
        """Read a record back from :meth:`to_json`'s data."""
        return cls(
            message_uuid=data["message_uuid"],
            created_at=float(data["created_at"]),
            direction=data["direction"],
            account=data["account"],
            legs=[MessageLeg(**leg) for leg in data["legs"]],
            events=[MessageEvent(**event) for event in data["events"]],
            planned=[MessageEvent(**event) for event in data["planned"]],
            workflow_id=data.get("workflow_id"),
        )

    def webhook_body(self, event: MessageEvent) -> dict[str, Any]:
        """The status webhook of ``event``, as the API posts it (with ``workflow`` on failover)."""
        leg = self.legs[event.leg]
        error = None
        if event.error is not None:
            info = error_code_info(event.error)
            error = StatusError(
                type=f"{ERROR_TYPE_BASE}#{event.error}",
                title=str(event.error),
                detail=f"{info.title}: {info.meaning}" if info else "",
                instance=str(uuid.uuid4()),
            )
        price = _FREE if event.status == MessageStatus.REJECTED else PRICES.get(leg.channel, _FREE)
        body = status_webhook_body(
            MessageStatusEvent(
                message_uuid=self.message_uuid,
                to=leg.to,
                from_=leg.from_,
                timestamp=datetime.fromtimestamp(event.at, UTC),
                channel=leg.channel,
                status=MessageStatus(event.status),
                client_ref=leg.client_ref,
                usage=Usage(price, CURRENCY),
                error=error,
            )
        )
        if self.workflow_id is not None:
            body["workflow"] = {
                "workflow_id": self.workflow_id,
                "items_number": str(event.leg + 1),
                "items_total": str(len(self.legs)),
            }
        return body

    def summary(self) -> dict[str, Any]:
        """The ``/sandbox/requests`` item (no text: it may hold a code)."""
        first = self.legs[0]
        return {
            "request_id": self.message_uuid,
            "message_uuid": self.message_uuid,
            "api_version": "messages",
            "kind": "message" if self.direction == OUTBOUND else "inbound",
            "number": first.to if self.direction == OUTBOUND else first.from_,
            "channel": first.channel,
            "to": first.to,
            "from": first.from_,
            "status": self.status,
            "created": iso(self.created_at),
            "client_ref": first.client_ref,
            "workflow_id": self.workflow_id,
            "legs": [
                {"channel": leg.channel, "message_type": leg.message_type, "to": leg.to}
                for leg in self.legs
            ],
            "events": [
                {
                    "status": event.status,
                    "channel": self.legs[event.leg].channel,
                    "at": iso(event.at),
                    "error": event.error,
                }
                for event in self.events
            ],
            "next_event_at": iso(self.planned[0].at) if self.planned else None,
        }


def inbound_webhook_body(record: MessageRecord) -> dict[str, Any]:
    """The inbound message webhook (a text a customer wrote in), as the API posts it."""
    leg = record.legs[0]
    return {
        "channel": leg.channel,
        "message_uuid": record.message_uuid,
        "to": leg.to,
        "from": leg.from_,
        "timestamp": format_timestamp(datetime.fromtimestamp(record.created_at, UTC)),
        "message_type": leg.message_type,
        "text": leg.text,
    }
