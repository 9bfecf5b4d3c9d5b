"""The sandbox handset's conversations: what each number received per channel, and replies.

:class:`ConversationView` groups the handset's messages by (number, channel), so a WhatsApp
thread and an SMS thread to the same number stay apart, and lists the chosen one oldest first:
what was sent to the customer ("→") and what the presenter answered as the customer ("←").
The Reply box posts an inbound message (``HandsetService.inbound``, on the handset's pool); on
WhatsApp that opens the customer's 24-hour window, so a free-form text then goes through.

The replies are this session's (the sandbox lists only what it delivered). The business number
a reply goes to is the sender the window last used for that number and channel
(:meth:`ConversationView.note_sender`), else :data:`DEFAULT_BUSINESS_NUMBER`. In presenter mode
the numbers in the picker and the texts are cut to their last four digits.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Final

from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop_app.domain.messages import CHANNEL_NAMES, MESSENGER
from desktop_app.domain.models import HandsetMessage
from desktop_app.ui import formatting, messages
from desktop_app.ui.details_disclosure import MessageLine
from desktop_app.ui.message_words import channel_label

if TYPE_CHECKING:
    from desktop_app.services.handset import HandsetService

__all__ = ["DEFAULT_BUSINESS_NUMBER", "ConversationLine", "ConversationView"]

#: Where a reply goes when the window never sent to that number on that channel.
DEFAULT_BUSINESS_NUMBER: Final = "447700900000"
#: Verify's channel names as the conversation groups them (a Verify SMS is an SMS).
_VERIFY_CHANNELS: Final = {"tts": "voice"}
EMPTY_TEXT = "No messages yet: send one from the Message page."


@dataclass(frozen=True)
class ConversationLine:
    """One line of a conversation: sent to the customer, or their reply."""

    at: datetime
    outgoing: bool
    text: str


def _channel_of(message: HandsetMessage) -> str:
    channel = _VERIFY_CHANNELS.get(message.channel, message.channel)
    return CHANNEL_NAMES.get(channel, channel)


class ConversationView(QWidget):
    """Each number's conversation per channel, with a Reply box.

    Args:
        handset: Posts the replies (the sandbox handset service).
        parent: The owning widget.
    """

    def __init__(self, handset: HandsetService, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._handset = handset
        self._messages: tuple[HandsetMessage, ...] = ()
        self._replies: dict[tuple[str, str], list[ConversationLine]] = {}
        self._senders: dict[tuple[str, str], str] = {}
        self._mask = False
        self.picker = QComboBox(self)
        self.picker.setAccessibleName("Conversation")
        self.picker.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.picker.setMinimumContentsLength(12)
        self.lines_list = QListWidget(self)
        self.lines_list.setWordWrap(True)
        self.lines_list.setAccessibleName("Conversation messages")
        self.reply_edit = QLineEdit(self)
        self.reply_edit.setPlaceholderText("Reply as the customer…")
        self.reply_edit.setAccessibleName("Reply")
        self.reply_button = QPushButton("Reply", self)
        self.reply_button.setToolTip(
            "Send this as the customer (an inbound message); on WhatsApp it opens the 24-hour "
            "window for free-form messages")
        self.status_label = MessageLine(self, name="Reply status")
        reply = QHBoxLayout()
        reply.addWidget(self.reply_edit, 1)
        reply.addWidget(self.reply_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.picker)
        layout.addWidget(self.lines_list, 1)
        layout.addLayout(reply)
        layout.addWidget(self.status_label)
        self.picker.currentIndexChanged.connect(self._render)
        self.reply_button.clicked.connect(self.send_reply)
        self.reply_edit.returnPressed.connect(self.send_reply)
        self._refill()

    # -- data ---------------------------------------------------------------------------------

    def set_messages(self, handset_messages: Iterable[HandsetMessage]) -> None:
        """The handset's messages (any order); the picker keeps the conversation chosen."""
        self._messages = tuple(handset_messages)
        self._refill()

    def note_sender(self, number: str, channel: str, sender: str) -> None:
        """Remember who wrote to ``number`` on ``channel`` (a reply goes back to them)."""
        self._senders[(number, channel)] = sender

    def conversations(self) -> list[tuple[str, str]]:
        """Every (number, channel) with a message or a reply, newest activity first."""
        last: dict[tuple[str, str], datetime] = {}
        for message in self._messages:
            key = (message.number, _channel_of(message))
            at = message.sent_at or datetime.fromtimestamp(0, UTC)
            last[key] = max(last.get(key, at), at)
        for key, replies in self._replies.items():
            last[key] = max([last.get(key, replies[-1].at), replies[-1].at])
        return sorted(last, key=lambda k: last[k], reverse=True)

    def lines(self, number: str, channel: str) -> list[ConversationLine]:
        """One conversation, oldest first."""
        sent = [ConversationLine(m.sent_at or datetime.fromtimestamp(0, UTC), True, m.text)
                for m in self._messages
                if m.number == number and _channel_of(m) == channel]  # fmt: skip
        return sorted([*sent, *self._replies.get((number, channel), [])], key=lambda x: x.at)

    def current(self) -> tuple[str, str] | None:
        """The (number, channel) chosen, or None."""
        data = self.picker.currentData()
        return (str(data[0]), str(data[1])) if data else None

    def select(self, number: str, channel: str) -> None:
        """Show the conversation with ``number`` on ``channel`` (when it has one)."""
        for index in range(self.picker.count()):
            if tuple(self.picker.itemData(index)) == (number, channel):
                self.picker.setCurrentIndex(index)

    # -- view ---------------------------------------------------------------------------------

    def set_presenter_mode(self, on: bool) -> None:
        """Presenter mode: numbers by their last four digits, in the picker and the texts."""
        self._mask = on
        self.status_label.set_mask(on)
        self._refill()

    def _refill(self) -> None:
        keep = self.current()
        self.picker.blockSignals(True)
        self.picker.clear()
        for number, channel in self.conversations():
            shown = formatting.format_number(number, mask=self._mask) if number.isdigit() \
                else formatting.mask_text(number, mask=self._mask)  # fmt: skip
            self.picker.addItem(f"{shown} · {channel_label(channel)}", (number, channel))
        if keep is not None:
            for index in range(self.picker.count()):
                if tuple(self.picker.itemData(index)) == keep:
                    self.picker.setCurrentIndex(index)
        self.picker.blockSignals(False)
        self._render()

    def _render(self, *_args: object) -> None:
        self.lines_list.clear()
        chosen = self.current()
        self.reply_edit.setEnabled(chosen is not None)
        self.reply_button.setEnabled(chosen is not None)
        if chosen is None:
            self.lines_list.addItem(EMPTY_TEXT)
            return
        today = datetime.now().astimezone().date()
        for line in self.lines(*chosen):
            when = formatting.format_datetime_compact(line.at, today)
            arrow = "→" if line.outgoing else "← you:"
            text = formatting.mask_text(line.text, mask=self._mask)
            self.lines_list.addItem(f"{when} {arrow} {text}")
        self.lines_list.scrollToBottom()

    # -- replying -----------------------------------------------------------------------------

    def send_reply(self) -> None:
        """Post the reply as an inbound message from the chosen customer."""
        chosen, text = self.current(), self.reply_edit.text().strip()
        if chosen is None or not text:
            return
        number, channel = chosen
        business = self._senders.get(chosen, DEFAULT_BUSINESS_NUMBER)
        if channel != MESSENGER and not business.isdigit():
            business = DEFAULT_BUSINESS_NUMBER  # an SMS sender id cannot be written back to
        self.reply_button.setEnabled(False)
        task = self._handset.inbound(channel, number, business, text)
        task.on_success(lambda _uuid: self._on_replied(number, channel, text))
        task.on_failure(lambda exc: self.status_label.setText(messages.describe(exc)))
        task.on_finished(lambda: self.reply_button.setEnabled(self.current() is not None))

    def _on_replied(self, number: str, channel: str, text: str) -> None:
        thread = self.lines(number, channel)
        # After everything the thread shows: the sandbox's clock may run ahead of this one.
        at = max(datetime.now(UTC), thread[-1].at + timedelta(microseconds=1)) if thread \
            else datetime.now(UTC)  # fmt: skip
        self._replies.setdefault((number, channel), []).append(ConversationLine(at, False, text))
        self.reply_edit.clear()
        where = " (the WhatsApp window is open for 24 hours)" if channel == "whatsapp" else ""
        self.status_label.setText(f"Reply sent as the customer{where}.")
        self._refill()
