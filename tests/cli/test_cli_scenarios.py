"""``verify-desk-cli run``: the examples pass, failures name their step, JUnit and data tables.

Every run here goes through ``main`` in this process, each file on its own fresh sandbox with a
paused clock, as a person's run does.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest

from desktop_app.cli.main import main
from desktop_app.domain.models import VerificationStatus
from desktop_app.sandbox.server import SandboxConfig, SandboxServer
from desktop_app.store.history import HistoryStore
from tests.helpers.scenario_texts import A_WRONG_EXPECTATION, write_scenarios

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "scenarios"
EXAMPLE_FILES = sorted(EXAMPLES.glob("*.toml"))


@dataclass(frozen=True)
class Ran:
    code: int
    out: str
    err: str

    def lines(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.out.splitlines() if line.strip()]


Cli = Callable[..., Ran]


@pytest.fixture(autouse=True)
def private_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VERIFY_DESK_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("VERIFY_DESK_API_KEY", raising=False)
    monkeypatch.delenv("VERIFY_DESK_API_SECRET", raising=False)


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Cli:
    def call(*argv: str) -> Ran:
        capsys.readouterr()
        code = main(list(argv))
        captured = capsys.readouterr()
        return Ran(code, captured.out, captured.err)

    return call


WRONG = f"""
name = "deliberately wrong"
{A_WRONG_EXPECTATION}
[[scenario]]
name = "fine"
  [[scenario.step]]
  do = "start"
  number = "447700900124"
"""


ACCOUNT = """
[[scenario]]
name = "needs the handset"
  [[scenario.step]]
  do = "start"
  number = "447700900123"
  [[scenario.step]]
  do = "read_code"

[[scenario]]
name = "API calls only"
  [[scenario.step]]
  do = "start"
  number = "447700900124"
  allow_unknown_number = true
  [[scenario.step]]
  do = "check"
  code = "0000"
  expect.error = "WrongCodeError"
"""


#: Messages API outcomes and where the examples show them (file, then what it must hold).
MESSAGE_OUTCOMES = {
    "SMS delivered": ("messages_delivery", 'channel = "sms"', 'status = "delivered"'),
    "WhatsApp read": ("messages_delivery", 'channel = "whatsapp"', 'status = "read"'),
    "1340 outside the window": ("messages_whatsapp_window", "error_code = 1340"),
    "its SMS failover delivered": ("messages_whatsapp_window", 'failover_channel = "sms"',
                                   "expect.leg = 2"),
    "delivered after an inbound message": ("messages_whatsapp_window", 'do = "inbound"'),
    "rejected 1330": ("messages_test_numbers", "447700904220,rejected,1330"),
    "undeliverable 1260": ("messages_test_numbers", "447700904290,undeliverable,1260"),
    "HTTP 402": ("messages_test_numbers", "447700904020", "expect.api_status = 402"),
    "code by Viber, a wrong code": ("messages_codes", 'channel = "viber"',
                                    'expect.error = "WrongCodeError"'),
    "code expiry": ("messages_codes", "expiry = 60", 'expect.history_status = "EXPIRED"'),
}  # fmt: skip


def test_examples_cover_the_documented_outcomes() -> None:
    names = {path.stem for path in EXAMPLE_FILES}
    for wanted in ("v1_success", "v1_wrong_codes", "v1_concurrent", "v1_cancel", "v1_next_event",
                   "v1_expiry", "v1_refusals", "v1_search", "v2_success", "v2_fallback",
                   "v2_conflicts", "v2_wrong_codes", "v2_silent_auth", "v2_refusals",
                   "v2_delivery_failures", "messages_delivery", "messages_whatsapp_window",
                   "messages_test_numbers", "messages_codes"):  # fmt: skip
        assert wanted in names
    for outcome, (stem, *marks) in MESSAGE_OUTCOMES.items():
        text = "".join(p.read_text() for p in EXAMPLES.glob(f"{stem}.*"))
        assert all(mark in text for mark in marks), outcome


@pytest.mark.slow
@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=lambda p: p.name)
def test_every_example_file_passes(cli: Cli, path: Path) -> None:
    ran = cli("run", str(path))
    assert ran.code == 0, ran.out + ran.err
    last = ran.out.splitlines()[-1]
    assert " passed" in last and "failed" not in last and "\n  FAIL " not in ran.out


def test_a_wrong_expectation_exits_1_and_names_the_step(cli: Cli, tmp_path: Path) -> None:
    path = write_scenarios(tmp_path, WRONG)
    ran = cli("run", str(path))
    assert ran.code == 1
    assert "FAIL 2 check (expects the wrong status): expected status = 'FAILED', got 'SUCCESS'" in (
        ran.out
    )
    assert "s.toml > a wrong expectation > step 2 (check: expects the wrong status)" in ran.out
    assert "PASS fine" in ran.out  # the other scenario still ran
    assert "cancel" not in ran.out  # the failing case stopped at its failing step

    as_json = cli("--json", "run", str(path))
    assert as_json.code == 1
    summary = as_json.lines()[-1]
    assert summary["ok"] is False and summary["type"] == "summary"
    assert (summary["passed"], summary["failed"]) == (1, 1)
    (failure,) = summary["failures"]
    assert (failure["step"], failure["do"], failure["name"]) == (
        2,
        "check",
        "expects the wrong status",
    )
    assert failure["mismatches"] == [
        {"field": "status", "expected": "= 'FAILED'", "actual": "'SUCCESS'"}
    ]
    steps = [line for line in as_json.lines() if line["type"] == "step"]
    assert [(s["step"], s["ok"]) for s in steps] == [(1, True), (2, False), (1, True)]
    assert all("code" not in s["fields"] for s in steps)


def test_the_junit_file_parses_and_its_counts_match(cli: Cli, tmp_path: Path) -> None:
    report = tmp_path / "junit.xml"
    wrong = write_scenarios(tmp_path, WRONG, "wrong.toml")
    ran = cli(
        "--json", "run", str(EXAMPLES / "v1_refusals.toml"), str(wrong), "--junit", str(report)
    )
    assert ran.code == 1
    summary = ran.lines()[-1]
    root = ElementTree.parse(report).getroot()
    assert root.tag == "testsuites"
    assert int(root.get("tests", "")) == summary["cases"] == len(list(root.iter("testcase")))
    assert int(root.get("failures", "")) == summary["failed"] == 1
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == ["v1_refusals.toml", "wrong.toml"]
    refusals, wrong_suite = suites
    rows = (EXAMPLES / "v1_refusals.csv").read_text().strip().splitlines()[1:]
    assert int(refusals.get("tests", "")) == len(rows) == len(refusals.findall("testcase"))
    assert int(refusals.get("failures", "")) == 0
    assert (wrong_suite.get("tests"), wrong_suite.get("failures")) == ("2", "1")
    failure = wrong_suite.find("testcase/failure")
    assert failure is not None
    assert failure.get("message", "").startswith("step 2 (check: expects the wrong status)")
    assert "expected: = 'FAILED'" in (failure.text or "") and "actual:   'SUCCESS'" in (
        failure.text or ""
    )


def test_a_data_table_runs_one_case_per_row(cli: Cli, tmp_path: Path) -> None:
    numbers = ["447700900301", "447700900302", "447700900303", "447700900304"]
    table = tmp_path / "rows.csv"
    table.write_text("number\n" + "\n".join(numbers) + "\n")
    path = write_scenarios(
        tmp_path,
        """
[[scenario]]
name = "start and verify"
  [[scenario.step]]
  do = "start"
  number = "${number}"
  expect.number = "${number}"
  [[scenario.step]]
  do = "check"
  expect.status = "SUCCESS"
""",
    )
    ran = cli("--json", "run", str(path), "--data", str(table))
    assert ran.code == 0, ran.out
    cases = [line for line in ran.lines() if line["type"] == "case"]
    assert [c["row"] for c in cases] == [1, 2, 3, 4]
    starts = [line["fields"]["number"] for line in ran.lines() if line.get("do") == "start"]
    assert starts == numbers
    assert ran.lines()[-1]["cases"] == 4


def test_ten_simulated_minutes_take_no_sleep(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_sleep(seconds: float) -> None:
        raise AssertionError(f"time.sleep({seconds}) during a scenario")

    monkeypatch.setattr(time, "sleep", no_sleep)
    path = write_scenarios(
        tmp_path,
        """
[[scenario]]
name = "ten minutes"
  [[scenario.step]]
  do = "start"
  number = "447700900123"
  workflow_id = 6
  pin_expiry = 600
  next_event_wait = 600
  [[scenario.step]]
  do = "advance"
  minutes = 10
  [[scenario.step]]
  do = "inspect"
  expect.status = "EXPIRED"
  expect.at = 600
""",
    )
    ran = cli("--json", "run", str(path))
    assert ran.code == 0, ran.out
    inspect = next(line for line in ran.lines() if line.get("do") == "inspect")
    # "at" is read from the sandbox's own clock: it moved 600 simulated seconds.
    assert inspect["fields"]["at"] == 600
    assert ran.lines()[-1]["simulated_seconds"] == 600


def test_a_bad_file_runs_nothing_and_exits_2(cli: Cli, tmp_path: Path) -> None:
    text = '[[scenario]]\n[[scenario.step]]\ndo = "check"\nexpect.status = {}\n'
    bad = write_scenarios(tmp_path, text)
    ran = cli("run", str(bad))
    assert ran.code == 2 and ran.out == ""
    assert (
        "s.toml: scenario 1 (scenario 1) step 1 (check): expect.status: must be a value" in ran.err
    )
    assert cli("run", str(tmp_path / "missing.toml")).code == 2


def test_a_real_account_needs_yes_and_skips_handset_steps(
    cli: Cli, tmp_path: Path, sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The "real account" is a running sandbox reached as a custom host: nothing to read the
    # handset with, so the scenario that needs it is skipped and the other runs.
    monkeypatch.setenv("VERIFY_DESK_API_KEY", "sandbox")
    monkeypatch.setenv("VERIFY_DESK_API_SECRET", "sandbox-secret")
    path = write_scenarios(tmp_path, ACCOUNT)
    hosts = ("--api-host", sandbox.url, "--rest-host", sandbox.url)
    refused = cli(*hosts, "run", str(path))
    assert refused.code == 2
    assert "real account" in refused.err and "may start 1 verification(s)" in refused.err
    assert "--yes" in refused.err

    report = tmp_path / "r.xml"
    ran = cli(*hosts, "--json", "run", str(path), "--yes", "--junit", str(report))
    assert ran.code == 0, ran.out + ran.err
    summary = ran.lines()[-1]
    assert (summary["passed"], summary["skipped"]) == (1, 1)
    root = ElementTree.parse(report).getroot()
    skipped = root.find("testsuite/testcase/skipped")
    assert root.get("skipped") == "1" and skipped is not None
    assert "step 2 (read_code)" in skipped.get("message", "")


def test_test_numbers_command(cli: Cli) -> None:
    text = cli("test-numbers", "--api", "v1")
    assert text.code == 0
    assert "447700900007  v1   status 7" in text.out and "447700900202" not in text.out
    listed = cli("--json", "test-numbers")
    assert listed.code == 0
    numbers = listed.lines()[-1]["numbers"]
    blocked = next(n for n in numbers if n["number"] == "447700900600")
    assert blocked["api"] == "v2" and blocked["code"] == "1234"
    assert blocked["how"] == "start -> 202; the sandbox shows -> blocked; check the code -> 404"


# -- the Messages API ---------------------------------------------------------------------------


def _message_steps(ran: Ran) -> list[dict[str, Any]]:
    return [line for line in ran.lines()
            if line["type"] == "step" and "message_uuid" in line["fields"]]  # fmt: skip


def test_message_statuses_reach_the_history_through_the_apps_receiver(
    cli: Cli, tmp_path: Path
) -> None:
    db = tmp_path / "history.sqlite3"
    ran = cli("--json", "--history-db", str(db), "run",
              str(EXAMPLES / "messages_whatsapp_window.toml"))  # fmt: skip
    assert ran.code == 0, ran.out + ran.err
    steps = _message_steps(ran)
    # Every status a step reported came to the app as a signed webhook, not from the sandbox.
    assert steps and all(step["fields"]["tracked"] is True for step in steps)
    failover = next(s["fields"] for s in steps if s["fields"].get("channels") == "whatsapp,sms")
    store = HistoryStore(db)
    try:
        row = store.find(failover["message_uuid"])
        events = store.message_events(failover["message_uuid"])
    finally:
        store.close()
    assert row is not None
    assert (row.api_version, row.channels, row.delivery_tracked) == ("messages", "whatsapp,sms",
                                                                     True)  # fmt: skip
    assert (row.status, row.delivery_status, row.delivery_leg) == (
        VerificationStatus.SUCCESS, "delivered", 1,
    )  # fmt: skip
    assert [(e.leg, e.channel, e.status.value, e.error_code) for e in events] == [
        (0, "whatsapp", "rejected", 1340), (1, "sms", "submitted", None),
        (1, "sms", "delivered", None),
    ]  # fmt: skip


def test_on_a_sandbox_started_elsewhere_the_statuses_come_from_its_record(
    cli: Cli, tmp_path: Path
) -> None:
    # Nobody hears this sandbox's webhooks (it has no status URL): the run copies its record of
    # each message into the history, so the same files pass with the same expectations.
    with SandboxServer(SandboxConfig(port=0, time_scale=0.0, rate_limit=0.0,
                                     messages_rate_limit=0.0)) as paused:  # fmt: skip
        files = [str(EXAMPLES / f"messages_{name}.toml") for name in ("test_numbers", "codes")]
        ran = cli("--sandbox-url", paused.url, "--json", "run", *files)
    assert ran.code == 0, ran.out + ran.err
    steps = _message_steps(ran)
    assert all(s["fields"]["tracked"] is False for s in steps if "tracked" in s["fields"])
    statuses = {s["fields"]["history_status"] for s in steps if s["do"] == "wait"}
    assert "FAILED" in statuses  # a 4220 / 4290 row ended FAILED with no receiver


WRONG_CODE = """
[[scenario]]
name = "expects the wrong error code"
  [[scenario.step]]
  do = "send"
  channel = "whatsapp"
  from = "14155550100"
  to = "447700900340"
  [[scenario.step]]
  name = "rejected, but not for that"
  do = "wait"
  until = { status = "rejected" }
  expect.error_code = 1330
"""


def test_a_wrong_message_expectation_names_the_step_and_both_codes(
    cli: Cli, tmp_path: Path
) -> None:
    ran = cli("--json", "run", str(write_scenarios(tmp_path, WRONG_CODE)))
    assert ran.code == 1
    (failure,) = ran.lines()[-1]["failures"]
    where = (failure["step"], failure["do"], failure["name"])
    assert where == (2, "wait", "rejected, but not for that")
    mismatch = {"field": "error_code", "expected": "= 1330", "actual": "1340"}
    assert failure["mismatches"] == [mismatch]


ENDLESS = """
[[scenario]]
name = "an SMS is never read"
  [[scenario.step]]
  do = "send"
  to = "447700900790"
  [[scenario.step]]
  do = "wait"
  until = { status = "read" }
"""


def test_a_wait_for_a_status_that_never_comes_says_how_the_message_ended(
    cli: Cli, tmp_path: Path
) -> None:
    ran = cli("run", str(write_scenarios(tmp_path, ENDLESS)))
    assert ran.code == 1
    assert "the message ended delivered without reaching status read" in ran.out


def test_a_day_of_simulated_time_with_messages_takes_no_sleep(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_sleep(seconds: float) -> None:
        raise AssertionError(f"time.sleep({seconds}) during a scenario")

    monkeypatch.setattr(time, "sleep", no_sleep)
    ran = cli("--json", "run", str(EXAMPLES / "messages_whatsapp_window.toml"))
    assert ran.code == 0, ran.out + ran.err
    summary = ran.lines()[-1]
    assert summary["simulated_seconds"] >= 24 * 3600
    waits = [line["fields"]["waited"] for line in ran.lines() if line.get("do") == "wait"]
    assert waits == [0, 0.5, 2.5]  # each jump landed on the sandbox's own event times
