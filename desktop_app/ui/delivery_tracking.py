"""The Message page's "Delivery tracking" box: the live account's webhook receiver.

On the built-in sandbox a message's statuses are tracked with no set-up (the app runs a
receiver the sandbox posts to). On a live account they arrive only while a local receiver
listens, behind a tunnel the user runs (docs/messages.md, "Delivery tracking"): this box
starts and stops it (``MessagesService.start_receiver`` / ``stop_receiver``, off the GUI
thread), says where it listens, and says plainly why it could not start. A profile switch
stops it: it verifies webhooks with the previous profile's signature secret.
"""

from __future__ import annotations

import errno
from typing import TYPE_CHECKING

from PySide6.QtWidgets import (
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QWidget,
)

from desktop_app.domain.errors import ValidationFailed
from desktop_app.ui import messages
from desktop_app.ui.details_disclosure import MessageLine
from desktop_app.ui.messages import Message

if TYPE_CHECKING:
    from desktop_app.services.messages import MessagesService, ReceiverState

__all__ = ["DeliveryTrackingBox"]

SANDBOX_TEXT = "On the sandbox every message's delivery is tracked; nothing to set up."
STOPPED_TEXT = ("Not tracking: messages sent now say \"status not tracked\". Start the receiver, "
                "then run a tunnel to it (docs/messages.md, Delivery tracking).")
STARTING_TEXT = "Starting the receiver…"
SWITCHED_TEXT = "The receiver stopped: it belonged to the profile before. Start it again here."
NO_SECRET_TEXT = ("This profile has no signature secret, which every webhook is checked with. "
                  "Store it in Settings (Messages), then start the receiver.")


def listening_text(state: ReceiverState) -> str:
    """Where the receiver listens and where the webhooks must come from."""
    url = state.status_url or ""
    if state.public_url:
        return (f"Listening on {url}. Each message asks for its statuses at {state.public_url} "
                "(your tunnel to this address).")
    return (f"Listening on {url}. Point a tunnel at it and enter the tunnel's address as your "
            "application's Status URL in the Vonage dashboard.")


def failure_text(exc: BaseException, port: int) -> str:
    """Why the receiver did not start, in the words of what to do."""
    if isinstance(exc, ValidationFailed) and any(
            e.field == "signature_secret" for e in exc.errors):  # fmt: skip
        return NO_SECRET_TEXT
    if isinstance(exc, OSError) and exc.errno in (errno.EADDRINUSE, errno.EACCES):
        return Message(f"Port {port} is in use or not allowed: choose another port.", "",
                       f"{type(exc).__name__}: {exc}")
    return messages.describe(exc)


class DeliveryTrackingBox(QGroupBox):
    """Start or stop the live receiver; say what tracks deliveries on this profile.

    Args:
        service: The Messages service (its receiver and its ``receiver_changed`` signal).
        parent: The owning widget.
    """

    def __init__(self, service: MessagesService, parent: QWidget | None = None) -> None:
        super().__init__("Delivery tracking", parent)
        from desktop_app.services.messages import DEFAULT_RECEIVER_PORT

        self._service = service
        self._sandbox = True
        self.port_spin = QSpinBox(self)
        self.port_spin.setRange(1024, 65535)
        self.port_spin.setValue(DEFAULT_RECEIVER_PORT)
        self.port_spin.setAccessibleName("Receiver port")
        self.public_edit = QLineEdit(self)
        self.public_edit.setPlaceholderText("https://… your tunnel (optional)")
        self.public_edit.setToolTip("Given, it goes on each message as its webhook_url; empty, "
                                    "the Status URL set in the Vonage dashboard is used")
        self.start_button = QPushButton("Start receiver", self)
        self.state_line = MessageLine(self, name="Delivery tracking state")
        self._form = QFormLayout()
        self._form.addRow("Port:", self.port_spin)
        self._form.addRow("Public URL:", self.public_edit)
        buttons = QHBoxLayout()
        buttons.addWidget(self.start_button)
        buttons.addStretch(1)
        layout = QFormLayout(self)
        layout.addRow(self._form)
        layout.addRow(buttons)
        layout.addRow(self.state_line)
        self.start_button.clicked.connect(self._on_start_button_clicked)
        service.receiver_changed.connect(self._show_state)
        self.set_sandbox(True)

    @property
    def running(self) -> bool:
        """True while the live receiver listens."""
        return self._service.receiver_state.running

    def set_sandbox(self, sandbox: bool) -> None:
        """Follow the active profile; a live receiver stops when the profile changes."""
        switched = self.running
        self._sandbox = sandbox
        for widget in (self.port_spin, self.public_edit, self.start_button):
            widget.setVisible(not sandbox)
        self._form.setRowVisible(self.port_spin, not sandbox)
        self._form.setRowVisible(self.public_edit, not sandbox)
        if switched:
            self._service.stop_receiver()  # its secret was the profile's before
        self._show_state(self._service.receiver_state)
        if switched and not sandbox:
            self.state_line.setText(SWITCHED_TEXT)

    def _on_start_button_clicked(self) -> None:
        if self.running:
            self.start_button.setEnabled(False)
            task = self._service.stop_receiver()
        else:
            public = self.public_edit.text().strip() or None
            port = self.port_spin.value()
            self.start_button.setEnabled(False)
            self.state_line.setText(STARTING_TEXT)
            task = self._service.start_receiver(port=port, public_url=public)
            task.on_failure(lambda exc: self.state_line.setText(failure_text(exc, port)))
        task.on_finished(lambda: self.start_button.setEnabled(True))

    def _show_state(self, state: ReceiverState) -> None:
        if self._sandbox:
            self.state_line.setText(SANDBOX_TEXT)
            return
        self.start_button.setText("Stop receiver" if state.running else "Start receiver")
        self.port_spin.setEnabled(not state.running)
        self.public_edit.setEnabled(not state.running)
        self.state_line.setText(listening_text(state) if state.running else STOPPED_TEXT)
