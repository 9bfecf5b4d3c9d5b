"""Acceptance (issue 9, presenter mode): on a shared screen no number shows more than four digits.

A session on the real window (``build_app``, its built-in sandbox) uses several numbers: Verify v1
starts, one refused (status 7), one answered "already running" (status 10), a Verify v2 workflow
of two channels, a code checked; the handset receives their codes. With View > Presenter mode on,
the widget walker (``tests/ui/widget_walker.py``) reads every visible text, with each request
selected in turn and on both pages, and no text may hold five consecutive digits of any number
used (digits separated by spaces, hyphens, dots or brackets count as consecutive). The same walk
without presenter mode finds the numbers, so the check can fail.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtGui import QGuiApplication

from desktop_app.api.sandbox_control import SandboxControl
from desktop_app.app import AppContext, build_app
from desktop_app.settings.credentials import SessionCredentialStore
from desktop_app.ui import messages
from desktop_app.ui.main_window import PRESENTER_FONT_SCALE
from tests.ui.widget_walker import Shown, shown_texts

pytestmark = pytest.mark.app(shown=True)  # ``ctx``: what is shown is what a viewer sees

#: Numbers the session uses: plain v1 starts, a v2 workflow, a refusal, "already running".
PLAIN = ("447700900123", "447700900234", "447700900345")
V2_NUMBER = "447700900456"
BLOCKED = "447700900007"  # status 7 in the test-number catalogue
#: Digits with at most one separator between them read as one run of a number.
_RUN = re.compile(r"\d(?:[ \-.()\u00a0]?\d)*")


def _windows(number: str) -> set[str]:
    """Every five digits in a row of ``number``: any of them shows more than the last four."""
    return {number[i:i + 5] for i in range(len(number) - 4)}


def number_leaks(shown: Iterable[Shown], numbers: Iterable[str]) -> list[str]:
    """Texts showing more than the last four digits of one of ``numbers``."""
    windows = {n: _windows(n) for n in numbers}
    leaks = []
    for item in shown:
        for run in _RUN.findall(item.text):
            digits = re.sub(r"\D", "", run)
            leaks += [f"{item} shows {n}" for n, parts in windows.items()
                      if any(part in digits for part in parts)]  # fmt: skip
    return leaks


@pytest.fixture(autouse=True)
def _no_dialogs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(messages, "confirm", lambda *_args: True)  # test ranges: send anyway
    monkeypatch.setattr(messages, "show_error", lambda *_args: None)


def _settle(qtbot: Any, ctx: AppContext) -> None:
    runners = ctx.runners
    assert runners is not None
    for _ in range(2):
        qtbot.waitUntil(lambda: all(r.active_count() == 0 for r in runners.all()), timeout=10_000)
        qtbot.wait(20)


def _send(qtbot: Any, ctx: AppContext, number: str, *, v2: bool = False) -> None:
    form = ctx.window.send_form
    ctx.window.page_actions[0].trigger()
    form.v2.set_api("v2" if v2 else "v1")
    if v2:
        form.v2.builder.clear()
        form.v2.builder.add_channel("sms")
        form.v2.builder.add_channel("voice")
    form.number_edit.setText(f"+{number}")
    form.brand_edit.setText("Acme")
    form.send_button.click()
    _settle(qtbot, ctx)


def _session(qtbot: Any, ctx: AppContext) -> list[str]:
    """Use every number once or more; the ids of the requests the history shows."""
    for number in PLAIN:
        _send(qtbot, ctx, number)
    _send(qtbot, ctx, PLAIN[0])  # already running: the status-10 panel names the live request
    assert ctx.window.concurrent_panel.isVisibleTo(ctx.window)
    _send(qtbot, ctx, BLOCKED)
    assert _rows(ctx)[0].status == "REFUSED"
    _send(qtbot, ctx, V2_NUMBER, v2=True)
    control = SandboxControl(ctx.http, ctx.sandbox.url)
    code = control.messages(PLAIN[1])[-1].code
    ctx.window.open_check(next(e.request_id for e in _rows(ctx) if e.number == PLAIN[1]))
    ctx.window.check_form.code_edit.setText(code)
    ctx.window.check_form.check_button.click()
    _settle(qtbot, ctx)
    qtbot.waitUntil(lambda: ctx.window.handset_panel.messages_tree.topLevelItemCount() >= 4,
                    timeout=5000)  # fmt: skip
    return [e.request_id for e in _rows(ctx) if e.request_id]


def _rows(ctx: AppContext) -> list[Any]:
    model = ctx.window.recent.model
    return [model.entry_at(row) for row in range(model.rowCount())]


def _walk_everything(qtbot: Any, ctx: AppContext) -> list[Shown]:
    """Every text shown on both pages and with each request selected in turn."""
    window, shown = ctx.window, []
    window.recent.table.setFocus()  # the presenter has clicked away from the number field
    for page in (0, 1):
        window.tabs.setCurrentIndex(page)
        shown += shown_texts()
    for entry in _rows(ctx):
        if entry.request_id:
            window.recent.show_request(entry.request_id)
        else:
            window.recent.table.selectRow(_rows(ctx).index(entry))
        _settle(qtbot, ctx)
        shown += shown_texts()
    return shown


def test_presenter_mode_shows_no_more_than_the_last_four_digits(
    qtbot: Any, ctx: AppContext
) -> None:
    _session(qtbot, ctx)
    numbers = (*PLAIN, V2_NUMBER, BLOCKED)
    before = number_leaks(_walk_everything(qtbot, ctx), numbers)
    assert before, "without presenter mode the numbers are shown in full"
    ctx.window.presenter_action.trigger()  # View > Presenter mode
    assert ctx.window.presenter_mode
    leaks = number_leaks(_walk_everything(qtbot, ctx), numbers)
    assert leaks == []
    # The handset's codes stay readable: it is a sandbox.
    tree = ctx.window.handset_panel.messages_tree
    codes = {tree.topLevelItem(i).text(3) for i in range(tree.topLevelItemCount())}
    assert all(code.isdigit() and len(code) >= 4 for code in codes)


def test_presenter_mode_masks_ids_but_copy_copies_the_real_one(
    qtbot: Any, ctx: AppContext
) -> None:
    _send(qtbot, ctx, PLAIN[0])
    ctx.window.set_presenter_mode(True)
    rid = _rows(ctx)[0].request_id
    recent = ctx.window.recent
    recent.show_request(rid)
    _settle(qtbot, ctx)
    assert rid not in " ".join(s.text for s in shown_texts())
    assert rid[:4] in recent.details.title_label.text()
    assert rid[-4:] in recent.details.title_label.text()
    recent.copy_action.trigger()
    assert QGuiApplication.clipboard().text() == rid
    assert recent.message_label.text().startswith("Copied the request id ")
    assert rid not in recent.message_label.text()


def test_presenter_mode_is_remembered_and_makes_the_type_larger(
    qtbot: Any, ctx: AppContext, app_home: Path
) -> None:
    window = ctx.window
    normal = window.font().pointSizeF()
    window.presenter_action.trigger()
    assert window.font().pointSizeF() == pytest.approx(normal * PRESENTER_FONT_SCALE)
    assert window.send_form.font().pointSizeF() == window.font().pointSizeF()
    ctx.save_state()
    assert ctx.preferences_store.load().presenter_mode is True
    again = build_app(home=app_home, credentials=SessionCredentialStore(), poll_ms=200)
    qtbot.addWidget(again.window)
    try:
        assert again.window.presenter_mode and again.window.presenter_action.isChecked()
        assert again.window.font().pointSizeF() == pytest.approx(normal * PRESENTER_FONT_SCALE)
    finally:
        assert again.shutdown(5000)
    window.presenter_action.trigger()  # off again: the application's type
    assert window.font().pointSizeF() == pytest.approx(normal)
    assert window.presenter_action.shortcut().toString() == "Ctrl+Shift+P"
