"""The app's runners together: purposes do not starve each other, and quitting is bounded."""

from __future__ import annotations

import time

import pytest

from desktop_app.api.retry import RetryPolicy
from desktop_app.api.sandbox_control import SandboxControl
from desktop_app.domain.history_query import RecentQuery
from desktop_app.domain.validation import StartForm
from desktop_app.services import NETWORK_THREADS, build_runners
from desktop_app.services.handset import HandsetService
from desktop_app.services.history import HistoryService
from desktop_app.services.verification import VerificationService
from tests.helpers.desks import build_desk, uk_number
from tests.helpers.tasks import settle


@pytest.mark.slow
def test_history_reads_do_not_queue_behind_hanging_calls(
    qtbot, http, sandbox_factory, history_store
) -> None:
    slow = sandbox_factory(latency=2.0)
    runners = build_runners()
    try:
        desk = build_desk(http, slow.url, history_store, retry=RetryPolicy(attempts=1))
        verification = VerificationService(runners.network, desk)
        history = HistoryService(runners.store, history_store)
        calls = [
            verification.send(StartForm(number=f"+{uk_number(600 + i)}", brand="Desk"))
            for i in range(3 * NETWORK_THREADS)
        ]
        qtbot.waitUntil(lambda: history_store.count() >= NETWORK_THREADS)  # calls are hanging
        t0 = time.perf_counter()
        rows = settle(qtbot, history.recent(RecentQuery(limit=50))).value
        waited = time.perf_counter() - t0
        assert rows is not None and len(rows) >= NETWORK_THREADS
        assert waited < 1.0, f"a history read waited {waited:.2f} s behind network calls"
        assert not any(task.is_done for task in calls)
    finally:
        assert runners.shutdown(5000)


@pytest.mark.slow
def test_shutdown_with_requests_in_flight_is_bounded(
    qtbot, http, sandbox_factory, history_store
) -> None:
    slow = sandbox_factory(latency=2.0)
    runners = build_runners()
    desk = build_desk(http, slow.url, history_store, retry=RetryPolicy(attempts=1))
    verification = VerificationService(runners.network, desk)
    history = HistoryService(runners.store, history_store)
    handset = HandsetService(runners.handset, SandboxControl(http, slow.url), poll_ms=100)
    handset.start()
    tasks = [
        verification.send(StartForm(number=f"+{uk_number(700 + i)}", brand="Desk"))
        for i in range(20)
    ]
    tasks += [history.recent(RecentQuery(limit=10)) for _ in range(5)]
    qtbot.waitUntil(lambda: runners.network.running_count() == 20 and history_store.count() >= 8)
    handset.stop()
    t0 = time.perf_counter()
    done = runners.shutdown(5000)
    elapsed = time.perf_counter() - t0
    print(f"\nshutdown with 20 calls in flight: {elapsed:.2f} s, idle={done}")
    assert done is True
    assert elapsed < 5.0
    assert all(task.is_done for task in tasks)
    assert all(runner.active_count() == 0 for runner in runners.all())
    # Nothing new starts once the runners are shut down.
    assert verification.balance().is_cancelled
