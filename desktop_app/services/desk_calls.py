"""Calls on the active profile's desk, as the Verify and the Messages services both make them.

Each call captures the desk on the GUI thread (a profile switch later does not change which desk
a running call uses) and runs on the service's runner. Without a desk the task fails with
:class:`~desktop_app.domain.errors.NoActiveDesk` on the next event-loop turn. Two counts the
services announce as their own signals:

* *busy*: the service's foreground tasks (a background refresh does not count); the callback
  gets True for the first one and False when the last one finishes (or is cancelled);
* *wrote*: after any call that ran, whatever its outcome, since the use cases write the history
  on the way (a call cancelled before it started wrote nothing).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

from desktop_app.domain.errors import NoActiveDesk
from desktop_app.services.tasks import Task, TaskRunner

__all__ = ["DeskCalls"]

D = TypeVar("D")
R = TypeVar("R")


class DeskCalls(Generic[D]):
    """Submits ``call(desk)`` on a runner, counting foreground tasks (GUI thread only).

    Args:
        runner: Where the calls run.
        desk: Returns the active desk, or None when no profile is active.
        busy: Called with True when the first foreground task starts, False when none is left.
        wrote: Called after each call that ran (the history may have changed).
    """

    def __init__(
        self,
        runner: TaskRunner,
        desk: Callable[[], D | None],
        *,
        busy: Callable[[bool], object],
        wrote: Callable[[], object],
    ) -> None:
        self._runner = runner
        self._desk = desk
        self._busy = busy
        self._wrote = wrote
        self._foreground = 0

    def submit(self, name: str, call: Callable[[D], R], *, background: bool = False) -> Task[R]:
        """Run ``call`` on the active desk; ``background`` calls leave the busy count alone."""
        desk = self._desk()
        task: Task[R]
        if desk is None:
            task = self._runner.rejected(NoActiveDesk(), name=name)
        else:
            task = self._runner.submit(lambda: call(desk), name=name)
            task.on_finished(lambda: self._after(task))
        if not background:
            self._foreground += 1
            if self._foreground == 1:
                self._busy(True)
            task.on_finished(self._foreground_done)
        return task

    def _after(self, task: Task[object]) -> None:
        if task.has_run:
            self._wrote()

    def _foreground_done(self) -> None:
        self._foreground -= 1
        if not self._foreground:
            self._busy(False)
