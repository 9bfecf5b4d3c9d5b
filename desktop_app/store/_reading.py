"""Helpers for the history's longer reads: stopping one from another thread, mapping its rows.

``Interrupt`` lets the GUI thread stop a query that a newer one superseded (SQLite's
``interrupt`` on the connection running it). ``map_rows`` converts a page of rows while handing
the GIL over every few rows, so the GUI thread, which needs it for every table cell it paints,
never waits a whole switch interval for a store thread.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Final, Protocol, TypeVar

from desktop_app.domain.errors import QueryInterrupted
from desktop_app.store.gil import hand_over_gil

T = TypeVar("T")

#: Rows mapped between two GIL hand-offs in ``map_rows`` (about 0.1 ms of Python).
_MAP_CHUNK: Final = 16


def map_rows(rows: Sequence[tuple[Any, ...]], convert: Callable[[tuple[Any, ...]], T]) -> list[T]:
    """``[convert(row) for row in rows]``, handing the GIL over every few rows.

    Converting a page of rows is the longest stretch of Python a store thread runs. A GUI
    thread that needs the GIL meanwhile (to paint each table cell) would wait for the
    interpreter's switch interval (5 ms) each time; ``time.sleep(0)`` releases the GIL so it
    gets it at once.
    """
    out: list[T] = []
    for start in range(0, len(rows), _MAP_CHUNK):
        if start:
            hand_over_gil()
        out.extend(convert(row) for row in rows[start : start + _MAP_CHUNK])
    return out


class Interruptible(Protocol):
    """A connection whose running statement another thread can stop (SQLite's or ours)."""

    def interrupt(self) -> None: ...


class Interrupt:
    """Stops one read from another thread: ``fire()`` interrupts it if it runs, or before it runs.

    Thread-safe. A fired interrupt makes the read raise ``QueryInterrupted``; the connection is
    only interrupted while the read holds it (an interrupt is never left for a later query).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._conn: Interruptible | None = None
        self._fired = False

    @property
    def fired(self) -> bool:
        """True once ``fire()`` was called."""
        return self._fired

    def fire(self) -> None:
        """Stop the read: its running statement now, or the read before its next statement."""
        with self._lock:
            self._fired = True
            if self._conn is not None:
                self._conn.interrupt()

    def check(self) -> None:
        """Raise ``QueryInterrupted`` when fired (call it between the statements of a read)."""
        if self._fired:
            raise QueryInterrupted("The history query was superseded by a newer one.")

    @contextmanager
    def bound(self, conn: Interruptible) -> Iterator[None]:
        """Let ``fire`` interrupt ``conn`` while the block runs."""
        with self._lock:
            self.check()
            self._conn = conn
        try:
            yield
        finally:
            with self._lock:
                self._conn = None
