"""A throw-away history database per test, on SQLite or on the throw-away PostgreSQL server.

Fixtures: ``history_path`` (where a SQLite history lives), ``history`` (a ``HistoryStore`` on the
``history_backend``: that file, or a fresh database on ``postgres_server``; closed after the
test) and ``history_store`` (the same store under the name the services tests use).
:func:`open_test_history` opens one for a folder's own fixtures (tests/store's ``store``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

import pytest

from desktop_app.store.history import HistoryStore, utc_now
from tests.helpers.postgres import PostgresServer


def open_test_history(
    request: pytest.FixtureRequest,
    backend: str,
    path: Path,
    clock: Callable[[], datetime] = utc_now,
) -> HistoryStore:
    """A new store on ``backend``: the SQLite file ``path``, or a fresh PostgreSQL database."""
    if backend == "postgresql":
        server: PostgresServer = request.getfixturevalue("postgres_server")
        url = server.url(server.new_database())
        return HistoryStore(url, clock=clock, password=server.password)
    return HistoryStore(path, clock=clock)


@pytest.fixture
def history_path(tmp_path: Path) -> Path:
    """The test's history file (not created until a store opens it)."""
    return tmp_path / "history.sqlite3"


@pytest.fixture
def history(
    request: pytest.FixtureRequest, history_backend: str, history_path: Path
) -> Iterator[HistoryStore]:
    """A history store on ``history_backend`` (``history_path`` for SQLite), closed after."""
    store = open_test_history(request, history_backend, history_path)
    yield store
    from tests.helpers.qt import drain_runners  # the test's runners end first: see there

    drain_runners()
    store.close()


#: The services tests' name for ``history``.
history_store = history
