"""The one JSON settings file shared by ``profiles`` and ``preferences``.

Each store owns one top-level key and rewrites only that key, keeping the others as they
were. Writes are atomic: the new document goes to a temporary file in the same folder
(created ``0o600``), is flushed to disk, then replaces the old file with ``os.replace``, so a
crash leaves either the old or the new file, never half of one. A per-path lock serialises
read-modify-write cycles inside this process (two processes writing at the same instant can
still lose one update; the last writer wins, and the file stays valid).

A file that is not a JSON object (hand-edited, truncated by a full disk) reads as empty; the
next write first moves it aside to ``<name>.bad`` so nothing is silently destroyed.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import threading
from pathlib import Path
from typing import Any

_LOCKS: dict[Path, threading.Lock] = {}
_LOCKS_GUARD = threading.Lock()


def _lock_for(path: Path) -> threading.Lock:
    key = path.resolve()
    with _LOCKS_GUARD:
        return _LOCKS.setdefault(key, threading.Lock())


def _read(path: Path) -> tuple[dict[str, Any], bool]:
    """Return (document, is_corrupt). A missing file is an empty, healthy document."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}, False
    try:
        document = json.loads(text)
    except ValueError:
        return {}, True
    return (document, False) if isinstance(document, dict) else ({}, True)


def read_section(path: Path, key: str) -> object:
    """Return the value stored under ``key`` (None when absent or the file is unreadable)."""
    with _lock_for(path):
        return _read(path)[0].get(key)


def write_section(path: Path, key: str, value: object) -> None:
    """Replace the value under ``key`` atomically, keeping every other key.

    Raises:
        OSError: The folder or file cannot be written.
    """
    with _lock_for(path):
        document, corrupt = _read(path)
        if corrupt:
            os.replace(path, path.with_name(path.name + ".bad"))
        document[key] = value
        atomic_write_text(path, json.dumps(document, indent=2, sort_keys=True) + "\n")


def atomic_write_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` via a ``0o600`` temporary file and ``os.replace``."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp_name, 0o600)
        os.replace(temp_name, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp_name)
        raise
    if os.name == "posix":  # make the rename itself durable
        with contextlib.suppress(OSError):
            dir_fd = os.open(path.parent, os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)
