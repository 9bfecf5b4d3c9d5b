r"""Bounded readers for what clients send the sandbox: ASCII digits only, explicit ranges.

Python's own parsers are more generous than the API: ``int()`` takes ``"\u0666"`` (an
Arabic-Indic six), ``"0_6"`` and ``" 6 "``; ``float()`` also takes ``"inf"``, ``"nan"``,
``"1e300"`` and Arabic-Indic ``12.5``; the regular expression ``\d`` matches the digits of every
script. The spec's patterns mean ``0-9``. Every number and digit string the sandbox reads goes
through here, so a value is inside its stated domain or refused, never silently widened.

The readers return ``None`` for anything outside the domain; the caller words the refusal the
way its API does (a v1 status 3, a v2 422, a control's HTTP 400).
"""

from __future__ import annotations

import math
import re

__all__ = ["E164", "decimal", "number", "plain_text", "whole"]

#: An E.164 number without ``+``: 7 to 15 ASCII digits, no leading zero.
E164 = re.compile(r"[1-9][0-9]{6,14}")
#: A JSON-style number without sign: ``30``, ``0.5``, ``1e-05`` (what ``repr(float)`` writes).
_NUMBER = re.compile(r"[0-9]{1,20}(?:\.[0-9]{1,20})?(?:[eE][+-]?[0-9]{1,3})?")
#: Plain decimal notation: ``12``, ``12.50``, ``.5`` (no exponent).
_DECIMAL = re.compile(r"[0-9]{1,12}(?:\.[0-9]{0,12})?|\.[0-9]{1,12}")
#: The longest whole number read (more digits than any range needs; int() of a huge string is slow).
_WHOLE_DIGITS = 12


def whole(text: str, low: int, high: int) -> int | None:
    """A whole number written in ASCII digits only (no sign, space or ``_``), ``low``..``high``."""
    if not (0 < len(text) <= _WHOLE_DIGITS and text.isascii() and text.isdigit()):
        return None
    value = int(text)
    return value if low <= value <= high else None


def number(text: str, low: float, high: float) -> float | None:
    """A non-negative number (``30``, ``0.5``, ``1e-05``) from ``low`` to ``high``.

    ASCII only; no sign, spaces, ``_``, ``inf`` or ``nan``. The range is checked after the
    conversion, so ``1e300`` and ``1e999`` (infinite as a float) are refused, not clipped.
    """
    if _NUMBER.fullmatch(text) is None:
        return None
    value = float(text)
    return value if math.isfinite(value) and low <= value <= high else None


def decimal(text: str, low_exclusive: float, high: float) -> float | None:
    """A plain decimal (``12.50``, no exponent), above ``low_exclusive`` and at most ``high``."""
    if _DECIMAL.fullmatch(text) is None:
        return None
    value = float(text)
    return value if low_exclusive < value <= high else None


def plain_text(text: str, max_length: int) -> str | None:
    """``text`` when it has 1 to ``max_length`` characters and no control characters."""
    if not 0 < len(text) <= max_length:
        return None
    if any(ord(char) < 0x20 or 0x7F <= ord(char) < 0xA0 for char in text):
        return None
    return text
