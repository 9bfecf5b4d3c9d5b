"""Profiles and credentials: add, edit, remove, test, save.

The API secret is typed into a masked field and handed to ``SessionService``, which stores it in
the OS keyring. The dialog never shows a stored secret. When no keyring backend exists, it
explains that and offers to keep the secret for this session only; it never writes plaintext.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop_app.domain.errors import CredentialsUnavailable
from desktop_app.settings.profiles import url_problem
from desktop_app.ui import formatting, messages

if TYPE_CHECKING:
    from desktop_app.services.session import SessionService

DEFAULT_API_HOST = "https://api.nexmo.com"
DEFAULT_REST_HOST = "https://rest.nexmo.com"
STORED_PLACEHOLDER = "stored in keyring (leave empty to keep it)"
NO_KEYRING_TEXT = (
    "No system keyring is available, so the API secret cannot be saved. Install or unlock one "
    "(Secret Service, KWallet, macOS Keychain, Windows Credential Locker) and save again, or keep "
    "the secret in memory for this session only. It is never written to a plain file."
)


def host_problem(field: str, url: str) -> str:
    """Why a host URL is refused ("" when it is fine), by the settings' one host rule."""
    problem = url_problem(url.strip(), allow_path=False)
    return f"{field} {problem}" if problem else ""


class SettingsDialog(QDialog):
    """Edit connection profiles.

    Args:
        session: Lists, saves, removes and tests profiles.
        parent: The owning window.
    """

    def __init__(self, session: SessionService, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings: profiles")
        self._session = session
        self._profiles: list[Any] = []
        self._editing: Any = None  # the stored profile being edited; None for a new one
        self._build_layout()
        self._connect_signals()
        self.reload_profiles()

    def _build_layout(self) -> None:
        self.profiles_list = QListWidget()
        self.add_button = QPushButton("Add")
        self.remove_button = QPushButton("Remove")
        self.name_edit = QLineEdit()
        self.api_host_edit = QLineEdit()
        self.api_host_edit.setPlaceholderText(DEFAULT_API_HOST)
        self.rest_host_edit = QLineEdit()
        self.rest_host_edit.setPlaceholderText(DEFAULT_REST_HOST)
        self.api_key_edit = QLineEdit()
        self.secret_edit = QLineEdit()
        self.secret_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.readonly_label = QLabel("The built-in Sandbox profile cannot be edited.")
        self.validation_label = QLabel()
        self.validation_label.setWordWrap(True)
        self.result_label = QLabel()
        self.result_label.setWordWrap(True)
        self.test_button = QPushButton("Test connection")
        self.save_button = QPushButton("Save")
        self.keyring_panel = QFrame()
        self.keyring_panel.setFrameShape(QFrame.Shape.StyledPanel)
        self.keyring_label = QLabel(NO_KEYRING_TEXT)
        self.keyring_label.setWordWrap(True)
        self.session_only_button = QPushButton("Keep for this session only")
        panel_layout = QVBoxLayout(self.keyring_panel)
        panel_layout.addWidget(self.keyring_label)
        panel_layout.addWidget(self.session_only_button)
        self.keyring_panel.setVisible(False)
        self.button_box = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        left = QVBoxLayout()
        left.addWidget(self.profiles_list, 1)
        list_buttons = QHBoxLayout()
        list_buttons.addWidget(self.add_button)
        list_buttons.addWidget(self.remove_button)
        left.addLayout(list_buttons)
        form = QFormLayout()
        form.addRow("Name:", self.name_edit)
        form.addRow("API host:", self.api_host_edit)
        form.addRow("REST host:", self.rest_host_edit)
        form.addRow("API key:", self.api_key_edit)
        form.addRow("API secret:", self.secret_edit)
        actions = QHBoxLayout()
        actions.addWidget(self.test_button)
        actions.addWidget(self.save_button)
        right = QVBoxLayout()
        right.addWidget(self.readonly_label)
        right.addLayout(form)
        right.addWidget(self.validation_label)
        right.addLayout(actions)
        right.addWidget(self.result_label)
        right.addWidget(self.keyring_panel)
        right.addStretch(1)
        columns = QHBoxLayout()
        columns.addLayout(left, 1)
        columns.addLayout(right, 2)
        layout = QVBoxLayout(self)
        layout.addLayout(columns, 1)
        layout.addWidget(self.button_box)

    def _connect_signals(self) -> None:
        self.profiles_list.currentRowChanged.connect(self._on_profiles_list_current_row_changed)
        self.add_button.clicked.connect(self._on_add_button_clicked)
        self.remove_button.clicked.connect(self._on_remove_button_clicked)
        for edit in (self.name_edit, self.api_host_edit, self.rest_host_edit, self.api_key_edit):
            edit.textChanged.connect(self._on_field_text_changed)
        self.test_button.clicked.connect(self._on_test_button_clicked)
        self.save_button.clicked.connect(self._on_save_button_clicked)
        self.session_only_button.clicked.connect(self._on_session_only_button_clicked)
        self.button_box.rejected.connect(self.reject)
        self._session.profiles_changed.connect(self.reload_profiles)

    def reload_profiles(self) -> None:
        """Fill the list from the session, keeping the selected profile when it still exists."""
        keep = self._editing.name if self._editing is not None else None
        self._profiles = self._session.profiles()
        self.profiles_list.blockSignals(True)
        self.profiles_list.clear()
        for profile in self._profiles:
            suffix = " (built in)" if _is_sandbox(profile) else ""
            self.profiles_list.addItem(f"{profile.name}{suffix}")
        self.profiles_list.blockSignals(False)
        names = [p.name for p in self._profiles]
        self.profiles_list.setCurrentRow(names.index(keep) if keep in names else 0)
        self._on_profiles_list_current_row_changed(self.profiles_list.currentRow())

    def select_profile(self, name: str) -> None:
        """Show the profile called ``name`` in the form."""
        names = [p.name for p in self._profiles]
        if name in names:
            self.profiles_list.setCurrentRow(names.index(name))

    def edited_profile(self) -> Any:
        """The profile as the form describes it (not validated)."""
        values: dict[str, Any] = {
            "name": self.name_edit.text().strip(),
            "api_host": self.api_host_edit.text().strip() or DEFAULT_API_HOST,
            "rest_host": self.rest_host_edit.text().strip() or DEFAULT_REST_HOST,
            "api_key": self.api_key_edit.text().strip(),
        }
        if self._editing is not None:
            return dataclasses.replace(self._editing, **values)
        if self._profiles:
            return type(self._profiles[0])(**values)
        from desktop_app.settings.profiles import Profile  # a plain dataclass

        return Profile(**values)

    def validate(self) -> list[str]:
        """The problems of the form, each naming its field; shown inline."""
        problems = []
        if not self.name_edit.text().strip():
            problems.append("Name is required")
        elif self._editing is None and self.name_edit.text().strip() in {
            p.name for p in self._profiles
        }:
            problems.append("Name is already used by another profile")
        for field, edit in (("API host", self.api_host_edit), ("REST host", self.rest_host_edit)):
            problem = host_problem(field, edit.text() or edit.placeholderText())
            if problem:
                problems.append(problem)
        if not self.api_key_edit.text().strip():
            problems.append("API key is required")
        self.validation_label.setText("\n".join(problems))
        return problems

    def _secret(self) -> str | None:
        return self.secret_edit.text() or None

    def _show_profile(self, profile: Any) -> None:
        self._editing = profile
        sandbox = profile is not None and _is_sandbox(profile)
        self.name_edit.setText(profile.name if profile is not None else "")
        self.name_edit.setReadOnly(profile is not None)
        self.api_host_edit.setText(profile.api_host if profile is not None else "")
        self.rest_host_edit.setText(profile.rest_host if profile is not None else "")
        self.api_key_edit.setText(getattr(profile, "api_key", "") if profile is not None else "")
        self.secret_edit.clear()  # a stored secret is never shown, not even masked
        self.secret_edit.setPlaceholderText(STORED_PLACEHOLDER if profile else "API secret")
        for widget in (
            self.api_host_edit,
            self.rest_host_edit,
            self.api_key_edit,
            self.secret_edit,
            self.save_button,
            self.remove_button,
        ):
            widget.setEnabled(not sandbox)
        self.readonly_label.setVisible(sandbox)
        self.keyring_panel.setVisible(False)
        self.result_label.clear()
        self.validate()

    def _save(self) -> None:
        if self.validate():
            return
        task = self._session.save_profile(self.edited_profile(), self._secret())
        task.on_success(self._on_save_succeeded).on_failure(self._on_save_failed)
        self.result_label.setText("Saving…")

    def _on_profiles_list_current_row_changed(self, row: int) -> None:
        if 0 <= row < len(self._profiles):
            self._show_profile(self._profiles[row])

    def _on_add_button_clicked(self) -> None:
        self.profiles_list.clearSelection()
        self._show_profile(None)
        self.api_host_edit.setText(DEFAULT_API_HOST)
        self.rest_host_edit.setText(DEFAULT_REST_HOST)
        self.name_edit.setFocus()

    def _on_remove_button_clicked(self) -> None:
        profile = self._editing
        if profile is None or _is_sandbox(profile):
            return
        if messages.confirm(
            self, "Remove profile", f"Remove profile {profile.name} and its stored secret?"
        ):
            self._session.remove_profile(profile.name).on_failure(self._on_task_failed)
            self._editing = None

    def _on_field_text_changed(self, _text: str) -> None:
        self.validate()

    def _on_test_button_clicked(self) -> None:
        if self.validate():
            return
        task = self._session.test_connection(self.edited_profile(), self._secret())
        task.on_success(self._on_test_succeeded).on_failure(self._on_task_failed)
        self.result_label.setText("Testing the connection…")

    def _on_test_succeeded(self, balance: Any) -> None:
        self.result_label.setText(
            f"Connected. Balance: {formatting.format_money(balance.value, 'EUR')}"
            + (" (auto reload on)" if getattr(balance, "auto_reload", False) else "")
        )

    def _on_save_button_clicked(self) -> None:
        self._save()

    def _on_save_succeeded(self, profile: Any) -> None:
        self.keyring_panel.setVisible(False)
        self.secret_edit.clear()
        self._editing = profile
        self.secret_edit.setPlaceholderText(STORED_PLACEHOLDER)
        where = "in the keyring" if self._session.credentials_persistent else "for this session"
        self.result_label.setText(f"Profile {profile.name} saved (secret kept {where}).")

    def _on_save_failed(self, exc: BaseException) -> None:
        if isinstance(exc, CredentialsUnavailable):
            self.keyring_panel.setVisible(True)
            self.result_label.setText("Not saved: the secret has nowhere safe to go.")
            return
        self._on_task_failed(exc)

    def _on_session_only_button_clicked(self) -> None:
        self._session.use_session_only_credentials()
        self.keyring_panel.setVisible(False)
        self._save()

    def _on_task_failed(self, exc: BaseException) -> None:
        self.result_label.setText(messages.describe(exc))


def _is_sandbox(profile: Any) -> bool:
    return bool(getattr(profile, "is_sandbox", False))
