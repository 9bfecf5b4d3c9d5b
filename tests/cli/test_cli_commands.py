"""verify-desk-cli end to end against an in-process sandbox: commands, output and exit codes."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from desktop_app.api.sandbox_control import SandboxControl
from desktop_app.domain.models import VerificationStatus
from desktop_app.sandbox.server import SandboxServer
from desktop_app.store.history import HistoryStore
from tests.helpers.cli import Cli

NUMBER = "447123450100"
OTHER = "447123450101"


def _rows(db: Path) -> list[tuple[str, str | None, VerificationStatus]]:
    store = HistoryStore(db)
    try:
        return [(e.number, e.request_id, e.status) for e in store.recent()]
    finally:
        store.close()


def _wrong(code: str) -> str:
    return "".join("1" if c != "1" else "2" for c in code)


def test_human_flow_start_check_search_history(cli: Cli, control: SandboxControl, db: Path) -> None:
    started = cli("start", "--number", NUMBER, "--brand", "Acme")
    assert started.code == 0, started.err
    rid = control.requests()[0]["request_id"]
    assert isinstance(rid, str) and rid in started.out and started.err == ""
    code = control.messages(NUMBER)[-1].code

    wrong = cli("check", "--request-id", rid, "--code", _wrong(code))
    assert wrong.code == 1 and wrong.out == ""
    assert "does not match" in wrong.err and wrong.err.count("\n") == 1

    right = cli("check", "--request-id", rid, "--code", code)
    assert right.code == 0 and "SUCCESS" in right.out

    found = cli("search", "--request-id", rid)
    assert found.code == 0
    assert f"Request {rid}: SUCCESS" in found.out and "INVALID" in found.out
    assert code not in found.out.replace(rid, "")  # codes are hidden unless asked for

    listed = cli("history")
    assert listed.code == 0
    assert rid in listed.out and "SUCCESS" in listed.out and NUMBER in listed.out
    assert _rows(db) == [(NUMBER, rid, VerificationStatus.SUCCESS)]


def test_json_output_of_every_command(cli: Cli, control: SandboxControl) -> None:
    started = cli("--json", "start", "--number", NUMBER, "--brand", "Acme", "--workflow-id", "2")
    assert started.code == 0
    body = started.json()
    rid = body["request_id"]
    assert body == {
        "ok": True,
        "command": "start",
        "request_id": rid,
        "history_id": body["history_id"],
        "number": NUMBER,
        "status": "IN PROGRESS",
    }

    nxt = cli("next", "--request-id", rid, "--json")  # global option after the command
    assert nxt.code == 0
    assert nxt.json() == {
        "ok": True,
        "command": "next",
        "request_id": rid,
        "api_command": "trigger_next_event",
    }

    code = control.messages(NUMBER)[-1].code
    checked = cli("--json", "check", "--request-id", rid, "--code", code).json()
    assert checked["ok"] is True and checked["status"] == "SUCCESS"
    assert checked["request_id"] == rid and checked["currency"] == "EUR"
    assert float(checked["price"]) > 0

    searched = cli("--json", "search", "--request-id", rid).json()
    (record,) = searched["records"]
    assert record["status"] == "SUCCESS" and record["request_id"] == rid
    assert [c["status"] for c in record["checks"]] == ["VALID"]
    assert "code" not in record["checks"][0]
    shown = cli("--json", "search", "--request-id", rid, "--show-codes").json()
    assert shown["records"][0]["checks"][0]["code"] == code

    balance = cli("--json", "balance").json()
    assert balance["ok"] is True and float(balance["value"]) >= 0
    assert isinstance(balance["auto_reload"], bool)

    entries = cli("--json", "history").json()["entries"]
    assert [(e["request_id"], e["status"], e["checks_count"]) for e in entries] == [
        (rid, "SUCCESS", 1)
    ]


def test_cancel_exit_codes_and_json_error_shape(cli: Cli, control: SandboxControl) -> None:
    rid = cli("--json", "start", "--number", NUMBER, "--brand", "Acme").json()["request_id"]
    early = cli("--json", "cancel", "--request-id", rid)
    assert early.code == 1
    body = early.json()
    assert set(body) == {"ok", "error"} and body["ok"] is False
    error = body["error"]
    assert set(error) == {"type", "status", "message", "request_id"}
    assert (error["type"], error["status"]) == ("ControlRefusedError", "19")
    assert "30 s" in error["message"] and error["message"] in early.err

    control.advance_clock(40)
    cancelled = cli("cancel", "--request-id", rid)
    assert cancelled.code == 0 and "CANCELLED" in cancelled.out
    assert "CANCELLED" in cli("history", "--status", "cancelled").out


def test_concurrent_start_reports_the_live_id(cli: Cli) -> None:
    live = cli("--json", "start", "--number", NUMBER, "--brand", "Acme").json()["request_id"]
    again = cli("--json", "start", "--number", NUMBER, "--brand", "Acme")
    assert again.code == 1
    error = again.json()["error"]
    assert (error["type"], error["status"], error["request_id"]) == (
        "ConcurrentVerificationError",
        "10",
        live,
    )
    assert live in again.err
    human = cli("start", "--number", NUMBER, "--brand", "Acme")
    assert human.code == 1 and live in human.err


def test_psd2_and_magic_number(cli: Cli, db: Path) -> None:
    psd2 = cli("psd2", "--number", NUMBER, "--payee", "Shop", "--amount", "9.99")
    assert psd2.code == 0 and "PSD2" in psd2.out
    blocked = cli("--json", "start", "--number", "447123450007", "--brand", "Acme")
    assert blocked.code == 1
    assert blocked.json()["error"]["type"] == "NumberBlockedError"
    assert [r[2] for r in _rows(db)] == [VerificationStatus.REFUSED, VerificationStatus.IN_PROGRESS]


@pytest.mark.parametrize(
    ("argv", "field"),
    [
        (("start", "--number", "12", "--brand", "Acme"), "number"),
        (("start", "--number", NUMBER), "brand"),
        (("start", "--number", NUMBER, "--brand", "A", "--code-length", "5"), "code_length"),
        (("start", "--number", NUMBER, "--brand", "A", "--pin-expiry", "10"), "pin_expiry"),
        (("start", "--number", NUMBER, "--brand", "A", "--workflow-id", "9"), "workflow_id"),
        (("start", "--number", NUMBER, "--brand", "A", "--lg", "klingon"), "lg"),
        (("psd2", "--number", NUMBER, "--payee", "Shop", "--amount", "abc"), "amount"),
        (("check", "--request-id", "abc", "--code", "1"), "code"),
        (("check", "--code", "1234"), "request_id"),
        (("search",), "request_id"),
        (("search", *[a for i in range(11) for a in ("--request-id", f"{i:032x}")]), "request_id"),
        (("cancel", "--request-id", "bad id"), "request_id"),
        (("next",), "request_id"),
    ],
)
def test_validation_errors_name_the_field_and_send_nothing(
    cli: Cli, control: SandboxControl, db: Path, argv: tuple[str, ...], field: str
) -> None:
    human = cli(*argv)
    assert human.code == 2 and human.out == ""
    assert field in human.err and human.err.count("\n") == 1

    scripted = cli("--json", *argv)
    assert scripted.code == 2
    error = scripted.json()["error"]
    assert error["type"] == "ValidationFailed" and error["status"] is None
    assert field in [f["field"] for f in error["fields"]]
    assert control.requests() == []
    assert not db.exists() or _rows(db) == []


def test_unknown_range_number_needs_confirmation(cli: Cli) -> None:
    warned = cli("start", "--number", "447700900123", "--brand", "Acme")
    assert warned.code == 2 and "--yes-unknown-number" in warned.err
    sent = cli("start", "--number", "447700900123", "--brand", "Acme", "--yes-unknown-number")
    assert sent.code == 0


def test_sandbox_test_numbers_need_no_confirmation_on_a_sandbox(
    cli: Cli, run: Cli, sandbox: SandboxServer, db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The catalogue's numbers are in the range reserved for drama: the number rule questions
    # them everywhere but on a sandbox, which is what they are for.
    v1 = cli("start", "--number", "447700900500", "--brand", "Acme")
    assert v1.code == 0, v1.err
    v2 = cli("start", "--api", "v2", "--workflow", "sms", "--number", "+44 7700 900202",
             "--brand", "Acme")  # fmt: skip
    assert v2.code == 0, v2.err
    monkeypatch.setenv("VERIFY_DESK_API_KEY", "key")
    monkeypatch.setenv("VERIFY_DESK_API_SECRET", "not-the-real-one")
    account = run("--api-host", sandbox.url, "--rest-host", sandbox.url, "--history-db", str(db),
                  "start", "--number", "447700900516", "--brand", "Acme")  # fmt: skip
    assert account.code == 2 and "--yes-unknown-number" in account.err


@pytest.mark.parametrize(
    "argv",
    [(), ("frobnicate",), ("start", "--colour", "red"), ("history", "--status", "happy"),
     ("--sandbox", "--sandbox-url", "http://127.0.0.1:1", "balance"),
     ("--region", "GBR", "balance")],
)  # fmt: skip
def test_usage_errors_exit_2(run: Cli, argv: tuple[str, ...]) -> None:
    human = run(*argv)
    assert human.code == 2 and human.out == "" and "error:" in human.err
    scripted = run("--json", *argv)
    assert scripted.code == 2 and scripted.json()["error"]["type"] == "UsageError"


def test_help_exits_0(run: Cli) -> None:
    result = run("--help")
    assert result.code == 0 and "--sandbox-url" in result.out
    sub = run("start", "--help")
    assert sub.code == 0 and "--next-event-wait" in sub.out


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_unreachable_host_exits_3_and_records_not_sent(
    run: Cli, db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VERIFY_DESK_API_KEY", "key")
    monkeypatch.setenv("VERIFY_DESK_API_SECRET", "secret")
    url = f"http://127.0.0.1:{_closed_port()}"
    result = run("--api-host", url, "--rest-host", url, "--history-db", str(db), "--json",
                 "start", "--number", NUMBER, "--brand", "Acme")  # fmt: skip
    assert result.code == 3
    error = result.json()["error"]
    assert error["type"] == "ConnectError" and error["outcome_unknown"] is False
    assert "reached" in result.err
    assert [r[2] for r in _rows(db)] == [VerificationStatus.NOT_SENT]


def test_custom_hosts_need_environment_credentials(run: Cli, sandbox: SandboxServer) -> None:
    result = run("--api-host", sandbox.url, "--rest-host", sandbox.url, "balance")
    assert result.code == 2 and "VERIFY_DESK_API_KEY" in result.err


def test_custom_hosts_with_environment_credentials(
    run: Cli, sandbox: SandboxServer, db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VERIFY_DESK_API_KEY", "sandbox")
    monkeypatch.setenv("VERIFY_DESK_API_SECRET", "sandbox-secret")
    args = ("--api-host", sandbox.url, "--rest-host", sandbox.url, "--history-db", str(db))
    assert run(*args, "balance").code == 0
    monkeypatch.setenv("VERIFY_DESK_API_SECRET", "wrong")
    denied = run(*args, "--json", "balance")
    assert denied.code == 1 and denied.json()["error"]["type"] == "AuthError"


def test_private_sandbox_for_one_command(run: Cli, db: Path) -> None:
    started = run("--sandbox", "--history-db", str(db), "--json",
                  "start", "--number", NUMBER, "--brand", "Acme")  # fmt: skip
    assert started.code == 0, started.err
    assert started.json()["number"] == NUMBER
    assert run("balance", "--sandbox", "--history-db", str(db)).code == 0
    history = run("--history-db", str(db), "history", "--json").json()["entries"]
    assert [(e["profile"], e["status"]) for e in history] == [("Sandbox", "IN PROGRESS")]


def test_active_sandbox_profile_needs_a_sandbox_option(run: Cli, db: Path) -> None:
    result = run("--history-db", str(db), "balance")
    assert result.code == 2
    assert "--sandbox" in result.err and "--sandbox-url" in result.err
    assert not db.exists() or _rows(db) == []


def test_history_filters(cli: Cli) -> None:
    cli("start", "--number", NUMBER, "--brand", "Acme")
    cli("start", "--number", OTHER, "--brand", "Zeta")
    cli("start", "--number", "447123450007", "--brand", "Acme")
    assert len(cli("--json", "history").json()["entries"]) == 3
    assert len(cli("--json", "history", "--limit", "2").json()["entries"]) == 2
    zeta = cli("--json", "history", "--filter", "Zeta").json()["entries"]
    assert [e["number"] for e in zeta] == [OTHER]
    refused = cli("--json", "history", "--status", "REFUSED").json()["entries"]
    assert [e["number"] for e in refused] == ["447123450007"]
    assert "No history rows" in cli("history", "--status", "expired").out
