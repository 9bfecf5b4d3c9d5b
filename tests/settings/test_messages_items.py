"""The Messages API's keyring items: signature secret, application id and private key."""

from __future__ import annotations

from pathlib import Path

import keyring
import keyring.errors
import pytest

from desktop_app.domain.errors import CredentialsUnavailable
from desktop_app.settings.credentials import (
    APPLICATION_ID,
    MESSAGES_ITEMS,
    PRIVATE_KEY,
    SIGNATURE_SECRET,
    FollowingItems,
    KeyringCredentialStore,
    SessionCredentialStore,
)
from tests.helpers.memory_keyring import MemoryKeyring

VALUE = "whsec-9f8e7d6c5b4a"


class RefusingKeyring(MemoryKeyring):
    def set_password(self, service: str, username: str, password: str) -> None:
        raise keyring.errors.PasswordSetError(f"refused {password}")


@pytest.fixture
def memory() -> MemoryKeyring:
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    return backend


def test_items_live_in_the_keyring_under_their_own_service(
    memory: MemoryKeyring, tmp_path: Path
) -> None:
    store = KeyringCredentialStore()
    store.set_secret("live", "api-secret")
    for item in MESSAGES_ITEMS:
        assert store.get_item("live", item) is None
        store.set_item("live", item, f"{item}-{VALUE}")
    assert memory.data[("verify-desk/signature_secret", "live")] == f"{SIGNATURE_SECRET}-{VALUE}"
    assert store.get_item("live", PRIVATE_KEY) == f"{PRIVATE_KEY}-{VALUE}"
    store.delete_item("live", APPLICATION_ID)
    store.delete_item("live", APPLICATION_ID)  # idempotent
    assert store.get_item("live", APPLICATION_ID) is None
    store.delete_secret("live")  # forgetting a profile forgets its items too
    assert memory.data == {}
    assert not [p for p in tmp_path.rglob("*") if p.is_file()]  # nothing in a file


def test_unknown_items_and_empty_values_are_refused(memory: MemoryKeyring) -> None:
    for store in (KeyringCredentialStore(), SessionCredentialStore()):
        with pytest.raises(ValueError, match="unknown item"):
            store.get_item("live", "api_secret")
        with pytest.raises(ValueError, match="empty"):
            store.set_item("live", SIGNATURE_SECRET, "")


def test_a_keyring_failure_names_the_item_and_never_its_value() -> None:
    keyring.set_keyring(RefusingKeyring())
    with pytest.raises(CredentialsUnavailable) as failed:
        KeyringCredentialStore().set_item("live", SIGNATURE_SECRET, VALUE)
    assert "webhook signature secret" in str(failed.value)
    assert VALUE not in str(failed.value)
    assert failed.value.__cause__ is None


def test_the_session_store_keeps_items_per_profile() -> None:
    store = SessionCredentialStore()
    store.set_item("a", SIGNATURE_SECRET, VALUE)
    assert store.get_item("b", SIGNATURE_SECRET) is None
    assert VALUE not in repr(store)
    store.delete_secret("a")
    assert store.get_item("a", SIGNATURE_SECRET) is None


def test_items_follow_the_store_the_session_switched_to() -> None:
    # "Keep for this session only" swaps the session's store: the Messages items go with it.
    first, second = SessionCredentialStore(), SessionCredentialStore()
    current: list[object] = [first]
    items = FollowingItems(lambda: current[-1])
    items.set_item("Acme", SIGNATURE_SECRET, VALUE)
    current.append(second)
    assert items.get_item("Acme", SIGNATURE_SECRET) is None  # the new store has none yet
    items.set_item("Acme", APPLICATION_ID, "app-1")
    assert second.get_item("Acme", APPLICATION_ID) == "app-1"
    assert first.get_item("Acme", APPLICATION_ID) is None
    items.delete_item("Acme", APPLICATION_ID)
    assert second.get_item("Acme", APPLICATION_ID) is None


def test_a_store_without_items_answers_none_and_refuses_to_keep_one() -> None:
    items = FollowingItems(lambda: object())
    assert items.get_item("Acme", PRIVATE_KEY) is None
    items.delete_item("Acme", PRIVATE_KEY)  # nothing to forget
    with pytest.raises(CredentialsUnavailable):
        items.set_item("Acme", PRIVATE_KEY, VALUE)
