"""VerificationService against a real sandbox, a real VerifyDesk and a temporary history."""

from __future__ import annotations

import time

import pytest

from desktop_app.api.retry import RetryPolicy
from desktop_app.api.sandbox_control import SandboxControl
from desktop_app.domain.errors import ConcurrentVerificationError, NoActiveDesk, WrongCodeError
from desktop_app.domain.models import CheckResult, VerificationStatus
from desktop_app.domain.validation import StartForm
from desktop_app.services import NETWORK_THREADS
from desktop_app.services.tasks import Task
from desktop_app.services.verification import VerificationService
from desktop_app.usecases.desk import Started
from tests.helpers.desks import build_desk, uk_number
from tests.helpers.heartbeat import Heartbeat, HeartbeatResult
from tests.helpers.tasks import settle


@pytest.fixture
def service(qtbot, make_runner, http, sandbox, history_store) -> VerificationService:
    desk = build_desk(http, sandbox.url, history_store)
    return VerificationService(make_runner(8, name="network"), desk)


def _code_for(http, sandbox, request_id: str) -> str:
    messages = SandboxControl(http, sandbox.url).messages()
    return next(m.code for m in messages if m.request_id == request_id)


def test_send_wrong_code_then_right_code(qtbot, service, http, sandbox, history_store) -> None:
    number = uk_number(1)
    with qtbot.waitSignal(service.started) as blocker, qtbot.waitSignal(service.history_changed):
        service.send(StartForm(number=f"+{number}", brand="Desk"))
    started = blocker.args[0]
    assert isinstance(started, Started)
    assert started.number == number and started.request_id
    entry = history_store.find(started.request_id)
    assert entry is not None and entry.status is VerificationStatus.IN_PROGRESS

    code = _code_for(http, sandbox, started.request_id)
    wrong = "0000" if code != "0000" else "1111"
    with qtbot.waitSignal(service.history_changed):
        failed = settle(qtbot, service.check(started.request_id, wrong))
    assert isinstance(failed.error, WrongCodeError)

    with qtbot.waitSignals([service.history_changed, service.busy_changed]):
        ok = settle(qtbot, service.check(started.request_id, code))
    assert isinstance(ok.value, CheckResult)
    assert ok.value.request_id == started.request_id
    final = history_store.find(started.request_id)
    assert final is not None and final.status is VerificationStatus.SUCCESS


def test_concurrent_start_fails_with_the_live_request_id(qtbot, service) -> None:
    form = StartForm(number=f"+{uk_number(2)}", brand="Desk")
    with qtbot.waitSignal(service.started) as first:
        service.send(form)
    live = first.args[0].request_id
    with qtbot.waitSignal(service.history_changed):
        second = settle(qtbot, service.send(form))
    assert isinstance(second.error, ConcurrentVerificationError)
    assert second.error.request_id == live


def test_busy_changed_brackets_each_burst(qtbot, service) -> None:
    with qtbot.waitSignals(
        [service.busy_changed, service.busy_changed],
        check_params_cbs=[lambda b: b is True, lambda b: b is False],
        order="strict",
    ):
        service.balance()
        service.search(["0" * 32]).on_failure(lambda _e: None)  # not found: expected


def test_background_search_does_not_flip_busy(qtbot, service) -> None:
    with qtbot.assertNotEmitted(service.busy_changed):
        settle(qtbot, service.search(["0" * 32], background=True))


def test_without_a_desk_every_call_fails_with_no_active_desk(qtbot, make_runner) -> None:
    service = VerificationService(make_runner())
    with qtbot.assertNotEmitted(service.history_changed):
        outcome = settle(qtbot, service.balance())
    assert isinstance(outcome.error, NoActiveDesk)


def test_set_desk_emits_desk_changed(qtbot, make_runner, http, sandbox, history_store) -> None:
    service = VerificationService(make_runner())
    desk = build_desk(http, sandbox.url, history_store, profile="Other")
    with qtbot.waitSignal(service.desk_changed):
        service.set_desk(desk)
    assert service.profile_name == "Other"


def _assert_on_time(result: HeartbeatResult) -> None:
    """No GUI tick more than 50 ms later than the control process was at the same moment."""
    assert result.unexplained_late_ms < 50, f"the GUI thread stalled: {result.describe()}"


def _submit_50(
    service: VerificationService, first: int
) -> tuple[list[Task[object]], list[Task[object]]]:
    tasks: list[Task[object]] = []
    for i in range(25):
        tasks.append(service.send(StartForm(number=f"+{uk_number(first + i)}", brand="Desk")))
        tasks.append(service.search([f"{first + i:032x}"]))
    resolved: list[Task[object]] = []
    for task in tasks:
        task.on_success(lambda _v, t=task: resolved.append(t))
        task.on_failure(lambda _e, t=task: resolved.append(t))
    return tasks, resolved


@pytest.mark.slow
def test_heartbeat_while_50_calls_hang_then_shutdown(
    qtbot, make_runner, http, sandbox_factory, history_store
) -> None:
    """The production-size pool: 50 calls queue on a 2 s sandbox; quit after two rounds."""
    slow = sandbox_factory(latency=2.0)
    runner = make_runner(NETWORK_THREADS, name="network")
    # One attempt per call, so each running call hangs exactly the sandbox's 2 s latency
    # (the default policy retries a throttled search after a pause, on the same thread).
    desk = build_desk(http, slow.url, history_store, retry=RetryPolicy(attempts=1))
    service = VerificationService(runner, desk)
    heartbeat = Heartbeat(qtbot)
    tasks, resolved = _submit_50(service, 100)

    qtbot.waitUntil(lambda: len(resolved) >= 2 * NETWORK_THREADS, timeout=20_000)
    t_shutdown = time.perf_counter()
    assert runner.shutdown(5000) is True
    shutdown_s = time.perf_counter() - t_shutdown
    result = heartbeat.stop()
    print(
        f"\nheartbeat (8 threads, shutdown mid-flight): {result.describe()}; "
        f"resolved {len(resolved)}, shutdown {shutdown_s:.2f} s"
    )
    assert result.ticks > 100
    assert shutdown_s < 5.0
    assert all(task.is_done for task in tasks)
    assert sum(task.is_cancelled for task in tasks) == 50 - len(resolved)
    _assert_on_time(result)


@pytest.mark.slow
def test_heartbeat_while_50_calls_hang_until_all_resolve(
    qtbot, make_runner, http, sandbox_factory, history_store
) -> None:
    """The production-size pool works through all 50 hanging calls; the GUI never stalls."""
    slow = sandbox_factory(latency=2.0)
    runner = make_runner(NETWORK_THREADS, name="network")
    desk = build_desk(http, slow.url, history_store, retry=RetryPolicy(attempts=1))
    service = VerificationService(runner, desk)
    heartbeat = Heartbeat(qtbot)
    t0 = time.perf_counter()
    tasks, resolved = _submit_50(service, 200)
    qtbot.waitUntil(lambda: len(resolved) == 50, timeout=60_000)
    elapsed = time.perf_counter() - t0
    result = heartbeat.stop()
    print(f"\nheartbeat (8 threads, all 50 resolve): {result.describe()}; {elapsed:.2f} s")
    assert all(task.is_done and not task.is_cancelled for task in tasks)
    # Seven rounds of eight 2 s calls: the calls really hung, and the pool bounded them.
    assert elapsed >= 2.0 * (50 // NETWORK_THREADS)
    _assert_on_time(result)
