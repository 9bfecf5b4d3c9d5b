"""Help → Test numbers (issue 12, item 2): the catalogue in the window; a click fills the form.

Through the real app on its built-in sandbox: the dialog lists the domain's one catalogue, a
chosen entry fills the Send page (API, number, v2 channels), and a catalogued number is sent on
the sandbox without the "unknown number range" question (the app's own list put it there), with
the outcome the catalogue promises.
"""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import QModelIndex

from desktop_app.app import AppContext
from desktop_app.domain.test_numbers import API_MESSAGES, API_V2, CATALOGUE, lookup
from desktop_app.ui import messages
from desktop_app.ui.test_numbers_dialog import TestNumbersDialog, TestNumbersModel


def _open(qtbot: Any, ctx: AppContext) -> TestNumbersDialog:
    ctx.window.test_numbers_action.trigger()
    dialog = ctx.window.test_numbers_dialog
    assert dialog is not None
    qtbot.waitUntil(dialog.isVisible, timeout=5000)
    return dialog


def _row_of(dialog: TestNumbersDialog, api: str, number: str) -> int:
    model = dialog.model
    return next(r for r in range(model.rowCount())
                if (model.entry(r).api, model.entry(r).number) == (api, number))  # fmt: skip


def test_the_model_passes_qt_model_checks(qtmodeltester: Any) -> None:
    model = TestNumbersModel(CATALOGUE)
    qtmodeltester.check(model)
    model.set_entries(CATALOGUE[:3])
    qtmodeltester.check(model)
    assert model.rowCount() == 3
    assert model.rowCount(model.index(0, 0)) == 0  # a table: no children


def test_every_catalogue_entry_is_listed_and_the_filter_narrows_by_api(
    qtbot: Any, ctx: AppContext
) -> None:
    dialog = _open(qtbot, ctx)
    assert dialog.model.rowCount() == len(CATALOGUE)
    dialog.api_combo.setCurrentIndex(dialog.api_combo.findData(API_V2))
    shown = [dialog.model.entry(r) for r in range(dialog.model.rowCount())]
    assert shown and all(e.api == API_V2 for e in shown)
    assert len(shown) == sum(e.api == API_V2 for e in CATALOGUE)


def test_a_v1_number_fills_the_form_and_sends_without_asking_on_the_sandbox(
    qtbot: Any, ctx: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[Any] = []
    monkeypatch.setattr(messages, "confirm", lambda *a: asked.append(a) or False)
    dialog = _open(qtbot, ctx)
    dialog.table.selectRow(_row_of(dialog, "v1", "447700900500"))
    assert dialog.use_button.isEnabled(), dialog.use_button.toolTip()
    dialog.use_button.click()
    form = ctx.window.send_form
    assert not dialog.isVisible()  # closed: it would cover the form it filled
    assert not form.v2.active
    assert form.number_edit.text().replace(" ", "") == "+447700900500"
    assert ctx.window.focusWidget() is form.brand_edit  # where the user types next
    # No "unknown range" warning beside it on the sandbox: the outcome it was chosen for.
    assert form.errors["number"].error is None
    assert form.number_info.text() == "Sandbox test number: status 0"
    form.brand_edit.setText("Acme")
    with qtbot.waitSignal(form.sent, timeout=5000) as blocker:
        form.send_button.click()
    assert asked == []  # the catalogued number was not questioned
    assert blocker.args[0].request_id
    assert form.errors["number"].error is None  # nor warned about once it was sent
    assert form.number_info.text() == "Sandbox test number: status 0"


def test_an_ordinary_unknown_range_number_is_still_questioned(
    qtbot: Any, ctx: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[tuple[Any, ...]] = []
    monkeypatch.setattr(messages, "confirm", lambda *a: asked.append(a) or False)
    form = ctx.window.send_form
    form.number_edit.setText("+44 7700 900123")  # drama range, but in no catalogue entry
    assert lookup("v1", "447700900123") is None
    form.brand_edit.setText("Acme")
    form.send_button.click()
    assert form.errors["number"].error is not None  # the inline warning stays for it
    assert len(asked) == 1
    _parent, title, text = asked[0]
    assert title == "Unknown number range"
    assert text.startswith("Not a known number range for GB.")  # a sentence, not a rule
    assert form.result_label.text() == messages.NOT_SENT


def test_a_v2_entry_fills_its_channels(qtbot: Any, ctx: AppContext) -> None:
    dialog = _open(qtbot, ctx)
    entry = next(e for e in CATALOGUE if e.api == API_V2 and len(e.channels) > 1)
    dialog.table.selectRow(_row_of(dialog, API_V2, entry.number))
    dialog.table.activated.emit(dialog.table.currentIndex())
    form = ctx.window.send_form
    assert form.v2.active
    rows = form.v2.builder.entries()
    assert tuple(r.channel for r in rows) == entry.channels
    assert all(r.to.replace(" ", "") == f"+{entry.number}" for r in rows)
    # No range warning on the number or any channel: on the sandbox it is a test number.
    assert form.errors["number"].error is None
    form.v2.builder.recheck()
    shown = [label.error for row in form.v2.builder.rows for label in row.errors.values()]
    assert [e for e in shown if e is not None] == []
    form.send_button.click()  # no brand: refused, and still no range warning on a channel
    shown = [label.error for row in form.v2.builder.rows for label in row.errors.values()]
    assert [e for e in shown if e is not None] == []
    assert form.errors["brand"].error is not None


def test_a_messages_number_fills_the_message_page(qtbot: Any, ctx: AppContext) -> None:
    dialog = _open(qtbot, ctx)
    entry = next(e for e in CATALOGUE if e.api == API_MESSAGES and e.channels == ("whatsapp",))
    dialog.table.selectRow(_row_of(dialog, API_MESSAGES, entry.number))
    assert dialog.use_button.isEnabled(), dialog.use_button.toolTip()
    before = ctx.window.send_form.number_edit.text()
    dialog.table.activated.emit(dialog.table.currentIndex())
    page = ctx.window.message_page
    assert ctx.window.tabs.currentWidget() is page
    assert page.composer.channel == "whatsapp"
    assert page.composer.field("to").text() == entry.number
    assert ctx.window.send_form.number_edit.text() == before  # the Verify form is untouched


def test_presenter_mode_masks_the_listed_numbers(qtbot: Any, ctx: AppContext) -> None:
    dialog = _open(qtbot, ctx)  # opened before presenter mode: it follows the switch
    ctx.window.presenter_action.trigger()
    model = dialog.model
    for row in range(model.rowCount()):
        number = model.entry(row).number
        text = str(model.data(model.index(row, 0))).replace(" ", "")
        if "@" not in number:
            assert number[:-4] not in text and number[-4:] in text, text
    assert model.data(QModelIndex()) is None
