"""Profiles and credentials: add, edit, remove, test, save.

The API secret is typed into a masked field and handed to ``SessionService``, which stores it in
the OS keyring. The dialog never shows a stored secret. When no keyring backend exists, it
explains that and offers to keep the secret for this session only; it never writes plaintext.

The built-in Sandbox profile is shown read-only: it needs no hosts, key or secret, so those rows
are hidden; Test connection works on it as on any profile, and always answers (a form that is
not ready says what to fix). The form scrolls, so its notices are never cut off and the dialog
fits a 1024x640 screen.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)
from typing_extensions import override

from desktop_app.domain.errors import CredentialsUnavailable
from desktop_app.domain.history_url import HistoryUrlError, parse_history_url
from desktop_app.settings.profiles import url_problem
from desktop_app.ui import formatting, messages
from desktop_app.ui.details_disclosure import MessageLine
from desktop_app.ui.fitting import ScrollPage, first_size, wrapped
from desktop_app.ui.message_settings import MessagesSettings

if TYPE_CHECKING:
    from desktop_app.services.messages import MessagesService
    from desktop_app.services.session import SessionService

DEFAULT_API_HOST = "https://api.nexmo.com"
DEFAULT_REST_HOST = "https://rest.nexmo.com"
STORED_PLACEHOLDER = "stored in keyring (leave empty to keep it)"
SANDBOX_TEXT = (
    "The built-in Sandbox simulates the Verify and Messages APIs on this computer: no account, "
    "API key or secret is needed, and no real SMS, call or message is sent. It cannot be edited "
    "or removed."
)
TESTING_TEXT = "Testing the connection…"
#: The dialog's first size (a smaller screen's available area is used instead).
PREFERRED_SIZE = (720, 480)
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
        messages: Keeps each profile's Messages keyring items (None: the Messages section
            offers the host only).
    """

    def __init__(self, session: SessionService, parent: QWidget | None = None, *,
                 messages: MessagesService | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings: profiles")
        self._session = session
        self._messages = messages
        self._profiles: list[Any] = []
        self._editing: Any = None  # the stored profile being edited; None for a new one
        #: The name of the profile being saved: it stays selected when the list reloads.
        self._saving: str | None = None
        self._build_layout()
        self._connect_signals()
        self.reload_profiles()

    def _build_layout(self) -> None:
        self.profiles_list = QListWidget()
        self.profiles_list.setAccessibleName("Profiles")
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
        #: A team's shared history (docs/team.md); empty: this computer's own file.
        self.history_url_edit = QLineEdit()
        self.history_url_edit.setPlaceholderText("This computer; to share: postgresql://user@host/db")
        self.readonly_label = wrapped(SANDBOX_TEXT)
        self.validation_label = wrapped()
        self.result_label = MessageLine(name="Result")
        self.test_button = QPushButton("Test connection")
        self.save_button = QPushButton("Save")
        self.keyring_panel = QFrame()
        self.keyring_panel.setFrameShape(QFrame.Shape.StyledPanel)
        self.keyring_label = wrapped(NO_KEYRING_TEXT)
        self.session_only_button = QPushButton("Keep for this session only")
        panel_layout = QVBoxLayout(self.keyring_panel)
        panel_layout.addWidget(self.keyring_label)
        panel_layout.addWidget(self.session_only_button, 0, Qt.AlignmentFlag.AlignLeft)
        self.keyring_panel.setVisible(False)
        self.button_box = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.profiles_list, 1)
        list_buttons = QHBoxLayout()
        list_buttons.addWidget(self.add_button)
        list_buttons.addWidget(self.remove_button)
        left_layout.addLayout(list_buttons)
        self.form = form = QFormLayout()
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        form.addRow("Name:", self.name_edit)
        form.addRow("API host:", self.api_host_edit)
        form.addRow("REST host:", self.rest_host_edit)
        form.addRow("API key:", self.api_key_edit)
        form.addRow("API secret:", self.secret_edit)
        form.addRow("History URL:", self.history_url_edit)
        actions = QHBoxLayout()
        actions.addWidget(self.test_button)
        actions.addWidget(self.save_button)
        actions.addStretch(1)
        # The profile's side scrolls: notices appear under the form without squeezing it.
        self.page = ScrollPage()
        right = self.page.body_layout
        right.addWidget(self.readonly_label)
        right.addLayout(form)
        self.messages_box = MessagesSettings()  # the Messages API's host and keyring items
        right.addWidget(self.messages_box)
        right.addWidget(self.validation_label)
        right.addLayout(actions)
        right.addWidget(self.result_label)
        right.addWidget(self.keyring_panel)
        right.addStretch(1)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(left)
        self.splitter.addWidget(self.page)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.setStretchFactor(1, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.splitter, 1)
        layout.addWidget(self.button_box)
        self._sized = False

    @override
    def showEvent(self, event: QShowEvent) -> None:
        if not self._sized:  # the first time: a comfortable size the screen can hold
            self._sized = True
            self.resize(first_size(self, PREFERRED_SIZE))
            self.splitter.setSizes([self.width() // 3, self.width() - self.width() // 3])
        super().showEvent(event)

    def _connect_signals(self) -> None:
        self.profiles_list.currentRowChanged.connect(self._on_profiles_list_current_row_changed)
        self.add_button.clicked.connect(self._on_add_button_clicked)
        self.remove_button.clicked.connect(self._on_remove_button_clicked)
        for edit in (self.name_edit, self.api_host_edit, self.rest_host_edit, self.api_key_edit,
                     self.history_url_edit):
            edit.textChanged.connect(self._on_field_text_changed)
        self.test_button.clicked.connect(self._on_test_button_clicked)
        self.save_button.clicked.connect(self._on_save_button_clicked)
        self.session_only_button.clicked.connect(self._on_session_only_button_clicked)
        self.button_box.rejected.connect(self.reject)
        self._session.profiles_changed.connect(self.reload_profiles)

    def reload_profiles(self) -> None:
        """Fill the list from the session, keeping the selected profile when it still exists."""
        keep = self._saving or (self._editing.name if self._editing is not None else None)
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
            "messages_host": self.messages_box.messages_host,
            "history_url": self.history_url_edit.text().strip(),
        }
        if self._editing is not None:
            return dataclasses.replace(self._editing, **values)
        if self._profiles:
            return type(self._profiles[0])(**values)
        from desktop_app.settings.profiles import Profile  # a plain dataclass

        return Profile(**values)

    def validate(self) -> list[str]:
        """The problems of the form, each naming its field; shown inline.

        The built-in Sandbox profile has none: it is not edited and needs no key or secret.
        """
        if self._editing is not None and _is_sandbox(self._editing):
            self.validation_label.clear()
            return []
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
        if self.history_url_edit.text().strip():
            try:
                parse_history_url(self.history_url_edit.text())
            except HistoryUrlError as exc:
                problems.append(str(exc))
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
        self.history_url_edit.setText(getattr(profile, "history_url", "") if profile else "")
        self.secret_edit.clear()  # a stored secret is never shown, not even masked
        self.secret_edit.setPlaceholderText(STORED_PLACEHOLDER if profile else "API secret")
        for widget in (self.save_button, self.remove_button):
            widget.setEnabled(not sandbox)
        for edit in (self.api_host_edit, self.rest_host_edit, self.api_key_edit,
                     self.secret_edit, self.history_url_edit):
            edit.setEnabled(not sandbox)
            self.form.setRowVisible(edit, not sandbox)  # the sandbox needs none of them
        self.readonly_label.setVisible(sandbox)
        self._show_messages_settings(profile, sandbox)
        self.keyring_panel.setVisible(False)
        self.result_label.clear()
        self.validate()

    def _show_messages_settings(self, profile: Any, sandbox: bool) -> None:
        box = self.messages_box
        box.show_profile(getattr(profile, "messages_host", "") if profile is not None else "")
        box.setVisible(not sandbox)  # the built-in sandbox needs none of it
        box.import_button.setEnabled(self._messages is not None)
        if profile is None or sandbox or self._messages is None:
            return
        name = profile.name
        task = self._messages.stored_items(name)
        task.on_success(lambda items: box.set_stored(items) if self._shows(name) else None)
        task.on_failure(lambda exc: box.show_problem(messages.describe(exc)))

    def _save(self) -> None:
        if self.validate():
            self.result_label.setText("Not saved: fix what is listed above first.")
            return
        box, name = self.messages_box, self.name_edit.text().strip()
        if self._messages is None or not box.has_changes():
            self._save_profile()
            return
        # The Messages items first: a key that cannot sign stops the save before anything else.
        task = self._messages.save_items(name, box.pending_items(), key_file=box.key_file)
        task.on_success(self._on_items_saved).on_failure(self._on_items_failed)
        self.result_label.setText("Saving…")

    def _on_items_saved(self, items: frozenset[str]) -> None:
        box = self.messages_box
        box.app_id_edit.clear()
        box.signature_edit.clear()
        box.key_file = None
        box.show_problem("")
        box.set_stored(items)
        self._save_profile()

    def _on_items_failed(self, exc: BaseException) -> None:
        self.messages_box.show_problem(messages.describe(exc))
        self.result_label.setText("Not saved: see the Messages API section.")

    def _save_profile(self) -> None:
        profile = self.edited_profile()
        self._saving = profile.name
        task = self._session.save_profile(profile, self._secret())
        task.on_success(self._on_save_succeeded).on_failure(self._on_save_failed)
        task.on_finished(self._on_save_finished)
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
            self.result_label.setText("Not tested: fix what is listed above first.")
            return
        profile = self._editing if self._editing is not None and _is_sandbox(self._editing) \
            else self.edited_profile()
        task = self._session.test_connection(profile, self._secret())
        self.test_button.setEnabled(False)
        task.on_success(lambda balance: self._on_test_succeeded(profile.name, balance))
        task.on_failure(lambda exc: self._on_test_failed(profile.name, exc))
        task.on_finished(lambda: self.test_button.setEnabled(True))
        self.result_label.setText(TESTING_TEXT)

    def _shows(self, name: str) -> bool:
        """True while the form still shows the profile called ``name``."""
        return self.name_edit.text().strip() == name

    def _on_test_succeeded(self, name: str, balance: Any) -> None:
        if not self._shows(name):
            return  # another profile is shown now: this answer is not about it
        self.result_label.setText(
            f"Connected. Balance: {formatting.format_money(balance.value, 'EUR')}"
            + (" (auto reload on)" if getattr(balance, "auto_reload", False) else "")
        )

    def _on_test_failed(self, name: str, exc: BaseException) -> None:
        if self._shows(name):
            self._on_task_failed(exc)

    def _on_save_button_clicked(self) -> None:
        self._save()

    def _on_save_succeeded(self, profile: Any) -> None:
        self.keyring_panel.setVisible(False)
        self.secret_edit.clear()
        self._editing = profile
        self.select_profile(profile.name)  # a new profile: now in the list, and selected
        self.secret_edit.setPlaceholderText(STORED_PLACEHOLDER)
        where = "in the keyring" if self._session.credentials_persistent else "for this session"
        self.result_label.setText(f"Profile {profile.name} saved (secret kept {where}).")

    def _on_save_finished(self) -> None:
        self._saving = None

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
