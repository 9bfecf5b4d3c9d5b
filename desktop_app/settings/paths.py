"""Where Verify Desk keeps its settings, history and logs.

The folders follow each platform's conventions:

* Linux and other Unix: ``$XDG_CONFIG_HOME/verify-desk`` (default ``~/.config``),
  ``$XDG_DATA_HOME/verify-desk`` (``~/.local/share``) and ``$XDG_STATE_HOME/verify-desk/logs``
  (``~/.local/state``). Relative XDG values are ignored, as the XDG spec requires.
* Windows: ``%APPDATA%/Verify Desk`` (roaming settings), ``%LOCALAPPDATA%/Verify Desk``
  (history) and ``%LOCALAPPDATA%/Verify Desk/Logs``.
* macOS: ``~/Library/Application Support/Verify Desk`` (settings and history) and
  ``~/Library/Logs/Verify Desk``.

``VERIFY_DESK_HOME`` overrides all three with ``config/``, ``data/`` and ``logs/`` beneath it,
for tests and development.
"""

from __future__ import annotations

import os
import stat
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Final

#: Environment variable that puts every folder under one directory.
HOME_ENV: Final = "VERIFY_DESK_HOME"
_UNIX_NAME: Final = "verify-desk"
_DISPLAY_NAME: Final = "Verify Desk"


def _xdg(environ: Mapping[str, str], name: str, fallback: Path) -> Path:
    value = environ.get(name, "")
    return Path(value) if value and os.path.isabs(value) else fallback


@dataclass(frozen=True)
class AppPaths:
    """The three folders the app writes to, and the files inside them.

    Attributes:
        config_dir: Settings (``settings.json``).
        data_dir: The request history database.
        log_dir: Log files.
    """

    config_dir: Path
    data_dir: Path
    log_dir: Path

    @classmethod
    def default(
        cls,
        environ: Mapping[str, str] | None = None,
        *,
        platform: str | None = None,
        home: Path | None = None,
    ) -> AppPaths:
        """Return the standard folders for this platform (``VERIFY_DESK_HOME`` first).

        Args:
            environ: The environment to read (default ``os.environ``).
            platform: A ``sys.platform`` value (default: this machine's).
            home: The user's home folder (default ``Path.home()``).
        """
        env = os.environ if environ is None else environ
        override = env.get(HOME_ENV, "")
        if override:
            base = Path(override).expanduser()
            return cls(base / "config", base / "data", base / "logs")
        plat = sys.platform if platform is None else platform
        user_home = Path.home() if home is None else home
        if plat.startswith("win"):
            roaming = Path(env.get("APPDATA") or user_home / "AppData" / "Roaming")
            local = Path(env.get("LOCALAPPDATA") or user_home / "AppData" / "Local")
            return cls(
                roaming / _DISPLAY_NAME, local / _DISPLAY_NAME, local / _DISPLAY_NAME / "Logs"
            )
        if plat == "darwin":
            support = user_home / "Library" / "Application Support" / _DISPLAY_NAME
            return cls(support, support, user_home / "Library" / "Logs" / _DISPLAY_NAME)
        config = _xdg(env, "XDG_CONFIG_HOME", user_home / ".config")
        data = _xdg(env, "XDG_DATA_HOME", user_home / ".local" / "share")
        state = _xdg(env, "XDG_STATE_HOME", user_home / ".local" / "state")
        return cls(config / _UNIX_NAME, data / _UNIX_NAME, state / _UNIX_NAME / "logs")

    @property
    def history_db(self) -> Path:
        """The request history database file."""
        return self.data_dir / "history.sqlite3"

    @property
    def settings_file(self) -> Path:
        """The JSON file holding profiles and preferences (never secrets)."""
        return self.config_dir / "settings.json"

    def ensure(self) -> AppPaths:
        """Create the three folders (owner-only, ``0o700``) and return ``self``.

        An existing folder open to others is tightened to owner-only; a stricter mode the user
        chose (``0o500``, say) is kept.

        Raises:
            OSError: A folder cannot be created.
        """
        for folder in (self.config_dir, self.data_dir, self.log_dir):
            private_folder(folder)
        return self


def private_folder(folder: Path) -> None:
    """Create ``folder`` (and missing parents) owner-only, or take group/other access away.

    Only the group and other bits are ever removed, so a stricter mode the user chose stays.

    Raises:
        OSError: The folder cannot be created (or its mode read).
    """
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    if os.name != "posix":
        return
    mode = stat.S_IMODE(folder.stat().st_mode)
    if mode & 0o077:
        folder.chmod(mode & 0o700)
