"""Task runners that are drained when the test ends (the services' Qt thread pools).

Fixtures end in the reverse order they started, which depends on the order of a test's
arguments; a runner's job must never find its history store closed under it (as
``AppContext.shutdown`` guarantees for the app). So the ``history`` fixture drains the test's
runners itself (:func:`drain_runners`) before it closes the store, whichever ends first.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from pytestqt.qtbot import QtBot

from desktop_app.services.tasks import TaskRunner

RunnerFactory = Callable[..., TaskRunner]

#: The runners ``make_runner`` built for the running test.
_LIVE: list[TaskRunner] = []


def drain_runners() -> None:
    """Shut down the running test's runners and wait for their jobs (idempotent)."""
    runners = list(_LIVE)
    _LIVE.clear()
    for runner in runners:
        assert runner.shutdown(10_000), "a test left a job running"


@pytest.fixture
def make_runner(qtbot: QtBot) -> Iterator[RunnerFactory]:
    """Build runners that are shut down (and fully drained) when the test ends."""

    def factory(max_threads: int = 4, name: str = "test") -> TaskRunner:
        runner = TaskRunner(max_threads, name=name)
        _LIVE.append(runner)
        return runner

    yield factory
    drain_runners()
