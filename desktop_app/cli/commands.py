"""The eight commands: each one calls the shared :class:`~desktop_app.usecases.VerifyDesk`.

A command returns a :class:`CommandResult` (a JSON payload and the human text for the same
facts); ``main`` prints one or the other. Errors are not handled here: they propagate as domain
errors, already recorded in the history by the desk.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from desktop_app.domain.models import VerificationStatus
from desktop_app.domain.validation import Psd2Form, StartForm
from desktop_app.usecases import Started, VerifyDesk

from .connection import open_history, open_session
from .output import format_history, format_record, to_jsonable
from .v2 import run_v2, uses_v2

__all__ = ["COMMANDS", "CommandResult", "run_command"]


@dataclass(frozen=True)
class CommandResult:
    """What a command found out.

    Attributes:
        data: The JSON payload (``main`` adds ``"ok"`` and ``"command"``).
        text: The same facts for a person.
    """

    data: dict[str, Any]
    text: str


def _started(started: Started, what: str) -> CommandResult:
    rid = started.request_id
    return CommandResult(
        {
            "request_id": rid,
            "history_id": started.history_id,
            "number": started.number,
            "status": VerificationStatus.IN_PROGRESS.value,
        },
        f"{what} started: request {rid} to {started.number} (history #{started.history_id}).\n"
        f"Next: check --request-id {rid} --code CODE",
    )


def _start(desk: VerifyDesk, args: argparse.Namespace) -> CommandResult:
    form = StartForm(
        number=args.number, brand=args.brand, country=args.country, sender_id=args.sender_id,
        code_length=args.code_length, lg=args.lg, pin_expiry=args.pin_expiry,
        next_event_wait=args.next_event_wait, workflow_id=args.workflow_id,
        pin_code=args.pin_code,
    )  # fmt: skip
    return _started(desk.start(form, allow_unknown_number=args.yes_unknown_number), "Verification")


def _psd2(desk: VerifyDesk, args: argparse.Namespace) -> CommandResult:
    form = Psd2Form(
        number=args.number, payee=args.payee, amount=args.amount, country=args.country,
        code_length=args.code_length, lg=args.lg, pin_expiry=args.pin_expiry,
        next_event_wait=args.next_event_wait, workflow_id=args.workflow_id,
    )  # fmt: skip
    started = desk.start_psd2(form, allow_unknown_number=args.yes_unknown_number)
    return _started(started, "PSD2 verification")


def _check(desk: VerifyDesk, args: argparse.Namespace) -> CommandResult:
    result = desk.check(args.request_id, args.code)
    data = {**to_jsonable(result), "status": VerificationStatus.SUCCESS.value}
    price = f"{result.price} {result.currency}".strip() if result.price is not None else "-"
    return CommandResult(
        data, f"Code accepted: request {result.request_id} is SUCCESS (price {price})."
    )


def _search(desk: VerifyDesk, args: argparse.Namespace) -> CommandResult:
    records = desk.search(args.request_ids)
    return CommandResult(
        {"records": to_jsonable(records, show_codes=args.show_codes)},
        "\n".join(format_record(r, show_codes=args.show_codes) for r in records),
    )


def _cancel(desk: VerifyDesk, args: argparse.Namespace) -> CommandResult:
    result = desk.cancel(args.request_id)
    rid = args.request_id.strip()
    return CommandResult(
        {
            "request_id": rid,
            "api_command": result.command,
            "status": VerificationStatus.CANCELLED.value,
        },
        f"Request {rid} is CANCELLED.",
    )


def _next(desk: VerifyDesk, args: argparse.Namespace) -> CommandResult:
    result = desk.trigger_next_event(args.request_id)
    rid = args.request_id.strip()
    return CommandResult(
        {"request_id": rid, "api_command": result.command},
        f"Next delivery triggered for request {rid}.",
    )


def _balance(desk: VerifyDesk, args: argparse.Namespace) -> CommandResult:
    balance = desk.balance()
    reload = "on" if balance.auto_reload else "off"
    return CommandResult(
        to_jsonable(balance), f"Balance: {balance.value} EUR (auto-reload {reload})."
    )


#: Command name -> handler, for every command that talks to the API.
COMMANDS: dict[str, Callable[[VerifyDesk, argparse.Namespace], CommandResult]] = {
    "start": _start,
    "psd2": _psd2,
    "check": _check,
    "search": _search,
    "cancel": _cancel,
    "next": _next,
    "balance": _balance,
}


def _history(args: argparse.Namespace) -> CommandResult:
    # Local only: no credentials, no sandbox, no network. --profile narrows the list.
    with open_history(args) as history:
        entries = history.recent(
            limit=args.limit, text=args.filter, status=args.status, profile=args.profile
        )
    return CommandResult({"entries": to_jsonable(entries)}, format_history(entries))


def run_command(args: argparse.Namespace) -> CommandResult:
    """Run the parsed command with its resources open, and close them afterwards.

    Raises:
        VerifyDeskError: Whatever the desk or the connection raised.
    """
    if args.command == "history":
        return _history(args)
    v2 = args.command in ("start", "check", "cancel", "next") and uses_v2(args)
    with open_session(args) as session:
        if v2:
            return CommandResult(*run_v2(session.desk, args))
        return COMMANDS[args.command](session.desk, args)
