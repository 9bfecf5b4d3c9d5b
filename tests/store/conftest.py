"""Fixtures for the history store tests: a controllable clock and stores on tmp_path."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from desktop_app.store.history import HistoryStore

T0 = datetime(2024, 5, 1, 12, 0, 0, 123456, tzinfo=UTC)


class FakeClock:
    """Returns ``now``; tests move it with ``advance``."""

    def __init__(self, start: datetime = T0) -> None:
        self.start = start
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float = 1.0) -> datetime:
        self.now += timedelta(seconds=seconds)
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "history.sqlite3"


@pytest.fixture
def store(db_path: Path, clock: FakeClock) -> Iterator[HistoryStore]:
    h = HistoryStore(db_path, clock=clock)
    yield h
    h.close()


@pytest.fixture
def mem_store(clock: FakeClock) -> Iterator[HistoryStore]:
    h = HistoryStore(":memory:", clock=clock)
    yield h
    h.close()
