"""The Send page's advanced options: workflow, code length, language, sender, PIN and timings.

Each field shows its domain rule inline while it is typed; the PIN expiry / next-event wait rule
is also explained with the numbers typed ("300 = 1 x 300").
"""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QFormLayout, QGroupBox, QLabel, QLineEdit, QWidget

from desktop_app.domain.workflows import WORKFLOWS
from desktop_app.ui.fitting import shrinkable
from desktop_app.ui.validators import (
    FieldErrorLabel,
    InlineRule,
    add_checked_row,
    bind_inline_rules,
    data_combo,
    fill_languages,
    line_edit,
    timing_hint,
)

__all__ = ["AdvancedOptions"]


class AdvancedOptions(QGroupBox):
    """The optional start parameters, each with its inline rule.

    Attributes:
        errors: The inline error label of each field, by domain field name.
        rows: Each field's form row cell, by domain field name.
        inline: The live rules of the text fields.

    Args:
        parent: The owning widget (the Send page).
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.errors: dict[str, FieldErrorLabel] = {}
        self.rows: dict[str, QWidget] = {}
        self._build_layout()
        self._connect_signals()

    def _field(self, label: str, widget: QWidget, name: str, tip: str) -> None:
        self.errors[name] = FieldErrorLabel(name, self)
        self.rows[name] = add_checked_row(self.form_layout, label, widget, self.errors[name], tip)

    def _build_layout(self) -> None:
        self.form_layout = QFormLayout(self)
        self.form_layout.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        self.workflow_combo = shrinkable(data_combo(
            self, [("Default (1 — SMS, then call, then call)", "")]
            + [(f"{wf.id} — {wf.description}", str(wf.id)) for wf in WORKFLOWS.values()]))
        self.workflow_combo.setToolTip("The delivery steps: SMS and/or voice calls")
        self.workflow_combo.setAccessibleName("Workflow")
        self.code_length_combo = data_combo(
            self, [("Default (4)", ""), ("4 digits", "4"), ("6 digits", "6")])
        self.language_combo = shrinkable(QComboBox(self))
        fill_languages(self.language_combo, psd2=False)
        self.sender_edit = line_edit(self, "VERIFY")
        self.pin_code_edit = line_edit(self, "optional custom PIN, 4 to 10")
        self.pin_code_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.pin_expiry_edit = line_edit(self, "300 (default)")
        self.next_wait_edit = line_edit(self, "300 (default)")
        self.timing_hint = QLabel(self)
        self.timing_hint.setWordWrap(True)
        self.form_layout.addRow("&Workflow:", self.workflow_combo)
        self._field("Code &length:", self.code_length_combo, "code_length", "4 or 6 digits")
        self._field("&Language:", self.language_combo, "lg", "Language of the SMS or call")
        self._field("&Sender id:", self.sender_edit, "sender_id",
                    "Alphanumeric sender shown on the SMS, at most 11 letters or digits")
        self._field("Custom P&IN:", self.pin_code_edit, "pin_code",
                    "Only if the account allows custom PINs; never stored")
        self._field("PIN &expiry (s):", self.pin_expiry_edit, "pin_expiry",
                    "60 to 3600 s, an exact multiple of the next-event wait")
        self._field("Next-event &wait (s):", self.next_wait_edit, "next_event_wait",
                    "60 to 900 s between delivery attempts")
        self.form_layout.addRow("", self.timing_hint)

    def _connect_signals(self) -> None:
        edits = {"sender_id": self.sender_edit, "pin_code": self.pin_code_edit,
                 "pin_expiry": self.pin_expiry_edit, "next_event_wait": self.next_wait_edit}
        contexts = {"pin_code": lambda: {"code_length": self.code_length_combo.currentData()},
                    "pin_expiry": lambda: {"next_event_wait": self.next_wait_edit.text()}}
        self.inline: dict[str, InlineRule] = bind_inline_rules(
            self, edits, self.errors, contexts)
        self.next_wait_edit.textChanged.connect(self.inline["pin_expiry"].recheck)
        self.code_length_combo.currentIndexChanged.connect(self.inline["pin_code"].recheck)
        for edit in (self.pin_expiry_edit, self.next_wait_edit):
            edit.textChanged.connect(self._on_timing_changed)
        self._on_timing_changed()

    def set_psd2(self, psd2: bool) -> None:
        """PSD2 has no sender id and no custom PIN, and its own language list."""
        for name in ("sender_id", "pin_code"):
            self.form_layout.setRowVisible(self.rows[name], not psd2)
            if psd2:
                self.errors[name].show_error(None)
        fill_languages(self.language_combo, psd2=psd2)

    def values(self) -> dict[str, str]:
        """The raw values shared by normal and PSD2 starts (``""`` = API default)."""
        return {"code_length": self.code_length_combo.currentData() or "",
                "lg": self.language_combo.currentData() or "",
                "pin_expiry": self.pin_expiry_edit.text(),
                "next_event_wait": self.next_wait_edit.text(),
                "workflow_id": self.workflow_combo.currentData() or ""}

    def _on_timing_changed(self, *_args: object) -> None:
        self.timing_hint.setText(timing_hint(self.pin_expiry_edit.text(),
                                             self.next_wait_edit.text()))
