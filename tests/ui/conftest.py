"""The UI tests' fixtures: factories of domain values, fakes of the services the widgets use.

Fixtures: ``make_entry`` / ``make_record`` (factories of domain values, created at ``T0``),
``fake_history``, ``fake_verification``, ``fake_refresher``, ``fake_handset`` (from
tests/helpers/fakes.py) and ``stack`` (real services, tests/helpers/live_stack.py). ``clock`` (a
settable ``FakeClock`` at ``T0``) and the rest come from tests/helpers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from desktop_app.domain.models import (
    HistoryEntry,
    VerificationRecord,
    VerificationStatus,
)
from tests.helpers.clock import T0
from tests.helpers.fakes import (
    FakeHandsetService,
    FakeHistoryService,
    FakeStatusRefresher,
    FakeVerificationService,
)
from tests.helpers.live_stack import Stack, live_stack


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
    """Real services over a real sandbox and history (see tests/helpers/live_stack.py)."""
    yield from live_stack(tmp_path)
