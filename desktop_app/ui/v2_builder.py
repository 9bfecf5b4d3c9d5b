"""The Send page's Verify v2 side: the workflow builder, the v2 options and the v2 send.

:class:`WorkflowBuilder` edits the ordered channel list of a v2 request: each
:class:`ChannelRow` has its channel, its ``to`` (empty = the main number, for the phone
channels), a ``from`` shown only for the channels that take one (required for WhatsApp) and,
under "More", the channel's extras (SMS ``app_hash``/``entity_id``/``content_id``, silent auth
``redirect_url``). Rows are added, removed and moved with buttons or shortcuts
(Alt+Insert, Alt+Delete, Alt+Up, Alt+Down). Every row is checked with the domain's v2 rules
(:func:`~desktop_app.domain.v2_validation.check_channel`) as it is typed; an error named
``workflow[i].from`` is shown under row ``i``'s ``from`` field.

:class:`V2Section` plugs into the Send page: an API picker ("Verify v1" / "Verify v2") that swaps
the v1-only fields (workflow id, language, PIN expiry, next-event wait, sender id, PSD2) for the
builder and :class:`V2Options` (locale, channel timeout, client reference, code length 4-10,
custom code). Send then goes to ``VerificationService.send_v2``; a 422 answer's
``invalid_parameters`` are shown inline on the field or row they name, a 409 opens the
concurrent-request panel with the live request's id.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop_app.domain.errors import (
    ConcurrentVerificationError,
    FieldError,
    InvalidParameterError,
    ValidationFailed,
)
from desktop_app.domain.v2 import (
    CHANNEL_TIMEOUT_RANGE,
    CODE_LENGTH_RANGE,
    EMAIL,
    LOCALES,
    SILENT_AUTH,
    SMS,
    VOICE,
    WHATSAPP,
)
from desktop_app.domain.v2_validation import (
    CHANNEL_EXTRAS,
    V2ChannelForm,
    V2Form,
    check_channel,
    v2_field_error,
    v2_form_errors,
)
from desktop_app.ui import messages
from desktop_app.ui.formatting import V2_CHANNEL_NAMES
from desktop_app.ui.validators import FieldErrorLabel, add_checked_row, data_combo, line_edit

if TYPE_CHECKING:
    from desktop_app.services.verification import VerificationService

__all__ = [
    "API_V1",
    "API_V2",
    "CHANNEL_NAMES",
    "ChannelRow",
    "V2Options",
    "V2Section",
    "WorkflowBuilder",
    "api_field_errors",
    "channels_text",
]

API_V1 = "v1"
API_V2 = "v2"
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
_ROW = "row"
_WORKFLOW_NAME = re.compile(r"workflow\[(\d+)\](?:\.(\w+))?")
_QUOTED = re.compile(r"`(\w+)`")


def channels_text(channels: Iterable[str]) -> str:
    """``"SMS → Voice call"`` for ``("sms", "voice")``."""
    return " → ".join(CHANNEL_NAMES.get(c, c) for c in channels)


def api_field_errors(invalid_parameters: Sequence[tuple[str, str]]) -> list[FieldError]:
    """A 422's ``(name, reason)`` pairs as field errors named like the form's fields.

    The API may name a whole channel (``workflow[1]``) and put the field in the reason
    ("`from` is required ..."): the field is then read from the first quoted name.
    """
    errors: list[FieldError] = []
    for name, reason in invalid_parameters:
        field = name
        match = _WORKFLOW_NAME.fullmatch(name)
        if match is not None and match.group(2) is None:
            quoted = _QUOTED.search(reason)
            keys = {"to", "from", "channel", *CHANNEL_EXTRAS[SMS], *CHANNEL_EXTRAS[SILENT_AUTH]}
            if quoted is not None and quoted.group(1) in keys:
                field = f"{name}.{quoted.group(1)}"
            elif quoted is not None and quoted.group(1) in CHANNEL_NAMES:
                field = f"{name}.channel"
        errors.append(FieldError(field, reason))
    return errors


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
        self.channel_combo = data_combo(self, [(text, key) for key, text in CHANNEL_NAMES.items()])
        self.up_button = self._tool("↑", "Move up (Alt+Up)")
        self.down_button = self._tool("↓", "Move down (Alt+Down)")
        self.remove_button = self._tool("✕", "Remove this channel (Alt+Delete)")
        self.more_toggle = QToolButton(self)
        self.more_toggle.setText("More")
        self.more_toggle.setCheckable(True)
        self.more_toggle.setAutoRaise(True)
        self.more_toggle.setToolTip("The channel's optional extras")
        head = QHBoxLayout()
        head.addWidget(self.index_label)
        head.addWidget(self.channel_combo, 1)
        head.addWidget(self.more_toggle)
        for button in (self.up_button, self.down_button, self.remove_button):
            head.addWidget(button)
        self.to_edit = line_edit(self, "")
        self.from_edit = line_edit(self, "")
        self.form_layout = QFormLayout()
        self.form_layout.setContentsMargins(0, 0, 0, 0)
        self._field("&To:", self.to_edit, "to", "Who receives the code")
        self._field("&From:", self.from_edit, "from", "The sender the customer sees")
        for key in (*CHANNEL_EXTRAS[SMS], *CHANNEL_EXTRAS[SILENT_AUTH]):
            edit = line_edit(self, "optional")
            self.extra_edits[key] = edit
            self._field(_EXTRA_LABELS[key], edit, key, _EXTRA_TIPS[key])
        self.errors["channel"] = FieldErrorLabel("channel", self)
        self.errors[_ROW] = FieldErrorLabel("channel problem", self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.addLayout(head)
        layout.addWidget(self.errors["channel"])
        layout.addLayout(self.form_layout)
        layout.addWidget(self.errors[_ROW])
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
            target = field if field in self.errors and self._shown(field) else _ROW
            by_field.setdefault(target, error)
            if target in CHANNEL_EXTRAS[self.channel()]:
                self.more_toggle.setChecked(True)
        for name, label in self.errors.items():
            label.show_error(by_field.get(name))

    def _shown(self, field: str) -> bool:
        if field in ("channel", _ROW, "to"):
            return True
        if field == "from":
            return self.channel() in _FROM_PLACEHOLDER
        return field in CHANNEL_EXTRAS[self.channel()]

    # -- slots --------------------------------------------------------------------------------

    def _on_channel_changed(self, *_args: object) -> None:
        channel = self.channel()
        extras = CHANNEL_EXTRAS[channel]
        self.more_toggle.setVisible(bool(extras))
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
            self.to_edit.setPlaceholderText(f"the main number ({self._default_to})")
        else:
            self.to_edit.setPlaceholderText("the main number, or another one")
        self.from_edit.setPlaceholderText(_FROM_PLACEHOLDER.get(channel, ""))


class WorkflowBuilder(QWidget):
    """The ordered channels of a Verify v2 request, each checked inline.

    Signals:
        changed(): a channel was added, removed, moved or edited.

    Args:
        parent: The owning widget.
        region: Returns the region national numbers are read in (``""``: none).
    """

    changed = Signal()

    def __init__(
        self, parent: QWidget | None = None, *, region: Callable[[], str] | None = None
    ) -> None:
        super().__init__(parent)
        self.rows: list[ChannelRow] = []
        self._region = region or str
        self._default_to = ""
        self.rows_layout = QVBoxLayout()
        self.rows_layout.setContentsMargins(0, 0, 0, 0)
        self.add_button = QPushButton("&Add channel", self)
        self.add_button.setToolTip("Add a channel at the end of the workflow (Alt+Insert)")
        self.add_button.setAccessibleName("Add channel")
        self.workflow_error = FieldErrorLabel("workflow", self)
        title = QLabel("Workflow: channels tried in order, the next after the channel timeout")
        title.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(title)
        layout.addLayout(self.rows_layout)
        layout.addWidget(self.workflow_error)
        layout.addWidget(self.add_button, 0, Qt.AlignmentFlag.AlignLeft)
        self.add_shortcut = QShortcut(QKeySequence("Alt+Insert"), self)
        self.add_shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.add_button.clicked.connect(self._on_add_button_clicked)
        self.add_shortcut.activated.connect(self._on_add_button_clicked)
        self.changed.connect(self.recheck)

    # -- editing ------------------------------------------------------------------------------

    def add_channel(
        self, channel: str = SMS, *, to: str = "", from_: str = "",
        extras: dict[str, str] | None = None,
    ) -> ChannelRow:  # fmt: skip
        """Append a channel row and return it."""
        row = ChannelRow(self)
        row.set_channel(channel)
        row.to_edit.setText(to)
        row.from_edit.setText(from_)
        for key, value in (extras or {}).items():
            row.extra_edits[key].setText(value)
        row.set_default_to(self._default_to)
        row.changed.connect(self.changed)
        row.move_requested.connect(self.move_row)
        row.remove_requested.connect(self.remove_row)
        self.rows.append(row)
        self._relayout()
        return row

    def remove_row(self, row: ChannelRow) -> None:
        """Remove ``row`` (the focus moves to a neighbour)."""
        if row not in self.rows:
            return
        index = self.rows.index(row)
        self.rows.remove(row)
        row.hide()
        row.deleteLater()
        self._relayout()
        if self.rows:
            self.rows[min(index, len(self.rows) - 1)].channel_combo.setFocus()
        else:
            self.add_button.setFocus()

    def move_row(self, row: ChannelRow, delta: int) -> None:
        """Move ``row`` up (-1) or down (+1); the focus stays on it."""
        index = self.rows.index(row)
        target = index + delta
        if not 0 <= target < len(self.rows):
            return
        self.rows[index], self.rows[target] = self.rows[target], self.rows[index]
        self._relayout()
        row.channel_combo.setFocus()

    def clear(self) -> None:
        """Remove every row."""
        for row in list(self.rows):
            self.remove_row(row)

    def set_default_to(self, number: str) -> None:
        """The main number (the phone channels' ``to`` while theirs is empty)."""
        self._default_to = number.strip()
        for row in self.rows:
            row.set_default_to(self._default_to)
        self.recheck()

    def channels(self) -> tuple[str, ...]:
        """The channel of each row, in order."""
        return tuple(row.channel() for row in self.rows)

    def entries(self) -> tuple[V2ChannelForm, ...]:
        """The workflow as the domain reads it."""
        return tuple(row.entry() for row in self.rows)

    def _relayout(self) -> None:
        for row in self.rows:
            self.rows_layout.removeWidget(row)
        for index, row in enumerate(self.rows):
            self.rows_layout.addWidget(row)
            row.show()  # at once (the layout would only show it on the next loop turn)
            row.set_index(index, len(self.rows))
        self.changed.emit()

    # -- errors -------------------------------------------------------------------------------

    def recheck(self) -> list[FieldError]:
        """Check every row now and show each problem under its field; returns them all."""
        region = self._region() or None
        errors: list[FieldError] = []
        for index, row in enumerate(self.rows):
            entry = row.entry()
            problems = check_channel(index, entry, default_region=region)[1]
            if not entry.to.strip():
                # Nothing typed yet: a missing `to` is said on Send, not while the form is empty.
                problems = [e for e in problems if not e.field.endswith(".to")]
            errors.extend(problems)
        if not self.rows:
            errors.append(FieldError("workflow", "add at least one channel"))
        self.show_errors(errors)
        return errors

    def show_errors(self, errors: Iterable[FieldError]) -> list[FieldError]:
        """Show the ``workflow``/``workflow[i]...`` errors; returns the ones not about it."""
        per_row: dict[int, list[tuple[str, FieldError]]] = {i: [] for i in range(len(self.rows))}
        workflow: FieldError | None = None
        others: list[FieldError] = []
        for error in errors:
            match = _WORKFLOW_NAME.fullmatch(error.field)
            if error.field == "workflow":
                workflow = workflow or error
            elif match is not None and int(match.group(1)) < len(self.rows):
                per_row[int(match.group(1))].append((match.group(2) or _ROW, error))
            elif match is not None:
                workflow = workflow or error
            else:
                others.append(error)
        for index, row in enumerate(self.rows):
            row.show_errors(per_row[index])
        self.workflow_error.show_error(workflow)
        return others

    def _on_add_button_clicked(self) -> None:
        used = self.channels()
        nxt = VOICE if used and used[-1] == SMS else SMS
        row = self.add_channel(nxt)
        row.channel_combo.setFocus()


class V2Options(QGroupBox):
    """The optional v2 start fields, each with its inline rule.

    Attributes:
        errors: The inline error label of each field, by v2 field name.
        rows: Each field's form row cell, by v2 field name.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Verify v2 options", parent)
        self.errors: dict[str, FieldErrorLabel] = {}
        self.rows: dict[str, QWidget] = {}
        self.form_layout = QFormLayout(self)
        self.locale_combo = data_combo(self, [("Default (en-us)", "")]
                                       + [(code, code) for code in LOCALES])  # fmt: skip
        low, high = CODE_LENGTH_RANGE
        self.code_length_combo = data_combo(
            self, [("Default (4)", "")] + [(str(n), str(n)) for n in range(low, high + 1)]
        )
        self.channel_timeout_edit = line_edit(self, "300 (default)")
        self.client_ref_edit = line_edit(self, "optional, echoed in callbacks")
        self.code_edit = line_edit(self, "optional custom code, 4 to 10")
        self.code_edit.setEchoMode(QLineEdit.EchoMode.Password)
        t_low, t_high = CHANNEL_TIMEOUT_RANGE
        fields: tuple[tuple[str, QWidget, str, str], ...] = (
            ("L&ocale:", self.locale_combo, "locale", "Language of the messages (13 locales)"),
            ("Channel &timeout (s):", self.channel_timeout_edit, "channel_timeout",
             f"{t_low} to {t_high} s before the next channel"),
            ("Client &ref:", self.client_ref_edit, "client_ref",
             "Your reference, echoed in callbacks (1 to 16 characters)"),
            ("Code &length:", self.code_length_combo, "code_length", f"{low} to {high}"),
            ("Custom &code:", self.code_edit, "code",
             "Only if the account allows custom codes; never stored"),
        )  # fmt: skip
        for label, widget, name, tip in fields:
            self.errors[name] = FieldErrorLabel(name, self)
            self.rows[name] = add_checked_row(self.form_layout, label, widget, self.errors[name],
                                              tip)  # fmt: skip
        for edit in (self.channel_timeout_edit, self.client_ref_edit, self.code_edit):
            edit.textChanged.connect(self.recheck)
        self.code_length_combo.currentIndexChanged.connect(self.recheck)

    def values(self) -> dict[str, str]:
        """The raw values (``""`` = the API default)."""
        return {
            "locale": str(self.locale_combo.currentData() or ""),
            "channel_timeout": self.channel_timeout_edit.text(),
            "client_ref": self.client_ref_edit.text(),
            "code_length": str(self.code_length_combo.currentData() or ""),
            "code": self.code_edit.text(),
        }

    def recheck(self, *_args: object) -> list[FieldError]:
        """Check every field now and show the verdicts; returns the problems."""
        values = self.values()
        errors: list[FieldError] = []
        for name in self.errors:
            context = {"code_length": values["code_length"]} if name == "code" else {}
            error = v2_field_error(name, values[name], **context)
            self.errors[name].show_error(error)
            if error is not None:
                errors.append(error)
        return errors

    def show_errors(self, errors: Iterable[FieldError]) -> list[FieldError]:
        """Show the errors about these fields; returns the others."""
        mine: dict[str, FieldError] = {}
        others: list[FieldError] = []
        for error in errors:
            if error.field in self.errors:
                mine.setdefault(error.field, error)
            else:
                others.append(error)
        for name, label in self.errors.items():
            label.show_error(mine.get(name))
        return others


class V2Section(QWidget):
    """The Send page's Verify v2 mode (see the module docstring).

    Build it with :meth:`install`, which adds the API picker to the page and this section under
    the page's fields.

    Args:
        page: The Send page (a ``SendForm``).
        verification: Sends the v2 start.
    """

    def __init__(self, page: Any, verification: VerificationService) -> None:
        super().__init__(page)
        self._page = page
        self._verification = verification
        self.api_combo = data_combo(page, [("Verify v1", API_V1), ("Verify v2", API_V2)])
        self.api_combo.setToolTip("Which Verify API sends the code (v2: a channel workflow)")
        self.api_combo.setAccessibleName("API")
        self.builder = WorkflowBuilder(self, region=page.region)
        self.options = V2Options(self)
        self.unplaced = QLabel(self)
        self.unplaced.setWordWrap(True)
        self.unplaced.setAccessibleName("Other problems")
        hint = QLabel("Moving from v1? See Help ▸ Moving to Verify v2.", self)
        hint.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.builder)
        layout.addWidget(self.options)
        layout.addWidget(self.unplaced)
        layout.addWidget(hint)
        self.builder.add_channel(SMS)
        self.unplaced.setVisible(False)

    @classmethod
    def install(cls, page: Any, verification: VerificationService) -> V2Section:
        """Add the API picker (first row) and the section (under the fields) to ``page``."""
        section = cls(page, verification)
        page.main_layout.insertRow(0, "&API:", section.api_combo)
        page.layout().insertWidget(page.layout().indexOf(page.advanced) + 1, section)
        section.api_combo.currentIndexChanged.connect(section._on_api_changed)
        page.number_edit.textChanged.connect(section._on_number_changed)
        section._on_api_changed()
        return section

    @property
    def active(self) -> bool:
        """True in Verify v2 mode."""
        return self.api_combo.currentData() == API_V2

    def set_api(self, api: str) -> None:
        """Choose ``"v1"`` or ``"v2"``."""
        self.api_combo.setCurrentIndex(max(self.api_combo.findData(api), 0))

    def form(self) -> V2Form:
        """The v2 start form as typed."""
        return V2Form(brand=self._page.brand_edit.text(), channels=self.builder.entries(),
                      **self.options.values())  # fmt: skip

    def show_errors(self, errors: Sequence[FieldError]) -> None:
        """Show each problem on its field or row; what has no place goes under the section."""
        rest = self.builder.show_errors(errors)
        rest = self.options.show_errors(rest)
        brand = next((e for e in rest if e.field == "brand"), None)
        self._page.errors["brand"].show_error(brand)
        unplaced = [e for e in rest if e.field != "brand"]
        self.unplaced.setText("\n".join(str(e) for e in unplaced))
        self.unplaced.setVisible(bool(unplaced))

    # -- sending ------------------------------------------------------------------------------

    def send(self) -> None:
        """Validate, confirm an unknown number range if needed, and send (Send / Ctrl+Enter)."""
        page = self._page
        form = self.form()
        errors = v2_form_errors(form, default_region=page.region() or None)
        self.show_errors(errors)
        blocking = [e.field for e in errors if not e.overridable]
        if blocking:
            names = ", ".join(dict.fromkeys(blocking))
            page.result_label.setText(f"Fix the fields marked in red ({names}); nothing was sent.")
            return
        if errors and not page._confirm_unknown(errors):
            page.result_label.setText("Not sent.")
            return
        self._send(form, bool(errors))

    def _send(self, form: V2Form, allow_unknown_number: bool) -> None:
        page = self._page
        page.concurrent_panel.clear()
        task = self._verification.send_v2(form, allow_unknown_number=allow_unknown_number)
        page._set_busy(True)
        page.result_label.setText("Sending (Verify v2)…")
        task.succeeded.connect(page._on_send_task_succeeded)
        task.failed.connect(self._on_send_task_failed)
        task.finished.connect(lambda: page._set_busy(False))

    def _on_send_task_failed(self, exc: BaseException) -> None:
        page = self._page
        if isinstance(exc, ConcurrentVerificationError) and exc.request_id:
            page.result_label.setText("")
            page.concurrent_panel.show_request(exc.request_id)
            return
        if isinstance(exc, InvalidParameterError) and exc.invalid_parameters:
            self.show_errors(api_field_errors(exc.invalid_parameters))
            page.result_label.setText(
                "The API refused some values (HTTP 422); they are marked on their fields."
            )
            return
        if isinstance(exc, ValidationFailed):
            self.show_errors(exc.errors)
            if exc.only_overridable and page._confirm_unknown(exc.errors):
                self._send(self.form(), True)
                return
        page.result_label.setText(messages.describe(exc))

    # -- slots --------------------------------------------------------------------------------

    def _on_number_changed(self, *_args: object) -> None:
        self.builder.set_default_to(self._page.number_edit.text())
        if self.active:
            self._hide_v1_hints()

    def _hide_v1_hints(self) -> None:
        self._page.landline_hint.setVisible(False)
        self._page.voice_button.setVisible(False)

    def _on_api_changed(self, *_args: object) -> None:
        page = self._page
        v2 = self.active
        if v2 and page.psd2_check.isChecked():
            page.psd2_check.setChecked(False)
        page.main_layout.setRowVisible(page.psd2_check, not v2)
        page.advanced_toggle.setVisible(not v2)
        page.advanced.setVisible(not v2 and page.advanced_toggle.isChecked())
        self.setVisible(v2)
        page.send_button.setToolTip(
            "Send the code with Verify v2 (Ctrl+Enter)" if v2 else "Send the code (Ctrl+Enter)"
        )
        page.brand_edit.setPlaceholderText(
            "appears in the message, max 16" if v2 else "appears in the message, max 18"
        )
        page.show_errors([])
        self.show_errors([])
        page.result_label.clear()
        if v2:
            self._hide_v1_hints()
            self.builder.set_default_to(page.number_edit.text())
        else:
            page._on_number_changed()
