"""What reports are made of: the history filter, the export columns and the analytics breakdowns.

Pure data and pure functions (no Qt, no I/O). Three tables, each the single place to extend:

* :data:`EXPORT_COLUMNS`: one :class:`ExportColumn` per exported field, in file order. Its
  ``value`` reads a :class:`~desktop_app.domain.models.HistoryEntry`; ``masked`` says whether
  ``--mask`` hides phone numbers in it. ``operator`` and ``host`` are the audit trail's
  "created by" (who, on which computer).
* :data:`ACTION_EXPORT_COLUMNS`: the columns of the audit trail's companion file (one row per
  action: when, what, outcome, who, where), written beside the requests when asked.
* :data:`BREAKDOWNS`: one :class:`Breakdown` per analytics dimension. A plain column dimension
  (``profile``, ``operator``, later ``host``) is one entry naming its column; the store knows how
  to bucket the computed ones (``day``, ``hour``, ``country``, ``channel``).
* :func:`spreadsheet_safe`: the CSV cell rule that stops a spreadsheet reading a cell as a formula.

Exports never hold a code or a secret: the history stores neither, and every column here reads a
field of ``HistoryEntry``, which has neither.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import PurePath
from typing import Final, TypeVar

from desktop_app.domain.audit import ActionEntry
from desktop_app.domain.errors import StoreError
from desktop_app.domain.models import HistoryEntry, VerificationStatus
from desktop_app.domain.redact import redact_numbers

__all__ = [
    "ACTION_EXPORT_COLUMNS",
    "BREAKDOWNS",
    "EXPORT_COLUMNS",
    "FORMULA_PREFIXES",
    "Breakdown",
    "ExportColumn",
    "ExportFileError",
    "ExportFormat",
    "ExportProgress",
    "ExportSummary",
    "HistoryFilter",
    "action_record",
    "actions_path",
    "breakdown",
    "export_record",
    "iso_utc",
    "mask_number",
    "spreadsheet_safe",
]

#: A cell starting with one of these is read as a formula (or its start) by spreadsheets:
#: ``=``, ``+``, ``-``, ``@``, and the tab, CR and LF a spreadsheet may trim before reading it.
FORMULA_PREFIXES: Final = ("=", "+", "-", "@", "\t", "\r", "\n")


class ExportFileError(StoreError):
    """The export file cannot be written (the folder, its permissions, the disk)."""

    meaning = "The export file cannot be written."
    next_step = "Choose another folder, or free disk space, and export again."


class ExportFormat(enum.StrEnum):
    """The export file formats."""

    CSV = "csv"
    JSONL = "jsonl"


@dataclass(frozen=True)
class HistoryFilter:
    """Which history rows a report covers (every field optional: None means "any").

    Attributes:
        since: Only requests created at or after this moment (aware; naive means UTC).
        until: Only requests created before this moment.
        status: Only this status.
        profile: Only this profile.
        text: A substring of the number, request id or brand (as the Recent requests filter);
            a typed phone number (``"+44 7700-900"``) is matched as its digits.
    """

    since: datetime | None = None
    until: datetime | None = None
    status: VerificationStatus | None = None
    profile: str | None = None
    text: str = ""


@dataclass(frozen=True)
class ExportProgress:
    """How far an export is: ``done`` rows written of ``total`` (None while still counting)."""

    done: int = 0
    total: int | None = None


@dataclass(frozen=True)
class ExportSummary:
    """A finished export: how many rows went where, in which format.

    ``actions`` and ``actions_path``: the audit trail's companion file, when one was written.
    """

    rows: int
    path: str
    format: ExportFormat
    masked: bool
    actions: int = 0
    actions_path: str | None = None


def iso_utc(moment: datetime | None) -> str | None:
    """``2026-11-28T10:15:03.120Z``: UTC, milliseconds; None stays None."""
    if moment is None:
        return None
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def mask_number(number: str) -> str:
    """All but the last four digits hidden (``447700900123`` -> ``***0123``), as in the logs."""
    masked = redact_numbers(number)
    if masked == number and len(number) > 4:
        # Shorter than the log rule's 7 digits (a test number, a short code): still hide it.
        return f"***{number[-4:]}"
    return masked


#: A cell value as it goes into a file: text, a whole number, a decimal or nothing.
Cell = str | int | Decimal | None


@dataclass(frozen=True)
class ExportColumn:
    """One column of an export.

    Attributes:
        name: The header (CSV) and key (JSON Lines); documented in docs/export.md.
        value: Reads the column from a history row.
        masked: ``"number"`` masks the value as a phone number, ``"text"`` masks any number
            inside it (free text), ``""`` leaves it (ids, times, counts, prices).
    """

    name: str
    value: Callable[[HistoryEntry], Cell]
    masked: str = ""


EXPORT_COLUMNS: Final[tuple[ExportColumn, ...]] = (
    ExportColumn("id", lambda e: e.id),
    ExportColumn("created_at", lambda e: iso_utc(e.created_at)),
    ExportColumn("profile", lambda e: e.profile),
    ExportColumn("operator", lambda e: e.operator),
    ExportColumn("host", lambda e: e.host),
    ExportColumn("api_version", lambda e: e.api_version),
    ExportColumn("kind", lambda e: e.kind),
    ExportColumn("number", lambda e: e.number, masked="number"),
    ExportColumn("brand", lambda e: e.brand, masked="text"),
    ExportColumn("workflow_id", lambda e: e.workflow_id),
    ExportColumn("channels", lambda e: e.channels),
    ExportColumn("request_id", lambda e: e.request_id),
    ExportColumn("status", lambda e: e.status.value),
    ExportColumn("finalized_at", lambda e: iso_utc(e.finalized_at)),
    ExportColumn("updated_at", lambda e: iso_utc(e.updated_at)),
    ExportColumn("price", lambda e: e.price),
    ExportColumn("currency", lambda e: e.currency),
    ExportColumn("checks_count", lambda e: e.checks_count),
    ExportColumn("last_check_outcome", lambda e: e.last_check_outcome, masked="text"),
    ExportColumn("last_error", lambda e: e.last_error, masked="text"),
    ExportColumn("code_length", lambda e: e.code_length),
    ExportColumn("pin_expiry", lambda e: e.pin_expiry),
    ExportColumn("next_event_wait", lambda e: e.next_event_wait),
)


def export_record(
    entry: HistoryEntry, *, mask: bool, columns: tuple[ExportColumn, ...] = EXPORT_COLUMNS
) -> list[Cell]:
    """The row's cells in column order; with ``mask`` numbers keep only their last 4 digits."""
    cells: list[Cell] = []
    for column in columns:
        value = column.value(entry)
        if mask and isinstance(value, str) and value:
            if column.masked == "number":
                value = mask_number(value)
            elif column.masked == "text":
                value = redact_numbers(value)
        cells.append(value)
    return cells


#: The audit trail's companion file: one row per action on the exported requests, in the
#: requests' order, each request's actions oldest first (docs/export.md, "Audit trail").
ACTION_EXPORT_COLUMNS: Final[tuple[tuple[str, Callable[[ActionEntry], Cell]], ...]] = (
    ("history_id", lambda a: a.history_id),
    ("request_id", lambda a: a.request_id),
    ("at", lambda a: iso_utc(a.at)),
    ("action", lambda a: a.kind),
    ("outcome", lambda a: a.outcome),
    ("user", lambda a: a.user),
    ("host", lambda a: a.host),
    ("profile", lambda a: a.profile),
)


def action_record(action: ActionEntry) -> list[Cell]:
    """An action's cells in :data:`ACTION_EXPORT_COLUMNS` order (nothing in them is masked)."""
    return [value(action) for _, value in ACTION_EXPORT_COLUMNS]


_P = TypeVar("_P", bound=PurePath)


def actions_path(path: _P) -> _P:
    """The audit trail's companion of an export file: ``history.csv`` -> ``history.actions.csv``."""
    return path.with_name(f"{path.stem}.actions{path.suffix}")


def spreadsheet_safe(text: str) -> str:
    """Prefix ``'`` to a cell a spreadsheet would read as a formula (``=HYPERLINK(...)``)."""
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


@dataclass(frozen=True)
class Breakdown:
    """One analytics dimension ("by day", "by country", ...).

    Attributes:
        name: The key (``"country"``), used by the store, the CLI and saved choices.
        title: What the page's picker shows.
        column: For a plain dimension, the ``requests`` column grouped on; empty for the ones
            the store computes (``day``, ``hour``, ``country``, ``channel``).
        timeline: True for the time buckets (their groups are drawn in time order, gaps kept).
    """

    name: str
    title: str
    column: str = ""
    timeline: bool = False


BREAKDOWNS: Final[tuple[Breakdown, ...]] = (
    Breakdown("day", "Day", timeline=True),
    Breakdown("hour", "Hour", timeline=True),
    Breakdown("country", "Country"),
    Breakdown("channel", "Channel / workflow"),
    Breakdown("api", "API version", column="api_version"),
    Breakdown("profile", "Profile", column="profile"),
    Breakdown("operator", "Operator", column="operator"),
)


def breakdown(name: str) -> Breakdown:
    """The breakdown called ``name``.

    Raises:
        KeyError: No such breakdown.
    """
    for item in BREAKDOWNS:
        if item.name == name:
            return item
    raise KeyError(f"unknown breakdown {name!r} (one of: {', '.join(b.name for b in BREAKDOWNS)})")
