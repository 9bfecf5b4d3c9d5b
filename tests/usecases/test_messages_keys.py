"""A profile's Messages keyring items: a key file is checked before anything is stored."""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop_app.domain.errors import ValidationFailed
from desktop_app.settings.credentials import (
    APPLICATION_ID,
    PRIVATE_KEY,
    SIGNATURE_SECRET,
    SessionCredentialStore,
)
from desktop_app.usecases.messages_keys import KEY_FILE_MAX, store_items, stored_items
from tests.helpers.messages_sandbox import rsa_keys


def test_a_key_file_is_imported_and_an_empty_value_forgets_its_item(tmp_path: Path) -> None:
    private, _public = rsa_keys()
    key = tmp_path / "private.key"
    key.write_text(private, encoding="ascii")
    store = SessionCredentialStore()
    store.set_item("Live", SIGNATURE_SECRET, "old")
    items = store_items(store, "Live", {APPLICATION_ID: "app-1", SIGNATURE_SECRET: ""},
                        key_file=str(key))  # fmt: skip
    assert items == {APPLICATION_ID, PRIVATE_KEY} == stored_items(store, "Live")
    assert store.get_item("Live", PRIVATE_KEY) == private.strip()


@pytest.mark.parametrize("content", [b"hello", b"-----BEGIN PRIVATE KEY-----\nnot a key\n"
                                     b"-----END PRIVATE KEY-----\n",
                                     b"x" * (KEY_FILE_MAX + 1)])  # fmt: skip
def test_a_bad_key_file_stores_nothing(tmp_path: Path, content: bytes) -> None:
    key = tmp_path / "private.key"
    key.write_bytes(content)
    store = SessionCredentialStore()
    with pytest.raises(ValidationFailed) as caught:
        store_items(store, "Live", {APPLICATION_ID: "app-1"}, key_file=str(key))
    assert [e.field for e in caught.value.errors] == [PRIVATE_KEY]
    assert "not a key" not in str(caught.value)
    assert stored_items(store, "Live") == frozenset()


def test_a_missing_key_file_is_named_as_the_private_key(tmp_path: Path) -> None:
    with pytest.raises(ValidationFailed) as caught:
        store_items(SessionCredentialStore(), "Live", {}, key_file=str(tmp_path / "nope.key"))
    assert "could not be read" in caught.value.errors[0].message
