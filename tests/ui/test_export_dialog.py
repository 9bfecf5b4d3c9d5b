"""File → Export… in the real app, and the export dialog's progress and Cancel."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from desktop_app.api.sandbox_control import SandboxControl
from desktop_app.app import AppContext
from desktop_app.domain.models import VerificationStatus
from desktop_app.domain.reports import ExportFormat, HistoryFilter
from desktop_app.services.reports import ReportsService
from desktop_app.services.tasks import TaskRunner
from desktop_app.store.history import HistoryStore
from desktop_app.ui import export_dialog
from desktop_app.ui.export_dialog import ExportDialog
from desktop_app.ui.reports_menu import view_filter
from tests.helpers.report_rows import T0, Row, make_history

NUMBERS = ("447400123456", "447400123457")


def _send_and_check(qtbot: Any, ctx: AppContext, number: str, right: bool) -> str:
    window = ctx.window
    window.send_form.number_edit.setText("+" + number)
    window.send_form.brand_edit.setText('=HYPERLINK("x")')
    with qtbot.waitSignal(window.send_form.sent, timeout=5000):
        window.send_form.send_button.click()
    code = SandboxControl(ctx.http, ctx.sandbox.url).messages(number)[-1].code
    window.check_form.code_edit.setText(code if right else ("0000" if code != "0000" else "1111"))
    with qtbot.waitSignal(window.check_form.checked, timeout=5000):
        window.check_form.check_button.click()
    return code


def _export(qtbot: Any, ctx: AppContext, target: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setattr(export_dialog, "choose_export_file", lambda *_a: (target, ExportFormat.CSV))
    ctx.window.export_action.trigger()
    dialog = ctx.window.reports_menu.export_dialog
    assert isinstance(dialog, ExportDialog)
    with qtbot.waitSignal(dialog.finished_export, timeout=10_000):
        pass
    return target.read_text(encoding="utf-8-sig")


def test_export_what_the_view_shows_without_codes(
    qtbot: Any, ctx: AppContext, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    codes = [
        _send_and_check(qtbot, ctx, NUMBERS[0], right=True),
        _send_and_check(qtbot, ctx, NUMBERS[1], right=False),
    ]
    recent = ctx.window.recent
    recent.status_combo.setCurrentIndex(recent.status_combo.findData("SUCCESS"))
    assert view_filter(ctx.window) == HistoryFilter(
        status=VerificationStatus.SUCCESS, profile="Sandbox", text=""
    )
    text = _export(qtbot, ctx, tmp_path / "verified.csv", monkeypatch)
    records = list(csv.DictReader(io.StringIO(text)))
    assert [(r["number"], r["status"], r["profile"]) for r in records] == [
        (NUMBERS[0], "SUCCESS", "Sandbox")
    ]
    assert records[0]["brand"] == '\'=HYPERLINK("x")'
    for code in codes:
        assert f",{code}," not in text and not text.rstrip().endswith(code)
    assert "sandbox-secret" not in text
    assert "Exported 1 requests" in ctx.window.statusBar().currentMessage()


def test_masked_in_the_window_means_masked_in_the_export(
    qtbot: Any, ctx: AppContext, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _send_and_check(qtbot, ctx, NUMBERS[0], right=True)
    ctx.window.recent.filter_edit.setText("+44 7400 123456")
    ctx.window.set_presenter_mode(True)  # View > Presenter mode
    text = _export(qtbot, ctx, tmp_path / "masked.csv", monkeypatch)
    assert NUMBERS[0] not in text and "***3456" in text
    assert "numbers masked" in ctx.window.statusBar().currentMessage()


def test_cancelled_file_dialog_exports_nothing(
    ctx: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(export_dialog, "choose_export_file", lambda *_a: None)
    ctx.window.export_action.trigger()
    assert ctx.window.reports_menu.export_dialog is None


@pytest.fixture
def big_store(tmp_path: Path) -> Iterator[HistoryStore]:
    rows = (Row(created_at=T0 + timedelta(seconds=i)) for i in range(30_000))
    store = HistoryStore(make_history(tmp_path / "big.sqlite3", rows))
    yield store
    store.close()


@pytest.mark.slow
@pytest.mark.parametrize("in_child", [True, False], ids=["child-process", "worker-thread"])
def test_progress_then_cancel_leaves_no_file(
    qtbot: Any, tmp_path: Path, big_store: HistoryStore, in_child: bool
) -> None:
    runner = TaskRunner(1, name="export-test")
    target = tmp_path / "big.csv"
    db = tmp_path / "big.sqlite3" if in_child else None
    job = ReportsService(runner, big_store, history_path=db).export(
        HistoryFilter(), target, ExportFormat.CSV, mask=False
    )
    dialog = ExportDialog(job, target)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: 0 < dialog.bar.value() < 30_000, timeout=10_000)
    assert dialog.bar.maximum() == 30_000
    assert "of 30,000 rows" in dialog.label.text()
    dialog.cancel()
    assert job.task.is_cancelled and not dialog.isVisible()
    qtbot.waitUntil(lambda: runner.running_count() == 0, timeout=10_000)
    assert runner.shutdown(5000)
    assert not target.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".part")]


@pytest.mark.slow
@pytest.mark.parametrize("in_child", [True, False], ids=["child-process", "worker-thread"])
def test_a_failed_export_is_explained(
    qtbot: Any,
    tmp_path: Path,
    big_store: HistoryStore,
    monkeypatch: pytest.MonkeyPatch,
    in_child: bool,
) -> None:
    shown: list[str] = []
    monkeypatch.setattr(export_dialog.messages, "show_error", lambda _p, text: shown.append(text))
    runner = TaskRunner(1, name="export-test")
    target = tmp_path / "missing" / "x.csv"
    db = tmp_path / "big.sqlite3" if in_child else None
    job = ReportsService(runner, big_store, history_path=db).export(
        HistoryFilter(), target, ExportFormat.CSV, mask=False
    )
    dialog = ExportDialog(job, target)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: bool(shown), timeout=10_000)
    # One plain sentence and what to do, once; the system's words under the dialog's Details.
    assert shown[0].startswith("The export file cannot be written. Choose another folder")
    assert shown[0].count("Choose another folder") == 1
    assert getattr(shown[0], "details", "")
    assert runner.shutdown(5000)


def test_an_export_after_a_history_switch_reads_the_new_history_file(
    qtbot: Any, tmp_path: Path
) -> None:
    """The child opens the store the window now uses, not the default file it started with."""
    default = HistoryStore(make_history(tmp_path / "default.sqlite3",
                                        [Row(created_at=T0, brand="Default")]))  # fmt: skip
    other = HistoryStore(make_history(tmp_path / "other.sqlite3",
                                      [Row(created_at=T0, brand="Switched")] * 3))  # fmt: skip
    runner = TaskRunner(1, name="export-test")
    try:
        reports = ReportsService(runner, default, history_path=tmp_path / "default.sqlite3")
        reports.set_history(other)  # a profile switch installed another history
        target = tmp_path / "rows.csv"
        job = reports.export(HistoryFilter(), target, ExportFormat.CSV, mask=False)
        qtbot.waitUntil(lambda: job.task.is_done, timeout=30_000)
        text = target.read_text(encoding="utf-8")
        assert text.count("Switched") == 3 and "Default" not in text
    finally:
        assert runner.shutdown(5000)
        default.close()
        other.close()
