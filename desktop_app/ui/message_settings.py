"""A profile's Messages API settings, a section of the settings dialog.

:class:`MessagesSettings` holds the profile's Messages host (Global ``api.nexmo.com`` through
the profile's API host by default, a regional host, or Vonage's Messages sandbox) and its
keyring items: a Vonage application's id and private key (imported from its PEM file, then
kept only in the keyring; the file's path and text are never in the settings), and the webhook
signature secret. A stored item is never shown, only whether one is stored. The built-in
Sandbox profile needs none of it: the section hides there.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QWidget,
)

from desktop_app.domain.messages_hosts import MESSAGES_HOSTS
from desktop_app.settings.credentials import APPLICATION_ID, PRIVATE_KEY, SIGNATURE_SECRET
from desktop_app.ui.fitting import shrinkable, wrapped

__all__ = ["SAME_AS_API_HOST", "MessagesSettings", "choose_key_file"]

SAME_AS_API_HOST = "Same as the API host"
STORED = "stored in keyring (leave empty to keep it)"
_KEY_NONE = "No private key stored: messages use the API key and secret (Basic)."
_KEY_STORED = "A private key is stored in the keyring: messages use an application JWT."


def choose_key_file(parent: QWidget) -> str | None:
    """Ask for the application's private key file (tests replace this function)."""
    path, _filter = QFileDialog.getOpenFileName(
        parent, "Import the application's private key", str(Path.home()),
        "Private key (*.key *.pem);;All files (*)")  # fmt: skip
    return path or None


class MessagesSettings(QGroupBox):
    """The Messages host and keyring items of the profile the dialog shows.

    Args:
        parent: The owning widget.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Messages API", parent)
        self.key_file: str | None = None
        self._stored: frozenset[str] = frozenset()
        self.host_combo = shrinkable(QComboBox(self), 20)
        self.host_combo.setAccessibleName("Messages host")
        self.host_combo.addItem(SAME_AS_API_HOST, "")
        for host in MESSAGES_HOSTS:
            self.host_combo.addItem(f"{host.label} — {host.url.removeprefix('https://')}", host.url)
            self.host_combo.setItemData(self.host_combo.count() - 1, host.note,
                                        _tooltip_role())  # fmt: skip
        self.app_id_edit = QLineEdit(self)
        self.app_id_edit.setAccessibleName("Application id")
        self.key_label = wrapped(_KEY_NONE)
        self.import_button = QPushButton("Import private key…", self)
        self.import_button.setToolTip("Read the application's private key file once and keep "
                                      "the key in the keyring only")  # fmt: skip
        self.signature_edit = QLineEdit(self)
        self.signature_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.signature_edit.setAccessibleName("Signature secret")
        self.problem_label = wrapped()
        self.problem_label.setVisible(False)
        key_row = QHBoxLayout()
        key_row.addWidget(self.import_button)
        key_row.addStretch(1)
        form = QFormLayout(self)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        form.addRow("Messages host:", self.host_combo)
        form.addRow("Application id:", self.app_id_edit)
        form.addRow("Private key:", key_row)
        form.addRow(self.key_label)
        form.addRow("Signature secret:", self.signature_edit)
        form.addRow(self.problem_label)
        self.import_button.clicked.connect(self._on_import_clicked)

    def show_profile(self, messages_host: str) -> None:
        """Show a profile's host; the items typed or chosen are forgotten."""
        index = self.host_combo.findData(messages_host)
        if index < 0 and messages_host:
            self.host_combo.addItem(messages_host, messages_host)
            index = self.host_combo.count() - 1
        self.host_combo.setCurrentIndex(max(index, 0))
        self.app_id_edit.clear()
        self.signature_edit.clear()
        self.key_file = None
        self.show_problem("")
        self.set_stored(frozenset())

    def set_stored(self, items: Iterable[str]) -> None:
        """Say which items the keyring holds for the profile shown."""
        self._stored = frozenset(items)
        self.app_id_edit.setPlaceholderText(STORED if APPLICATION_ID in self._stored else "")
        self.signature_edit.setPlaceholderText(STORED if SIGNATURE_SECRET in self._stored
                                               else "to verify signed status webhooks")
        if self.key_file is None:
            self.key_label.setText(_KEY_STORED if PRIVATE_KEY in self._stored else _KEY_NONE)

    @property
    def messages_host(self) -> str:
        """The host chosen ("" for the API host)."""
        return str(self.host_combo.currentData() or "")

    def pending_items(self) -> dict[str, str]:
        """The items typed (to store); an empty field keeps what is stored."""
        typed = {APPLICATION_ID: self.app_id_edit.text().strip(),
                 SIGNATURE_SECRET: self.signature_edit.text()}  # fmt: skip
        return {item: value for item, value in typed.items() if value}

    def has_changes(self) -> bool:
        """True when something is to be stored."""
        return bool(self.pending_items()) or self.key_file is not None

    def show_problem(self, text: str) -> None:
        """Say what is wrong with the Messages fields ("" hides it)."""
        self.problem_label.setText(text)
        self.problem_label.setVisible(bool(text))

    def _on_import_clicked(self) -> None:
        path = choose_key_file(self)
        if path:
            self.key_file = path
            self.key_label.setText(f"{Path(path).name} will be imported into the keyring on "
                                   "Save (the file itself is not kept).")  # fmt: skip


def _tooltip_role() -> int:
    from PySide6.QtCore import Qt

    return int(Qt.ItemDataRole.ToolTipRole)
