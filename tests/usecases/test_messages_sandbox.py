"""End to end on the real built-in sandbox: codes by message per channel, delivery in order.

The sandbox posts its signed status events to a :class:`WebhookReceiver`; the tests wait on the
receiver's deliveries (a condition), never on time.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from desktop_app.api.http import build_http_client
from desktop_app.api.messages import MessagesClient
from desktop_app.api.sandbox_control import SandboxControl
from desktop_app.domain import errors as e
from desktop_app.domain.message_code_form import CodeForm
from desktop_app.domain.messages import SMS, WHATSAPP, MessageRequest, Template, Text
from desktop_app.domain.messages_status import MessageStatus, MessageStatusEvent
from desktop_app.domain.models import VerificationStatus
from desktop_app.sandbox.server import SandboxConfig, SandboxServer
from desktop_app.settings.credentials import SANDBOX_CREDENTIALS
from desktop_app.store.history import HistoryStore
from desktop_app.usecases.fallback import SessionHistory
from desktop_app.usecases.messages import MessageDesk, StatusRoute
from desktop_app.usecases.webhooks import DeliveryTracker, WebhookReceiver

SECRET = "sandbox-signature-secret-for-tests"
WAIT_S = 20.0


class Heard:
    """Every status the receiver recorded, and a way to wait for one."""

    def __init__(self) -> None:
        self._seen: list[tuple[str, str, str]] = []
        self._changed = threading.Condition()

    def add(self, event: MessageStatusEvent) -> None:
        with self._changed:
            self._seen.append((event.message_uuid, event.channel, event.status.value))
            self._changed.notify_all()

    def of(self, message_uuid: str) -> list[tuple[str, str]]:
        with self._changed:
            return [(channel, status) for uuid, channel, status in self._seen
                    if uuid == message_uuid]  # fmt: skip

    def wait_for(self, message_uuid: str, status: str, channel: str | None = None) -> None:
        def arrived() -> bool:
            return any(s == status and (channel is None or c == channel)
                       for c, s in self.of(message_uuid))  # fmt: skip

        with self._changed:
            assert self._changed.wait_for(arrived, timeout=WAIT_S), (status, self.of(message_uuid))


@dataclass
class Box:
    desk: MessageDesk
    store: HistoryStore
    control: SandboxControl
    heard: Heard
    sandbox: SandboxServer

    def handset_code(self, number: str) -> str:
        texts = [m.text for m in self.control.messages(number)]
        assert texts, f"nothing delivered to {number}"
        found = re.search(r"\d{4,10}", texts[-1])
        assert found is not None
        return found.group(0)


@pytest.fixture
def box(tmp_path: Path) -> Iterator[Box]:
    store = HistoryStore(tmp_path / "history.sqlite3")
    heard = Heard()
    tracker = DeliveryTracker(store)

    def record(event: MessageStatusEvent, items: int | None) -> None:
        tracker(event, items)
        heard.add(event)

    http = build_http_client()
    with WebhookReceiver(secret=SECRET, on_status=record) as receiver:
        config = SandboxConfig(
            port=0, time_scale=50.0, messages_rate_limit=0.0, rate_limit=0.0,
            status_url=receiver.status_url, signature_secret=SECRET,
        )  # fmt: skip
        with SandboxServer(config) as sandbox:
            desk = MessageDesk(
                client=lambda: MessagesClient(http, SANDBOX_CREDENTIALS, api_host=sandbox.url),
                history=SessionHistory(store), profile="Sandbox", operator="tester",
                route=lambda: StatusRoute(tracked=True),
            )  # fmt: skip
            yield Box(desk, store, SandboxControl(http, sandbox.url), heard, sandbox)
    http.close()
    store.close()


CHANNELS = {
    "sms": CodeForm(channel="sms", to="447700900101", from_="Acme", brand="Acme"),
    "viber": CodeForm(channel="viber", to="447700900102", from_="AcmeViber", brand="Acme"),
    "messenger": CodeForm(channel="messenger", to="1234567890103", from_="9876543210",
                          brand="Acme"),
    "whatsapp authentication template": CodeForm(
        channel="whatsapp", to="447700900104", from_="447700900001", auth_template="acme_auth"
    ),
}


@pytest.mark.parametrize("form", CHANNELS.values(), ids=CHANNELS.keys())
def test_a_code_by_message_round_trip_on_the_sandbox(box: Box, form: CodeForm) -> None:
    sent = box.desk.send_code(form)
    box.heard.wait_for(sent.message_uuid, "delivered")
    code = box.handset_code(form.to)
    with pytest.raises(e.WrongCodeError):
        box.desk.check_code(sent.message_uuid, "0" * len(code) if code[0] != "0" else "1" * 6)
    assert box.desk.check_code(sent.message_uuid, code).request_id == sent.message_uuid
    entry = box.store.get(sent.history_id)
    assert (entry.status, entry.delivery_status) in {
        (VerificationStatus.SUCCESS, "delivered"), (VerificationStatus.SUCCESS, "read"),
    }  # fmt: skip
    assert entry.price is not None and entry.currency  # from the webhooks' usage


def test_whatsapp_statuses_arrive_signed_and_in_order(box: Box) -> None:
    sent = box.desk.send(MessageRequest(WHATSAPP, "447700900111", "447700900001",
                                        Template("acme:hello", ("Ann",))))  # fmt: skip
    box.heard.wait_for(sent.message_uuid, "read")
    assert box.heard.of(sent.message_uuid) == [
        ("whatsapp", "submitted"), ("whatsapp", "delivered"), ("whatsapp", "read"),
    ]  # fmt: skip
    entry = box.store.get(sent.history_id)
    assert (entry.status, entry.delivery_status) == (VerificationStatus.SUCCESS, "read")
    assert [ev.status for ev in box.desk.timeline(sent.message_uuid)] == [
        MessageStatus.SUBMITTED, MessageStatus.DELIVERED, MessageStatus.READ,
    ]  # fmt: skip


def test_outside_the_whatsapp_window_the_sms_failover_is_delivered(box: Box) -> None:
    to = "447700900121"
    sent = box.desk.send(MessageRequest(
        WHATSAPP, to, "447700900001", Text("Your parcel is on its way"),
        failover=(MessageRequest(SMS, to, "Acme", Text("Your parcel is on its way")),),
    ))  # fmt: skip
    box.heard.wait_for(sent.message_uuid, "delivered", channel="sms")
    entry = box.store.get(sent.history_id)
    assert (entry.status, entry.delivery_status, entry.delivery_leg) == (
        VerificationStatus.SUCCESS, "delivered", 1,
    )  # fmt: skip
    legs = [(ev.leg, ev.channel, ev.status.value, ev.error_code)
            for ev in box.desk.timeline(sent.message_uuid)]  # fmt: skip
    assert legs[0] == (0, "whatsapp", "rejected", 1340), (legs, box.heard.of(sent.message_uuid))
    assert legs[1:] == [(1, "sms", "submitted", None), (1, "sms", "delivered", None)]


def test_magic_recipients_fail_as_the_api_would(box: Box) -> None:
    rejected = box.desk.send(MessageRequest(SMS, "447700904220", "Acme", Text("x")))
    box.heard.wait_for(rejected.message_uuid, "rejected")
    entry = box.store.get(rejected.history_id)
    assert (entry.status, entry.error_code) == (VerificationStatus.FAILED, 1330)
    undeliverable = box.desk.send(MessageRequest(SMS, "447700904290", "Acme", Text("x")))
    box.heard.wait_for(undeliverable.message_uuid, "undeliverable")
    assert box.store.get(undeliverable.history_id).error_code == 1260
    with pytest.raises(e.QuotaExceededError):
        box.desk.send(MessageRequest(SMS, "447700904020", "Acme", Text("x")))
    assert box.store.recent()[0].status is VerificationStatus.REFUSED
