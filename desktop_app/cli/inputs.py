"""Checks on the raw command line and environment, and the option types the parser uses.

Python hands over bytes that are not UTF-8 (in ``argv`` or an environment variable) as lone
surrogates (``surrogateescape``). Such a string cannot be written to the history, sent in a
form or printed as JSON, so :func:`check_argv` and :func:`check_environment` refuse it up
front, naming the option or the variable, and nothing is sent or stored.

The option types bound every number and length the command line accepts (a huge ``--limit``,
an infinite time scale, a 100,000-character filter are named refusals, never an overflow deep
inside SQLite or the sandbox).
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable, Mapping, Sequence
from typing import Final

from desktop_app.domain.errors import FieldError, ValidationFailed
from desktop_app.domain.rule_parts import text_problem

__all__ = [
    "ENVIRONMENT_READ",
    "at_most",
    "bounded_number",
    "check_argv",
    "check_environment",
    "is_text",
    "operator_name",
    "shown",
    "whole_number",
]

#: Every environment variable the command line (or what it calls) reads.
ENVIRONMENT_READ: Final = (
    "VERIFY_DESK_API_KEY",
    "VERIFY_DESK_API_SECRET",
    "VERIFY_DESK_HOME",
    "VERIFY_DESK_HISTORY_URL",
    "HOME",
    "XDG_CONFIG_HOME",
    "XDG_DATA_HOME",
    "XDG_STATE_HOME",
    "https_proxy",
    "HTTPS_PROXY",
    "no_proxy",
    "NO_PROXY",
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
    "LC_ALL",
    "LC_CTYPE",
    "LANG",
)

_NOT_TEXT: Final = "is not valid text (it holds bytes that are not UTF-8)"
_SHOWN_MAX: Final = 40


def is_text(value: str) -> bool:
    """False when ``value`` holds a lone surrogate (an undecodable byte)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _option_named(argv: Sequence[str], index: int) -> str:
    """The option a bad ``argv[index]`` belongs to, as the person typed it."""
    token = argv[index]
    name = token.split("=", 1)[0]
    if token.startswith("-") and is_text(name):
        return name  # --brand=<bytes>
    previous = argv[index - 1] if index > 0 else ""
    if previous.startswith("--") and "=" not in previous and is_text(previous):
        return previous  # --brand <bytes>, even when the bytes start with "-"
    return "an option name" if token.startswith("-") else "a command-line argument"


def check_argv(argv: Sequence[str]) -> None:
    """Refuse an argument that is not valid text, naming its option.

    Raises:
        ValidationFailed: One ``FieldError`` for the first such argument.
    """
    for index, token in enumerate(argv):
        if not is_text(token):
            raise ValidationFailed([FieldError(_option_named(argv, index), _NOT_TEXT)])


def check_environment(environ: Mapping[str, str]) -> None:
    """Refuse a variable this program reads whose value is not valid text, naming it.

    Raises:
        ValidationFailed: One ``FieldError`` per such variable.
    """
    errors = [
        FieldError(name, _NOT_TEXT)
        for name in ENVIRONMENT_READ
        if not is_text(environ.get(name, ""))
    ]
    if errors:
        raise ValidationFailed(errors)


def shown(text: str) -> str:
    """A value quoted for a message: escaped (repr) and cut short when long."""
    return repr(text if len(text) <= _SHOWN_MAX else text[:_SHOWN_MAX] + "...")


def _plain(number: float) -> str:
    """``1000000`` rather than ``1e+06``."""
    return f"{number:.3f}".rstrip("0").rstrip(".")


def bounded_number(
    low: float, high: float, *, low_allowed: bool = False
) -> Callable[[str], float]:
    """An option type: a finite decimal number up to ``high``, above (or from) ``low``."""
    above = f"from {_plain(low)}" if low_allowed else f"greater than {_plain(low)} and"

    def parse(text: str) -> float:
        try:
            value = float(text) if text.isascii() else math.nan
        except ValueError:
            value = math.nan
        fits = low <= value if low_allowed else low < value
        if not (math.isfinite(value) and fits and value <= high):
            raise argparse.ArgumentTypeError(
                f"must be a number {above} at most {_plain(high)} (got {shown(text)})"
            )
        return value

    return parse


def whole_number(low: int, high: int) -> Callable[[str], int]:
    """An option type: a whole number of ASCII digits from ``low`` to ``high``."""

    def parse(text: str) -> int:
        digits = text.strip()
        value = int(digits) if digits.isascii() and digits.isdigit() and len(digits) < 12 else -1
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(
                f"must be a whole number from {low} to {high} (got {shown(text)})"
            )
        return value

    return parse


def at_most(limit: int) -> Callable[[str], str]:
    """An option type: text of at most ``limit`` characters."""

    def parse(text: str) -> str:
        if len(text) > limit:
            message = f"must be at most {limit} characters (got {len(text)})"
            raise argparse.ArgumentTypeError(message)
        return text

    return parse


def operator_name(raw: str, limit: int) -> str:
    """The ``--operator`` name, held to the free-text rule of every name the history shows.

    Raises:
        ValidationFailed: Empty, too long, or breaking the free-text rule.
    """
    text = raw.strip()
    problem = text_problem(text) if text else f"required, 1 to {limit} characters"
    if problem is None and len(text) > limit:
        problem = f"at most {limit} characters (got {len(text)})"
    if problem is not None:
        raise ValidationFailed([FieldError("--operator", problem)])
    return text
