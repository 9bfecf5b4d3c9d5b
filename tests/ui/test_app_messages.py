"""The composition root's Messages wiring: on the Sandbox profile a message's row follows its
delivery through the app's own signed webhook receiver, with no set-up."""

from __future__ import annotations

from typing import Any

from desktop_app.api.sandbox_control import SandboxControl
from desktop_app.app import AppContext
from desktop_app.domain.message_code_form import CodeForm
from desktop_app.domain.messages import WHATSAPP, MessageRequest, Template
from desktop_app.domain.models import VerificationStatus
from tests.helpers.tasks import settle


def test_a_sandbox_message_is_tracked_to_read(ctx: AppContext, qtbot: Any) -> None:
    messages = ctx.messages
    assert messages is not None and ctx.history_store is not None
    request = MessageRequest(WHATSAPP, "447700900401", "447700900001",
                             Template("acme:hello", ("Ann",)))  # fmt: skip
    heard: list[str] = []
    messages.delivery_changed.connect(heard.append)
    sent = settle(qtbot, messages.send(request)).value
    assert sent is not None and sent.tracked
    store = ctx.history_store
    SandboxControl(ctx.http, ctx.sandbox.url).advance_clock(5)  # delivered and read are due now
    qtbot.waitUntil(lambda: store.get(sent.history_id).delivery_status == "read", timeout=10_000)
    assert store.get(sent.history_id).status is VerificationStatus.SUCCESS
    qtbot.waitUntil(lambda: len(heard) >= 2, timeout=10_000)  # delivered and read, at least
    assert set(heard) == {sent.message_uuid}
    timeline = settle(qtbot, messages.timeline(sent.message_uuid)).value
    assert timeline is not None and [ev.status.value for ev in timeline] == [
        "submitted", "delivered", "read",
    ]  # fmt: skip


def test_a_code_by_message_through_the_app(ctx: AppContext, qtbot: Any) -> None:
    messages = ctx.messages
    assert messages is not None
    form = CodeForm(channel="viber", to="447700900402", from_="AcmeViber", brand="Acme")
    sent = settle(qtbot, messages.send_code(form)).value
    assert sent is not None
    control = SandboxControl(ctx.http, ctx.sandbox.url)
    with qtbot.waitSignal(messages.delivery_changed, timeout=10_000):
        control.advance_clock(1)
    text = control.messages("447700900402")[-1].text
    code = "".join(ch for ch in text if ch.isdigit())
    checked = settle(qtbot, messages.check_code(sent.message_uuid, code)).value
    assert checked is not None and checked.request_id == sent.message_uuid
