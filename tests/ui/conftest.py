"""UI test set-up: headless Qt and fakes of the services the widgets use.

Fixtures: ``make_entry`` / ``make_record`` (factories of domain values), ``clock`` (a settable
``FakeClock``), ``fake_history``, ``fake_verification``, ``fake_refresher``, ``fake_handset``.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from desktop_app.domain.models import (
    HistoryEntry,
    VerificationRecord,
    VerificationStatus,
)
from tests.ui.live_stack import Stack, live_stack

try:  # works whether or not tests/ui becomes a package
    from .fakes import (
        FakeHandsetService,
        FakeHistoryService,
        FakeStatusRefresher,
        FakeVerificationService,
    )
except ImportError:
    from fakes import (  # type: ignore[no-redef]
        FakeHandsetService,
        FakeHistoryService,
        FakeStatusRefresher,
        FakeVerificationService,
    )

T0 = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)


class FakeClock:
    """A clock tests move by hand: ``clock.advance(31)``."""

    def __init__(self, now: datetime = T0) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def make_entry() -> Callable[..., HistoryEntry]:
    counter = iter(range(1, 10_000))

    def make(**overrides: Any) -> HistoryEntry:
        n = next(counter)
        values: dict[str, Any] = {
            "id": n,
            "profile": "Sandbox",
            "operator": "ann",
            "api_version": "v1",
            "kind": "start",
            "number": "447700900123",
            "brand": "Acme",
            "workflow_id": 1,
            "request_id": f"req{n:029d}",
            "status": VerificationStatus.IN_PROGRESS,
            "created_at": T0,
            "updated_at": T0,
            "pin_expiry": 300,
            "next_event_wait": 300,
        }
        values.update(overrides)
        return HistoryEntry(**values)

    return make


@pytest.fixture
def make_record() -> Callable[..., VerificationRecord]:
    def make(request_id: str, **overrides: Any) -> VerificationRecord:
        values: dict[str, Any] = {
            "request_id": request_id,
            "status": "IN PROGRESS",
            "number": "447700900123",
            "date_submitted": T0,
            "first_event_date": T0,
            "last_event_date": T0,
            "currency": "EUR",
        }
        values.update(overrides)
        return VerificationRecord(**values)

    return make


@pytest.fixture
def fake_history() -> FakeHistoryService:
    return FakeHistoryService()


@pytest.fixture
def fake_verification() -> FakeVerificationService:
    return FakeVerificationService()


@pytest.fixture
def fake_refresher() -> FakeStatusRefresher:
    return FakeStatusRefresher()


@pytest.fixture
def fake_handset() -> FakeHandsetService:
    return FakeHandsetService()


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[Stack]:
    """Real services over a real sandbox and history (see tests/ui/live_stack.py)."""
    yield from live_stack(tmp_path)
