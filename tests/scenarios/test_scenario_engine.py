"""The scenario runner's mechanics on an in-memory target: events, failures, skips, cancel."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

from desktop_app.domain.errors import CredentialsUnavailable
from desktop_app.usecases.scenarios_engine import ScenarioRunner
from desktop_app.usecases.scenarios_model import (
    CaseFinished,
    CaseStarted,
    FileFinished,
    FileStarted,
    RunEvent,
    ScenarioFile,
    StepFinished,
    Verdict,
)
from desktop_app.usecases.scenarios_target import Target
from tests.helpers.scenario_fakes import FakeMessages, factory, scenario_file, target
from tests.helpers.scenario_texts import TWO_CASES


def test_events_come_in_order_and_variables_flow(tmp_path: Path) -> None:
    chosen, api, _ = target()
    events: list[RunEvent] = []
    summary = ScenarioRunner(factory(chosen), on_event=events.append).run(
        [scenario_file(tmp_path, TWO_CASES)]
    )
    kinds = [type(e).__name__ for e in events]
    assert kinds == [
        "FileStarted",
        "CaseStarted", "StepFinished", "StepFinished", "StepFinished", "CaseFinished",
        "CaseStarted", "StepFinished", "StepFinished", "CaseFinished",
        "FileFinished",
    ]  # fmt: skip
    assert summary.ok and summary.count(Verdict.PASSED) == 2
    assert ("check", "r1", "4321") in api.calls  # ${rid} and ${code} were substituted
    first = next(e for e in events if isinstance(e, StepFinished))
    assert first.result.fields["request_id"] == "r1" and first.result.fields["at"] == 0


def test_a_failing_step_stops_its_case_and_names_itself(tmp_path: Path) -> None:
    chosen, _, _ = target()
    text = TWO_CASES.replace('code = "${code}"', 'code = "9999"')
    summary = ScenarioRunner(factory(chosen)).run([scenario_file(tmp_path, text)])
    first, second = summary.cases
    assert first.verdict is Verdict.FAILED and second.verdict is Verdict.PASSED
    assert first.failing_step is not None and first.failing_step.step.index == 3
    assert first.reason.startswith("step 3 (check): expected success, got error WrongCodeError")
    assert not summary.ok


def test_a_failing_step_skips_the_rest_of_its_case(tmp_path: Path) -> None:
    chosen, api, _ = target()
    text = TWO_CASES.replace('do = "read_code"', 'do = "read_code"\n  expect.channel = "voice"')
    summary = ScenarioRunner(factory(chosen)).run([scenario_file(tmp_path, text)])
    assert [s.step.index for s in summary.cases[0].steps] == [1, 2]
    assert not any(call[0] == "check" for call in api.calls)


def test_status_10_makes_the_live_request_current(tmp_path: Path) -> None:
    chosen, api, _ = target()
    text = """
[[scenario]]
  [[scenario.step]]
  do = "start"
  number = "447700900510"
  expect.error = "ConcurrentVerificationError"
  expect.request_id = "live"
  [[scenario.step]]
  do = "cancel"
"""
    summary = ScenarioRunner(factory(chosen)).run([scenario_file(tmp_path, text)])
    assert summary.ok
    assert ("cancel", "live") in api.calls


def test_on_a_real_account_a_handset_scenario_is_skipped_whole(tmp_path: Path) -> None:
    chosen, api, _ = target(handset=False)
    summary = ScenarioRunner(factory(chosen)).run([scenario_file(tmp_path, TWO_CASES)])
    first, second = summary.cases
    assert first.verdict is Verdict.SKIPPED
    assert "step 2 (read_code)" in first.reason and "step 3 (check)" not in first.reason
    assert second.verdict is Verdict.PASSED
    assert [c[1] for c in api.calls if c[0] == "start"] == ["447700900124"]  # nothing of "first"
    assert summary.ok


def test_cancel_stops_between_steps(tmp_path: Path) -> None:
    chosen, api, _ = target()
    cancel = threading.Event()

    def on_event(event: RunEvent) -> None:
        if isinstance(event, StepFinished) and event.result.step.index == 1:
            cancel.set()

    files = [scenario_file(tmp_path, TWO_CASES), scenario_file(tmp_path, TWO_CASES, "t.toml")]
    summary = ScenarioRunner(factory(chosen), on_event=on_event, cancel=cancel).run(files)
    verdicts = [c.verdict for c in summary.cases]
    assert verdicts == [Verdict.CANCELLED] * 4
    assert len(summary.cases[0].steps) == 1 and summary.cancelled and not summary.ok
    assert [c[0] for c in api.calls] == ["start"]


def test_a_target_that_cannot_open_errors_every_case(tmp_path: Path) -> None:
    @contextmanager
    def broken(_file: ScenarioFile) -> Iterator[Target]:
        raise CredentialsUnavailable("no secret")
        yield  # pragma: no cover

    events: list[RunEvent] = []
    files = [scenario_file(tmp_path, TWO_CASES)]
    summary = ScenarioRunner(broken, on_event=events.append).run(files)
    assert [c.verdict for c in summary.cases] == [Verdict.ERROR, Verdict.ERROR]
    assert "no secret" in summary.files[0].error
    assert not any(isinstance(e, FileStarted | CaseStarted) for e in events)
    assert isinstance(events[-1], FileFinished) and not summary.ok
    assert all(isinstance(e, CaseFinished | FileFinished) for e in events)


def test_advance_moves_only_the_simulated_clock(tmp_path: Path) -> None:
    chosen, _, phone = target()
    text = """
[[scenario]]
  [[scenario.step]]
  do = "start"
  number = "447700900123"
  [[scenario.step]]
  do = "advance"
  minutes = 10
  expect.at = 600
"""
    summary = ScenarioRunner(factory(chosen)).run([scenario_file(tmp_path, text)])
    assert summary.ok and phone is not None and phone.advanced == [600.0]
    assert summary.simulated_seconds == 600


def test_a_missing_handset_message_is_a_problem_unless_expected(tmp_path: Path) -> None:
    chosen, _, _ = target()
    text = """
[[scenario]]
  [[scenario.step]]
  do = "start"
  number = "447700900123"
  [[scenario.step]]
  do = "read_code"
  channel = "voice"
"""
    summary = ScenarioRunner(factory(chosen)).run([scenario_file(tmp_path, text)])
    failing = summary.cases[0].failing_step
    assert failing is not None and "no message on the handset" in failing.problem
    allowed = text + "  expect.count = 0\n"
    assert ScenarioRunner(factory(chosen)).run([scenario_file(tmp_path, allowed, "b.toml")]).ok


def test_an_unknown_variable_at_run_time_fails_the_step(tmp_path: Path) -> None:
    chosen, _, _ = target()
    text = """
[[scenario]]
  [[scenario.step]]
  do = "check"
  request_id = "r1"
  code = "${code}"
"""
    summary = ScenarioRunner(factory(chosen)).run([scenario_file(tmp_path, text)])
    failing = summary.cases[0].failing_step
    assert failing is not None and failing.problem == "${code} has no value at this step"


def test_send_uses_the_targets_messages_api(tmp_path: Path) -> None:
    # On an account (no handset) a send is the API call alone: its delivery needs the sandbox.
    chosen, _, _ = target(handset=False)
    messages = FakeMessages()
    text = """
[[scenario]]
  [[scenario.step]]
  do = "send"
  to = "447700904220"
  text = "Hello"
  failover_channel = "viber"
  failover_text = "Hello again"
  expect.api_status = "202"
  expect.message_uuid = { matches = "^aaaa" }
  expect.history_status = "IN PROGRESS"
  [[scenario.step]]
  do = "send_code"
  channel = "viber"
  to = "${number}"
  expect.request_id = "${message_uuid}"
"""
    with_sender = replace(chosen, messages=messages)
    assert ScenarioRunner(factory(with_sender)).run([scenario_file(tmp_path, text)]).ok
    [sent] = messages.sent
    assert (sent.channel, sent.to, sent.from_) == ("sms", "447700904220", "Acme")
    assert [(leg.channel, leg.from_) for leg in sent.failover] == [("viber_service", "Acme")]
    [code] = messages.codes
    assert (code.channel, code.to, code.brand) == ("viber", "447700904220", "Acme")
    without = ScenarioRunner(factory(chosen)).run([scenario_file(tmp_path, text, "b.toml")])
    failing = without.cases[0].failing_step
    assert failing is not None and failing.problem == "this run has no Messages API to send with"
