"""verify-desk-cli's Verify v2 commands end to end against an in-process sandbox."""

from __future__ import annotations

from pathlib import Path

from desktop_app.api.sandbox_control import SandboxControl
from desktop_app.domain.models import VerificationStatus
from desktop_app.domain.v2 import is_v2_request_id
from desktop_app.store.history import HistoryStore
from tests.helpers.cli import Cli

NUMBER = "447123450200"
OTHER = "447123450201"


def _entries(db: Path) -> list[tuple[str, str, str | None, VerificationStatus, str]]:
    store = HistoryStore(db)
    try:
        return [
            (e.api_version, e.number, e.request_id, e.status, e.channels) for e in store.recent()
        ]
    finally:
        store.close()


def _wrong(code: str) -> str:
    return "".join("1" if c != "1" else "2" for c in code)


def _start(cli: Cli, *extra: str, number: str = NUMBER) -> str:
    run = cli("--json", "start", "--api", "v2", "--workflow", "sms,voice", "--number", number,
              "--brand", "Acme", *extra)  # fmt: skip
    assert run.code == 0, run.err
    rid = run.json()["request_id"]
    assert is_v2_request_id(rid)
    return str(rid)


def test_start_sms_then_voice_check_wrong_then_right(
    cli: Cli, control: SandboxControl, db: Path
) -> None:
    started = cli("start", "--api", "v2", "--workflow", "sms,voice", "--number", NUMBER,
                  "--brand", "Acme")  # fmt: skip
    assert started.code == 0, started.err
    listed = control.requests()
    assert len(listed) == 1 and listed[0]["api_version"] == "v2"
    rid = str(listed[0]["request_id"])
    assert rid in started.out and "SMS → Voice" in started.out and started.err == ""
    message = control.messages(NUMBER)[-1]
    assert message.request_id == rid and message.channel == "sms"

    wrong = cli("check", "--request-id", rid, "--code", _wrong(message.code))  # v2 from the id
    assert wrong.code == 1 and wrong.out == ""
    assert "does not match" in wrong.err

    right = cli("check", "--request-id", rid, "--code", message.code)
    assert right.code == 0, right.err
    assert "SUCCESS" in right.out and "completed" in right.out
    assert _entries(db) == [("v2", NUMBER, rid, VerificationStatus.SUCCESS, "sms,voice")]

    again = cli("check", "--request-id", rid, "--code", message.code)
    assert again.code == 1  # 404: verified already


def test_json_shapes_of_the_v2_commands(cli: Cli, control: SandboxControl) -> None:
    run = cli("--json", "start", "--api", "v2", "--workflow", "sms,voice", "--number", NUMBER,
              "--brand", "Acme", "--channel-timeout", "60", "--locale", "en_GB",
              "--code-length", "6", "--client-ref", "qa-1")  # fmt: skip
    assert run.code == 0, run.err
    body = run.json()
    rid = body["request_id"]
    assert body == {
        "ok": True,
        "command": "start",
        "api_version": "v2",
        "request_id": rid,
        "history_id": body["history_id"],
        "number": NUMBER,
        "channels": ["sms", "voice"],
        "status": "IN PROGRESS",
    }
    listed = control.requests()[0]
    assert listed["channel_timeout"] == 60 and listed["locale"] == "en-gb"
    assert len(control.messages(NUMBER)[-1].code) == 6

    nxt = cli("next", "--request-id", rid, "--json")
    assert nxt.code == 0, nxt.err
    assert nxt.json() == {
        "ok": True,
        "command": "next",
        "api_version": "v2",
        "request_id": rid,
        "api_command": "next_workflow",
    }
    assert [m.channel for m in control.messages(NUMBER)] == ["sms", "voice"]

    none_left = cli("--json", "next", "--request-id", rid)
    assert none_left.code == 1
    assert none_left.json()["error"]["type"] == "NoMoreWorkflowsError"

    cancelled = cli("--json", "cancel", "--request-id", rid)
    assert cancelled.code == 0, cancelled.err
    assert cancelled.json() == {
        "ok": True,
        "command": "cancel",
        "api_version": "v2",
        "request_id": rid,
        "api_command": "cancel",
        "status": "CANCELLED",
    }
    assert control.requests()[0]["v2_status"] == "cancelled"

    code = control.messages(NUMBER)[-1].code
    checked = cli("--json", "check", "--request-id", rid, "--code", code)
    assert checked.code == 1 and checked.json()["error"]["type"] == "RequestNotFoundError"


def test_json_check_success_shape(cli: Cli, control: SandboxControl) -> None:
    rid = _start(cli)
    code = control.messages(NUMBER)[-1].code
    run = cli("--json", "check", "--request-id", rid, "--code", code)
    assert run.code == 0
    assert run.json() == {
        "ok": True,
        "command": "check",
        "api_version": "v2",
        "request_id": rid,
        "v2_status": "completed",
        "status": "SUCCESS",
    }


def test_whatsapp_without_from_is_refused_with_nothing_sent(
    cli: Cli, control: SandboxControl, db: Path
) -> None:
    run = cli("start", "--api", "v2", "--workflow", "sms,whatsapp", "--number", NUMBER,
              "--brand", "Acme")  # fmt: skip
    assert run.code == 2 and run.out == ""
    assert "workflow[1].from" in run.err and "WhatsApp Business number" in run.err
    assert control.requests() == [] and _entries(db) == []

    as_json = cli("--json", "start", "--api", "v2", "--workflow", "whatsapp", "--number", NUMBER,
                  "--brand", "Acme")  # fmt: skip
    assert as_json.code == 2
    fields = as_json.json()["error"]["fields"]
    assert [f["field"] for f in fields] == ["workflow[0].from"]
    assert control.requests() == []


def test_whatsapp_with_its_from_is_sent(cli: Cli, control: SandboxControl) -> None:
    rid = _start(cli, "--whatsapp-from", "447700900001", number=OTHER)
    assert control.requests()[0]["request_id"] == rid
    run = cli("--json", "start", "--api", "v2", "--workflow", "whatsapp", "--number", NUMBER,
              "--brand", "Acme", "--whatsapp-from", "447700900001")  # fmt: skip
    assert run.code == 0, run.err
    assert control.messages(NUMBER)[-1].channel == "whatsapp"


def test_concurrent_start_exits_1_and_names_the_live_request(
    cli: Cli, control: SandboxControl, db: Path
) -> None:
    live = _start(cli)
    again = cli("start", "--api", "v2", "--workflow", "sms", "--number", NUMBER, "--brand", "Acme")
    assert again.code == 1 and again.out == ""
    assert live in again.err
    as_json = cli("--json", "start", "--api", "v2", "--workflow", "voice", "--number", NUMBER,
                  "--brand", "Acme")  # fmt: skip
    assert as_json.code == 1
    error = as_json.json()["error"]
    assert error["type"] == "ConcurrentVerificationError" and error["request_id"] == live
    statuses = [status for _, _, _, status, _ in _entries(db)]
    assert statuses == [
        VerificationStatus.REFUSED,
        VerificationStatus.REFUSED,
        VerificationStatus.IN_PROGRESS,
    ]
    assert len(control.requests()) == 1


def test_email_channel_and_options_reach_the_sandbox(cli: Cli, control: SandboxControl) -> None:
    run = cli("--json", "start", "--api", "v2", "--workflow", "email,sms", "--number", NUMBER,
              "--to-email", "qa@example.com", "--email-from", "desk@example.com",
              "--from", "ACME", "--brand", "Acme")  # fmt: skip
    assert run.code == 0, run.err
    body = run.json()
    assert body["channels"] == ["email", "sms"] and body["number"] == "qa@example.com"
    workflow = control.requests()[0]["workflow"]
    assert isinstance(workflow, list)
    assert [(w["channel"], w["to"]) for w in workflow] == [
        ("email", "qa@example.com"),
        ("sms", NUMBER),
    ]


def test_usage_errors_between_v1_and_v2_options(cli: Cli, control: SandboxControl) -> None:
    mixed = cli("start", "--api", "v2", "--workflow", "sms", "--workflow-id", "2",
                "--number", NUMBER, "--brand", "Acme")  # fmt: skip
    assert mixed.code == 2 and "--workflow sms,voice" in mixed.err
    v2_only = cli("start", "--number", NUMBER, "--brand", "Acme", "--locale", "en-gb")
    assert v2_only.code == 2 and "--api v2" in v2_only.err
    no_workflow = cli("start", "--api", "v2", "--number", NUMBER, "--brand", "Acme")
    assert no_workflow.code == 2 and "--workflow" in no_workflow.err
    bad_length = cli("start", "--api", "v2", "--workflow", "sms", "--number", NUMBER,
                     "--brand", "Acme", "--code-length", "11")  # fmt: skip
    assert bad_length.code == 2 and "code_length" in bad_length.err
    not_uuid = cli("check", "--api", "v2", "--request-id", "abc123", "--code", "1234")
    assert not_uuid.code == 2 and "request_id" in not_uuid.err
    assert control.requests() == []


def test_v1_commands_are_unchanged(cli: Cli, control: SandboxControl) -> None:
    run = cli("--json", "start", "--number", NUMBER, "--brand", "Acme")
    assert run.code == 0
    rid = run.json()["request_id"]
    assert not is_v2_request_id(rid) and control.requests()[0].get("api_version", "v1") == "v1"
    checked = cli("check", "--request-id", rid, "--code", control.messages(NUMBER)[-1].code)
    assert checked.code == 0
