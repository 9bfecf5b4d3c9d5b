"""File → Run scenarios… in the real window: live results, counts as the CLI's, Cancel, reports.

Every test builds the window with ``build_app`` on a temporary home; runs go to fresh sandboxes
(each file its own, as ``verify-desk-cli run`` does) unless a test picks the window's profile.
File dialogs and the cost confirmation are the modules' wrappers, replaced here.
"""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import httpx
import pytest
from PySide6.QtCore import Qt

from desktop_app.api.sandbox_control import SandboxControl
from desktop_app.app import AppContext
from desktop_app.cli.main import main as cli_main
from desktop_app.sandbox.server import SandboxConfig, SandboxServer
from desktop_app.services.scenarios import RunSummary, Verdict
from desktop_app.settings.profiles import Profile
from desktop_app.ui import messages, scenario_pane, scenario_setup
from desktop_app.ui.scenario_model import State
from desktop_app.ui.scenario_pane import ScenarioPane
from tests.helpers.apps import MakeApp
from tests.helpers.scenario_texts import A_WRONG_EXPECTATION, TWO_CASES, write_scenarios

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "scenarios"
SECRET = "Acct-Secret-7c6b5a49"

WRONG = f"""
name = "deliberately wrong"
{A_WRONG_EXPECTATION}
[[scenario]]
name = "an unexpected refusal"
  [[scenario.step]]
  do = "start"
  number = "447700900009"

[[scenario]]
name = "a wrong status code"
  [[scenario.step]]
  do = "start"
  number = "447700900125"
  expect.api_status = "16"
"""


class GatedTransport(httpx.BaseTransport):
    """The real network, except that the first handset read of a scenario sandbox waits.

    The app's own sandbox (``app_port``) is never held, so its handset poll goes on.
    """

    def __init__(self) -> None:
        self._inner = httpx.HTTPTransport()
        self.app_port: int | None = None
        self.held = threading.Event()
        self.release = threading.Event()
        self._lock = threading.Lock()
        self._used = False

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.startswith("/sandbox/messages") and request.url.port != self.app_port:
            with self._lock:
                first, self._used = not self._used, True
            if first:
                self.held.set()
                self.release.wait(30)  # bounded: a failing test must not hang the worker
        return self._inner.handle_request(request)

    def close(self) -> None:
        self._inner.close()


def _open_pane(ctx: AppContext, monkeypatch: pytest.MonkeyPatch, paths: list[Path]) -> ScenarioPane:
    monkeypatch.setattr(scenario_setup, "choose_scenario_files", lambda *_a: list(paths))
    ctx.window.run_scenarios_action.trigger()
    menu = ctx.window.scenario_menu
    assert menu is not None and menu.pane is not None
    assert menu.pane.isVisible() and menu.pane.paths == tuple(paths)
    return menu.pane


def _run(qtbot: Any, pane: ScenarioPane, timeout: int = 60_000) -> RunSummary:
    with qtbot.waitSignal(pane.run_finished, timeout=timeout) as blocker:
        pane.run_button.click()
    summary = blocker.args[0]
    assert isinstance(summary, RunSummary)
    return summary


def _rows(pane: ScenarioPane) -> list[tuple[str, ...]]:
    """Every row of the tree as (depth, name, result, what happened), depth first."""
    model, out = pane.model, []

    def walk(parent: Any, depth: int) -> None:
        for row in range(model.rowCount(parent)):
            index = model.index(row, 0, parent)
            out.append((str(depth), *(str(model.index(row, c, parent).data()) for c in range(3))))
            walk(index, depth + 1)

    walk(pane.tree.rootIndex(), 0)
    return out


def _cli_summary(capsys: pytest.CaptureFixture[str], *argv: str) -> dict[str, Any]:
    capsys.readouterr()
    code = cli_main(["--json", "run", *argv])
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.strip()]
    assert code in (0, 1)
    summary = lines[-1]
    assert summary["type"] == "summary"
    return summary


def test_examples_from_the_window_count_as_the_cli_does(
    qtbot: Any,
    ctx: AppContext,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    files = sorted(EXAMPLES.glob("*.toml"))
    cli = _cli_summary(capsys, *map(str, files))
    pane = _open_pane(ctx, monkeypatch, files)
    assert pane.setup.fresh_radio.isChecked()  # the default, as the command line
    applied: list[tuple[str, bool]] = []
    apply = pane.model.apply

    def on_gui_thread(event: Any) -> None:
        on_main = threading.current_thread() is threading.main_thread()
        applied.append((type(event).__name__, on_main))
        apply(event)

    monkeypatch.setattr(pane.model, "apply", on_gui_thread)
    summary = _run(qtbot, pane)
    assert all(on_gui for _kind, on_gui in applied)  # never a widget or model on the worker
    assert [kind for kind, _ in applied].count("CaseFinished") == cli["cases"]
    counts = pane.model.counts()
    assert pane.model.case_count() == cli["cases"] == len(summary.cases)
    for verdict in Verdict:
        assert counts.get(verdict, 0) == cli[verdict.value], verdict
    assert cli["passed"] == cli["cases"]  # the examples all pass
    text = pane.summary_label.text()
    assert f"{cli['cases']} scenario(s): {cli['passed']} passed, 0 failed, 0 skipped" in text
    assert "simulated" in text and "throw-away history, not in Recent requests" in text
    steps = sum(len(case.steps) for case in summary.cases)
    assert pane.model.step_count() == steps > cli["cases"]
    assert ctx.window.statusBar().currentMessage() == text
    assert not pane.running and pane.junit_button.isEnabled()


def test_a_wrong_expectation_fails_with_the_step_named_in_plain_words(
    qtbot: Any, ctx: AppContext, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, qtmodeltester: Any
) -> None:
    wrong = write_scenarios(tmp_path, WRONG, "wrong.toml")
    pane = _open_pane(ctx, monkeypatch, [wrong])
    qtmodeltester.check(pane.model)  # stays attached: checks every live insertion too
    _run(qtbot, pane)
    rows = _rows(pane)
    assert rows[0][:3] == ("0", "wrong.toml", "3 failed")
    case, step1, step2 = rows[1], rows[2], rows[3]
    assert case[1:3] == ("a wrong expectation", "failed")
    assert case[3].startswith("Step 2 (check: expects the wrong status): ")
    assert step1[1:3] == ("step 1 (start)", "as expected")
    assert step2[1:3] == ("step 2 (check: expects the wrong status)", "not as expected")
    assert step2[3] == "Expected status 'FAILED', but it was 'SUCCESS'."
    refused = rows[5]
    assert refused[2] == "not as expected"
    assert refused[3] == ("Expected it to succeed, but it was refused: the account does not "
                          "have enough credit.")  # fmt: skip
    assert rows[7][1:] == ("step 1 (start)", "not as expected",
                           "The status code is not the one the scenario expects (see details).")
    # Error kinds and status numbers only under details (the row's tooltip).
    for row in rows:
        assert "Error" not in row[3] and "9" not in row[3] and "16" not in row[3]
    refused_index = pane.model.index(0, 0, pane.model.index(1, 0, pane.model.index(0, 0)))
    details = refused_index.data(Qt.ItemDataRole.ToolTipRole)
    assert "QuotaExceededError" in details and "api_status=9" in details
    pane.tree.setCurrentIndex(refused_index)
    assert pane.explanation.text().startswith("step 1 (start): Expected it to succeed")
    assert "QuotaExceededError" in pane.explanation.toolTip()
    assert pane.model.node_state(refused_index) is State.FAILED
    assert pane.model.counts() == {Verdict.FAILED: 3}
    assert "3 scenario(s): 0 passed, 3 failed, 0 skipped" in pane.summary_label.text()
    qtmodeltester.check(pane.model)


def test_cancel_stops_between_steps_and_the_window_keeps_working(
    qtbot: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, make_app: MakeApp
) -> None:
    gate = GatedTransport()
    ctx = make_app(transport=gate)
    try:
        gate.app_port = httpx.URL(ctx.sandbox.url).port
        pane = _open_pane(ctx, monkeypatch, [write_scenarios(tmp_path, TWO_CASES, "two.toml")])
        with qtbot.waitSignal(pane.run_finished, timeout=30_000) as blocker:
            pane.run_button.click()
            # The worker is held inside step 2; the first step is already on screen.
            qtbot.waitUntil(lambda: gate.held.is_set() and pane.model.step_count() == 1)
            assert pane.running and pane.cancel_button.isEnabled()
            assert pane.summary_label.text().startswith("Running: 0 of 2 scenario(s) done")
            # The GUI thread answers while the run is held: Cancel, and the window's own pages.
            pane.cancel_button.click()
            assert not pane.cancel_button.isEnabled()
            assert pane.explanation.text().startswith("Cancelling")
            ctx.window.tabs.setCurrentIndex(1)
            assert ctx.window.tabs.currentWidget() is ctx.window.check_form
            gate.release.set()
        summary: RunSummary = blocker.args[0]
        assert summary.cancelled
        assert [c.verdict for c in summary.cases] == [Verdict.CANCELLED, Verdict.CANCELLED]
        assert [s.step.kind for s in summary.cases[0].steps] == ["start", "read_code"]
        assert pane.model.step_count() == 2  # the check was never run
        rows = _rows(pane)
        assert rows[1][1:] == ("first", "not run", "Stopped: the run was cancelled.")
        assert rows[4][1:] == ("second", "not run", "Not run: the run was cancelled.")
        assert pane.summary_label.text().startswith("Cancelled: 2 scenario(s)")
        assert pane.run_button.isEnabled() and not pane.running
    finally:
        gate.release.set()
        assert ctx.shutdown(5000)


def test_reports_saved_from_the_pane_parse_and_match_it(
    qtbot: Any, ctx: AppContext, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    files = [EXAMPLES / "v1_success.toml", EXAMPLES / "v1_refusals.toml",
             write_scenarios(tmp_path, WRONG, "wrong.toml")]  # fmt: skip
    pane = _open_pane(ctx, monkeypatch, files)
    assert not pane.junit_button.isEnabled()  # nothing to save before a run
    _run(qtbot, pane)
    counts = pane.model.counts()
    junit, jsonl = tmp_path / "out" / "report.xml", tmp_path / "out" / "report.jsonl"
    junit.parent.mkdir()
    for button, path in ((pane.junit_button, junit), (pane.jsonl_button, jsonl)):
        monkeypatch.setattr(scenario_pane, "choose_report_file", lambda *_a, p=path: p)
        with qtbot.waitSignal(pane.report_saved, timeout=5000) as saved:
            button.click()
        assert saved.args == [path]
        assert pane.explanation.text() == f"Saved to {path}."
    root = ElementTree.parse(junit).getroot()
    assert root.tag == "testsuites"
    assert int(root.attrib["tests"]) == pane.model.case_count() == 3 + 8 + 3
    assert int(root.attrib["failures"]) == counts[Verdict.FAILED] == 3
    assert [s.attrib["name"] for s in root] == ["v1_success.toml", "v1_refusals.toml", "wrong.toml"]
    failure = root.find("testsuite[@name='wrong.toml']/testcase/failure")
    assert failure is not None and "step 2 (check: expects the wrong status)" in failure.attrib[
        "message"]  # fmt: skip
    lines = [json.loads(line) for line in jsonl.read_text(encoding="utf-8").splitlines()]
    assert {line["type"] for line in lines} == {"step", "case", "summary"}
    last = lines[-1]
    assert (last["ok"], last["command"], last["passed"], last["failed"]) == (
        False, "run", counts[Verdict.PASSED], counts[Verdict.FAILED])  # fmt: skip
    assert all("code" not in line.get("fields", {}) for line in lines)


SEND = """
[[scenario]]
name = "a message"
  [[scenario.step]]
  do = "send"
  to = "447700900321"
  text = "hello"
  expect.api_status = "202"
"""


def test_the_windows_sandbox_records_in_recent_requests(
    qtbot: Any, ctx: AppContext, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    send = write_scenarios(tmp_path, SEND, "send.toml")
    pane = _open_pane(ctx, monkeypatch, [EXAMPLES / "v1_success.toml", send])
    assert pane.setup.own_radio.text() == "This window's sandbox (profile 'Sandbox')"
    assert pane.setup.place_note.text().startswith("Each file runs on a sandbox of its own")
    pane.setup.own_radio.setChecked(True)
    assert pane.setup.place_note.text().startswith("The requests appear in Recent requests.")
    summary = _run(qtbot, pane)
    assert [c.verdict for c in summary.cases] == [Verdict.PASSED] * 4  # its handset is there
    assert "its requests are in Recent requests" in pane.summary_label.text()
    numbers = {"447700900123", "447700900500", "447700900124", "447700900321"}
    model = ctx.window.recent.model
    qtbot.waitUntil(lambda: numbers <= {model.entry_at(r).number for r in range(model.rowCount())},
                    timeout=5000)  # fmt: skip


def test_a_real_account_asks_first_and_skips_what_needs_the_handset(
    qtbot: Any, ctx: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    with SandboxServer(SandboxConfig(port=0, api_key="acctkey", api_secret=SECRET)) as account:
        profile = Profile(name="Acme account", api_host=account.url, rest_host=account.url,
                          api_key="acctkey", is_sandbox=False, callback_url="")  # fmt: skip
        saving = ctx.session.save_profile(profile, SECRET)
        qtbot.waitUntil(lambda: saving.is_done, timeout=5000)
        with qtbot.waitSignal(ctx.session.profile_changed, timeout=5000):
            ctx.session.switch("Acme account")
        pane = _open_pane(ctx, monkeypatch, [EXAMPLES / "v1_success.toml"])
        setup = pane.setup
        assert setup.own_radio.text() == "This window's profile 'Acme account' (a real account)"
        setup.own_radio.setChecked(True)
        assert setup.place_note.text().startswith("Every verification costs money")
        asked: list[str] = []

        def decline(_parent: Any, _title: str, text: str) -> bool:
            asked.append(text)
            return False

        monkeypatch.setattr(messages, "confirm", decline)
        pane.run_button.click()
        qtbot.waitUntil(lambda: bool(asked) and not pane.running, timeout=5000)
        assert "may start 1 verification(s) and send 0 message(s)" in asked[0]
        assert "2 scenario(s) need the sandbox's handset or clock and are skipped" in asked[0]
        assert pane.explanation.text().startswith("Nothing was run")
        assert SandboxControl(ctx.http, account.url).requests() == []  # nothing was sent
        monkeypatch.setattr(messages, "confirm", lambda *_a: True)
        summary = _run(qtbot, pane)
        verdicts = [c.verdict for c in summary.cases]
        assert verdicts == [Verdict.SKIPPED, Verdict.PASSED, Verdict.SKIPPED]
        assert pane.model.counts() == {Verdict.SKIPPED: 2, Verdict.PASSED: 1}
        model = ctx.window.recent.model
        qtbot.waitUntil(lambda: any(model.entry_at(r).number == "447700900500"
                                    for r in range(model.rowCount())), timeout=5000)  # fmt: skip
        rows = _rows(pane)
        assert rows[1][3].startswith("Skipped: it needs the sandbox's handset or clock")


def test_a_file_that_is_not_valid_is_named_and_nothing_runs(
    qtbot: Any, ctx: AppContext, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    bad = write_scenarios(tmp_path, '[[scenario]]\nname = "x"\n  [[scenario.step]]\n  do = "fly"\n',
                 "bad.toml")  # fmt: skip
    pane = _open_pane(ctx, monkeypatch, [EXAMPLES / "v1_success.toml", bad])
    pane.run_button.click()
    qtbot.waitUntil(lambda: not pane.running, timeout=5000)
    text = pane.explanation.text()
    assert text.startswith("A scenario file is not valid; nothing was run.")
    assert "bad.toml" in text and "fly" in text
    assert pane.model.case_count() == 0 and pane.summary is None
    assert pane.run_button.isEnabled() and not pane.junit_button.isEnabled()


def test_a_data_table_runs_each_row_and_masks_numbers_when_asked(
    qtbot: Any, ctx: AppContext, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    scenario = write_scenarios(tmp_path, (
        '[[scenario]]\nname = "per row"\n  [[scenario.step]]\n  do = "start"\n'
        '  number = "${number}"\n  expect.error = "${error}"\n'), "rows.toml")  # fmt: skip
    table = write_scenarios(tmp_path, "number,error\n447700900009,QuotaExceededError\n"
                   "447700900123,none\n", "rows.csv")  # fmt: skip
    ctx.window.set_presenter_mode(True)  # View > Presenter mode masks numbers everywhere
    pane = _open_pane(ctx, monkeypatch, [scenario])
    monkeypatch.setattr(scenario_setup, "choose_data_table", lambda *_a: table)
    pane.setup.data_button.click()
    assert pane.setup.data_label.text() == "rows.csv: every scenario runs once per row."
    summary = _run(qtbot, pane)
    assert [c.verdict for c in summary.cases] == [Verdict.PASSED, Verdict.PASSED]
    names = [row[1] for row in _rows(pane) if row[0] == "1"]
    assert names == ["per row [row 1: number=***0009, error=QuotaExceededError]",
                     "per row [row 2: number=***0123, error=none]"]  # fmt: skip
    second_row = pane.model.index(1, 0, pane.model.index(0, 0))
    details = pane.model.index(0, 0, second_row).data(Qt.ItemDataRole.ToolTipRole)
    assert "number=***0123" in details and "447700900" not in details


def test_the_pane_fits_a_small_laptop_screen(
    qtbot: Any, ctx: AppContext, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    many = [write_scenarios(tmp_path, f"# {'long ' * 40}\n", f"{'a-long-file-name-' * 4}{n}.toml")
            for n in range(30)]  # fmt: skip
    pane = _open_pane(ctx, monkeypatch, many)
    pane.run_button.click()  # not valid files: a long list of problems is explained
    qtbot.waitUntil(lambda: not pane.running and bool(pane.explanation.text()), timeout=5000)
    pane.setup.own_radio.setChecked(True)
    hint = pane.minimumSizeHint()
    assert hint.width() <= 1024 - 40 and hint.height() <= 640 - 80, hint
    assert pane.width() <= 1024 and pane.height() <= 640 - 80
    assert pane.explanation.text().endswith("(point here for all of it)")
    assert "and 26 more" in pane.setup.files_label.text()


def test_a_sandbox_that_cannot_start_fails_its_file_and_the_run_goes_on(
    qtbot: Any, ctx: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    from desktop_app.cli import scenario_targets

    real = scenario_targets.start_fresh_sandbox
    starts: list[int] = []

    @contextlib.contextmanager
    def second_fails() -> Iterator[str]:
        starts.append(1)
        if len(starts) == 2:
            raise OSError(98, "Address already in use")
        with real() as url:
            yield url

    monkeypatch.setattr(scenario_targets, "start_fresh_sandbox", second_fails)
    files = [EXAMPLES / "v1_cancel.toml", EXAMPLES / "v1_success.toml", EXAMPLES / "v1_search.toml"]
    pane = _open_pane(ctx, monkeypatch, files)
    summary = _run(qtbot, pane)
    assert [f.error != "" for f in summary.files] == [False, True, False]
    rows = [row for row in _rows(pane) if row[0] == "0"]
    assert rows[1][2:] == ("3 could not run",
                           "Could not run: its sandbox or account could not be opened.")
    assert pane.model.counts()[Verdict.ERROR] == 3
    assert pane.model.counts()[Verdict.PASSED] == len(summary.cases) - 3
    details = pane.model.index(1, 0).data(Qt.ItemDataRole.ToolTipRole)
    assert "could not start (Address already in use)" in details


def test_a_run_that_breaks_off_says_so_and_can_run_again(
    qtbot: Any, ctx: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    from desktop_app.cli import scenario_targets

    def broken() -> Iterator[str]:
        raise RuntimeError("a bug")

    monkeypatch.setattr(scenario_targets, "start_fresh_sandbox", broken)
    pane = _open_pane(ctx, monkeypatch, [EXAMPLES / "v1_success.toml"])
    pane.run_button.click()
    qtbot.waitUntil(lambda: not pane.running, timeout=10_000)
    # Issue 9: a plain sentence; the exception's type only under Details and in the log.
    assert pane.explanation.text().startswith("Something unexpected went wrong")
    assert "RuntimeError" not in pane.explanation.text()
    assert [row[2] for row in _rows(pane)] == ["could not run"] * 4
    assert pane.model.counts() == {Verdict.ERROR: 3}
    assert pane.run_button.isEnabled() and pane.summary is None
