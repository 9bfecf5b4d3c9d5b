"""Checks on the raw command line and environment, before anything else reads them.

Python hands over bytes that are not UTF-8 (in ``argv`` or an environment variable) as lone
surrogates (``surrogateescape``). Such a string cannot be written to the history, sent in a
form or printed as JSON, so it is refused up front, naming the option or the variable, and
nothing is sent or stored.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Final

from desktop_app.domain.errors import FieldError, ValidationFailed

__all__ = ["ENVIRONMENT_READ", "check_argv", "check_environment", "is_text"]

#: Every environment variable the command line (or what it calls) reads.
ENVIRONMENT_READ: Final = (
    "VERIFY_DESK_API_KEY",
    "VERIFY_DESK_API_SECRET",
    "VERIFY_DESK_HOME",
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
    if token.startswith("-"):
        name = token.split("=", 1)[0]
        return name if is_text(name) else "an option name"
    previous = argv[index - 1] if index > 0 else ""
    if previous.startswith("--") and "=" not in previous and is_text(previous):
        return previous
    return "a command-line argument"


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
