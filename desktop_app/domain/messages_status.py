"""Message status webhooks: the delivery lifecycle of a sent message.

The API posts a status webhook (JSON) for each step of a message: ``submitted`` to the
carrier, ``delivered`` to the handset, ``read`` (WhatsApp, Viber, Messenger), or ``rejected`` /
``undeliverable`` with an ``error`` whose ``title`` is the Messages error code as text
(``"1340"``, see :mod:`desktop_app.domain.messages_errors`). Each carries ``message_uuid``,
``to``, ``from``, ``timestamp`` (ISO 8601, UTC), ``channel`` and ``status``, and may carry
``client_ref`` and ``usage`` (``price`` as a decimal string, ``currency``).

:func:`parse_status_webhook` reads one (the delivery-tracking receiver's side) or raises
:class:`~desktop_app.domain.errors.ValidationFailed` naming each bad field;
:func:`status_webhook_body` writes one (the sandbox's side). Fields the parser does not know
(``whatsapp.conversation``, ``sms.count_total``, ``workflow``) are ignored.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from desktop_app.domain.errors import FieldError, ValidationFailed
from desktop_app.domain.messages import CHANNELS, MESSENGER, VIBER, WHATSAPP
from desktop_app.domain.messages_errors import MessageErrorCode, error_code_info

__all__ = [
    "ERROR_TYPE_BASE",
    "READ_RECEIPT_CHANNELS",
    "MessageStatus",
    "MessageStatusEvent",
    "StatusError",
    "Usage",
    "error_code_of",
    "format_timestamp",
    "parse_status_webhook",
    "status_webhook_body",
]

#: The ``error.type`` of a status webhook is this plus ``#<code>``.
ERROR_TYPE_BASE = "https://developer.vonage.com/api-errors/messages"
#: Channels that report ``read``.
READ_RECEIPT_CHANNELS: tuple[str, ...] = (WHATSAPP, VIBER, MESSENGER)


class MessageStatus(StrEnum):
    """Where a message is in its lifecycle."""

    SUBMITTED = "submitted"
    DELIVERED = "delivered"
    READ = "read"
    REJECTED = "rejected"
    UNDELIVERABLE = "undeliverable"

    @property
    def failed(self) -> bool:
        """True for ``rejected`` and ``undeliverable``."""
        return self in (MessageStatus.REJECTED, MessageStatus.UNDELIVERABLE)

    @property
    def rank(self) -> int:
        """Order in the lifecycle: submitted 0, delivered 1, read and the failures 2.

        A tracker keeps the highest rank seen, so a late ``delivered`` never hides ``read``.
        """
        return {"submitted": 0, "delivered": 1}.get(self.value, 2)

    def is_final(self, channel: str) -> bool:
        """True when nothing more will come: read, a failure, or delivered without read receipts."""
        if self is MessageStatus.DELIVERED:
            return channel not in READ_RECEIPT_CHANNELS
        return self is not MessageStatus.SUBMITTED


@dataclass(frozen=True)
class Usage:
    """What the message cost: ``price`` in ``currency`` (ISO 4217, e.g. EUR)."""

    price: Decimal
    currency: str


def error_code_of(type_: str, title: str) -> int | None:
    """The Messages error code of a webhook error: its ``title`` (``"1340"``) or ``#1340``."""
    for text in (title.strip(), type_.rsplit("#", 1)[-1] if "#" in type_ else ""):
        if text.isascii() and text.isdigit() and len(text) <= 6:
            return int(text)
    return None


@dataclass(frozen=True)
class StatusError:
    """The ``error`` of a failed message, RFC 7807 style.

    Attributes:
        type: A link to the error's description (``.../messages#1340``).
        title: The error code as text (``"1340"``).
        detail: The API's text.
        instance: The occurrence's id, for Vonage support.
    """

    type: str
    title: str
    detail: str = ""
    instance: str | None = None

    @property
    def code(self) -> int | None:
        """The Messages error code, when the title or type holds one."""
        return error_code_of(self.type, self.title)

    @property
    def info(self) -> MessageErrorCode | None:
        """The code's entry in the Messages error table, if known."""
        code = self.code
        return None if code is None else error_code_info(code)


@dataclass(frozen=True)
class MessageStatusEvent:
    """One status webhook.

    Attributes:
        message_uuid: The message it concerns.
        to: The recipient (a number, or a Messenger id).
        from_: The sender.
        timestamp: When it happened (UTC, timezone-aware).
        channel: The channel this leg went out on (a failover leg has its own).
        status: The new status.
        client_ref: The request's ``client_ref``, when it had one.
        usage: The price, when the API reports one.
        error: Why it failed (``rejected``/``undeliverable``).
    """

    message_uuid: str
    to: str
    from_: str
    timestamp: datetime
    channel: str
    status: MessageStatus
    client_ref: str | None = None
    usage: Usage | None = None
    error: StatusError | None = None


def format_timestamp(moment: datetime) -> str:
    """ISO 8601 in UTC with milliseconds and ``Z`` (``2020-01-01T14:00:00.000Z``)."""
    utc = moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def status_webhook_body(event: MessageStatusEvent) -> dict[str, Any]:
    """The JSON body of ``event`` as the API posts it."""
    body: dict[str, Any] = {
        "message_uuid": event.message_uuid,
        "to": event.to,
        "from": event.from_,
        "timestamp": format_timestamp(event.timestamp),
        "channel": event.channel,
        "status": event.status.value,
    }
    if event.client_ref is not None:
        body["client_ref"] = event.client_ref
    if event.usage is not None:
        body["usage"] = {"price": str(event.usage.price), "currency": event.usage.currency}
    if event.error is not None:
        error = event.error
        body["error"] = {"type": error.type, "title": error.title, "detail": error.detail}
        if error.instance is not None:
            body["error"]["instance"] = error.instance
    return body


# -- parsing --------------------------------------------------------------------------------


def _text(obj: Mapping[str, Any], key: str, errors: list[FieldError], *, at: str = "") -> str:
    value = obj.get(key)
    name = f"{at}.{key}" if at else key
    if isinstance(value, str) and value:
        return value
    errors.append(FieldError(name, "required, a string" if value is None else "must be a string"))
    return ""


def _optional(obj: Mapping[str, Any], key: str) -> str | None:
    value = obj.get(key)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return value if isinstance(value, str) and value else None


def _timestamp(raw: str, errors: list[FieldError]) -> datetime:
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        errors.append(FieldError("timestamp", "must be an ISO 8601 date and time"))
        return datetime.fromtimestamp(0, UTC)
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


def _usage(raw: Any, errors: list[FieldError]) -> Usage | None:
    if raw is None:
        return None
    price = _optional(raw, "price") if isinstance(raw, Mapping) else None
    try:
        amount = Decimal(price) if price is not None else None
    except InvalidOperation:
        amount = None
    if amount is None or not amount.is_finite() or not isinstance(raw, Mapping):
        errors.append(FieldError("usage.price", 'must be a price such as "0.0333"'))
        return None
    return Usage(amount, _optional(raw, "currency") or "")


def _error(raw: Any, errors: list[FieldError]) -> StatusError | None:
    if raw is None:
        return None
    if not isinstance(raw, Mapping):
        errors.append(FieldError("error", "must be a JSON object"))
        return None
    return StatusError(
        type=_optional(raw, "type") or "",
        title=_optional(raw, "title") or "",
        detail=_optional(raw, "detail") or "",
        instance=_optional(raw, "instance"),
    )


def parse_status_webhook(data: Any) -> MessageStatusEvent:
    """Read one decoded status webhook body.

    Raises:
        ValidationFailed: Each missing or malformed field by name (an unknown ``status`` or
            ``channel`` included).
    """
    if not isinstance(data, Mapping):
        raise ValidationFailed([FieldError("body", "must be a JSON object")])
    errors: list[FieldError] = []
    uuid = _text(data, "message_uuid", errors)
    to = _text(data, "to", errors)
    sender = _text(data, "from", errors)
    raw_time = _text(data, "timestamp", errors)
    channel = _text(data, "channel", errors)
    raw_status = _text(data, "status", errors)
    if channel and channel not in CHANNELS:
        errors.append(FieldError("channel", f"must be one of {', '.join(CHANNELS)}"))
    status = MessageStatus.SUBMITTED
    if raw_status:
        try:
            status = MessageStatus(raw_status)
        except ValueError:
            known = ", ".join(s.value for s in MessageStatus)
            errors.append(FieldError("status", f"must be one of {known}"))
    moment = _timestamp(raw_time, errors) if raw_time else datetime.fromtimestamp(0, UTC)
    usage = _usage(data.get("usage"), errors)
    error = _error(data.get("error"), errors)
    if errors:
        raise ValidationFailed(errors)
    return MessageStatusEvent(
        message_uuid=uuid,
        to=to,
        from_=sender,
        timestamp=moment,
        channel=channel,
        status=status,
        client_ref=_optional(data, "client_ref"),
        usage=usage,
        error=error,
    )
