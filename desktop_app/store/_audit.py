"""The audit trail's SQL: one ``actions`` row per action, written in the caller's transaction.

An action is written inside the same write transaction as the history change it goes with
(a check counted, a status set), so the history never shows a change without the action that
made it, nor an action whose change was lost. Its ``history_id`` is the row it concerns: the one
the caller names, else the newest row with its request id (the history's own rule), else NULL
(a request this history does not hold).
"""

from __future__ import annotations

from typing import Any, Final

from desktop_app.domain.audit import ActionEntry, NewAction
from desktop_app.store._connection import from_micros
from desktop_app.store.backend import SqlConnection

ACTION_COLUMNS: Final = (
    "id, history_id, request_id, kind, outcome, profile, operator, host, acted_at"
)
_INSERT: Final = (
    "INSERT INTO actions (history_id, request_id, kind, outcome, profile, operator, host,"
    " acted_at) VALUES (COALESCE(?, (SELECT max(id) FROM requests WHERE request_id = ?)),"
    " COALESCE(?, (SELECT request_id FROM requests WHERE id = ?)), ?, ?, ?, ?, ?, ?)"
)
_ORDER: Final = "ORDER BY acted_at, id"


def insert_statement(
    action: NewAction, now: int, *, history_id: int | None = None
) -> tuple[str, list[object]]:
    """The ``INSERT`` (and its arguments) writing one action; see :func:`insert_action`."""
    row = action.history_id if history_id is None else history_id
    args: list[object] = [
        row, action.request_id, action.request_id, row, str(action.kind), str(action.outcome),
        action.profile, action.user, action.host, now,
    ]  # fmt: skip
    return _INSERT, args


def insert_for_row(
    action: NewAction, now: int, where: str, key: object
) -> tuple[str, list[object]]:
    """The statement writing ``action`` on the row ``WHERE {where}`` finds, if one does.

    For a change made by id: the action lands only when the row exists (as ``update_request``
    records it only when its ``UPDATE`` changed a row), in the same transaction; ``where`` may
    find a shared history's row by its UUID (``pg_outbox``) before its id is known.
    """
    sql = ("INSERT INTO actions (history_id, request_id, kind, outcome, profile, operator, host,"
           " acted_at) SELECT id, COALESCE(?, request_id), ?, ?, ?, ?, ?, ?"
           f" FROM requests WHERE {where}")  # fmt: skip
    args: list[object] = [action.request_id, str(action.kind), str(action.outcome),
                          action.profile, action.user, action.host, now, key]  # fmt: skip
    return sql, args


def insert_action(
    conn: SqlConnection, action: NewAction, now: int, *, history_id: int | None = None
) -> int:
    """Write one action (in ``conn``'s transaction); return its id.

    Args:
        conn: A connection in a write transaction.
        action: The action.
        now: Its time (UTC microseconds).
        history_id: The row it concerns, overriding ``action.history_id``.
    """
    sql, args = insert_statement(action, now, history_id=history_id)
    return conn.execute(sql, args).lastrowid or 0


def action_entry(row: tuple[Any, ...]) -> ActionEntry:
    """An ``actions`` row (``ACTION_COLUMNS`` order) as an :class:`ActionEntry`."""
    return ActionEntry(
        id=row[0], history_id=row[1], request_id=row[2], kind=row[3], outcome=row[4],
        profile=row[5], user=row[6], host=row[7], at=from_micros(row[8]),
    )  # fmt: skip


def actions_of(
    conn: SqlConnection, *, history_id: int | None, request_id: str | None
) -> list[ActionEntry]:
    """The actions on one history row, or on one request id (its rows' too), oldest first."""
    args: list[object]
    if history_id is not None:
        where, args = "history_id = ?", [history_id]
    else:
        where = "request_id = ? OR history_id IN (SELECT id FROM requests WHERE request_id = ?)"
        args = [request_id, request_id]
    sql = f"SELECT {ACTION_COLUMNS} FROM actions WHERE {where} {_ORDER}"
    return [action_entry(row) for row in conn.execute(sql, args).fetchall()]
