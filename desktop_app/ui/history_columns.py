"""The recent-requests table's columns: one ``Column`` each, the only place a column is described.

``COLUMNS`` gives, per column and in the order shown, its header, its cell text, its tooltip,
its sort key, the widest text it is sized for, its alignment, whether it starts hidden and
whether it is coloured by status. The model (``history_model``), the view's sizing and header
menu (``recent_requests``) and the row diffs (``history_rows`` sort keys) all read it; nothing
else lists columns. Refer to a column by its object (``STATUS``) and to its position with
``column_index(STATUS)``.

Order: what fits a ~500 px centre first (Started, Number, Status). Shown by default: the key
columns, which fit the table on a 1280x800 screen without scrolling; Checks, Price, Request id,
Profile, Operator and Host (the audit trail's who and where) are hidden until the header's menu
shows them (the details pane shows the price, the checks and the id).
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from desktop_app.domain.message_delivery import MESSAGES_API
from desktop_app.domain.models import HistoryEntry, VerificationStatus
from desktop_app.ui import formatting, messages
from desktop_app.ui.message_words import row_status_text


class Align(enum.Enum):
    """Horizontal alignment of a column's cells."""

    LEFT = enum.auto()
    RIGHT = enum.auto()


@dataclass(frozen=True)
class CellContext:
    """What a cell's text depends on besides its entry.

    Attributes:
        today: The local date that counts as today (today's rows show the time only).
        mask_numbers: Presenter mode: numbers by their last four digits, request ids by
            their ends.
    """

    today: date
    mask_numbers: bool = False


@dataclass(frozen=True)
class Column:
    """One column of the recent-requests table.

    Attributes:
        header: The header's text.
        display: The cell's text.
        tooltip: The cell's tooltip, or None when the column has none.
        sort_key: A comparable value per entry for sorting (stable; ties keep the store order).
        width_sample: The widest text the column is sized for (measured once with the font).
        align: The cells' horizontal alignment.
        hidden: Hidden until the user shows it (header context menu).
        status_colour: Text and swatch coloured by the entry's status.
    """

    header: str
    display: Callable[[HistoryEntry, CellContext], str]
    tooltip: Callable[[HistoryEntry, CellContext], str | None] | None
    sort_key: Callable[[HistoryEntry], Any]
    width_sample: str
    align: Align = Align.LEFT
    hidden: bool = False
    status_colour: bool = False


def _started_tooltip(entry: HistoryEntry, _ctx: CellContext) -> str:
    started = f"Started {formatting.format_datetime(entry.created_at)}"
    if entry.finalized_at is None:
        return started
    return f"{started}\nFinalized {formatting.format_datetime(entry.finalized_at)}"


def _status_tooltip(entry: HistoryEntry, ctx: CellContext) -> str:
    parts = [row_status_text(entry)]
    if entry.last_check_outcome:
        parts.append(f"Last check: {formatting.check_text(entry.last_check_outcome)}")
    if entry.last_error and entry.status != VerificationStatus.IN_PROGRESS:
        # Why it ended, in plain words (the API's own are under the pane's Details).
        said = messages.describe_stored(entry.last_error)
        parts.append(formatting.mask_text(said, mask=ctx.mask_numbers))
    return "\n".join(parts)


STARTED = Column(
    "Started",
    lambda e, ctx: formatting.format_datetime_compact(e.created_at, ctx.today),
    _started_tooltip,
    lambda e: formatting.as_utc(e.created_at).timestamp(),
    "00-00 00:00",
)
NUMBER = Column(
    "Number",
    lambda e, ctx: formatting.format_number(e.number, mask=ctx.mask_numbers),
    None,
    lambda e: e.number,
    "+00 0000 000000",
)
STATUS = Column(
    "Status",
    lambda e, _ctx: row_status_text(e),  # a message: its delivery (sent, delivered, read...)
    _status_tooltip,
    lambda e: str(e.status),
    "Outcome unknown",
    status_colour=True,
)
def _sender_number(entry: HistoryEntry) -> bool:
    """True when the Brand cell holds a message's sender number (a phone number, maskable)."""
    return entry.api_version == MESSAGES_API and entry.brand.isdigit()


def _brand_text(entry: HistoryEntry, ctx: CellContext) -> str:
    if _sender_number(entry):  # presenter mode masks every phone number, the sender's too
        return formatting.format_number(entry.brand, mask=ctx.mask_numbers)
    return entry.brand


def _brand_tooltip(entry: HistoryEntry, ctx: CellContext) -> str | None:
    if entry.api_version != MESSAGES_API:
        return None
    return f"Sent from {_brand_text(entry, ctx)}"  # a message's Brand is its sender


BRAND = Column(
    "Brand", _brand_text, _brand_tooltip, lambda e: e.brand.casefold(), "Brand name"
)
WORKFLOW = Column(
    "Workflow",
    lambda e, _ctx: formatting.entry_workflow_short(e),
    lambda e, _ctx: formatting.entry_workflow_text(e),  # the cell is short; tooltip in full
    lambda e: e.workflow_id or 0,
    "SMS→Call→Call",
)
CHECKS = Column(
    "Checks",
    lambda e, _ctx: str(e.checks_count),
    None,
    lambda e: e.checks_count,
    "Checks",
    Align.RIGHT,
    hidden=True,  # shown in the details pane: the key columns fit 1280 px without scrolling
)
PRICE = Column(
    "Price",
    lambda e, _ctx: formatting.format_money(e.price, e.currency),
    None,
    lambda e: float(e.price) if e.price is not None else -1.0,
    "0.00000 EUR",
    Align.RIGHT,
    hidden=True,
)
REQUEST_ID = Column(
    "Request id",
    lambda e, ctx: formatting.format_request_id(e.request_id, mask=ctx.mask_numbers),
    # The column is usually narrower than the 32 characters.
    lambda e, ctx: (
        formatting.format_request_id(e.request_id, mask=ctx.mask_numbers) if e.request_id else None
    ),
    lambda e: e.request_id or "",
    "0" * 32,
    hidden=True,
)
PROFILE = Column(
    "Profile", lambda e, _ctx: e.profile, None, lambda e: e.profile.casefold(), "Sandbox",
    hidden=True,
)  # fmt: skip
OPERATOR = Column(
    "Operator", lambda e, _ctx: e.operator, None, lambda e: e.operator.casefold(), "operator",
    hidden=True,
)  # fmt: skip

HOST = Column(
    "Host", lambda e, _ctx: e.host, None, lambda e: e.host.casefold(), "workstation-01",
    hidden=True,
)  # fmt: skip

#: Every column, in the order shown.
COLUMNS: tuple[Column, ...] = (
    STARTED, NUMBER, STATUS, BRAND, WORKFLOW, CHECKS, PRICE, REQUEST_ID, PROFILE, OPERATOR, HOST,
)  # fmt: skip


def column_index(column: Column) -> int:
    """The position of ``column`` in ``COLUMNS`` (the model's column number)."""
    return COLUMNS.index(column)
