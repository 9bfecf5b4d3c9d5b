"""Reports for the window: history exports and analytics, on a runner of their own.

Both read the whole history (an export of a million rows takes seconds, an "All time" analytics
query scans every row), so neither may share the history page's runner: the composition root
gives this service its own (``REPORT_THREADS`` in :mod:`desktop_app.services`).

An export reports progress without a signal per page: the job writes its latest
:class:`~desktop_app.domain.reports.ExportProgress` into an :class:`ExportJob`, and the window
polls it with a timer (a few times a second), so a fast export cannot flood the event loop.
Cancelling the job stops the writer at the next page and removes the partial file.

Both run on ``SCHED_BATCH`` threads (Linux), as the history's queries do: an export's thread
wakes for every progress line of its child process, and a woken thread of the normal class may
take the core the GUI thread is painting on.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from PySide6.QtCore import QObject

from desktop_app.domain.analytics import AnalyticsQuery, AnalyticsReport
from desktop_app.domain.errors import StoreError
from desktop_app.domain.reports import ExportFormat, ExportProgress, ExportSummary, HistoryFilter
from desktop_app.services.history import as_batch_thread
from desktop_app.services.tasks import Task, TaskRunner
from desktop_app.store.history import HistoryStore

__all__ = ["ExportJob", "ReportsService"]

T = TypeVar("T")


class ExportJob:
    """A running export: its task, its latest progress, and a cancel that stops the writer.

    Attributes:
        task: Succeeds with the :class:`ExportSummary`; a cancelled export is a cancelled task.
    """

    task: Task[ExportSummary]

    def __init__(self) -> None:
        self._stop = threading.Event()
        self._progress = ExportProgress()

    @property
    def stopping(self) -> bool:
        """True once :meth:`cancel` was called (polled by the writer between pages)."""
        return self._stop.is_set()

    @property
    def progress(self) -> ExportProgress:
        """The latest progress the writer reported (read on the GUI thread)."""
        return self._progress

    def _report(self, progress: ExportProgress) -> None:
        # Called on the worker thread: one reference assignment, atomic in CPython.
        self._progress = progress

    def cancel(self) -> None:
        """Stop the export: no file is written and the task finishes as cancelled."""
        self._stop.set()
        self.task.cancel()


class ReportsService(QObject):
    """Exports and analytics over the history store, each a ``Task`` on the reports runner.

    Args:
        runner: The reports runner (never the history page's or the network's).
        history: The open store, or None when there is none (every task then fails with
            ``StoreError``).
        history_path: The default history file. When given, or when the store is a shared
            history on PostgreSQL (the child opens the same URL), exports run in a child
            process (:mod:`desktop_app.usecases.export_process`: the window's GIL stays free)
            that opens the current store's own file (after a profile switch, that profile's);
            otherwise on the runner's thread.
        parent: The Qt parent.
    """

    def __init__(
        self,
        runner: TaskRunner,
        history: HistoryStore | None,
        parent: QObject | None = None,
        *,
        history_path: Path | None = None,
    ) -> None:
        super().__init__(parent)
        self._runner = runner
        self._history = history
        self._history_path = history_path

    def set_history(self, history: HistoryStore | None) -> None:
        """Attach another store (or none); tasks in flight keep the previous one."""
        self._history = history

    def analytics(self, query: AnalyticsQuery) -> Task[AnalyticsReport]:
        """The figures of ``query``; ``on_success(AnalyticsReport)``."""
        from desktop_app.store.analytics import run_analytics

        history = self._history
        if history is None:
            return self._runner.rejected(_no_history(), name="reports.analytics")
        return self._runner.submit(
            lambda: _batch(lambda: run_analytics(history, query)), name="reports.analytics"
        )

    def export(
        self, flt: HistoryFilter, path: Path, fmt: ExportFormat, *, mask: bool,
        actions: bool = False,
    ) -> ExportJob:  # fmt: skip
        """Start writing the rows ``flt`` selects to ``path``; see :class:`ExportJob`.

        ``actions``: also write their audit trail to the companion file (``actions_path``).
        """
        from desktop_app.usecases.export import export_history
        from desktop_app.usecases.export_process import export_in_child

        job = ExportJob()  # before the task: its function reports into the job at once
        history = self._history
        if history is None:
            job.task = self._runner.rejected(_no_history(), name="reports.export")
            return job
        shared = history.shared_source()
        db: Path | str | None = None
        if shared is not None:
            db = shared[0]
        elif self._history_path is not None:  # exports run in a child process
            # The store's own file: after a profile switch it need not be the default one.
            db = history.file or self._history_path
        password = None if shared is None else shared[1]
        if db is not None:
            job.task = self._runner.submit(
                lambda: _batch(lambda: export_in_child(
                    db, flt, path, fmt, mask=mask, progress=job._report,
                    cancelled=lambda: job.stopping, actions=actions, password=password,
                )),
                name="reports.export",
            )  # fmt: skip
            return job
        job.task = self._runner.submit(
            lambda: _batch(lambda: export_history(
                history, flt, path, fmt, mask=mask, progress=job._report,
                cancelled=lambda: job.stopping, actions=actions,
            )),
            name="reports.export",
        )  # fmt: skip
        return job


def _batch(work: Callable[[], T]) -> T:
    as_batch_thread()
    return work()


def _no_history() -> StoreError:
    return StoreError("The request history is not available, so there is nothing to read.")
