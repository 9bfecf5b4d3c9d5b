"""Pure text redaction for anything that may reach a log file: phone numbers and secrets.

* :func:`redact_numbers` keeps only the last 4 digits of every phone-number-like run: 7 to 15
  digits standing alone (not part of a longer word such as a 32-hex request id), or a ``+``
  followed by 7 to 15 digits with optional single spaces, hyphens or dots between them
  (``+44 7700-900123``). ``"447700900123"`` becomes ``"***0123"`` and ``"+44 7700 900123"``
  becomes ``"+***0123"``. Any script's decimal digits count (``"٤٤٧٧٠٠٩٠٠١٢٣"``).
* :func:`redact_secret` removes a secret and its URL-encoded spellings.
* :func:`redact_pairs` masks the value of ``api_secret=``, ``secret:``, ``password=``,
  ``pin_code=`` and ``code=`` pairs, so a secret or a PIN nobody registered still never reaches a
  log (``code=1234`` becomes ``code=***``).

No I/O and no logging here; :mod:`desktop_app.usecases.logging_setup` applies these to records.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Final
from urllib.parse import quote, quote_plus

__all__ = [
    "NUMBER_MASK", "SECRET_MASK", "redact", "redact_numbers", "redact_pairs", "redact_secret",
]

#: What replaces all but the last four digits of a number.
NUMBER_MASK: Final = "***"
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


def redact_pairs(text: str) -> str:
    """Return ``text`` with the values of secret- or code-named ``key=value`` pairs masked."""
    return _PAIRS.sub(lambda m: f"{m.group(1)}{m.group(2)}{NUMBER_MASK}", text)


def _keep_last_four(match: re.Match[str]) -> str:
    text = match.group(0)
    digits = [c for c in text if c.isdigit()]
    plus = "+" if text.startswith("+") else ""
    return f"{plus}{NUMBER_MASK}{''.join(digits[-4:])}"


def redact_numbers(text: str) -> str:
    """Return ``text`` with every phone-number-like run cut to its last 4 digits.

    Args:
        text: Any text (a log message, a traceback).

    Returns:
        The text with ``+`` kept, the digits but the last four replaced by ``***``.
    """
    return _NUMBER.sub(_keep_last_four, text)


def redact_secret(text: str, secret: str) -> str:
    """Return ``text`` with ``secret`` (raw, form-encoded, percent-encoded) replaced.

    Matching is case-insensitive, so a server that upper-cases an echo is masked too. A secret
    shorter than :data:`MIN_SECRET_LENGTH` characters is ignored.
    """
    if len(secret) < MIN_SECRET_LENGTH or not text:
        return text
    # surrogatepass: a secret holding a lone surrogate must still be masked, never crash a log.
    encoded = {quote_plus(secret, errors="surrogatepass"),
               quote(secret, safe="", errors="surrogatepass")}  # fmt: skip
    variants = sorted({secret, *encoded}, key=len, reverse=True)
    for variant in variants:
        text = re.sub(re.escape(variant), SECRET_MASK, text, flags=re.IGNORECASE)
    return text


def redact(text: str, secrets: Iterable[str] = (), *, numbers: bool = True) -> str:
    """Mask every secret, then secret- or code-named pairs, then (by default) phone numbers."""
    for secret in sorted(set(secrets), key=len, reverse=True):
        text = redact_secret(text, secret)
    text = redact_pairs(text)
    return redact_numbers(text) if numbers else text
