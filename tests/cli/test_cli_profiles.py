"""verify-desk-cli target resolution: saved profiles, the active profile and local failures."""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop_app.sandbox.server import SandboxServer
from desktop_app.settings.paths import AppPaths
from desktop_app.settings.profiles import Profile, ProfileStore
from tests.helpers.cli import Cli


def _save_active(profile: Profile) -> None:
    store = ProfileStore(AppPaths.default().ensure().settings_file)
    store.save(profile)
    store.set_active(profile.name)


def test_active_saved_profile_with_environment_secret(
    run: Cli, sandbox: SandboxServer, db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _save_active(Profile(name="staging", api_host=sandbox.url, rest_host=sandbox.url,
                         api_key="sandbox"))  # fmt: skip
    monkeypatch.setenv("VERIFY_DESK_API_KEY", "sandbox")
    monkeypatch.setenv("VERIFY_DESK_API_SECRET", "sandbox-secret")
    result = run("--history-db", str(db), "--json", "start", "--number", "447123450100",
                 "--brand", "Acme")  # fmt: skip
    assert result.code == 0, result.err
    entries = run("--history-db", str(db), "--json", "history", "--profile", "staging").json()
    assert [e["profile"] for e in entries["entries"]] == ["staging"]
    assert run("--history-db", str(db), "--json", "history", "--profile", "x").json() == {
        "ok": True, "command": "history", "entries": []
    }  # fmt: skip


def test_unknown_profile_is_a_usage_error(run: Cli, db: Path) -> None:
    result = run("--history-db", str(db), "--profile", "nope", "balance")
    assert result.code == 2
    assert "no profile named 'nope'" in result.err and "Sandbox" in result.err


def test_unusable_history_database_exits_4(run: Cli, tmp_path: Path) -> None:
    folder = tmp_path / "not-a-file"
    folder.mkdir()
    result = run("--history-db", str(folder), "--sandbox", "--json", "balance")
    assert result.code == 4
    assert result.json()["error"]["type"] == "StoreError"
    assert "history" in result.err.lower()
