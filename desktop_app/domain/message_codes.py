"""Codes by message: a one-time code made here, sent by a Messages channel, checked here.

Verify sends its own codes by SMS, voice, email and WhatsApp. For the channels it lacks (Viber,
Messenger), and for WhatsApp authentication templates, the app makes the code itself, sends it
in a message and checks it locally with Verify's rules:

* the code is ``code_length`` decimal digits (4 to 10, default 6) from the operating system's
  CSPRNG (:mod:`secrets`);
* it lives ``expiry`` seconds (60 to 3600, default 300, as Verify v1's ``pin_expiry``); a
  check after that finds the request EXPIRED;
* the third wrong code ends it as FAILED (Verify's ``MAX_WRONG_CODES``);
* one live code per number: a second send is refused like Verify's status 10, naming the live
  message's id.

Only a salted hash of the code is kept (:func:`code_digest`: scrypt with a random 16-byte salt
per code, compared in constant time) with its expiry; the code itself is in no file, log or
history row, and the hash is wiped once the code has ended.

The form, its template and the message carrying the code are in
:mod:`desktop_app.domain.message_code_form`.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Final

from desktop_app.domain.models import VerificationStatus
from desktop_app.domain.workflows import MAX_WRONG_CODES

__all__ = [
    "CHECK_OUTCOME",
    "CODE_ENDING",
    "CODE_LENGTH_RANGE",
    "MAX_WRONG_CODES",
    "CodeVerdict",
    "StoredCode",
    "code_digest",
    "codes_match",
    "judge",
    "make_code",
    "new_salt",
]

CODE_LENGTH_RANGE: Final = (4, 10)
SALT_BYTES: Final = 16
#: scrypt cost: about 80 ms per hash here, so guessing even a 4-digit code offline takes
#: minutes, while the code itself lives only minutes and its hash is wiped when it ends.
_SCRYPT_N: Final = 2**14
_SCRYPT_R: Final = 8


# -- the code -------------------------------------------------------------------------------


def make_code(length: int, randbelow: Callable[[int], int] = secrets.randbelow) -> str:
    """``length`` decimal digits from the CSPRNG (leading zeros kept)."""
    low, high = CODE_LENGTH_RANGE
    if not low <= length <= high:
        raise ValueError(f"code length must be from {low} to {high}")
    return "".join(str(randbelow(10)) for _ in range(length))


def new_salt() -> bytes:
    """A fresh random salt for one code."""
    return secrets.token_bytes(SALT_BYTES)


def code_digest(code: str, salt: bytes) -> bytes:
    """The salted hash of ``code`` (scrypt), the only form in which a code is stored."""
    return hashlib.scrypt(
        code.strip().encode("ascii", "replace"), salt=salt, n=_SCRYPT_N, r=_SCRYPT_R, p=1,
        dklen=32,
    )  # fmt: skip


def codes_match(candidate: bytes, stored: bytes) -> bool:
    """Constant-time comparison of two digests (an empty stored digest never matches)."""
    return bool(stored) and hmac.compare_digest(candidate, stored)


# -- checking -------------------------------------------------------------------------------


class CodeVerdict(StrEnum):
    """What checking a code against a stored one decided."""

    VALID = "valid"
    #: Wrong, with attempts left.
    WRONG = "wrong"
    #: The third wrong code: the code is FAILED.
    TOO_MANY = "too many"
    #: Past its expiry: the code is EXPIRED (the attempt does not count).
    EXPIRED = "expired"
    #: Already ended (verified, failed, expired, cancelled, never delivered).
    ENDED = "ended"


@dataclass(frozen=True)
class StoredCode:
    """A code as the store keeps it: its salted hash, never the code.

    Attributes:
        id: The store's id.
        profile: The profile that sent it.
        number: The recipient.
        message_uuid: The message that carried it (None until the API accepted it).
        history_id: Its history row.
        salt: The per-code salt (empty once ended).
        digest: ``code_digest(code, salt)`` (empty once ended).
        expires_at: When it stops being accepted (UTC).
        wrong_codes: Wrong codes entered so far.
        ended: ``""`` while live, else how it ended (a ``VerificationStatus`` value).
    """

    id: int
    profile: str
    number: str
    message_uuid: str | None
    history_id: int | None
    salt: bytes = field(repr=False)
    digest: bytes = field(repr=False)
    expires_at: datetime
    wrong_codes: int = 0
    ended: str = ""

    def live_at(self, now: datetime) -> bool:
        """True while the code may still be checked at ``now``."""
        return not self.ended and now < self.expires_at


#: The history's ``last_check_outcome`` for each verdict (the words Verify's checks write).
CHECK_OUTCOME: Mapping[CodeVerdict, str] = {
    CodeVerdict.VALID: "VALID",
    CodeVerdict.WRONG: "INVALID",
    CodeVerdict.TOO_MANY: "TOO MANY",
    CodeVerdict.EXPIRED: "NOT FOUND",
    CodeVerdict.ENDED: "NOT FOUND",
}
#: How each verdict ends the code (and its row), if it does.
CODE_ENDING: Mapping[CodeVerdict, VerificationStatus] = {
    CodeVerdict.VALID: VerificationStatus.SUCCESS,
    CodeVerdict.TOO_MANY: VerificationStatus.FAILED,
    CodeVerdict.EXPIRED: VerificationStatus.EXPIRED,
}


def judge(code: StoredCode, matches: bool, now: datetime) -> CodeVerdict:
    """Verify's rules for one check of a stored code.

    Args:
        code: The stored code, as read in the same transaction that applies the verdict.
        matches: Whether the candidate's digest equals the stored one.
        now: The check's time.
    """
    if code.ended:
        return CodeVerdict.ENDED
    if now >= code.expires_at:
        return CodeVerdict.EXPIRED
    if matches:
        return CodeVerdict.VALID
    if code.wrong_codes + 1 >= MAX_WRONG_CODES:
        return CodeVerdict.TOO_MANY
    return CodeVerdict.WRONG
