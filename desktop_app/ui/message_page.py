"""The Message page: send a message, or a one-time code, through the Messages API.

A tab beside the Verify Send and Check pages. "What to send" switches between
:class:`~desktop_app.ui.message_composer.MessageComposer` (one message on SMS, MMS, WhatsApp,
Viber or Messenger, with an optional failover) and
:class:`~desktop_app.ui.message_code_panel.MessageCodePanel` (a code by message, and checking
it). The page scrolls (``ScrollPage``): a long form never grows the window.

Send checks everything first with the domain's rules; while one fails nothing is sent and each
problem shows at its field. The send itself runs on the service's pool
(``MessagesService.send`` / ``send_code``); an API 422 puts each of its reasons at its field too,
every other failure is worded by :func:`desktop_app.ui.messages.describe` under the Send button
(technical words under "Details"). A message accepted appears in Recent requests (``sent``).

Presenter mode: the number fields show their text only while edited, and every number in the
outcome lines is cut to its last four digits.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QWidget,
)

from desktop_app.domain.errors import InvalidParameterError, ValidationFailed
from desktop_app.domain.messages import channel_named
from desktop_app.domain.messages_fields import api_field_errors
from desktop_app.ui import message_words, messages
from desktop_app.ui.delivery_tracking import DeliveryTrackingBox
from desktop_app.ui.details_disclosure import MessageLine
from desktop_app.ui.fitting import ScrollPage
from desktop_app.ui.message_code_panel import MessageCodePanel
from desktop_app.ui.message_composer import MessageComposer
from desktop_app.ui.validators import submit_shortcuts

if TYPE_CHECKING:
    from desktop_app.services.messages import MessageSent, MessagesService

__all__ = ["CODE_MODE", "MESSAGE_MODE", "MessagePage"]

MESSAGE_MODE, CODE_MODE = "message", "code"
SENDING_TEXT = "Sending…"


class MessagePage(ScrollPage):
    """Compose and send a message or a code by message; check that code.

    Args:
        service: Sends, sends codes and checks them (the ``MessagesService``).
        parent: The owning widget.

    Signals:
        sent(object): A ``MessageSent`` the API accepted (the window selects its row).
    """

    sent = Signal(object)

    def __init__(self, service: MessagesService, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Message page")
        self._service = service
        self._presenter = False
        self._sending: Any = None
        #: (recipient, channel, sender) of each leg of the last send (the handset's replies
        #: go back to the sender).
        self.last_senders: tuple[tuple[str, str, str], ...] = ()
        self.mode_combo = QComboBox(self.body)
        self.mode_combo.addItem("A message", MESSAGE_MODE)
        self.mode_combo.addItem("A code by message", CODE_MODE)
        self.mode_combo.setAccessibleName("What to send")
        self.composer = MessageComposer(self.body)
        self.code_panel = MessageCodePanel(self.body)
        self.send_button = QPushButton("&Send message", self.body)
        self.send_button.setToolTip("Check every field, then send (Ctrl+Enter)")
        self.result_label = MessageLine(self.body, name="Message result")
        self.tracking = DeliveryTrackingBox(service, self.body)
        top = QFormLayout()
        top.addRow("&What to send:", self.mode_combo)
        buttons = QHBoxLayout()
        buttons.addWidget(self.send_button)
        buttons.addStretch(1)
        layout = self.body_layout
        layout.addLayout(top)
        layout.addWidget(self.composer)
        layout.addWidget(self.code_panel)
        layout.addLayout(buttons)
        layout.addWidget(self.result_label)
        layout.addStretch(1)
        layout.addWidget(self.tracking)  # below the fold: set up once, not used per message
        self._shortcuts = submit_shortcuts(self)
        self._connect_signals()
        self._on_mode_changed()

    def _connect_signals(self) -> None:
        self.mode_combo.currentIndexChanged.connect(self._on_mode_changed)
        self.send_button.clicked.connect(self.send)
        for shortcut in self._shortcuts:
            shortcut.activated.connect(self.send)
        self.code_panel.check_button.clicked.connect(self.check_code)
        self.code_panel.code_edit.returnPressed.connect(self.check_code)

    @property
    def mode(self) -> str:
        """``"message"`` or ``"code"``."""
        return str(self.mode_combo.currentData())

    def set_mode(self, mode: str) -> None:
        """Show the message composer or the code form."""
        self.mode_combo.setCurrentIndex(max(self.mode_combo.findData(mode), 0))

    def use_test_number(self, channel: str, number: str) -> None:
        """Fill the composer for a catalogued test number: its channel and recipient."""
        self.set_mode(MESSAGE_MODE)
        self.composer.set_channel(channel)
        to = self.composer.field("to")
        assert isinstance(to, QLineEdit)
        to.setText(number)
        to.setFocus(Qt.FocusReason.OtherFocusReason)

    def _on_mode_changed(self, *_args: object) -> None:
        code = self.mode == CODE_MODE
        # One shown, the other hidden (not a QStackedWidget: it keeps the taller one's height).
        self.composer.setVisible(not code)
        self.code_panel.setVisible(code)
        self.send_button.setText("&Send code" if code else "&Send message")
        self.result_label.clear()

    # -- sending ------------------------------------------------------------------------------

    def send(self) -> None:
        """Check the form; send when every rule holds (else show each problem at its field)."""
        if self._sending is not None:
            return  # one send at a time: a double press must not send twice
        self.result_label.clear()
        senders: tuple[tuple[str, str, str], ...]
        if self.mode == CODE_MODE:
            form, errors = self.code_panel.problems()
            self.code_panel.touch_all()
            self.code_panel.show_errors(errors)
            task = None if errors else self._service.send_code(form)
            senders = ((form.to, channel_named(form.channel) or form.channel, form.from_),)
        else:
            request, errors = self.composer.problems()
            self.composer.show_errors(errors)
            task = None if errors else self._service.send(request)
            senders = tuple((leg.to, leg.channel, leg.from_) for leg in request.legs)
        if task is None:
            self.result_label.setText(messages.fix_fields([e.field for e in errors]))
            return
        self._sending = task
        self.last_senders = senders
        self.send_button.setEnabled(False)
        self.result_label.setText(SENDING_TEXT)
        mode = self.mode
        task.on_success(lambda sent: self._on_sent(mode, sent))
        task.on_failure(self._on_send_failed)
        task.on_finished(self._on_send_finished)

    def _on_sent(self, mode: str, sent: MessageSent) -> None:
        if mode == CODE_MODE:
            self.code_panel.set_message_id(sent.message_uuid)
            self.code_panel.check_result.clear()
            self.result_label.setText(message_words.code_sent(sent.channels[0]))
            self.code_panel.code_edit.setFocus()
        else:
            self.result_label.setText(message_words.message_sent(sent.channels, sent.tracked))
        self.sent.emit(sent)

    def _on_send_failed(self, exc: BaseException) -> None:
        if isinstance(exc, InvalidParameterError) and exc.invalid_parameters:
            errors = api_field_errors(exc.invalid_parameters)
            if self.mode == CODE_MODE:
                self.code_panel.show_errors(errors)
            else:
                self.composer.show_errors(errors)
            self.result_label.setText(messages.refused_fields(exc))
            return
        if isinstance(exc, ValidationFailed):  # the desk's own check (e.g. a JWT key)
            if self.mode == CODE_MODE:
                self.code_panel.show_errors(exc.errors)
            else:
                self.composer.show_errors(exc.errors)
        self.result_label.setText(messages.describe(exc))

    def _on_send_finished(self) -> None:
        self._sending = None
        self.send_button.setEnabled(True)

    # -- checking a code ----------------------------------------------------------------------

    def check_code(self) -> None:
        """Check the code typed against the code sent last."""
        panel = self.code_panel
        code, message_id = panel.code_edit.text().strip(), panel.message_id
        if message_id is None:
            return
        if not code:
            panel.check_result.setText("Type the code the customer reads out first.")
            return
        panel.check_button.setEnabled(False)
        task = self._service.check_code(message_id, code)
        task.on_success(lambda _r: self._on_checked(None))
        task.on_failure(self._on_checked)
        task.on_finished(lambda: panel.check_button.setEnabled(panel.message_id is not None))

    def _on_checked(self, exc: BaseException | None) -> None:
        self.code_panel.code_edit.clear()
        text = message_words.check_outcome(exc, messages.describe(exc) if exc else "")
        self.code_panel.check_result.setText(text)

    def clear_messages(self) -> None:
        """Forget the outcomes shown and the code sent (they belonged to the profile before)."""
        self.result_label.clear()
        self.composer.clear_errors()
        self.code_panel.check_result.clear()
        self.code_panel.set_message_id(None)

    # -- presenter mode -----------------------------------------------------------------------

    def set_presenter_mode(self, on: bool) -> None:
        """Presenter mode: numbers only while edited; outcome lines masked."""
        self._presenter = on
        mode = QLineEdit.EchoMode.PasswordEchoOnEdit if on else QLineEdit.EchoMode.Normal
        for edit in self.number_edits():
            edit.setEchoMode(mode)
        self.result_label.set_mask(on)
        self.code_panel.check_result.set_mask(on)

    def number_edits(self) -> list[QLineEdit]:
        """The fields that hold a phone number or an address."""
        edits = [self.composer.field(p) for p in ("to", "from", "failover[0].from")]
        edits += [self.code_panel.edits["to"], self.code_panel.edits["from_"]]
        return [e for e in edits if isinstance(e, QLineEdit)]
