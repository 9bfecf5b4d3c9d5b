"""One channel of a Verify v2 workflow on the Send page: :class:`ChannelRow`.

Each row has its channel, its ``to`` (empty = the main number, for the phone channels), a
``from`` shown only for the channels that take one (required for WhatsApp) and, under "More",
the channel's extras (SMS ``app_hash``/``entity_id``/``content_id``, silent auth
``redirect_url``). Its move and remove buttons have shortcuts (Alt+Up, Alt+Down, Alt+Delete)
that work while focus is inside the row. The row shows the problems
:class:`~desktop_app.ui.workflow_builder.WorkflowBuilder` finds, each under its field.
"""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop_app.domain.errors import FieldError
from desktop_app.domain.redact import mask_number
from desktop_app.domain.v2 import EMAIL, SILENT_AUTH, SMS, VOICE, WHATSAPP
from desktop_app.domain.v2_validation import CHANNEL_EXTRAS, V2ChannelForm
from desktop_app.ui.fitting import shrinkable
from desktop_app.ui.formatting import NUMBER_MASK, V2_CHANNEL_NAMES
from desktop_app.ui.validators import FieldErrorLabel, add_checked_row, data_combo, line_edit

__all__ = ["CHANNEL_NAMES", "ROW_FIELD", "ChannelRow"]

#: How each channel is named on screen, in the order the picker offers them.
CHANNEL_NAMES: dict[str, str] = dict(V2_CHANNEL_NAMES)
_PHONE_CHANNELS = (SMS, WHATSAPP, VOICE, SILENT_AUTH)
_FROM_PLACEHOLDER = {
    SMS: "optional sender: a number or 3 to 11 letters and digits",
    WHATSAPP: "required: your WhatsApp Business number, e.g. 447700900001",
    EMAIL: "optional sender address",
}
_EXTRA_LABELS = {
    "app_hash": "App &hash:",
    "entity_id": "DLT &entity id:",
    "content_id": "DLT c&ontent id:",
    "redirect_url": "&Redirect URL:",
}
_EXTRA_TIPS = {
    "app_hash": "Android SMS Retriever hash, exactly 11 characters",
    "entity_id": "India DLT principal entity id, 1 to 20 digits",
    "content_id": "India DLT content template id, 1 to 20 digits",
    "redirect_url": "Where the check URL finally redirects the handset (http or https)",
}
#: The error label of a whole row (for a problem whose field is not shown for the channel).
ROW_FIELD = "row"


class ChannelRow(QFrame):
    """One channel of the workflow: channel, ``to``, ``from``, extras and its buttons.

    Signals:
        changed(): any value changed.
        move_requested(object, int): move this row by -1 (up) or +1 (down).
        remove_requested(object): remove this row.
    """

    changed = Signal()
    move_requested = Signal(object, int)
    remove_requested = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.errors: dict[str, FieldErrorLabel] = {}
        self.cells: dict[str, QWidget] = {}
        self.extra_edits: dict[str, QLineEdit] = {}
        self._default_to = ""
        self._build_layout()
        self._connect_signals()
        self._on_channel_changed()

    def _build_layout(self) -> None:
        self.index_label = QLabel(self)
        self.channel_combo = shrinkable(
            data_combo(self, [(text, key) for key, text in CHANNEL_NAMES.items()]), 11)
        self.up_button = self._tool("↑", "Move up (Alt+Up)")
        self.down_button = self._tool("↓", "Move down (Alt+Down)")
        self.remove_button = self._tool("✕", "Remove this channel (Alt+Delete)")
        self.more_toggle = QToolButton(self)
        self.more_toggle.setText("More options")
        self.more_toggle.setCheckable(True)
        self.more_toggle.setAutoRaise(True)
        self.more_toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.more_toggle.setArrowType(Qt.ArrowType.RightArrow)
        self.more_toggle.setToolTip("The channel's optional extras")
        head = QHBoxLayout()
        head.addWidget(self.index_label)
        head.addWidget(self.channel_combo, 1)
        for button in (self.up_button, self.down_button, self.remove_button):
            head.addWidget(button)
        self.to_edit = line_edit(self, "")
        self.from_edit = line_edit(self, "")
        self.form_layout = QFormLayout()
        self.form_layout.setContentsMargins(0, 0, 0, 0)
        self.form_layout.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        self._field("&To:", self.to_edit, "to", "Who receives the code")
        self._field("&From:", self.from_edit, "from", "The sender the customer sees")
        for key in (*CHANNEL_EXTRAS[SMS], *CHANNEL_EXTRAS[SILENT_AUTH]):
            edit = line_edit(self, "optional")
            self.extra_edits[key] = edit
            self._field(_EXTRA_LABELS[key], edit, key, _EXTRA_TIPS[key])
        self.errors["channel"] = FieldErrorLabel("channel", self)
        self.errors[ROW_FIELD] = FieldErrorLabel("channel problem", self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.addLayout(head)
        layout.addWidget(self.errors["channel"])
        layout.addLayout(self.form_layout)
        # Under the fields, not in the head: the row must fit a narrow Send column.
        layout.addWidget(self.more_toggle, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.errors[ROW_FIELD])
        self.shortcuts: dict[str, QShortcut] = {}
        for name, key in (("up", "Alt+Up"), ("down", "Alt+Down"), ("remove", "Alt+Delete")):
            shortcut = QShortcut(QKeySequence(key), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            self.shortcuts[name] = shortcut

    def _tool(self, text: str, tip: str) -> QToolButton:
        button = QToolButton(self)
        button.setText(text)
        button.setToolTip(tip)
        button.setAutoRaise(True)
        return button

    def _field(self, label: str, edit: QLineEdit, name: str, tip: str) -> None:
        self.errors[name] = FieldErrorLabel(name, self)
        self.cells[name] = add_checked_row(self.form_layout, label, edit, self.errors[name], tip)

    def _connect_signals(self) -> None:
        self.channel_combo.currentIndexChanged.connect(self._on_channel_changed)
        self.more_toggle.toggled.connect(self._on_channel_changed)
        for edit in (self.to_edit, self.from_edit, *self.extra_edits.values()):
            edit.textChanged.connect(self.changed)
        self.up_button.clicked.connect(lambda: self.move_requested.emit(self, -1))
        self.down_button.clicked.connect(lambda: self.move_requested.emit(self, 1))
        self.remove_button.clicked.connect(lambda: self.remove_requested.emit(self))
        self.shortcuts["up"].activated.connect(self.up_button.click)
        self.shortcuts["down"].activated.connect(self.down_button.click)
        self.shortcuts["remove"].activated.connect(self.remove_button.click)

    # -- values -------------------------------------------------------------------------------

    def channel(self) -> str:
        """The chosen channel (``"sms"``, ``"voice"``...)."""
        return str(self.channel_combo.currentData())

    def set_channel(self, channel: str) -> None:
        """Choose ``channel``."""
        self.channel_combo.setCurrentIndex(max(self.channel_combo.findData(channel), 0))

    def set_default_to(self, number: str) -> None:
        """The main number, used as ``to`` by the phone channels while ``to`` is empty."""
        self._default_to = number.strip()
        self._update_placeholders()

    def entry(self) -> V2ChannelForm:
        """The row as the domain's rules read it (an empty phone ``to`` is the main number)."""
        channel = self.channel()
        to = self.to_edit.text()
        if not to.strip() and channel in _PHONE_CHANNELS:
            to = self._default_to
        sender = self.from_edit.text() if channel in _FROM_PLACEHOLDER else ""
        extras = {
            key: self.extra_edits[key].text()
            for key in CHANNEL_EXTRAS[channel]
            if self.extra_edits[key].text().strip()
        }
        return V2ChannelForm(channel, to, sender, extras)

    def set_index(self, index: int, count: int) -> None:
        """Number the row (``index`` from 0) and enable the moves that make sense."""
        self.index_label.setText(f"{index + 1}.")
        names = {
            self.channel_combo: f"Channel {index + 1}",
            self.up_button: f"Move channel {index + 1} up",
            self.down_button: f"Move channel {index + 1} down",
            self.remove_button: f"Remove channel {index + 1}",
            self.to_edit: f"Channel {index + 1} to",
            self.from_edit: f"Channel {index + 1} from",
        }
        for widget, name in names.items():
            widget.setAccessibleName(name)
        self.up_button.setEnabled(index > 0)
        self.down_button.setEnabled(index < count - 1)

    # -- errors -------------------------------------------------------------------------------

    def show_errors(self, errors: Iterable[tuple[str, FieldError]]) -> None:
        """Show ``(field, error)`` pairs (``field`` as in ``workflow[i].<field>``); clear others.

        A field hidden for this channel shows its problem on the row instead.
        """
        by_field: dict[str, FieldError] = {}
        for field, error in errors:
            target = field if field in self.errors and self._shown(field) else ROW_FIELD
            by_field.setdefault(target, error)
            if target in CHANNEL_EXTRAS[self.channel()]:
                self.more_toggle.setChecked(True)
        for name, label in self.errors.items():
            label.show_error(by_field.get(name))

    def _shown(self, field: str) -> bool:
        if field in ("channel", ROW_FIELD, "to"):
            return True
        if field == "from":
            return self.channel() in _FROM_PLACEHOLDER
        return field in CHANNEL_EXTRAS[self.channel()]

    # -- slots --------------------------------------------------------------------------------

    def _on_channel_changed(self, *_args: object) -> None:
        channel = self.channel()
        extras = CHANNEL_EXTRAS[channel]
        self.more_toggle.setVisible(bool(extras))
        arrow = Qt.ArrowType.DownArrow if self.more_toggle.isChecked() else Qt.ArrowType.RightArrow
        self.more_toggle.setArrowType(arrow)
        self.form_layout.setRowVisible(self.cells["from"], channel in _FROM_PLACEHOLDER)
        for key in self.extra_edits:
            visible = key in extras and self.more_toggle.isChecked()
            self.form_layout.setRowVisible(self.cells[key], visible)
        self._update_placeholders()
        self.changed.emit()

    def _update_placeholders(self) -> None:
        channel = self.channel()
        if channel == EMAIL:
            self.to_edit.setPlaceholderText("name@example.com")
        elif self._default_to:
            # Its last four digits are enough to recognise it (and safe on a shared screen).
            shown = mask_number(self._default_to, mask=NUMBER_MASK)
            self.to_edit.setPlaceholderText(f"the main number ({shown})")
        else:
            self.to_edit.setPlaceholderText("the main number, or another one")
        self.from_edit.setPlaceholderText(_FROM_PLACEHOLDER.get(channel, ""))
