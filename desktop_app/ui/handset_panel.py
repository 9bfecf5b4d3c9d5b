"""The simulated handset: what the built-in sandbox "delivered", and its clock controls.

Only the Sandbox profile has a handset. For any other profile the panel says so and disables its
controls. Polling runs only while the panel is visible.

In presenter mode the numbers show their last four digits only; the codes stay readable (it is a
sandbox: the audience may as well see them).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QTimer
from PySide6.QtGui import QFont, QFontDatabase, QFontMetrics, QHideEvent, QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTabWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)
from typing_extensions import override

from desktop_app.domain.models import HandsetMessage
from desktop_app.ui import formatting, messages
from desktop_app.ui.countdowns import Clock, follow_clock, utc_now
from desktop_app.ui.details_disclosure import MessageLine
from desktop_app.ui.elided_label import ElidedLabel
from desktop_app.ui.empty_hint import EmptyHint
from desktop_app.ui.message_conversation import ConversationView

if TYPE_CHECKING:
    from desktop_app.services.handset import HandsetService

#: The clock speeds offered: (label, time scale).
TIME_SCALES: tuple[tuple[str, float], ...] = (
    ("1x (real time)", 1.0),
    ("10x", 10.0),
    ("60x", 60.0),
    ("600x", 600.0),
)
COL_TIME, COL_CHANNEL, COL_NUMBER, COL_CODE = range(4)
_CHANNELS = {"sms": "SMS", "tts": "Call"}
#: What the Codes tab says before the sandbox has sent a code.
NO_CODES_TEXT = "The codes the sandbox sends appear here, as the customer's phone shows them."
UNAVAILABLE_TEXT = (
    "The simulated handset exists only for the built-in Sandbox profile. Switch to the Sandbox "
    "profile to see the codes it sends and to speed up its clock."
)
#: Ahead of real time by less than this, the clock line does not say "ahead" (reads drift).
AHEAD_SHOWN_S = 2.0


def clock_line_text(sandbox_now: datetime, real_now: datetime) -> str:
    """The sandbox's time of day, and how far skips and speed have put it ahead of real time."""
    shown = f"Sandbox time {formatting.as_utc(sandbox_now).astimezone():%H:%M:%S}"
    ahead = (sandbox_now - real_now).total_seconds()
    if ahead >= AHEAD_SHOWN_S:  # short: the dock is narrow (the label elides the rest)
        # Rounded: read a moment off, a 5-minute skip would say "4 min 59 s".
        shown += f", {formatting.format_duration(round(ahead))} ahead"
    return shown


class HandsetPanel(QWidget):
    """Messages and calls the sandbox delivered (newest first), with clock controls.

    Args:
        handset: The sandbox handset service.
        parent: The owning widget.
        clock: The sandbox's clock (the app's server clock), shown above the controls so a
            demo can see where its skips have taken the time.
    """

    def __init__(
        self, handset: HandsetService, parent: QWidget | None = None, *, clock: Clock = utc_now
    ) -> None:
        super().__init__(parent)
        self._handset = handset
        self._clock = clock
        # Ticks once a second while shown; a skip re-renders at once (follow_clock).
        self._clock_timer = QTimer(self)
        self._clock_timer.setInterval(1000)
        self._presenter = False
        self._messages: tuple[HandsetMessage, ...] = ()
        self._build_layout()
        self._connect_signals()
        self.update_availability()

    def _build_layout(self) -> None:
        self.unavailable_label = QLabel(UNAVAILABLE_TEXT)
        self.unavailable_label.setWordWrap(True)
        self.messages_tree = QTreeWidget()
        self.messages_tree.setHeaderLabels(["Time", "Via", "Number", "Code"])
        self.messages_tree.headerItem().setToolTip(COL_CHANNEL, "Channel: SMS or voice call")
        self.messages_tree.setRootIsDecorated(False)
        self.messages_tree.setAlternatingRowColors(True)
        # Shown as Code, Number, Time, Via: the code is what the dock is for and the number
        # says whose it is, so the dock is never narrower than those two; the time and the
        # channel (one short word) follow, where a dock made narrow cuts first.
        header = self.messages_tree.header()
        for visual, column in enumerate((COL_CODE, COL_NUMBER, COL_TIME, COL_CHANNEL)):
            header.moveSection(header.visualIndex(column), visual)
        self.code_font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        self.code_font.setPointSizeF(max(self.code_font.pointSizeF(), 9.0) * 1.6)
        self.code_font.setWeight(QFont.Weight.Bold)
        self._size_columns()
        self.codes_hint = EmptyHint(self.messages_tree, self._codes_hint_text)
        self.speed_combo = QComboBox()
        for label, scale in TIME_SCALES:
            self.speed_combo.addItem(label, scale)
        self.speed_combo.setToolTip("How fast the sandbox's clock runs (timers, expiry)")
        self.skip_30s_button = QPushButton("Skip ahead 30 s")
        self.skip_5min_button = QPushButton("Skip ahead 5 min")
        self.status_label = MessageLine(self, name="Handset status")
        # Elided, never wider than the dock: a longer text must not push the window off screen.
        self.clock_label = ElidedLabel(parent=self)
        self.clock_label.setAccessibleName("Sandbox time")
        # Two rows, so the dock can be about 300 px wide (one row needs about 450 px and
        # squeezes the recent-requests table).
        speed = QHBoxLayout()
        speed.addWidget(QLabel("Clock speed:"))
        speed.addWidget(self.speed_combo)
        speed.addStretch(1)
        skips = QHBoxLayout()
        skips.addWidget(self.skip_30s_button)
        skips.addWidget(self.skip_5min_button)
        skips.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)  # a narrow dock: its width is for the messages
        layout.addWidget(self.unavailable_label)
        layout.addWidget(self.clock_label)
        layout.addLayout(speed)
        layout.addLayout(skips)
        # Codes (Verify) and conversations (Messages API) share the dock's height as tabs.
        self.conversation = ConversationView(self._handset)
        self.view_tabs = QTabWidget()
        self.view_tabs.addTab(self.messages_tree, "Codes")
        self.view_tabs.addTab(self.conversation, "Conversations")
        layout.addWidget(self.view_tabs, 1)
        layout.addWidget(self.status_label)

    def _size_columns(self) -> None:
        """Widths for a six-digit code, a number and today's time; never narrower than two.

        The Number column must never be cut off: the tree cannot be made narrower than the
        code and the number side by side (a longer code or number widens its column).
        """
        tree = self.messages_tree
        text = QFontMetrics(tree.font())
        padding = 8  # the cell's margins
        widths = {
            COL_CODE: QFontMetrics(self.code_font).horizontalAdvance("000000"),
            COL_NUMBER: text.horizontalAdvance("+00 0000 000000"),
            COL_TIME: text.horizontalAdvance("00:00:00"),
            COL_CHANNEL: text.horizontalAdvance("SMS"),
        }
        for column, width in widths.items():
            tree.setColumnWidth(column, width + padding)
        shown = tree.columnWidth(COL_CODE) + tree.columnWidth(COL_NUMBER)
        chrome = 2 * tree.frameWidth() + tree.verticalScrollBar().sizeHint().width()
        tree.setMinimumWidth(shown + chrome)

    def _connect_signals(self) -> None:
        self._handset.messages_changed.connect(self._on_handset_messages_changed)
        self._handset.clock_changed.connect(self._on_handset_clock_changed)
        self.speed_combo.activated.connect(self._on_speed_combo_activated)
        self.skip_30s_button.clicked.connect(self._on_skip_30s_button_clicked)
        self.skip_5min_button.clicked.connect(self._on_skip_5min_button_clicked)
        self._clock_timer.timeout.connect(self._show_clock)
        follow_clock(self._clock, self._show_clock)

    def update_availability(self) -> None:
        """Enable or explain the panel after a profile switch (reads ``handset.available``)."""
        available = self._handset.available
        self.unavailable_label.setVisible(not available)
        self.clock_label.setVisible(available)
        self.codes_hint.update_hint()
        self._show_clock()
        for widget in (
            self.speed_combo,
            self.skip_30s_button,
            self.skip_5min_button,
            self.messages_tree,
            self.conversation,
        ):
            widget.setEnabled(available)
        self.status_label.clear()  # about the profile before
        if not available:
            self._messages = ()
            self.messages_tree.clear()
            self.conversation.set_messages(())
            self._handset.stop()
        elif self.isVisible():
            self._handset.start()

    def set_presenter_mode(self, on: bool) -> None:
        """Presenter mode: numbers cut to their last four digits (the codes stay readable)."""
        self._presenter = on
        self.status_label.set_mask(on)
        self.conversation.set_presenter_mode(on)
        self.set_messages(self._messages)

    def set_messages(self, handset_messages: tuple[HandsetMessage, ...]) -> None:
        """Show these messages (given oldest first), newest at the top."""
        self._messages = tuple(handset_messages)
        self.conversation.set_messages(self._messages)
        self.messages_tree.clear()
        today = formatting.local_date(self._clock())  # the sandbox's today, after skips too
        for message in reversed(handset_messages):
            if not message.code:
                continue  # a Messages API text: the Conversations tab shows it
            item = QTreeWidgetItem(
                [
                    # A narrow dock: the time of day (the date only when it is not today).
                    formatting.format_datetime_compact(message.sent_at, today),
                    _CHANNELS.get(message.channel, message.channel),
                    formatting.format_number(message.number, mask=self._presenter),
                    message.code,
                ]
            )
            item.setFont(COL_CODE, self.code_font)
            tip = formatting.mask_text(message.text, mask=self._presenter)
            for column in range(4):
                item.setToolTip(column, tip)
            self.messages_tree.addTopLevelItem(item)
        for column in (COL_CODE, COL_NUMBER, COL_TIME):  # wider than the samples: grow
            hint = self.messages_tree.sizeHintForColumn(column)
            if hint > self.messages_tree.columnWidth(column):
                self.messages_tree.setColumnWidth(column, hint)

    @override
    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:  # presenter mode's larger type
            self._size_columns()

    @override
    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._clock_timer.start()
        self._show_clock()
        if self._handset.available:
            self._handset.start()

    @override
    def hideEvent(self, event: QHideEvent) -> None:
        self._clock_timer.stop()
        self._handset.stop()
        super().hideEvent(event)

    def show_failure(self, exc: BaseException) -> None:
        """Say under the messages why a handset command or read failed."""
        self.status_label.setText(messages.describe(exc))

    def _codes_hint_text(self) -> str:
        return NO_CODES_TEXT if self._handset.available else ""

    def _show_clock(self) -> None:
        if self.clock_label.isVisibleTo(self):
            self.clock_label.setText(clock_line_text(self._clock(), datetime.now(UTC)))

    def _on_handset_messages_changed(self, handset_messages: tuple[HandsetMessage, ...]) -> None:
        self.set_messages(handset_messages)

    def _on_handset_clock_changed(self, scale: float) -> None:
        index = self.speed_combo.findData(scale)
        if index >= 0:
            self.speed_combo.setCurrentIndex(index)
        self.status_label.setText(f"Sandbox clock runs at {scale:g}x.")

    def _on_speed_combo_activated(self, index: int) -> None:
        scale = float(self.speed_combo.itemData(index))
        self._handset.set_time_scale(scale).on_failure(self.show_failure)

    def _on_skip_30s_button_clicked(self) -> None:
        self._handset.advance(30).on_failure(self.show_failure)

    def _on_skip_5min_button_clicked(self) -> None:
        self._handset.advance(300).on_failure(self.show_failure)
