"""The Messages engine in-process, and the ``verify-desk-sandbox`` options that drive it.

The records are plain JSON-ready data; a send is all or nothing (an error while it is played
rolls back and posts nothing); JWT expiry reads the injected real clock only; the command line
starts a sandbox with an application, a status URL and a signature secret.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest

from desktop_app.domain.messages_signature import verify_webhook
from desktop_app.domain.test_numbers import API_MESSAGES, entries_for, lookup
from desktop_app.sandbox.__main__ import build_parser
from desktop_app.sandbox.clock import SimClock
from desktop_app.sandbox.core import Sandbox
from desktop_app.sandbox.messages_auth import MessagesAuth
from desktop_app.sandbox.messages_engine import MessagesEngine, MessagesSettings
from desktop_app.sandbox.messages_records import MessageRecord
from desktop_app.sandbox.messages_test_numbers import entry_for, failure_of, refusal_of
from desktop_app.sandbox.problems import Problem
from desktop_app.sandbox.shared import Account, SharedState
from tests.helpers.messages_sandbox import (
    APPLICATION_ID,
    BASIC,
    SIGNATURE_SECRET,
    WebhookReceiver,
    rsa_keys,
    sms,
    whatsapp_template,
    whatsapp_text,
)

ROOT = Path(__file__).resolve().parents[2]
START = 1_800_000_000.0
UK = "447700900123"


@pytest.fixture
def box() -> Iterator[Sandbox]:
    """A composed sandbox (state and engines, no server): not the ``sandbox`` server fixture."""
    box = Sandbox(
        api_key="sandbox",
        api_secret="sandbox-secret",
        clock=SimClock(0, start=START),
        rate_limit=0,
        messages=MessagesSettings(rate_limit=0),
    )
    yield box
    box.close()


def send(box: Sandbox, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    answer = box.messages_api.send(json.dumps(body).encode(), BASIC)
    return answer.status, answer.body


def test_the_records_are_plain_data_that_read_back(box: Sandbox) -> None:
    box.messages_api.inbound(
        json.dumps({"channel": "whatsapp", "from": UK, "to": "447700900001", "text": "Hi"}).encode()
    )
    send(box, whatsapp_text(UK, client_ref="c-1", failover=[sms(UK)]))
    send(box, whatsapp_template("447700904290"))
    box.advance_clock(1)
    table = box.state.data.tables["messages"]
    saved = json.dumps({key: record.to_json() for key, record in table.items()})
    loaded = {key: MessageRecord.from_json(data) for key, data in json.loads(saved).items()}
    assert loaded == table
    assert box.state.data.tables["messages_windows"] == {UK: START}
    assert all(isinstance(r, MessageRecord) for r in table.values())


def test_a_failure_while_sending_rolls_everything_back(
    box: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    sent: list[Any] = []
    monkeypatch.setattr(box.messages_api.webhooks, "send", lambda *a: sent.append(a))
    monkeypatch.setattr(box.messages_api, "status_url", "http://127.0.0.1:9/status")
    balance = box.state.data.balance

    def broken(*args: Any) -> None:
        raise RuntimeError("bug")

    monkeypatch.setattr(box.state, "debit", broken)
    with pytest.raises(RuntimeError):
        send(box, sms(UK))
    assert box.state.data.tables["messages"] == {} and box.state.data.scheduled == {}
    assert sent == [] and box.state.data.balance == balance
    monkeypatch.undo()
    assert send(box, sms(UK))[0] == 202
    assert box.state.data.balance == balance - Decimal("0.0333")


def test_jwt_expiry_reads_the_real_clock_only() -> None:
    private, public = rsa_keys()
    wall = [START]
    auth = MessagesAuth(Account("k", "s"), APPLICATION_ID, public, real_time=lambda: wall[0])
    token = jwt.encode(
        {"application_id": APPLICATION_ID, "iat": int(START), "exp": int(START) + 60},
        private,
        algorithm="RS256",
    )
    assert auth.sender(f"Bearer {token}") == f"app:{APPLICATION_ID}"
    wall[0] = START + 60
    with pytest.raises(Problem) as expired:
        auth.sender(f"Bearer {token}")
    assert (expired.value.status, expired.value.detail) == (401, "The token has expired.")
    early = jwt.encode(
        {"application_id": APPLICATION_ID, "iat": int(START), "nbf": int(START) + 600},
        private,
        algorithm="RS256",
    )
    with pytest.raises(Problem, match="not valid yet"):
        auth.sender(f"Bearer {early}")


def test_the_window_and_magic_numbers_are_judged_when_each_leg_is_sent(box: Sandbox) -> None:
    status, body = send(box, whatsapp_template("447700904290", failover=[whatsapp_text(UK)]))
    assert status == 202
    # The customer writes in after the send, before the first leg fails: the failover goes.
    box.messages_api.inbound(
        json.dumps({"channel": "whatsapp", "from": UK, "to": "447700900001", "text": "Hi"}).encode()
    )
    box.advance_clock(5)
    record = box.state.data.tables["messages"][body["message_uuid"]]
    assert [(e.leg, e.status) for e in record.events] == [
        (0, "submitted"),
        (0, "undeliverable"),
        (1, "submitted"),
        (1, "delivered"),
        (1, "read"),
    ]


def test_the_options_are_in_the_help() -> None:
    text = build_parser().format_help()
    for option in (
        "--messages-rate-limit",
        "--application-id",
        "--public-key",
        "--status-url",
        "--inbound-url",
        "--signature-secret",
        "VERIFY_DESK_SANDBOX_SIGNATURE_SECRET",
    ):
        assert option in text
    assert build_parser().parse_args([]).messages_rate_limit == 30.0


def _spawn(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "desktop_app.sandbox", "--port", "0", *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
    )


def test_the_command_line_runs_an_application_with_signed_webhooks(tmp_path: Path) -> None:
    private, public = rsa_keys()
    key_file = tmp_path / "public.pem"
    key_file.write_text(public)
    with WebhookReceiver() as receiver:
        proc = _spawn(
            "--application-id",
            APPLICATION_ID,
            "--public-key",
            str(key_file),
            "--status-url",
            receiver.url(),
            env={"VERIFY_DESK_SANDBOX_SIGNATURE_SECRET": SIGNATURE_SECRET},
        )
        killer = threading.Timer(30, proc.kill)  # bound a hung start
        killer.start()
        try:
            assert proc.stdout is not None
            url = proc.stdout.readline().split()[-1]
            token = jwt.encode(
                {"application_id": APPLICATION_ID, "iat": int(START), "exp": 2**31},
                private,
                algorithm="RS256",
            )
            answer = httpx.post(
                url + "/v1/messages",
                json=sms(UK),
                headers={"Authorization": f"Bearer {token}"},
                timeout=10,
            )
            assert answer.status_code == 202, answer.text
            hook = receiver.next()
            claims = verify_webhook(hook.authorization, hook.body, SIGNATURE_SECRET)
            assert claims["application_id"] == APPLICATION_ID
            assert hook.json["message_uuid"] == answer.json()["message_uuid"]
        finally:
            killer.cancel()
            proc.terminate()
            assert proc.wait(timeout=15) == 0
            proc.communicate(timeout=10)


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--public-key", "/nonexistent/key.pem", "--application-id", "a"], "--public-key"),
        (["--status-url", "https://example.com/status"], "loopback"),
        (["--application-id", "a"], "together"),
    ],
)
def test_bad_messages_options_exit_2(args: list[str], words: str) -> None:
    proc = _spawn(*args)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 2 and out == ""
    assert words in err


def test_records_loaded_before_the_engine_play_on(box: Sandbox) -> None:
    message_uuid = send(box, sms(UK))[1]["message_uuid"]  # submitted; delivered is due
    data = box.state.data
    with WebhookReceiver() as receiver:
        # What a load does: the saved data under a fresh state (its clock running), then the
        # engines; nothing calls the state afterwards, yet the due event plays.
        loaded = SharedState(Account("sandbox", "sandbox-secret"), SimClock(100, start=START), data)
        settings = MessagesSettings(rate_limit=0, status_url=receiver.url())
        engine = MessagesEngine(loaded, settings)
        try:
            assert engine.records is data.tables["messages"]
            hook = receiver.next()
            assert (hook.json["message_uuid"], hook.json["status"]) == (message_uuid, "delivered")
        finally:
            engine.close()
            loaded.close()


def test_the_test_numbers_are_the_catalogues() -> None:
    numbers = [e.number for e in entries_for(API_MESSAGES)]
    numbers += ["14155554220", "4290", "290", UK, "447700900500", "447700900009"]
    for number in numbers:
        assert entry_for(number) == lookup(API_MESSAGES, number), number
    fails = failure_of("12125554220")
    assert fails is not None and (fails.status, fails.error_code) == ("rejected", 1330)
    refusal = refusal_of([UK, "447700904020"])
    assert refusal is not None and (refusal.status, refusal.title) == (402, "Low balance")
    assert refusal_of([UK]) is None and failure_of(UK) is None
