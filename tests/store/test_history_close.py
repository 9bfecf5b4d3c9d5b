"""Closing the store while other threads read: never a closed connection under a read.

The race these tests pin down: a pool thread is inside a read (``check_same_thread=False``)
when another thread closes the store. Before, ``read`` checked "open" and then used its
connection without holding anything, so ``close`` could close that connection under it (one
full run segfaulted in tests/services/test_refresher.py). Each test forces one interleaving
with threads and events, no sleeps: the close happens *inside* the read.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop_app.domain.errors import QueryInterrupted, StoreClosedError
from desktop_app.store._connection import Database
from desktop_app.store._reading import Interrupt
from desktop_app.store.history import HistoryStore, NewRequest

#: A statement that runs for a while (tens of ms) and can be interrupted.
_SLOW = (
    "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 300000)"
    " SELECT count(*) FROM c"
)
_TIMEOUT = 30  # seconds; a deadlock fails the test instead of hanging it


@pytest.fixture
def filled(db_path: Path) -> Iterator[HistoryStore]:
    store = HistoryStore(db_path)
    for i in range(3):
        store.add_request(NewRequest(
            profile="p", operator="o", kind="start", number=f"4477009001{i:02d}", brand="b",
            workflow_id=1,
        ))  # fmt: skip
    yield store
    store.close()


def _in_thread(fn):  # type: ignore[no-untyped-def]
    """Run ``fn`` on another thread and return what it returned (or raise what it raised)."""
    out: dict[str, object] = {}

    def run() -> None:
        try:
            out["value"] = fn()
        except BaseException as exc:
            out["error"] = exc

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(_TIMEOUT)
    assert not thread.is_alive()
    if "error" in out:
        raise out["error"]  # type: ignore[misc]
    return out["value"]


def test_close_during_a_read_leaves_its_connection_open_until_it_returns(filled) -> None:
    db: Database = filled._db
    seen: dict[str, object] = {}

    def read(conn: sqlite3.Connection) -> int:
        # Another thread closes the store while this read holds its connection.
        seen["closed_now"] = _in_thread(lambda: db.close(wait=0, interrupt=False))
        seen["conn"] = conn
        # Still usable: close() left it to this read to close it on the way out.
        return int(conn.execute("SELECT count(*) FROM requests").fetchone()[0])

    assert db.read(read) == 3
    assert seen["closed_now"] is False  # a read was in flight: nothing closed yet
    conn = seen["conn"]
    assert isinstance(conn, sqlite3.Connection)
    with pytest.raises(sqlite3.ProgrammingError):  # the read closed it as it left
        conn.execute("SELECT 1")
    with pytest.raises(StoreClosedError):
        filled.recent()
    with pytest.raises(StoreClosedError):
        filled.add_request(
            NewRequest(profile="p", operator="o", kind="start", number="1", brand="b",
                       workflow_id=1)
        )  # fmt: skip
    assert filled.close() is True  # idempotent


def test_close_without_a_limit_waits_for_the_read_in_flight(filled) -> None:
    db: Database = filled._db
    result: dict[str, bool] = {}
    closer = threading.Thread(
        target=lambda: result.setdefault("closed", db.close(wait=None, interrupt=False))
    )

    def read(conn: sqlite3.Connection) -> int:
        closer.start()
        # White-box: wait until close() has marked the store closed and is waiting for us.
        with db._state:
            assert db._state.wait_for(lambda: db._closed, timeout=_TIMEOUT)
        with pytest.raises(StoreClosedError):  # new calls are refused meanwhile...
            _in_thread(lambda: filled.recent())
        # ...while this one goes on, on a connection that is still open.
        return int(conn.execute("SELECT count(*) FROM requests").fetchone()[0])

    assert db.read(read) == 3
    closer.join(_TIMEOUT)
    assert result == {"closed": True}


def test_close_interrupts_a_running_read_which_then_raises_store_closed(filled) -> None:
    db: Database = filled._db
    inside = threading.Event()
    outcome: dict[str, BaseException] = {}

    def read(conn: sqlite3.Connection) -> None:
        inside.set()
        while True:  # only an interrupt ends this read
            conn.execute(_SLOW).fetchall()

    def reader() -> None:
        try:
            db.read(read)
        except BaseException as exc:
            outcome["error"] = exc

    thread = threading.Thread(target=reader)
    thread.start()
    assert inside.wait(_TIMEOUT)
    assert db.close(wait=None) is True  # interrupted, drained, closed
    thread.join(_TIMEOUT)
    assert isinstance(outcome["error"], StoreClosedError)


def test_close_with_nothing_in_flight_closes_at_once(filled) -> None:
    assert filled.recent()  # this thread now has a reader connection
    assert filled.close(wait=0) is True
    with pytest.raises(StoreClosedError):
        filled.count()


def test_an_interrupt_stops_a_running_read_and_only_that_read(filled) -> None:
    db: Database = filled._db
    interrupt = Interrupt()
    inside = threading.Event()
    outcome: dict[str, BaseException] = {}

    def read(conn: sqlite3.Connection) -> None:
        inside.set()
        while True:  # as store/_search.py does between the statements of one read
            interrupt.check()
            conn.execute(_SLOW).fetchall()

    def reader() -> None:
        try:
            db.read(read, interrupt=interrupt)
        except BaseException as exc:
            outcome["error"] = exc

    thread = threading.Thread(target=reader)
    thread.start()
    assert inside.wait(_TIMEOUT)
    interrupt.fire()  # from this thread: stops the statement running there (or the next)
    thread.join(_TIMEOUT)
    assert isinstance(outcome["error"], QueryInterrupted)
    assert len(filled.recent()) == 3  # the store and other reads are unaffected
    with pytest.raises(QueryInterrupted):  # a fired interrupt stops a read before it starts
        filled.recent(interrupt=interrupt)
    filled.close()


def test_an_interrupt_fired_after_the_read_does_not_touch_later_reads(filled) -> None:
    interrupt = Interrupt()
    assert len(filled.recent(interrupt=interrupt)) == 3
    interrupt.fire()  # the read is over: nothing is bound, nothing is interrupted
    assert len(filled.recent()) == 3
    filled.close()
