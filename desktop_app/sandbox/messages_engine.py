"""The Messages API engine: ``POST /v1/messages`` and inbound messages on the shared state.

A collaborator of :class:`~desktop_app.sandbox.shared.SharedState`, like the Verify engines:
its records (:class:`~desktop_app.sandbox.messages_records.MessageRecord`) in
``tables["messages"]``, its status events on the shared deadline heap, delivered messages in
the shared handset inbox. The body is read by the domain's own reader
(:func:`~desktop_app.domain.messages_read.parse_message_body`), so a 422 names the same field
paths as the client's own refusals.

A send: 401 (:mod:`.messages_auth`), 429 over the rate limit, 422 (:mod:`.messages_problems`),
the problem of a test number refused at once (402 for ``...4020``), else
``202 {"message_uuid"}`` (and ``workflow_id`` with failover). The test numbers are the
catalogue's (:mod:`.messages_test_numbers`). Then each message of the send (a *leg*) plays
out in simulated time:

=================================================  ============================================
the leg                                            its status events
=================================================  ============================================
a test number that is rejected (``...4220``)       ``rejected`` with its code (1330) at once
WhatsApp text or media to a number that has not    ``rejected`` 1340 at once
written in during the last 24 h (not a template)
a test number that fails later (``...4290``)       ``submitted``; ``undeliverable`` with its
                                                   code (1260) 0.5 s on
any other                                          ``submitted``; ``delivered`` 0.5 s on (into
                                                   the handset); ``read`` 2 s later on
                                                   WhatsApp, Viber and Messenger
=================================================  ============================================

When a leg is rejected or undeliverable, the next message of ``failover`` is sent at that
moment. Each event is posted (signed with the signature secret, when there is one) to its leg's
``webhook_url``, else the first message's, else the status URL; every webhook goes through one
sender thread, so one message's events arrive one after another, in order. A
:class:`~desktop_app.sandbox.messages_pump.DeadlinePump` plays events as they fall due even
when no request arrives; advancing the clock plays all that became due at once, in order.

``POST /sandbox/inbound`` (``{channel, from, to, text}``) is a customer writing in: it opens
the WhatsApp 24-hour window of ``from`` (WhatsApp only) and is posted to the inbound URL.
The windows are ``tables["messages_windows"]``: customer number -> when they last wrote.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Final, NamedTuple

from desktop_app.domain.errors import FieldError, ValidationFailed
from desktop_app.domain.messages import (
    CUSTOM,
    TEMPLATE,
    WHATSAPP,
    MessageRequest,
    channel_named,
    content_text,
)
from desktop_app.domain.messages_read import parse_message_body
from desktop_app.domain.messages_rules import check_text, check_to
from desktop_app.domain.messages_signature import sign_webhook
from desktop_app.domain.messages_status import READ_RECEIPT_CHANNELS
from desktop_app.sandbox.callbacks import CallbackSender, check_callback_url
from desktop_app.sandbox.journal import Transaction
from desktop_app.sandbox.messages_auth import MessagesAuth
from desktop_app.sandbox.messages_problems import (
    PROBLEM_TYPE,
    invalid_json,
    invalid_parameters,
    throttled,
)
from desktop_app.sandbox.messages_pump import DeadlinePump
from desktop_app.sandbox.messages_records import (
    INBOUND,
    OUTBOUND,
    PRICES,
    MessageEvent,
    MessageLeg,
    MessageRecord,
    inbound_webhook_body,
)
from desktop_app.sandbox.messages_test_numbers import failure_of, refusal_of
from desktop_app.sandbox.problems import Problem
from desktop_app.sandbox.records import HandsetMessage
from desktop_app.sandbox.shared import SharedState
from desktop_app.sandbox.throttle import Throttle

__all__ = [
    "DELIVERED_AFTER",
    "READ_AFTER",
    "WINDOWS_TABLE",
    "WINDOW_S",
    "MessagesAnswer",
    "MessagesEngine",
    "MessagesSettings",
]

JSON_TYPE = "application/json;charset=UTF-8"
#: Simulated seconds from ``submitted`` to ``delivered`` (or ``undeliverable``).
DELIVERED_AFTER: Final = 0.5
#: Simulated seconds from ``delivered`` to ``read`` (channels with read receipts).
READ_AFTER: Final = 2.0
#: How long a customer's message keeps their WhatsApp window open (simulated seconds).
WINDOW_S: Final = 24 * 3600.0
#: The table of WhatsApp windows: customer number -> when they last wrote in.
WINDOWS_TABLE: Final = "messages_windows"
_TEMPLATES = (TEMPLATE, CUSTOM)
_LOOPBACK_ONLY = "the sandbox posts webhooks to loopback addresses only (127.0.0.1, ::1, localhost)"


@dataclass(frozen=True)
class MessagesSettings:
    """How the Messages API of one sandbox behaves.

    Attributes:
        rate_limit: Sends per second per sender before HTTP 429 (0: no limit).
        application_id: The application whose JWTs are accepted (None: Basic only).
        public_key: Its PEM public key.
        status_url: Where status webhooks go when a message names no ``webhook_url``.
        inbound_url: Where inbound message webhooks go.
        signature_secret: Signs every webhook (HS256 JWT with ``payload_hash``); None: unsigned.
    """

    rate_limit: float = 30.0
    application_id: str | None = None
    public_key: str | None = field(default=None, repr=False)
    status_url: str | None = None
    inbound_url: str | None = None
    signature_secret: str | None = field(default=None, repr=False)


class MessagesAnswer(NamedTuple):
    """What the HTTP layer writes: status, JSON body and its content type."""

    status: int
    body: dict[str, Any]
    content_type: str = JSON_TYPE


class InboundRefused(ValueError):  # noqa: N818 - reads as what happened
    """A ``/sandbox/inbound`` body that breaks a rule; the message names the field."""


class MessagesEngine:
    """The Messages API over the shared state (see the module docstring).

    Args:
        state: The shared state (this engine registers itself as family ``messages``).
        settings: Its settings.
        real_time: Monotonic real time for the rate limit (injectable for tests).
        wall_time: Unix seconds by the real clock, for JWT expiry (injectable for tests).

    Raises:
        ValueError: A status or inbound URL that is not on a loopback address, or an
            application id without its public key (or the other way round).
    """

    family = "messages"

    def __init__(
        self,
        state: SharedState,
        settings: MessagesSettings | None = None,
        *,
        real_time: Callable[[], float] = time.monotonic,
        wall_time: Callable[[], float] = time.time,
    ) -> None:
        settings = settings or MessagesSettings()
        self.status_url = check_callback_url(settings.status_url) if settings.status_url else None
        self.inbound_url = (
            check_callback_url(settings.inbound_url) if settings.inbound_url else None
        )
        self.auth = MessagesAuth(
            state.account, settings.application_id, settings.public_key, real_time=wall_time
        )
        self.state = state
        self.settings = settings
        self.throttle = Throttle(settings.rate_limit, real_time)
        self.records: dict[str, MessageRecord] = state.register(self)
        self.windows: dict[str, float] = state.data.tables.setdefault(WINDOWS_TABLE, {})
        self.webhooks = CallbackSender(self._signer())
        self.pump = DeadlinePump(state)
        self.wake_pending()  # records loaded before the engine was built play on

    def _signer(self) -> Callable[[bytes], str] | None:
        secret = self.settings.signature_secret
        if not secret:
            return None
        api_key = self.state.account.api_key
        application_id = self.settings.application_id or ""

        def sign(body: bytes) -> str:
            return sign_webhook(body, secret, api_key=api_key, application_id=application_id)

        return sign

    def close(self) -> None:
        """Stop the webhook and pump threads (the engine keeps answering)."""
        self.pump.close()
        self.webhooks.close()

    # -- the API -----------------------------------------------------------------------------

    def send(self, body: bytes, authorization: str | None) -> MessagesAnswer:
        """Answer one ``POST /v1/messages``."""
        try:
            sender = self.auth.sender(authorization)
            if not self.throttle.allow(sender):
                raise throttled()
            request = _read(body)
            legs = _legs(request)
            refusal = refusal_of(leg.to for leg in legs)
            if refusal is not None:
                raise refusal
            return self._accept(sender, legs)
        except Problem as problem:
            return MessagesAnswer(problem.status, problem.body(), PROBLEM_TYPE)

    def _accept(self, sender: str, legs: list[MessageLeg]) -> MessagesAnswer:
        message_uuid = str(uuid.uuid4())
        workflow_id = str(uuid.uuid4()) if len(legs) > 1 else None
        with self.state.begin() as tx:
            record = MessageRecord(
                message_uuid, tx.now, OUTBOUND, sender, legs, workflow_id=workflow_id
            )
            tx.put(self.records, message_uuid, record)
            self._plan_leg(record, 0, tx.now)
            self._play(tx, record)
        answer = {"message_uuid": message_uuid}
        if workflow_id is not None:
            answer["workflow_id"] = workflow_id
        return MessagesAnswer(202, answer)

    def inbound(self, body: bytes) -> dict[str, Any]:
        """``POST /sandbox/inbound``: a customer writes in; ``{"message_uuid": ...}``.

        Raises:
            InboundRefused: The body breaks a rule (nothing changed).
        """
        leg = _inbound_leg(body)
        message_uuid = str(uuid.uuid4())
        with self.state.begin() as tx:
            record = MessageRecord(message_uuid, tx.now, INBOUND, "", [leg])
            tx.put(self.records, message_uuid, record)
            if leg.channel == WHATSAPP:
                tx.put(self.windows, leg.from_, tx.now)
            url = self.inbound_url
            if url:
                payload = inbound_webhook_body(record)
                tx.after_commit(lambda: self.webhooks.send(url, payload))
        return {"message_uuid": message_uuid}

    # -- the shared state's side -------------------------------------------------------------

    def play_due(self, tx: Transaction, request_id: str) -> None:
        """Play a message's status events that are due by ``tx.now``."""
        record = self.records.get(request_id)
        if record is not None:
            self._play(tx, record)

    def listing(self) -> Iterable[tuple[float, dict[str, Any]]]:
        """``(created_at, summary)`` of every message, sent or written in."""
        return [(record.created_at, record.summary()) for record in self.records.values()]

    # -- the lifecycle -----------------------------------------------------------------------

    def _plan_leg(self, record: MessageRecord, index: int, at: float) -> None:
        """Decide what happens to leg ``index`` sent at ``at``; queue its events."""
        leg = record.legs[index]
        planned = record.planned
        fails = failure_of(leg.to)
        if fails is not None and fails.status == "rejected":
            planned.append(MessageEvent("rejected", at, index, fails.error_code))
        elif (
            leg.channel == WHATSAPP
            and leg.message_type not in _TEMPLATES
            and not self._open(leg.to, at)
        ):
            planned.append(MessageEvent("rejected", at, index, 1340))
        elif fails is not None:
            planned.append(MessageEvent("submitted", at, index))
            later = at + DELIVERED_AFTER
            planned.append(MessageEvent(fails.status, later, index, fails.error_code))
        else:
            planned.append(MessageEvent("submitted", at, index))
            planned.append(MessageEvent("delivered", at + DELIVERED_AFTER, index))
            if leg.channel in READ_RECEIPT_CHANNELS:
                planned.append(MessageEvent("read", at + DELIVERED_AFTER + READ_AFTER, index))

    def _open(self, number: str, at: float) -> bool:
        """True while ``number``'s WhatsApp window is open at ``at``."""
        wrote = self.windows.get(number)
        return wrote is not None and at - wrote <= WINDOW_S

    def _play(self, tx: Transaction, record: MessageRecord) -> None:
        """Play ``record``'s soonest due events (those of one instant), schedule the next.

        One instant at a time: the shared heap then hands out every message's events oldest
        first, so a clock jump posts all the events it passed in time order.
        """
        if not record.planned or record.planned[0].at > tx.now:
            return
        tx.edit(record)
        instant = record.planned[0].at
        while record.planned and record.planned[0].at == instant:
            event = record.planned.pop(0)
            record.events.append(event)
            self._effects(tx, record, event)
            if event.failed and event.leg + 1 < len(record.legs):
                self._plan_leg(record, event.leg + 1, event.at)
        due = record.planned[0].at if record.planned else None
        self.state.schedule(tx, self.family, record.message_uuid, due)
        if due is not None:
            tx.after_commit(lambda: self.pump.wake(due))

    def _effects(self, tx: Transaction, record: MessageRecord, event: MessageEvent) -> None:
        """What an event does: a charge, a handset message, a webhook."""
        leg = record.legs[event.leg]
        if event.status == "submitted":
            self.state.debit(tx, PRICES.get(leg.channel, PRICES["sms"]))
        elif event.status == "delivered":
            uuid_ = record.message_uuid
            self.state.deliver(
                tx, HandsetMessage(uuid_, leg.to, leg.channel, "", leg.text, event.at, uuid_)
            )
        url = leg.webhook_url or self.status_url
        if url:
            payload = record.webhook_body(event)
            tx.after_commit(lambda: self.webhooks.send(url, payload))

    def wake_pending(self) -> None:
        """Tell the pump about every message with events still due (records loaded from a file)."""
        for record in self.records.values():
            if record.planned:
                self.pump.wake(record.planned[0].at)


# -- reading a send ------------------------------------------------------------------------


def _read(body: bytes) -> MessageRequest:
    try:
        data = json.loads(body.decode("utf-8"))
    except UnicodeDecodeError:
        raise invalid_json("The body is not UTF-8 text.") from None
    except (ValueError, RecursionError) as exc:
        raise invalid_json(f"The body is not JSON: {str(exc)[:120]}") from None
    try:
        return parse_message_body(data)
    except ValidationFailed as failed:
        raise invalid_parameters(failed.errors) from None


def _legs(request: MessageRequest) -> list[MessageLeg]:
    """The legs of a checked request; 422 for a webhook URL off loopback."""
    errors: list[FieldError] = []
    legs: list[MessageLeg] = []
    for index, message in enumerate(request.legs):
        prefix = f"failover[{index - 1}]." if index else ""
        if message.webhook_url is not None:
            try:
                check_callback_url(message.webhook_url)
            except ValueError:
                errors.append(FieldError(f"{prefix}webhook_url", _LOOPBACK_ONLY))
        legs.append(
            MessageLeg(
                channel=message.channel,
                message_type=message.message_type,
                to=message.to,
                from_=message.from_,
                text=content_text(message.content),
                client_ref=message.client_ref or request.client_ref,
                webhook_url=message.webhook_url or request.webhook_url,
            )
        )
    if errors:
        raise invalid_parameters(errors)
    return legs


def _inbound_leg(body: bytes) -> MessageLeg:
    try:
        data = json.loads(body.decode("utf-8")) if body.strip() else None
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise InboundRefused("the body must be a JSON object") from None
    if not isinstance(data, dict):
        raise InboundRefused("the body must be a JSON object: {channel, from, to, text}")
    values: dict[str, str] = {}
    for name in ("channel", "from", "to", "text"):
        value = data.get(name)
        if not isinstance(value, str) or not value:
            raise InboundRefused(f"{name}: required, a string")
        values[name] = value
    channel = channel_named(values["channel"])
    if channel is None:
        raise InboundRefused("channel: must be sms, mms, whatsapp, viber_service or messenger")
    for checked in (
        check_to(values["from"], channel=channel, path="from"),
        check_to(values["to"], channel=channel, path="to"),
        check_text(values["text"], channel=channel),
    ):
        if checked.error is not None:
            raise InboundRefused(str(checked.error))
    return MessageLeg(channel, "text", values["to"], values["from"], values["text"])
