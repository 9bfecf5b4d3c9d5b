"""A message's delivery as the built-in sandbox records it (``GET /sandbox/requests``).

The sandbox lists each message it accepted with its legs, the status events it has played (the
very ones it posts as status webhooks) and when the next one is due. Where no receiver of this
app hears those webhooks (a command that lives for one call, ``message send --wait``, or a
scenario on a sandbox someone else started) this record is how the app learns how a message
ended: :func:`await_final` waits for it in real time, reading the sandbox's clock so it sleeps
until the next event is due rather than polling, and :func:`record_listed` writes the events
into the history as the webhooks would have been (idempotent, in lifecycle order), so
``history`` and ``message events`` show them.

The history's own timeline (:class:`~desktop_app.domain.message_delivery.MessageEventEntry`)
and the sandbox's record read into the same :class:`DeliveryStep` values, so the scenario
runner compares and reports them alike.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx

from desktop_app.api.sandbox_control import SandboxControl
from desktop_app.domain.errors import ResponseFormatError
from desktop_app.domain.message_delivery import MessageEventEntry
from desktop_app.domain.messages_errors import error_code_info
from desktop_app.domain.messages_status import (
    ERROR_TYPE_BASE,
    MessageStatus,
    MessageStatusEvent,
    StatusError,
)
from desktop_app.store.history import HistoryStore

__all__ = [
    "DeliveryStep",
    "ListedMessage",
    "await_final",
    "find_listed",
    "listed_message",
    "record_listed",
    "steps_from_timeline",
]

#: A sleep lands this far past the sandbox's next event, so it is surely due when read again.
_PAST = 0.02
#: How often a paused or unreadable clock is looked at again (someone may move it).
_LOOK_AGAIN = 0.25
_STATUSES = frozenset(status.value for status in MessageStatus)


@dataclass(frozen=True)
class DeliveryStep:
    """One status of one leg of a message.

    Attributes:
        leg: 0 for the first message, 1 for its first failover message...
        channel: The leg's channel as sent (``viber_service``).
        status: ``submitted``, ``delivered``, ``read``, ``rejected`` or ``undeliverable``.
        at: When it happened (simulated time on the sandbox), if known.
        error_code: A failure's Messages error code (``1340``), else None.
        error_title: Its short name ("Outside of the allowed window"), else "".
    """

    leg: int
    channel: str
    status: str
    at: datetime | None = None
    error_code: int | None = None
    error_title: str = ""


@dataclass(frozen=True)
class ListedMessage:
    """A sent message as ``/sandbox/requests`` lists it.

    Attributes:
        message_uuid: Its id.
        to: The recipient.
        from_: The first message's sender.
        client_ref: As sent, else None.
        channels: The legs' channels in order (``("whatsapp", "sms")``).
        steps: The status events played so far, oldest first, each with its leg.
        next_event_at: When the next one is due (None: nothing more will happen).
    """

    message_uuid: str
    to: str
    from_: str
    client_ref: str | None
    channels: tuple[str, ...]
    steps: tuple[DeliveryStep, ...]
    next_event_at: datetime | None

    @property
    def final(self) -> bool:
        """True once the message has a status and nothing more is due."""
        return bool(self.steps) and self.next_event_at is None

    @property
    def latest(self) -> DeliveryStep | None:
        """The newest status, or None before the first."""
        return self.steps[-1] if self.steps else None


def _when(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def _title(code: int | None) -> str:
    info = error_code_info(code) if code is not None else None
    return info.title if info is not None else ""


def _code(value: Any) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    text = str(value) if isinstance(value, str) else ""
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 6 else None


def listed_message(item: Mapping[str, Any]) -> ListedMessage:
    """Read one ``/sandbox/requests`` item of a sent message.

    The sandbox plays a failover leg's events only after the leg before it failed, so each
    event after a failure belongs to the next leg.

    Raises:
        ResponseFormatError: The item is not a sent message.
    """
    if item.get("api_version") != "messages" or item.get("kind") != "message":
        raise ResponseFormatError(f"{ResponseFormatError.meaning} (not a sent message).")
    legs = item.get("legs")
    channels = tuple(
        str(leg.get("channel", "")) for leg in legs if isinstance(leg, Mapping)
    ) if isinstance(legs, list) else ()  # fmt: skip
    steps: list[DeliveryStep] = []
    leg = 0
    raw = item.get("events")
    for event in raw if isinstance(raw, list) else ():
        if not isinstance(event, Mapping):
            continue
        status = str(event.get("status", ""))
        code = _code(event.get("error"))
        channel = str(event.get("channel", ""))
        steps.append(DeliveryStep(leg, channel, status, _when(event.get("at")), code, _title(code)))
        if status in (MessageStatus.REJECTED, MessageStatus.UNDELIVERABLE):
            leg = min(leg + 1, max(len(channels) - 1, 0))
    client_ref = item.get("client_ref")
    return ListedMessage(
        message_uuid=str(item.get("message_uuid") or item.get("request_id") or ""),
        to=str(item.get("to", "")),
        from_=str(item.get("from", "")),
        client_ref=str(client_ref) if client_ref is not None else None,
        channels=channels,
        steps=tuple(steps),
        next_event_at=_when(item.get("next_event_at")),
    )


def find_listed(items: Iterable[Mapping[str, Any]], message_uuid: str) -> ListedMessage | None:
    """The sent message ``message_uuid`` among ``/sandbox/requests`` items, or None."""
    for item in items:
        if item.get("request_id") == message_uuid and item.get("kind") == "message":
            return listed_message(item)
    return None


def steps_from_timeline(entries: Sequence[MessageEventEntry]) -> tuple[DeliveryStep, ...]:
    """The history's timeline of a message (leg by leg) as :class:`DeliveryStep` values."""
    return tuple(
        DeliveryStep(e.leg, e.channel, e.status.value, e.occurred_at, e.error_code, e.error_title)
        for e in entries
    )


# -- waiting for the end, in real time --------------------------------------------------------


def await_final(
    http: httpx.Client,
    sandbox_url: str,
    message_uuid: str,
    *,
    seconds: float,
    sleep: Callable[[float], None] = time.sleep,
    monotonic: Callable[[], float] = time.monotonic,
) -> tuple[ListedMessage | None, bool]:
    """Wait up to ``seconds`` (real time) until the sandbox has nothing more due for a message.

    Between looks it sleeps until the next event is due by the sandbox's clock at its current
    speed. A paused clock (speed 0) moves only when someone advances it: then it looks again
    every quarter second until ``seconds`` have passed.

    Returns:
        The message as last listed (None when the sandbox does not list it) and whether the
        clock was found paused while the message was not over.

    Raises:
        TransportError: The sandbox did not answer.
        ResponseFormatError: It answered something that is not its listing.
    """
    control = SandboxControl(http, sandbox_url)
    deadline = monotonic() + max(seconds, 0.0)
    paused = False
    while True:
        listed = find_listed(control.requests(), message_uuid)
        left = deadline - monotonic()
        if listed is None or listed.final or left <= 0:
            return listed, paused and listed is not None and not listed.final
        clock = control.clock()
        paused = clock.time_scale <= 0
        due = listed.next_event_at
        if paused or due is None:
            pause = _LOOK_AGAIN
        else:
            pause = max(due.timestamp() - clock.now, 0.0) / clock.time_scale + _PAST
        sleep(min(pause, left))


# -- into the history ---------------------------------------------------------------------------


def _status_event(listed: ListedMessage, step: DeliveryStep) -> MessageStatusEvent:
    error = None
    if step.error_code is not None:
        error = StatusError(
            type=f"{ERROR_TYPE_BASE}#{step.error_code}", title=str(step.error_code),
            detail=step.error_title,
        )  # fmt: skip
    return MessageStatusEvent(
        message_uuid=listed.message_uuid,
        to=listed.to,
        from_=listed.from_,
        timestamp=step.at or datetime.now(UTC),
        channel=step.channel,
        status=MessageStatus(step.status),
        client_ref=listed.client_ref,
        error=error,
    )


def record_listed(store: HistoryStore, listed: ListedMessage) -> int:
    """Write the listed events into the history as status webhooks; return how many were new.

    The sandbox's listing has no prices, so a row recorded this way has none.

    Raises:
        StoreError: The history file cannot be written.
    """
    failover = len(listed.channels) > 1
    added = 0
    for step in listed.steps:
        if step.status not in _STATUSES:
            continue
        items_number = step.leg + 1 if failover else None
        applied = store.apply_message_event(_status_event(listed, step), items_number=items_number)
        added += bool(applied is not None and applied.recorded)
    return added
