"""Hearing every agent's history writes as they happen: PostgreSQL's LISTEN on a thread of its own.

Each insert or update of a request ``NOTIFY``s ``pg_schema.CHANNEL`` with the row id (a trigger,
so every writer is heard). :class:`HistoryListener` holds one connection of its own (not a pooled
one: a listening connection must stay open and idle) and waits for notifications on a daemon
thread, blocking in the driver, so nothing polls the table. Each notification calls
``on_change(payload)`` on that thread; the caller moves it to where it belongs (the services
layer emits a Qt signal).

When the connection drops (the server stopped, the network went away) it calls
``on_reachable(False)`` once, retries with a growing pause (0.5 s to 5 s), and calls
``on_reachable(True)`` and ``on_change("")`` once it listens again: writes made meanwhile were not
announced to it, so the caller reloads.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any, Final

import psycopg

from desktop_app.store.pg_schema import CHANNEL

log = logging.getLogger(__name__)

#: How long one wait for a notification lasts before the stop flag is looked at again.
_WAIT_S: Final = 0.5
_RETRY_S: Final = (0.5, 1.0, 2.0, 5.0)


class HistoryListener:
    """LISTENs for history writes until :meth:`stop` (see the module docstring).

    Args:
        connect: Opens a new connection (``PgDatabase.connect``), password included.
        on_change: Called with a written row's id (as text), or ``""`` after a reconnection.
        on_reachable: Called with False when the server goes away, True when it is back.
    """

    def __init__(
        self,
        connect: Callable[..., psycopg.Connection[tuple[Any, ...]]],
        on_change: Callable[[str], None],
        on_reachable: Callable[[bool], None] = lambda _up: None,
    ) -> None:
        self._connect = connect
        self._on_change = on_change
        self._on_reachable = on_reachable
        self._stop = threading.Event()
        self._listening = threading.Event()
        self._thread = threading.Thread(target=self._run, name="history-listener", daemon=True)

    def start(self) -> None:
        """Start listening (returns at once)."""
        self._thread.start()

    def wait_listening(self, timeout: float) -> bool:
        """Wait until the first LISTEN is in place; True when it is."""
        return self._listening.wait(timeout)

    def stop(self, timeout: float = 2.0) -> None:
        """Stop listening and close the connection (within about ``_WAIT_S``)."""
        self._stop.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout)

    def _run(self) -> None:
        failures = 0
        reachable = True
        while not self._stop.is_set():
            try:
                with self._connect(autocommit=True) as conn:
                    conn.execute(f"LISTEN {CHANNEL}".encode())
                    self._listening.set()
                    if not reachable:
                        reachable = True
                        self._on_reachable(True)
                        self._on_change("")  # what was written meanwhile was not announced
                    failures = 0
                    while not self._stop.is_set():
                        for note in conn.notifies(timeout=_WAIT_S):
                            self._on_change(note.payload)
            except psycopg.Error as exc:
                if self._stop.is_set():
                    return
                if reachable:
                    reachable = False
                    log.info("history listener lost the server: %s", type(exc).__name__)
                    self._on_reachable(False)
                pause = _RETRY_S[min(failures, len(_RETRY_S) - 1)]
                failures += 1
                self._stop.wait(pause)
