"""Acceptance (issue 10, item 1 and 7): a profile's Messages host and keyring items, set in the
settings dialog, are what the client uses; the private key lives in the keyring only; presenter
mode masks numbers on the Message page, in the timeline and in the handset's conversation."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from PySide6.QtWidgets import QLineEdit

from desktop_app.app import AppContext
from desktop_app.domain.messages import SMS, TEMPLATE, WHATSAPP, MessageRequest, Text
from desktop_app.domain.models import ApiCredentials
from desktop_app.settings.credentials import (
    APPLICATION_ID,
    PRIVATE_KEY,
    SessionCredentialStore,
)
from desktop_app.settings.profiles import Profile
from desktop_app.store.history import HistoryStore
from desktop_app.ui import message_settings
from desktop_app.ui.message_page import MessagePage
from desktop_app.ui.settings_dialog import SettingsDialog
from desktop_app.usecases.session import open_desk
from tests.helpers.message_window import BUSINESS, CUSTOMER, advance, fill, send
from tests.helpers.messages_sandbox import rsa_keys

EU = "https://api-eu.vonage.com"


def open_settings(app: AppContext) -> SettingsDialog:
    app.window.settings_action.trigger()
    dialog = app.window.settings_dialog
    assert isinstance(dialog, SettingsDialog)
    return dialog


def files_text(home: Path) -> str:
    """Everything written under the app's home (settings, history, logs), as text."""
    return "\n".join(p.read_bytes().decode("latin-1") for p in home.rglob("*") if p.is_file())


def test_the_sandbox_profile_needs_no_messages_settings(message_app: AppContext) -> None:
    dialog = open_settings(message_app)
    dialog.select_profile("Sandbox")
    assert dialog.messages_box.isHidden()


def test_host_and_private_key_are_saved_where_they_belong_and_used(
    message_app: AppContext, qtbot: Any, tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    private, _public = rsa_keys()
    key_file = tmp_path_factory.mktemp("downloads") / "private.key"  # outside the app's home
    key_file.write_text(private, encoding="ascii")
    monkeypatch.setattr(message_settings, "choose_key_file", lambda _parent: str(key_file))
    dialog = open_settings(message_app)
    dialog.add_button.click()
    dialog.name_edit.setText("Live EU")
    dialog.api_key_edit.setText("abcd1234")
    dialog.secret_edit.setText("s3cret-value")
    box = dialog.messages_box
    assert not box.isHidden()
    box.host_combo.setCurrentIndex(box.host_combo.findData(EU))
    box.app_id_edit.setText("aaaaaaaa-bbbb-cccc-dddd-0123456789ab")
    box.import_button.click()
    dialog.save_button.click()
    qtbot.waitUntil(lambda: "saved" in dialog.result_label.text(), timeout=10_000)
    store = message_app.credentials
    assert isinstance(store, SessionCredentialStore)
    assert store.get_item("Live EU", PRIVATE_KEY) == private.strip()
    assert store.get_item("Live EU", APPLICATION_ID) == "aaaaaaaa-bbbb-cccc-dddd-0123456789ab"
    saved = message_app.profile_store.get("Live EU")
    assert saved is not None and saved.messages_host == EU
    written = "".join(files_text(d) for d in (message_app.paths.config_dir,
                      message_app.paths.data_dir, message_app.paths.log_dir))  # fmt: skip
    body = private.splitlines()[1]
    assert "PRIVATE KEY" not in written and body not in written and str(key_file) not in written
    # The dialog then says (from the keyring, read on its worker) that a key is stored.
    qtbot.waitUntil(lambda: "private key is stored" in box.key_label.text(), timeout=10_000)
    # The client of that profile goes to the EU host, with an application JWT.
    session = message_app.session
    assert session is not None
    with qtbot.waitSignal(session.profile_changed, timeout=10_000):
        session.switch("Live EU")
    desk = message_app.verification.desk if message_app.verification else None
    assert desk is not None and desk.messages is not None
    client = desk.messages.client()
    assert client.api_host == EU and "auth='jwt'" in repr(client)


def test_a_file_that_is_no_private_key_is_refused(
    message_app: AppContext, qtbot: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bad = tmp_path / "notes.txt"
    bad.write_text("hello", encoding="ascii")
    monkeypatch.setattr(message_settings, "choose_key_file", lambda _parent: str(bad))
    dialog = open_settings(message_app)
    dialog.add_button.click()
    dialog.name_edit.setText("Live US")
    dialog.api_key_edit.setText("abcd1234")
    dialog.messages_box.import_button.click()
    dialog.save_button.click()
    qtbot.waitUntil(lambda: not dialog.messages_box.problem_label.isHidden(), timeout=10_000)
    assert "private key" in dialog.messages_box.problem_label.text()
    assert dialog.result_label.text().startswith("Not saved")
    assert message_app.profile_store.get("Live US") is None


def test_the_messages_host_is_where_the_client_sends(history: HistoryStore) -> None:
    seen: list[httpx.URL] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url)
        return httpx.Response(202, json={"message_uuid": str(uuid.uuid4())})

    http = httpx.Client(transport=httpx.MockTransport(handler))
    profile = Profile("Live EU", api_key="abcd1234", messages_host=EU)
    operations = open_desk(profile, ApiCredentials("abcd1234", "s3cret"), history, http)
    assert operations.messages is not None
    operations.messages.send(MessageRequest(SMS, "447700900123", "Acme", Text("Hello")))
    http.close()
    assert [str(url) for url in seen] == [f"{EU}/v1/messages"]


def test_presenter_mode_masks_numbers_on_the_page_timeline_and_conversation(
    message_app: AppContext, qtbot: Any
) -> None:
    window = message_app.window
    page: MessagePage = window.message_page
    page.composer.set_channel(WHATSAPP, TEMPLATE)
    fill(page, {"to": CUSTOMER, "from": BUSINESS, "template.name": "acme:callback",
                "template.parameters": "447700900999"})  # fmt: skip
    sent = send(qtbot, page)
    advance(message_app, qtbot, 5)
    timeline = window.recent.details.message_timeline
    qtbot.waitUntil(lambda: len(timeline.lines) == 3, timeout=10_000)
    conversation = window.handset_panel.conversation
    qtbot.waitUntil(lambda: bool(conversation.lines(CUSTOMER, WHATSAPP)), timeout=10_000)
    conversation.select(CUSTOMER, WHATSAPP)
    window.set_presenter_mode(True)
    edits = page.number_edits()
    assert edits and all(e.echoMode() == QLineEdit.EchoMode.PasswordEchoOnEdit for e in edits)
    assert sent.message_uuid not in timeline.details.details()
    assert CUSTOMER not in window.recent.details.value_labels["number"].text()
    picker = conversation.picker.currentText()
    assert CUSTOMER[-4:] in picker and CUSTOMER[:-4] not in picker.replace(" ", "")
    shown = [conversation.lines_list.item(i).text() for i in range(conversation.lines_list.count())]
    assert shown and not any("447700900999" in text for text in shown)
    window.set_presenter_mode(False)
    assert conversation.picker.currentText().replace(" ", "").endswith("0401·WhatsApp")
    assert sent.message_uuid in timeline.details.details()
