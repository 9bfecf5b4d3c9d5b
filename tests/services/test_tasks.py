"""TaskRunner / Task: delivery thread, handlers, unhandled failures, cancellation, shutdown."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

import pytest
import shiboken6
from PySide6.QtCore import QCoreApplication, Qt, QThread

from desktop_app.domain.errors import ApiTimeoutError, ConcurrentVerificationError
from desktop_app.services.latest import Latest
from desktop_app.services.tasks import TaskRunner
from tests.helpers.tasks import settle


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
        task = runner.submit(work, name="answer").on_success(on_succeeded)
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
        ConcurrentVerificationError(status="10", error_text="busy", request_id="live-1"),
        ApiTimeoutError("slow"),
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

    with qtbot.waitSignal(runner.busy_changed, check_params_cb=lambda busy: not busy):
        runner.submit(boom).on_failure(on_failed)
    assert on_gui == [True]


def test_failed_carries_the_very_instance(qtbot, make_runner) -> None:
    runner = make_runner()
    error = ConcurrentVerificationError(status="10", error_text="busy", request_id="live-7")
    received: list[BaseException] = []
    with qtbot.waitSignal(runner.busy_changed, check_params_cb=lambda b: not b):
        runner.submit(lambda: (_ for _ in ()).throw(error)).on_failure(received.append)
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
            task.on_success(lambda v: order.append(f"ok={v}"))
            task.on_finished(lambda: order.append("finished"))
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

    values: list[object] = []
    task = runner.submit(lambda: 1, then=then).on_success(values.append)
    qtbot.waitUntil(lambda: task.is_done)
    assert values == ["<1>"]
    assert hook_on_gui == [True]

    def broken(value: object) -> object:
        raise RuntimeError("hook")

    errors: list[BaseException] = []
    task = runner.submit(lambda: 1, then=broken).on_failure(errors.append)
    qtbot.waitUntil(lambda: task.is_done)
    assert len(errors) == 1 and isinstance(errors[0], RuntimeError)


def test_cancel_drops_the_late_result(qtbot, make_runner) -> None:
    runner = make_runner(max_threads=1)
    release = threading.Event()
    entered = threading.Event()

    def blocked() -> str:
        entered.set()
        release.wait(10)
        return "late"

    outcomes: list[object] = []
    task = runner.submit(blocked).on_success(outcomes.append).on_failure(outcomes.append)
    task.on_finished(lambda: outcomes.append("finished"))
    qtbot.waitUntil(entered.is_set)
    with qtbot.waitSignal(runner.busy_changed):
        task.cancel()
    assert task.is_cancelled and task.is_done and outcomes == ["finished"]
    with qtbot.assertNotEmitted(runner.unhandled_failure):
        release.set()
        # The late result reaches the GUI thread (and is dropped) before the count falls.
        qtbot.waitUntil(lambda: runner.running_count() == 0)
    assert outcomes == ["finished"]
    task.cancel()  # idempotent after finishing


def test_cancel_before_start_never_runs_the_function(qtbot, make_runner) -> None:
    runner = make_runner(max_threads=1)
    release = threading.Event()
    ran: list[str] = []
    blocker_task = runner.submit(lambda: release.wait(10))
    queued = runner.submit(lambda: ran.append("ran"))
    queued.cancel()
    assert queued.is_done and not queued.has_run
    release.set()
    qtbot.waitUntil(lambda: blocker_task.is_done)
    qtbot.waitUntil(lambda: runner.running_count() == 0)
    assert ran == []


def test_resolved_and_rejected_tasks_arrive_after_attaching(qtbot, make_runner) -> None:
    runner = make_runner()
    values: list[object] = []
    task = runner.resolved("value").on_success(values.append)
    assert values == []  # never synchronously: the caller attaches first
    qtbot.waitUntil(lambda: task.is_done)
    assert values == ["value"]
    errors: list[BaseException] = []
    failing = runner.rejected(LookupError("x")).on_failure(errors.append)
    qtbot.waitUntil(lambda: failing.is_done)
    assert len(errors) == 1 and isinstance(errors[0], LookupError)


@pytest.mark.expect_warnings(match="runner blocked")
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
        runner.submit(make).on_success(results.append)

    with qtbot.waitSignal(runner.busy_changed, check_params_cb=lambda b: not b):
        for i in range(20):
            submit_and_forget(lambda i=i: i)
        gc.collect()
    done.set()
    assert sorted(results) == list(range(20))


def test_the_object_a_job_reports_on_outlives_its_task(qtbot, make_runner, monkeypatch) -> None:
    """A pool thread is still inside ``emit`` after posting the outcome; meanwhile the GUI
    thread may deliver it and free the task. What the job emits on must survive that (a relay
    owned by the task did not: a segfault, once in three soak runs)."""
    import weakref

    import shiboken6

    from desktop_app.services import _jobs, tasks

    freed = threading.Event()
    still_valid: list[bool] = []

    class SlowReporter(_jobs.Job):
        def __init__(self, *args: object) -> None:
            super().__init__(*args)  # type: ignore[arg-type]
            (relay,) = [a for a in args if isinstance(a, _jobs.Relay)]

            def after_the_queued_post(*_outcome: object) -> None:
                # Runs on the pool thread, inside emit, after the runner's queued connection.
                freed.wait(10)
                still_valid.append(shiboken6.isValid(relay))

            relay.ready.connect(after_the_queued_post, Qt.ConnectionType.DirectConnection)

    monkeypatch.setattr(tasks, "Job", SlowReporter)
    runner = make_runner()
    delivered: list[int] = []
    task = runner.submit(lambda: 42).on_success(delivered.append)
    gone = weakref.ref(task)
    del task
    qtbot.waitUntil(lambda: delivered == [42] and gone() is None)
    freed.set()
    qtbot.waitUntil(lambda: runner.running_count() == 0 and bool(still_valid))
    assert runner.shutdown(5000)
    assert still_valid == [True]


def test_what_a_job_held_is_let_go_of_on_the_gui_thread(qtbot, make_runner) -> None:
    """The last reference to what a job's function held goes on the GUI thread, never the pool
    thread: a Python object owning a QObject freed there runs ~QObject, which waits for the GIL
    while holding Qt's connection lock (a deadlock in soak run 20 at 6aacf65)."""
    where: list[str] = []

    class Held:
        def __del__(self) -> None:
            where.append(threading.current_thread().name)

    runner = make_runner()
    release = threading.Event()

    def job_holding(obj: Held) -> Callable[[], bool]:
        return lambda: release.wait(5) and obj is not None

    task = runner.submit(job_holding(Held()))  # the job's closure holds the only reference
    done: list[bool] = []
    task.on_success(done.append)
    release.set()
    qtbot.waitUntil(lambda: done == [True] and runner.running_count() == 0)
    qtbot.waitUntil(lambda: bool(where))
    assert where == [threading.main_thread().name]


# -- handlers and the default failure report ------------------------------------------------


def _errors(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_handlers_chain_and_run_in_order_success_then_finished(qtbot, make_runner) -> None:
    runner = make_runner()
    order: list[str] = []
    task = runner.submit(lambda: 7)
    same = (
        task.on_success(lambda v: order.append(f"a={v}"))
        .on_finished(lambda: order.append("finished"))
        .on_success(lambda v: order.append(f"b={v}"))
        .on_failure(lambda e: order.append("failed"))
    )
    assert same is task
    qtbot.waitUntil(lambda: task.is_done)
    assert order == ["a=7", "b=7", "finished"]
    late: list[str] = []
    task.on_success(lambda v: late.append("success")).on_finished(lambda: late.append("done"))
    assert late == ["done"]  # finished already: on_finished runs at once, on_success never


@pytest.mark.expect_warnings(match="nothing handled it")
def test_a_failure_without_handler_is_logged_with_traceback_and_reported(
    qtbot, make_runner, caplog
) -> None:
    runner = make_runner(name="unit")

    def broken() -> None:
        raise LookupError("nobody listens")

    with qtbot.waitSignal(runner.unhandled_failure) as blocker:
        task = runner.submit(broken, name="orphan")
        task.on_success(lambda _v: None).on_finished(lambda: None)  # no failure handler
    assert isinstance(blocker.args[0], LookupError) and task.is_done
    (record,) = _errors(caplog)
    assert record.getMessage() == "task 'orphan' on runner unit failed and nothing handled it"
    assert record.exc_info is not None and record.exc_info[1] is blocker.args[0]
    assert "in broken" in caplog.text  # the worker thread's frames are in the log


@pytest.mark.expect_warnings(match="nothing handled it")
def test_a_rejected_task_without_handler_is_reported_too(qtbot, make_runner, caplog) -> None:
    runner = make_runner()
    with qtbot.waitSignal(runner.unhandled_failure) as blocker:
        runner.rejected(KeyError("k"))
    assert isinstance(blocker.args[0], KeyError) and len(_errors(caplog)) == 1


def test_a_handled_failure_is_not_reported(qtbot, make_runner, caplog) -> None:
    runner = make_runner()
    seen: list[object] = []
    with qtbot.assertNotEmitted(runner.unhandled_failure, wait=50):
        task = runner.submit(lambda: (_ for _ in ()).throw(ValueError("handled")))
        task.on_failure(seen.append)
        qtbot.waitUntil(lambda: task.is_done)
    assert len(seen) == 1 and isinstance(seen[0], ValueError)
    assert _errors(caplog) == []


def test_a_cancelled_task_is_never_reported(qtbot, make_runner, caplog) -> None:
    runner = make_runner(max_threads=1)
    release = threading.Event()
    task = runner.submit(lambda: release.wait(10) and (_ for _ in ()).throw(OSError("late")))
    with qtbot.assertNotEmitted(runner.unhandled_failure, wait=50):
        task.cancel()
        release.set()
        qtbot.waitUntil(lambda: runner.running_count() == 0)
    assert _errors(caplog) == []


def test_a_broken_handler_goes_to_the_excepthook_and_the_rest_still_run(
    qtbot, make_runner, monkeypatch
) -> None:
    runner = make_runner()
    hooked: list[BaseException] = []
    monkeypatch.setattr("sys.excepthook", lambda _kind, exc, _tb: hooked.append(exc))
    after: list[str] = []

    def broken(_value: object) -> None:
        raise RuntimeError("handler bug")

    task = runner.submit(lambda: 1).on_success(broken).on_success(lambda v: after.append("ok"))
    task.on_finished(lambda: after.append("finished"))
    with qtbot.waitSignal(runner.busy_changed, check_params_cb=lambda busy: not busy):
        pass
    assert after == ["ok", "finished"]
    assert len(hooked) == 1 and str(hooked[0]) == "handler bug"


def test_an_outcome_for_a_widget_deleted_meanwhile_is_dropped_not_raised(
    qtbot, make_runner, monkeypatch
) -> None:
    """A view closed while its job ran: its handlers are skipped (they could only fail on the
    dead widget, "Internal C++ object already deleted"); other handlers still run."""
    from PySide6.QtWidgets import QLabel

    runner = make_runner()
    hooked: list[BaseException] = []
    monkeypatch.setattr("sys.excepthook", lambda _kind, exc, _tb: hooked.append(exc))
    release = threading.Event()
    label, kept = QLabel(), []
    task = runner.submit(lambda: release.wait(5) and "done")
    task.on_success(lambda value: label.setText(value))  # the closure holds the widget
    task.on_success(label.setText)  # a bound method of it
    task.on_success(kept.append)  # not a Qt object: runs
    task.on_finished(lambda: label.setEnabled(True))
    shiboken6.delete(label)  # the widget goes while the job runs
    release.set()
    with qtbot.waitSignal(runner.busy_changed, check_params_cb=lambda busy: not busy):
        pass
    assert kept == ["done"] and hooked == []


def test_a_task_has_no_outcome_signals_only_typed_handlers(qtbot, make_runner) -> None:
    """The untyped ``succeeded``/``failed``/``finished`` signals are gone: one way to listen."""
    runner = make_runner()
    task = runner.submit(lambda: 5)
    for name in ("succeeded", "failed", "finished"):
        assert not hasattr(task, name), name
    assert settle(qtbot, task).value == 5


def test_a_handler_that_supersedes_its_own_task_does_not_cancel_it(qtbot, make_runner) -> None:
    runner = make_runner()
    latest: Latest[int] = Latest()
    seen: list[str] = []
    gate = threading.Event()
    first = latest.set(runner.submit(lambda: 1))
    second: list[object] = []
    # A success handler starting the next load (which supersedes this one) mid-delivery.
    first.on_success(lambda v: second.append(latest.set(runner.submit(lambda: gate.wait(10)))))
    first.on_success(lambda v: seen.append(f"ok={v}"))
    first.on_finished(lambda: seen.append("finished"))
    qtbot.waitUntil(lambda: first.is_done)
    assert seen == ["ok=1", "finished"] and not first.is_cancelled
    assert latest.task is second[0]
    gate.set()
    qtbot.waitUntil(lambda: latest.task is None)


# -- latest wins -------------------------------------------------------------------------------


def test_latest_cancels_the_superseded_task_and_delivers_only_the_newest(
    qtbot, make_runner
) -> None:
    runner = make_runner(max_threads=2)
    gates = [threading.Event(), threading.Event()]
    delivered: list[str] = []
    latest: Latest[str] = Latest()
    first = latest.set(runner.submit(lambda: gates[0].wait(10) and "old")).on_success(
        delivered.append
    )
    assert latest.task is first and latest.pending
    second = latest.set(runner.submit(lambda: gates[1].wait(10) and "new")).on_success(
        delivered.append
    )
    assert first.is_cancelled and latest.task is second
    gates[1].set()
    qtbot.waitUntil(lambda: second.is_done)
    gates[0].set()  # the old answer arrives last, and is dropped
    qtbot.waitUntil(lambda: runner.running_count() == 0)
    assert delivered == ["new"]
    assert latest.task is None and not latest.pending


def test_latest_cancel_and_a_finished_task_leave_it_empty(qtbot, make_runner) -> None:
    runner = make_runner()
    latest: Latest[int] = Latest()
    done = latest.set(runner.resolved(1))
    qtbot.waitUntil(lambda: done.is_done)
    assert latest.task is None
    running = latest.set(runner.submit(lambda: 2))
    latest.cancel()
    assert running.is_cancelled and latest.task is None
    latest.cancel()  # nothing held: nothing happens
