"""The Messages API side of ``verify-desk-cli``: ``message send`` and codes by message.

::

    message send --channel sms|mms|whatsapp|viber|messenger --to TO --from FROM
                 (--text TEXT | --template NAME [--param P]... [--locale L] | --image-url URL)
                 [--failover-channel C --failover-text TEXT [--failover-from F]]
                 [--client-ref REF] [--webhook-url URL] [--wait [SECONDS]]
    message code send  --channel C --to TO --from FROM [--brand B] [--text "... {code} ..."]
                       [--auth-template NAME [--locale L]] [--code-length N] [--expiry S]
                       [--failover-channel C --failover-from F] [--client-ref REF]
    message code check  --id MESSAGE_ID --code CODE
    message code cancel --id MESSAGE_ID
    message events      --id MESSAGE_ID
    message keyring     (--set | --delete) signature_secret|private_key|application_id
                        (see desktop_app.cli.messages_keyring)

Values stay raw strings: the domain's Messages rules refuse bad input with the API's own field
paths (``to``, ``failover[0].text``), so the window and the command line say the same words.
Every send is a history row (``history`` lists them with their delivery); the exit statuses are
the command line's: 0 done, 1 refused (by the API, or a wrong code), 2 bad input, 3 no answer.
A code is printed nowhere: it goes only into the message.

A one-shot command cannot receive status webhooks, so a message it sends is SENT (its delivery
not tracked); ``message send --wait [SECONDS]`` on a sandbox finds out how it ended
(:mod:`desktop_app.cli.messages_wait`).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from desktop_app.domain.message_code_form import CodeForm
from desktop_app.domain.message_delivery import NOT_TRACKED
from desktop_app.domain.messages import (
    Content,
    Image,
    MessageRequest,
    Template,
    Text,
    WhatsAppOptions,
    channel_named,
)
from desktop_app.domain.messages_fields import as_sent
from desktop_app.domain.models import ControlResult, VerificationStatus
from desktop_app.settings.credentials import (
    MESSAGES_ITEMS,
)
from desktop_app.usecases import VerifyOperations
from desktop_app.usecases.messages import MessageDesk, MessageSent

from .messages_wait import DEFAULT_WAIT, wait_for_delivery, wait_seconds
from .output import EXIT_OK, terminal_safe, to_jsonable
from .parser import CliUsageError

__all__ = [
    "add_message_commands",
    "message_cancelled",
    "message_moved",
    "run_message",
]

#: What ``--channel`` accepts (the API's names and the short ones people type).
CHANNEL_CHOICES = ("sms", "mms", "whatsapp", "viber", "messenger")
Result = tuple[dict[str, Any], str]


def _channel(text: str) -> str:
    channel = channel_named(text)
    if channel is None:
        raise argparse.ArgumentTypeError(
            f"unknown channel {text!r} (one of: {', '.join(CHANNEL_CHOICES)})"
        )
    return channel


def add_message_commands(
    sub: argparse._SubParsersAction[Any],
    command: Callable[[argparse._SubParsersAction[Any], str, str], argparse.ArgumentParser],
    add_globals: Callable[[argparse.ArgumentParser], None],
) -> None:
    """Register ``message`` and its subcommands.

    Args:
        sub: The top-level subparsers.
        command: Makes a command parser in ``sub`` (with the global options).
        add_globals: Adds the global options to a nested parser.
    """
    text = "send messages (SMS, MMS, WhatsApp, Viber, Messenger) and codes"
    message = command(sub, "message", text)
    actions = message.add_subparsers(dest="message_command", metavar="ACTION", required=True)

    def nested(parent: Any, name: str, text: str) -> argparse.ArgumentParser:
        parser: argparse.ArgumentParser = parent.add_parser(name, help=text, description=text)
        add_globals(parser)
        return parser

    send = nested(actions, "send", "send one message (with an optional failover message)")
    _send_options(send)

    code = nested(actions, "code", "send a one-time code by message and check it here")
    code_actions = code.add_subparsers(dest="code_command", metavar="ACTION", required=True)
    _code_send_options(nested(code_actions, "send", "make a code and send it by message"))
    check = nested(code_actions, "check", "check the code the customer read")
    _id_option(check)
    check.add_argument("--code", default="", help="the code (never stored or logged)")
    _id_option(nested(code_actions, "cancel", "end a code before it is used"))
    _id_option(nested(actions, "events", "show a message's status timeline (from the history)"))
    keyring = nested(actions, "keyring", "store or forget a profile's Messages secrets (keyring)")
    which = keyring.add_mutually_exclusive_group(required=True)
    which.add_argument("--set", choices=MESSAGES_ITEMS, metavar="ITEM",
                       help=f"store ITEM ({', '.join(MESSAGES_ITEMS)}), read from stdin")
    which.add_argument("--delete", choices=MESSAGES_ITEMS, metavar="ITEM", help="forget ITEM")


def _id_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--id", "--request-id", dest="message_id", default="",
                        help="the message id (message_uuid) the send printed")  # fmt: skip


def _addressing(parser: argparse.ArgumentParser) -> None:
    add = parser.add_argument
    add("--channel", type=_channel, required=True, metavar="CHANNEL",
        help=f"one of {', '.join(CHANNEL_CHOICES)}")  # fmt: skip
    add("--to", default="", help="the recipient's number, 447700900123 or +44 7700 900123 "
        "(Messenger: the user's id)")
    add("--from", dest="from_", default="", metavar="FROM",
        help="the sender: a number, an SMS sender id, a Viber service id or a page id")  # fmt: skip
    add("--client-ref", default="", help="your reference, echoed in status webhooks (<= 100)")


def _send_options(parser: argparse.ArgumentParser) -> None:
    _addressing(parser)
    add = parser.add_argument
    add("--text", default=None, help="the text")
    add("--template", default=None, metavar="NAME", help="WhatsApp: an approved template")
    add("--param", dest="params", action="append", default=[],
        help="a template parameter ({{1}}, {{2}}...; repeat in order)")  # fmt: skip
    add("--locale", default="", help="the template's language (default en_US)")
    add("--image-url", default=None, metavar="URL", help="an image (https)")
    add("--caption", default=None, help="the image's caption")
    add("--failover-channel", type=_channel, default=None, metavar="CHANNEL",
        help="send this channel's message when the first is rejected")  # fmt: skip
    add("--failover-text", default=None, help="the failover message's text")
    add("--failover-from", default=None, help="the failover message's sender (default --from)")
    add("--webhook-url", default=None, metavar="URL",
        help="where this message's status webhooks go (default: the account's)")  # fmt: skip
    add("--wait", type=wait_seconds, nargs="?", const=DEFAULT_WAIT, default=None,
        metavar="SECONDS",
        help=f"on a sandbox: wait until the message ends (at most SECONDS, default "
             f"{DEFAULT_WAIT:g}) and print its final status")  # fmt: skip


def _code_send_options(parser: argparse.ArgumentParser) -> None:
    _addressing(parser)
    add = parser.add_argument
    add("--brand", default="", help="put in {brand} (up to 18 characters)")
    add("--text", default="", metavar="TEMPLATE",
        help='the text, holding {code} (default "{brand}: your verification code is {code}")')
    add("--auth-template", default="", metavar="NAME",
        help="WhatsApp: an authentication template carrying the code (copy-code button)")
    add("--locale", default="", help="the authentication template's language (default en_US)")
    add("--code-length", default="", help="digits, 4 to 10 (default 6)")
    add("--expiry", default="", help="seconds the code lives, 60 to 3600 (default 300)")
    add("--failover-channel", default="", metavar="CHANNEL",
        help="send the code by this channel when the first message is rejected")  # fmt: skip
    add("--failover-from", default="", help="the failover message's sender")


# -- building what is sent --------------------------------------------------------------------


def _content(args: argparse.Namespace) -> Content:
    options = (("--text", args.text), ("--template", args.template),
               ("--image-url", args.image_url))  # fmt: skip
    given = [flag for flag, value in options if value is not None]
    if len(given) != 1:
        which = " and ".join(given) if given else "none"
        raise CliUsageError(f"give exactly one of --text, --template, --image-url (got {which})")
    if args.params and args.template is None:
        raise CliUsageError("--param goes with --template")
    if args.caption is not None and args.image_url is None:
        raise CliUsageError("--caption goes with --image-url")
    if args.text is not None:
        return Text(args.text)
    if args.template is not None:
        return Template(args.template, tuple(args.params))
    return Image(args.image_url, args.caption)


def message_request(args: argparse.Namespace) -> MessageRequest:
    """The message ``message send`` describes (the domain's rules check it when sent).

    Raises:
        CliUsageError: Contents given twice or not at all, or half a failover.
    """
    content = _content(args)
    if (args.failover_channel is None) != (args.failover_text is None):
        raise CliUsageError("--failover-channel and --failover-text go together")
    failover: tuple[MessageRequest, ...] = ()
    if args.failover_channel is not None:
        sender = args.failover_from if args.failover_from is not None else args.from_
        failover = (MessageRequest(args.failover_channel,
                                   as_sent("to", args.to, args.failover_channel),
                                   as_sent("failover[0].from", sender, args.failover_channel),
                                   Text(args.failover_text)),)  # fmt: skip
    whatsapp = WhatsAppOptions(args.locale) if args.locale and args.template else None
    if args.locale and args.template is None:
        raise CliUsageError("--locale goes with --template")
    return MessageRequest(
        channel=args.channel,
        to=as_sent("to", args.to, args.channel),
        from_=as_sent("from", args.from_, args.channel),
        content=content,
        client_ref=args.client_ref or None,
        webhook_url=args.webhook_url,
        whatsapp=whatsapp,
        failover=failover,
    )


def code_form(args: argparse.Namespace) -> CodeForm:
    """The code form ``message code send`` describes."""
    return CodeForm(
        channel=args.channel, to=as_sent("to", args.to, args.channel),
        from_=as_sent("from", args.from_, args.channel), brand=args.brand,
        template=args.text, auth_template=args.auth_template, locale=args.locale,
        code_length=args.code_length, expiry=args.expiry,
        failover_channel=args.failover_channel,
        failover_from=as_sent("failover[0].from", args.failover_from, args.failover_channel),
        client_ref=args.client_ref,
    )  # fmt: skip


# -- the actions ----------------------------------------------------------------------------


def _sent_data(sent: MessageSent) -> dict[str, Any]:
    return {
        "api_version": "messages",
        "message_uuid": sent.message_uuid,
        "request_id": sent.message_uuid,
        "history_id": sent.history_id,
        "to": sent.number,
        "channels": list(sent.channels),
        "workflow_id": sent.workflow_id,
        "status": sent.status.value,
        "delivery_tracked": sent.tracked,
    }


def _via(sent: MessageSent) -> str:
    return " → ".join(sent.channels)


def _send(desk: MessageDesk, args: argparse.Namespace) -> Result:
    wait = getattr(args, "wait", None)
    if wait is not None and not (args.sandbox or args.sandbox_url):
        raise CliUsageError(
            "--wait works on a sandbox (--sandbox or --sandbox-url): a live account posts "
            "statuses to a webhook receiver, which a one-shot command is not (docs/messages.md)"
        )
    sent = desk.send(message_request(args))
    tracked = "" if sent.tracked else f"\nDelivery: {NOT_TRACKED}."
    if wait is not None:
        tracked = ""
    text = (f"Message accepted: {sent.message_uuid} to {terminal_safe(sent.number)} via "
            f"{_via(sent)} (history #{sent.history_id}).{tracked}")  # fmt: skip
    return {"action": "send", **_sent_data(sent)}, text


def _code_send(desk: MessageDesk, args: argparse.Namespace) -> Result:
    sent = desk.send_code(code_form(args))
    text = (
        f"Code sent by message: {sent.message_uuid} to {terminal_safe(sent.number)} via "
        f"{_via(sent)} (history #{sent.history_id}).\n"
        f"Next: message code check --id {sent.message_uuid} --code CODE"
    )
    return {"action": "code send", **_sent_data(sent)}, text


def _code_check(desk: MessageDesk, args: argparse.Namespace) -> Result:
    result = desk.check_code(args.message_id, args.code)
    data = {"action": "code check", "api_version": "messages", "request_id": result.request_id,
            "status": VerificationStatus.SUCCESS.value}  # fmt: skip
    return data, f"Code accepted: {result.request_id} is SUCCESS."


def _code_cancel(desk: MessageDesk, args: argparse.Namespace) -> Result:
    result = desk.cancel_code(args.message_id)
    data, text = message_cancelled(args.message_id.strip().lower(), result)
    return {"action": "code cancel", **data}, text


def _events(desk: MessageDesk, args: argparse.Namespace) -> Result:
    events = desk.timeline(args.message_id)
    rid = args.message_id.strip().lower()
    if not events:
        return ({"action": "events", "request_id": rid, "events": []},
                f"No status has arrived for {rid} yet.")  # fmt: skip
    lines = [f"Statuses of {rid}:"]
    for event in events:
        error = f" error {event.error_code} {event.error_title}" if event.error_code else ""
        price = f" {event.price} {event.currency}" if event.price is not None else ""
        when = f"{event.occurred_at:%Y-%m-%d %H:%M:%S}"
        lines.append(f"  leg {event.leg + 1} {event.channel:<13} {event.status.value:<13} "
                     f"{when}{price}{terminal_safe(error)}")  # fmt: skip
    return {"action": "events", "request_id": rid, "events": to_jsonable(events)}, "\n".join(lines)


def message_cancelled(request_id: str, result: ControlResult) -> Result:
    """``cancel`` of a Messages API row: its code is ended."""
    data = {"api_version": "messages", "request_id": request_id, "api_command": result.command,
            "status": VerificationStatus.CANCELLED.value}  # fmt: skip
    return data, f"Code of {request_id} is CANCELLED."


def message_moved(request_id: str, result: ControlResult) -> Result:
    """``next`` of a Messages API row (the desk refuses it; kept for the wording table)."""
    return {"api_version": "messages", "request_id": request_id}, f"{request_id}: {result.command}"


_ACTIONS: dict[str, Callable[[MessageDesk, argparse.Namespace], Result]] = {
    "send": _send,
    "code send": _code_send,
    "code check": _code_check,
    "code cancel": _code_cancel,
    "events": _events,
}


def run_message(
    ops: VerifyOperations, args: argparse.Namespace
) -> tuple[dict[str, Any], str, int]:
    """Run one ``message`` action with the profile's Messages desk; its data, text, exit status.

    Raises:
        VerifyDeskError: Whatever the desk raised (already recorded in the history).
    """
    desk = ops.messages
    if desk is None:  # pragma: no cover - open_desk always builds one
        raise CliUsageError("this profile has no Messages API desk")
    action = args.message_command
    if action == "code":
        action = f"code {args.code_command}"
    if action == "send" and getattr(args, "wait", None) is not None:
        data, text = _send(desk, args)
        return wait_for_delivery(desk, data, text, args.wait)
    return (*_ACTIONS[action](desk, args), EXIT_OK)

