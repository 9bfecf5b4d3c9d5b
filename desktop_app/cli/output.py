"""What the command line prints: human text, or one JSON object for scripts.

Results are domain dataclasses turned into plain JSON values by :func:`to_jsonable`. Fields a
dataclass hides from ``repr`` (codes, custom PINs, the API secret) are left out unless the caller
explicitly asks for codes, so no output path can print a secret by accident.

Errors always go to stderr as one clear sentence (the error's ``user_message()``); with
``--json`` stdout also gets ``{"ok": false, "error": {...}}``.

Everything printed is made safe here, whatever a server sent:

* every known secret is masked (:func:`desktop_app.domain.redact.redact_secrets`: any case,
  URL-encoded, inside an echoed Basic header), in text and in every JSON string;
* in text, control characters (escape sequences), bidi controls and undecodable bytes are
  shown escaped (ESC as backslash-x1b) by :func:`terminal_safe`, so server text can neither
  drive the terminal nor reorder a line; JSON keeps the exact strings (JSON escapes controls
  itself).
"""

from __future__ import annotations

import dataclasses
import enum
import json
import re
from collections.abc import Iterable, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any, Final, TextIO

from desktop_app.domain.errors import (
    ApiError,
    ConcurrentVerificationError,
    CredentialsUnavailable,
    InvalidParameterError,
    StoreError,
    TransportError,
    ValidationFailed,
    VerifyDeskError,
)
from desktop_app.domain.message_delivery import MESSAGES_API, delivery_text
from desktop_app.domain.models import HistoryEntry, VerificationRecord
from desktop_app.domain.redact import redact_secrets

from .parser import PROG, CliUsageError

__all__ = [
    "EXIT_API",
    "EXIT_LOCAL",
    "EXIT_OK",
    "EXIT_TRANSPORT",
    "EXIT_USAGE",
    "error_payload",
    "error_sentence",
    "exit_code_for",
    "format_history",
    "format_record",
    "terminal_safe",
    "to_jsonable",
    "write_error",
    "write_json",
    "write_text",
]

EXIT_OK = 0
#: The API answered and refused (any ``ApiError``).
EXIT_API = 1
#: Bad input, usage or missing credentials: nothing was sent.
EXIT_USAGE = 2
#: The answer did not arrive (or could not be read): the outcome may be unknown.
EXIT_TRANSPORT = 3
#: Something on this machine failed (the history database cannot be used, or a bug: see the log).
EXIT_LOCAL = 4


#: What the command line can do when the keyring cannot give it a secret (the window's advice,
#: "enter the secret for this session only", has no command-line form).
CLI_CREDENTIALS_STEP: Final = (
    "Set VERIFY_DESK_API_KEY and VERIFY_DESK_API_SECRET for the command, or pass --profile NAME "
    "of a profile whose secret is saved in the system keyring (Verify Desk's Settings)."
)
#: A history file that cannot be opened stops the command before anything is sent.
CLI_STORE_STEP: Final = (
    "Nothing was sent. Fix the file's permissions or free disk space, or choose another file "
    "with --history-db."
)

# C0 and C1 controls (ESC starts terminal sequences), bidi controls that reorder a line, line
# and paragraph separators, and lone surrogates (undecodable bytes).
_UNSAFE: Final = (
    "\x00-\x1f\x7f-\x9f"  # C0, DEL, C1
    "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"  # bidi marks, embeddings, overrides, isolates
    "\u2028\u2029"  # line and paragraph separators
    "\ud800-\udfff"  # lone surrogates
)
_UNSAFE_CHAR: Final = re.compile(f"[{_UNSAFE}]")
_UNSAFE_BUT_NEWLINE: Final = re.compile(f"(?!\n)[{_UNSAFE}]")


def terminal_safe(text: str, *, keep_newlines: bool = False) -> str:
    """``text`` with every control, bidi control and undecodable byte shown escaped.

    Args:
        text: Text that may hold server-supplied strings.
        keep_newlines: Keep line feeds (for this program's own multi-line output).
    """
    pattern = _UNSAFE_BUT_NEWLINE if keep_newlines else _UNSAFE_CHAR
    return pattern.sub(lambda m: repr(m.group(0))[1:-1], text)


def _scrubbed(value: Any, secrets: tuple[str, ...]) -> Any:
    """``value`` (a JSON value) with every secret masked in every string."""
    if isinstance(value, str):
        return redact_secrets(value, secrets)
    if isinstance(value, dict):
        return {key: _scrubbed(item, secrets) for key, item in value.items()}
    if isinstance(value, list):
        return [_scrubbed(item, secrets) for item in value]
    return value


def to_jsonable(value: Any, *, show_codes: bool = False) -> Any:
    """Turn domain values into JSON values; ``repr=False`` dataclass fields are dropped.

    Args:
        value: A dataclass, enum, datetime, Decimal, mapping, sequence or scalar.
        show_codes: Keep a hidden field named ``code`` (search's echo of entered codes).
    """
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            f.name: to_jsonable(getattr(value, f.name), show_codes=show_codes)
            for f in dataclasses.fields(value)
            if f.repr or (show_codes and f.name == "code")
        }
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): to_jsonable(v, show_codes=show_codes) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_jsonable(v, show_codes=show_codes) for v in value]
    return value


def write_json(stream: TextIO, payload: Mapping[str, Any], secrets: Iterable[str] = ()) -> None:
    """Write one JSON object and a newline, every secret masked.

    Non-ASCII text is written as is, unless the stream cannot encode it (a lone surrogate, a
    narrow locale): then that object is written with JSON's ASCII escapes, the same JSON value.
    """
    data = _scrubbed(dict(payload), tuple(s for s in secrets if s))
    text = json.dumps(data, ensure_ascii=False, sort_keys=False)
    try:
        text.encode(getattr(stream, "encoding", None) or "utf-8")
    except (UnicodeEncodeError, LookupError):
        text = json.dumps(data, ensure_ascii=True, sort_keys=False)
    stream.write(text + "\n")


def write_text(stream: TextIO, text: str, secrets: Iterable[str] = ()) -> None:
    """Write this program's (multi-line) text, secrets masked and server text made safe."""
    stream.write(terminal_safe(redact_secrets(text, secrets), keep_newlines=True) + "\n")


def exit_code_for(error: VerifyDeskError) -> int:
    """0/1/2/3/4 as documented in the parser's epilog."""
    if isinstance(error, ApiError):
        return EXIT_API
    if isinstance(error, TransportError):
        return EXIT_TRANSPORT
    if isinstance(error, StoreError):
        return EXIT_LOCAL
    # ValidationFailed, CliUsageError, CredentialsUnavailable, SandboxNotRunning: nothing sent.
    return EXIT_USAGE


def _sentence(error: VerifyDeskError) -> str:
    text = error.user_message()
    step = error.next_step
    cli_step = {CredentialsUnavailable: CLI_CREDENTIALS_STEP, StoreError: CLI_STORE_STEP}
    for kind, replacement in cli_step.items():
        if isinstance(error, kind):
            text = f"{str(error) or error.meaning} {replacement}"
            step = replacement
    if step and text.endswith(f" {step}"):  # "<what> <next step>": end <what> with a stop
        head = text[: -len(step) - 1]
        text = f"{head}{'' if head.endswith(('.', '!', '?')) else '.'} {step}"
    if isinstance(error, ConcurrentVerificationError) and error.request_id:
        text += f" The live request is {error.request_id}."
    if isinstance(error, ValidationFailed) and error.only_overridable:
        text += " Pass --yes-unknown-number to send it anyway."
    return text


def error_sentence(error: VerifyDeskError) -> str:
    """The one sentence (or two) a person reads for ``error``, as printed."""
    return _sentence(error)


def error_payload(error: VerifyDeskError) -> dict[str, Any]:
    """The ``{"ok": false, "error": {...}}`` object for ``--json``."""
    body: dict[str, Any] = {
        "type": "UsageError" if isinstance(error, CliUsageError) else type(error).__name__,
        "status": error.status if isinstance(error, ApiError) else None,
        "message": _sentence(error),
        "request_id": error.request_id if isinstance(error, ApiError) else None,
    }
    if isinstance(error, ValidationFailed):
        body["fields"] = [dataclasses.asdict(e) for e in error.errors]
    if isinstance(error, InvalidParameterError) and error.invalid_parameters:
        # Verify v2 HTTP 422: each refused parameter, named as the API names it.
        body["fields"] = [
            {"field": name, "message": reason, "overridable": False}
            for name, reason in error.invalid_parameters
        ]
    if isinstance(error, TransportError):
        body["outcome_unknown"] = error.outcome_unknown
    return {"ok": False, "error": body}


def write_error(
    error: VerifyDeskError,
    *,
    json_mode: bool,
    out: TextIO,
    err: TextIO,
    secrets: Iterable[str] = (),
) -> int:
    """Report an error (stderr, plus stdout JSON in ``--json`` mode); return the exit code.

    Args:
        error: What went wrong.
        json_mode: Also print the JSON error object on ``out``.
        out: Standard output.
        err: Standard error.
        secrets: Masked wherever they (or their encodings) appear.
    """
    known = tuple(s for s in secrets if s)
    if isinstance(error, CliUsageError) and error.usage and not json_mode:
        err.write(terminal_safe(error.usage, keep_newlines=True))
    sentence = terminal_safe(redact_secrets(_sentence(error), known))
    err.write(f"{PROG}: error: {sentence}\n")
    if json_mode:
        write_json(out, error_payload(error), known)
    return exit_code_for(error)


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S") if value is not None else "-"


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _money(price: Decimal | None, currency: str) -> str:
    return f"{price} {currency}".strip() if price is not None else "-"


def format_record(record: VerificationRecord, *, show_codes: bool = False) -> str:
    """A search result as a few indented lines (every server string escaped, one line each)."""
    safe = terminal_safe
    lines = [
        f"Request {safe(record.request_id)}: {safe(record.status)}",
        f"  number {safe(record.number) or '-'}, sender {safe(record.sender_id) or '-'}",
        f"  submitted {_when(record.date_submitted)}, finalized {_when(record.date_finalized)}",
        f"  price {safe(_money(record.price, record.currency))}",
    ]
    for check in record.checks:
        code = f" code {safe(check.code)}" if show_codes else ""
        lines.append(f"  check {_when(check.date_received)} {safe(check.status)}{code}")
    if record.events:
        lines.append("  events " + ", ".join(f"{safe(e.type)} {safe(e.id)}" for e in record.events))
    return "\n".join(lines)


_HISTORY_COLUMNS = ("#", "created (UTC)", "profile", "number", "brand", "status", "request id",
                    "checks", "last error")  # fmt: skip


def _delivery(entry: HistoryEntry) -> str:
    """A message row's channels and delivery ("whatsapp,sms: delivered (sms), failover 1")."""
    if entry.api_version != MESSAGES_API:
        return ""
    return f"{entry.kind} {entry.channels}: {delivery_text(entry)}"


def format_history(entries: list[HistoryEntry]) -> str:
    """History rows as an aligned text table (a note when there are none).

    With Messages API rows in the list, a "message" column gives their kind, channels and
    delivery.
    """
    if not entries:
        return "No history rows match."
    safe = terminal_safe
    messages = any(e.api_version == MESSAGES_API for e in entries)
    columns = (*_HISTORY_COLUMNS, "message") if messages else _HISTORY_COLUMNS
    rows = [columns] + [
        (
            str(e.id),
            _when(e.created_at),
            safe(e.profile),
            safe(e.number),
            safe(e.brand),
            e.status.value,
            safe(e.request_id or "-"),
            str(e.checks_count),
            safe(_clip(e.last_error, 60)),
            *((safe(_delivery(e)),) if messages else ()),
        )
        for e in entries
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(columns))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in rows
    )
