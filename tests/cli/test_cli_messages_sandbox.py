"""verify-desk-cli's ``message`` commands end to end on an in-process sandbox (--sandbox-url).

The fixture's sandbox runs its clock at real speed, so ``message send --wait`` waits for real:
half a second for a delivery.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from desktop_app.api.sandbox_control import SandboxControl
from desktop_app.domain.models import HistoryEntry, VerificationStatus
from desktop_app.sandbox.server import SandboxConfig, SandboxServer
from desktop_app.store.history import HistoryStore
from tests.helpers.cli import Cli


def _handset_code(control: SandboxControl, number: str) -> str:
    texts = [message.text for message in control.messages(number)]
    assert texts, f"nothing delivered to {number}"
    found = re.search(r"\d{4,10}", texts[-1])
    assert found is not None
    return found.group(0)


def test_a_code_by_viber_sent_and_checked_across_commands(
    cli: Cli, control: SandboxControl, db: Path
) -> None:
    number = "447700900301"
    sent = cli("--json", "message", "code", "send", "--channel", "viber", "--to", number,
               "--from", "AcmeViber", "--brand", "Acme")  # fmt: skip
    assert sent.code == 0, sent.err
    uuid = sent.json()["message_uuid"]
    control.advance_clock(5)  # the sandbox delivers within a second of its time
    code = _handset_code(control, number)
    assert code not in sent.out + sent.err
    wrong = "".join("1" if c != "1" else "2" for c in code)
    assert cli("message", "code", "check", "--id", uuid, "--code", wrong).code == 1
    checked = cli("--json", "check", "--request-id", uuid, "--code", code)
    assert checked.code == 0, checked.err
    store = HistoryStore(db)
    try:
        [row] = store.recent()
    finally:
        store.close()
    assert (row.api_version, row.kind, row.status, row.channels) == (
        "messages", "code", VerificationStatus.SUCCESS, "viber_service",
    )  # fmt: skip


def test_a_message_to_the_sandbox_lands_in_its_handset_and_the_history(
    cli: Cli, control: SandboxControl
) -> None:
    sent = cli("--json", "message", "send", "--channel", "sms", "--to", "447700900302",
               "--from", "Acme", "--text", "Parcel 42 is on its way")  # fmt: skip
    assert sent.code == 0, sent.err
    assert sent.json()["status"] == "SENT"  # no receiver listens for this command's webhooks
    control.advance_clock(5)
    [delivered] = control.messages("447700900302")
    assert delivered.text == "Parcel 42 is on its way"
    listed = cli("history")
    assert "message sms: status not tracked" in listed.out
    refused = cli("--json", "message", "send", "--channel", "sms", "--to", "447700904020",
                  "--from", "Acme", "--text", "x")  # fmt: skip
    assert refused.code == 1 and refused.json()["error"]["type"] == "QuotaExceededError"


# -- message send --wait: how the message ended ---------------------------------------------------


def _row(db: Path, message_uuid: str) -> HistoryEntry:
    store = HistoryStore(db)
    try:
        row = store.find(message_uuid)
    finally:
        store.close()
    assert row is not None
    return row


def test_wait_prints_the_final_status_and_records_it(cli: Cli, db: Path) -> None:
    sent = cli("message", "send", "--channel", "sms", "--to", "447700900310", "--from", "Acme",
               "--text", "Parcel 42", "--wait")  # fmt: skip
    assert sent.code == 0, sent.err
    assert "Delivery: delivered (sms)." in sent.out
    assert "status not tracked" not in sent.out
    as_json = cli("--json", "message", "send", "--channel", "sms", "--to", "447700900311",
                  "--from", "Acme", "--text", "Parcel 43", "--wait", "5")  # fmt: skip
    assert as_json.code == 0, as_json.err
    body = as_json.json()
    delivery = body["delivery"]
    assert (delivery["status"], delivery["final"], delivery["leg"]) == ("delivered", True, 1)
    assert [e["status"] for e in delivery["events"]] == ["submitted", "delivered"]
    # The history holds what the sandbox posted, as if its webhooks had been heard.
    assert body["status"] == "SUCCESS" == _row(db, body["message_uuid"]).status.value
    events = cli("--json", "message", "events", "--id", body["message_uuid"]).json()["events"]
    assert [e["status"] for e in events] == ["submitted", "delivered"]


def test_wait_follows_a_failover_to_its_last_leg(cli: Cli, db: Path) -> None:
    sent = cli("--json", "message", "send", "--channel", "whatsapp", "--to", "447700900312",
               "--from", "14155550100", "--text", "Parcel 44", "--failover-channel", "sms",
               "--failover-text", "Parcel 44", "--failover-from", "Acme", "--wait")  # fmt: skip
    assert sent.code == 0, sent.err
    delivery = sent.json()["delivery"]
    assert (delivery["status"], delivery["channel"], delivery["leg"]) == ("delivered", "sms", 2)
    assert [(e["leg"], e["status"], e["error_code"]) for e in delivery["events"]] == [
        (1, "rejected", 1340), (2, "submitted", None), (2, "delivered", None),
    ]  # fmt: skip
    row = _row(db, sent.json()["message_uuid"])
    assert (row.status.value, row.delivery_leg, row.delivery_status) == ("SUCCESS", 1, "delivered")


def test_wait_exits_1_when_the_message_did_not_reach_the_customer(cli: Cli, db: Path) -> None:
    sent = cli("message", "send", "--channel", "sms", "--to", "447700904290", "--from", "Acme",
               "--text", "x", "--wait")  # fmt: skip
    assert sent.code == 1
    # What it means first; the code and the API's title after it, in brackets.
    assert ("Delivery: undeliverable (sms): The message could not be delivered to this number or"
            " id. (error 1260: Destination unreachable)." in sent.out)  # fmt: skip
    window = cli("--json", "message", "send", "--channel", "whatsapp", "--to", "447700900340",
                 "--from", "14155550100", "--text", "x", "--wait")  # fmt: skip
    assert window.code == 1
    body = window.json()
    assert body["ok"] is False
    assert (body["delivery"]["status"], body["delivery"]["error_code"]) == ("rejected", 1340)
    assert _row(db, body["message_uuid"]).status.value == "FAILED"


def test_wait_on_a_paused_clock_says_so_and_exits_3(run: Cli, db: Path) -> None:
    with SandboxServer(SandboxConfig(port=0, time_scale=0.0, messages_rate_limit=0.0)) as paused:
        sent = run("--sandbox-url", paused.url, "--history-db", str(db), "message", "send",
                   "--channel", "sms", "--to", "447700900313", "--from", "Acme", "--text", "x",
                   "--wait", "0.2")  # fmt: skip
    assert sent.code == 3
    assert ("Delivery: submitted (sms); not over after 0.2 s (the sandbox's clock is paused)."
            in sent.out)  # fmt: skip


def test_wait_needs_a_sandbox_and_a_sensible_time(
    run: Cli, db: Path, sandbox: SandboxServer, control: SandboxControl,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    # An "account" that is the sandbox reached as a custom host: were --wait not refused, the
    # message would land in its handset (and never on a real one).
    monkeypatch.setenv("VERIFY_DESK_API_KEY", "sandbox")
    monkeypatch.setenv("VERIFY_DESK_API_SECRET", "sandbox-secret")
    live = run("--api-host", sandbox.url, "--rest-host", sandbox.url, "--history-db", str(db),
               "message", "send", "--channel", "sms", "--to", "447700900314", "--from", "Acme",
               "--text", "x", "--wait")  # fmt: skip
    assert live.code == 2 and "--wait works on a sandbox" in live.err
    control.advance_clock(5)
    assert control.messages("447700900314") == ()  # nothing was sent
    assert not db.exists() or not _recent(db)  # nor recorded
    for bad in ("0", "-1", "601", "soon"):
        refused = run("--sandbox", "message", "send", "--channel", "sms", "--to", "447700900314",
                      "--from", "Acme", "--text", "x", "--wait", bad)  # fmt: skip
        assert refused.code == 2, bad
        assert "--wait" in refused.err, bad


def _recent(db: Path) -> list[HistoryEntry]:
    store = HistoryStore(db)
    try:
        return store.recent()
    finally:
        store.close()
