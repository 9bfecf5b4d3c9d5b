"""Building blocks of the field rules: the result type and the shared shapes of a rule.

Each field's rule lives in :mod:`desktop_app.domain.field_rules` (v1) or
:mod:`desktop_app.domain.v2_field_rules` (v2). The form validators
(:mod:`desktop_app.domain.validation`, :mod:`desktop_app.domain.v2_validation`) gather the
rules' results with :func:`errors_of`, :func:`any_hard` and :func:`validated`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import Generic, NamedTuple, TypeVar

from desktop_app.domain.errors import FieldError, ValidationFailed

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)

ALNUM = re.compile(r"[A-Za-z0-9]+")
_SHOWN_MAX = 20


class Checked(NamedTuple, Generic[T_co]):
    """The outcome of one field's rule: a value (``None`` = not given) and at most one error."""

    value: T_co | None
    error: FieldError | None = None


def shown(raw: str) -> str:
    """The input quoted for a message, cut short when long."""
    text = raw.strip()
    return repr(text if len(text) <= _SHOWN_MAX else text[:_SHOWN_MAX] + "...")


def parse_whole(text: str) -> int | None:
    """ASCII digits only (no sign, point, exponent); ``None`` otherwise."""
    if not (text.isascii() and text.isdigit()):
        return None
    # Capped: int() refuses strings of over 4300 digits, and no rule needs more than 9.
    return int(text) if len(text) <= 9 else 10**9


def whole(field: str, raw: str, low: int, high: int, unit: str = "") -> Checked[int]:
    """An optional whole number from ``low`` to ``high``, surrounding whitespace allowed."""
    text = raw.strip()
    if not text:
        return Checked(None)
    value = parse_whole(text)
    if value is None or not low <= value <= high:
        message = f"must be a whole number{unit} from {low} to {high} (got {shown(raw)})"
        return Checked(None, FieldError(field, message))
    return Checked(value)


#: Bidi embeddings, overrides (U+202A-U+202E) and isolates (U+2066-U+2069): they reorder how
#: the rest of a line is shown ("Acme" + RLO can display as a different brand).
BIDI_CONTROLS = frozenset(map(chr, [*range(0x202A, 0x202F), *range(0x2066, 0x206A)]))
# Characters that show nothing though their category says "letter" or "symbol".
_BLANK_LOOKING = frozenset("\u115f\u1160\u3164\uffa0\u2800")
_INVISIBLE_CATEGORIES = frozenset({"Cf", "Zs", "Zl", "Zp", "Mn", "Me", "Cc"})


def _invisible(char: str) -> bool:
    return char in _BLANK_LOOKING or unicodedata.category(char) in _INVISIBLE_CATEGORIES


def text_problem(text: str) -> str | None:
    """Why free text (a brand, a payee, an operator) cannot be shown as typed, or None.

    Refused: control characters and line breaks; undecodable bytes (lone surrogates); bidi
    embeddings, overrides and isolates; and text made only of invisible characters (zero-width
    spaces, joiners, fillers), which reads as empty. The rule is the same in the window and on
    the command line.
    """
    for char in text:
        category = unicodedata.category(char)
        if category == "Cc":
            return "must not contain control characters or line breaks"
        if category == "Cs":
            return "must be valid text (it holds an undecodable character)"
        if char in BIDI_CONTROLS:
            return (
                f"must not contain bidirectional control characters (found U+{ord(char):04X}), "
                "which change how the text is displayed"
            )
    if text and all(_invisible(char) for char in text):
        return (
            "must contain visible characters (it holds only invisible ones, such as "
            "zero-width spaces)"
        )
    return None


def label(field: str, raw: str, limit: int) -> Checked[str]:
    """A required free-text label that appears in the message (brand, payee)."""
    text = raw.strip()
    if not text:
        return Checked(None, FieldError(field, f"required, 1 to {limit} characters"))
    if len(text) > limit:
        return Checked(None, FieldError(field, f"at most {limit} characters (got {len(text)})"))
    problem = text_problem(text)
    if problem is not None:
        return Checked(None, FieldError(field, problem))
    return Checked(text)


def alnum_code(field: str, raw: str, low: int, high: int) -> Checked[str]:
    """A required code of ``low`` to ``high`` ASCII letters or digits, kept as text."""
    text = raw.strip()
    rule = f"{low} to {high} letters or digits"
    if not text:
        return Checked(None, FieldError(field, f"required, {rule}"))
    if not text.isascii() or ALNUM.fullmatch(text) is None:
        return Checked(None, FieldError(field, f"must be {rule}, nothing else"))
    if not low <= len(text) <= high:
        return Checked(None, FieldError(field, f"must be {rule} (got {len(text)})"))
    return Checked(text)


def errors_of(*results: Checked[object]) -> list[FieldError]:
    """The errors of these rules' results, in the order given."""
    return [result.error for result in results if result.error is not None]


def any_hard(errors: Iterable[FieldError]) -> bool:
    """True when one of ``errors`` blocks even a confirmed "send anyway" (not a warning)."""
    return any(not error.overridable for error in errors)


def validated(checked: tuple[T | None, list[FieldError]], allow_unknown_number: bool) -> T:
    """The params a form check built, unless one of its problems blocks.

    Args:
        checked: A form check's ``(params, every problem)``; ``params`` is None only when a
            problem is hard.
        allow_unknown_number: The person confirmed the overridable warnings ("send anyway").

    Raises:
        ValidationFailed: With every problem (warnings included) when any of them blocks.
    """
    params, errors = checked
    if any(not (error.overridable and allow_unknown_number) for error in errors):
        raise ValidationFailed(errors)
    # Without a hard error every required rule produced its value.
    assert params is not None
    return params
