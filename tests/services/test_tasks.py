"""TaskRunner / Task: delivery thread, error forwarding, cancellation, busy order, shutdown."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest
from PySide6.QtCore import QCoreApplication, QThread

from desktop_app.domain.errors import ConcurrentVerificationError, TimeoutError_
from desktop_app.services.tasks import Task, TaskRunner


def _on_gui_thread() -> bool:
    app = QCoreApplication.instance()
    assert app is not None
    return QThread.currentThread() is app.thread()


def test_succeeded_is_delivered_on_the_gui_thread(qtbot, make_runner) -> None:
    runner = make_runner()
    seen: dict[str, object] = {}

    def work() -> int:
        seen["worker_on_gui"] = _on_gui_thread()
        return 42

    def on_succeeded(value: object) -> None:
        seen["value"] = value
        seen["slot_on_gui"] = _on_gui_thread()

    with qtbot.waitSignal(runner.busy_changed, check_params_cb=lambda busy: not busy):
        task = runner.submit(work, name="answer")
        task.succeeded.connect(on_succeeded)
    assert seen == {"worker_on_gui": False, "value": 42, "slot_on_gui": True}
    assert task.is_done and not task.is_cancelled and task.has_run
    assert runner.active_count() == 0


class _Custom(BaseException):
    """Not even an Exception: it must still be forwarded."""


@pytest.mark.parametrize(
    "exc",
    [
        ValueError("bad"),
        KeyError("k"),
        ConcurrentVerificationError("10", "busy", request_id="live-1"),
        TimeoutError_("slow"),
        _Custom("odd"),
        KeyboardInterrupt(),
    ],
    ids=lambda e: type(e).__name__,
)
def test_every_exception_is_forwarded_on_the_gui_thread(qtbot, make_runner, exc) -> None:
    runner = make_runner()
    on_gui: list[bool] = []

    def boom() -> None:
        raise exc

    def on_failed(error: object) -> None:
        on_gui.append(_on_gui_thread())

    task_box: list[Task] = []
    with qtbot.waitSignal(runner.busy_changed, check_params_cb=lambda busy: not busy):
        task = runner.submit(boom)
        task.failed.connect(on_failed)
        task_box.append(task)
    assert on_gui == [True]


def test_failed_carries_the_very_instance(qtbot, make_runner) -> None:
    runner = make_runner()
    error = ConcurrentVerificationError("10", "busy", request_id="live-7")
    with qtbot.waitSignal(runner.busy_changed, check_params_cb=lambda b: not b):
        task = runner.submit(lambda: (_ for _ in ()).throw(error))
        received: list[object] = []
        task.failed.connect(received.append)
    assert received == [error]
    assert received[0].request_id == "live-7"


def test_busy_changed_order_is_true_then_results_then_false(qtbot, make_runner) -> None:
    runner = make_runner()
    order: list[str] = []
    runner.busy_changed.connect(lambda busy: order.append(f"busy={busy}"))
    with qtbot.waitSignals(
        [runner.busy_changed, runner.busy_changed],
        check_params_cbs=[lambda b: b is True, lambda b: b is False],
        order="strict",
    ):
        tasks = [runner.submit(lambda i=i: i, name=f"t{i}") for i in range(3)]
        for task in tasks:
            task.succeeded.connect(lambda v: order.append(f"ok={v}"))
            task.finished.connect(lambda: order.append("finished"))
    assert order[0] == "busy=True"
    assert order[-1] == "busy=False"
    assert sorted(order[1:-1]) == sorted(["ok=0", "ok=1", "ok=2"] + ["finished"] * 3)
    assert order.count("busy=True") == 1


def test_then_hook_runs_on_the_gui_thread_and_its_error_is_a_failure(qtbot, make_runner) -> None:
    runner = make_runner()
    hook_on_gui: list[bool] = []

    def then(value: object) -> object:
        hook_on_gui.append(_on_gui_thread())
        return f"<{value}>"

    with qtbot.waitSignal(runner.submit(lambda: 1, then=then).succeeded) as blocker:
        pass
    assert blocker.args == ["<1>"]
    assert hook_on_gui == [True]

    def broken(value: object) -> object:
        raise RuntimeError("hook")

    task = runner.submit(lambda: 1, then=broken)
    with qtbot.waitSignal(task.failed) as blocker:
        pass
    assert isinstance(blocker.args[0], RuntimeError)


def test_cancel_drops_the_late_result(qtbot, make_runner) -> None:
    runner = make_runner(max_threads=1)
    release = threading.Event()
    entered = threading.Event()

    def blocked() -> str:
        entered.set()
        release.wait(10)
        return "late"

    task = runner.submit(blocked)
    qtbot.waitUntil(entered.is_set)
    with qtbot.waitSignal(task.finished), qtbot.waitSignal(runner.busy_changed):
        task.cancel()
    assert task.is_cancelled and task.is_done
    with qtbot.assertNotEmitted(task.succeeded), qtbot.assertNotEmitted(task.failed):
        release.set()
        # The late result reaches the GUI thread (and is dropped) before the count falls.
        qtbot.waitUntil(lambda: runner.running_count() == 0)
    task.cancel()  # idempotent after finishing


def test_cancel_before_start_never_runs_the_function(qtbot, make_runner) -> None:
    runner = make_runner(max_threads=1)
    release = threading.Event()
    ran: list[str] = []
    blocker_task = runner.submit(lambda: release.wait(10))
    queued = runner.submit(lambda: ran.append("ran"))
    with qtbot.waitSignal(queued.finished):
        queued.cancel()
    assert not queued.has_run
    with qtbot.waitSignal(blocker_task.succeeded):
        release.set()
    qtbot.waitUntil(lambda: runner.running_count() == 0)
    assert ran == []


def test_resolved_and_rejected_tasks_arrive_after_connecting(qtbot, make_runner) -> None:
    runner = make_runner()
    task = runner.resolved("value")
    with qtbot.waitSignal(task.succeeded) as blocker:
        pass
    assert blocker.args == ["value"]
    failing = runner.rejected(LookupError("x"))
    with qtbot.waitSignal(failing.failed) as blocker:
        pass
    assert isinstance(blocker.args[0], LookupError)


def test_shutdown_with_blocked_jobs_returns_within_the_bound(qtbot) -> None:
    runner = TaskRunner(2, name="blocked")
    release = threading.Event()
    entered: list[int] = []

    def blocked() -> None:
        entered.append(1)
        release.wait(30)

    tasks = [runner.submit(blocked) for _ in range(6)]
    qtbot.waitUntil(lambda: len(entered) == 2)
    try:
        t0 = time.perf_counter()
        assert runner.shutdown(300) is False
        elapsed = time.perf_counter() - t0
        assert elapsed < 1.0
        assert all(t.is_done and t.is_cancelled for t in tasks)
        assert runner.active_count() == 0
        assert sum(not t.has_run for t in tasks) == 4  # the queued ones never ran
        # A task submitted after shutdown comes back cancelled, and nothing runs it.
        late = runner.submit(lambda: "never")
        assert late.is_cancelled and not late.has_run
    finally:
        release.set()
    assert runner.shutdown(5000) is True
    qtbot.waitUntil(lambda: runner.running_count() == 0)


def test_shutdown_waits_for_running_jobs_that_end(qtbot) -> None:
    runner = TaskRunner(2, name="short")
    gate = threading.Event()
    tasks = [runner.submit(lambda: gate.wait(0.2)) for _ in range(4)]
    qtbot.waitUntil(lambda: runner._pool.activeThreadCount() == 2)
    t0 = time.perf_counter()
    assert runner.shutdown(5000) is True
    assert time.perf_counter() - t0 < 5.0
    assert all(t.is_done for t in tasks)
    qtbot.waitUntil(lambda: runner.running_count() == 0)


def test_tasks_are_kept_alive_without_caller_references(qtbot, make_runner) -> None:
    import gc

    runner = make_runner()
    results: list[object] = []
    done = threading.Event()

    def submit_and_forget(make: Callable[[], object]) -> None:
        runner.submit(make).succeeded.connect(results.append)

    with qtbot.waitSignal(runner.busy_changed, check_params_cb=lambda b: not b):
        for i in range(20):
            submit_and_forget(lambda i=i: i)
        gc.collect()
    done.set()
    assert sorted(results) == list(range(20))
