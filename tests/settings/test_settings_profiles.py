"""Profiles: the built-in Sandbox, round trips, the active profile and host rules."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from desktop_app.domain.errors import ValidationFailed
from desktop_app.settings import _jsonfile
from desktop_app.settings.preferences import Preferences, PreferencesStore
from desktop_app.settings.profiles import SANDBOX_PROFILE_NAME, Profile, ProfileStore


@pytest.fixture
def settings_file(tmp_path: Path) -> Path:
    return tmp_path / "config" / "settings.json"


@pytest.fixture
def profiles(settings_file: Path) -> ProfileStore:
    return ProfileStore(settings_file)


PROD = Profile(name="Production", api_key="abcd1234", callback_url="https://example.com/cb")


def test_sandbox_is_always_present_and_first(profiles: ProfileStore) -> None:
    (sandbox,) = profiles.profiles()
    assert sandbox.name == SANDBOX_PROFILE_NAME == "Sandbox"
    assert sandbox.is_sandbox and sandbox.api_host == "" and sandbox.rest_host == ""
    profiles.save(Profile(name="alpha"))
    profiles.save(PROD)
    profiles.save(Profile(name="Beta"))
    assert [p.name for p in profiles.profiles()] == ["Sandbox", "alpha", "Beta", "Production"]


def test_round_trip_of_every_field(profiles: ProfileStore, settings_file: Path) -> None:
    full = Profile(
        name="Local proxy", api_host="http://127.0.0.1:8080", rest_host="http://[::1]:9000",
        api_key="key-1", is_sandbox=False, callback_url="http://localhost:5000/hook?x=1",
    )  # fmt: skip
    profiles.save(full)
    profiles.save(PROD)
    again = ProfileStore(settings_file)
    assert again.get("Local proxy") == full
    assert again.get("Production") == PROD
    assert again.get("nope") is None
    assert again.get("Sandbox") == again.profiles()[0]


def test_save_replaces_by_name_and_strips_trailing_slash(profiles: ProfileStore) -> None:
    profiles.save(PROD)
    stored = profiles.save(Profile(name="Production", api_host="https://api-eu.vonage.com/"))
    assert stored.api_host == "https://api-eu.vonage.com"
    assert profiles.get("Production") == stored
    assert len(profiles.profiles()) == 2


def test_the_sandbox_cannot_be_removed_or_overwritten(profiles: ProfileStore) -> None:
    with pytest.raises(ValueError, match="Sandbox"):
        profiles.remove("Sandbox")
    for name in ("Sandbox", "sandbox"):
        with pytest.raises(ValidationFailed) as info:
            profiles.save(Profile(name=name, api_host="https://evil.example"))
        assert info.value.errors[0].field == "name"
    assert profiles.profiles()[0].api_host == ""


def test_remove(profiles: ProfileStore) -> None:
    profiles.save(PROD)
    profiles.remove("Production")
    profiles.remove("Production")  # unknown names are ignored
    assert [p.name for p in profiles.profiles()] == ["Sandbox"]


def test_active_profile_and_its_fallback(profiles: ProfileStore, settings_file: Path) -> None:
    assert profiles.active_name() == "Sandbox"
    profiles.save(PROD)
    profiles.set_active("Production")
    assert ProfileStore(settings_file).active_name() == "Production"
    assert profiles.active() == PROD
    with pytest.raises(ValueError, match="no profile"):
        profiles.set_active("Missing")
    profiles.remove("Production")
    assert profiles.active_name() == "Sandbox"  # the saved active one no longer exists
    assert profiles.active().is_sandbox
    profiles.set_active("Sandbox")
    assert profiles.active_name() == "Sandbox"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("api_host", "http://api.nexmo.com", "https"),
        ("rest_host", "http://10.0.0.5:8080", "https"),
        ("api_host", "http://localhost.evil.com", "https"),
        ("api_host", "ftp://api.nexmo.com", "URL"),
        ("api_host", "api.nexmo.com", "URL"),
        ("api_host", "", "empty"),
        ("api_host", "https://key:secret@api.nexmo.com", "password"),
        ("api_host", "https://api.nexmo.com/verify", "path"),
        ("api_host", "https://api.nexmo.com:99999", "valid URL"),
        ("callback_url", "http://example.com/cb", "https"),
        ("name", "", "empty"),
        ("name", " padded", "spaces"),
        ("name", "x" * 65, "64"),
        ("api_key", " key", "spaces"),
    ],
)
def test_invalid_fields_are_named(
    profiles: ProfileStore, field: str, value: str, message: str
) -> None:
    values = {"name": "Bad", field: value}
    with pytest.raises(ValidationFailed) as info:
        profiles.save(Profile(**values))  # type: ignore[arg-type]
    assert [e.field for e in info.value.errors] == [field]
    assert message in info.value.errors[0].message
    assert field in str(info.value)
    assert profiles.get("Bad") is None


@pytest.mark.parametrize(
    "host",
    ["http://127.0.0.1:8080", "http://127.1.2.3", "http://localhost:1", "http://[::1]:80",
     "https://api.nexmo.com", "https://api-eu.vonage.com:443"],
)  # fmt: skip
def test_allowed_hosts(profiles: ProfileStore, host: str) -> None:
    profiles.save(Profile(name="ok", api_host=host, rest_host=host))


def test_a_sandbox_profile_may_leave_hosts_empty(profiles: ProfileStore) -> None:
    profiles.save(Profile(name="Second sandbox", api_host="", rest_host="", is_sandbox=True))
    assert profiles.get("Second sandbox") is not None


def test_file_is_owner_only_json_without_secrets(
    profiles: ProfileStore, settings_file: Path
) -> None:
    profiles.save(PROD)
    assert stat.S_IMODE(settings_file.stat().st_mode) == 0o600
    document = json.loads(settings_file.read_text())
    assert document["profiles"]["saved"][0]["api_key"] == "abcd1234"
    assert "secret" not in settings_file.read_text().lower()


def test_hand_edited_entries_are_ignored(profiles: ProfileStore, settings_file: Path) -> None:
    settings_file.parent.mkdir(parents=True)
    settings_file.write_text(json.dumps({"profiles": {"active": 7, "saved": [
        {"name": "Good", "api_key": "k", "api_secret": "must-not-load", "extra": 1},
        {"name": "Sandbox", "api_host": "https://evil.example"},
        {"name": "Insecure", "api_host": "http://api.nexmo.com"},
        {"name": 5}, "junk", {"name": "Typed", "is_sandbox": "yes"},
    ]}}))  # fmt: skip
    assert [p.name for p in profiles.profiles()] == ["Sandbox", "Good"]
    assert profiles.profiles()[0].api_host == ""
    assert profiles.active_name() == "Sandbox"
    profiles.save(Profile(name="Other"))
    assert "must-not-load" not in settings_file.read_text()


def test_corrupt_file_reads_as_empty_and_is_kept_aside(
    profiles: ProfileStore, settings_file: Path
) -> None:
    settings_file.parent.mkdir(parents=True)
    settings_file.write_text("{not json")
    assert [p.name for p in profiles.profiles()] == ["Sandbox"]
    profiles.save(PROD)
    assert settings_file.with_name("settings.json.bad").read_text() == "{not json"
    assert profiles.get("Production") == PROD


def test_atomic_write_keeps_the_old_file_when_replace_fails(
    profiles: ProfileStore, settings_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    profiles.save(PROD)
    before = settings_file.read_bytes()

    def broken_replace(src: object, dst: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(_jsonfile.os, "replace", broken_replace)
    with pytest.raises(OSError, match="No space"):
        profiles.save(Profile(name="Another"))
    monkeypatch.undo()
    assert settings_file.read_bytes() == before
    assert sorted(os.listdir(settings_file.parent)) == ["settings.json"]  # no temp file left


def test_profiles_and_preferences_share_the_file_without_clobbering(
    settings_file: Path,
) -> None:
    profiles = ProfileStore(settings_file)
    prefs = PreferencesStore(settings_file)
    profiles.save(PROD)
    prefs.save(Preferences(brand="Acme"))
    profiles.set_active("Production")
    assert prefs.load().brand == "Acme"
    assert profiles.active_name() == "Production"
    assert set(json.loads(settings_file.read_text())) == {"profiles", "preferences"}
