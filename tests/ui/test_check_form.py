"""CheckForm against the real services and a real sandbox server on an ephemeral port."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt

from desktop_app.domain.models import VerificationStatus
from desktop_app.domain.validation import StartForm, field_error
from desktop_app.ui.check_form import CheckForm
from tests.helpers.live_stack import Stack
from tests.helpers.tasks import settle

NUMBER = "447400123456"


@pytest.fixture
def form(qtbot: Any, stack: Stack) -> CheckForm:
    widget = CheckForm(stack.verification, stack.history)
    qtbot.addWidget(widget)
    return widget


def _start(qtbot: Any, stack: Stack, number: str = NUMBER) -> str:
    started = settle(qtbot, stack.verification.send(StartForm(number=f"+{number}", brand="Acme")))
    assert started.value is not None, started.error
    return started.value.request_id


def _check(qtbot: Any, form: CheckForm, code: str) -> str:
    form.code_edit.setText(code)
    with qtbot.waitSignal(form.checked, timeout=5000):
        form.check_button.click()
    assert form.code_edit.text() == ""  # never kept after a result
    return form.result_label.text()


def test_lists_running_requests(qtbot: Any, form: CheckForm, stack: Stack) -> None:
    rid = _start(qtbot, stack)
    form.reload()
    qtbot.waitUntil(lambda: form.request_combo.findData(rid) >= 0)
    text = form.request_combo.itemText(form.request_combo.findData(rid))
    assert "+44 7400 123456" in text and "Acme" in text and "ago" in text
    assert form.request_combo.isEditable()
    assert form.request_combo.completer().filterMode() == form.request_combo.completer(
    ).filterMode().MatchContains


def test_right_code_verifies(qtbot: Any, form: CheckForm, stack: Stack) -> None:
    rid = _start(qtbot, stack)
    form.open_request(rid)
    assert form.request_id() == rid
    assert form.attempts_label.text() == "3 attempts left for the current code"
    code = stack.control.messages(NUMBER)[-1].code
    assert _check(qtbot, form, code) == "Verified ✓"
    qtbot.waitUntil(lambda: stack.store.find(rid).status is VerificationStatus.SUCCESS)
    # Finished: no attempts count any more, and the picker keeps a readable label for it.
    assert form.attempts_label.text() == ""
    qtbot.waitUntil(lambda: form.request_combo.currentText().endswith("· verified"))
    assert form.request_id() == rid
    assert "Acme" in form.request_combo.currentText()
    # Enter in the code box of a request that takes no more codes sends nothing; it says why.
    def checks() -> object:
        return next(r["checks"] for r in stack.control.requests() if r["request_id"] == rid)

    before = checks()
    form.code_edit.setText(code)
    qtbot.keyClick(form.code_edit, Qt.Key.Key_Return)
    assert form.result_label.text().startswith("Not now: This request has ended")
    assert not form.check_button.isEnabled()
    assert checks() == before == 1


def test_wrong_codes_count_down_then_terminate(qtbot: Any, form: CheckForm,
                                              stack: Stack) -> None:
    rid = _start(qtbot, stack)
    form.open_request(rid)
    real = stack.control.messages(NUMBER)[-1].code
    wrong = "0000" if real != "0000" else "1111"
    assert _check(qtbot, form, wrong) == "Wrong code — 2 attempts left"
    assert form.attempts_label.text() == "2 attempts left for the current code"
    assert _check(qtbot, form, wrong) == "Wrong code — 1 attempt left"
    assert _check(qtbot, form, wrong) == (
        "Too many wrong codes: this request has ended. Send a new code to try again."
    )
    qtbot.waitUntil(lambda: stack.store.find(rid).status is VerificationStatus.FAILED)


def test_bad_code_is_refused_inline(qtbot: Any, form: CheckForm, stack: Stack) -> None:
    rid = _start(qtbot, stack)
    form.open_request(rid)
    form.code_edit.setText("12")
    form.check_button.click()
    expected = field_error("code", "12")
    assert expected is not None and expected.message in form.code_error.text()
    assert stack.store.find(rid).checks_count == 0


def test_code_box_accepts_letters_and_digits_only(form: CheckForm) -> None:
    validator = form.code_edit.validator()
    assert validator.validate("ab12", 4)[0] == validator.State.Acceptable
    assert validator.validate("12-3", 4)[0] == validator.State.Invalid
    assert form.code_edit.font().fixedPitch() or form.code_edit.font().styleHint()


def test_switching_profile_forgets_the_shown_request(qtbot: Any, form: CheckForm,
                                                     stack: Stack) -> None:
    form.set_profile("Sandbox")
    rid = _start(qtbot, stack)
    form.open_request(rid)
    form.result_label.setText("Wrong code — 2 attempts left")
    form.set_profile("Live")
    assert form.request_id() == "" and form.result_label.text() == ""
    assert form.request_combo.findData(rid) < 0
