"""Compose one Messages API message: only the fields its channel and type need, checked inline.

:class:`MessageComposer` is the "A message" side of the Message page. The channel and message
type pickers decide which rows show (text; a media address and caption; a WhatsApp template's
name, parameters and language; an authentication template; Viber's time-to-live and button;
Messenger's category and tag), plus ``client_ref`` and an optional failover (a second channel
and text, tried when the first is rejected).

Every rule is the domain's: a field's rule runs as it is typed
(:func:`~desktop_app.domain.messages_fields.message_field_error`), and the whole message's
(:func:`~desktop_app.domain.messages_validation.message_errors`) when Send is pressed. Each
problem, like each reason of an API 422
(:func:`~desktop_app.domain.messages_fields.api_field_errors`), is shown under the field its
path names; one no row shows goes to the line under the form.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from desktop_app.domain.errors import FieldError
from desktop_app.domain.messages import (
    CHANNEL_MESSAGE_TYPES,
    CHANNELS,
    DEFAULT_TEMPLATE_LOCALE,
    TEXT,
    MessageRequest,
)
from desktop_app.domain.messages_fields import FIELD_RULES, as_sent, message_field_error
from desktop_app.domain.messages_validation import AUTH_TEMPLATE_PATHS, message_errors
from desktop_app.ui.fitting import shrinkable, wrapped
from desktop_app.ui.message_form import (
    FAILOVER_CHANNELS,
    FIELD_DEFAULTS,
    build_request,
    field_shown,
)
from desktop_app.ui.message_words import CHANNEL_LABELS, MESSAGE_TYPE_LABELS
from desktop_app.ui.validators import FieldErrorLabel, add_checked_row

__all__ = ["MessageComposer"]

_MESSENGER_CATEGORIES = (("Default (response)", ""), ("Response", "response"),
                         ("Update", "update"), ("Message tag", "message_tag"))  # fmt: skip


@dataclass
class _Row:
    """One input row: its widget, its text, its inline label and its form cell."""

    path: str
    widget: QWidget
    text: Callable[[], str]
    error: FieldErrorLabel
    cell: QWidget


class MessageComposer(QWidget):
    """The fields of one message (and its failover) for the channel and type chosen.

    Args:
        parent: The owning widget.

    Attributes:
        rows: Every input row by its field path (``"text"``, ``"failover[0].text"``...).
        other_errors: Problems of fields no row shows, under the form.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rows: dict[str, _Row] = {}
        self._touched: set[str] = set()
        self.form = QFormLayout()
        self.form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        self.channel_combo = shrinkable(QComboBox(self), 10)
        for channel in CHANNELS:
            self.channel_combo.addItem(CHANNEL_LABELS[channel], channel)
        self.channel_combo.setAccessibleName("Channel")
        self.type_combo = shrinkable(QComboBox(self), 12)
        self.type_combo.setAccessibleName("Message type")
        self.form.addRow("C&hannel:", self.channel_combo)
        self.form.addRow("T&ype:", self.type_combo)
        self._add("to", "&To:", QLineEdit(self), "The recipient's number in international format "
                  "(+44 7700 900123 or 447700900123); "
                  "Messenger: the recipient's page-scoped id")  # fmt: skip
        self._add("from", "&From:", QLineEdit(self), "The sender: your number, an SMS sender "
                  "id, a Viber service id or a Messenger page id")  # fmt: skip
        self._add("text", "Te&xt:", _short_text(self), "The message's text")
        self._add("media.url", "&Address:", QLineEdit(self), "The file's public https:// address")
        self._add("media.caption", "Caption:", QLineEdit(self), "Optional: shown with the file")
        self._add("video.thumb_url", "Thumbnail:", QLineEdit(self),
                  "Viber videos: the thumbnail's https:// address")  # fmt: skip
        self._add("template.name", "Te&mplate:", QLineEdit(self),
                  "The approved WhatsApp template, namespace:name")  # fmt: skip
        self._add("template.parameters", "Parameters:", _short_text(self),
                  "The template's {{1}}, {{2}}... values, one per line")  # fmt: skip
        self._add("whatsapp.locale", "Language:", QLineEdit(self),
                  f"The template's language (default {DEFAULT_TEMPLATE_LOCALE})")  # fmt: skip
        self._add(AUTH_TEMPLATE_PATHS["name"], "Auth template:", QLineEdit(self),
                  "The approved WhatsApp authentication template's name")  # fmt: skip
        self._add(AUTH_TEMPLATE_PATHS["code"], "Code:", QLineEdit(self),
                  "The code shown in the template and on its copy-code button")  # fmt: skip
        self._add(AUTH_TEMPLATE_PATHS["locale"], "Language:", QLineEdit(self),
                  f"The template's language (default {DEFAULT_TEMPLATE_LOCALE})")  # fmt: skip
        self._add("viber_service.ttl", "Viber TTL (s):", QLineEdit(self),
                  "Optional: seconds Viber may keep trying, 30 to 259200")  # fmt: skip
        self._add("viber_service.action.text", "Button text:", QLineEdit(self),
                  "Optional: a button under the message (at most 30 characters)")  # fmt: skip
        self._add("viber_service.action.url", "Button link:", QLineEdit(self),
                  "The address the button opens")  # fmt: skip
        self.category_combo = QComboBox(self)
        for label, value in _MESSENGER_CATEGORIES:
            self.category_combo.addItem(label, value)
        self._add("messenger.category", "Category:", self.category_combo,
                  "Messenger's message category")  # fmt: skip
        self._add("messenger.tag", "Tag:", QLineEdit(self),
                  "Required with Message tag, e.g. CONFIRMED_EVENT_UPDATE")  # fmt: skip
        self._add("client_ref", "Your &ref:", QLineEdit(self),
                  "Optional: echoed in every status (client_ref, at most 100 characters)")
        self.failover_check = QCheckBox("If it is rejected, try another &channel", self)
        self.form.addRow(self.failover_check)
        self.failover_combo = shrinkable(QComboBox(self), 10)
        for channel in FAILOVER_CHANNELS:
            self.failover_combo.addItem(CHANNEL_LABELS[channel], channel)
        self.failover_combo.setAccessibleName("Failover channel")
        self.failover_channel_cell = self._cell_of(self.failover_combo, "Then by:")
        self._add("failover[0].from", "Then from:", QLineEdit(self), "The failover's sender")
        self._add("failover[0].text", "Then text:", _short_text(self), "The failover's text")
        self.other_errors = wrapped()
        self.other_errors.setAccessibleName("Other problems")
        self.other_errors.setVisible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(self.form)
        layout.addWidget(self.other_errors)
        for path, default in FIELD_DEFAULTS.items():
            field = self.rows[path].widget
            if isinstance(field, QLineEdit):
                field.setPlaceholderText(default)
        self._connect_signals()
        self._on_channel_changed()

    # -- building the rows --------------------------------------------------------------------

    def _add(self, path: str, label: str, widget: QWidget, tip: str) -> None:
        error = FieldErrorLabel(path, self)
        cell = add_checked_row(self.form, label, widget, error, tip)
        if isinstance(widget, QLineEdit):
            text: Callable[[], str] = widget.text
            widget.textChanged.connect(lambda _t, p=path: self._on_edited(p))
        elif isinstance(widget, QPlainTextEdit):
            text = widget.toPlainText
            widget.textChanged.connect(lambda p=path: self._on_edited(p))
        else:
            assert isinstance(widget, QComboBox)
            combo = widget
            text = lambda: str(combo.currentData() or "")  # noqa: E731
            widget.currentIndexChanged.connect(lambda _i, p=path: self._on_edited(p))
        self.rows[path] = _Row(path, widget, text, error, cell)

    def _cell_of(self, widget: QWidget, label: str) -> QWidget:
        self.form.addRow(label, widget)
        return widget

    def _connect_signals(self) -> None:
        self.channel_combo.currentIndexChanged.connect(self._on_channel_changed)
        self.type_combo.currentIndexChanged.connect(self._on_type_changed)
        self.failover_check.toggled.connect(self._on_type_changed)
        self.failover_combo.currentIndexChanged.connect(self._on_failover_channel_changed)

    # -- what is chosen -----------------------------------------------------------------------

    @property
    def channel(self) -> str:
        """The first message's channel, as the API spells it."""
        return str(self.channel_combo.currentData())

    @property
    def message_type(self) -> str:
        """The first message's type."""
        return str(self.type_combo.currentData() or TEXT)

    @property
    def failover_channel(self) -> str | None:
        """The failover's channel, or None without one."""
        return str(self.failover_combo.currentData()) if self.failover_check.isChecked() else None

    def set_channel(self, channel: str, message_type: str = TEXT) -> None:
        """Pick a channel and a type (the rows follow)."""
        self.channel_combo.setCurrentIndex(max(self.channel_combo.findData(channel), 0))
        self.type_combo.setCurrentIndex(max(self.type_combo.findData(message_type), 0))

    def field(self, path: str) -> QWidget:
        """The input of a field path (tests and the page fill it)."""
        return self.rows[path].widget

    def visible_paths(self) -> list[str]:
        """The field paths whose rows show for the channel and type chosen."""
        return [p for p, row in self.rows.items() if self.form.isRowVisible(row.cell)]

    def _shows(self, path: str) -> bool:
        return field_shown(path, self.channel, self.message_type, self.failover_channel)

    def _on_channel_changed(self, *_args: object) -> None:
        kind = self.message_type
        self.type_combo.blockSignals(True)
        self.type_combo.clear()
        for name in CHANNEL_MESSAGE_TYPES[self.channel]:
            self.type_combo.addItem(MESSAGE_TYPE_LABELS[name], name)
        self.type_combo.setCurrentIndex(max(self.type_combo.findData(kind), 0))
        self.type_combo.blockSignals(False)
        self._on_type_changed()

    def _on_type_changed(self, *_args: object) -> None:
        for path, row in self.rows.items():
            self.form.setRowVisible(row.cell, self._shows(path))
        self.form.setRowVisible(self.failover_channel_cell, self.failover_check.isChecked())
        self._recheck_touched()

    def _on_failover_channel_changed(self, *_args: object) -> None:
        self._recheck_touched()

    # -- rules --------------------------------------------------------------------------------

    def _api_path(self, path: str) -> str:
        """The API's path of a row whose path stands for any media type."""
        if path.startswith("media."):
            return f"{self.message_type}.{path.split('.', 1)[1]}"
        return path

    def _live_error(self, path: str) -> FieldError | None:
        """The row's own rule (when it has one) on its current text."""
        api_path = self._api_path(path)
        rule_name = api_path.split("].", 1)[1] if api_path.startswith("failover[") else api_path
        if rule_name not in FIELD_RULES:
            return None
        channel = self.failover_channel if api_path.startswith("failover[") else self.channel
        if channel is None:
            return None
        context = {"category": self.rows["messenger.category"].text() or None}
        # An empty optional field takes its default (what ``request`` sends).
        value = self._typed(path) or FIELD_DEFAULTS.get(path, "")
        return message_field_error(api_path, value, channel=channel, **context)

    def _on_edited(self, path: str) -> None:
        self._touched.add(path)
        if path == "messenger.category":
            self._touched.add("messenger.tag")
        self._recheck_touched()

    def _recheck_touched(self) -> None:
        for path in self._touched:
            row = self.rows[path]
            row.error.show_error(self._live_error(path) if self._shows(path) else None)

    def clear_errors(self) -> None:
        """Hide every problem shown."""
        for row in self.rows.values():
            row.error.show_error(None)
        self.other_errors.setVisible(False)

    def show_errors(self, errors: Iterable[FieldError]) -> list[str]:
        """Show each problem under its field's row; returns the paths shown.

        A path no visible row stands for (``viber_service.duration``) goes to the line under
        the form, named.
        """
        self.clear_errors()
        others: list[str] = []
        shown: list[str] = []
        for error in errors:
            row = self._row_for(error.field)
            if row is not None and row.error.error is None:
                row.error.show_error(error)
            elif row is None:
                others.append(f"{error.field.replace('_', ' ')}: {error.message}")
            shown.append(error.field)
        self.other_errors.setText("\n".join(f"✗ {line}" for line in others))
        self.other_errors.setVisible(bool(others))
        return shown

    def _row_for(self, path: str) -> _Row | None:
        kind = self.message_type
        candidates = [path]
        if path.startswith(f"{kind}."):
            candidates.append(f"media.{path.split('.', 1)[1]}")
        if path.startswith("template.parameters"):
            candidates.append("template.parameters")
        if path.startswith("failover[0].") and path.endswith(".url"):
            candidates.append("failover[0].text")
        for candidate in candidates:
            row = self.rows.get(candidate)
            if row is not None and self._shows(candidate):
                return row
        return None

    # -- the request --------------------------------------------------------------------------

    def request(self) -> MessageRequest:
        """The message as the form describes it (not validated)."""
        return build_request(self._typed, self.channel, self.message_type,
                             self.failover_channel)  # fmt: skip

    def _typed(self, path: str) -> str:
        """A row's text as the API takes it.

        A phone number written ``+44 7700 900123`` becomes ``447700900123``, as people copy
        numbers in that form and the Send page takes them so.
        """
        channel = self.failover_channel if path.startswith("failover[") else self.channel
        return as_sent(path, self.rows[path].text(), channel)

    def problems(self) -> tuple[MessageRequest, list[FieldError]]:
        """The request and every problem of it: the rows' own rules, then the whole message's."""
        request = self.request()
        errors = [e for p in self.rows if self._shows(p) and (e := self._live_error(p))]
        seen = {e.field for e in errors}
        errors += [e for e in message_errors(request) if e.field not in seen]
        self._touched.update(p for p in self.rows if self._shows(p))
        return request, errors


def _short_text(parent: QWidget) -> QPlainTextEdit:
    """A few lines of text (it scrolls beyond them; the page never grows for it)."""
    edit = QPlainTextEdit(parent)
    edit.setTabChangesFocus(True)
    line = edit.fontMetrics().lineSpacing()
    # Four lines: lower, its scroll bar (for a long text) gets less than its least height.
    edit.setFixedHeight(4 * line + 12)
    return edit
