"""Verify v2 status callbacks, received by a tiny local http.server in the test."""

from __future__ import annotations

import json
import queue
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import httpx
import pytest

from desktop_app.domain.v2 import SilentAuthChannel, SmsChannel, V2StartParams, VoiceChannel
from desktop_app.sandbox.server import SandboxServer
from tests.helpers.sandbox_v2 import NUMBER, V2Desk

WAIT = 10.0  # seconds a callback may take to arrive (it normally takes milliseconds)


class Receiver:
    """Collects the JSON bodies POSTed to it."""

    def __init__(self) -> None:
        self.bodies: queue.Queue[dict[str, Any]] = queue.Queue()
        bodies = self.bodies

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                assert self.headers["Content-Type"] == "application/json"
                bodies.put(json.loads(self.rfile.read(length)))
                self.send_response(204)
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.httpd = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/verify/status"
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()

    def next(self) -> dict[str, Any]:
        return self.bodies.get(timeout=WAIT)

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()


@pytest.fixture
def desk(sandbox: SandboxServer, receiver: Receiver) -> Iterator[V2Desk]:
    d = V2Desk(sandbox)
    answer = d.raw.post("/sandbox/callbacks", data={"url": receiver.url})
    assert answer.json() == {"callback_url": receiver.url}
    yield d
    d.close()


def test_summary_on_completion(desk: V2Desk, receiver: Receiver) -> None:
    params = V2StartParams(
        "Acme", (SmsChannel(NUMBER), VoiceChannel(NUMBER)), channel_timeout=60, client_ref="t-1"
    )
    started = desk.v2.start(params)
    desk.advance(60)
    desk.v2.check(started.request_id, desk.code(NUMBER))
    summary = receiver.next()
    assert summary["type"] == "summary" and summary["request_id"] == started.request_id
    assert summary["status"] == "completed" and summary["client_ref"] == "t-1"
    assert summary["channel_timeout"] == 60 and summary["price"]
    assert [(w["channel"], w["status"]) for w in summary["workflow"]] == [
        ("sms", "expired"),
        ("voice", "completed"),
    ]
    assert all(w["initiated_at"] for w in summary["workflow"])
    assert summary["submitted_at"] < summary["finalized_at"]


@pytest.mark.parametrize("ending", ["failed", "expired", "cancelled"])
def test_summary_on_other_endings(desk: V2Desk, receiver: Receiver, ending: str) -> None:
    started = desk.v2.start(V2StartParams("Acme", (SmsChannel(NUMBER), VoiceChannel(NUMBER))))
    if ending == "failed":
        for _ in range(3):
            with pytest.raises(Exception):  # noqa: B017 - wrong, wrong, too many
                desk.v2.check(started.request_id, "zzzz")
    elif ending == "expired":
        desk.advance(600)
    else:
        desk.v2.cancel(started.request_id)
    summary = receiver.next()
    assert summary["status"] == ending
    expected = ["unused"] if ending != "expired" else ["expired"]
    assert [w["status"] for w in summary["workflow"]][1:] == expected
    assert "price" not in summary


def test_silent_auth_events(desk: V2Desk, receiver: Receiver) -> None:
    started = desk.v2.start(V2StartParams("Acme", (SilentAuthChannel(NUMBER), SmsChannel(NUMBER))))
    pending = receiver.next()
    assert pending["type"] == "event" and pending["channel"] == "silent_auth"
    assert pending["status"] == "action_pending"
    assert pending["action"]["check_url"] == started.check_url
    assert started.check_url is not None
    assert httpx.get(started.check_url, timeout=10).status_code == 200
    completed = receiver.next()
    assert (completed["type"], completed["status"]) == ("event", "completed")
    summary = receiver.next()
    assert summary["status"] == "completed"
    assert [w["status"] for w in summary["workflow"]] == ["completed", "unused"]


def test_silent_auth_timeout_event(desk: V2Desk, receiver: Receiver) -> None:
    desk.v2.start(V2StartParams("Acme", (SilentAuthChannel(NUMBER), SmsChannel(NUMBER))))
    assert receiver.next()["status"] == "action_pending"
    desk.advance(300)
    expired = receiver.next()
    assert (expired["type"], expired["status"]) == ("event", "expired")


def test_callback_url_from_config_and_loopback_only(
    make_sandbox: Callable[..., SandboxServer], receiver: Receiver
) -> None:
    server = make_sandbox(callback_url=receiver.url)
    desk = V2Desk(server)
    try:
        started = desk.v2.start(V2StartParams("Acme", (SmsChannel(NUMBER),)))
        desk.v2.cancel(started.request_id)
        assert receiver.next()["status"] == "cancelled"
        for url in ("http://example.com/cb", "ftp://127.0.0.1/x", "http://10.0.0.1/x"):
            refused = desk.raw.post("/sandbox/callbacks", data={"url": url})
            assert refused.status_code == 400
            assert "loopback" in refused.text or "URL" in refused.text
        assert desk.raw.get("/sandbox/callbacks").json() == {"callback_url": receiver.url}
        assert desk.raw.post("/sandbox/callbacks", data={"url": ""}).json() == {
            "callback_url": None
        }
    finally:
        desk.close()
    with pytest.raises(ValueError):
        make_sandbox(callback_url="http://192.0.2.1/cb")
