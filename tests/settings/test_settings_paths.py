"""Platform folders and the VERIFY_DESK_HOME override."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from desktop_app.settings.paths import AppPaths


def test_linux_uses_xdg_folders(tmp_path: Path) -> None:
    env = {
        "XDG_CONFIG_HOME": "/x/config",
        "XDG_DATA_HOME": "/x/data",
        "XDG_STATE_HOME": "/x/state",
    }
    paths = AppPaths.default(env, platform="linux", home=tmp_path)
    assert paths == AppPaths(
        Path("/x/config/verify-desk"), Path("/x/data/verify-desk"),
        Path("/x/state/verify-desk/logs"),
    )  # fmt: skip
    assert paths.history_db == Path("/x/data/verify-desk/history.sqlite3")
    assert paths.settings_file == Path("/x/config/verify-desk/settings.json")


def test_linux_defaults_and_relative_xdg_values_are_ignored(tmp_path: Path) -> None:
    paths = AppPaths.default({"XDG_CONFIG_HOME": "relative/dir"}, platform="linux", home=tmp_path)
    assert paths.config_dir == tmp_path / ".config" / "verify-desk"
    assert paths.data_dir == tmp_path / ".local" / "share" / "verify-desk"
    assert paths.log_dir == tmp_path / ".local" / "state" / "verify-desk" / "logs"


def test_windows_uses_appdata(tmp_path: Path) -> None:
    env = {"APPDATA": "/w/Roaming", "LOCALAPPDATA": "/w/Local"}
    paths = AppPaths.default(env, platform="win32", home=tmp_path)
    assert paths.config_dir == Path("/w/Roaming/Verify Desk")
    assert paths.data_dir == Path("/w/Local/Verify Desk")
    assert paths.log_dir == Path("/w/Local/Verify Desk/Logs")
    fallback = AppPaths.default({}, platform="win32", home=tmp_path)
    assert fallback.config_dir == tmp_path / "AppData" / "Roaming" / "Verify Desk"


def test_macos_uses_library(tmp_path: Path) -> None:
    paths = AppPaths.default({}, platform="darwin", home=tmp_path)
    support = tmp_path / "Library" / "Application Support" / "Verify Desk"
    assert (paths.config_dir, paths.data_dir) == (support, support)
    assert paths.log_dir == tmp_path / "Library" / "Logs" / "Verify Desk"


@pytest.mark.parametrize("platform", ["linux", "win32", "darwin"])
def test_verify_desk_home_overrides_all_three(tmp_path: Path, platform: str) -> None:
    env = {"VERIFY_DESK_HOME": str(tmp_path / "vd"), "XDG_CONFIG_HOME": "/ignored"}
    paths = AppPaths.default(env, platform=platform, home=tmp_path)
    assert paths == AppPaths(tmp_path / "vd/config", tmp_path / "vd/data", tmp_path / "vd/logs")


def test_default_reads_the_process_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VERIFY_DESK_HOME", str(tmp_path / "dev"))
    assert AppPaths.default().data_dir == tmp_path / "dev" / "data"


def test_default_never_points_at_the_real_home(isolated_home: Path, tmp_path: Path) -> None:
    paths = AppPaths.default()
    for folder in (paths.config_dir, paths.data_dir, paths.log_dir):
        assert folder.is_relative_to(tmp_path)


def test_ensure_creates_owner_only_folders(tmp_path: Path) -> None:
    paths = AppPaths(tmp_path / "c", tmp_path / "d" / "deep", tmp_path / "l")
    (tmp_path / "c").mkdir(mode=0o755)
    assert paths.ensure() is paths
    for folder in (paths.config_dir, paths.data_dir, paths.log_dir):
        assert folder.is_dir()
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    paths.ensure()  # idempotent
