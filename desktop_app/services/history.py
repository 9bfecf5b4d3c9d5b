"""History reads for the window, on a runner of their own.

A history query can grow with the table (a substring filter over a million rows is a full scan),
so it never runs on the GUI thread, and a cancelled ``recent`` task interrupts its query. It also
never shares a pool with network calls: fifty calls hanging on a dead host must not hold back
the history page. The composition root therefore gives this service its own small runner (see
``desktop_app.services.build_runners``).

A page of rows leaves the store thread with its numbers already formatted for display
(``domain.phone.display_number`` is a shared cache): formatting a number the window has not
shown yet costs tens of microseconds, and the first number of a country imports that country's
metadata module (milliseconds, and with PySide6 loaded each import also reads the module's
source), all of which would otherwise fall on the GUI thread in the middle of a repaint.

On Linux the threads that run these queries make themselves ``SCHED_BATCH``: same share of the
CPU, but a woken batch thread does not preempt the thread that woke it. Without it, the GUI
thread's ``QThreadPool.start`` for a new query often lost its core to the very pool thread it
woke, for a few milliseconds, while the window was busy repainting (on this 2-core machine:
``start()`` p99 7.6 to 16.3 ms, with batch 4.1 to 4.3 ms; docs/benchmarks.md).
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from PySide6.QtCore import QObject, Signal

from desktop_app.domain.audit import ActionEntry
from desktop_app.domain.history_query import LATEST, RecentQuery
from desktop_app.domain.models import CallEntry, HistoryEntry
from desktop_app.domain.phone import display_number
from desktop_app.services.tasks import Task, TaskRunner
from desktop_app.store.history import HistoryStore, Interrupt

if TYPE_CHECKING:
    from desktop_app.store.pg_listen import HistoryListener

__all__ = ["HistoryService", "as_batch_thread"]

R = TypeVar("R")

_thread = threading.local()


def as_batch_thread() -> None:
    """Make the calling pool thread ``SCHED_BATCH`` once (Linux; elsewhere nothing happens)."""
    if getattr(_thread, "batch", False):
        return
    _thread.batch = True
    set_scheduler = getattr(os, "sched_setscheduler", None)
    batch = getattr(os, "SCHED_BATCH", None)
    if set_scheduler is None or batch is None:
        return
    # Refused (a sandbox's seccomp policy, say)? Then only a latency nicety is lost.
    with contextlib.suppress(OSError):
        set_scheduler(threading.get_native_id(), batch, os.sched_param(0))


#: Numbers formatted between two GIL hand-offs in ``_formatted`` (as ``store._reading``).
_FORMAT_CHUNK = 16


def _formatted(entries: list[HistoryEntry]) -> list[HistoryEntry]:
    """``entries``, once each number's display text is in ``display_number``'s cache."""
    for start in range(0, len(entries), _FORMAT_CHUNK):
        if start:
            time.sleep(0)  # hand the GIL over: the GUI thread may be painting
        for entry in entries[start : start + _FORMAT_CHUNK]:
            display_number(entry.number)
    return entries


def _in_background(query: Callable[[HistoryStore], R], store: HistoryStore) -> R:
    as_batch_thread()
    return query(store)


class HistoryService(QObject):
    """Runs ``HistoryStore`` queries on the store runner's pool.

    Every method returns a ``Task``. Without a store (the history could not be opened) the
    tasks succeed with empty answers, so the window shows an empty page instead of an error.

    A team's shared history (PostgreSQL) is also *live*: :meth:`start_live` listens for every
    agent's writes on a connection and thread of its own (``store.pg_listen``; no polling) and
    emits ``changed`` for each, queued to the GUI thread; ``reachable`` says when the server
    goes away and comes back.

    Signals:
        changed(): Request rows were written (by any agent) since the window last loaded.
        reachable(bool): The shared history's server went away (False) or is back (True).

    Args:
        runner: The store runner (not the network one).
        history: The open store, or None when there is none.
        parent: The Qt parent.
    """

    changed = Signal()
    reachable = Signal(bool)

    def __init__(
        self, runner: TaskRunner, history: HistoryStore | None, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._runner = runner
        self._history = history
        self._listener: HistoryListener | None = None

    def start_live(self) -> bool:
        """Listen for every agent's writes to a shared history.

        Returns:
            False when there is nothing to hear (a SQLite history, or none).
        """
        if self._listener is not None or self._history is None:
            return self._listener is not None
        # Emitted on the listener's thread: Qt queues them to the receivers' (GUI) thread.
        self._listener = self._history.listen(
            lambda _row: self.changed.emit(), self.reachable.emit
        )
        return self._listener is not None

    def wait_listening(self, timeout: float) -> bool:
        """Block until the live listener is in place (tests, tools); False on timeout or none.

        Never call it on the GUI thread.
        """
        listener = self._listener
        return listener is not None and listener.wait_listening(timeout)

    def stop_live(self) -> None:
        """Stop listening (idempotent); call before the store closes."""
        listener, self._listener = self._listener, None
        if listener is not None:
            listener.stop()

    @property
    def available(self) -> bool:
        """True when a history store is attached."""
        return self._history is not None

    def set_history(self, history: HistoryStore | None) -> None:
        """Attach another store (or none); tasks in flight keep the previous one."""
        self._history = history

    def recent(self, query: RecentQuery = LATEST) -> Task[list[HistoryEntry]]:
        """Newest requests first, filtered.

        Cancelling the task stops its query in SQLite too (a superseded search must not keep a
        core busy while the window paints).
        """
        interrupt = Interrupt()
        task: Task[list[HistoryEntry]] = self._query(
            "history.recent",
            [],
            lambda store: _formatted(store.recent(query, interrupt=interrupt)),
        )
        # Harmless after a normal end (nothing is bound then): no need to ask why it finished.
        # A task handler, not a Qt connection: connected to the signal as the bound method
        # ``interrupt.fire``, PySide tracked the Interrupt with a weak reference whose callback
        # ran on the pool thread that dropped the job's closure, and the process crashed.
        task.on_finished(interrupt.fire)
        return task

    def queued(self, query: RecentQuery = LATEST) -> Task[list[HistoryEntry]]:
        """The requests this session wrote while the shared history's server is away.

        They wait in the outbox, with provisional ids; the window shows them marked as not yet
        saved until the outbox is written back (then ``recent`` has them).
        """
        return self._query("history.queued", [],
                           lambda store: _formatted(store.queued(query)))  # fmt: skip

    @property
    def shared(self) -> bool:
        """True when the history is a team's shared one (it has an outbox)."""
        return self._history is not None and self._history.dialect == "postgresql"

    def count(self, query: RecentQuery = LATEST) -> Task[int]:
        """How many requests match ``query``'s filters."""
        return self._query("history.count", 0, lambda store: store.count(query))

    def get(self, request_id: str) -> Task[HistoryEntry | None]:
        """The newest row with this request id, or None."""
        return self._query("history.get", None, lambda store: store.find(request_id))

    def calls(self, request_id: str) -> Task[list[CallEntry]]:
        """The calls made about one request, oldest first."""
        return self._query("history.calls", [], lambda store: store.calls(request_id))

    def actions(self, history_id: int) -> Task[list[ActionEntry]]:
        """The audit trail of one history row, oldest first; ``succeeded(list[ActionEntry])``."""
        return self._query(
            "history.actions", [], lambda store: store.actions(history_id=history_id)
        )

    def in_progress(
        self, *, profile: str | None = None, limit: int = 100
    ) -> Task[list[HistoryEntry]]:
        """Requests still IN PROGRESS, newest first."""
        return self._query(
            "history.in_progress",
            [],
            lambda store: store.in_progress(profile=profile, limit=limit),
        )

    def _query(self, name: str, empty: R, query: Callable[[HistoryStore], R]) -> Task[R]:
        store = self._history
        if store is None:
            return self._runner.resolved(empty, name=name)
        return self._runner.submit(lambda: _in_background(query, store), name=name)
