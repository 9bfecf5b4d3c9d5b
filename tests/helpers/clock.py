"""A clock tests move by hand, for code that takes a ``clock`` callable.

Fixtures: ``clock`` (a :class:`FakeClock` at ``clock_start``) and ``clock_start`` (:data:`T0`;
tests/store starts its clock elsewhere, with microseconds, to test their round trip).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

#: Where ``clock`` starts unless a folder says otherwise; also the UI factories' creation time.
T0 = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)


class FakeClock:
    """Returns ``now``; tests move it with ``advance``: ``clock.advance(31)``."""

    def __init__(self, start: datetime = T0) -> None:
        self.start = start
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float = 1.0) -> datetime:
        """Move ``now`` on by ``seconds`` and return it."""
        self.now += timedelta(seconds=seconds)
        return self.now


@pytest.fixture
def clock_start() -> datetime:
    """Where ``clock`` starts."""
    return T0


@pytest.fixture
def clock(clock_start: datetime) -> FakeClock:
    """A clock that stands still until the test advances it."""
    return FakeClock(clock_start)
