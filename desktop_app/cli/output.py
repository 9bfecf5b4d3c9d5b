"""What the command line prints: human text, or one JSON object for scripts.

Results are domain dataclasses turned into plain JSON values by :func:`to_jsonable`. Fields a
dataclass hides from ``repr`` (codes, custom PINs, the API secret) are left out unless the caller
explicitly asks for codes, so no output path can print a secret by accident.

Errors always go to stderr as one clear sentence (the error's ``user_message()``); with
``--json`` stdout also gets ``{"ok": false, "error": {...}}``.
"""

from __future__ import annotations

import dataclasses
import enum
import json
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any, TextIO

from desktop_app.domain.errors import (
    ApiError,
    ConcurrentVerificationError,
    InvalidParameterError,
    StoreError,
    TransportError,
    ValidationFailed,
    VerifyDeskError,
)
from desktop_app.domain.models import HistoryEntry, VerificationRecord

from .parser import PROG, CliUsageError

__all__ = [
    "EXIT_API",
    "EXIT_LOCAL",
    "EXIT_OK",
    "EXIT_TRANSPORT",
    "EXIT_USAGE",
    "error_payload",
    "exit_code_for",
    "format_history",
    "format_record",
    "to_jsonable",
    "write_error",
    "write_json",
]

EXIT_OK = 0
#: The API answered and refused (any ``ApiError``).
EXIT_API = 1
#: Bad input, usage or missing credentials: nothing was sent.
EXIT_USAGE = 2
#: The answer did not arrive (or could not be read): the outcome may be unknown.
EXIT_TRANSPORT = 3
#: Something on this machine failed (e.g. the history database cannot be written).
EXIT_LOCAL = 4


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


def write_json(stream: TextIO, payload: Mapping[str, Any]) -> None:
    """Write one JSON object and a newline."""
    stream.write(json.dumps(payload, ensure_ascii=False, sort_keys=False) + "\n")


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
    if step and text.endswith(f" {step}"):  # "<what> <next step>": end <what> with a stop
        head = text[: -len(step) - 1]
        text = f"{head}{'' if head.endswith(('.', '!', '?')) else '.'} {step}"
    if isinstance(error, ConcurrentVerificationError) and error.request_id:
        text += f" The live request is {error.request_id}."
    if isinstance(error, ValidationFailed) and error.only_overridable:
        text += " Pass --yes-unknown-number to send it anyway."
    return text


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


def write_error(error: VerifyDeskError, *, json_mode: bool, out: TextIO, err: TextIO) -> int:
    """Report an error (stderr, plus stdout JSON in ``--json`` mode); return the exit code."""
    if isinstance(error, CliUsageError) and error.usage and not json_mode:
        err.write(error.usage)
    err.write(f"{PROG}: error: {_sentence(error)}\n")
    if json_mode:
        write_json(out, error_payload(error))
    return exit_code_for(error)


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S") if value is not None else "-"


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _money(price: Decimal | None, currency: str) -> str:
    return f"{price} {currency}".strip() if price is not None else "-"


def format_record(record: VerificationRecord, *, show_codes: bool = False) -> str:
    """A search result as a few indented lines."""
    lines = [
        f"Request {record.request_id}: {record.status}",
        f"  number {record.number or '-'}, sender {record.sender_id or '-'}",
        f"  submitted {_when(record.date_submitted)}, finalized {_when(record.date_finalized)}",
        f"  price {_money(record.price, record.currency)}",
    ]
    for check in record.checks:
        code = f" code {check.code}" if show_codes else ""
        lines.append(f"  check {_when(check.date_received)} {check.status}{code}")
    if record.events:
        lines.append("  events " + ", ".join(f"{e.type} {e.id}" for e in record.events))
    return "\n".join(lines)


_HISTORY_COLUMNS = ("#", "created (UTC)", "profile", "number", "brand", "status", "request id",
                    "checks", "last error")  # fmt: skip


def format_history(entries: list[HistoryEntry]) -> str:
    """History rows as an aligned text table (a note when there are none)."""
    if not entries:
        return "No history rows match."
    rows = [_HISTORY_COLUMNS] + [
        (
            str(e.id),
            _when(e.created_at),
            e.profile,
            e.number,
            e.brand,
            e.status.value,
            e.request_id or "-",
            str(e.checks_count),
            _clip(e.last_error, 60),
        )
        for e in entries
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(_HISTORY_COLUMNS))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in rows
    )
