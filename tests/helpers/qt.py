"""Task runners that are drained when the test ends (the services' Qt thread pools)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from pytestqt.qtbot import QtBot

from desktop_app.services.tasks import TaskRunner

RunnerFactory = Callable[..., TaskRunner]


@pytest.fixture
def make_runner(qtbot: QtBot) -> Iterator[RunnerFactory]:
    """Build runners that are shut down (and fully drained) when the test ends."""
    runners: list[TaskRunner] = []

    def factory(max_threads: int = 4, name: str = "test") -> TaskRunner:
        runner = TaskRunner(max_threads, name=name)
        runners.append(runner)
        return runner

    yield factory
    for runner in runners:
        assert runner.shutdown(10_000), "a test left a job running"
