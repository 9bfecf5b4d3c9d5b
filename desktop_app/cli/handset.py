"""``handset``: the codes the sandbox's simulated phone received, so a script needs no curl.

``verify-desk-cli --sandbox handset [--number N]`` lists what the built-in sandbox "delivered"
(``--sandbox-url URL`` reads another sandbox), oldest first: when, the channel, the number,
the code and the request it belongs to. With ``--json`` each message is an object with its
``code`` and full ``text``. Only a sandbox has a handset: without a sandbox option the command
is refused (exit 2) and nothing is sent anywhere.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC

from desktop_app.api.http import build_http_client
from desktop_app.api.sandbox_control import SandboxControl
from desktop_app.domain.errors import FieldError, ValidationFailed
from desktop_app.domain.models import HandsetMessage

from .builtin_sandbox import open_builtin_sandbox
from .connection import call_limits, check_host_options
from .output import terminal_safe, to_jsonable
from .parser import PROG, CliUsageError

__all__ = ["handset_command", "handset_number"]

#: The longest ``--number`` filter (an email address, for a v2 email channel).
NUMBER_MAX = 254
_SEPARATORS = re.compile(r"[\s().-]+")
_CHANNELS = {"sms": "SMS", "tts": "call", "voice": "call", "email": "email",
             "whatsapp": "WhatsApp"}  # fmt: skip


def handset_number(text: str) -> str | None:
    """The ``--number`` filter as the sandbox stores addresses (None: every message).

    A phone number loses its spaces, dashes, dots, brackets and leading ``+`` (the sandbox
    keeps E.164 digits); anything else (an email address) is kept as typed.

    Raises:
        ValidationFailed: Too long, or with control characters.
    """
    value = text.strip()
    if not value:
        return None
    if len(value) > NUMBER_MAX or not value.isprintable():
        rule = f"must be 1 to {NUMBER_MAX} printable characters (a number or an email address)"
        raise ValidationFailed([FieldError("--number", rule)])
    digits = _SEPARATORS.sub("", value).removeprefix("+")
    return digits if digits.isdigit() else value


@contextmanager
def _sandbox_url(args: argparse.Namespace) -> Iterator[str]:
    if args.sandbox:
        with open_builtin_sandbox(args.sandbox_time_scale) as builtin:
            yield builtin.url
        return
    if not args.sandbox_url:
        raise CliUsageError(
            "handset reads a sandbox's simulated phone: add --sandbox (the built-in sandbox) "
            f"or --sandbox-url URL ({PROG} --sandbox handset --number N)"
        )
    check_host_options(None, None, args.sandbox_url)
    yield args.sandbox_url


def _line(message: HandsetMessage) -> str:
    when = message.sent_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC") \
        if message.sent_at else "-"  # fmt: skip
    channel = _CHANNELS.get(message.channel, message.channel)
    return terminal_safe(
        f"{when}  {channel} to {message.number}: code {message.code or '-'} "
        f"(request {message.request_id})"
    )


def handset_command(args: argparse.Namespace) -> tuple[dict[str, object], str]:
    """List the handset's messages; returns the JSON payload and the text for a person.

    Raises:
        CliUsageError: No sandbox option.
        ValidationFailed: A bad ``--number``.
        VerifyDeskError: The sandbox did not answer (TransportError and the like).
    """
    number = handset_number(args.number)
    with _sandbox_url(args) as url, build_http_client(limits=call_limits(args)) as http:
        messages = SandboxControl(http, url).messages(number)
    # The codes are the point here (a sandbox's, never a real customer's): shown in full.
    items = [{**to_jsonable(m, show_codes=True), "text": m.text} for m in messages]
    data: dict[str, object] = {"messages": items}
    if not messages:
        where = f" for {number}" if number else ""
        return data, f"The sandbox's handset has no message{where} yet."
    return data, "\n".join(_line(m) for m in messages)
