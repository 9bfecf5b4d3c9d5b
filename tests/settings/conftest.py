"""Keep every settings test away from the real home, config folders and keyring."""

from __future__ import annotations

from pathlib import Path

import keyring.core
import pytest

_ISOLATED_DIRS = {
    "XDG_CONFIG_HOME": "xdg/config",
    "XDG_DATA_HOME": "xdg/data",
    "XDG_STATE_HOME": "xdg/state",
    "XDG_CACHE_HOME": "xdg/cache",
    "APPDATA": "win/roaming",
    "LOCALAPPDATA": "win/local",
}


@pytest.fixture(autouse=True)
def isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point HOME, the XDG/Windows folders and the cwd at tmp_path; return the fake home."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("USERPROFILE", str(home))
    for var, sub in _ISOLATED_DIRS.items():
        monkeypatch.setenv(var, str(tmp_path / sub))
    for var in (
        "VERIFY_DESK_HOME", "PYTHON_KEYRING_BACKEND", "VERIFY_DESK_API_KEY",
        "VERIFY_DESK_API_SECRET",
    ):  # fmt: skip
        monkeypatch.delenv(var, raising=False)
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    return home


@pytest.fixture(autouse=True)
def restore_keyring_backend(monkeypatch: pytest.MonkeyPatch) -> None:
    """Undo any ``keyring.set_keyring`` a test makes (keyring caches one global backend)."""
    monkeypatch.setattr(keyring.core, "_keyring_backend", keyring.core._keyring_backend)
