"""DeskCalls: the desk captured at submit, the foreground busy count, 'wrote' after a call ran."""

from __future__ import annotations

import threading

from desktop_app.domain.errors import NoActiveDesk
from desktop_app.services.desk_calls import DeskCalls
from tests.helpers.tasks import settle


class _Recorder:
    def __init__(self) -> None:
        self.events: list[object] = []

    def busy(self, value: bool) -> None:
        self.events.append(value)

    def wrote(self) -> None:
        self.events.append("wrote")


def test_without_a_desk_the_task_fails_and_nothing_was_written(qtbot, make_runner) -> None:
    seen = _Recorder()
    calls: DeskCalls[str] = DeskCalls(make_runner(), lambda: None, busy=seen.busy, wrote=seen.wrote)
    outcome = settle(qtbot, calls.submit("send", lambda desk: desk.upper()))
    assert isinstance(outcome.error, NoActiveDesk)
    assert seen.events == [True, False]


def test_the_desk_is_the_one_active_at_submit(qtbot, make_runner) -> None:
    desk = ["first"]
    calls: DeskCalls[str] = DeskCalls(make_runner(), lambda: desk[0], busy=lambda _b: None,
                                      wrote=lambda: None)  # fmt: skip
    release = threading.Event()
    task = calls.submit("read", lambda d: release.wait(10) and d)
    desk[0] = "second"  # a profile switch while the call is queued or running
    release.set()
    assert settle(qtbot, task).value == "first"


def test_busy_counts_foreground_tasks_only_and_wrote_follows_each_call(qtbot, make_runner) -> None:
    seen = _Recorder()
    calls: DeskCalls[int] = DeskCalls(make_runner(), lambda: 7, busy=seen.busy, wrote=seen.wrote)
    gate = threading.Event()
    first = calls.submit("a", lambda d: gate.wait(10) and d)
    second = calls.submit("b", lambda d: gate.wait(10) and d * 2)
    quiet = calls.submit("refresh", lambda d: d * 3, background=True)
    assert seen.events == [True]  # once, for the first foreground task
    assert settle(qtbot, quiet).value == 21
    assert seen.events == [True, "wrote"]  # the background call wrote, busy stays on
    values: list[int] = []
    first.on_success(values.append)
    second.on_success(values.append)
    gate.set()
    qtbot.waitUntil(lambda: first.is_done and second.is_done)
    assert sorted(values) == [7, 14]
    assert seen.events == [True, "wrote", "wrote", "wrote", False]


def test_a_call_cancelled_before_it_started_wrote_nothing(qtbot, make_runner) -> None:
    seen = _Recorder()
    runner = make_runner(max_threads=1)
    calls: DeskCalls[int] = DeskCalls(runner, lambda: 1, busy=seen.busy, wrote=seen.wrote)
    gate = threading.Event()
    blocker = calls.submit("blocker", lambda d: gate.wait(10) and d, background=True)
    never = calls.submit("never", lambda d: d)
    never.cancel()
    gate.set()
    settle(qtbot, blocker)
    assert not never.has_run
    assert seen.events == [True, False, "wrote"]
