"""Acceptance (issue 10, item 7): the Message page on the built-in sandbox, end to end.

Each test builds the whole app on the Sandbox profile (its own sandbox, the app's signed status
receiver), sends from the Message page as a person would, moves the sandbox's clock with its
control API instead of waiting, and waits on conditions for what the window then shows: the
row in Recent requests, the status timeline in the details pane and the handset's conversation.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QLineEdit, QPlainTextEdit

from desktop_app.app import AppContext, build_app
from desktop_app.domain.messages import SMS, TEMPLATE, TEXT, WHATSAPP
from desktop_app.settings.credentials import SessionCredentialStore
from desktop_app.ui.history_columns import STATUS, column_index
from desktop_app.ui.message_page import MessagePage
from tests.helpers.tasks import settle

CUSTOMER = "447700900401"
OUTSIDE_WINDOW = "447700900340"  # the catalogue's number that never wrote in
BUSINESS = "447700900001"


@pytest.fixture
def ctx(qtbot: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[AppContext]:
    monkeypatch.setenv("VERIFY_DESK_HOME", str(tmp_path))
    context = build_app(home=tmp_path, credentials=SessionCredentialStore(), poll_ms=200)
    qtbot.addWidget(context.window)
    assert context.session is not None
    with qtbot.waitSignal(context.session.profile_changed, timeout=5000):
        context.activate()
    context.window.tabs.setCurrentWidget(context.window.message_page)
    yield context
    assert context.shutdown(5000)


def fill(page: MessagePage, values: dict[str, str]) -> None:
    """Type each value into the composer's field of that path."""
    for path, value in values.items():
        widget = page.composer.field(path)
        if isinstance(widget, QPlainTextEdit):
            widget.setPlainText(value)
        else:
            assert isinstance(widget, QLineEdit)
            widget.setText(value)


def send(qtbot: Any, page: MessagePage) -> Any:
    """Press Send and wait for the API's acceptance; the ``MessageSent``."""
    with qtbot.waitSignal(page.sent, timeout=10_000) as blocker:
        page.send_button.click()
    return blocker.args[0]


def status_cell(ctx: AppContext, uuid: str) -> str:
    recent = ctx.window.recent
    row = recent.model.row_of(uuid)
    if row is None:
        return ""
    return str(recent.model.index(row, column_index(STATUS)).data())


def advance(ctx: AppContext, qtbot: Any, seconds: float) -> None:
    """Move the sandbox's clock (its control API, on the handset's pool)."""
    assert ctx.handset is not None
    outcome = settle(qtbot, ctx.handset.advance(seconds), timeout=10_000)
    assert outcome.error is None


def test_a_whatsapp_template_is_read_with_its_timeline_and_conversation(
    ctx: AppContext, qtbot: Any
) -> None:
    window = ctx.window
    page: MessagePage = window.message_page
    page.composer.set_channel(WHATSAPP, TEMPLATE)
    assert "text" not in page.composer.visible_paths()  # only what a template needs
    assert {"template.name", "template.parameters"} <= set(page.composer.visible_paths())
    fill(page, {"to": CUSTOMER, "from": BUSINESS, "template.name": "acme:order_ready",
                "template.parameters": "Ann\nA-1042"})  # fmt: skip
    sent = send(qtbot, page)
    assert page.result_label.text().startswith("Message accepted for WhatsApp")
    advance(ctx, qtbot, 5)  # delivered and read are due now
    qtbot.waitUntil(lambda: status_cell(ctx, sent.message_uuid) == "Read", timeout=10_000)
    assert window.recent.selected_entry().request_id == sent.message_uuid
    timeline = window.recent.details.message_timeline
    assert not timeline.isHidden()
    qtbot.waitUntil(lambda: len(timeline.lines) == 3, timeout=10_000)
    assert [line.split(" · ")[:2] for line in timeline.lines] == [
        ["WhatsApp", "Sent"], ["WhatsApp", "Delivered"], ["WhatsApp", "Read"]]
    conversation = window.handset_panel.conversation
    qtbot.waitUntil(lambda: (CUSTOMER, WHATSAPP) in conversation.conversations(),
                    timeout=10_000)  # fmt: skip
    texts = [line.text for line in conversation.lines(CUSTOMER, WHATSAPP)]
    assert texts == ["acme:order_ready Ann A-1042"]


def test_a_text_outside_the_window_fails_over_to_sms_and_shows_both_legs(
    ctx: AppContext, qtbot: Any
) -> None:
    page: MessagePage = ctx.window.message_page
    page.composer.set_channel(WHATSAPP, TEXT)
    page.composer.failover_check.setChecked(True)
    page.composer.failover_combo.setCurrentIndex(page.composer.failover_combo.findData(SMS))
    fill(page, {"to": OUTSIDE_WINDOW, "from": BUSINESS, "text": "Your parcel is on its way",
                "failover[0].from": "AcmeParcel",
                "failover[0].text": "Your parcel is on its way"})  # fmt: skip
    sent = send(qtbot, page)
    advance(ctx, qtbot, 5)
    qtbot.waitUntil(lambda: status_cell(ctx, sent.message_uuid) == "Delivered", timeout=10_000)
    timeline = ctx.window.recent.details.message_timeline
    qtbot.waitUntil(lambda: any("SMS" in line and "Delivered" in line for line in timeline.lines),
                    timeout=10_000)  # fmt: skip
    rejected = [line for line in timeline.lines if "Rejected" in line]
    assert len(rejected) == 1 and rejected[0].startswith("WhatsApp (first try)")
    assert "Outside of the allowed window" in rejected[0] and "24 hours" in rejected[0]
    assert "1340" not in rejected[0]  # the number only under Details
    assert "error 1340" in timeline.details.details()
    assert any(line.startswith("SMS (failover 1) · Delivered") for line in timeline.lines)


def test_a_reply_from_the_handset_opens_the_whatsapp_window(ctx: AppContext, qtbot: Any) -> None:
    window = ctx.window
    page: MessagePage = window.message_page
    page.composer.set_channel(WHATSAPP, TEMPLATE)
    fill(page, {"to": OUTSIDE_WINDOW, "from": BUSINESS, "template.name": "acme:hello"})
    send(qtbot, page)
    advance(ctx, qtbot, 1)
    conversation = window.handset_panel.conversation
    qtbot.waitUntil(lambda: (OUTSIDE_WINDOW, WHATSAPP) in conversation.conversations(),
                    timeout=10_000)  # fmt: skip
    conversation.select(OUTSIDE_WINDOW, WHATSAPP)
    conversation.reply_edit.setText("Yes please, tell me more")
    conversation.reply_button.click()
    qtbot.waitUntil(lambda: "window is open" in conversation.status_label.text(), timeout=10_000)
    assert [(line.outgoing, line.text) for line in conversation.lines(OUTSIDE_WINDOW, WHATSAPP)
            ] == [(True, "acme:hello"), (False, "Yes please, tell me more")]  # fmt: skip
    # The customer wrote in: a free-form WhatsApp text now goes through.
    page.composer.set_channel(WHATSAPP, TEXT)
    fill(page, {"text": "Here is more about your order"})
    sent = send(qtbot, page)
    advance(ctx, qtbot, 5)
    qtbot.waitUntil(lambda: status_cell(ctx, sent.message_uuid) == "Read", timeout=10_000)
    qtbot.waitUntil(lambda: len(conversation.lines(OUTSIDE_WINDOW, WHATSAPP)) == 3,
                    timeout=10_000)  # fmt: skip
