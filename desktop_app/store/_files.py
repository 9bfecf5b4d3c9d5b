"""The history file is created owner-only: it holds phone numbers.

SQLite creates a missing database file with the process umask (usually ``0o644``, readable by
every user of the machine) and gives its ``-wal`` and ``-shm`` files the database file's mode.
Creating the empty file first, ``0o600``, makes all three owner-only from the first byte.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["create_private_file"]


def create_private_file(path: Path) -> None:
    """Create ``path`` empty and owner-only (``0o600``) unless it already exists.

    An existing file keeps its mode. A file that cannot be created is left to SQLite, which
    then reports the problem in its own words (classified into a ``StoreError``).
    """
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError:
        return
    os.close(descriptor)
