"""Waiting for a service task's outcome in a test."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

from pytestqt.qtbot import QtBot

from desktop_app.services.tasks import Task

T = TypeVar("T")


@dataclass
class Outcome(Generic[T]):
    """How a task ended: its value, or its error (neither when it was cancelled)."""

    value: T | None = None
    error: BaseException | None = None


def settle(qtbot: QtBot, task: Task[T], timeout: int = 5000) -> Outcome[T]:
    """Wait until ``task`` is done; its failure counts as handled (the test looks at it)."""
    outcome: Outcome[T] = Outcome()
    task.on_success(lambda value: setattr(outcome, "value", value))
    task.on_failure(lambda error: setattr(outcome, "error", error))
    qtbot.waitUntil(lambda: task.is_done, timeout=timeout)
    return outcome
