"""Session store, environment credentials and credential resolution."""

from __future__ import annotations

from pathlib import Path

import keyring
import keyring.backends.fail
import pytest

from desktop_app.domain.errors import CredentialsUnavailable
from desktop_app.domain.models import ApiCredentials
from desktop_app.settings.credentials import (
    SANDBOX_CREDENTIALS,
    CredentialStore,
    EnvCredentials,
    KeyringCredentialStore,
    SessionCredentialStore,
    resolve_credentials,
)
from desktop_app.settings.profiles import Profile, ProfileStore

SECRET = "s3cr3t-value-123"


def test_session_store() -> None:
    store: CredentialStore = SessionCredentialStore()
    assert store.is_persistent is False
    assert store.get_secret("p") is None
    store.set_secret("p", SECRET)
    assert store.get_secret("p") == SECRET
    assert SECRET not in repr(store)
    store.delete_secret("p")
    store.delete_secret("p")
    assert store.get_secret("p") is None


def test_env_credentials() -> None:
    env = {"VERIFY_DESK_API_KEY": "key", "VERIFY_DESK_API_SECRET": SECRET}
    creds = EnvCredentials.from_environ(env)
    assert creds == ApiCredentials("key", SECRET)
    assert SECRET not in repr(creds)
    assert EnvCredentials.from_environ({}) is None
    with pytest.raises(CredentialsUnavailable, match="VERIFY_DESK_API_SECRET"):
        EnvCredentials.from_environ({"VERIFY_DESK_API_KEY": "key"})
    with pytest.raises(CredentialsUnavailable, match="VERIFY_DESK_API_KEY"):
        EnvCredentials.from_environ({"VERIFY_DESK_API_SECRET": SECRET})
    assert EnvCredentials.from_environ() is None  # the isolated process environment


def test_resolve_credentials(tmp_path: Path) -> None:
    sandbox = ProfileStore(tmp_path / "settings.json").profiles()[0]
    store = SessionCredentialStore()
    env = ApiCredentials("env-key", "env-secret")
    assert resolve_credentials(sandbox, store) == SANDBOX_CREDENTIALS
    assert resolve_credentials(sandbox, store, env=env) == SANDBOX_CREDENTIALS
    assert ApiCredentials("sandbox", "sandbox-secret") == SANDBOX_CREDENTIALS
    prod = Profile(name="Production", api_key="abc")
    assert resolve_credentials(prod, store, env=env) == env
    with pytest.raises(CredentialsUnavailable, match=r"(?i)no secret stored for profile 'Prod"):
        resolve_credentials(prod, store)
    store.set_secret("Production", SECRET)
    assert resolve_credentials(prod, store) == ApiCredentials("abc", SECRET)
    with pytest.raises(CredentialsUnavailable, match="API key"):
        resolve_credentials(Profile(name="Keyless"), store)


def test_resolve_passes_keyring_failures_on() -> None:
    keyring.set_keyring(keyring.backends.fail.Keyring())
    with pytest.raises(CredentialsUnavailable):
        resolve_credentials(Profile(name="P", api_key="k"), KeyringCredentialStore())
