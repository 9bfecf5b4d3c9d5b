"""The audit trail in the real app: who and where captured once, every window action recorded,
shown in the details pane and exported beside the requests by File → Export…."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest

from desktop_app.app import AppContext
from desktop_app.domain.reports import ACTION_EXPORT_COLUMNS
from desktop_app.usecases.session import current_actor
from tests.ui.test_export_dialog import NUMBERS, _export, _send_and_check


def test_window_actions_are_recorded_shown_and_exported(
    qtbot: Any, ctx: AppContext, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    code = _send_and_check(qtbot, ctx, NUMBERS[0], right=False)
    form = ctx.window.check_form
    form.code_edit.setText(code)
    with qtbot.waitSignal(form.checked, timeout=5000):
        form.check_button.click()
    actor = current_actor()
    _export(qtbot, ctx, tmp_path / "audit.csv", monkeypatch)
    companion = tmp_path / "audit.actions.csv"
    text = companion.read_text(encoding="utf-8-sig")
    actions = list(csv.DictReader(io.StringIO(text)))
    assert list(actions[0]) == [name for name, _ in ACTION_EXPORT_COLUMNS]
    assert [(a["action"], a["outcome"]) for a in actions] == [
        ("start", "ok"), ("check", "wrong_code"), ("check", "ok"),
    ]  # fmt: skip
    assert {(a["user"], a["host"], a["profile"]) for a in actions} == {
        (actor.user, actor.host, "Sandbox")
    }
    assert all(code not in action.values() for action in actions)  # no cell is the code
    assert "their 3 actions" in ctx.window.statusBar().currentMessage()
    audit = ctx.window.recent.details.audit_list
    qtbot.waitUntil(lambda: len(audit.texts()) >= 3, timeout=5000)
    assert all(line.endswith(f"({actor.user}@{actor.host})") for line in audit.texts())
