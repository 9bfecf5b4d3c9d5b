"""The Send page's Verify v2 side: the API picker, the v2 send and its inline 422 errors.

:class:`V2Section` plugs into the Send page: an API picker ("Verify v1" / "Verify v2") that swaps
the v1-only fields (workflow id, language, PIN expiry, next-event wait, sender id, PSD2) for the
workflow builder and the v2 options. Send then goes to ``VerificationService.send_v2``; a 422
answer's ``invalid_parameters`` are shown inline on the field or row they name
(:func:`api_field_errors`; in plain words, the API's own under the result's "Details"), a 409
opens the concurrent-request panel with the live request's id.

Its parts live in their own modules and are re-exported here:

* :class:`~desktop_app.ui.workflow_builder.WorkflowBuilder`: the ordered channel list;
* :class:`~desktop_app.ui.v2_channel_row.ChannelRow`: one channel of it;
* :class:`~desktop_app.ui.v2_options.V2Options`: locale, channel timeout, client reference,
  code length 4-10, custom code.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from desktop_app.domain.errors import FieldError, InvalidParameterError, ValidationFailed
from desktop_app.domain.v2 import SILENT_AUTH, SMS
from desktop_app.domain.v2_validation import CHANNEL_EXTRAS, V2Form, v2_form_errors
from desktop_app.ui import messages
from desktop_app.ui.v2_channel_row import CHANNEL_NAMES, ChannelRow
from desktop_app.ui.v2_options import V2Options
from desktop_app.ui.validators import data_combo
from desktop_app.ui.workflow_builder import WORKFLOW_FIELD, WorkflowBuilder

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
#: A name a 422 reason quotes in backticks ("`from` is required ...").
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
        match = WORKFLOW_FIELD.fullmatch(name)
        if match is not None and match.group(2) is None:
            quoted = _QUOTED.search(reason)
            keys = {"to", "from", "channel", *CHANNEL_EXTRAS[SMS], *CHANNEL_EXTRAS[SILENT_AUTH]}
            if quoted is not None and quoted.group(1) in keys:
                field = f"{name}.{quoted.group(1)}"
            elif quoted is not None and quoted.group(1) in CHANNEL_NAMES:
                field = f"{name}.channel"
        errors.append(FieldError(field, reason))
    return errors


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
        page.body_layout.insertWidget(page.body_layout.indexOf(page.advanced) + 1, section)
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
            page.show_message(messages.fix_fields(blocking))
            return
        if errors and not page._confirm_unknown(errors):
            page.show_message(messages.NOT_SENT)
            return
        self._send(form, bool(errors))

    def _send(self, form: V2Form, allow_unknown_number: bool) -> None:
        page = self._page
        page.concurrent_panel.clear()
        task = self._verification.send_v2(form, allow_unknown_number=allow_unknown_number)
        page._set_busy(True)
        page.show_message("Sending (Verify v2)…")
        task.on_success(page._on_send_task_succeeded)
        task.on_failure(self._on_send_task_failed)
        task.on_finished(lambda: page._set_busy(False))

    def _on_send_task_failed(self, exc: BaseException) -> None:
        page = self._page
        if isinstance(exc, InvalidParameterError) and exc.invalid_parameters:
            # Each field the API named is marked in plain words; the API's own reasons are
            # under the result's Details.
            self.show_errors([FieldError(e.field, messages.REFUSED_VALUE)
                              for e in api_field_errors(exc.invalid_parameters)])  # fmt: skip
            page.show_message(messages.refused_fields(exc))
            return
        if isinstance(exc, ValidationFailed):
            self.show_errors(exc.errors)
            if exc.only_overridable and page._confirm_unknown(exc.errors):
                self._send(self.form(), True)
                return
            page.show_message(messages.describe(exc))
            return
        # Anything else is answered as for v1: a 409 opens the concurrent-request panel, the
        # rest is described under the form.
        page._on_send_task_failed(exc)

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
            "Send the code with Verify v2 (Enter in a field, or Ctrl+Enter)"
            if v2
            else "Send the code (Enter in a field, or Ctrl+Enter)"
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
