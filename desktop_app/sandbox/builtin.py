"""The built-in sandbox of the window and of ``verify-desk-cli --sandbox``: its two files.

Both keep their state in one file of the app's data folder (:func:`state_file`; see
:mod:`desktop_app.sandbox.persist`), so a request started in one is known to the other and
survives a restart. While the window runs, its sandbox also says where it listens in a small
discovery file (:func:`announce`: the URL and the window's process id, owner-only); the command
line then talks to that server (:func:`announced`) instead of opening the state itself, and
opens it itself when the file is missing, unreadable, or names a process that is gone.

The folder is given by the caller (the settings' ``AppPaths.data_dir``): the sandbox does not
read the settings.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from desktop_app.sandbox.callbacks import check_callback_url

__all__ = ["Announced", "announce", "announced", "discovery_file", "state_file", "withdraw"]

STATE_FILE_NAME = "sandbox-state.json"
DISCOVERY_FILE_NAME = "sandbox-running.json"


def state_file(data_dir: Path) -> Path:
    """The built-in sandbox's state file in ``data_dir``."""
    return data_dir / STATE_FILE_NAME


def discovery_file(data_dir: Path) -> Path:
    """The file where the window's running sandbox says where it listens."""
    return data_dir / DISCOVERY_FILE_NAME


@dataclass(frozen=True)
class Announced:
    """A running sandbox as its discovery file names it."""

    url: str
    pid: int


def announce(data_dir: Path, url: str, pid: int | None = None) -> None:
    """Say that the sandbox of process ``pid`` (this one by default) listens on ``url``.

    Written atomically, owner-only (0600).

    Raises:
        OSError: The file cannot be written.
    """
    path = discovery_file(data_dir)
    body = json.dumps({"url": url, "pid": os.getpid() if pid is None else pid})
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(body)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def withdraw(data_dir: Path, pid: int | None = None) -> None:
    """Remove the discovery file if it names process ``pid`` (this one by default).

    Another window's announcement is left alone; a file that cannot be removed is left too (the
    command line checks that the process lives before trusting it).
    """
    mine = announced(data_dir, check_alive=False)
    if mine is not None and mine.pid == (os.getpid() if pid is None else pid):
        with contextlib.suppress(OSError):
            discovery_file(data_dir).unlink()


def announced(data_dir: Path, *, check_alive: bool = True) -> Announced | None:
    """The running sandbox the discovery file names, or None.

    None when the file is missing or unreadable, names a URL off this computer (loopback only),
    or (with ``check_alive``) names a process that no longer runs. A live process id may still
    be another program's (ids are reused): the caller checks that the URL answers as a sandbox.
    """
    try:
        raw = json.loads(discovery_file(data_dir).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(raw, dict):
        return None
    url, pid = raw.get("url"), raw.get("pid")
    if not isinstance(url, str) or type(pid) is not int or pid <= 0:
        return None
    try:
        url = check_callback_url(url)  # an http(s) URL on a loopback address, nothing else
    except ValueError:
        return None
    if check_alive and not _alive(pid):
        return None
    return Announced(url, pid)


def _alive(pid: int) -> bool:
    if sys.platform == "win32":
        return True  # signal 0 would end the process there: the URL check decides
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists, as another user's
    return True
