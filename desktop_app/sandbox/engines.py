"""What an engine is to the shared state, and the helpers the verification engines share.

An engine (:class:`Engine`) is any API the sandbox simulates on the shared state: Verify v1 and
v2 today, the Messages API next. It has a family name (its table of records and the tag of its
deadlines), plays out its own deadlines and lists its records. The Verify engines' records
(:class:`Record`) carry a lifecycle; :func:`live_record`, :func:`play_record` and
:func:`summaries` are what both do with them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, Protocol, TypeVar

from desktop_app.domain.lifecycle import Lifecycle
from desktop_app.sandbox.journal import Transaction

__all__ = ["Engine", "Record", "live_record", "play_record", "summaries"]


class Engine(Protocol):
    """What the shared state needs from an engine (Verify v1, Verify v2, Messages, ...)."""

    #: The family name: its table in ``SharedData.tables`` and its deadlines' tag.
    family: str

    def play_due(self, tx: Transaction, request_id: str) -> None:
        """A deadline of ``request_id`` came due: play out what happens up to ``tx.now``."""

    def listing(self) -> Iterable[tuple[float, dict[str, Any]]]:
        """``(created_at, summary)`` of every record, for ``/sandbox/requests``."""


class Record(Protocol):
    """What a verification engine's record offers the shared helpers below."""

    @property
    def created_at(self) -> float:
        """When the request started."""

    @property
    def lifecycle(self) -> Lifecycle:
        """Its state machine."""

    def summary(self) -> dict[str, Any]:
        """Its ``/sandbox/requests`` item."""


R = TypeVar("R", bound=Record)


def live_record(tx: Transaction, table: Mapping[str, R], request_id: str) -> R | None:
    """The live record ``request_id``, its lifecycle journalled for a change; else None.

    A finished lifecycle changes nothing more (every call to it answers "not active"), so an
    unknown or finished request costs no journal entry.
    """
    record = table.get(request_id)
    if record is None or not record.lifecycle.is_live:
        return None
    tx.edit(record.lifecycle)
    return record


def play_record(
    tx: Transaction,
    table: Mapping[str, R],
    request_id: str,
    sync: Callable[[Transaction, R], None],
) -> None:
    """An engine's ``play_due`` for a verification: advance the live record, then ``sync`` it."""
    record = live_record(tx, table, request_id)
    if record is not None:
        record.lifecycle.advance(tx.now)
        sync(tx, record)


def summaries(table: Mapping[str, Record]) -> list[tuple[float, dict[str, Any]]]:
    """``(created_at, summary)`` of every record of a table (an engine's ``listing``)."""
    return [(record.created_at, record.summary()) for record in table.values()]
