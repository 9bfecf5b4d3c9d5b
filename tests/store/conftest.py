"""The history store tests' fixtures: stores on tmp_path driven by the shared ``clock``.

The clock starts at :data:`T0` here, with microseconds, so the tests see them round-trip.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from desktop_app.store.history import HistoryStore
from tests.helpers.clock import FakeClock
from tests.helpers.history import open_test_history

T0 = datetime(2024, 5, 1, 12, 0, 0, 123456, tzinfo=UTC)


@pytest.fixture
def clock_start() -> datetime:
    return T0


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "history.sqlite3"


@pytest.fixture
def store(
    request: pytest.FixtureRequest, history_backend: str, db_path: Path, clock: FakeClock
) -> Iterator[HistoryStore]:
    h = open_test_history(request, history_backend, db_path, clock)
    yield h
    h.close()


@pytest.fixture
def mem_store(clock: FakeClock) -> Iterator[HistoryStore]:
    h = HistoryStore(":memory:", clock=clock)
    yield h
    h.close()
