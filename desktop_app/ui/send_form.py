"""The Send page: number, brand (or PSD2 payee and amount), advanced options, and Send.

Every field shows its domain rule inline while it is typed (``ui.validators``); Send refuses to
send while any blocking problem is shown, and asks before sending a number outside the known
ranges. A status-10 refusal opens the :class:`ConcurrentPanel` on the page, not a dialog.

The line under Send (a :class:`~desktop_app.ui.details_disclosure.MessageLine`) tells the outcome
of the last attempt: it goes as soon as any field changes, since it no longer describes the
form; the "already running" panel goes when the number changes (it is about that number).
"""

from __future__ import annotations

import functools
import re
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractButton,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop_app.domain.countries import COUNTRY_NAMES
from desktop_app.domain.errors import ConcurrentVerificationError, FieldError, ValidationFailed
from desktop_app.domain.phone import as_you_type
from desktop_app.domain.test_numbers import (
    API_V1,
    API_V2,
    CatalogueEntry,
    all_catalogued,
    lookup,
)
from desktop_app.domain.validation import Psd2Form, StartForm, psd2_form_errors, start_form_errors
from desktop_app.domain.workflows import VOICE_FIRST_WORKFLOWS
from desktop_app.services.verification import VerificationService
from desktop_app.ui import messages
from desktop_app.ui.concurrent_panel import ConcurrentPanel
from desktop_app.ui.details_disclosure import MessageLine
from desktop_app.ui.fitting import ScrollPage, shrinkable
from desktop_app.ui.formatting import format_request_id, mask_text
from desktop_app.ui.send_options import AdvancedOptions
from desktop_app.ui.v2_builder import V2Section
from desktop_app.ui.validators import (
    FieldErrorLabel,
    add_checked_row,
    bind_inline_rules,
    data_combo,
    field_problem,
    line_edit,
    number_summary,
    submit_shortcuts,
)

__all__ = ["SendForm"]

_TYPED = re.compile(r"\+?[0-9 ]*")


@functools.cache
def _country_choices() -> tuple[tuple[str, str, int], ...]:
    """``domain.phone.country_choices()`` without loading 245 regions' metadata (~140 ms).

    ``phonenumbers.country_code_for_region`` imports each region's full numbering plan; the
    calling code of every supported region is already in ``COUNTRY_CODE_TO_REGION_CODE``,
    which the first paint can afford. Same entries, same order (a test checks it).
    """
    import phonenumbers

    codes = {
        region: code
        for code, regions in phonenumbers.COUNTRY_CODE_TO_REGION_CODE.items()
        for region in regions
        if region in phonenumbers.SUPPORTED_REGIONS
    }
    choices = [(r, COUNTRY_NAMES.get(r, r), codes[r]) for r in phonenumbers.SUPPORTED_REGIONS]
    return tuple(sorted(choices, key=lambda choice: (choice[1].casefold(), choice[0])))


class SendForm(QWidget):
    """Start a verification (normal or PSD2).

    Signals:
        sent(object): a usecases ``Started`` after the API accepted a start.
        check_requested(str): the person wants to check the code of this request id.
        show_requested(str): the person wants to see this request in the list.

    Args:
        verification: Sends the start on its pool.
        concurrent_panel: Shown on status 10 (the window builds it with its services).
        parent: The owning widget.
    """

    sent = Signal(object)
    check_requested = Signal(str)
    show_requested = Signal(str)

    def __init__(self, verification: VerificationService, concurrent_panel: ConcurrentPanel,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._verification = verification
        self.concurrent_panel = concurrent_panel
        self.errors: dict[str, FieldErrorLabel] = {}
        self._rows: dict[str, QWidget] = {}
        self._busy = False
        self._presenter = False
        self._sandbox = False
        self._build_layout()
        self._connect_signals()
        self._on_psd2_toggled(False)
        self._on_number_changed()
        self.v2 = V2Section.install(self, verification)  # "Verify v1 / Verify v2" and the builder
        self.v2.builder.is_test_number = lambda to: self._lookup(API_V2, to) is not None
        self._watch_inputs()

    def _field(self, label: str, widget: QWidget, name: str, tip: str) -> None:
        self.errors[name] = FieldErrorLabel(name, self)
        self._rows[name] = add_checked_row(self.main_layout, label, widget, self.errors[name], tip)

    def _build_layout(self) -> None:
        self.country_combo = shrinkable(data_combo(self,
            [("International (+country code)", "")]
            + [(f"{n} (+{c})", r) for r, n, c in _country_choices()]))
        self.number_edit = line_edit(self, "+44 7400 123456 or national format")
        self.number_info = QLabel(self)
        self.number_info.setWordWrap(True)
        self.number_info.setAccessibleName("Number check")
        # Under the number, wrapped, the button below it: a hint must not widen the column.
        self.landline_hint = QLabel("Landline: choose a voice-first workflow.", self)
        self.landline_hint.setWordWrap(True)
        self.voice_button = QPushButton("Use workflow 3 (call, then call)", self)
        self.voice_button.setToolTip("Select workflow 3: a voice call delivers the code")
        self.brand_edit = line_edit(self, "appears in the message, max 18")
        self.psd2_check = QCheckBox("PSD2 payment", self)
        self.psd2_check.setToolTip("A payment confirmation (PSD2): payee and amount instead of "
                                   "the brand")
        self.payee_edit = line_edit(self, "who is paid, max 18")
        self.amount_edit = line_edit(self, "EUR, e.g. 12.50")
        self.main_layout = main = QFormLayout()
        main.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        main.addRow("&Country:", self.country_combo)
        self._field("&Number:", self.number_edit, "number",
                    "The customer's phone number; national format uses the country above")
        cell_box = self._rows["number"].layout()
        assert isinstance(cell_box, QVBoxLayout)
        cell_box.addWidget(self.number_info)
        cell_box.addWidget(self.landline_hint)
        cell_box.addWidget(self.voice_button, 0, Qt.AlignmentFlag.AlignLeft)
        self._field("&Brand:", self.brand_edit, "brand",
                    "Your company name, shown in the SMS or call (1 to 18 characters)")
        main.addRow("", self.psd2_check)
        self._field("&Payee:", self.payee_edit, "payee", "Who is paid (PSD2), max 18")
        self._field("&Amount:", self.amount_edit, "amount", "Amount in euros (PSD2)")
        self.advanced_toggle = QToolButton(self)
        self.advanced_toggle.setText("Advanced options")
        self.advanced_toggle.setCheckable(True)
        self.advanced_toggle.setAutoRaise(True)
        self.advanced_toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.advanced_toggle.setToolTip("Workflow, code length, language, sender and timings")
        self.advanced = AdvancedOptions(self)
        self.send_button = QPushButton("Send code", self)
        self.send_button.setDefault(True)
        self.send_button.setToolTip("Send the code (Enter in a field, or Ctrl+Enter)")
        self.result_label = MessageLine(self, name="Send result")
        # The page scrolls (advanced options, v2 channels) instead of growing the window.
        self.page = ScrollPage(self)
        self.body_layout = body = self.page.body_layout
        body.addLayout(main)
        body.addWidget(self.advanced_toggle, 0, Qt.AlignmentFlag.AlignLeft)
        body.addWidget(self.advanced)
        body.addWidget(self.send_button, 0, Qt.AlignmentFlag.AlignRight)
        body.addWidget(self.result_label)
        body.addWidget(self.concurrent_panel)
        body.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.page)
        self.shortcuts = submit_shortcuts(self)

    def _connect_signals(self) -> None:
        self.number_edit.textEdited.connect(self._on_number_edited)
        self.number_edit.textChanged.connect(self._on_number_changed)
        self.country_combo.currentIndexChanged.connect(self._on_number_changed)
        self.voice_button.clicked.connect(self._on_voice_button_clicked)
        self.psd2_check.toggled.connect(self._on_psd2_toggled)
        self.advanced_toggle.toggled.connect(self._on_advanced_toggle_toggled)
        self._on_advanced_toggle_toggled(False)
        edits = {"brand": self.brand_edit, "payee": self.payee_edit, "amount": self.amount_edit}
        self.inline = bind_inline_rules(self, edits, self.errors, {})
        self.errors.update(self.advanced.errors)
        self.send_button.clicked.connect(self._on_send_button_clicked)
        for shortcut in self.shortcuts:
            shortcut.activated.connect(self._on_send_button_clicked)
        # Enter in a one-line field sends, as the highlighted default button promises: outside
        # a dialog a default button does not answer Enter by itself. Not in a combo's own edit,
        # where Enter takes the completion.
        one_line = [self.number_edit, self.brand_edit, self.payee_edit, self.amount_edit]
        one_line += [edit for edit in self.advanced.findChildren(QLineEdit)
                     if not isinstance(edit.parent(), QComboBox)]  # fmt: skip
        for edit in one_line:
            edit.returnPressed.connect(self._on_send_button_clicked)
        self.concurrent_panel.check_requested.connect(self.check_requested)
        self.concurrent_panel.show_requested.connect(self.show_requested)

    def region(self) -> str:
        """The ISO region chosen in the country picker (``""`` when none)."""
        return str(self.country_combo.currentData() or "")

    def set_region(self, region: str | None) -> None:
        """Select ``region`` in the country picker when it is known."""
        index = self.country_combo.findData((region or "").upper())
        if index >= 0:
            self.country_combo.setCurrentIndex(index)

    def remembered_brand(self) -> str:
        """The brand to keep for the next start: the one typed when valid, else ``""``.

        A draft that breaks the brand rule is not kept: the next start must not open on an
        error it did not make.
        """
        brand = self.brand_edit.text().strip()
        return brand if brand and field_problem("brand", brand) is None else ""

    def restore_brand(self, brand: str) -> None:
        """Put a remembered brand in the field, unless it breaks the brand rule (then none)."""
        brand = brand.strip()
        if brand and field_problem("brand", brand) is None:
            self.brand_edit.setText(brand)

    def form(self) -> StartForm | Psd2Form:
        """The raw form as typed (the service validates it again before sending)."""
        common = {"number": self.number_edit.text(), "country": self.region(),
                  **self.advanced.values()}
        if self.psd2_check.isChecked():
            return Psd2Form(payee=self.payee_edit.text(), amount=self.amount_edit.text(), **common)
        return StartForm(brand=self.brand_edit.text(), sender_id=self.advanced.sender_edit.text(),
                         pin_code=self.advanced.pin_code_edit.text(), **common)

    def set_sandbox(self, on: bool) -> None:
        """Whether the profile is the built-in sandbox (its test numbers need no confirming)."""
        if on != self._sandbox:
            self._sandbox = on
            self._on_number_changed()
            self.v2.builder.recheck()

    def use_test_number(self, entry: CatalogueEntry) -> None:
        """Fill the form for a catalogued test number: its API, its number, its channels."""
        self.set_api(entry.api)
        self.country_combo.setCurrentIndex(0)  # the number is international
        number = entry.number if "@" in entry.number else f"+{entry.number}"
        number = as_you_type(number, "") or number
        if self.v2.active:
            self.number_edit.setText("" if "@" in number else number)
            self.v2.builder.clear()
            for channel in entry.channels:
                self.v2.builder.add_channel(channel, to=number)
        else:
            self.number_edit.setText(number)
        self.show_message("")
        # The number is done: the cursor goes where the user types next (the brand, or Send).
        target = self.send_button if self.brand_edit.text().strip() else self.brand_edit
        target.setFocus(Qt.FocusReason.OtherFocusReason)

    def set_api(self, api: str) -> None:
        """Choose Verify ``"v1"`` or ``"v2"``."""
        self.v2.set_api(api)

    def show_message(self, message: str) -> None:
        """Say the outcome of the last attempt under Send ("" clears it)."""
        self.result_label.setText(message)

    def set_presenter_mode(self, on: bool) -> None:
        """Presenter mode: the number shows only while it is edited; numbers and ids masked."""
        self._presenter = on
        self._mask_number_fields()
        self.result_label.set_mask(on)
        self.concurrent_panel.set_presenter_mode(on)
        self._on_number_changed()

    def _mask_number_fields(self) -> None:
        """Presenter mode: fields holding a number show it only while it is being edited."""
        mode = QLineEdit.EchoMode.PasswordEchoOnEdit if self._presenter \
            else QLineEdit.EchoMode.Normal  # fmt: skip
        edits = [self.number_edit]
        for row in self.v2.builder.rows:  # a v2 channel's own "to" and "from"
            edits += [row.to_edit, row.from_edit]
        for edit in edits:
            if edit.echoMode() != mode:
                edit.setEchoMode(mode)

    def _watch_inputs(self) -> None:
        """Any change to what will be sent clears the outcome of the last attempt."""
        def is_input(widget: QWidget) -> bool:
            return not any(part.isAncestorOf(widget) for part in
                           (self.result_label, self.concurrent_panel))  # fmt: skip

        for edit in self.findChildren(QLineEdit):
            if is_input(edit) and not isinstance(edit.parent(), QComboBox):
                edit.textChanged.connect(self._on_input_changed)
        for combo in self.findChildren(QComboBox):
            if is_input(combo):
                combo.currentIndexChanged.connect(self._on_input_changed)
        for button in self.findChildren(QAbstractButton):
            if is_input(button) and button.isCheckable() and button is not self.advanced_toggle:
                button.toggled.connect(self._on_input_changed)
        self.v2.builder.changed.connect(self._on_input_changed)
        self.v2.builder.changed.connect(self._mask_number_fields)  # rows come and go
        self.number_edit.textChanged.connect(self._on_number_text_changed)
        self.country_combo.currentIndexChanged.connect(self._on_number_text_changed)

    def _on_input_changed(self, *_args: object) -> None:
        if not self._busy:  # "Sending…" stays until the answer comes
            self.result_label.clear()

    def _on_number_text_changed(self, *_args: object) -> None:
        self.concurrent_panel.clear()  # it was about the number as it was

    def show_errors(self, errors: list[FieldError] | tuple[FieldError, ...]) -> None:
        """Show each problem beside its field (fields without a problem are cleared)."""
        by_field = {e.field: e for e in reversed(errors)}
        for name, label in self.errors.items():
            label.show_error(by_field.get(name))

    def _on_number_edited(self, text: str) -> None:
        if _TYPED.fullmatch(text) is None:
            return  # letters: leave it alone, the inline rule explains
        formatted = as_you_type(text.replace(" ", ""), self.region())
        at_end = self.number_edit.cursorPosition() == len(text)
        if formatted and formatted != text and at_end:
            self.number_edit.setText(formatted)

    def _on_number_changed(self, *_args: object) -> None:
        error, summary, landline = number_summary(self.number_edit.text(), self.region())
        test_entry = self._lookup(API_V2 if self._v2_active() else API_V1, self.number_edit.text())
        if error is not None and error.overridable and test_entry is not None:
            # Not a warning on the sandbox: the app's own catalogue put this number here.
            error, summary = None, f"Sandbox test number: {test_entry.outcome}"
        self.errors["number"].show_error(error)
        self.number_info.setText(mask_text(summary, mask=self._presenter))
        self.number_info.setVisible(bool(summary))
        self.landline_hint.setVisible(landline)
        self.voice_button.setVisible(landline)

    def _on_advanced_toggle_toggled(self, expanded: bool) -> None:
        self.advanced.setVisible(expanded)
        arrow = Qt.ArrowType.DownArrow if expanded else Qt.ArrowType.RightArrow
        self.advanced_toggle.setArrowType(arrow)

    def _on_voice_button_clicked(self) -> None:
        self.advanced_toggle.setChecked(True)
        combo = self.advanced.workflow_combo
        combo.setCurrentIndex(combo.findData(str(VOICE_FIRST_WORKFLOWS[0])))

    def _on_psd2_toggled(self, psd2: bool) -> None:
        for name, visible in (("brand", not psd2), ("payee", psd2), ("amount", psd2)):
            self.main_layout.setRowVisible(self._rows[name], visible)
            if not visible:
                self.errors[name].show_error(None)
        self.advanced.set_psd2(psd2)

    def _on_send_button_clicked(self) -> None:
        if self._busy:
            return
        if self.v2.active:
            self.v2.send()
            return
        form = self.form()
        region = self.region() or None
        errors = (psd2_form_errors(form, default_region=region) if isinstance(form, Psd2Form)
                  else start_form_errors(form, default_region=region))
        # A catalogued sandbox number is not warned about after Send either (as when typed).
        catalogued = self._all_catalogued()
        self.show_errors([e for e in errors if not (catalogued and e.overridable)])
        blocking = [e.field for e in errors if not e.overridable]
        if blocking:
            self._reveal(blocking)
            self.result_label.setText(messages.fix_fields(blocking))
            return
        allow = bool(errors) and self._confirm_unknown(errors)
        if errors and not allow:
            self.result_label.setText(messages.NOT_SENT)
            return
        self._send(form, allow)

    def _reveal(self, fields: list[str]) -> None:
        """Open the advanced options when the first bad field is there, and focus it."""
        cell = self._rows.get(fields[0]) or self.advanced.rows.get(fields[0])
        if cell is not None and self.advanced.isAncestorOf(cell):
            self.advanced_toggle.setChecked(True)
        if cell is not None:
            cell.setFocus(Qt.FocusReason.OtherFocusReason)
            self.page.ensureWidgetVisible(cell)

    def _confirm_unknown(self, errors: list[FieldError] | tuple[FieldError, ...]) -> bool:
        """Ask before sending to a number outside the known ranges (True: send).

        On the sandbox a catalogued test number is sent without asking: the app's own list put
        it there, and the sandbox answers it with its outcome.
        """
        if self._sandbox and self._all_catalogued():
            return True
        return messages.confirm(self, "Unknown number range",
                                messages.unknown_range_question([e.message for e in errors]))

    def _lookup(self, api: str, number: str) -> CatalogueEntry | None:
        """The catalogue entry of a typed number, on the sandbox only (else None)."""
        if not self._sandbox or "@" in number:
            return None
        return lookup(api, re.sub(r"\D", "", number))

    def _v2_active(self) -> bool:
        section: V2Section | None = getattr(self, "v2", None)  # None while __init__ builds it
        return section is not None and section.active

    def _all_catalogued(self) -> bool:
        if self.v2.active:
            api, numbers = API_V2, [c.to for c in self.v2.builder.entries()]
        else:
            api, numbers = API_V1, [self.number_edit.text()]
        return self._sandbox and all_catalogued(api, numbers)

    def _send(self, form: StartForm | Psd2Form, allow_unknown_number: bool) -> None:
        self.concurrent_panel.clear()
        if isinstance(form, Psd2Form):
            task = self._verification.send_psd2(form, allow_unknown_number=allow_unknown_number)
        else:
            task = self._verification.send(form, allow_unknown_number=allow_unknown_number)
        self._set_busy(True)
        self.result_label.setText("Sending…")
        task.on_success(self._on_send_task_succeeded)
        task.on_failure(self._on_send_task_failed)
        task.on_finished(lambda: self._set_busy(False))

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        self.send_button.setEnabled(not busy)
        self.send_button.setText("Sending…" if busy else "Send code")

    def _on_send_task_succeeded(self, started: Any) -> None:
        shown = format_request_id(started.request_id, mask=self._presenter)
        self.result_label.setText(messages.code_sent(shown))
        self.sent.emit(started)

    def _on_send_task_failed(self, exc: BaseException) -> None:
        if isinstance(exc, ConcurrentVerificationError) and exc.request_id:
            self.result_label.setText("")
            self.concurrent_panel.show_request(exc.request_id)
            return
        if isinstance(exc, ValidationFailed):
            self.show_errors(exc.errors)
            if exc.only_overridable and self._confirm_unknown(exc.errors):
                self._send(self.form(), True)
                return
        self.result_label.setText(messages.describe(exc))
