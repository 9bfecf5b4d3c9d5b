"""The Verify v2 side of ``verify-desk-cli``: its options and its four commands.

``start --api v2 --workflow sms,voice`` builds the v2 channel list from the command line:

* ``to``: ``--number`` for the phone channels (sms, voice, whatsapp, silent_auth) and
  ``--to-email`` for email;
* ``from``: ``--from`` for sms, ``--whatsapp-from`` for whatsapp (required there: your own
  WhatsApp Business number), ``--email-from`` for email;
* ``--app-hash``/``--entity-id``/``--content-id`` go to every sms channel, ``--redirect-url``
  to silent_auth.

``check``, ``cancel`` and ``next`` leave the API to the use-case facade, which follows the
request's history row (then the id's shape); ``--api`` forces one. v2 ``next`` is
``next_workflow``. This module words what v2 answered. Values stay raw strings: the domain's v2
rules (:mod:`desktop_app.domain.v2_validation`) refuse bad input with the field named
(``workflow[1].from: ...``), so the window and the command line say the same words.
"""

from __future__ import annotations

import argparse
from typing import Any

from desktop_app.domain.api_family import ApiFamily
from desktop_app.domain.models import ControlResult, VerificationStatus
from desktop_app.domain.test_numbers import API_V2
from desktop_app.domain.v2 import EMAIL, SILENT_AUTH, SMS, WHATSAPP, V2CheckResult
from desktop_app.domain.v2_validation import V2ChannelForm, V2Form
from desktop_app.usecases import VerifyOperations

from .parser import CliUsageError
from .test_numbers import allow_unknown_number

__all__ = [
    "V1_ONLY_START_OPTIONS",
    "V2_START_OPTIONS",
    "add_api_option",
    "add_v2_start_options",
    "channel_forms",
    "requested_family",
    "start_v2",
    "uses_v2",
    "v2_cancelled",
    "v2_checked",
    "v2_moved",
]

#: v2-only start options: (flag, dest, help).
V2_START_OPTIONS: tuple[tuple[str, str, str], ...] = (
    (
        "--workflow",
        "workflow",
        "v2: channels in order, e.g. sms,voice (sms voice email whatsapp silent_auth)",
    ),
    ("--to-email", "to_email", "v2: the email channel's address"),
    ("--from", "from_", "v2: the sms sender (number or 3-11 letters and digits)"),
    (
        "--whatsapp-from",
        "whatsapp_from",
        "v2: your WhatsApp Business number (required for whatsapp)",
    ),
    ("--email-from", "email_from", "v2: the email channel's sender address"),
    ("--locale", "locale", "v2: message locale, e.g. en-gb (13 locales)"),
    ("--channel-timeout", "channel_timeout", "v2: seconds before the next channel (15-900)"),
    ("--client-ref", "client_ref", "v2: reference echoed in callbacks (1-16 characters)"),
    ("--code", "code", "v2: custom code (4-10 letters or digits; never stored or logged)"),
    ("--app-hash", "app_hash", "v2: Android SMS Retriever hash for the sms channels (11)"),
    ("--entity-id", "entity_id", "v2: India DLT entity id for the sms channels"),
    ("--content-id", "content_id", "v2: India DLT content template id for the sms channels"),
    ("--redirect-url", "redirect_url", "v2: where silent_auth finally redirects the handset"),
)
#: v1-only start options (dest, flag, what v2 uses instead).
V1_ONLY_START_OPTIONS: tuple[tuple[str, str, str], ...] = (
    ("workflow_id", "--workflow-id", "--workflow sms,voice"),
    ("lg", "--lg", "--locale"),
    ("pin_expiry", "--pin-expiry", "--channel-timeout"),
    ("next_event_wait", "--next-event-wait", "--channel-timeout"),
    ("sender_id", "--sender-id", "--from"),
    ("pin_code", "--pin-code", "--code"),
)


def add_api_option(parser: argparse.ArgumentParser, *, auto: bool) -> None:
    """``--api v1|v2`` (start: default v1; the others: the request's own API by default)."""
    parser.add_argument(
        "--api",
        choices=("v1", "v2"),
        default=None if auto else "v1",
        help=(
            "Verify API version (default: the one the request was sent with, as the history "
            "records it; else v2 for a UUID request id, v1 for the others)"
            if auto
            else "Verify API version (default v1); v2 takes --workflow and the v2 options"
        ),
    )


def add_v2_start_options(parser: argparse.ArgumentParser) -> None:
    """The Verify v2 start options (ignored by v1, refused there when given)."""
    group = parser.add_argument_group("Verify v2 (with --api v2)")
    for flag, dest, text in V2_START_OPTIONS:
        group.add_argument(flag, dest=dest, default="", help=text)


def uses_v2(args: argparse.Namespace) -> bool:
    """True when ``start`` starts a Verify v2 request (``--api v2``).

    Raises:
        CliUsageError: v1 and v2 options mixed.
    """
    v2 = requested_family(args) is ApiFamily.V2
    _check_start_options(args, v2=v2)
    return v2


def requested_family(args: argparse.Namespace) -> ApiFamily | None:
    """The family ``--api`` names, or None when it was not given."""
    return ApiFamily.recorded(getattr(args, "api", None))


def _check_start_options(args: argparse.Namespace, *, v2: bool) -> None:
    if v2:
        given = [(flag, instead) for dest, flag, instead in V1_ONLY_START_OPTIONS
                 if getattr(args, dest, "")]  # fmt: skip
        if given:
            flag, instead = given[0]
            raise CliUsageError(f"{flag} is a Verify v1 option; with --api v2 use {instead}")
        if not args.workflow.strip():
            raise CliUsageError("--api v2 needs --workflow, e.g. --workflow sms,voice")
        return
    v2_given = [flag for flag, dest, _ in V2_START_OPTIONS if getattr(args, dest, "")]
    if v2_given:
        raise CliUsageError(f"{v2_given[0]} is a Verify v2 option: add --api v2")


def channel_forms(args: argparse.Namespace) -> tuple[V2ChannelForm, ...]:
    """The workflow entries of ``--workflow`` with their ``to``, ``from`` and extras."""
    entries: list[V2ChannelForm] = []
    for raw in args.workflow.split(","):
        name = raw.strip().lower()
        to = args.to_email if name == EMAIL else args.number
        sender = {SMS: args.from_, WHATSAPP: args.whatsapp_from, EMAIL: args.email_from}
        extras: dict[str, str] = {}
        if name == SMS:
            extras = {"app_hash": args.app_hash, "entity_id": args.entity_id,
                      "content_id": args.content_id}  # fmt: skip
        elif name == SILENT_AUTH:
            extras = {"redirect_url": args.redirect_url}
        extras = {key: value for key, value in extras.items() if value}
        entries.append(V2ChannelForm(raw.strip(), to, sender.get(name, ""), extras))
    return tuple(entries)


def _form(args: argparse.Namespace) -> V2Form:
    return V2Form(
        brand=args.brand,
        channels=channel_forms(args),
        locale=args.locale,
        channel_timeout=args.channel_timeout,
        client_ref=args.client_ref,
        code_length=args.code_length,
        code=args.code,
    )


def _channel_text(channels: tuple[str, ...]) -> str:
    names = {"sms": "SMS", "voice": "Voice", "email": "Email", "whatsapp": "WhatsApp",
             "silent_auth": "Silent auth"}  # fmt: skip
    return " → ".join(names.get(c, c) for c in channels)


def start_v2(ops: VerifyOperations, args: argparse.Namespace) -> tuple[dict[str, Any], str]:
    """Run ``start --api v2``; returns the JSON payload and the text for a person."""
    form = _form(args)
    allow = allow_unknown_number(args, API_V2, [str(c[1]) for c in form.channels])
    started = ops.start_v2(form, allow_unknown_number=allow, region=args.country or None)
    rid = started.request_id
    data: dict[str, Any] = {
        "api_version": "v2",
        "request_id": rid,
        "history_id": started.history_id,
        "number": started.number,
        "channels": list(started.channels),
        "status": VerificationStatus.IN_PROGRESS.value,
    }
    if started.check_url:
        data["check_url"] = started.check_url
    text = (
        f"Verification (v2) started: request {rid} to {started.number} via "
        f"{_channel_text(started.channels)} (history #{started.history_id}).\n"
        f"Next: check --request-id {rid} --code CODE"
    )
    if started.check_url:
        text += f"\nSilent auth: open {started.check_url} on the handset's mobile data."
    return data, text


def v2_checked(result: V2CheckResult) -> tuple[dict[str, Any], str]:
    """The payload and text of a code Verify v2 accepted."""
    data = {
        "api_version": "v2",
        "request_id": result.request_id,
        "v2_status": result.status,
        "status": VerificationStatus.SUCCESS.value,
    }
    return data, f"Code accepted: request {result.request_id} is SUCCESS ({result.status})."


def v2_cancelled(request_id: str, result: ControlResult) -> tuple[dict[str, Any], str]:
    """The payload and text of a Verify v2 cancel."""
    data = {
        "api_version": "v2",
        "request_id": request_id,
        "api_command": result.command,
        "status": VerificationStatus.CANCELLED.value,
    }
    return data, f"Request {request_id} is CANCELLED."


def v2_moved(request_id: str, result: ControlResult) -> tuple[dict[str, Any], str]:
    """The payload and text of a Verify v2 ``next_workflow``."""
    data = {"api_version": "v2", "request_id": request_id, "api_command": result.command}
    return data, f"Moved request {request_id} to its next channel (next_workflow)."
