"""HandsetService: polls the sandbox's delivered messages, and stays silent when unavailable."""

from __future__ import annotations

import pytest

from desktop_app.api.sandbox_control import SandboxControl
from desktop_app.domain.errors import SandboxUnavailableError
from desktop_app.domain.models import HandsetMessage
from desktop_app.domain.validation import StartForm
from desktop_app.services.handset import HandsetService
from desktop_app.services.verification import VerificationService
from tests.helpers.desks import build_desk, uk_number
from tests.helpers.tasks import settle


@pytest.mark.slow
def test_messages_arrive_after_a_send(qtbot, make_runner, http, sandbox, history_store) -> None:
    handset = HandsetService(
        make_runner(1, name="handset"), SandboxControl(http, sandbox.url), poll_ms=100
    )
    verification = VerificationService(
        make_runner(name="network"), build_desk(http, sandbox.url, history_store)
    )
    assert handset.available
    handset.start()
    with (
        qtbot.waitSignal(verification.started) as sent,
        qtbot.waitSignal(
            handset.messages_changed, check_params_cb=lambda msgs: len(msgs) == 1, timeout=5000
        ) as changed,
    ):
        verification.send(StartForm(number=f"+{uk_number(400)}", brand="Desk"))
    message = changed.args[0][0]
    assert isinstance(message, HandsetMessage)
    assert message.request_id == sent.args[0].request_id
    assert handset.messages == changed.args[0]
    # Polls go on, but an unchanged list is not announced again.
    with qtbot.assertNotEmitted(handset.messages_changed, wait=400):
        pass
    handset.stop()


def test_clock_commands_reach_the_sandbox(qtbot, make_runner, http, sandbox) -> None:
    handset = HandsetService(make_runner(1), SandboxControl(http, sandbox.url))
    with qtbot.waitSignal(handset.clock_changed) as blocker:
        handset.set_time_scale(60.0)
    assert blocker.args == [60.0]
    assert sandbox.clock.time_scale == 60.0
    assert settle(qtbot, handset.advance(30)).error is None


def test_nothing_is_emitted_when_unavailable(qtbot, make_runner) -> None:
    handset = HandsetService(make_runner(1), None, poll_ms=50)
    assert not handset.available
    with qtbot.assertNotEmitted(handset.messages_changed, wait=300):
        handset.start()
        refreshed = settle(qtbot, handset.refresh())
        scaled = settle(qtbot, handset.set_time_scale(2.0))
    handset.stop()
    assert refreshed.value == () and refreshed.error is None
    assert isinstance(scaled.error, SandboxUnavailableError)


def test_losing_the_control_clears_the_list(
    qtbot, make_runner, http, sandbox, history_store
) -> None:
    handset = HandsetService(make_runner(1), SandboxControl(http, sandbox.url))
    build_desk(http, sandbox.url, history_store).start(
        StartForm(number=f"+{uk_number(401)}", brand="Desk")
    )
    with qtbot.waitSignal(handset.messages_changed):
        handset.refresh()
    with qtbot.waitSignal(handset.messages_changed) as blocker:
        handset.set_control(None)
    assert blocker.args == [()]
    assert not handset.available
