"""No lost writes while the shared history's server is away: a local outbox, written back once.

Every write to a shared history is an *action*: a client-made UUID and the statements it runs
(the shared SQL with its arguments, timestamps already taken). :class:`SharedWrites` runs it on
the server in one transaction that first records the action's UUID in ``applied_actions``; an
action whose UUID is already there is skipped. So an action runs at most once on the server,
however often it is sent.

When the server cannot be reached the action goes to the :class:`Outbox` (a small SQLite file in
the data folder) and the write returns as done; a new request row gets a provisional id (from
:data:`PROVISIONAL_BASE` up, far above any id the server hands out; negative ids already mean "in
memory" to ``usecases.fallback``), and later writes about it find it by its row UUID (which the
insert carries), before and after it reaches the server. While anything waits in the outbox, new
actions queue behind it (order is kept), and :meth:`SharedWrites.flush` sends them, oldest first,
when the server is back (the listener's reconnection, or the next start). A write that failed
*ambiguously* (the connection dropped during the commit) is queued too; if it had committed, its
replay is skipped by its UUID, so nothing is duplicated.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Final

from desktop_app.domain.errors import StoreClosedError, StoreError
from desktop_app.store._files import create_private_file

if TYPE_CHECKING:
    from desktop_app.store.pg_database import PgConnection, PgDatabase

#: Provisional ids of rows written while the server is away start above this.
PROVISIONAL_BASE: Final = 1 << 62

#: One statement of an action: shared SQL and its (JSON-safe) arguments.
Statement = tuple[str, Sequence[object]]

_OUTBOX_SCHEMA: Final = (
    "CREATE TABLE IF NOT EXISTS outbox (seq INTEGER PRIMARY KEY, action TEXT NOT NULL UNIQUE,"
    " statements TEXT NOT NULL)"
)


class Outbox:
    """Actions waiting for the server, in a SQLite file of their own (thread-safe).

    Args:
        path: The file (created owner-only if missing).
    """

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        create_private_file(path)
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
        self._conn.execute("PRAGMA journal_mode = WAL")
        self._conn.execute(_OUTBOX_SCHEMA)

    def put(self, action: str, statements: Sequence[Statement]) -> int:
        """Keep an action (durably); return its place in the queue (1, 2...)."""
        text = json.dumps([[sql, list(args)] for sql, args in statements])
        with self._lock:
            cursor = self._conn.execute(
                "INSERT INTO outbox (action, statements) VALUES (?, ?)", (action, text)
            )
            return int(cursor.lastrowid or 0)

    def pending(self) -> list[tuple[str, list[Statement]]]:
        """The waiting actions, oldest first."""
        with self._lock:
            sql = "SELECT action, statements FROM outbox ORDER BY seq"
            rows = self._conn.execute(sql).fetchall()
        return [(action, [(sql, args) for sql, args in json.loads(text)]) for action, text in rows]

    def queued(self) -> list[tuple[int, list[Statement]]]:
        """The waiting actions with their places in the queue, oldest first."""
        with self._lock:
            rows = self._conn.execute("SELECT seq, statements FROM outbox ORDER BY seq").fetchall()
        return [(seq, [(sql, args) for sql, args in json.loads(text)]) for seq, text in rows]

    def done(self, action: str) -> None:
        """Forget an action the server has."""
        with self._lock:
            self._conn.execute("DELETE FROM outbox WHERE action = ?", (action,))

    def __len__(self) -> int:
        with self._lock:
            return int(self._conn.execute("SELECT count(*) FROM outbox").fetchone()[0])

    def close(self) -> None:
        """Close the file."""
        with self._lock:
            self._conn.close()


def _apply(conn: PgConnection, action: str, statements: Sequence[Statement]) -> tuple[int, int]:
    """Run an action once: (rowcount, new id) of its first statement; (0, 0) if it already ran."""
    first = conn.execute(
        "INSERT INTO applied_actions (uuid) VALUES (CAST(? AS uuid)) ON CONFLICT DO NOTHING"
        " RETURNING 1",
        (action,),
    )
    if first.rowcount == 0:
        return 0, 0
    result: tuple[int, int] | None = None
    for sql, args in statements:
        cursor = conn.execute(sql, args)
        result = result or (cursor.rowcount, cursor.lastrowid)
    return result or (0, 0)


class SharedWrites:
    """Runs a shared history's writes as once-only actions, queuing them while it is away.

    Args:
        db: The server.
        outbox: Where actions wait; None: a write fails with ``StoreError`` while it is away.
    """

    def __init__(self, db: PgDatabase, outbox: Outbox | None) -> None:
        self._db = db
        self._outbox = outbox
        self._lock = threading.RLock()  # keeps the order of actions (and of flushes)
        #: Provisional id -> the row's UUID, for rows written while away.
        self._provisional: dict[int, str] = {}

    @property
    def offline(self) -> bool:
        """True while actions wait for the server."""
        return self._outbox is not None and len(self._outbox) > 0

    def row_key(self, row_id: int) -> tuple[str, object]:
        """The ``WHERE`` term (and argument) finding a row by its id, provisional ones included."""
        row_uuid = self._provisional.get(row_id)
        if row_uuid is not None:
            return "uuid = CAST(? AS uuid)", row_uuid
        return "id = ?", row_id

    def write(
        self, statements: Sequence[Statement], *, new_row: str | None = None
    ) -> tuple[int, int]:
        """Run one action; return (rowcount, new row id) of its first statement.

        Args:
            statements: The action.
            new_row: The UUID of the row it inserts, if it inserts one.

        Returns:
            On the server: what the first statement did. Queued: (1, a provisional id for
            ``new_row``, else 0).

        Raises:
            StoreError: The server is away and there is no outbox.
        """
        action = str(uuid.uuid4())
        with self._lock:
            if not self.offline:
                try:
                    return self._db.write(lambda conn: _apply(conn, action, statements))
                except StoreClosedError:
                    raise
                except StoreError:
                    if self._outbox is None:
                        raise
            assert self._outbox is not None
            place = self._outbox.put(action, statements)
            if new_row is None:
                return 1, 0
            self._provisional[PROVISIONAL_BASE + place] = new_row
            return 1, PROVISIONAL_BASE + place

    def queued(self) -> list[tuple[int, list[Statement]]]:
        """The actions waiting for the server with their places (provisional ids' offsets)."""
        return [] if self._outbox is None else self._outbox.queued()

    def flush(self) -> int:
        """Send the waiting actions, oldest first; return how many left the outbox.

        Stops at the first that cannot be sent (the server went away again).
        """
        if self._outbox is None:
            return 0
        sent = 0
        with self._lock:
            for action, statements in self._outbox.pending():
                try:
                    self._send(action, statements)
                except StoreClosedError:
                    raise
                except StoreError:
                    break
                self._outbox.done(action)
                sent += 1
            if sent:
                self._db.renew_pool()
        return sent

    def _send(self, action: str, statements: Sequence[Statement]) -> None:
        self._db.write_direct(lambda conn: _apply(conn, action, statements))

    def close(self) -> None:
        """Close the outbox file (what waits in it stays for the next start)."""
        if self._outbox is not None:
            self._outbox.close()
