"""The sandbox's Messages status webhooks, as a receiver on loopback gets them.

Each message's events arrive one after another and in order (submitted, delivered, then read
on WhatsApp, Viber and Messenger), each signed with the signature secret: an HS256 JWT in
``Authorization`` whose ``payload_hash`` is the SHA-256 of the exact body (checked with the
domain's ``verify_webhook`` and, independently, with PyJWT). The WhatsApp 24-hour window
rejects a free-form text with 1340 and its SMS failover is delivered; after the customer
writes in, the same text is delivered. No test sleeps: each waits for the next webhook.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

import httpx
import jwt
import pytest

from desktop_app.domain.messages_signature import verify_webhook
from desktop_app.domain.messages_status import MessageStatus, parse_status_webhook
from desktop_app.sandbox.server import SandboxServer
from tests.helpers.messages_sandbox import (
    SIGNATURE_SECRET,
    Received,
    WebhookReceiver,
    advance,
    handset,
    inbound,
    post,
    record,
    sms,
    whatsapp_template,
    whatsapp_text,
)

CUSTOMER = "447700900555"


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    with WebhookReceiver() as server:
        yield server


@pytest.fixture
def start(
    make_sandbox: Callable[..., SandboxServer], receiver: WebhookReceiver
) -> Callable[..., httpx.Client]:
    """Start a sandbox posting to the receiver; a client for it (closed by the test's end)."""
    clients: list[httpx.Client] = []

    def make(**overrides: Any) -> httpx.Client:
        options: dict[str, Any] = {
            "messages_rate_limit": 0.0,
            "status_url": receiver.url("/status"),
            "inbound_url": receiver.url("/inbound"),
            "signature_secret": SIGNATURE_SECRET,
        }
        server = make_sandbox(**(options | overrides))
        client = httpx.Client(base_url=server.url, timeout=10)
        clients.append(client)
        return client

    yield make  # type: ignore[misc]
    for client in clients:
        client.close()


def _signed(hook: Received) -> dict[str, Any]:
    """The webhook's body, once its signature and body hash check out both ways."""
    claims = verify_webhook(hook.authorization, hook.body, SIGNATURE_SECRET)
    assert hook.authorization is not None
    token = hook.authorization.removeprefix("Bearer ")
    decoded = jwt.decode(token, SIGNATURE_SECRET, algorithms=["HS256"])
    assert decoded == claims
    assert decoded["payload_hash"] == hashlib.sha256(hook.body).hexdigest()
    assert decoded["api_key"] == "sandbox"
    return hook.json


def _statuses(hooks: list[Received]) -> list[tuple[str, str]]:
    return [(_signed(h)["channel"], _signed(h)["status"]) for h in hooks]


def test_a_receiver_gets_submitted_delivered_read_in_order_each_signed(
    start: Callable[..., httpx.Client], receiver: WebhookReceiver
) -> None:
    http = start(time_scale=10.0)  # read 2.5 simulated seconds on: a quarter second here
    answer = post(http, whatsapp_template(CUSTOMER, client_ref="order-7"))
    assert answer.status_code == 202
    message_uuid = answer.json()["message_uuid"]
    hooks = receiver.take(3)  # nothing calls the sandbox meanwhile: the events come on their own
    bodies = [_signed(hook) for hook in hooks]
    assert [b["status"] for b in bodies] == ["submitted", "delivered", "read"]
    assert {hook.path for hook in hooks} == {"/status"}
    for body in bodies:
        assert body["message_uuid"] == message_uuid
        assert (body["to"], body["from"], body["channel"]) == (CUSTOMER, "447700900001", "whatsapp")
        assert body["client_ref"] == "order-7"
        assert body["usage"] == {"price": "0.0147", "currency": "EUR"}
        assert "T" in body["timestamp"] and body["timestamp"].endswith("Z")
        event = parse_status_webhook(body)  # what the app's receiver reads
        assert event.error is None
    times = [datetime.fromisoformat(b["timestamp"]) for b in bodies]
    assert times == sorted(times)
    assert (times[1] - times[0]).total_seconds() <= 1  # delivered within 1 s of sandbox time
    assert (times[2] - times[0]).total_seconds() <= 5  # read within 5 s

    sms_uuid = post(http, sms(CUSTOMER)).json()["message_uuid"]
    sms_hooks = receiver.take(2)
    assert _statuses(sms_hooks) == [("sms", "submitted"), ("sms", "delivered")]
    assert {h.json["message_uuid"] for h in sms_hooks} == {sms_uuid}


def test_a_whatsapp_text_outside_the_window_is_rejected_and_its_sms_failover_delivered(
    start: Callable[..., httpx.Client], receiver: WebhookReceiver
) -> None:
    http = start(time_scale=0.0)
    body = whatsapp_text(
        CUSTOMER,
        webhook_url=receiver.url("/whatsapp"),
        failover=[
            sms(CUSTOMER, text="Your parcel is on its way", webhook_url=receiver.url("/sms"))
        ],
    )
    answer = post(http, body)
    assert answer.status_code == 202  # accepted first: the window is the channel's business
    message_uuid = answer.json()["message_uuid"]
    rejected, submitted = receiver.take(2)
    assert rejected.path == "/whatsapp" and submitted.path == "/sms"  # each leg's own URL
    failure = _signed(rejected)
    assert (failure["channel"], failure["status"]) == ("whatsapp", "rejected")
    assert failure["error"]["type"] == "https://developer.vonage.com/api-errors/messages#1340"
    assert failure["error"]["title"] == "1340"
    assert failure["error"]["detail"] and failure["error"]["instance"]
    assert failure["usage"]["price"] == "0.0000"
    assert parse_status_webhook(failure).error.code == 1340  # type: ignore[union-attr]
    assert _signed(submitted)["channel"] == "sms"
    advance(http, 1)
    delivered = receiver.next()
    assert delivered.path == "/sms"
    assert (_signed(delivered)["channel"], delivered.json["status"]) == ("sms", "delivered")
    assert {h.json["message_uuid"] for h in (rejected, submitted, delivered)} == {message_uuid}
    assert delivered.json["workflow"]["items_number"] == "2"
    (on_phone,) = handset(http, CUSTOMER)  # the rejected WhatsApp text never reached it
    assert (on_phone["channel"], on_phone["message_uuid"]) == ("sms", message_uuid)


def test_a_failover_leg_without_its_own_url_uses_the_first_messages(
    start: Callable[..., httpx.Client], receiver: WebhookReceiver
) -> None:
    http = start(time_scale=0.0)
    post(
        http, whatsapp_text(CUSTOMER, webhook_url=receiver.url("/first"), failover=[sms(CUSTOMER)])
    )
    assert [h.path for h in receiver.take(2)] == ["/first", "/first"]
    post(http, whatsapp_text(CUSTOMER, failover=[sms(CUSTOMER)]))  # neither: the status URL
    assert [h.path for h in receiver.take(2)] == ["/status", "/status"]


def test_after_an_inbound_message_the_same_text_is_delivered(
    start: Callable[..., httpx.Client], receiver: WebhookReceiver
) -> None:
    http = start(time_scale=0.0)
    post(http, whatsapp_text(CUSTOMER))
    assert _signed(receiver.next())["status"] == "rejected"
    inbound_uuid = inbound(http, CUSTOMER, "Where is my parcel?")
    written = receiver.next()
    assert written.path == "/inbound"
    note = _signed(written)
    assert note == {
        "channel": "whatsapp",
        "message_uuid": inbound_uuid,
        "to": "447700900001",
        "from": CUSTOMER,
        "timestamp": note["timestamp"],
        "message_type": "text",
        "text": "Where is my parcel?",
    }
    message_uuid = post(http, whatsapp_text(CUSTOMER)).json()["message_uuid"]
    assert _signed(receiver.next())["status"] == "submitted"
    advance(http, 3)
    assert _statuses(receiver.take(2)) == [("whatsapp", "delivered"), ("whatsapp", "read")]
    assert [m["message_uuid"] for m in handset(http, CUSTOMER)] == [message_uuid]


def test_the_window_closes_24_hours_after_the_customer_wrote(
    start: Callable[..., httpx.Client], receiver: WebhookReceiver
) -> None:
    http = start(time_scale=0.0, status_url=None, inbound_url=None)
    inbound(http, CUSTOMER)  # opens the window without an inbound URL too
    inbound(http, "447700900556", channel="sms")  # an SMS opens no WhatsApp window
    advance(http, 24 * 3600 - 1)
    open_uuid = post(http, whatsapp_text(CUSTOMER)).json()["message_uuid"]
    other = post(http, whatsapp_text("447700900556")).json()["message_uuid"]
    advance(http, 2)
    closed_uuid = post(http, whatsapp_text(CUSTOMER)).json()["message_uuid"]
    assert record(http, open_uuid)["status"] == "delivered"
    assert [e["error"] for e in record(http, other)["events"]] == [1340]
    assert [e["error"] for e in record(http, closed_uuid)["events"]] == [1340]
    assert receiver.pending() == 0  # no status URL, no inbound URL: nothing was posted


def test_advancing_the_clock_sends_every_due_event_at_once_in_order(
    start: Callable[..., httpx.Client], receiver: WebhookReceiver
) -> None:
    http = start(time_scale=0.0)
    sent = [
        post(http, body).json()["message_uuid"]
        for body in (
            whatsapp_template(CUSTOMER),
            sms("447700900556"),
            whatsapp_template("447700900557"),
        )
    ]
    assert [h.json["status"] for h in receiver.take(3)] == ["submitted"] * 3
    assert receiver.pending() == 0  # frozen clock: nothing else falls due
    advance(http, 10)
    hooks = receiver.take(5)
    bodies = [_signed(h) for h in hooks]
    expected = [(sent[0], "delivered"), (sent[0], "read"), (sent[1], "delivered")]
    expected += [(sent[2], "delivered"), (sent[2], "read")]
    assert sorted((b["message_uuid"], b["status"]) for b in bodies) == sorted(expected)
    times = [b["timestamp"] for b in bodies]
    assert times == sorted(times)  # in time order across messages: every delivered, then reads
    assert [b["status"] for b in bodies] == ["delivered"] * 3 + ["read"] * 2


def test_unsigned_without_a_signature_secret(
    start: Callable[..., httpx.Client], receiver: WebhookReceiver
) -> None:
    http = start(time_scale=0.0, signature_secret=None)
    post(http, sms(CUSTOMER))
    hook = receiver.next()
    assert hook.authorization is None
    assert MessageStatus(hook.json["status"]) is MessageStatus.SUBMITTED
