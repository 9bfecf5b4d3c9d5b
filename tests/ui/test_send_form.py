"""SendForm against the real services and a real sandbox server on an ephemeral port."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt

from desktop_app.domain.validation import field_error
from desktop_app.ui import messages
from desktop_app.ui.concurrent_panel import CANCEL_TOOLTIP, ConcurrentPanel
from desktop_app.ui.send_form import SendForm
from desktop_app.ui.validators import TIMES
from tests.helpers.live_stack import Stack

MOBILE = "+44 7400 123456"


@pytest.fixture
def form(qtbot: Any, stack: Stack) -> SendForm:
    panel = ConcurrentPanel(stack.verification, stack.history, clock=stack.server.clock.now)
    widget = SendForm(stack.verification, panel)
    qtbot.addWidget(widget)
    widget.set_region("GB")
    return widget


def _send(qtbot: Any, form: SendForm) -> Any:
    with qtbot.waitSignal(form.sent, timeout=5000) as blocker:
        form.send_button.click()
    return blocker.args[0]


def test_as_you_type_formats_and_shows_validity(qtbot: Any, form: SendForm) -> None:
    qtbot.keyClicks(form.number_edit, "07400123456")
    assert form.number_edit.text() == "07400 123456"
    assert form.number_info.text().startswith("✓ valid mobile number (GB)")
    assert not form.errors["number"].isVisible()


def test_landline_offers_voice_workflow(qtbot: Any, form: SendForm) -> None:
    form.show()
    form.number_edit.setText("+44 20 7946 0000")
    assert form.landline_hint.isVisible()
    form.voice_button.click()
    assert form.advanced_toggle.isChecked() and form.advanced.isVisible()
    assert form.advanced.workflow_combo.currentData() == "3"


def test_timing_hint_explains_the_multiple_rule(form: SendForm) -> None:
    assert f"300 = 1 {TIMES} 300" in form.advanced.timing_hint.text()
    form.advanced.pin_expiry_edit.setText("600")
    form.advanced.next_wait_edit.setText("120")
    assert f"600 = 5 {TIMES} 120" in form.advanced.timing_hint.text()


BAD_VALUES = [
    ("number", "number_edit", "12", {"country": "GB"}),
    ("number", "number_edit", "+44 74OO", {"country": "GB"}),
    ("brand", "brand_edit", "", {}),
    ("brand", "brand_edit", "A brand far too long", {}),
    ("sender_id", "sender_edit", "NOT VALID!", {}),
    ("sender_id", "sender_edit", "ABCDEFGHIJKL", {}),
    ("pin_code", "pin_code_edit", "12", {"code_length": ""}),
    ("pin_expiry", "pin_expiry_edit", "30", {"next_event_wait": ""}),
    ("pin_expiry", "pin_expiry_edit", "301", {"next_event_wait": ""}),
    ("next_event_wait", "next_wait_edit", "1000", {}),
]


@pytest.mark.parametrize(("field", "attr", "bad", "context"), BAD_VALUES)
def test_each_rule_shows_inline_and_blocks_send(
    qtbot: Any, form: SendForm, stack: Stack, field: str, attr: str, bad: str,
    context: dict[str, str],
) -> None:
    form.number_edit.setText(MOBILE)
    form.brand_edit.setText("Acme")
    (getattr(form, attr, None) or getattr(form.advanced, attr)).setText(bad)
    expected = field_error(field, bad, **context)
    assert expected is not None
    label = form.errors[field]
    assert label.error == expected
    assert expected.message in label.text()
    before = stack.control.requests()
    form.send_button.click()
    assert "nothing was sent" in form.result_label.text()
    assert stack.control.requests() == before


def test_pin_code_must_match_code_length(form: SendForm) -> None:
    form.advanced.code_length_combo.setCurrentIndex(form.advanced.code_length_combo.findData("6"))
    form.advanced.pin_code_edit.setText("1234")
    assert "match code_length" in form.errors["pin_code"].text()


@pytest.mark.parametrize(("field", "attr", "bad"), [("payee", "payee_edit", ""),
                                                     ("amount", "amount_edit", "12,50"),
                                                     ("amount", "amount_edit", "0")])
def test_psd2_rules_show_inline(qtbot: Any, form: SendForm, stack: Stack, field: str,
                                attr: str, bad: str) -> None:
    form.psd2_check.setChecked(True)
    form.number_edit.setText(MOBILE)
    form.payee_edit.setText("Shop")
    form.amount_edit.setText("10")
    getattr(form, attr).setText(bad)
    form.send_button.click()
    message = field_error(field, bad)
    assert message is not None and message.message in form.errors[field].text()
    assert stack.control.requests() == []


def test_psd2_uses_its_own_languages(form: SendForm) -> None:
    form.psd2_check.setChecked(True)
    assert form.advanced.language_combo.findData("ga-ie") >= 0
    assert form.advanced.language_combo.findData("en-us") < 0


def test_send_reaches_the_sandbox(qtbot: Any, form: SendForm, stack: Stack) -> None:
    form.number_edit.setText(MOBILE)
    form.brand_edit.setText("Acme")
    started = _send(qtbot, form)
    assert started.number == "447400123456"
    assert [r["request_id"] for r in stack.control.requests()] == [started.request_id]
    assert form.send_button.isEnabled()


@pytest.mark.parametrize("field", ["number_edit", "brand_edit", "sender_edit"])
def test_enter_in_a_field_sends(qtbot: Any, form: SendForm, stack: Stack, field: str) -> None:
    form.number_edit.setText(MOBILE)
    form.brand_edit.setText("Acme")
    edit = getattr(form, field, None) or getattr(form.advanced, field)
    with qtbot.waitSignal(form.sent, timeout=5000) as blocker:
        qtbot.keyClick(edit, Qt.Key.Key_Return)
    assert [r["request_id"] for r in stack.control.requests()] == [blocker.args[0].request_id]


def test_enter_with_a_field_wrong_sends_nothing(qtbot: Any, form: SendForm, stack: Stack) -> None:
    form.number_edit.setText(MOBILE)
    qtbot.keyClick(form.brand_edit, Qt.Key.Key_Return)
    assert form.result_label.text() == messages.fix_fields(["brand"])
    assert stack.control.requests() == []


def test_unknown_range_asks_before_sending(qtbot: Any, form: SendForm, stack: Stack,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[str] = []
    monkeypatch.setattr(messages, "confirm", lambda _p, _t, text: asked.append(text) or False)
    form.number_edit.setText("+44 7700 900123")  # possible, outside the known ranges
    form.brand_edit.setText("Acme")
    assert form.errors["number"].error is not None and form.errors["number"].error.overridable
    form.send_button.click()
    assert asked and stack.control.requests() == []
    monkeypatch.setattr(messages, "confirm", lambda *_args: True)
    started = _send(qtbot, form)
    assert started.number == "447700900123"


@pytest.mark.slow
def test_status_10_shows_the_panel_and_cancel_waits_30_s(qtbot: Any, form: SendForm,
                                                         stack: Stack) -> None:
    form.number_edit.setText(MOBILE)
    form.brand_edit.setText("Acme")
    first = _send(qtbot, form)
    panel = form.concurrent_panel
    form.send_button.click()
    qtbot.waitUntil(lambda: panel.isVisibleTo(form) and panel.request_id == first.request_id)
    qtbot.waitUntil(lambda: "ago" in panel.timing_label.text())
    # Disabled, and the tooltip says why and for how long (the shared rule's words).
    assert not panel.cancel_button.isEnabled()
    assert panel.cancel_button.toolTip().startswith(
        "Not now: Cancel is accepted from 30 s after the start (in ")
    stack.control.advance_clock(31)
    qtbot.waitUntil(panel.cancel_button.isEnabled, timeout=3000)
    assert panel.cancel_button.toolTip() == CANCEL_TOOLTIP
    with qtbot.waitSignal(panel.check_requested) as blocker:
        panel.check_button.click()
    assert blocker.args == [first.request_id]
    panel.cancel_button.click()
    qtbot.waitUntil(lambda: "Cancelled" in panel.timing_label.text())
    assert [r["status"] for r in stack.control.requests()] == ["CANCELLED"]


def test_refusal_opens_advanced_options_on_a_hidden_problem(qtbot: Any, form: SendForm,
                                                            stack: Stack) -> None:
    form.number_edit.setText(MOBILE)
    form.brand_edit.setText("Acme")
    form.advanced.pin_expiry_edit.setText("301")
    assert not form.advanced.isVisibleTo(form)
    form.send_button.click()
    assert form.advanced.isVisibleTo(form)
    assert "(pin expiry)" in form.result_label.text()
    assert stack.control.requests() == []


def test_country_picker_lists_the_domain_choices_in_order() -> None:
    from desktop_app.domain.phone import country_choices
    from desktop_app.ui.send_form import _country_choices

    assert list(_country_choices()) == country_choices()


# -- truthful state (issue 9): the line under Send and the panel follow the form -----------

def test_the_already_running_panel_goes_when_the_number_changes(
    qtbot: Any, form: SendForm
) -> None:
    form.number_edit.setText(MOBILE)
    form.brand_edit.setText("Acme")
    _send(qtbot, form)
    form.send_button.click()
    panel = form.concurrent_panel
    qtbot.waitUntil(lambda: panel.isVisibleTo(form), timeout=5000)
    form.brand_edit.setText("Other brand")  # not about the number: the panel stays
    assert panel.isVisibleTo(form)
    form.number_edit.setText("+44 7400 654321")
    assert not panel.isVisibleTo(form) and panel.request_id == ""


def test_fix_the_fields_goes_once_a_field_is_edited(form: SendForm) -> None:
    form.number_edit.setText(MOBILE)
    form.brand_edit.setText("")
    form.send_button.click()
    assert form.result_label.text().startswith("Fix the fields marked in red (brand)")
    form.brand_edit.setText("Acme")
    assert form.result_label.text() == "" and not form.result_label.isVisibleTo(form)


def test_code_sent_goes_when_the_form_is_filled_again(qtbot: Any, form: SendForm) -> None:
    form.number_edit.setText(MOBILE)
    form.brand_edit.setText("Acme")
    started = _send(qtbot, form)
    assert form.result_label.text().startswith(f"Code sent. Request {started.request_id}.")
    form.number_edit.setText("+44 7400 654321")
    assert form.result_label.text() == ""


def test_sending_is_not_withdrawn_while_the_answer_is_awaited(qtbot: Any, form: SendForm) -> None:
    form.number_edit.setText(MOBILE)
    form.brand_edit.setText("Acme")
    form.send_button.click()
    assert form.result_label.text() == "Sending…"
    form.brand_edit.setText("Acme 2")  # typing on while it is sent: the answer still comes
    qtbot.waitUntil(lambda: form.result_label.text().startswith("Code sent"), timeout=5000)
