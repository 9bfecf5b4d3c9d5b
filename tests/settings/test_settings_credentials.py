"""The keyring credential store: in-memory, refused, failing and real backends."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import keyring
import keyring.backends.fail
import keyring.backends.null
import keyring.errors
import pytest
from keyring.backend import KeyringBackend
from keyring.backends.chainer import ChainerBackend
from keyring.compat import properties

from desktop_app.domain.errors import CredentialsUnavailable
from desktop_app.settings.credentials import (
    KeyringCredentialStore,
    SessionCredentialStore,
)
from tests.helpers.memory_keyring import MemoryKeyring

SECRET = "s3cr3t-value-123"


def all_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


class PlaintextLikeKeyring(MemoryKeyring):
    """Stands in for keyrings.alt's PlaintextKeyring (priority 0.5)."""

    priority = 0.5


class AltModuleKeyring(MemoryKeyring):
    """High priority, but from a keyrings.alt module: a file-based backend."""

    priority = 10


AltModuleKeyring.__module__ = "keyrings.alt.file"


class LockedKeyring(MemoryKeyring):
    def get_password(self, service: str, username: str) -> str | None:
        raise keyring.errors.KeyringLocked("Failed to unlock the collection!")

    def set_password(self, service: str, username: str, password: str) -> None:
        raise keyring.errors.PasswordSetError(f"refused to store {password}")


class DbusBrokenKeyring(MemoryKeyring):
    def get_password(self, service: str, username: str) -> str | None:
        raise RuntimeError("org.freedesktop.DBus.Error.ServiceUnknown")


class NoPriorityKeyring(MemoryKeyring):
    @properties.classproperty
    def priority(cls) -> float:  # noqa: N805 - a class property
        raise RuntimeError("backend not available")


@pytest.fixture
def memory() -> MemoryKeyring:
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    return backend


def test_round_trip_with_an_in_memory_backend(memory: MemoryKeyring) -> None:
    store = KeyringCredentialStore()
    assert store.is_persistent is True
    assert store.get_secret("Production") is None
    store.set_secret("Production", SECRET)
    assert memory.data == {("verify-desk", "Production"): SECRET}
    assert store.get_secret("Production") == SECRET
    store.set_secret("Production", "new")
    assert store.get_secret("Production") == "new"
    store.delete_secret("Production")
    store.delete_secret("Production")  # idempotent
    assert store.get_secret("Production") is None
    assert store.backend_name().endswith("MemoryKeyring")


def test_service_name_is_configurable(memory: MemoryKeyring) -> None:
    KeyringCredentialStore(service="other").set_secret("p", SECRET)
    assert ("other", "p") in memory.data
    assert SECRET not in repr(KeyringCredentialStore(service="other"))


def test_empty_secret_is_refused(memory: MemoryKeyring) -> None:
    with pytest.raises(ValueError):
        KeyringCredentialStore().set_secret("p", "")
    with pytest.raises(ValueError):
        SessionCredentialStore().set_secret("p", "")


def test_the_fail_backend_is_unavailable_and_writes_no_file(tmp_path: Path) -> None:
    keyring.set_keyring(keyring.backends.fail.Keyring())
    store = KeyringCredentialStore()
    before = all_files(tmp_path)
    for action in (
        lambda: store.set_secret("Production", SECRET),
        lambda: store.get_secret("Production"),
        lambda: store.delete_secret("Production"),
        store.backend_name,
    ):
        with pytest.raises(CredentialsUnavailable, match=r"keyring\.backends\.fail") as info:
            action()
        assert SECRET not in str(info.value)
        assert "keyring" in info.value.user_message().lower()
    # In the window the headline is plain; the backend's name is under Details only.
    from desktop_app.ui.messages import describe

    shown = describe(info.value)
    assert shown.startswith("No system keyring is available.") and "backends" not in shown
    assert "keyring.backends.fail.Keyring" in shown.details
    assert all_files(tmp_path) == before == []  # HOME, XDG dirs and cwd are all in tmp_path


def test_the_default_backend_without_dbus_is_refused(tmp_path: Path) -> None:
    # A fresh process: keyring caches its backend list, so detection must not run in ours.
    code = (
        "from desktop_app.settings.credentials import KeyringCredentialStore as K\n"
        "from desktop_app.domain.errors import CredentialsUnavailable as C\n"
        "try:\n"
        f"    K().set_secret('Production', {SECRET!r})\n"
        "except C as exc:\n"
        "    print('refused:', exc)\n"
    )
    root = Path(__file__).resolve().parents[2]
    env = {k: v for k, v in os.environ.items() if not k.startswith("DBUS_")}
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path / "cwd", capture_output=True, text=True,
        check=False, env={**env, "PYTHONPATH": str(root)},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("refused:"), result.stdout
    assert SECRET not in result.stdout + result.stderr
    assert all_files(tmp_path) == []  # HOME and XDG dirs (in tmp_path) stay empty


@pytest.mark.parametrize(
    "backend",
    [PlaintextLikeKeyring(), AltModuleKeyring(), keyring.backends.null.Keyring()],
    ids=["priority-0.5", "keyrings.alt-module", "null"],
)
def test_insecure_backends_are_refused(backend: KeyringBackend) -> None:
    keyring.set_keyring(backend)
    store = KeyringCredentialStore()
    with pytest.raises(CredentialsUnavailable, match=r"not|file") as info:
        store.set_secret("Production", SECRET)
    assert type(backend).__name__ in str(info.value)
    with pytest.raises(CredentialsUnavailable):
        store.get_secret("Production")
    assert getattr(backend, "data", {}) == {}  # nothing reached the backend


def test_backend_with_unreadable_priority_is_refused() -> None:
    keyring.set_keyring(NoPriorityKeyring())
    with pytest.raises(CredentialsUnavailable, match="backend not available"):
        KeyringCredentialStore().get_secret("p")


def test_backend_failures_become_credentials_unavailable() -> None:
    keyring.set_keyring(LockedKeyring())
    store = KeyringCredentialStore()
    with pytest.raises(CredentialsUnavailable, match="KeyringLocked"):
        store.get_secret("p")
    with pytest.raises(CredentialsUnavailable, match="PasswordSetError") as info:
        store.set_secret("p", SECRET)
    assert SECRET not in str(info.value)  # the backend's text is scrubbed
    assert info.value.__cause__ is None  # and its exception is not chained
    keyring.set_keyring(DbusBrokenKeyring())
    with pytest.raises(CredentialsUnavailable, match="DBus"):
        store.get_secret("p")


def test_a_chainer_uses_only_its_top_backend(monkeypatch: pytest.MonkeyPatch) -> None:
    top, plaintext = MemoryKeyring(), PlaintextLikeKeyring()
    plaintext.data[("verify-desk", "p")] = "from-a-file"
    monkeypatch.setattr(ChainerBackend, "backends", [top, plaintext])
    keyring.set_keyring(ChainerBackend())
    store = KeyringCredentialStore()
    assert store.get_secret("p") is None  # the plaintext member is never consulted
    store.set_secret("p", SECRET)
    assert top.data == {("verify-desk", "p"): SECRET}
    monkeypatch.setattr(ChainerBackend, "backends", [plaintext])
    with pytest.raises(CredentialsUnavailable):
        store.get_secret("p")
    monkeypatch.setattr(ChainerBackend, "backends", [])
    with pytest.raises(CredentialsUnavailable):
        store.get_secret("p")


def test_importing_settings_does_not_import_keyring() -> None:
    code = (
        "import sys, desktop_app.settings.credentials, desktop_app.settings.profiles, "
        "desktop_app.settings.preferences, desktop_app.settings.paths; "
        "assert 'keyring' not in sys.modules, 'keyring imported eagerly'; "
        "assert not any(m.startswith('PySide6') for m in sys.modules)"
    )
    root = Path(__file__).resolve().parents[2]
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=False,
        env={**os.environ, "PYTHONPATH": str(root)},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr


@pytest.mark.secret_service
def test_real_secret_service_round_trip(
    secret_service: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Against a private gnome-keyring (tests/helpers/secret_service.py), never the user's."""
    monkeypatch.setattr(keyring.core, "_keyring_backend", None)  # keyring's own detection
    store = KeyringCredentialStore(service=f"verify-desk-test-{uuid.uuid4().hex}")
    assert "SecretService" in store.backend_name()
    assert store.get_secret("Production") is None
    store.set_secret("Production", SECRET)
    try:
        assert store.get_secret("Production") == SECRET
        assert KeyringCredentialStore(service=store._service).get_secret("Production") == SECRET
    finally:
        store.delete_secret("Production")
    assert store.get_secret("Production") is None
    store.delete_secret("Production")  # idempotent against the real service too
