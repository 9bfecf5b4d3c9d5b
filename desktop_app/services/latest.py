"""``Latest``: keep only the newest task of one kind ("latest wins").

A view that reloads as the person types starts a new load before the last one has answered; the
old answer must never overwrite the new one. ``Latest`` cancels the task it held whenever it is
given a new one, and a cancelled task drops its late result, so only the newest task's handlers
ever run.
"""

from __future__ import annotations

from typing import Generic, TypeVar

from desktop_app.services.tasks import Task

__all__ = ["Latest"]

T = TypeVar("T")


class Latest(Generic[T]):
    """The newest task of one kind: setting another cancels the one before ("latest wins").

    A superseded task is cancelled, so its late result is dropped and only the newest task's
    handlers ever run. Use one holder per kind of load (a page load, a count, a lookup).
    """

    def __init__(self) -> None:
        self._task: Task[T] | None = None

    @property
    def task(self) -> Task[T] | None:
        """The newest task while it is running, else None."""
        return self._task

    @property
    def pending(self) -> bool:
        """True while the newest task has not finished."""
        return self._task is not None

    def set(self, task: Task[T]) -> Task[T]:
        """Make ``task`` the newest (cancelling the one before) and return it, for chaining."""
        self.cancel()
        self._task = task
        task.on_finished(lambda: self._release(task))
        return task

    def cancel(self) -> None:
        """Cancel the newest task, if one is running."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()

    def _release(self, task: Task[T]) -> None:
        if self._task is task:
            self._task = None
