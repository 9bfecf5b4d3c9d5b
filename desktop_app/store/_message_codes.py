"""SQL behind codes sent by message: a salted hash and its expiry per code, never the code.

Each function runs inside one write transaction (``Database.write``) or one read, so a check
reads, judges and records its verdict with no other write in between: two checks of one code
cannot both count as its second wrong attempt. The code's request row changes in the same
transaction. See ``schema._V3`` for the table and :mod:`desktop_app.domain.message_codes` for
the rules.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final

from desktop_app.domain.history_writes import RequestChanges
from desktop_app.domain.message_codes import (
    CHECK_OUTCOME,
    CODE_ENDING,
    CodeVerdict,
    StoredCode,
    codes_match,
    judge,
)
from desktop_app.domain.models import VerificationStatus
from desktop_app.store._connection import from_micros, to_micros
from desktop_app.store._sql import changes
from desktop_app.store.backend import SqlConnection

_CODE_COLUMNS: Final = (
    "id, profile, number, message_uuid, history_id, salt, digest, expires_at, wrong_codes, ended"
)
_IN_PROGRESS: Final = str(VerificationStatus.IN_PROGRESS)


def _code(row: tuple[Any, ...]) -> StoredCode:
    return StoredCode(
        id=row[0], profile=row[1], number=row[2], message_uuid=row[3], history_id=row[4],
        salt=bytes(row[5]), digest=bytes(row[6]), expires_at=from_micros(row[7]),
        wrong_codes=row[8], ended=row[9],
    )  # fmt: skip


def _end_code(
    conn: SqlConnection, code: StoredCode, ending: VerificationStatus, now: datetime
) -> None:
    """End a live code (its hash wiped) and, while it is IN PROGRESS, its row."""
    conn.execute(
        "UPDATE message_codes SET ended = ?, salt = ?, digest = ? WHERE id = ? AND ended = ''",
        (str(ending), b"", b"", code.id),
    )
    if code.history_id is not None:
        sets, args = changes(to_micros(now), RequestChanges(status=ending))
        conn.execute(
            f"UPDATE requests SET {sets} WHERE id = ? AND status = ?",
            [*args, code.history_id, _IN_PROGRESS],
        )


def reserve_code(
    conn: SqlConnection,
    *,
    profile: str,
    number: str,
    salt: bytes,
    digest: bytes,
    expires_at: datetime,
    now: datetime,
) -> tuple[int, StoredCode | None]:
    """Store a new code for ``number``, unless a live one exists.

    A live code that has expired is ended (EXPIRED) first.

    Returns:
        ``(new id, None)``, or ``(0, the live code)`` when one is still live.
    """
    row = conn.execute(
        f"SELECT {_CODE_COLUMNS} FROM message_codes WHERE profile = ? AND number = ?"
        " AND ended = ''",
        (profile, number),
    ).fetchone()
    if row is not None:
        live = _code(row)
        if live.live_at(now):
            return 0, live
        _end_code(conn, live, VerificationStatus.EXPIRED, now)
    cursor = conn.execute(
        "INSERT INTO message_codes (profile, number, salt, digest, created_at, expires_at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (profile, number, salt, digest, to_micros(now), to_micros(expires_at)),
    )
    return int(cursor.lastrowid or 0), None


def attach_code(
    conn: SqlConnection,
    code_id: int,
    *,
    history_id: int | None = None,
    message_uuid: str | None = None,
) -> None:
    """Record the code's history row and (once accepted) the message that carries it."""
    conn.execute(
        "UPDATE message_codes SET history_id = COALESCE(?, history_id),"
        " message_uuid = COALESCE(?, message_uuid) WHERE id = ?",
        (history_id, message_uuid, code_id),
    )


def end_code(
    conn: SqlConnection, code_id: int, ending: VerificationStatus, now: datetime
) -> bool:
    """End a live code by id (its row too, while IN PROGRESS); False when it was not live."""
    row = conn.execute(
        f"SELECT {_CODE_COLUMNS} FROM message_codes WHERE id = ? AND ended = ''", (code_id,)
    ).fetchone()
    if row is None:
        return False
    _end_code(conn, _code(row), ending, now)
    return True


def find_code(conn: SqlConnection, message_uuid: str) -> StoredCode | None:
    """The code a message carried, live or ended, or None."""
    row = conn.execute(
        f"SELECT {_CODE_COLUMNS} FROM message_codes WHERE message_uuid = ?", (message_uuid,)
    ).fetchone()
    return None if row is None else _code(row)


def settle_check(
    conn: SqlConnection, code_id: int, candidate: bytes, now: datetime
) -> tuple[CodeVerdict, StoredCode]:
    """Judge one check of a code and record it on the code and its row.

    Args:
        conn: In a write transaction.
        code_id: The code.
        candidate: ``code_digest(entered code, the code's salt)``, computed outside the lock.
        now: The check's time.

    Returns:
        The verdict and the code as it was before the check.

    Raises:
        KeyError: No code has this id.
    """
    row = conn.execute(
        f"SELECT {_CODE_COLUMNS} FROM message_codes WHERE id = ?", (code_id,)
    ).fetchone()
    if row is None:
        raise KeyError(f"no code with id {code_id}")
    code = _code(row)
    verdict = judge(code, codes_match(candidate, code.digest), now)
    if verdict in (CodeVerdict.WRONG, CodeVerdict.TOO_MANY):
        conn.execute(
            "UPDATE message_codes SET wrong_codes = wrong_codes + 1 WHERE id = ?", (code.id,)
        )
    ending = CODE_ENDING.get(verdict)
    if ending is not None:
        _end_code(conn, code, ending, now)
    if code.history_id is not None:
        sets, args = changes(to_micros(now), RequestChanges())
        conn.execute(
            "UPDATE requests SET checks_count = checks_count + 1, last_check_outcome = ?,"
            f" {sets} WHERE id = ?",
            [CHECK_OUTCOME[verdict], *args, code.history_id],
        )
    return verdict, code
