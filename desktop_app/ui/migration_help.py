"""Help ▸ Moving to Verify v2: how each Verify v1 setting maps to Verify v2 (docs/v1-to-v2.md)."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QTextBrowser, QVBoxLayout, QWidget

__all__ = ["MIGRATION_HTML", "MigrationHelpDialog"]

_ROWS: tuple[tuple[str, str, str], ...] = (
    ("workflow_id", "workflow (channel list)",
     "1: sms, voice, voice · 2: sms, sms, voice · 3: voice, voice · 4: sms, sms · "
     "5: sms, voice · 6: sms · 7: voice. Also email, whatsapp (needs your WhatsApp Business "
     "number as <i>from</i>) and silent_auth (first only)."),
    ("number", "each channel's <i>to</i>",
     "Empty phone channels use the main number."),
    ("brand (1-18)", "brand (1-16)", "Two characters shorter."),
    ("lg", "locale",
     "A smaller list: en-us, en-gb, es-es, es-mx, es-us, it-it, fr-fr, de-de, ru-ru, hi-in, "
     "pt-br, pt-pt, id-id."),
    ("pin_expiry, next_event_wait", "channel_timeout (15-900 s)",
     "Seconds each channel gets before the next; the code lives until the workflow ends."),
    ("code_length (4 or 6)", "code_length (4-10)", ""),
    ("pin_code", "code", "4-10 letters or digits; never stored."),
    ("sender_id", "SMS channel's <i>from</i>", "A number or 3-11 letters and digits."),
    ("PSD2 (payee, amount)", "—", "No v2 equivalent: keep PSD2 on Verify v1."),
    ("trigger next event", "next_workflow", ""),
    ("cancel (from 30 s)", "cancel", "No 30 s rule in v2."),
    ("search", "—",
     "v2 has no lookup: the status shown comes from this app's own check and cancel results "
     "(callbacks go to your application's status URL, which a desktop app cannot receive)."),
)  # fmt: skip

MIGRATION_HTML = (
    "<p>Choose <b>Verify v2</b> in the Send page's API box (or <code>--api v2</code> on the "
    "command line). A v2 request id is a UUID; Check, Cancel and Next pick the API from the "
    "id.</p><table border=1 cellpadding=4 cellspacing=0>"
    "<tr><th>Verify v1</th><th>Verify v2</th><th>Notes</th></tr>"
    + "".join(f"<tr><td>{a}</td><td>{b}</td><td>{c}</td></tr>" for a, b, c in _ROWS)
    + "</table><p>The full table is in docs/v1-to-v2.md.</p>"
)


class MigrationHelpDialog(QDialog):
    """A read-only table mapping the v1 settings to Verify v2."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Moving to Verify v2")
        self.browser = QTextBrowser(self)
        self.browser.setHtml(MIGRATION_HTML)
        self.browser.setAccessibleName("Verify v1 to v2 settings")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.browser)
        layout.addWidget(buttons)
        self.resize(720, 520)
