"""Inline validation helpers: every rule comes from ``domain.validation.field_error``.

The widgets never restate a rule. :class:`InlineRule` binds one input to the domain rule of one
field and to a small :class:`FieldErrorLabel` shown under it; :class:`RuleValidator` offers the
same rule as a ``QValidator`` (it never blocks typing, it only marks input as intermediate).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QKeySequence, QPalette, QShortcut, QValidator
from PySide6.QtWidgets import QComboBox, QFormLayout, QLabel, QLineEdit, QVBoxLayout, QWidget
from typing_extensions import override

from desktop_app.domain.errors import FieldError
from desktop_app.domain.languages import LANGUAGES, PSD2_LANGUAGES
from desktop_app.domain.phone import parse_number
from desktop_app.domain.validation import field_error

__all__ = [
    "ERROR_COLOURS", "FieldErrorLabel", "InlineRule", "RuleValidator", "add_checked_row",
    "bind_inline_rules", "data_combo", "field_problem", "fill_languages", "line_edit",
    "number_summary", "submit_shortcuts", "timing_hint",
]

TIMES = "\N{MULTIPLICATION SIGN}"
_TIMING_RULE = "PIN expiry must be an exact multiple of the next-event wait"
_API_DEFAULT_S = "300"
_LINE_TEXT = {"mobile": "mobile number", "fixed_line": "landline",
              "fixed_line_or_mobile": "landline or mobile number", "voip": "VoIP number"}

# (light palette, dark palette) text colours for a blocking error and an overridable warning.
ERROR_COLOURS = {"error": ("#b3261e", "#ff8a80"), "warning": ("#8a5a00", "#ffc46b")}


def field_problem(field: str, value: str, **context: Any) -> FieldError | None:
    """The domain rule's verdict on one field (see ``domain.validation.field_error``).

    Args:
        field: The rule's field name (``"brand"``, ``"pin_expiry"``, ...).
        value: The raw text.
        **context: The other raw fields the rule depends on.

    Returns:
        The problem, or ``None`` when the value is fine.
    """
    return field_error(field, value, **context)


def _is_dark(widget: QWidget) -> bool:
    return widget.palette().color(QPalette.ColorRole.Window).lightness() < 128


class FieldErrorLabel(QLabel):
    """A small word-wrapped label under a field, hidden while the field is fine.

    Args:
        field: The field it reports on (kept for tests and accessibility).
        parent: The owning widget.
    """

    def __init__(self, field: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.field = field
        self.error: FieldError | None = None
        self.setWordWrap(True)
        self.setAccessibleName(f"{field.replace('_', ' ')} problem")
        font = self.font()
        font.setPointSizeF(max(font.pointSizeF() - 1, 7.0))
        self.setFont(font)
        self.setVisible(False)

    def show_error(self, error: FieldError | None) -> None:
        """Show ``error`` (red, or amber for an overridable warning); ``None`` hides the label."""
        self.error = error
        if error is None:
            self.clear()
            self.setVisible(False)
            return
        kind = "warning" if error.overridable else "error"
        light, dark = ERROR_COLOURS[kind]
        self.setStyleSheet(f"color: {dark if _is_dark(self) else light};")
        prefix = "⚠ " if error.overridable else "✗ "
        self.setText(prefix + error.message)
        self.setVisible(True)

    @property
    def is_blocking(self) -> bool:
        """True when it shows an error that is not overridable."""
        return self.error is not None and not self.error.overridable


class InlineRule(QObject):
    """Re-check one field whenever its text (or a field it depends on) changes.

    Args:
        field: The domain field name.
        value: Returns the field's current raw text.
        label: Where the verdict is shown.
        context: Returns the extra keyword arguments of the field's rule.
        parent: Owner (usually the form).
    """

    def __init__(
        self,
        field: str,
        value: Callable[[], str],
        label: FieldErrorLabel,
        context: Callable[[], dict[str, Any]] | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.field = field
        self.label = label
        self._value = value
        self._context = context or dict

    def recheck(self, *_args: object) -> FieldError | None:
        """Run the rule now and show its verdict; connect any ``changed`` signal here."""
        error = field_problem(self.field, self._value(), **self._context())
        self.label.show_error(error)
        return error


class RuleValidator(QValidator):
    """A ``QValidator`` over one domain rule; bad input is Intermediate, never Invalid.

    Args:
        field: The domain field name.
        context: Returns the extra keyword arguments of the field's rule.
        parent: Owner.
    """

    def __init__(
        self,
        field: str,
        context: Callable[[], dict[str, Any]] | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.field = field
        self._context = context or dict

    @override
    def validate(self, text: str, pos: int) -> tuple[QValidator.State, str, int]:
        error = field_problem(self.field, text, **self._context())
        state = QValidator.State.Acceptable if error is None else QValidator.State.Intermediate
        return state, text, pos


def timing_hint(pin_expiry: str, next_event_wait: str) -> str:
    """Explain the PIN expiry / next-event wait rule with the numbers typed (300 = 1 x 300).

    Args:
        pin_expiry: The raw PIN expiry text (empty: the API default).
        next_event_wait: The raw next-event wait text (empty: the API default).
    """
    expiry = pin_expiry.strip() or _API_DEFAULT_S
    wait = next_event_wait.strip() or _API_DEFAULT_S
    if not (expiry.isdigit() and wait.isdigit() and int(wait) > 0):
        return f"{_TIMING_RULE} (e.g. 300 = 1 {TIMES} 300)."
    times, rest = divmod(int(expiry), int(wait))
    if rest:
        return f"{_TIMING_RULE}: {expiry} is not a multiple of {wait}."
    return f"{_TIMING_RULE}: {expiry} = {times} {TIMES} {wait} \N{CHECK MARK}"


def add_checked_row(form: QFormLayout, label: str, widget: QWidget, error: FieldErrorLabel,
                    tip: str) -> QWidget:
    """Add ``widget`` with its inline error label under it as one form row.

    Args:
        form: The form layout.
        label: The row label (with its ``&`` mnemonic).
        widget: The input.
        error: The label that shows the field's rule when it is broken.
        tip: Tooltip (and accessible description) of the input.

    Returns:
        The row's field cell (pass it to ``QFormLayout.setRowVisible``).
    """
    widget.setToolTip(tip)
    widget.setAccessibleName(label.rstrip(":").replace("&", ""))
    widget.setAccessibleDescription(tip)
    cell = QWidget(form.parentWidget())
    box = QVBoxLayout(cell)
    box.setContentsMargins(0, 0, 0, 0)
    box.setSpacing(2)
    box.addWidget(widget)
    box.addWidget(error)
    cell.setFocusProxy(widget)  # the row label's mnemonic and focus requests reach the input
    form.addRow(label, cell)
    return cell


def submit_shortcuts(widget: QWidget) -> list[QShortcut]:
    """Ctrl+Return and Ctrl+Enter (keypad) shortcuts that act while focus is inside ``widget``."""
    shortcuts = [QShortcut(QKeySequence(key), widget) for key in ("Ctrl+Return", "Ctrl+Enter")]
    for shortcut in shortcuts:
        shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
    return shortcuts


def number_summary(text: str, region: str) -> tuple[FieldError | None, str, bool]:
    """The number rule's verdict plus a one-line summary for the label beside the field.

    Args:
        text: The number as typed.
        region: The country picker's region (national input is read in it).

    Returns:
        ``(problem, summary, is_landline)``; the summary reads like
        ``"✓ valid mobile number (GB) · +44 7400 123456"`` (empty while there is nothing to say).
    """
    if not text.strip():
        return None, "", False
    error = field_problem("number", text, country=region)
    if error is not None and not error.overridable:
        return error, "", False
    info = parse_number(text, region or None)
    kind = _LINE_TEXT.get(info.line_type, "number")
    mark = "\N{CHECK MARK} valid" if info.valid else "possible"
    summary = f"{mark} {kind} ({info.region or '?'}) · {info.international}"
    return error, summary, info.line_type == "fixed_line"


def fill_languages(combo: QComboBox, *, psd2: bool) -> None:
    """Fill a language picker by name ("Welsh — cy-gb"), keeping the choice when still offered.

    Args:
        combo: The picker; item data is the ``lg`` code (``""`` for the API default).
        psd2: Offer the PSD2 list instead of the normal one.
    """
    current = combo.currentData()
    combo.clear()
    combo.addItem("Default (based on the number)", "")
    codes = PSD2_LANGUAGES if psd2 else LANGUAGES
    for code, name in sorted(codes.items(), key=lambda item: item[1]):
        combo.addItem(f"{name} — {code}", code)
    combo.setCurrentIndex(max(combo.findData(current), 0))


def bind_inline_rules(
    owner: QObject,
    edits: Mapping[str, QLineEdit],
    labels: Mapping[str, FieldErrorLabel],
    contexts: Mapping[str, Callable[[], dict[str, Any]]],
) -> dict[str, InlineRule]:
    """Re-check each field's domain rule on every text change.

    Args:
        owner: Parent of the rules.
        edits: The inputs, by domain field name.
        labels: The inline error label of each field.
        contexts: For fields whose rule reads other fields, the extra keyword arguments.

    Returns:
        The rules by field name (connect other inputs to ``recheck`` when a rule reads them).
    """
    rules = {}
    for name, edit in edits.items():
        rules[name] = InlineRule(name, edit.text, labels[name], contexts.get(name), owner)
        edit.textChanged.connect(rules[name].recheck)
    return rules


def line_edit(parent: QWidget, placeholder: str) -> QLineEdit:
    """A line edit with a placeholder."""
    edit = QLineEdit(parent)
    edit.setPlaceholderText(placeholder)
    return edit


def data_combo(parent: QWidget, items: list[tuple[str, str]]) -> QComboBox:
    """A combo box of ``(text, data)`` items."""
    combo = QComboBox(parent)
    for text, value in items:
        combo.addItem(text, value)
    return combo
