"""The one scrubber for anything that may be shown, logged or stored: secrets and phone numbers.

Every place where text leaves the process (CLI output, log records, history rows, error
messages built from server text) goes through these functions; there is no other copy.

* :func:`mask_number` cuts one phone number to its last 4 digits (``"***0123"``), and
  :func:`mask_request_id` an id to its two ends (``"8049…ef02"``): the window's presenter
  mode shows every number and id through them, the log through :func:`redact_numbers`.
* :func:`redact_numbers` keeps only the last 4 digits of every phone-number-like run: 7 to 15
  digits standing alone (not part of a longer word such as a 32-hex request id), or a ``+``
  followed by 7 to 15 digits with optional single spaces, hyphens or dots between them
  (``+44 7700-900123``). ``"447700900123"`` becomes ``"***0123"`` and ``"+44 7700 900123"``
  becomes ``"+***0123"``. Any script's decimal digits count (``"٤٤٧٧٠٠٩٠٠١٢٣"``).
* :func:`redact_secret` removes a secret however a server may echo it: as sent, in any letter
  case, form- or percent-encoded (hex digits in either case), and inside a base64 token that
  decodes to text holding it, which is how an echoed ``Authorization: Basic
  base64(key:secret)`` header looks.
* :func:`redact_pairs` masks the value of ``api_secret=``, ``secret:``, ``password=``,
  ``pin_code=`` and ``code=`` pairs, so a secret or a PIN nobody registered still never reaches a
  log (``code=1234`` becomes ``code=***``).

No I/O and no logging here; :mod:`desktop_app.usecases.logging_setup` applies these to records.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterable
from typing import Final
from urllib.parse import quote, quote_plus

__all__ = [
    "ID_ELLIPSIS",
    "MIN_SECRET_LENGTH",
    "NUMBER_MASK",
    "SECRET_MASK",
    "mask_number",
    "mask_request_id",
    "redact",
    "redact_numbers",
    "redact_pairs",
    "redact_secret",
    "redact_secrets",
]

#: What replaces all but the last four digits of a number.
NUMBER_MASK: Final = "***"
#: Digits of a number left visible by :func:`mask_number`.
NUMBER_TAIL: Final = 4
#: Characters kept at each end of a request id by :func:`mask_request_id`.
ID_END: Final = 4
#: What stands for the middle of a shortened request id.
ID_ELLIPSIS: Final = "…"
#: What replaces a secret.
SECRET_MASK: Final = "[secret]"
#: Secrets shorter than this are not masked (masking "a" would shred every message).
MIN_SECRET_LENGTH: Final = 4

# A ``+`` then 7-15 digits, single separators allowed between digits; or a bare 7-15 digit run.
# Neither may touch a letter, digit or underscore on either side (ids, hex, longer runs).
_PLUS_NUMBER: Final = r"\+\d(?:[ .\-]?\d){6,14}"
_BARE_NUMBER: Final = r"\d{7,15}"
_NUMBER: Final = re.compile(rf"(?<![\w+])(?:{_PLUS_NUMBER}|{_BARE_NUMBER})(?!\w)")

_PAIRS: Final = re.compile(
    r"(?i)\b(api_secret|secret|password|pin_code|code)(\s*[=:]\s*)([^\s&,;'\"]+)"
)
# Standard or URL-safe base64, padding optional: at least 8 characters ("k:abcd" encoded).
_BASE64_TOKEN: Final = re.compile(r"[A-Za-z0-9+/_-]{8,}={0,2}")


def redact_pairs(text: str) -> str:
    """Return ``text`` with the values of secret- or code-named ``key=value`` pairs masked."""
    return _PAIRS.sub(lambda m: f"{m.group(1)}{m.group(2)}{NUMBER_MASK}", text)


def mask_number(number: str, *, mask: str = NUMBER_MASK) -> str:
    """One phone number cut to its last four digits: ``"+44 7700 900123"`` -> ``"+***0123"``.

    Args:
        number: A number as stored or shown (E.164 digits, spaces or separators allowed).
        mask: What stands for the digits removed.

    Returns:
        The ``+`` (when the number has one), ``mask`` and the last four digits. Text without
        digits (a v2 email address) is returned unchanged; a number of four digits or fewer
        is masked whole but for its last digit, so no short number is ever shown in full.
    """
    digits = [c for c in number if c.isdigit()]
    if not digits:
        return number
    plus = "+" if number.lstrip().startswith("+") else ""
    keep = NUMBER_TAIL if len(digits) > NUMBER_TAIL else 1
    return f"{plus}{mask}{''.join(digits[-keep:])}"


def mask_request_id(request_id: str) -> str:
    """A request id cut to its ends: ``"8049…ef02"`` (an id this short or shorter: unchanged)."""
    if len(request_id) <= 2 * ID_END + len(ID_ELLIPSIS):
        return request_id
    return f"{request_id[:ID_END]}{ID_ELLIPSIS}{request_id[-ID_END:]}"


def redact_numbers(text: str, *, mask: str = NUMBER_MASK) -> str:
    """Return ``text`` with every phone-number-like run cut to its last 4 digits.

    Args:
        text: Any text (a log message, a traceback).
        mask: What stands for the digits removed.

    Returns:
        The text with ``+`` kept, the digits but the last four replaced by ``mask``.
    """
    return _NUMBER.sub(lambda match: mask_number(match.group(0), mask=mask), text)


def _spellings(secret: str) -> list[str]:
    """The secret as sent and as a server may echo it, longest first."""
    # surrogatepass: a secret holding a lone surrogate must still be masked, never crash a log.
    utf8 = secret.encode("utf-8", errors="surrogatepass")
    found = {
        secret,
        secret.upper(),
        secret.lower(),
        quote_plus(secret, errors="surrogatepass"),
        quote(secret, safe="", errors="surrogatepass"),
        quote(secret, errors="surrogatepass"),
        "".join(f"%{byte:02X}" for byte in utf8),  # every byte escaped
    }
    return sorted(found, key=len, reverse=True)


def _decodes_to_secret(token: str, needle: str) -> bool:
    """True when ``token`` (at any of the 4 alignments) is base64 of text holding ``needle``."""
    body = token.rstrip("=")
    for start in range(4):
        part = body[start:]
        if len(part) % 4 == 1:  # never valid base64: drop the stray last character
            part = part[:-1]
        if len(part) < 4:
            return False
        padded = part + "=" * (-len(part) % 4)
        for altchars in (b"+/", b"-_"):
            try:
                raw = base64.b64decode(padded, altchars=altchars, validate=True)
            except (binascii.Error, ValueError):
                continue
            if needle in raw.decode("utf-8", errors="replace").casefold():
                return True
    return False


def redact_secret(text: str, secret: str) -> str:
    """Return ``text`` with every spelling of ``secret`` replaced by :data:`SECRET_MASK`.

    Matched: the secret in any letter case; its form (``+``) and percent encodings with the
    hex digits in either case; any base64 token that decodes to text holding the secret (an
    echoed ``Basic`` header). A secret shorter than :data:`MIN_SECRET_LENGTH` is ignored.

    Args:
        text: Untrusted or outgoing text (a server's ``error_text``, a log line, a traceback).
        secret: The API secret; empty or short leaves ``text`` unchanged.
    """
    if len(secret) < MIN_SECRET_LENGTH or not text:
        return text
    pattern = "|".join(re.escape(spelling) for spelling in _spellings(secret))
    text = re.sub(pattern, SECRET_MASK, text, flags=re.IGNORECASE)
    needle = secret.casefold()
    return _BASE64_TOKEN.sub(
        lambda m: SECRET_MASK if _decodes_to_secret(m.group(0), needle) else m.group(0), text
    )


def redact_secrets(text: str, secrets: Iterable[str]) -> str:
    """:func:`redact_secret` for each of ``secrets``, longest first."""
    for secret in sorted({s for s in secrets if s}, key=len, reverse=True):
        text = redact_secret(text, secret)
    return text


def redact(text: str, secrets: Iterable[str] = (), *, numbers: bool = True) -> str:
    """Mask every secret, then secret- or code-named pairs, then (by default) phone numbers."""
    text = redact_pairs(redact_secrets(text, secrets))
    return redact_numbers(text) if numbers else text
