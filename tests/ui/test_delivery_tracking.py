"""The Message page's Delivery tracking box: the live receiver started and stopped from the
window, plain words when it cannot start, and nothing to do on the sandbox."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import pytest

from desktop_app.domain.messages import SMS, MessageRequest, Text
from desktop_app.settings.credentials import SIGNATURE_SECRET
from desktop_app.ui.delivery_tracking import (
    NO_SECRET_TEXT,
    SANDBOX_TEXT,
    STOPPED_TEXT,
    SWITCHED_TEXT,
    DeliveryTrackingBox,
)
from tests.helpers.messages_service import MessagesEnv
from tests.helpers.tasks import settle


@pytest.fixture
def box(qtbot: Any, messages_env: MessagesEnv) -> DeliveryTrackingBox:
    widget = DeliveryTrackingBox(messages_env.service)
    qtbot.addWidget(widget)
    widget.set_sandbox(False)  # messages_env's profile is a live one
    widget.show()
    return widget


@pytest.fixture
def busy_port() -> Iterator[int]:
    """A port another program listens on."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        yield taken.getsockname()[1]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_the_sandbox_needs_nothing_set_up(box: DeliveryTrackingBox) -> None:
    box.set_sandbox(True)
    assert box.state_line.text() == SANDBOX_TEXT
    assert box.start_button.isHidden() and box.port_spin.isHidden()


def test_a_live_receiver_is_started_and_stopped_from_the_window(
    qtbot: Any, box: DeliveryTrackingBox, messages_env: MessagesEnv
) -> None:
    assert box.state_line.text() == STOPPED_TEXT and box.start_button.text() == "Start receiver"
    box.start_button.click()  # no signature secret stored for the profile yet
    qtbot.waitUntil(lambda: box.state_line.text() == NO_SECRET_TEXT)
    assert not box.running
    messages_env.secrets.set_item("live", SIGNATURE_SECRET, "s3cret-signing")
    box.port_spin.setValue(_free_port())
    box.public_edit.setText("https://tunnel.example/webhooks/status")
    box.start_button.click()
    qtbot.waitUntil(lambda: box.running and box.start_button.isEnabled())
    port = box.port_spin.value()
    assert box.state_line.text().startswith(f"Listening on http://127.0.0.1:{port}")
    assert "https://tunnel.example/webhooks/status" in box.state_line.text()
    assert box.start_button.text() == "Stop receiver" and not box.port_spin.isEnabled()
    request = MessageRequest(SMS, "447700900123", "Acme", Text("Hi"))
    sent = settle(qtbot, messages_env.service.send(request)).value
    assert sent is not None and sent.tracked  # a message sent now is tracked
    box.start_button.click()
    qtbot.waitUntil(lambda: not box.running and box.state_line.text() == STOPPED_TEXT)
    assert box.port_spin.isEnabled()


def test_a_taken_port_is_named_with_what_to_do(
    qtbot: Any, box: DeliveryTrackingBox, messages_env: MessagesEnv, busy_port: int
) -> None:
    messages_env.secrets.set_item("live", SIGNATURE_SECRET, "s3cret-signing")
    box.port_spin.setValue(busy_port)
    box.start_button.click()
    expected = f"Port {busy_port} is in use or not allowed: choose another port."
    qtbot.waitUntil(lambda: box.state_line.text() == expected)
    assert "OSError" in box.state_line.details()  # the technical words under Details only
    assert not box.running and box.start_button.isEnabled()


def test_a_profile_switch_stops_the_receiver_it_verified_webhooks_for(
    qtbot: Any, box: DeliveryTrackingBox, messages_env: MessagesEnv
) -> None:
    messages_env.secrets.set_item("live", SIGNATURE_SECRET, "s3cret-signing")
    box.port_spin.setValue(_free_port())
    box.start_button.click()
    qtbot.waitUntil(lambda: box.running)
    box.set_sandbox(False)  # another live profile
    qtbot.waitUntil(lambda: not box.running)
    assert box.state_line.text() == SWITCHED_TEXT
