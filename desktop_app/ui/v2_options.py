"""The optional Verify v2 start fields on the Send page: :class:`V2Options`.

Locale, channel timeout, client reference, code length (4-10) and a custom code, each with its
inline rule (:func:`~desktop_app.domain.v2_validation.v2_field_error`) checked as it is typed.
"""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtWidgets import QFormLayout, QGroupBox, QLineEdit, QWidget

from desktop_app.domain.errors import FieldError
from desktop_app.domain.v2 import CHANNEL_TIMEOUT_RANGE, CODE_LENGTH_RANGE, LOCALES
from desktop_app.domain.v2_validation import v2_field_error
from desktop_app.ui.fitting import shrinkable
from desktop_app.ui.validators import FieldErrorLabel, add_checked_row, data_combo, line_edit

__all__ = ["V2Options"]


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
        self.form_layout.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        self.locale_combo = shrinkable(data_combo(self, [("Default (en-us)", "")]
                                       + [(code, code) for code in LOCALES]), 8)  # fmt: skip
        low, high = CODE_LENGTH_RANGE
        self.code_length_combo = shrinkable(data_combo(
            self, [("Default (4)", "")] + [(str(n), str(n)) for n in range(low, high + 1)]
        ), 8)
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
