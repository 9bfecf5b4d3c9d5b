"""The nine commands: each one calls the shared :class:`~desktop_app.usecases.VerifyOperations`.

The facade picks the API family of a request (``--api`` may force one); this module only words
the answer, per family where the families answer differently. A command returns a
:class:`CommandResult` (a JSON payload and the human text for the same facts); ``main`` prints
one or the other. Errors are not handled here: they propagate as domain
errors, already recorded in the history by the desk.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from desktop_app.domain.api_family import ApiFamily
from desktop_app.domain.history_query import RecentQuery
from desktop_app.domain.models import ControlResult, VerificationStatus
from desktop_app.domain.test_numbers import API_V1
from desktop_app.domain.v2 import V2CheckResult
from desktop_app.domain.validation import Psd2Form, StartForm
from desktop_app.usecases import Started, VerifyOperations

from .audit import actions_command, check_audit_options
from .connection import open_history, open_session
from .export import check_export_options, export_command
from .handset import handset_command
from .messages import message_cancelled, message_moved, run_message
from .messages_keyring import run_keyring
from .output import format_history, format_record, to_jsonable
from .scenarios import run_scenarios
from .test_numbers import allow_unknown_number, list_test_numbers
from .v2 import requested_family, start_v2, uses_v2, v2_cancelled, v2_checked, v2_moved

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
    #: ``run`` fails with 1 when an expectation did not hold; every other command raises.
    exit_code: int = 0


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


def _start(ops: VerifyOperations, args: argparse.Namespace) -> CommandResult:
    if uses_v2(args):
        return CommandResult(*start_v2(ops, args))
    form = StartForm(
        number=args.number, brand=args.brand, country=args.country, sender_id=args.sender_id,
        code_length=args.code_length, lg=args.lg, pin_expiry=args.pin_expiry,
        next_event_wait=args.next_event_wait, workflow_id=args.workflow_id,
        pin_code=args.pin_code,
    )  # fmt: skip
    allow = allow_unknown_number(args, API_V1, [args.number])
    return _started(ops.start(form, allow_unknown_number=allow), "Verification")


def _psd2(ops: VerifyOperations, args: argparse.Namespace) -> CommandResult:
    form = Psd2Form(
        number=args.number, payee=args.payee, amount=args.amount, country=args.country,
        code_length=args.code_length, lg=args.lg, pin_expiry=args.pin_expiry,
        next_event_wait=args.next_event_wait, workflow_id=args.workflow_id,
    )  # fmt: skip
    started = ops.start_psd2(
        form, allow_unknown_number=allow_unknown_number(args, API_V1, [args.number]))
    return _started(started, "PSD2 verification")


def _family(ops: VerifyOperations, args: argparse.Namespace) -> ApiFamily:
    """``--api`` when given, else the facade's rule (the history row, then the id's shape)."""
    return requested_family(args) or ops.family_of(args.request_id)


def _check(ops: VerifyOperations, args: argparse.Namespace) -> CommandResult:
    result = ops.check(args.request_id, args.code, family=_family(ops, args))
    if isinstance(result, V2CheckResult):
        return CommandResult(*v2_checked(result))
    data = {**to_jsonable(result), "status": VerificationStatus.SUCCESS.value}
    price = f"{result.price} {result.currency}".strip() if result.price is not None else "-"
    return CommandResult(
        data, f"Code accepted: request {result.request_id} is SUCCESS (price {price})."
    )


def _search(ops: VerifyOperations, args: argparse.Namespace) -> CommandResult:
    records = ops.search(args.request_ids)
    return CommandResult(
        {"records": to_jsonable(records, show_codes=args.show_codes)},
        "\n".join(format_record(r, show_codes=args.show_codes) for r in records),
    )


Wording = Callable[[str, ControlResult], tuple[dict[str, Any], str]]


def _v1_cancelled(request_id: str, result: ControlResult) -> tuple[dict[str, Any], str]:
    data = {
        "request_id": request_id,
        "api_command": result.command,
        "status": VerificationStatus.CANCELLED.value,
    }
    return data, f"Request {request_id} is CANCELLED."


def _v1_moved(request_id: str, result: ControlResult) -> tuple[dict[str, Any], str]:
    data = {"request_id": request_id, "api_command": result.command}
    return data, f"Next delivery triggered for request {request_id}."


#: How each family's answer to cancel and to next is worded: (cancelled, moved on).
_CONTROL_WORDING: dict[ApiFamily, tuple[Wording, Wording]] = {
    ApiFamily.V1: (_v1_cancelled, _v1_moved),
    ApiFamily.V2: (v2_cancelled, v2_moved),
    ApiFamily.MESSAGES: (message_cancelled, message_moved),
}


def _cancel(ops: VerifyOperations, args: argparse.Namespace) -> CommandResult:
    family = _family(ops, args)
    result = ops.cancel(args.request_id, family=family)
    cancelled, _ = _CONTROL_WORDING[family]
    return CommandResult(*cancelled(args.request_id.strip(), result))


def _next(ops: VerifyOperations, args: argparse.Namespace) -> CommandResult:
    family = _family(ops, args)
    result = ops.next_event(args.request_id, family=family)
    _, moved = _CONTROL_WORDING[family]
    return CommandResult(*moved(args.request_id.strip(), result))


def _balance(ops: VerifyOperations, args: argparse.Namespace) -> CommandResult:
    balance = ops.balance()
    reload = "on" if balance.auto_reload else "off"
    return CommandResult(
        to_jsonable(balance), f"Balance: {balance.value} EUR (auto-reload {reload})."
    )


#: Command name -> handler, for every command that talks to the API.
COMMANDS: dict[str, Callable[[VerifyOperations, argparse.Namespace], CommandResult]] = {
    "start": _start,
    "psd2": _psd2,
    "check": _check,
    "search": _search,
    "cancel": _cancel,
    "next": _next,
    "balance": _balance,
    "message": lambda ops, args: CommandResult(*run_message(ops, args)),
}


def _history(args: argparse.Namespace) -> CommandResult:
    # Local only: no credentials, no sandbox, no network. --profile narrows the list.
    check_export_options(args)
    check_audit_options(args)
    if args.actions is not None:
        return CommandResult(*actions_command(args))
    if args.export is not None:
        return CommandResult(*export_command(args))
    with open_history(args) as history:
        query = RecentQuery(
            limit=args.limit, text=args.filter, status=args.status, profile=args.profile
        )
        entries = history.recent(query)
    return CommandResult({"entries": to_jsonable(entries)}, format_history(entries))


def run_command(args: argparse.Namespace) -> CommandResult:
    """Run the parsed command with its resources open, and close them afterwards.

    Raises:
        VerifyDeskError: Whatever the desk or the connection raised.
    """
    if args.command == "history" and getattr(args, "history_command", None):
        from .team import run_history_command  # the PostgreSQL driver loads only for these

        return CommandResult(*run_history_command(args))
    if args.command == "history":
        return _history(args)
    if args.command == "message" and args.message_command == "keyring":
        return CommandResult(*run_keyring(args))  # local: no session, no history
    if args.command == "test-numbers":
        return CommandResult(*list_test_numbers(args))
    if args.command == "run":
        return CommandResult(*run_scenarios(args))
    if args.command == "handset":  # the sandbox's own control: no profile, no history
        return CommandResult(*handset_command(args))
    if args.command == "start":
        uses_v2(args)  # mixed v1/v2 options are a usage error before anything is opened
    with open_session(args) as session:
        return COMMANDS[args.command](session.desk, args)
