"""The window's Messages service: typed tasks, delivery signals from the receivers, routes."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from desktop_app.domain import errors as e
from desktop_app.domain.message_code_form import CodeForm
from desktop_app.domain.messages import SMS, MessageRequest, Text
from desktop_app.domain.messages_status import MessageStatus
from desktop_app.domain.models import VerificationStatus
from desktop_app.services.messages import MessagesService, ReceiverState
from desktop_app.services.tasks import TaskRunner
from desktop_app.services.verification import VerificationService
from desktop_app.settings.credentials import SIGNATURE_SECRET
from desktop_app.store.history import HistoryStore
from desktop_app.usecases.messages import MessageSent
from tests.helpers.messages_fakes import post_webhook, status_body
from tests.helpers.messages_service import MessagesEnv
from tests.helpers.tasks import settle

TO = "447700900123"
SECRET = "live-signature-secret-42"


def test_send_is_a_typed_task_announcing_sent_and_history(
    messages_env: MessagesEnv, qtbot: Any
) -> None:
    request = MessageRequest(SMS, TO, "Acme", Text("Hello"))
    with (
        qtbot.waitSignal(messages_env.service.history_changed),
        qtbot.waitSignal(messages_env.service.sent) as sent,
    ):
        outcome = settle(qtbot, messages_env.service.send(request))
    assert isinstance(outcome.value, MessageSent) and sent.args == [outcome.value]
    assert messages_env.store.get(outcome.value.history_id).delivery_tracked is False


def test_a_code_round_trip_through_the_service(messages_env: MessagesEnv, qtbot: Any) -> None:
    form = CodeForm(channel="viber", to=TO, from_="AcmeViber", brand="Acme")
    sent = settle(qtbot, messages_env.service.send_code(form)).value
    assert sent is not None
    code = messages_env.api.code()
    wrong = settle(qtbot, messages_env.service.check_code(sent.message_uuid, code[::-1] + "0"))
    assert isinstance(wrong.error, e.WrongCodeError)
    right = settle(qtbot, messages_env.service.check_code(sent.message_uuid, code)).value
    assert right is not None and right.request_id == sent.message_uuid
    assert messages_env.store.get(sent.history_id).status is VerificationStatus.SUCCESS


def test_without_a_profile_every_task_fails_plainly(
    make_runner: Callable[..., TaskRunner], tmp_path: Path, qtbot: Any
) -> None:
    runner = make_runner()
    store = HistoryStore(tmp_path / "h.sqlite3")
    try:
        service = MessagesService(runner, VerificationService(runner), store)
        request = MessageRequest(SMS, TO, "Acme", Text("Hello"))
        starts = (lambda: service.send(request), lambda: service.timeline("x"),
                  service.start_receiver)  # fmt: skip
        for start in starts:
            assert isinstance(settle(qtbot, start()).error, e.NoActiveDesk)
    finally:
        store.close()


def test_the_live_receiver_tracks_messages_and_signals_deliveries(
    messages_env: MessagesEnv, qtbot: Any
) -> None:
    missing = settle(qtbot, messages_env.service.start_receiver(port=0))
    assert isinstance(missing.error, e.ValidationFailed)  # no signature secret stored yet
    plain = settle(
        qtbot, messages_env.service.start_receiver(port=0, public_url="http://tunnel.example")
    )
    assert isinstance(plain.error, e.ValidationFailed)
    assert plain.error.errors[0].field == "public_url"
    messages_env.secrets.set_item("live", SIGNATURE_SECRET, SECRET)
    with qtbot.waitSignal(messages_env.service.receiver_changed) as changed:
        state = settle(qtbot, messages_env.service.start_receiver(
            port=0, public_url="https://tunnel.example/webhooks/status")).value  # fmt: skip
    assert isinstance(state, ReceiverState) and state.running and changed.args == [state]
    assert state.status_url is not None and state.status_url.startswith("http://127.0.0.1:")
    sent = settle(
        qtbot, messages_env.service.send(MessageRequest(SMS, TO, "Acme", Text("Hi")))
    ).value
    assert sent is not None and sent.tracked
    assert messages_env.api.bodies[-1]["webhook_url"] == "https://tunnel.example/webhooks/status"
    body = status_body(sent.message_uuid, MessageStatus.DELIVERED)
    with qtbot.waitSignal(messages_env.service.delivery_changed) as delivered:
        assert post_webhook(state.status_url, body, secret=SECRET).status_code == 200
    assert delivered.args == [sent.message_uuid]
    timeline = settle(qtbot, messages_env.service.timeline(sent.message_uuid)).value
    assert timeline is not None and [ev.status for ev in timeline] == [MessageStatus.DELIVERED]
    with qtbot.waitSignal(messages_env.service.receiver_changed) as stopped:
        settle(qtbot, messages_env.service.stop_receiver())
    assert stopped.args == [ReceiverState()]
    untracked = settle(
        qtbot, messages_env.service.send(MessageRequest(SMS, TO, "Acme", Text("2")))
    ).value
    assert untracked is not None and not untracked.tracked


@pytest.mark.expect_warnings(match=r"webhook refused \(401\)")
def test_the_sandbox_receiver_tracks_the_sandbox_profile(
    messages_env: MessagesEnv, qtbot: Any
) -> None:
    route = messages_env.service.route_for(True)
    assert not route().tracked
    url = messages_env.service.start_sandbox_receiver("session-secret")
    assert messages_env.service.start_sandbox_receiver("session-secret") == url
    assert route().tracked and route().webhook_url is None
    body = status_body("aaaaaaaa-bbbb-cccc-dddd-000000000000", MessageStatus.DELIVERED)
    assert post_webhook(url, body, secret="session-secret").status_code == 200
    assert post_webhook(url, body, secret="another").status_code == 401
    messages_env.service.shutdown()
    assert not route().tracked
