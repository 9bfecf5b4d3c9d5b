from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pytest
from PySide6.QtWidgets import QLineEdit

from desktop_app.domain.errors import AuthError, CredentialsUnavailable
from desktop_app.domain.models import Balance
from desktop_app.ui import messages
from desktop_app.ui.settings_dialog import STORED_PLACEHOLDER, SettingsDialog, host_problem
from tests.helpers.fakes import FakeSessionService


@dataclass(frozen=True)
class Profile:
    """Stands in for settings.profiles.Profile (same field names)."""

    name: str
    api_host: str = "https://api.nexmo.com"
    rest_host: str = "https://rest.nexmo.com"
    api_key: str = ""
    is_sandbox: bool = False
    messages_host: str = ""
    history_url: str = ""


@pytest.fixture
def session():
    return FakeSessionService(
        [
            Profile("Sandbox", "http://127.0.0.1:8099", "http://127.0.0.1:8099", "sandbox", True),
            Profile("Live EU", api_key="abcd1234"),
        ]
    )


@pytest.fixture
def dialog(qtbot, session):
    widget = SettingsDialog(session)
    qtbot.addWidget(widget)
    return widget


def test_secret_is_masked_and_never_prefilled(dialog):
    dialog.select_profile("Live EU")
    assert dialog.secret_edit.echoMode() == QLineEdit.EchoMode.Password
    assert dialog.secret_edit.text() == ""
    assert dialog.secret_edit.placeholderText() == STORED_PLACEHOLDER
    assert dialog.api_key_edit.text() == "abcd1234"


def test_sandbox_profile_is_read_only(dialog):
    dialog.select_profile("Sandbox")
    assert not dialog.readonly_label.isHidden()
    assert not dialog.save_button.isEnabled()
    assert not dialog.remove_button.isEnabled()
    assert not dialog.api_key_edit.isEnabled()


def _save_new_profile(dialog, session):
    """Add "Live US" (key and secret typed) and press Save; the service's save task."""
    dialog.add_button.click()
    dialog.name_edit.setText("Live US")
    dialog.api_key_edit.setText("key123")
    dialog.secret_edit.setText("s3cret")
    dialog.save_button.click()
    return session.calls("save_profile")[-1]


def test_save_passes_the_secret_to_the_service(dialog, session):
    task = _save_new_profile(dialog, session)
    profile, secret = task.args
    assert (profile.name, profile.api_key, profile.api_host) == (
        "Live US",
        "key123",
        "https://api.nexmo.com",
    )
    assert secret == "s3cret"
    task.succeed(profile)
    assert "saved" in dialog.result_label.text()
    assert dialog.secret_edit.text() == ""


def test_edit_keeps_the_stored_secret_when_left_empty(dialog, session):
    dialog.select_profile("Live EU")
    dialog.api_key_edit.setText("newkey")
    dialog.save_button.click()
    profile, secret = session.calls("save_profile")[-1].args
    assert profile.api_key == "newkey" and profile.name == "Live EU"
    assert secret is None


def test_no_keyring_offers_session_only(dialog, session):
    dialog.select_profile("Live EU")
    dialog.secret_edit.setText("s3cret")
    dialog.save_button.click()
    session.calls("save_profile")[-1].fail(CredentialsUnavailable())
    assert not dialog.keyring_panel.isHidden()
    assert "keyring" in dialog.keyring_label.text()
    assert "plain file" in dialog.keyring_label.text()
    dialog.session_only_button.click()
    assert session.session_only
    retry = session.calls("save_profile")[-1]
    assert len(session.calls("save_profile")) == 2
    assert retry.args[1] == "s3cret"
    retry.succeed(retry.args[0])
    assert dialog.keyring_panel.isHidden()
    assert "for this session" in dialog.result_label.text()


def test_test_connection_shows_balance_or_error(dialog, session):
    dialog.select_profile("Live EU")
    dialog.test_button.click()
    session.calls("test_connection")[-1].succeed(Balance(Decimal("12.5"), False))
    assert "12.50" in dialog.result_label.text()
    dialog.test_button.click()
    refused = AuthError(status="4", error_text="Bad credentials")
    session.calls("test_connection")[-1].fail(refused)
    # The plain sentence and what to do; the API's own words only under "Details".
    assert dialog.result_label.text() == f"{AuthError.meaning} {AuthError.next_step}"
    assert "Bad credentials" in dialog.result_label.details()
    assert "status 4" not in dialog.result_label.text()


def test_https_is_required_except_on_loopback(dialog, session):
    dialog.select_profile("Live EU")
    dialog.api_host_edit.setText("http://api.example.com")
    assert "API host must use https (http is allowed only for localhost" in (
        dialog.validation_label.text()
    )
    dialog.save_button.click()
    assert session.calls("save_profile") == []
    dialog.api_host_edit.setText("http://localhost:8080")
    assert dialog.validation_label.text() == ""
    assert host_problem("REST host", "http://10.0.0.1").startswith("REST host must use https")
    assert host_problem("API host", "api.nexmo.com").startswith("API host must be a URL")
    assert host_problem("API host", "https://api nexmo.com") == (
        "API host must not contain spaces (a URL such as https://api.nexmo.com)"
    )


def test_remove_asks_first(dialog, session, monkeypatch):
    monkeypatch.setattr(messages, "confirm", lambda *a: False)
    dialog.select_profile("Live EU")
    dialog.remove_button.click()
    assert session.calls("remove_profile") == []
    monkeypatch.setattr(messages, "confirm", lambda *a: True)
    dialog.remove_button.click()
    assert session.calls("remove_profile")[-1].args == ("Live EU",)


# -- issue 9: the built-in Sandbox, Test connection's answers, the selection after Save ----------


def test_the_sandbox_profile_has_no_key_or_secret_to_fill(dialog):
    dialog.select_profile("Sandbox")
    assert dialog.validate() == []
    assert dialog.validation_label.text() == ""
    for edit in (dialog.api_host_edit, dialog.rest_host_edit, dialog.api_key_edit,
                 dialog.secret_edit):
        assert not dialog.form.isRowVisible(edit)
    assert "no account, API key or secret is needed" in dialog.readonly_label.text()
    assert not dialog.save_button.isEnabled()


def test_test_connection_answers_on_the_sandbox(dialog, session):
    dialog.select_profile("Sandbox")
    dialog.test_button.click()
    task = session.calls("test_connection")[-1]
    assert task.args[0].is_sandbox and task.args[0].name == "Sandbox"
    assert dialog.result_label.text() == "Testing the connection…"
    assert not dialog.test_button.isEnabled()  # one test at a time
    task.succeed(Balance(Decimal("10.5"), False))
    assert dialog.result_label.text() == "Connected. Balance: 10.50 EUR"
    assert dialog.test_button.isEnabled()


def test_test_connection_says_what_to_fix_first(dialog, session):
    dialog.add_button.click()
    dialog.name_edit.setText("Live US")  # no API key
    dialog.test_button.click()
    assert session.calls("test_connection") == []
    assert dialog.result_label.text() == "Not tested: fix what is listed above first."
    assert "API key is required" in dialog.validation_label.text()


def test_an_answer_about_a_profile_no_longer_shown_is_dropped(dialog, session):
    dialog.select_profile("Live EU")
    dialog.test_button.click()
    task = session.calls("test_connection")[-1]
    dialog.select_profile("Sandbox")
    task.fail(AuthError(status="4", error_text="Bad credentials"))
    assert dialog.result_label.text() == ""
    assert dialog.test_button.isEnabled()


def test_a_new_profile_stays_selected_after_save(dialog, session):
    task = _save_new_profile(dialog, session)
    profile = task.args[0]
    session.add_saved(profile)  # as the service does before the task reports: the list reloads
    task.succeed(profile)
    assert dialog.profiles_list.currentItem().text() == "Live US"
    assert dialog.name_edit.text() == "Live US"
    assert dialog.name_edit.isReadOnly()  # now the stored profile, edited in place
    assert dialog.result_label.text().startswith("Profile Live US saved")


def test_a_history_url_with_a_password_is_refused_naming_the_field(dialog, session):
    dialog.add_button.click()
    dialog.name_edit.setText("Team")
    dialog.api_key_edit.setText("key123")
    dialog.history_url_edit.setText("postgresql://ana:hunter2@db.example.com/verify")
    problems = dialog.validate()
    assert any("history URL must not contain a password" in p for p in problems)
    assert "hunter2" not in dialog.validation_label.text()
    dialog.history_url_edit.setText("postgresql://ana@db.example.com/verify?sslmode=verify-full")
    assert dialog.validate() == []
    assert dialog.edited_profile().history_url.endswith("sslmode=verify-full")
