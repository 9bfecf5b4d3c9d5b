"""``--sandbox`` is the built-in sandbox the window uses, with its state kept (issue 9, item 3).

Separate processes (the installed console script) show what a QA script sees: ``start``, then
``handset``, then ``check`` with that code, each its own command. The window's side (a running
window's sandbox used by the command line) is in tests/ui/test_app_restart.py.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from desktop_app.cli.handset import handset_number
from desktop_app.domain.errors import ValidationFailed
from desktop_app.sandbox.builtin import announce, discovery_file, state_file
from tests.helpers.cli import Cli

NUMBER = "447400123456"
ROOT = Path(__file__).resolve().parents[2]


def _script() -> str:
    beside = Path(sys.executable).with_name("verify-desk-cli")
    assert beside.exists(), "verify-desk-cli is not installed (pip install -e .)"
    return str(beside)


def run_cli(home: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    """One command in its own process, on ``home``."""
    env = {**os.environ, "VERIFY_DESK_HOME": str(home)}
    return subprocess.run([_script(), "--sandbox", "--json", *argv], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=120, check=False)  # fmt: skip


def ok(result: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    assert result.returncode == 0, result.stderr[-2000:]
    payload: dict[str, Any] = json.loads(result.stdout)
    assert payload["ok"] is True
    return payload


@pytest.mark.slow
def test_start_handset_check_across_commands(home: Path) -> None:
    started = ok(run_cli(home, "start", "--number", NUMBER, "--brand", "Acme"))
    request_id = started["request_id"]
    messages = ok(run_cli(home, "handset", "--number", "+44 7400 123456"))["messages"]
    assert [(m["request_id"], m["number"], m["channel"]) for m in messages] == [
        (request_id, NUMBER, "sms")
    ]
    assert messages[0]["code"].isdigit() and messages[0]["code"] in messages[0]["text"]
    checked = ok(run_cli(home, "check", "--request-id", request_id, "--code", messages[0]["code"]))
    assert checked["status"] == "SUCCESS"
    history = ok(run_cli(home, "history"))["entries"]
    assert [(e["request_id"], e["status"]) for e in history] == [(request_id, "SUCCESS")]
    assert state_file(home / "data").is_file()


def test_the_start_hint_works_as_printed(run: Cli, home: Path) -> None:
    """'Next: check --request-id ID --code CODE' used to fail with status 6 (issue 9)."""
    started = run("--sandbox", "start", "--number", NUMBER, "--brand", "Acme")
    assert started.code == 0, started.err
    hint = started.out.strip().splitlines()[-1]
    assert hint.startswith("Next: check --request-id ")
    code = run("--sandbox", "--json", "handset").json()["messages"][-1]["code"]
    argv = hint.removeprefix("Next: ").replace("CODE", code).split()
    assert run("--sandbox", *argv).code == 0


@pytest.mark.slow
def test_two_commands_writing_at_once_lose_nothing(home: Path) -> None:
    """Two command-line processes open the same state at the same time, again and again."""
    rounds = 4
    script = (
        "import subprocess, sys\n"
        "for i in range(int(sys.argv[2])):\n"
        "    done = subprocess.run([sys.argv[3], '--sandbox', '--json', 'start', '--number',\n"
        "                           sys.argv[1] + str(i), '--brand', 'Acme'],\n"
        "                          capture_output=True, text=True)\n"
        "    assert done.returncode == 0, done.stderr\n"
    )
    env = {**os.environ, "VERIFY_DESK_HOME": str(home)}
    writers = [
        subprocess.Popen([sys.executable, "-c", script, prefix, str(rounds), _script()],
                         env=env, cwd=ROOT, stderr=subprocess.PIPE, text=True)
        for prefix in ("44740012341", "44740012342")
    ]
    try:
        errors = [writer.communicate(timeout=300)[1] for writer in writers]
    finally:
        for writer in writers:
            writer.kill()
            writer.wait()
    assert [w.returncode for w in writers] == [0, 0], errors
    messages = ok(run_cli(home, "handset"))["messages"]
    assert len({m["request_id"] for m in messages}) == 2 * rounds
    history = ok(run_cli(home, "history", "--limit", "100"))["entries"]
    assert len(history) == 2 * rounds
    assert {e["status"] for e in history} == {"IN PROGRESS"}


def test_a_stale_announcement_is_ignored(run: Cli, home: Path) -> None:
    (home / "data").mkdir(parents=True)
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    announce(home / "data", "http://127.0.0.1:9", pid=int(dead.stdout))
    started = run("--sandbox", "--json", "start", "--number", NUMBER, "--brand", "Acme")
    assert started.code == 0, started.err
    assert run("--sandbox", "--json", "handset").json()["messages"][0]["number"] == NUMBER


def test_a_live_process_that_is_no_sandbox_is_ignored(run: Cli, home: Path) -> None:
    (home / "data").mkdir(parents=True)
    announce(home / "data", "http://127.0.0.1:9")  # this test's process: alive, no server
    started = run("--sandbox", "--json", "start", "--number", NUMBER, "--brand", "Acme")
    assert started.code == 0, started.err


@pytest.mark.parametrize("url", ["https://example.com", "http://10.0.0.1:8080", "ftp://127.0.0.1"])
def test_an_announcement_off_this_computer_is_never_used(
    run: Cli, home: Path, url: str
) -> None:
    (home / "data").mkdir(parents=True)
    announce(home / "data", url)
    started = run("--sandbox", "--json", "start", "--number", NUMBER, "--brand", "Acme")
    assert started.code == 0, started.err
    assert discovery_file(home / "data").is_file()  # left as it was: not the CLI's


def test_the_clock_speed_is_kept_for_later_commands(run: Cli, home: Path, db: Path) -> None:
    assert run("--sandbox", "--sandbox-time-scale", "60", "balance").code == 0
    saved = json.loads(state_file(home / "data").read_text())
    assert saved["clock"]["time_scale"] == 60
    assert run("--sandbox", "balance").code == 0  # no option: the speed is left alone
    assert json.loads(state_file(home / "data").read_text())["clock"]["time_scale"] == 60


def test_history_rows_carry_the_sandbox_clock(run: Cli, home: Path, db: Path) -> None:
    """A row's times come from the sandbox's clock, as its events do (one clock)."""
    assert run("--sandbox", "balance").code == 0
    saved = json.loads(state_file(home / "data").read_text())
    saved["clock"].update(now=2_000_000_000.0, time_scale=0)  # 2033-05-18T03:33:20Z, frozen
    state_file(home / "data").write_text(json.dumps(saved))
    started = run("--sandbox", "--history-db", str(db), "--json", "start", "--number", NUMBER,
                  "--brand", "Acme")  # fmt: skip
    assert started.code == 0, started.err
    entry = run("--history-db", str(db), "--json", "history").json()["entries"][0]
    assert entry["created_at"].startswith("2033-05-18T03:33:20")
    sent = run("--sandbox", "--json", "handset").json()["messages"][0]["sent_at"]
    assert sent.startswith("2033-05-18T03:33:20")


def test_handset_needs_a_sandbox(run: Cli) -> None:
    result = run("--json", "handset")
    assert result.code == 2
    assert result.json()["error"]["type"] == "UsageError"
    assert "--sandbox" in result.err


def test_handset_reads_another_sandbox_by_url(cli: Cli) -> None:
    started = cli("--json", "start", "--number", NUMBER, "--brand", "Acme").json()
    shown = cli("handset", "--number", NUMBER)
    assert shown.code == 0 and started["request_id"] in shown.out and "SMS to " in shown.out
    assert cli("--json", "handset", "--number", "447400999999").json()["messages"] == []
    assert "no message for 447400999999" in cli("handset", "--number", "447400999999").out


@pytest.mark.parametrize(("typed", "filter_"), [
    ("+44 7400 123456", NUMBER), ("(0044) 7400-123.456", "00447400123456"),
    ("ann@example.com", "ann@example.com"), ("  ", None),
])
def test_handset_number_filter(typed: str, filter_: str | None) -> None:
    assert handset_number(typed) == filter_


@pytest.mark.parametrize("typed", ["4474\x1b[2J", "4" * 255])
def test_handset_number_filter_refuses(typed: str) -> None:
    with pytest.raises(ValidationFailed, match="--number"):
        handset_number(typed)
