"""Acceptance (issue 10, items 2 and 7): every Messages rule shows at its field on the Message
page as it is typed, and nothing reaches the sandbox while one fails; an API 422's reasons show
at their fields too."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import QObject, Signal

from desktop_app.api.sandbox_control import SandboxControl
from desktop_app.app import AppContext
from desktop_app.domain.errors import FieldError, InvalidParameterError, ValidationFailed
from desktop_app.domain.messages import IMAGE, MESSENGER, MMS, SMS, TEXT, VIBER, WHATSAPP
from desktop_app.services.messages import ReceiverState
from desktop_app.ui.message_page import CODE_MODE, MessagePage
from tests.helpers.fakes import FakeTask
from tests.helpers.message_window import fill, whatsapp_with_sms_failover

#: (channel, type, fields typed, the field path whose rule fails, words of its message)
RULES: tuple[tuple[str, str, dict[str, str], str, str], ...] = (
    (SMS, TEXT, {"text": "x" * 1001}, "text", "at most 1000"),
    (WHATSAPP, TEXT, {"text": "x" * 4097}, "text", "at most 4096"),
    (VIBER, TEXT, {"text": "x" * 1001}, "text", "at most 1000"),
    (MESSENGER, TEXT, {"text": "x" * 641}, "text", "at most 640"),
    (SMS, TEXT, {"to": "07700 900401"}, "to", "international format"),
    (WHATSAPP, TEXT, {"to": "+44 7700 9004O1"}, "to", "international format"),
    (MMS, IMAGE, {"to": "447700900401"}, "to", "Canada"),
    (MMS, IMAGE, {"to": "12025550123", "media.url": "http://example.com/a.png"},
     "media.url", "https://"),
    (MESSENGER, TEXT, {"to": "x" * 51}, "to", "50"),
    (MESSENGER, TEXT, {"messenger.tag": "", "text": "Hi"}, "messenger.tag", "message_tag"),
    (VIBER, TEXT, {"viber_service.ttl": "10"}, "viber_service.ttl", "30"),
    (VIBER, TEXT, {"viber_service.action.text": "y" * 31}, "viber_service.action.text", "30"),
    (SMS, TEXT, {"client_ref": "r" * 101}, "client_ref", "100"),
)  # fmt: skip


def shown_error(page: MessagePage, path: str) -> str:
    label = page.composer.rows[path].error
    return label.text() if not label.isHidden() else ""


def sandbox_messages(app: AppContext) -> int:
    listing = SandboxControl(app.http, app.sandbox.url).requests()
    return sum(1 for item in listing if item.get("api_version") == "messages")


@pytest.mark.parametrize(("channel", "kind", "typed", "path", "words"), RULES,
                         ids=[f"{r[0]}-{r[3]}" for r in RULES])  # fmt: skip
def test_each_rule_shows_at_its_field_and_nothing_is_sent(
    message_app: AppContext, qtbot: Any, channel: str, kind: str,
    typed: dict[str, str], path: str, words: str,
) -> None:  # fmt: skip
    page: MessagePage = message_app.window.message_page
    before = sandbox_messages(message_app)
    page.composer.set_channel(channel, kind)
    if path == "messenger.tag":  # the tag is required by the category chosen
        combo = page.composer.category_combo
        combo.setCurrentIndex(combo.findData("message_tag"))
    valid = {"to": "12025550123" if channel == MMS else "447700900401",
             "from": "12025550100" if channel == MMS else "447700900001", "text": "Hello",
             "media.url": "https://example.com/a.png"}  # fmt: skip
    fill(page, {p: v for p, v in valid.items() if p in page.composer.visible_paths()})
    fill(page, typed)
    assert words in shown_error(page, path)  # as typed, before any Send
    with qtbot.assertNotEmitted(page.sent, wait=300):
        page.send_button.click()
    assert page.result_label.text().startswith("Fix the fields")
    assert words in shown_error(page, path)
    assert sandbox_messages(message_app) == before


def test_a_failover_rule_shows_at_the_failover_field(message_app: AppContext, qtbot: Any) -> None:
    page: MessagePage = message_app.window.message_page
    whatsapp_with_sms_failover(page, {
        "to": "447700900401", "from": "447700900001", "text": "Hi",
        "failover[0].from": "Acme", "failover[0].text": "z" * 1001,
    })  # fmt: skip
    assert "at most 1000" in shown_error(page, "failover[0].text")
    with qtbot.assertNotEmitted(page.sent, wait=300):
        page.send_button.click()
    assert "at most 1000" in shown_error(page, "failover[0].text")


def test_code_form_rules_show_at_their_fields(message_app: AppContext, qtbot: Any) -> None:
    page: MessagePage = message_app.window.message_page
    page.set_mode(CODE_MODE)
    panel = page.code_panel
    before = sandbox_messages(message_app)
    panel.edits["to"].setText("447700900401")
    panel.edits["from_"].setText("447700900001")
    panel.edits["code_length"].setText("3")
    panel.edits["template"].setText("no placeholder here")
    assert not panel.errors["code_length"].isHidden()
    assert "{code}" in panel.errors["template"].text()
    assert panel.errors["brand"].isHidden()  # not edited yet: no verdict
    with qtbot.assertNotEmitted(page.sent, wait=300):
        page.send_button.click()
    assert not panel.errors["brand"].isHidden()  # Send shows every problem
    assert sandbox_messages(message_app) == before


class _RefusingService(QObject):
    """A Messages service whose sends the API refuses with a 422 (no live receiver)."""

    receiver_changed = Signal(object)
    receiver_state = ReceiverState()

    def __init__(self) -> None:
        super().__init__()
        self.task = FakeTask("send")

    def send(self, _request: Any) -> FakeTask:
        return self.task

    def send_code(self, _form: Any) -> FakeTask:
        return self.task


def test_an_api_422_reason_shows_at_its_field(qtbot: Any) -> None:
    service = _RefusingService()
    page = MessagePage(service)  # type: ignore[arg-type]
    qtbot.addWidget(page)
    page.composer.set_channel(MESSENGER, TEXT)
    fill(page, {"to": "1234567890", "from": "9876543210", "text": "Hello"})
    page.send_button.click()
    service.task.fail(InvalidParameterError(
        http_status=422, title="Invalid params",
        invalid_parameters=(("messenger.tag", "The tag is not allowed for this page"),
                            ("failover[3].text", "Something only the API knows"))))  # fmt: skip
    assert "not allowed for this page" in shown_error(page, "messenger.tag")
    assert "failover[3].text" in page.composer.other_errors.text()
    assert page.result_label.text().startswith("The API refused some of the values")
    assert "Invalid params" in page.result_label.details()


def test_a_code_message_refused_by_the_desk_shows_at_the_code_forms_fields(qtbot: Any) -> None:
    service = _RefusingService()
    page = MessagePage(service)  # type: ignore[arg-type]
    qtbot.addWidget(page)
    page.set_mode(CODE_MODE)
    panel = page.code_panel
    panel.set_channel(MESSENGER)
    panel.edits["to"].setText("1234567890")
    panel.edits["from_"].setText("9876543210")
    panel.edits["brand"].setText("Acme")
    page.send_button.click()
    # The template fits the form's limit, the message made from it not the channel's.
    service.task.fail(ValidationFailed([FieldError("text", "at most 640 characters on messenger")]))
    assert "640" in panel.errors["template"].text() and not panel.errors["template"].isHidden()
