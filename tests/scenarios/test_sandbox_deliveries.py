"""A message's delivery read from the sandbox's own record: legs, the end, the wait, the history."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from desktop_app.api.messages import MessagesClient
from desktop_app.api.sandbox_control import SandboxControl
from desktop_app.domain.messages import SMS, WHATSAPP, MessageRequest, Text
from desktop_app.sandbox.server import SandboxServer
from desktop_app.settings.credentials import SANDBOX_CREDENTIALS
from desktop_app.store.history import HistoryStore
from desktop_app.usecases.sandbox_deliveries import (
    await_final,
    find_listed,
    listed_message,
    record_listed,
)
from tests.helpers.sandbox import SandboxFactory

WABA = "14155550100"


# ``http`` (the app's client) and ``make_sandbox`` (rate limits off) come from tests/helpers.


@pytest.fixture
def paused(make_sandbox: SandboxFactory) -> SandboxServer:
    return make_sandbox(time_scale=0.0)


@pytest.fixture
def running(make_sandbox: SandboxFactory) -> SandboxServer:
    return make_sandbox(time_scale=1.0)  # the clock runs at real speed


def _send(http: httpx.Client, server: SandboxServer, request: MessageRequest) -> str:
    client = MessagesClient(http, SANDBOX_CREDENTIALS, api_host=server.url)
    return client.send(request).message_uuid


def _failover(to: str) -> MessageRequest:
    sms = MessageRequest(SMS, to, "Acme", Text("Parcel 42"))
    return MessageRequest(WHATSAPP, to, WABA, Text("Parcel 42"), failover=(sms,))


def test_each_status_gets_its_leg_and_the_error_its_title(
    http: httpx.Client, paused: SandboxServer
) -> None:
    uuid = _send(http, paused, _failover("447700900751"))
    control = SandboxControl(http, paused.url)
    listed = find_listed(control.requests(), uuid)
    assert listed is not None and not listed.final  # the SMS leg is still to be delivered
    assert listed.channels == (WHATSAPP, SMS)
    control.advance_clock(1)
    listed = find_listed(control.requests(), uuid)
    assert listed is not None and listed.final and listed.next_event_at is None
    shown = [(s.leg, s.channel, s.status, s.error_code, s.error_title) for s in listed.steps]
    assert shown == [
        (0, WHATSAPP, "rejected", 1340, "Outside of the allowed window"),
        (1, SMS, "submitted", None, ""), (1, SMS, "delivered", None, ""),
    ]  # fmt: skip
    assert find_listed(control.requests(), "not-a-message") is None


def test_an_item_that_is_not_a_sent_message_is_refused() -> None:
    from desktop_app.domain.errors import ResponseFormatError

    with pytest.raises(ResponseFormatError):
        listed_message({"api_version": "messages", "kind": "inbound"})


def test_the_wait_sleeps_until_each_event_is_due_by_the_sandbox_clock(
    http: httpx.Client, running: SandboxServer
) -> None:
    uuid = _send(http, running, MessageRequest(WHATSAPP, "447700900752", WABA,
                                            Text("x"), failover=()))  # fmt: skip
    # After the rejection at once nothing is due: no sleep at all.
    listed, paused = await_final(http, running.url, uuid, seconds=5, sleep=_no_sleep)
    assert listed is not None and listed.final and not paused
    inbound = {"channel": "whatsapp", "from": "447700900753", "to": WABA, "text": "Hi"}
    assert httpx.post(f"{running.url}/sandbox/inbound", json=inbound).status_code == 200
    uuid = _send(http, running, MessageRequest(WHATSAPP, "447700900753", WABA, Text("x")))
    slept: list[float] = []
    control = SandboxControl(http, running.url)

    def sleep(seconds: float) -> None:  # moves the sandbox's time instead of waiting for it
        slept.append(seconds)
        control.advance_clock(seconds)

    listed, paused = await_final(http, running.url, uuid, seconds=5, sleep=sleep)
    assert listed is not None and listed.final and not paused
    assert [s.status for s in listed.steps] == ["submitted", "delivered", "read"]
    # A sleep per event to come (delivered 0.5 s, read 2 s later), each just past the event's
    # time: no polling. (Fewer if the machine stalled long enough for an event to fall due.)
    assert 1 <= len(slept) <= 2
    assert sum(slept) <= 2.5 + 2 * 0.02


def _no_sleep(seconds: float) -> None:
    raise AssertionError(f"slept {seconds} s for a message that had ended")


def test_a_paused_clock_is_looked_at_until_the_time_is_up(
    http: httpx.Client, paused: SandboxServer
) -> None:
    uuid = _send(http, paused, MessageRequest(SMS, "447700900754", "Acme", Text("x")))
    now = [0.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    listed, paused_seen = await_final(
        http, paused.url, uuid, seconds=1.0, sleep=sleep, monotonic=lambda: now[0]
    )
    assert paused_seen and listed is not None and not listed.final
    assert [s.status for s in listed.steps] == ["submitted"]
    assert slept == [0.25, 0.25, 0.25, 0.25]


def test_recording_the_listing_is_like_hearing_the_webhooks(
    http: httpx.Client, paused: SandboxServer, tmp_path: Path
) -> None:
    from desktop_app.settings.profiles import SANDBOX_PROFILE
    from desktop_app.usecases.session import open_desk

    store = HistoryStore(tmp_path / "h.sqlite3")
    try:
        desk = open_desk(SANDBOX_PROFILE, SANDBOX_CREDENTIALS, store, http,
                         sandbox_url=paused.url, operator="qa")  # fmt: skip
        assert desk.messages is not None
        sent = desk.messages.send(_failover("447700900755"))
        assert store.find(sent.message_uuid).status.value == "SENT"  # type: ignore[union-attr]
        SandboxControl(http, paused.url).advance_clock(1)
        listed = find_listed(SandboxControl(http, paused.url).requests(), sent.message_uuid)
        assert listed is not None
        assert record_listed(store, listed) == 3
        assert record_listed(store, listed) == 0  # a repeat adds nothing
        row = store.find(sent.message_uuid)
        assert row is not None
        assert (row.status.value, row.delivery_status, row.delivery_leg) == (
            "SUCCESS", "delivered", 1,
        )  # fmt: skip
        timeline = store.message_events(sent.message_uuid)
        assert [(e.leg, e.status.value, e.error_code) for e in timeline] == [
            (0, "rejected", 1340), (1, "submitted", None), (1, "delivered", None),
        ]  # fmt: skip
    finally:
        store.close()
