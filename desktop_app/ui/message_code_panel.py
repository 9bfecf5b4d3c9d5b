"""Send a one-time code by message, then check the code the customer reads out.

:class:`MessageCodePanel` is the "A code by message" side of the Message page: channel, number,
sender, brand, the text's template (with ``{code}``), an optional WhatsApp authentication
template, the code's length and expiry. Its rules are the domain's code-form rules
(:func:`~desktop_app.domain.message_code_form.code_form_errors`) and the Messages rules of the
recipient and sender (:func:`~desktop_app.domain.messages_fields.message_field_error`), each
shown under its field once the field was edited (all of them at Send). The code itself is made
and checked by the desk; this panel never sees it.

Under the form, a small check box: once a code was sent, the code typed there is checked
against it (``MessagesService.check_code``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop_app.domain.errors import FieldError
from desktop_app.domain.message_code_form import (
    CODE_CHANNELS,
    DEFAULT_CODE_LENGTH,
    DEFAULT_CODE_TEMPLATE,
    CodeForm,
    code_form_errors,
)
from desktop_app.domain.messages import WHATSAPP
from desktop_app.domain.messages_fields import as_sent, message_field_error
from desktop_app.domain.workflows import DEFAULT_PIN_EXPIRY
from desktop_app.ui.details_disclosure import MessageLine
from desktop_app.ui.fitting import shrinkable
from desktop_app.ui.message_words import CHANNEL_LABELS
from desktop_app.ui.validators import FieldErrorLabel, add_checked_row

__all__ = ["MessageCodePanel"]


class MessageCodePanel(QWidget):
    """The code-by-message form and its check box.

    Args:
        parent: The owning widget.

    Attributes:
        edits: The form's inputs by the code form's field names.
        errors: Each field's inline label.
        code_edit, check_button: The check box (enabled once a code was sent).
        check_result: What the last check said.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._touched: set[str] = set()
        #: The message id of the code sent last (what Check checks against), or None.
        self.message_id: str | None = None
        self.form = QFormLayout()
        self.form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        self.channel_combo = shrinkable(QComboBox(self), 10)
        for channel in CODE_CHANNELS:
            self.channel_combo.addItem(CHANNEL_LABELS[channel], channel)
        self.edits: dict[str, QLineEdit] = {}
        self.errors: dict[str, FieldErrorLabel] = {}
        self.cells: dict[str, QWidget] = {}
        self.errors["channel"] = FieldErrorLabel("channel", self)
        add_checked_row(self.form, "C&hannel:", self.channel_combo, self.errors["channel"],
                        "How the code goes: SMS, WhatsApp, Viber or Messenger")  # fmt: skip
        specs = (
            ("to", "&To:", "The customer's number in international format (+44 7700 900123); "
             "Messenger: the recipient's id", ""),
            ("from_", "&From:", "The sender: your number or sender id", ""),
            ("brand", "&Brand:", "Put where the text says {brand} (at most 18 characters)", ""),
            ("template", "Te&xt:", "The text; {code} is replaced by the code",
             DEFAULT_CODE_TEMPLATE),
            ("auth_template", "Auth template:",
             "WhatsApp only: an approved authentication template (the code goes on its "
             "copy-code button instead of a text)", "optional"),
            ("code_length", "Code &length:", "Digits, 4 to 10", str(DEFAULT_CODE_LENGTH)),
            ("expiry", "&Expires after (s):", "Seconds the code lives, 60 to 3600",
             str(DEFAULT_PIN_EXPIRY)),
        )  # fmt: skip
        for name, label, tip, placeholder in specs:
            edit = QLineEdit(self)
            edit.setPlaceholderText(placeholder)
            self.edits[name] = edit
            self.errors[name] = FieldErrorLabel(name, self)
            self.cells[name] = add_checked_row(self.form, label, edit, self.errors[name], tip)
            edit.textChanged.connect(lambda _t, n=name: self._on_edited(n))
        self.code_edit = QLineEdit(self)
        self.code_edit.setPlaceholderText("code")
        self.code_edit.setAccessibleName("Code to check")
        self.code_edit.setMaxLength(10)
        self.check_button = QPushButton("Chec&k", self)
        self.check_result = MessageLine(self, name="Check result")
        check_row = QHBoxLayout()
        check_row.addWidget(self.code_edit, 1)
        check_row.addWidget(self.check_button)
        self.form.addRow("Code read out:", check_row)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(self.form)
        layout.addWidget(self.check_result)
        self.channel_combo.currentIndexChanged.connect(self._on_channel_changed)
        self.set_message_id(None)
        self._on_channel_changed()

    @property
    def channel(self) -> str:
        """The channel chosen, as the API spells it."""
        return str(self.channel_combo.currentData())

    def set_channel(self, channel: str) -> None:
        """Pick the channel."""
        self.channel_combo.setCurrentIndex(max(self.channel_combo.findData(channel), 0))

    def set_message_id(self, message_id: str | None) -> None:
        """Remember the code sent last (None: nothing to check yet)."""
        self.message_id = message_id
        self.code_edit.setEnabled(message_id is not None)
        self.check_button.setEnabled(message_id is not None)
        self.code_edit.setToolTip("" if message_id else "Send a code first")

    def form_values(self) -> CodeForm:
        """The form as typed."""
        text: Callable[[str], str] = lambda name: self.edits[name].text()  # noqa: E731
        return CodeForm(channel=self.channel, to=self._sent("to"), from_=self._sent("from_"),
                        brand=text("brand"), template=text("template"),
                        auth_template=text("auth_template"), code_length=text("code_length"),
                        expiry=text("expiry"))  # fmt: skip

    def _sent(self, name: str) -> str:
        """The recipient's or sender's text as the API takes it (``+44 7700…`` as digits)."""
        path = "from" if name == "from_" else name
        return as_sent(path, self.edits[name].text().strip(), self.channel)

    def problems(self) -> tuple[CodeForm, list[FieldError]]:
        """The form and every problem of it (the code form's rules, then to and from)."""
        form = self.form_values()
        _params, errors = code_form_errors(form)
        for name, path in (("to", "to"), ("from_", "from")):
            error = message_field_error(path, self._sent(name), channel=self.channel)
            if error is not None:
                errors.append(FieldError(name, error.message))
        return form, errors

    def show_errors(self, errors: Iterable[FieldError], *, only_touched: bool = False) -> None:
        """Show each problem under its field (``from`` is the ``from_`` row)."""
        by_field: dict[str, FieldError] = {}
        for error in errors:
            # The message's own paths: its sender, and its text (made from the template).
            name = {"from": "from_", "number": "to", "text": "template"}.get(
                error.field, error.field)
            by_field.setdefault(name, error)
        for name, label in self.errors.items():
            if only_touched and name not in self._touched:
                continue
            label.show_error(by_field.get(name))

    def touch_all(self) -> None:
        """Count every field as edited (Send shows every problem)."""
        self._touched.update(self.errors)

    def _on_edited(self, name: str) -> None:
        self._touched.add(name)
        self.show_errors(self.problems()[1], only_touched=True)

    def _on_channel_changed(self, *_args: object) -> None:
        self.form.setRowVisible(self.cells["auth_template"], self.channel == WHATSAPP)
        if self.channel != WHATSAPP:
            self.edits["auth_template"].clear()
        self.show_errors(self.problems()[1], only_touched=True)
