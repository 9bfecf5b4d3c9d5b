"""A throw-away history database per test.

Fixtures: ``history_path`` (where it lives), ``history`` (a ``HistoryStore`` on it, closed after
the test) and ``history_store`` (the same store under the name the services tests use).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop_app.store.history import HistoryStore


@pytest.fixture
def history_path(tmp_path: Path) -> Path:
    """The test's history file (not created until a store opens it)."""
    return tmp_path / "history.sqlite3"


@pytest.fixture
def history(history_path: Path) -> Iterator[HistoryStore]:
    """A history store on ``history_path``, closed after the test."""
    store = HistoryStore(history_path)
    yield store
    store.close()


#: The services tests' name for ``history``.
history_store = history
