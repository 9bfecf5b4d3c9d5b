"""SQL fragments, row mappers and the ``UNSET`` sentinel behind ``HistoryStore``."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal
from typing import Any, Final

from desktop_app.domain.models import CallEntry, HistoryEntry, VerificationStatus
from desktop_app.store._connection import from_micros, to_micros


class _Unset(enum.Enum):
    """The type of ``UNSET``."""

    UNSET = enum.auto()


#: "Leave this field as it is" for ``update_request`` (``None`` means "store NULL").
UNSET: Final = _Unset.UNSET

REQUEST_COLUMNS: Final = (
    "id, profile, operator, api_version, kind, number, brand, workflow_id, request_id, status,"
    " created_at, updated_at, finalized_at, price, currency, checks_count, last_check_outcome,"
    " last_error, code_length, pin_expiry, next_event_wait, channels"
)
CALL_COLUMNS: Final = (
    "id, profile, operator, operation, request_id, started_at, finished_at, outcome,"
    " api_status, error_text"
)


def entry(row: tuple[Any, ...]) -> HistoryEntry:
    return HistoryEntry(
        id=row[0], profile=row[1], operator=row[2], api_version=row[3], kind=row[4],
        number=row[5], brand=row[6], workflow_id=row[7], request_id=row[8],
        status=VerificationStatus(row[9]), created_at=from_micros(row[10]),
        updated_at=from_micros(row[11]),
        finalized_at=None if row[12] is None else from_micros(row[12]),
        price=None if row[13] is None else Decimal(row[13]), currency=row[14],
        checks_count=row[15], last_check_outcome=row[16], last_error=row[17],
        code_length=row[18], pin_expiry=row[19], next_event_wait=row[20],
        channels=row[21] or "",
    )  # fmt: skip


def call(row: tuple[Any, ...]) -> CallEntry:
    return CallEntry(
        id=row[0], profile=row[1], operator=row[2], operation=row[3], request_id=row[4],
        started_at=from_micros(row[5]),
        finished_at=None if row[6] is None else from_micros(row[6]),
        outcome=row[7], api_status=row[8], error_text=row[9],
    )  # fmt: skip


def search_text(text: str) -> str:
    """Trim a search; a typed phone number (``"+44 7700-900"``) becomes its digits."""
    text = text.strip()
    digits = "".join(ch for ch in text if ch not in "+ -().")
    return digits if digits.isdigit() and text[:1] in "+0123456789(" else text


def fts_clause(term: str) -> tuple[str, list[object]]:
    """Substring match through the trigram index (``term`` needs three characters)."""
    phrase = '"' + term.replace('"', '""') + '"'
    return "id IN (SELECT rowid FROM requests_fts WHERE requests_fts MATCH ?)", [phrase]


def like_clause(term: str) -> tuple[str, list[object]]:
    """Substring match by scanning (ASCII case-insensitive ``LIKE``)."""
    pattern = "%" + term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    sql = ("(number LIKE ? ESCAPE '\\' OR request_id LIKE ? ESCAPE '\\'"
           " OR brand LIKE ? ESCAPE '\\')")  # fmt: skip
    return sql, [pattern] * 3


def filters(
    text: str, status: VerificationStatus | None, profile: str | None
) -> tuple[list[str], list[object]]:
    """Build the ``WHERE`` terms (and arguments) shared by ``recent`` and ``count``."""
    where: list[str] = []
    args: list[object] = []
    if profile is not None:
        where.append("profile = ?")
        args.append(profile)
    if status is not None:
        where.append("status = ?")
        args.append(str(status))
    term = search_text(text)
    if term:
        sql, extra = fts_clause(term) if len(term) >= 3 else like_clause(term)
        where.append(sql)
        args.extend(extra)
    return where, args


def changes(
    now: int,
    *,
    request_id: str | _Unset | None = UNSET,
    status: VerificationStatus | _Unset = UNSET,
    finalized_at: datetime | _Unset | None = UNSET,
    price: Decimal | _Unset | None = UNSET,
    currency: str | _Unset = UNSET,
    last_error: str | _Unset = UNSET,
) -> tuple[str, list[object]]:
    """Build the ``SET`` clause (and its arguments) for the fields that are not ``UNSET``.

    A final status without an explicit ``finalized_at`` stamps it with ``now`` unless set.
    """
    sets = ["updated_at = ?"]
    args: list[object] = [now]
    if not isinstance(request_id, _Unset):
        sets.append("request_id = ?")
        args.append(request_id)
    if not isinstance(status, _Unset):
        sets.append("status = ?")
        args.append(str(status))
        if status.is_final and isinstance(finalized_at, _Unset):
            sets.append("finalized_at = COALESCE(finalized_at, ?)")
            args.append(now)
    if not isinstance(finalized_at, _Unset):
        sets.append("finalized_at = ?")
        args.append(None if finalized_at is None else to_micros(finalized_at))
    if not isinstance(price, _Unset):
        sets.append("price = ?")
        args.append(None if price is None else str(price))
    if not isinstance(currency, _Unset):
        sets.append("currency = ?")
        args.append(currency)
    if not isinstance(last_error, _Unset):
        sets.append("last_error = ?")
        args.append(last_error)
    return ", ".join(sets), args
