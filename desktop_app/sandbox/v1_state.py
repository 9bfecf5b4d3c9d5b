"""The sandbox's Verify v1 records and how they are shown: search, listing and messages."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from desktop_app.domain.lifecycle import Delivery, Lifecycle
from desktop_app.domain.models import VerificationStatus
from desktop_app.domain.workflows import SMS
from desktop_app.sandbox.records import HandsetMessage, api_date, iso, spelled
from desktop_app.sandbox.v1_validation import StartSpec

#: The verification fee a successful request costs (what check and search report).
VERIFY_PRICE = Decimal("0.05000000")
CURRENCY = "EUR"
#: Simulated cost of each delivery (``estimated_price_messages_sent``).
MESSAGE_COST = {"sms": Decimal("0.04675"), "tts": Decimal("0.03150")}


@dataclass
class V1Request:
    """One Verify v1 request held by the sandbox."""

    request_id: str
    spec: StartSpec
    account_id: str
    created_at: float
    lifecycle: Lifecycle
    event_ids: list[str] = field(default_factory=list)

    @property
    def status(self) -> VerificationStatus:
        """The lifecycle's status."""
        return self.lifecycle.status

    def messages_cost(self) -> Decimal:
        """Simulated cost of the deliveries so far."""
        return sum((MESSAGE_COST[d.channel] for d in self.lifecycle.deliveries), Decimal(0))

    def message_for(self, delivery: Delivery) -> HandsetMessage:
        """The handset message a delivery event produces."""
        return HandsetMessage(
            request_id=self.request_id,
            number=self.spec.number,
            channel=delivery.channel,
            code=delivery.code,
            text=message_text(self.spec, delivery, self.lifecycle.pin_expiry),
            sent_at=delivery.at,
        )

    def search_record(self) -> dict[str, Any]:
        """The object ``/verify/search/json`` returns for this request."""
        lc = self.lifecycle
        success = lc.status is VerificationStatus.SUCCESS
        return {
            "request_id": self.request_id,
            "account_id": self.account_id,
            "number": self.spec.number,
            "sender_id": self.spec.sender_id,
            "date_submitted": api_date(self.created_at),
            "date_finalized": api_date(lc.finalized_at),
            "checks": [
                {
                    "date_received": api_date(c.at),
                    "code": c.code,
                    "status": "VALID" if c.valid else "INVALID",
                    "ip_address": "",
                }
                for c in lc.checks
            ],
            "first_event_date": api_date(lc.deliveries[0].at),
            "last_event_date": api_date(lc.deliveries[-1].at),
            "price": f"{VERIFY_PRICE}" if success else "0",
            "currency": CURRENCY,
            "status": str(lc.status),
            "estimated_price_messages_sent": f"{self.messages_cost():.5f}",
            "events": [
                {"type": d.channel, "id": eid}
                for d, eid in zip(lc.deliveries, self.event_ids, strict=True)
            ],
        }

    def summary(self) -> dict[str, Any]:
        """The ``/sandbox/requests`` item (no codes, no credentials)."""
        lc = self.lifecycle
        return {
            "request_id": self.request_id,
            "api_version": "v1",
            "kind": "psd2" if self.spec.psd2 else "start",
            "number": self.spec.number,
            "brand": self.spec.brand,
            "workflow_id": lc.workflow_id,
            "status": str(lc.status),
            "created": iso(self.created_at),
            "finalized": iso(lc.finalized_at),
            "pin_expiry": lc.pin_expiry,
            "next_event_wait": lc.next_event_wait,
            "events_fired": len(lc.deliveries),
            "events": [
                {"type": d.channel, "id": eid, "at": iso(d.at), "new_pin": d.new_pin}
                for d, eid in zip(lc.deliveries, self.event_ids, strict=True)
            ],
            "wrong_attempts": lc.wrong_attempts,
            "checks": len(lc.checks),
            "pin_expires_at": iso(lc.pin_expires_at) if lc.is_live else None,
            "next_event_at": iso(lc.next_event_at),
        }


def message_text(spec: StartSpec, delivery: Delivery, pin_expiry: int) -> str:
    """The text of the SMS, or the words of the call (digits spelled out)."""
    minutes = max(1, pin_expiry // 60)
    if delivery.channel == SMS:
        if spec.psd2:
            return (
                f"Your code to pay EUR {spec.amount:.2f} to {spec.brand} is {delivery.code}. "
                f"Valid for {minutes} minutes."
            )
        return f"Your {spec.brand} PIN is {delivery.code}. Valid for {minutes} minutes."
    words = spelled(delivery.code)
    subject = f"payment to {spec.brand}" if spec.psd2 else spec.brand
    return f"Your {subject} code is: {words}. I repeat: {words}."
