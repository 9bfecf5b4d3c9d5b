"""verify-desk-cli's ``message`` commands end to end on an in-process sandbox (--sandbox-url)."""

from __future__ import annotations

import re
from pathlib import Path

from desktop_app.api.sandbox_control import SandboxControl
from desktop_app.domain.models import VerificationStatus
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
