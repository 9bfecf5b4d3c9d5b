"""The sandbox's Verify v2 records and how they are shown: listing, messages and callbacks."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from desktop_app.domain.lifecycle import Delivery, V2Lifecycle
from desktop_app.domain.models import VerificationStatus
from desktop_app.domain.v2 import EMAIL, SILENT_AUTH, SMS, VOICE, WHATSAPP
from desktop_app.sandbox.records import HandsetMessage, iso, spelled
from desktop_app.sandbox.v2_validation import V2Spec

#: The v2 word for each final status (summary callbacks and the listing).
V2_STATUS = {
    VerificationStatus.IN_PROGRESS: "in_progress",
    VerificationStatus.SUCCESS: "completed",
    VerificationStatus.FAILED: "failed",
    VerificationStatus.EXPIRED: "expired",
    VerificationStatus.CANCELLED: "cancelled",
}
#: What the price of a completed v2 verification is reported as.
V2_PRICE = "0.0500"


@dataclass
class V2Request:
    """One Verify v2 request held by the sandbox.

    Attributes:
        recorded: How many of the lifecycle's deliveries were already turned into handset
            messages and callbacks.
        summarised: Whether the final summary callback was produced.
        blocked_reason: Why the anti-fraud system blocked it (a test number), or ``""``.
    """

    request_id: str
    spec: V2Spec
    account: str
    created_at: float
    lifecycle: V2Lifecycle
    check_url: str | None = None
    recorded: int = 0
    summarised: bool = False
    blocked_reason: str = ""

    @property
    def status(self) -> VerificationStatus:
        """The lifecycle's status."""
        return self.lifecycle.status

    @property
    def v2_status(self) -> str:
        """``in_progress``, ``completed``, ``failed``, ``expired``, ``cancelled`` or ``blocked``."""
        if self.blocked_reason and self.lifecycle.status is VerificationStatus.FAILED:
            return "blocked"
        return V2_STATUS.get(self.lifecycle.status, "in_progress")

    def message_for(self, delivery: Delivery) -> HandsetMessage | None:
        """The handset message a channel produces (silent auth sends none)."""
        channel = self.spec.workflow[delivery.index]
        if channel.channel == SILENT_AUTH:
            return None
        return HandsetMessage(
            request_id=self.request_id,
            number=channel.to,
            channel=channel.channel,
            code=delivery.code,
            text=v2_message_text(self.spec, delivery.index, delivery.code),
            sent_at=delivery.at,
        )

    def channel_status(self, index: int) -> str:
        """The per-channel status a summary reports."""
        lc = self.lifecycle
        fired = len(lc.deliveries)
        if index >= fired:
            return "unused"
        if index in lc.failed_steps:
            return "blocked" if self.blocked_reason else "failed"
        if index < fired - 1:
            return "expired"
        return "action_pending" if lc.is_live else self.v2_status

    def workflow_json(self) -> list[dict[str, Any]]:
        """Each channel with its ``initiated_at`` and status."""
        out: list[dict[str, Any]] = []
        for index, channel in enumerate(self.spec.workflow):
            fired = index < len(self.lifecycle.deliveries)
            item: dict[str, Any] = {
                "channel": channel.channel,
                "initiated_at": iso(self.lifecycle.deliveries[index].at) if fired else None,
                "status": self.channel_status(index),
            }
            if self.blocked_reason and index in self.lifecycle.failed_steps:
                item["reason"] = self.blocked_reason
            out.append(item)
        return out

    def summary_callback(self) -> dict[str, Any]:
        """The ``type: summary`` callback sent when the request is finished."""
        lc = self.lifecycle
        body: dict[str, Any] = {
            "request_id": self.request_id,
            "type": "summary",
            "submitted_at": iso(self.created_at),
            "finalized_at": iso(lc.finalized_at),
            "status": self.v2_status,
            "workflow": self.workflow_json(),
            "channel_timeout": self.spec.channel_timeout,
        }
        if lc.status is VerificationStatus.SUCCESS:
            body["price"] = V2_PRICE
        if self.spec.client_ref:
            body["client_ref"] = self.spec.client_ref
        return body

    def event_callback(self, status: str, at: float) -> dict[str, Any]:
        """A ``type: event`` callback for the silent auth channel."""
        body: dict[str, Any] = {
            "request_id": self.request_id,
            "type": "event",
            "triggered_at": iso(at),
            "channel": SILENT_AUTH,
            "status": status,
        }
        if status == "action_pending" and self.check_url:
            body["action"] = {"type": "check", "check_url": self.check_url}
        else:
            body["finalized_at"] = iso(at)
        if self.spec.client_ref:
            body["client_ref"] = self.spec.client_ref
        return body

    def summary(self) -> dict[str, Any]:
        """The ``/sandbox/requests`` item (no code, no credentials)."""
        lc = self.lifecycle
        phones = [c.to for c in self.spec.workflow if c.channel != EMAIL]
        return {
            "request_id": self.request_id,
            "api_version": "v2",
            "kind": "start",
            "number": phones[0] if phones else self.spec.workflow[0].to,
            "addresses": list(self.spec.addresses),
            "brand": self.spec.brand,
            "workflow_id": None,
            "workflow": [
                {**item, "to": channel.to}
                for item, channel in zip(self.workflow_json(), self.spec.workflow, strict=True)
            ],
            "status": str(lc.status),
            "v2_status": self.v2_status,
            "created": iso(self.created_at),
            "finalized": iso(lc.finalized_at),
            "channel_timeout": self.spec.channel_timeout,
            "locale": self.spec.locale,
            "client_ref": self.spec.client_ref or None,
            "current_channel": lc.current_channel,
            "events_fired": len(lc.deliveries),
            "events": [
                {"type": d.channel, "at": iso(d.at), "new_pin": d.new_pin} for d in lc.deliveries
            ],
            "wrong_attempts": lc.wrong_attempts,
            "checks": len(lc.checks),
            "pin_expires_at": iso(lc.pin_expires_at) if lc.is_live else None,
            "next_event_at": iso(lc.next_event_at),
            "check_url": self.check_url,
        }


def v2_message_text(spec: V2Spec, index: int, code: str) -> str:
    """The words a channel delivers (English whatever the locale)."""
    channel = spec.workflow[index]
    brand = spec.brand
    if channel.channel == SMS:
        text = f"{code} is your {brand} verification code."
        return f"{text}\n{channel.app_hash}" if channel.app_hash else text
    if channel.channel == VOICE:
        words = spelled(code)
        return f"Your {brand} verification code is: {words}. I repeat: {words}."
    if channel.channel == EMAIL:
        return (
            f"Subject: Your {brand} verification code\n\n"
            f"Your {brand} verification code is {code}. "
            "If you did not ask for it, ignore this email."
        )
    if channel.channel == WHATSAPP:
        return f"{code} is your {brand} verification code. For your security, do not share it."
    return ""
