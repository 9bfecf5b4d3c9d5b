"""The local status webhook receiver: signed webhooks move rows in order; the rest is refused."""

from __future__ import annotations

import logging
import socket
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from desktop_app.domain import errors as e
from desktop_app.domain.messages import SMS, WHATSAPP, MessageRequest, Text
from desktop_app.domain.messages_signature import sign_webhook
from desktop_app.domain.messages_status import MessageStatus, MessageStatusEvent
from desktop_app.domain.models import VerificationStatus
from desktop_app.usecases.messages import StatusRoute
from desktop_app.usecases.webhooks import (
    MAX_BODY,
    STATUS_PATH,
    DeliveryTracker,
    WebhookReceiver,
    items_number_of,
)
from tests.helpers.messages_fakes import (
    SIGNATURE_SECRET,
    MessagesEnv,
    open_env,
    post_webhook,
    status_body,
)

TO = "447700900123"


@pytest.fixture
def env(tmp_path: Path) -> Iterator[MessagesEnv]:
    yield from open_env(tmp_path / "history.sqlite3")


@pytest.fixture
def changed() -> list[str]:
    return []


@pytest.fixture
def receiver(env: MessagesEnv, changed: list[str]) -> Iterator[WebhookReceiver]:
    tracker = DeliveryTracker(env.store, on_change=changed.append)
    with WebhookReceiver(secret=SIGNATURE_SECRET, on_status=tracker) as running:
        env.route[0] = StatusRoute(tracked=True, webhook_url=running.status_url)
        yield running


def url(receiver: WebhookReceiver) -> str:
    assert receiver.status_url is not None
    return receiver.status_url


def test_signed_statuses_move_the_row_in_order(
    env: MessagesEnv, receiver: WebhookReceiver, changed: list[str]
) -> None:
    sent = env.desk.send(MessageRequest(WHATSAPP, TO, "447700900001", Text("Hi")))
    assert env.api.bodies[0]["webhook_url"] == url(receiver)
    for status, at in ((MessageStatus.SUBMITTED, 0), (MessageStatus.DELIVERED, 1),
                       (MessageStatus.READ, 3), (MessageStatus.SUBMITTED, 0)):  # fmt: skip
        body = status_body(sent.message_uuid, status, channel="whatsapp", at=at)
        assert post_webhook(url(receiver), body).status_code == 200
    entry = env.store.get(sent.history_id)
    assert (entry.delivery_status, entry.status) == ("read", VerificationStatus.SUCCESS)
    assert [ev.status.value for ev in env.desk.timeline(sent.message_uuid)] == [
        "submitted", "delivered", "read",
    ]  # fmt: skip
    assert changed == [sent.message_uuid] * 3  # the repeat changed nothing


def test_a_rejected_leg_and_its_delivered_failover(
    env: MessagesEnv, receiver: WebhookReceiver
) -> None:
    sent = env.desk.send(
        MessageRequest(WHATSAPP, TO, "447700900001", Text("Hi"),
                       failover=(MessageRequest(SMS, TO, "Acme", Text("Hi")),))
    )
    uuid = sent.message_uuid
    for body in (
        status_body(uuid, MessageStatus.REJECTED, channel="whatsapp", error_code=1340),
        status_body(uuid, MessageStatus.SUBMITTED, channel="sms", at=1),
        status_body(uuid, MessageStatus.DELIVERED, channel="sms", at=2),
    ):
        assert post_webhook(url(receiver), body).status_code == 200
    entry = env.store.get(sent.history_id)
    assert (entry.delivery_status, entry.delivery_leg, entry.status) == (
        "delivered", 1, VerificationStatus.SUCCESS,
    )  # fmt: skip
    legs = [(ev.leg, ev.channel, ev.status.value, ev.error_code)
            for ev in env.desk.timeline(uuid)]  # fmt: skip
    assert legs == [(0, "whatsapp", "rejected", 1340), (1, "sms", "submitted", None),
                    (1, "sms", "delivered", None)]  # fmt: skip


@pytest.mark.expect_warnings(match=r"webhook refused \(401\)")
@pytest.mark.parametrize(
    "authorization",
    [None, "Basic abc", "Bearer not.a.jwt", sign_webhook(b"{}", SIGNATURE_SECRET),
     sign_webhook(b"x", "another secret")],
    ids=["unsigned", "not bearer", "not a JWT", "hash of another body", "another secret"],
)
def test_anything_not_signed_with_the_secret_is_refused(
    env: MessagesEnv,
    receiver: WebhookReceiver,
    authorization: str | None,
    caplog: pytest.LogCaptureFixture,
) -> None:
    sent = env.desk.send(MessageRequest(SMS, TO, "Acme", Text("Hi")))
    body = status_body(sent.message_uuid, MessageStatus.DELIVERED)
    headers = {} if authorization is None else {"Authorization": authorization}
    with caplog.at_level(logging.WARNING):
        answer = post_webhook(url(receiver), body, secret=None, **headers)
    assert answer.status_code == 401
    assert env.store.get(sent.history_id).delivery_status == ""
    [line] = [r.getMessage() for r in caplog.records if "refused (401)" in r.getMessage()]
    assert SIGNATURE_SECRET not in line
    if authorization is not None and authorization.startswith("Bearer "):
        assert authorization[7:] not in line


@pytest.mark.expect_warnings(match=r"webhook refused \(400\)")
def test_bad_requests_get_plain_refusals(receiver: WebhookReceiver) -> None:
    base = receiver.url
    assert base is not None
    assert post_webhook(base + "/elsewhere", b"{}").status_code == 404
    assert post_webhook(url(receiver), b"[1, 2]").status_code == 400
    assert post_webhook(url(receiver), b'{"status": "sent"}').status_code == 400
    assert post_webhook(url(receiver), b"\xff not json").status_code == 400
    assert post_webhook(url(receiver), b"x" * (MAX_BODY + 1)).status_code == 413
    with httpx.Client(trust_env=False) as client:
        assert client.get(url(receiver)).status_code == 405
    assert _raw_post_without_length(base).startswith(b"HTTP/1.1 411")


def _raw_post_without_length(base: str) -> bytes:
    host, port = base.removeprefix("http://").rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=10) as conn:
        conn.sendall(f"POST {STATUS_PATH} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        return conn.recv(1024)


def test_a_status_for_another_message_is_acknowledged(receiver: WebhookReceiver) -> None:
    body = status_body("aaaaaaaa-bbbb-cccc-dddd-000000000000", MessageStatus.DELIVERED)
    assert post_webhook(url(receiver), body).status_code == 200


@pytest.mark.expect_warnings(match=r"not recorded \(500\)")
def test_a_history_that_cannot_be_written_answers_500_so_the_api_retries() -> None:
    def failing(event: MessageStatusEvent, items: int | None) -> None:
        raise e.StoreError("The disk holding the history database is full.")

    with WebhookReceiver(secret=SIGNATURE_SECRET, on_status=failing) as receiver:
        body = status_body("aaaaaaaa-bbbb-cccc-dddd-000000000000", MessageStatus.DELIVERED)
        assert post_webhook(url(receiver), body).status_code == 500


def test_the_receiver_listens_on_loopback_only_and_needs_a_secret() -> None:
    def ignore(event: MessageStatusEvent, items: int | None) -> None:
        raise AssertionError("not called")

    for host in ("0.0.0.0", "192.168.1.10", "example.com"):
        with pytest.raises(e.ValidationFailed, match="host"):
            WebhookReceiver(secret=SIGNATURE_SECRET, on_status=ignore, host=host)
    with pytest.raises(e.ValidationFailed, match="signature_secret"):
        WebhookReceiver(secret="", on_status=ignore)
    receiver = WebhookReceiver(secret=SIGNATURE_SECRET, on_status=ignore)
    assert not receiver.running and receiver.url is None
    receiver.start()
    assert receiver.start() == receiver.url  # idempotent
    receiver.stop()
    receiver.stop()
    assert receiver.url is None


def test_items_number_is_read_leniently() -> None:
    assert items_number_of({"workflow": {"items_number": "2"}}) == 2
    assert items_number_of({"workflow": {"items_number": 1}}) == 1
    assert items_number_of({"workflow": {"items_number": True}}) is None
    assert items_number_of({"workflow": "x"}) is None
    assert items_number_of({}) is None
