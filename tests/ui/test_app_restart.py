"""A sandbox that remembers (issue 9, item 3), through the real app.

Send, quit, start again on the same home: the request is still in progress with the right
timers and the handset's code checks it. ``verify-desk-cli --sandbox`` (its own processes) uses
the window's running sandbox: start, handset, check.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from desktop_app.app import AppContext
from desktop_app.domain.models import VerificationStatus
from desktop_app.sandbox.builtin import announced, discovery_file
from tests.helpers.apps import MakeApp, control
from tests.ui.test_app_clock import NUMBER, iso_seconds, seconds_in, send

ROOT = Path(__file__).resolve().parents[2]


def _check_in_window(qtbot: Any, ctx: AppContext, rid: str, code: str) -> str:
    window = ctx.window
    window.open_check(rid)
    form = window.check_form
    qtbot.waitUntil(lambda: form.request_id() == rid, timeout=5000)
    form.code_edit.setText(code)
    with qtbot.waitSignal(form.checked, timeout=5000):
        form.check_button.click()
    return str(form.result_label.text())


@pytest.mark.slow
def test_a_request_survives_a_restart_of_the_window(
    qtbot: Any, make_app: MakeApp
) -> None:
    first = make_app()
    try:
        rid = send(qtbot, first)
        code = control(first).messages(NUMBER)[-1].code
        first.window.handset_panel.skip_30s_button.click()  # the clock's skip is kept too
        qtbot.waitUntil(lambda: first.window.recent.request_actions.cancel.isEnabled(),
                        timeout=5000)  # fmt: skip
    finally:
        assert first.shutdown(5000)
    assert not discovery_file(first.paths.data_dir).exists()  # it stopped announcing itself

    second = make_app()
    try:
        recent, details = second.window.recent, second.window.recent.details
        recent.show_request(rid)
        # The refresher searches it: the sandbox still knows it, in progress.
        qtbot.waitUntil(lambda: details.record is not None and details.entry is not None
                        and details.entry.request_id == rid, timeout=5000)  # fmt: skip
        assert details.record is not None and details.record.status == "IN PROGRESS"
        assert details.value_labels["cancel"].text() == "allowed now"  # 30 s skipped before
        details.update_countdowns()
        shown_pin = seconds_in(details.value_labels["pin_expiry"].text())
        summary = next(r for r in control(second).requests() if r["request_id"] == rid)
        now = control(second).clock().at(time.monotonic())
        assert 0 <= iso_seconds(summary["pin_expires_at"]) - now - shown_pin <= 1.0
        assert shown_pin < 270  # the skip counts
        assert [m.code for m in control(second).messages(NUMBER)] == [code]
        assert _check_in_window(qtbot, second, rid, code) == "Verified ✓"
        model = recent.model
        qtbot.waitUntil(lambda: model.entry_at(model.row_of(rid) or 0).status
                        == VerificationStatus.SUCCESS, timeout=5000)  # fmt: skip
    finally:
        assert second.shutdown(5000)


def _cli(home: Path, *argv: str) -> dict[str, Any]:
    env = {**os.environ, "VERIFY_DESK_HOME": str(home)}
    done = subprocess.run(
        [str(Path(sys.executable).with_name("verify-desk-cli")), "--sandbox", "--json", *argv],
        env=env, cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    payload: dict[str, Any] = json.loads(done.stdout)
    return payload


@pytest.mark.slow
def test_the_command_line_uses_the_running_windows_sandbox(
    qtbot: Any, make_app: MakeApp, app_home: Path
) -> None:
    ctx = make_app()
    try:
        running = announced(ctx.paths.data_dir)
        assert running is not None and running.url == ctx.sandbox.url
        assert running.pid == os.getpid()
        rid = _cli(app_home, "start", "--number", NUMBER, "--brand", "Acme")["request_id"]
        messages = _cli(app_home, "handset", "--number", NUMBER)["messages"]
        assert [m["request_id"] for m in messages] == [rid]
        # The window's handset shows the command line's request as it happens.
        tree = ctx.window.handset_panel.messages_tree
        qtbot.waitUntil(lambda: tree.topLevelItemCount() == 1, timeout=5000)
        checked = _cli(app_home, "check", "--request-id", rid, "--code", messages[0]["code"])
        assert checked["status"] == "SUCCESS"
        hits = control(ctx).faults()["hits"]  # served by the window's sandbox itself
        assert hits["start"] == 1 and hits["check"] == 1
    finally:
        assert ctx.shutdown(5000)
    # Without the window, the next commands open the same state themselves.
    rid2 = _cli(app_home, "start", "--number", "447400123457", "--brand", "Acme")["request_id"]
    codes = {m["request_id"]: m["code"] for m in _cli(app_home, "handset")["messages"]}
    assert set(codes) == {rid, rid2}
    assert _cli(app_home, "check", "--request-id", rid2, "--code", codes[rid2])["status"] \
        == "SUCCESS"  # fmt: skip


def _status(ctx: AppContext, rid: str) -> str | None:
    model = ctx.window.recent.model
    row = model.row_of(rid)
    entry = model.entry_at(row) if row is not None else None
    return entry.status if entry is not None else None


@pytest.mark.slow
def test_a_request_the_sandbox_forgot_is_marked_once_and_never_searched_again(
    qtbot: Any, make_app: MakeApp
) -> None:
    first = make_app()
    try:
        rid = send(qtbot, first)
    finally:
        assert first.shutdown(5000)
    (first.paths.data_dir / "sandbox-state.json").unlink()  # what the old sandbox did

    second = make_app()
    try:
        qtbot.waitUntil(lambda: _status(second, rid) == VerificationStatus.UNKNOWN_TO_SERVER,
                        timeout=10_000)  # fmt: skip
        sandbox = control(second)
        searches = sandbox.faults()["hits"].get("search", 0)
        assert 1 <= searches <= 2  # the refresher's (and at most the details pane's) one look
        recent = second.window.recent
        recent.show_request(rid)
        qtbot.waitUntil(lambda: recent.details.entry is not None
                        and recent.details.entry.request_id == rid, timeout=5000)  # fmt: skip
        assert "Unknown to the server" in recent.details.title_label.text()
        actions = recent.request_actions
        for action in (actions.check, actions.cancel, actions.next):
            assert not action.isEnabled()
            assert "does not know this request" in action.toolTip()
        assert actions.copy.isEnabled()
        recent.reload()
        qtbot.wait(3000)  # three refresher rounds, a reload, a selection: no search at all
        assert sandbox.faults()["hits"].get("search", 0) == searches
        assert _status(second, rid) == VerificationStatus.UNKNOWN_TO_SERVER
    finally:
        assert second.shutdown(5000)
