"""Expectations of a scenario step: the error kind it must raise and the values of its fields.

``expect.error`` names a class of the typed error family (:mod:`desktop_app.domain.errors`):
the step must raise it or a subclass (``"ApiError"`` accepts any refusal, ``"none"`` insists on
success). Without it the step must succeed. Every other key is a field of the step's result,
matched by a plain value (numbers match within :data:`TOLERANCE`, so ``16`` matches ``"16"``)
or by a table: ``{ min = 120, max = 130 }``, ``{ not = "SUCCESS" }``,
``{ one_of = ["16", "17"] }``, ``{ matches = "^[0-9a-f]{32}$" }``, ``{ contains = "voice" }``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

from desktop_app.domain import errors
from desktop_app.domain.errors import VerifyDeskError
from desktop_app.usecases.scenarios_model import Mismatch

__all__ = ["MATCHER_KEYS", "TOLERANCE", "check_matcher", "error_kinds", "evaluate"]

#: How far apart two numbers may be and still match (simulated timings are rounded).
TOLERANCE = 0.01
MATCHER_KEYS = ("min", "max", "not", "one_of", "matches", "contains")
#: Fields a report shows only as "hidden": a code is never printed.
HIDDEN_FIELDS = frozenset({"code"})


def error_kinds() -> dict[str, type[VerifyDeskError]]:
    """Every error kind a step may expect, by class name."""
    return {
        name: value
        for name, value in vars(errors).items()
        if isinstance(value, type) and issubclass(value, VerifyDeskError)
    }


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            return None
        return number if math.isfinite(number) else None
    return None


def _scalar(value: Any) -> bool:
    return isinstance(value, str | int | float | bool)


def check_matcher(key: str, matcher: Any) -> str:
    """Why an expectation is malformed, or ``""`` when it is fine."""
    if key == "error":
        if not isinstance(matcher, str):
            return 'must name an error kind, e.g. "WrongCodeError" (or "none")'
        if "${" in matcher:
            return ""  # a variable: checked once it has its value
        if matcher != "none" and matcher not in error_kinds():
            return f"{matcher!r} is not an error kind (see docs/scenarios.md)"
        return ""
    if _scalar(matcher):
        return ""
    if not isinstance(matcher, Mapping) or not matcher:
        return "must be a value or a table such as { min = 1, max = 5 }"
    unknown = [k for k in matcher if k not in MATCHER_KEYS]
    if unknown:
        return f"unknown matcher {unknown[0]!r} (use {', '.join(MATCHER_KEYS)})"
    for bound in ("min", "max"):
        if bound in matcher and _number(matcher[bound]) is None:
            return f"{bound} must be a number"
    if "one_of" in matcher and not isinstance(matcher["one_of"], list):
        return "one_of must be a list"
    if "matches" in matcher:
        try:
            re.compile(str(matcher["matches"]))
        except re.error as exc:
            return f"matches is not a valid regular expression ({exc})"
    return ""


def _equal(expected: Any, actual: Any) -> bool:
    if isinstance(expected, bool) or isinstance(actual, bool):
        return expected is actual or str(expected).lower() == str(actual).lower()
    a, b = _number(expected), _number(actual)
    if a is not None and b is not None:
        return abs(a - b) <= TOLERANCE
    return str(expected) == str(actual)


def _shown(field: str, value: Any) -> str:
    if value is None:
        return "nothing"
    if field in HIDDEN_FIELDS:
        return "a hidden code"
    return repr(value) if isinstance(value, str) else str(value)


def _table_holds(matcher: Mapping[str, Any], actual: Any) -> bool:
    number = _number(actual)
    if "min" in matcher and (number is None or number < float(matcher["min"]) - TOLERANCE):
        return False
    if "max" in matcher and (number is None or number > float(matcher["max"]) + TOLERANCE):
        return False
    if "not" in matcher and _equal(matcher["not"], actual):
        return False
    if "one_of" in matcher and not any(_equal(v, actual) for v in matcher["one_of"]):
        return False
    if "matches" in matcher and not re.search(str(matcher["matches"]), str(actual or "")):
        return False
    return not ("contains" in matcher and str(matcher["contains"]) not in str(actual or ""))


def _describe(field: str, matcher: Any) -> str:
    if not isinstance(matcher, Mapping):
        return f"= {_shown(field, matcher)}"
    parts = []
    if "min" in matcher:
        parts.append(f">= {matcher['min']}")
    if "max" in matcher:
        parts.append(f"<= {matcher['max']}")
    if "not" in matcher:
        parts.append(f"not {_shown(field, matcher['not'])}")
    if "one_of" in matcher:
        parts.append("one of " + ", ".join(_shown(field, v) for v in matcher["one_of"]))
    if "matches" in matcher:
        parts.append(f"matching /{matcher['matches']}/")
    if "contains" in matcher:
        parts.append(f"containing {matcher['contains']!r}")
    return " and ".join(parts)


def _error_mismatch(expected: Any, error: VerifyDeskError | None) -> Mismatch | None:
    got = "success" if error is None else f"error {_error_text(error)}"
    if expected == "none":
        return None if error is None else Mismatch("error", "success", got)
    kind = error_kinds().get(str(expected))
    if kind is None:
        return Mismatch("error", f"error {expected} (which is not an error kind)", got)
    if error is not None and isinstance(error, kind):
        return None
    return Mismatch("error", f"error {expected}", got)


def _error_text(error: VerifyDeskError) -> str:
    status = getattr(error, "status", "")
    return f"{type(error).__name__}" + (f" (status {status})" if status else "")


def evaluate(
    expect: Mapping[str, Any], fields: Mapping[str, Any], error: VerifyDeskError | None
) -> tuple[Mismatch, ...]:
    """The expectations that do not hold for a step's result.

    Args:
        expect: The step's ``expect`` table, variables already substituted.
        fields: The step's result fields.
        error: What the step raised (None when it succeeded).
    """
    found: list[Mismatch] = []
    if "error" in expect:
        mismatch = _error_mismatch(expect["error"], error)
        if mismatch is not None:
            found.append(mismatch)
    elif error is not None:
        # Unexpected: the result has only the error's fields, so the others say nothing new.
        return (Mismatch("error", "success", f"error {_error_text(error)}"),)
    for field, matcher in expect.items():
        if field == "error":
            continue
        actual = fields.get(field)
        holds = (
            _table_holds(matcher, actual)
            if isinstance(matcher, Mapping)
            else actual is not None and _equal(matcher, actual)
        )
        if not holds:
            found.append(Mismatch(field, _describe(field, matcher), _shown(field, actual)))
    return tuple(found)
