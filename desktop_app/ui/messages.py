"""The one place that words what the window tells a person, and the modal wrappers.

Every message leads with one plain sentence (what happened) and what to do next; the API's own
words, status numbers, HTTP statuses and the technical cause (an exception's type, an errno) go
to its ``details``, which the window shows only under a "Details" disclosure
(:class:`~desktop_app.ui.details_disclosure.MessageLine`) and writes to the log.

* :func:`describe` turns any exception into a :class:`Message`, building on the error family's
  ``meaning`` and ``next_step`` (``desktop_app.domain.errors``).
* :func:`describe_stored` does the same for an error the history kept as text (a Refused row's
  ``last_error``), so a row says why in the same words as the moment it happened.
* The outcome sentences the forms show (a code sent, a cancel done, fields to fix) are here too.

Modal prompts go through :func:`show_error`, :func:`show_info` and :func:`confirm`, small
functions that tests monkeypatch so no test ever runs a real ``exec()``.

The CLI words its own texts (``desktop_app.cli``); nothing here is used there. The window's
shell imports this module before its first paint, so ``ui.formatting`` (which loads
``phonenumbers``) is imported only by the functions that need it.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Final

from PySide6.QtWidgets import QMessageBox, QWidget

from desktop_app.domain import errors
from desktop_app.domain.errors import (
    ApiError,
    ThrottledError,
    ValidationFailed,
    VerifyDeskError,
)
from desktop_app.domain.redact import redact
from desktop_app.domain.workflows import CANCEL_NOT_BEFORE_S

if TYPE_CHECKING:
    from desktop_app.domain.action_rules import Blocker, Refusal

__all__ = [
    "CANCELLED",
    "NEXT_EVENT_TRIGGERED",
    "NOT_SENT",
    "REFUSED_VALUE",
    "UNKNOWN_TO_SERVER",
    "Message",
    "code_sent",
    "confirm",
    "copied",
    "describe",
    "describe_stored",
    "fix_fields",
    "log_file",
    "looks_technical",
    "masked",
    "refused_fields",
    "set_log_file",
    "show_error",
    "show_info",
    "why_not",
]

_state: dict[str, Path | None] = {"log_file": None}


class Message(str):
    """What a person reads about one outcome, with the technical details kept apart.

    The message *is* its visible text: the headline, then the next step. So it goes wherever
    text goes (a label, the status bar, a dialog) and shows nothing technical there; views that
    can disclose more read :attr:`details`.

    Attributes:
        headline: One plain sentence: what happened.
        next_step: What to do next (may be empty).
        details: The API's words, status numbers, the technical cause; shown only under
            "Details" and written to the log (may be empty).
    """

    headline: str
    next_step: str
    details: str

    def __new__(cls, headline: str, next_step: str = "", details: str = "") -> Message:
        """Build a message; its text is ``headline`` and ``next_step`` joined by a space."""
        message = super().__new__(cls, f"{headline} {next_step}".strip())
        message.headline = headline
        message.next_step = next_step
        message.details = details
        return message


def set_log_file(path: Path | None) -> None:
    """Tell :func:`describe` where the log file is (the composition root calls this once).

    Args:
        path: The rotating log file, or ``None`` when logging to a file is off.
    """
    _state["log_file"] = path


def log_file() -> Path | None:
    """The log file unexpected errors point to, if one is configured."""
    return _state["log_file"]


# -- exceptions ------------------------------------------------------------------------------

#: What marks text as technical (never a headline): an errno, an exception type before a
#: colon, an API status number, an HTTP status.
_TECHNICAL: Final = re.compile(
    r"Errno|\b[A-Z][A-Za-z]*(?:Error|Exception|Failed|Timeout)\b|\bstatus \d+\b|\bHTTP \d{3}\b"
)


def looks_technical(text: str) -> bool:
    """True when ``text`` holds something only the details may show (errno, type, status)."""
    return bool(_TECHNICAL.search(text))


def describe(exc: BaseException) -> Message:
    """What to tell a person about ``exc``.

    Args:
        exc: Any exception a task or a slot raised.

    Returns:
        For the app's error family: its plain sentence (the specific one it was raised with,
        when that is plain, else its class's ``meaning``) and its ``next_step``, the rest in
        the details; a validation failure names its fields. For anything else (a bug): a plain
        sentence, the log file, and the exception's type and redacted text as details.
    """
    if isinstance(exc, ValidationFailed):
        fields = "; ".join(f"{e.field.replace('_', ' ')}: {e.message}" for e in exc.errors)
        return Message(f"{exc.meaning} {fields}".strip(), "", "")
    if isinstance(exc, ApiError):
        return Message(exc.meaning, _next_step(exc), _api_details(exc))
    if isinstance(exc, VerifyDeskError):
        plain, technical = split_technical(str(exc))
        if not plain or looks_technical(plain):
            plain, technical = exc.meaning, str(exc)
        return Message(plain, _next_step(exc), technical)
    path = log_file()
    where = f"the log file {path}" if path else "the log"
    return Message(
        "Something unexpected went wrong inside Verify Desk (a bug).",
        f"Try again; if it happens again, report it with {where}.",
        f"{type(exc).__name__}: {redact(str(exc))}".rstrip(": "),
    )


def _next_step(exc: VerifyDeskError) -> str:
    if isinstance(exc, ThrottledError):
        return f"Wait {max(exc.retry_after, 1.0):.0f} s, then try again."
    return exc.next_step


def _api_details(exc: ApiError) -> str:
    """The API's own account of a refusal: its status, its words, its trace id."""
    words = exc.error_text or exc.title
    if exc.http_status is not None:
        head = f"Verify API answered HTTP {exc.http_status}"
        if exc.title and exc.title != words:
            head += f" ({exc.title})"
    else:
        head = f"Verify API status {exc.status}" if exc.status else "Verify API refusal"
    lines = [f"{head}: {words}" if words else head]
    for name, reason in getattr(exc, "invalid_parameters", ()):
        lines.append(f"{name}: {reason}")
    if exc.network:
        lines.append(f"Network: {exc.network}")
    if exc.request_id:
        lines.append(f"Request: {exc.request_id}")
    if exc.instance:
        lines.append(f"Trace id for Vonage support: {exc.instance}")
    return "\n".join(lines)


def split_technical(text: str) -> tuple[str, str]:
    """``"Sentence. (ReadError: [Errno 104] reset)"`` -> ``("Sentence.", "ReadError: …")``.

    The lower layers append the technical cause in parentheses at the end of a plain sentence;
    this takes it off (parentheses inside it may nest). Text without such a part is all plain.
    """
    text = text.strip()
    body = text[:-1].rstrip() if text.endswith(".") else text
    if not body.endswith(")"):
        return text, ""
    depth = 0
    for index in range(len(body) - 1, -1, -1):  # back to the "(" that the last ")" closes
        depth += {")": 1, "(": -1}.get(body[index], 0)
        if depth == 0:
            break
    else:
        return text, ""  # unbalanced: not a part the lower layers appended
    plain = body[:index].rstrip()
    if plain and plain[-1] not in ".!?":
        plain += "."
    return plain, body[index + 1:-1].strip()


def _error_classes(base: type[VerifyDeskError] = VerifyDeskError) -> Iterator[type[Exception]]:
    yield base
    for sub in base.__subclasses__():
        yield from _error_classes(sub)


def describe_stored(text: str) -> Message:
    """A message for an error the history kept as text (a row's ``last_error``).

    The stored text is the error as it was raised (its sentence and the API's words); the
    error class whose ``meaning`` it starts with gives the plain sentence and the next step
    again, and the whole text goes to the details.
    """
    text = text.strip()
    if not text:
        return Message("")
    known = [c for c in _error_classes() if c.__module__ == errors.__name__]
    matches = [c for c in known if text.startswith(getattr(c, "meaning", "\0"))]
    if matches:
        best = max(matches, key=lambda c: len(getattr(c, "meaning", "")))
        meaning, step = getattr(best, "meaning", ""), getattr(best, "next_step", "")
        return Message(meaning, step, text if text != meaning else "")
    plain, technical = split_technical(text)
    if not plain or looks_technical(plain):
        return Message("The last attempt failed.", "", text)
    return Message(plain, "", technical)


def masked(message: str, mask: bool) -> str:
    """``message`` with each number cut to its last four digits when ``mask`` (presenter mode).

    A :class:`Message` stays one, its details masked too.
    """
    from desktop_app.ui.formatting import mask_text

    if not mask:
        return message
    if isinstance(message, Message):
        return Message(mask_text(message.headline), mask_text(message.next_step),
                       mask_text(message.details))  # fmt: skip
    return mask_text(message)


# -- outcomes the forms report ---------------------------------------------------------------

CANCELLED = Message("Verification cancelled.")
NEXT_EVENT_TRIGGERED = Message("Next delivery event triggered.")
NOT_SENT = Message("Not sent.")


def unknown_range_question(warnings: list[str]) -> str:
    """Before sending to a number outside the known ranges: what is odd, then the question.

    Args:
        warnings: The number rule's overridable warnings (``"not a known number range for GB;
            send anyway if you are sure"``).
    """
    said = []
    for warning in warnings:
        fact = warning.split(";")[0].strip()
        said.append(f"{fact[:1].upper()}{fact[1:]}.")
    return " ".join(dict.fromkeys(said)) + "\n\nSend the code to this number anyway?"


def code_sent(request_id: str) -> Message:
    """After a start: the code is on its way (``request_id`` as the view shows ids)."""
    return Message(f"Code sent. Request {request_id}.", "Type the code the customer reads out.")


def fix_fields(names: list[str]) -> Message:
    """Send refused by the form: the fields to fix, by name."""
    listed = ", ".join(dict.fromkeys(n.replace("_", " ") for n in names))
    return Message(f"Fix the fields marked in red ({listed}); nothing was sent.")


#: A field the API refused (Verify v2 422), marked beside it; the API's reason is in Details.
REFUSED_VALUE = "the API refused this value (its reason is under Details, below Send)"


def refused_fields(exc: ApiError) -> Message:
    """A Verify v2 422: the values the API refused are marked on their fields."""
    return Message("The API refused some of the values; nothing was sent.",
                   "Correct the fields marked in red and send again.", _api_details(exc))


def copied(what: str, shown: str) -> Message:
    """After a copy action: ``what`` (``"request id"``) as the view shows it."""
    return Message(f"Copied the {what} {shown}.")


# -- actions the API would refuse now -------------------------------------------------------

#: Why nothing can be done with a request the server does not know (a search found nothing).
UNKNOWN_TO_SERVER = (
    "The server does not know this request (a lookup found nothing), so it can no longer be "
    "checked, cancelled or moved on"
)
@functools.cache
def _why_not_texts() -> dict[Blocker, str]:
    # Built on first use: the action rules (and the models under them) are not needed to
    # paint the first window.
    from desktop_app.domain.action_rules import Blocker

    return {
        Blocker.NO_REQUEST: "Select a request first",
        Blocker.NO_ID: "This attempt has no request id: the API never accepted it",
        Blocker.EXPIRED: "This request has expired: its last code is no longer accepted",
        Blocker.TOO_LATE: "Cancel is no longer accepted: the second delivery has been sent",
        Blocker.NO_STEP_LEFT: "Nothing is left to deliver: every step of the workflow was used",
        Blocker.SILENT_AUTH: "The current step is silent authentication, which takes no code",
        Blocker.NOT_SUPPORTED: "This API has no such action",
    }


def why_not(refusal: Refusal | None) -> str:
    """Why the API would refuse an action now, for its tooltip ("" when it would accept it)."""
    if refusal is None:
        return ""
    from desktop_app.domain.action_rules import Blocker
    from desktop_app.domain.models import VerificationStatus
    from desktop_app.ui.formatting import format_duration, status_text

    if refusal.why is Blocker.FINISHED:
        if refusal.status == VerificationStatus.UNKNOWN_TO_SERVER:
            return UNKNOWN_TO_SERVER
        return f"This request has ended ({status_text(refusal.status)})"
    if refusal.why is Blocker.TOO_EARLY:
        wait = format_duration(refusal.seconds + 0.999)
        return f"Cancel is accepted from {CANCEL_NOT_BEFORE_S} s after the start (in {wait})"
    return _why_not_texts()[refusal.why]


# -- modal wrappers --------------------------------------------------------------------------


def show_error(parent: QWidget | None, text: str, title: str = "Verify Desk") -> None:
    """Show a short modal error message; a :class:`Message`'s details under "Show Details…".

    Args:
        parent: The window the message belongs to.
        text: What happened and what to do next (usually :func:`describe` output).
        title: The dialog title.
    """
    box = QMessageBox(QMessageBox.Icon.Warning, title, str(text), QMessageBox.StandardButton.Ok,
                      parent)  # fmt: skip
    details = getattr(text, "details", "")
    if details:
        box.setDetailedText(details)
    box.exec()


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
