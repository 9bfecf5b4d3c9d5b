"""The one place that turns exceptions into the sentences a person reads, and the modal wrappers.

Widgets never build error text themselves: they call :func:`describe`. Modal prompts go through
:func:`show_error`, :func:`show_info` and :func:`confirm`, small functions that tests monkeypatch
so no test ever runs a real ``exec()``.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtWidgets import QMessageBox, QWidget

from desktop_app.domain.errors import ValidationFailed, VerifyDeskError

__all__ = ["confirm", "describe", "log_file", "set_log_file", "show_error", "show_info"]

logger = logging.getLogger(__name__)

_state: dict[str, Path | None] = {"log_file": None}


def set_log_file(path: Path | None) -> None:
    """Tell :func:`describe` where the log file is (the composition root calls this once).

    Args:
        path: The rotating log file, or ``None`` when logging to a file is off.
    """
    _state["log_file"] = path


def log_file() -> Path | None:
    """The log file unexpected errors point to, if one is configured."""
    return _state["log_file"]


def describe(exc: BaseException) -> str:
    """One or two sentences about ``exc`` for a person.

    Args:
        exc: Any exception a task or a slot raised.

    Returns:
        The error's own :meth:`VerifyDeskError.user_message` for the app's error family (a
        validation failure lists its fields); for anything else, a generic sentence that names
        the exception type and the log file, never the exception text (it may hold data).
    """
    if isinstance(exc, ValidationFailed):
        fields = "; ".join(f"{e.field.replace('_', ' ')}: {e.message}" for e in exc.errors)
        return f"{exc.meaning} {fields}".strip()
    if isinstance(exc, VerifyDeskError):
        return exc.user_message()
    path = log_file()
    where = f"Details are in the log file {path}." if path else "Details are in the log."
    return f"Unexpected error: {type(exc).__name__}. {where}"


def show_error(parent: QWidget | None, text: str, title: str = "Verify Desk") -> None:
    """Show a short modal error message.

    Args:
        parent: The window the message belongs to.
        text: What happened and what to do next (usually :func:`describe` output).
        title: The dialog title.
    """
    QMessageBox.warning(parent, title, text)


def show_info(parent: QWidget | None, title: str, text: str) -> None:
    """Show a short modal information message (rich text allowed).

    Args:
        parent: The window the message belongs to.
        title: The dialog title.
        text: The message.
    """
    QMessageBox.information(parent, title, text)


def confirm(parent: QWidget | None, title: str, text: str) -> bool:
    """Ask a yes/no question; the safe answer (No) is the default.

    Args:
        parent: The window the question belongs to.
        title: The dialog title.
        text: The question.

    Returns:
        True when the person chose Yes.
    """
    answer = QMessageBox.question(
        parent,
        title,
        text,
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
        QMessageBox.StandardButton.No,
    )
    return answer == QMessageBox.StandardButton.Yes
