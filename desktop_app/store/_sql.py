"""SQL fragments and row mappers behind ``HistoryStore``."""

from __future__ import annotations

from dataclasses import fields
from datetime import datetime
from decimal import Decimal
from typing import Any, Final

from desktop_app.domain.history_query import RecentQuery
from desktop_app.domain.history_writes import NewRequest, RequestChanges
from desktop_app.domain.models import CallEntry, HistoryEntry, VerificationStatus
from desktop_app.store._connection import from_micros, to_micros
from desktop_app.store.backend import Dialect
from desktop_app.store.pg_schema import SEARCH_EXPR

REQUEST_COLUMNS: Final = (
    "id, profile, operator, api_version, kind, number, brand, workflow_id, request_id, status,"
    " created_at, updated_at, finalized_at, price, currency, checks_count, last_check_outcome,"
    " last_error, code_length, pin_expiry, next_event_wait, channels, message_type, client_ref,"
    " delivery_status, delivery_leg, delivery_tracked, error_code, error_title, host"
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
        channels=row[21] or "", message_type=row[22], client_ref=row[23],
        delivery_status=row[24], delivery_leg=row[25], delivery_tracked=bool(row[26]),
        error_code=row[27], error_title=row[28], host=row[29],
    )  # fmt: skip


def call(row: tuple[Any, ...]) -> CallEntry:
    return CallEntry(
        id=row[0], profile=row[1], operator=row[2], operation=row[3], request_id=row[4],
        started_at=from_micros(row[5]),
        finished_at=None if row[6] is None else from_micros(row[6]),
        outcome=row[7], api_status=row[8], error_text=row[9],
    )  # fmt: skip


def search_text(text: str) -> str:
    """Trim a search; a typed phone number (``"+44 7700-900"``) becomes its digits.

    A NUL becomes U+FFFD: SQLite's full-text query parser reads a NUL as the end of the query
    ("unterminated string"), and no stored field holds either, so such a search finds nothing.
    """
    text = text.strip().replace("\x00", "\ufffd")
    digits = "".join(ch for ch in text if ch not in "+ -().")
    return digits if digits.isdigit() and text[:1] in "+0123456789(" else text


def _escaped(term: str) -> str:
    """``term`` with ``LIKE``'s wildcards (and the escape character) escaped."""
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


#: The audit side of a text search: the operator or the host *starts with* the term (any
#: case). A prefix, not a substring: a number fragment typed in the filter must not match every
#: row of a host whose name holds those digits; and a prefix ``LIKE`` walks the NOCASE indexes
#: (``ix_requests_operator``, ``ix_requests_host``) instead of scanning.
WHO_SQL: Final = "(operator LIKE ? ESCAPE '\\' OR host LIKE ? ESCAPE '\\')"


def who_args(term: str) -> list[object]:
    """The arguments of :data:`WHO_SQL` for ``term``."""
    return [_escaped(term) + "%"] * 2


def fts_clause(term: str) -> tuple[str, list[object]]:
    """Substring match through the trigram index (``term`` needs three characters)."""
    phrase = '"' + term.replace('"', '""') + '"'
    return "id IN (SELECT rowid FROM requests_fts WHERE requests_fts MATCH ?)", [phrase]


#: PostgreSQL's audit side of a text search: the operator or host *starts with* the term, any
#: case, through the ``lower(...) text_pattern_ops`` indexes (``pg_schema``).
PG_WHO_SQL: Final = "(lower(operator) LIKE ? ESCAPE '\\' OR lower(host) LIKE ? ESCAPE '\\')"


def trigram_clause(term: str) -> tuple[str, list[object]]:
    """PostgreSQL's history filter, through its indexes.

    ``ILIKE`` on the expression the ``pg_trgm`` index covers (number, request id, brand), or who
    (:data:`PG_WHO_SQL`).
    """
    who = [_escaped(term.lower()) + "%"] * 2
    sql = f"({SEARCH_EXPR} ILIKE ? ESCAPE '\\' OR {PG_WHO_SQL})"
    return sql, ["%" + _escaped(term) + "%", *who]


def text_clause(term: str) -> tuple[str, list[object]]:
    """The history filter through the indexes: a substring of number, id or brand, or who."""
    sql, args = fts_clause(term)
    return f"({sql} OR {WHO_SQL})", [*args, *who_args(term)]


def like_clause(term: str) -> tuple[str, list[object]]:
    """The history filter by scanning: a substring of number, id or brand, or who (``LIKE``)."""
    pattern = "%" + _escaped(term) + "%"
    sql = ("(number LIKE ? ESCAPE '\\' OR request_id LIKE ? ESCAPE '\\'"
           f" OR brand LIKE ? ESCAPE '\\' OR {WHO_SQL[1:-1]})")  # fmt: skip
    return sql, [pattern] * 3 + who_args(term)


def narrowing(query: RecentQuery) -> tuple[list[str], list[object]]:
    """The ``WHERE`` terms (and arguments) of ``query``'s profile and status."""
    where: list[str] = []
    args: list[object] = []
    if query.profile is not None:
        where.append("profile = ?")
        args.append(query.profile)
    if query.status is not None:
        where.append("status = ?")
        args.append(str(query.status))
    return where, args


def filters(query: RecentQuery, dialect: Dialect = "sqlite") -> tuple[list[str], list[object]]:
    """Build the ``WHERE`` terms (and arguments) of ``query``'s filters, for ``count``."""
    where, args = narrowing(query)
    term = search_text(query.text)
    if term:
        if dialect == "postgresql":
            sql, extra = trigram_clause(term)
        else:
            sql, extra = text_clause(term) if len(term) >= 3 else like_clause(term)
        where.append(sql)
        args.extend(extra)
    return where, args


#: The columns a new request row is written with: one per ``NewRequest`` field, same names.
_NEW_COLUMNS: Final = tuple(f.name for f in fields(NewRequest))
INSERT_REQUEST: Final = (
    f"INSERT INTO requests ({', '.join(_NEW_COLUMNS)}, status, created_at, updated_at)"
    f" VALUES ({', '.join('?' * (len(_NEW_COLUMNS) + 3))})"
)


#: PostgreSQL's: the same with the row's client-made UUID first (``pg_outbox``).
INSERT_REQUEST_UUID: Final = INSERT_REQUEST.replace("(profile,", "(uuid, profile,", 1).replace(
    "VALUES (", "VALUES (CAST(? AS uuid), ", 1
)


def new_row(new: NewRequest, now: int) -> tuple[object, ...]:
    """The arguments of :data:`INSERT_REQUEST`: the start's fields, ``OUTCOME UNKNOWN``, now."""
    values = tuple(getattr(new, name) for name in _NEW_COLUMNS)
    return (*values, str(VerificationStatus.UNKNOWN), now, now)


def _column_value(value: object) -> object:
    """A ``RequestChanges`` value as SQLite stores it."""
    if isinstance(value, VerificationStatus):
        return str(value)
    if isinstance(value, datetime):
        return to_micros(value)
    if isinstance(value, Decimal):
        return str(value)  # exact: REAL would round prices
    return value


def changes(now: int, change: RequestChanges) -> tuple[str, list[object]]:
    """Build the ``SET`` clause (and its arguments) for the fields that are not ``UNSET``.

    A final status without an explicit ``finalized_at`` stamps it with ``now`` unless set.
    """
    sets = ["updated_at = ?"]
    args: list[object] = [now]
    given = change.given()
    for column, value in given.items():  # each field is the column of the same name
        sets.append(f"{column} = ?")
        args.append(_column_value(value))
    status = change.status
    if isinstance(status, VerificationStatus) and status.is_final and "finalized_at" not in given:
        sets.append("finalized_at = COALESCE(finalized_at, ?)")
        args.append(now)
    return ", ".join(sets), args
