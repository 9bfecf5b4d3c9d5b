"""ServerClock: the one clock every view reads (issue 9, item 2), with a fake sandbox control."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from email.utils import formatdate
from typing import Any

import pytest

from desktop_app.api.sandbox_control import ClockReading
from desktop_app.api.server_time import ServerTime
from desktop_app.domain.errors import SandboxUnavailableError
from desktop_app.services.clock import ServerClock
from desktop_app.services.tasks import TaskRunner
from tests.helpers.tasks import settle

BASE = 1_800_000_000.0


class FakeControl:
    """A sandbox clock read through "HTTP": each read can be held back until released."""

    def __init__(self, now: float) -> None:
        self.now, self.scale = now, 1.0
        self.hold = threading.Event()
        self.hold.set()
        self.reads = 0

    def clock(self) -> ClockReading:
        self.reads += 1
        reading = ClockReading(self.now, self.scale, time.monotonic())
        self.hold.wait(10)
        return reading


@pytest.fixture
def runner() -> Iterator[TaskRunner]:
    pool = TaskRunner(2, name="clock")
    yield pool
    assert pool.shutdown(10_000)


def test_the_sandbox_clock_is_read_and_told_forward(qtbot: Any, runner: TaskRunner) -> None:
    clock = ServerClock(runner, ServerTime(), sync_ms=60_000)
    control = FakeControl(BASE)
    with qtbot.waitSignal(clock.changed, timeout=5000):
        clock.use_sandbox(control)  # type: ignore[arg-type]
    assert clock.simulated and BASE <= clock.now() < BASE + 1
    assert clock().timestamp() == pytest.approx(clock.now(), abs=0.01)
    clock.set_reading(ClockReading(BASE + 300, 60.0, time.monotonic()))
    assert clock.time_scale == 60.0 and BASE + 300 <= clock.now() < BASE + 330


def test_a_read_asked_before_a_skip_never_sets_the_clock_back(
    qtbot: Any, runner: TaskRunner
) -> None:
    clock = ServerClock(runner, ServerTime(), sync_ms=60_000)
    control = FakeControl(BASE)
    with qtbot.waitSignal(clock.changed, timeout=5000):
        clock.use_sandbox(control)  # type: ignore[arg-type]
    control.hold.clear()
    stale = clock.sync()  # asks the sandbox while it still reads BASE...
    qtbot.waitUntil(lambda: control.reads == 2, timeout=5000)
    clock.set_reading(ClockReading(BASE + 300, 1.0, time.monotonic()))  # ...then the skip
    control.hold.set()
    qtbot.waitUntil(lambda: stale.is_done, timeout=5000)
    assert clock.now() >= BASE + 300


def test_a_re_read_that_finds_no_jump_says_nothing(qtbot: Any, runner: TaskRunner) -> None:
    clock = ServerClock(runner, ServerTime(), sync_ms=60_000)
    control = FakeControl(BASE)
    with qtbot.waitSignal(clock.changed, timeout=5000):
        clock.use_sandbox(control)  # type: ignore[arg-type]
    control.now = clock.now()  # read again where it runs to by now: no jump
    with qtbot.assertNotEmitted(clock.changed, wait=200):
        task = clock.sync()
        qtbot.waitUntil(lambda: task.is_done, timeout=5000)
    control.now += 3600  # another program skipped the shared sandbox's clock
    with qtbot.waitSignal(clock.changed, timeout=5000):
        clock.sync()


def test_a_live_clock_is_this_machines_plus_the_servers_offset(
    qtbot: Any, runner: TaskRunner
) -> None:
    times = ServerTime()
    clock = ServerClock(runner, times)
    with qtbot.waitSignal(clock.changed, timeout=1000):
        clock.use_live("https://api.ahead.test")
    assert not clock.simulated and clock.time_scale == 1.0
    assert abs(clock.now() - time.time()) < 0.5  # nothing heard yet
    now = time.time()
    times.observe("https://api.ahead.test/verify/json", formatdate(now + 600, usegmt=True),
                  now, now)  # fmt: skip
    assert abs(clock.now() - (time.time() + 600)) < 1.5
    failed = settle(qtbot, clock.sync())  # a live server has no clock to read
    assert isinstance(failed.error, SandboxUnavailableError)
