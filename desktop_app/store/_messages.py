"""SQL behind the Messages API's history: each message's status timeline and row.

Every function here runs inside one write transaction (``Database.write``) or one read, so a
status webhook updates the timeline and the row together. See ``schema._V3`` for the tables and
:mod:`desktop_app.domain.message_delivery` for the rules; codes sent by message are in
``_message_codes``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from typing import Any, Final, NamedTuple

from desktop_app.domain.history_writes import UNSET, RequestChanges
from desktop_app.domain.message_delivery import (
    CODE_KIND,
    MessageEventEntry,
    delivery_order,
    error_title_of,
    failure_meaning,
    leg_of,
    row_status,
)
from desktop_app.domain.messages_status import MessageStatus, MessageStatusEvent
from desktop_app.domain.models import VerificationStatus
from desktop_app.store._connection import from_micros, to_micros
from desktop_app.store._sql import changes
from desktop_app.store.backend import SqlConnection

_MESSAGE_ROW: Final = (
    "SELECT id, kind, channels, status, delivery_status, delivery_leg FROM requests WHERE id ="
    " (SELECT max(id) FROM requests WHERE request_id = ? AND api_version = 'messages')"
)
_EVENT_COLUMNS: Final = (
    "message_uuid, leg, channel, status, occurred_at, received_at, error_code, error_title,"
    " price, currency"
)
_IN_PROGRESS: Final = str(VerificationStatus.IN_PROGRESS)


@dataclass(frozen=True)
class AppliedEvent:
    """What one status webhook did to the history.

    Attributes:
        row_id: The message's history row.
        recorded: False when the timeline already had this leg's status (a repeat).
        shown: True when the row now shows this status (it came later than the last one).
        leg: The leg it concerns.
        ended_code: True when it ended the row's live code (its last leg failed).
    """

    row_id: int
    recorded: bool
    shown: bool
    leg: int
    ended_code: bool = False


# -- status webhooks ------------------------------------------------------------------------


class _Message(NamedTuple):
    """The columns of a message row that status webhooks read."""

    row_id: int
    kind: str
    channels: str
    status: str
    shown_status: str
    shown_leg: int

    @property
    def legs(self) -> tuple[str, ...]:
        return tuple(name for name in self.channels.split(",") if name)


def _message(conn: SqlConnection, message_uuid: str) -> _Message | None:
    row = conn.execute(_MESSAGE_ROW, (message_uuid,)).fetchone()
    return None if row is None else _Message(*row)


def _leg_prices(conn: SqlConnection, message_uuid: str) -> tuple[Decimal | None, str]:
    """The message's price: each leg's latest reported price, added up."""
    latest: dict[int, tuple[Decimal, str]] = {}
    rows = conn.execute(
        "SELECT leg, price, currency FROM message_events WHERE message_uuid = ?"
        " AND price IS NOT NULL AND applied = 1 ORDER BY id",
        (message_uuid,),
    )
    for leg, price, currency in rows:
        latest[leg] = (Decimal(price), currency)
    if not latest:
        return None, ""
    return sum((price for price, _ in latest.values()), Decimal(0)), next(
        reversed(latest.values())
    )[1]


def _failure_note(entry: MessageEventEntry, legs: tuple[str, ...]) -> str:
    code = entry.error_code
    meaning = failure_meaning(code) or entry.error_title or "no reason given"
    what = f"The {entry.channel} message was {entry.status.value}"
    what += f" (error {code})" if code is not None else ""
    if entry.leg + 1 < len(legs):
        return f"{what}: {meaning} Trying the failover message by {legs[entry.leg + 1]}."
    return f"{what}: {meaning}"


def _entry(event: MessageStatusEvent, leg: int, now: datetime) -> MessageEventEntry:
    error, usage = event.error, event.usage
    return MessageEventEntry(
        message_uuid=event.message_uuid, leg=leg, channel=event.channel, status=event.status,
        occurred_at=event.timestamp, received_at=now,
        error_code=error.code if error is not None else None, error_title=error_title_of(error),
        price=usage.price if usage is not None else None,
        currency=usage.currency if usage is not None else "",
    )  # fmt: skip


def _insert(conn: SqlConnection, entry: MessageEventEntry, *, applied: bool) -> bool:
    """Add ``entry`` to the timeline; False when it already had this leg's status."""
    return bool(
        conn.execute(
            # An upsert both dialects read (SQLite since 3.24): a repeat inserts nothing.
            f"INSERT INTO message_events ({_EVENT_COLUMNS}, applied)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT DO NOTHING",
            (
                entry.message_uuid, entry.leg, entry.channel, entry.status.value,
                to_micros(entry.occurred_at), to_micros(entry.received_at), entry.error_code,
                entry.error_title, None if entry.price is None else str(entry.price),
                entry.currency, int(applied),
            ),
        ).rowcount
    )


def _show(
    conn: SqlConnection, message: _Message, entry: MessageEventEntry, now: datetime
) -> tuple[bool, bool]:
    """Apply a recorded status to the row; return (shown now, ended the row's code)."""
    legs = message.legs or (entry.channel,)
    price, currency = _leg_prices(conn, entry.message_uuid)
    change = RequestChanges(price=UNSET if price is None else price, currency=currency or UNSET)
    shown = not message.shown_status or delivery_order(entry.leg, entry.status) > (
        delivery_order(message.shown_leg, MessageStatus(message.shown_status))
    )
    ended_code = False
    if shown:
        change = replace(
            change, delivery_status=entry.status.value, delivery_leg=entry.leg,
            error_code=entry.error_code, error_title=entry.error_title,
        )  # fmt: skip
        if entry.status.failed:
            change = replace(change, last_error=_failure_note(entry, legs))
        status = row_status(message.kind, entry.status, entry.leg, len(legs))
        if status is VerificationStatus.IN_PROGRESS and VerificationStatus(message.status).is_final:
            status = None  # a late "submitted" does not reopen a SENT row
        if status is not None and (message.kind != CODE_KIND or message.status == _IN_PROGRESS):
            change = replace(change, status=status)
            ended_code = message.kind == CODE_KIND and status is VerificationStatus.FAILED
    sets, args = changes(to_micros(now), change)
    conn.execute(f"UPDATE requests SET {sets} WHERE id = ?", [*args, message.row_id])
    if ended_code:
        conn.execute(
            "UPDATE message_codes SET ended = ?, salt = ?, digest = ?"
            " WHERE message_uuid = ? AND ended = ''",
            (str(VerificationStatus.FAILED), b"", b"", entry.message_uuid),
        )
    return shown, ended_code


def apply_event(
    conn: SqlConnection,
    event: MessageStatusEvent,
    *,
    items_number: int | None,
    now: datetime,
) -> AppliedEvent | None:
    """Record one status webhook on its message's row and timeline.

    A webhook may beat the 202 that names its message (a rejection is immediate): with no
    row for its ``message_uuid`` yet it is kept aside (not applied) and
    :func:`adopt_events` applies it once the send records the id. Returns None then.
    """
    message = _message(conn, event.message_uuid)
    if message is None:
        leg = items_number - 1 if items_number else -1
        _insert(conn, _entry(event, leg, now), applied=False)
        return None
    legs = message.legs or (event.channel,)
    leg = leg_of(legs, event.channel, current=message.shown_leg, items_number=items_number)
    entry = _entry(event, leg, now)
    if not _insert(conn, entry, applied=True):
        return AppliedEvent(message.row_id, recorded=False, shown=False, leg=leg)
    shown, ended_code = _show(conn, message, entry, now)
    return AppliedEvent(message.row_id, recorded=True, shown=shown, leg=leg,
                        ended_code=ended_code)  # fmt: skip


def adopt_events(conn: SqlConnection, message_uuid: str, now: datetime) -> int:
    """Apply the statuses that arrived before the message's row had its id; return how many."""
    orphans = conn.execute(
        f"SELECT id, {_EVENT_COLUMNS} FROM message_events WHERE message_uuid = ?"
        " AND applied = 0 ORDER BY id",
        (message_uuid,),
    ).fetchall()
    adopted = 0
    for event_id, *columns in orphans:
        message = _message(conn, message_uuid)
        if message is None:
            break
        entry = _event(tuple(columns))
        leg = entry.leg
        if leg < 0:
            legs = message.legs or (entry.channel,)
            leg = leg_of(legs, entry.channel, current=message.shown_leg)
        clash = conn.execute(
            "SELECT 1 FROM message_events WHERE message_uuid = ? AND leg = ? AND status = ?"
            " AND id != ?",
            (message_uuid, leg, entry.status.value, event_id),
        ).fetchone()
        if clash is not None:
            conn.execute("DELETE FROM message_events WHERE id = ?", (event_id,))
            continue
        conn.execute(
            "UPDATE message_events SET leg = ?, applied = 1 WHERE id = ?", (leg, event_id)
        )
        _show(conn, message, replace(entry, leg=leg), now)
        adopted += 1
    return adopted


def _event(row: tuple[Any, ...]) -> MessageEventEntry:
    return MessageEventEntry(
        message_uuid=row[0], leg=row[1], channel=row[2], status=MessageStatus(row[3]),
        occurred_at=from_micros(row[4]), received_at=from_micros(row[5]),
        error_code=row[6], error_title=row[7],
        price=None if row[8] is None else Decimal(row[8]), currency=row[9],
    )  # fmt: skip


def events(conn: SqlConnection, message_uuid: str) -> list[MessageEventEntry]:
    """A message's timeline: leg by leg, each leg's statuses in lifecycle order."""
    rows = conn.execute(
        f"SELECT {_EVENT_COLUMNS} FROM message_events WHERE message_uuid = ? AND applied = 1"
        " ORDER BY id",
        (message_uuid,),
    ).fetchall()
    entries = [_event(row) for row in rows]
    return sorted(entries, key=lambda e: (e.leg, e.status.rank, e.occurred_at))
