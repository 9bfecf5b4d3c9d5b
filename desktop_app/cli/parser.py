"""The ``verify-desk-cli`` argument parser.

Global options are accepted before *and* after the command: the top-level parser holds them with
their real defaults, and every sub-parser repeats them with ``argparse.SUPPRESS`` defaults, so a
value given after the command overrides the top-level one and an absent one does not erase it.

Command options mirror the Verify API's parameter names in kebab case (``--pin-expiry`` is
``pin_expiry``). Their values stay raw strings: the domain validators own every rule, so the
command line and the window refuse the same input with the same words.

Usage errors raise :class:`CliUsageError` instead of exiting, so ``main`` decides the output
(text or JSON) and the exit code (2).
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Sequence
from typing import Final, NoReturn

from desktop_app.api.exchange import ANSWER_SIZE_RANGE, DEADLINE_RANGE, DEFAULT_CALL_LIMITS
from desktop_app.domain.errors import VerifyDeskError
from desktop_app.domain.models import VerificationStatus

from .inputs import at_most, bounded_number, operator_name, whole_number

__all__ = ["PROG", "CliUsageError", "build_parser", "parse_args", "parse_status"]

PROG = "verify-desk-cli"
#: The largest ``history --limit``.
MAX_HISTORY_LIMIT: Final = 100_000
#: The longest ``history --filter`` (SQLite refuses very long LIKE patterns).
FILTER_MAX: Final = 200
#: The fastest ``--sandbox-time-scale`` (the sandbox's own limit).
MAX_TIME_SCALE: Final = 1_000_000.0
#: The longest ``--operator`` name.
OPERATOR_MAX: Final = 64

_DESCRIPTION = """\
Verify Desk's command line for QA: every Vonage Verify v1 operation, and Verify v2's start,
check, cancel and next_workflow (start --api v2 --workflow sms,voice; a UUID request id is v2),
and the Messages API (message send / code / events: SMS, MMS, WhatsApp, Viber, Messenger),
all recorded in the history. Scenario files (run) give JUnit reports for CI.

Where requests go (first match wins):
  --sandbox             the built-in sandbox the window uses: its requests, handset and clock
                        are kept in the app's data folder, so start -> handset -> check works
                        across commands, with or without the window running
  --sandbox-url URL     a running sandbox (e.g. `verify-desk-sandbox --port 0`) with its
                        default credentials
  --api-host/--rest-host  these hosts, with VERIFY_DESK_API_KEY / VERIFY_DESK_API_SECRET
                        (or the --profile's credentials)
  otherwise             --profile NAME, or the settings' active profile (secret from the
                        keyring, or from the two environment variables)

Proxies: HTTPS_PROXY (or https_proxy) carries https hosts, NO_PROXY hosts go direct;
HTTP_PROXY and ALL_PROXY are ignored, and plain http goes only to this computer (loopback).
"""

_EPILOG = """\
exit status: 0 success, 1 the API refused, 2 bad input or usage (nothing sent),
3 transport failure (no answer, or outcome unknown), 4 the history database cannot be used
(or another failure on this machine; the log file has the details), 130 interrupted,
141 the reader of the output stopped early (e.g. `| head`).

example (QA script):
  verify-desk-cli --sandbox --json start --number 447123456789 --brand Acme   # prints the id
  verify-desk-cli --sandbox --json handset --number 447123456789   # the code it "received"
  verify-desk-cli --sandbox --json check --request-id ID --code CODE
"""


class CliUsageError(VerifyDeskError):
    """The command line itself is wrong (unknown option, missing command, bad combination)."""

    meaning = "The command line is not valid."
    next_step = f"Run '{PROG} --help' for the commands and options."

    def __init__(self, message: str, usage: str = "") -> None:
        super().__init__(message)
        self.usage = usage


class _Parser(argparse.ArgumentParser):
    """An ``ArgumentParser`` that raises instead of printing and exiting on errors."""

    def error(self, message: str) -> NoReturn:
        raise CliUsageError(message, self.format_usage())


def parse_status(text: str) -> VerificationStatus:
    """Read a history status given as ``SUCCESS``, ``in-progress``, ``"OUTCOME UNKNOWN"``...

    Raises:
        argparse.ArgumentTypeError: Not a status this app records.
    """
    wanted = re.sub(r"[-_\s]+", " ", text.strip()).upper()
    for status in VerificationStatus:
        if wanted in (status.value, status.name.replace("_", " ")):
            return status
    known = ", ".join(s.value for s in VerificationStatus)
    raise argparse.ArgumentTypeError(f"unknown status {text!r} (one of: {known})")


def _region(text: str) -> str:
    if len(text) != 2 or not text.isascii() or not text.isalpha():
        raise argparse.ArgumentTypeError(f"must be a 2-letter ISO country code (got {text!r})")
    return text.upper()


def _add_global_options(parser: argparse.ArgumentParser, *, suppress: bool) -> None:
    def default(value: object) -> object:
        return argparse.SUPPRESS if suppress else value

    group = parser.add_argument_group("global options (before or after the command)")
    add = group.add_argument
    add("--profile", metavar="NAME", default=default(None), help="use this saved profile")
    add(
        "--sandbox",
        action="store_true",
        default=default(False),
        help="use the built-in sandbox the window uses (its state is kept; sandbox credentials)",
    )
    add(
        "--sandbox-time-scale",
        metavar="X",
        type=bounded_number(0, MAX_TIME_SCALE),
        default=default(None),
        help="with --sandbox: make the sandbox clock run X times faster from now on (kept, "
        "as the window's Clock speed is; default: leave it)",
    )
    add(
        "--sandbox-url",
        metavar="URL",
        default=default(None),
        help="use a running sandbox (e.g. from verify-desk-sandbox) with its default credentials",
    )
    add(
        "--call-timeout",
        metavar="SECONDS",
        type=bounded_number(*DEADLINE_RANGE, low_allowed=True),
        default=default(DEFAULT_CALL_LIMITS.deadline),
        help=f"the most one API call may take, from connecting to the last byte of the answer "
        f"(default {DEFAULT_CALL_LIMITS.deadline:g})",
    )
    add(
        "--max-answer-bytes",
        metavar="N",
        type=whole_number(*ANSWER_SIZE_RANGE),
        default=default(DEFAULT_CALL_LIMITS.max_answer_bytes),
        help="the largest answer read from the API, in bytes "
        f"(default {DEFAULT_CALL_LIMITS.max_answer_bytes})",
    )
    add("--api-host", metavar="URL", default=default(None), help="Verify API host override")
    add("--rest-host", metavar="URL", default=default(None), help="REST (balance) host override")
    add(
        "--json",
        action="store_true",
        default=default(False),
        help="print one JSON object on stdout (errors too)",
    )
    add(
        "--history-db",
        metavar="PATH",
        default=default(None),
        help="history database file (default: the app's data folder)",
    )
    add(
        "--history-url",
        metavar="URL",
        default=default(None),
        help="the history as a URL: sqlite:///path or postgresql://user@host:port/db (a team's "
        "shared history; its password comes from the keyring); default: "
        "$VERIFY_DESK_HISTORY_URL, else --history-db",
    )
    add(
        "--region",
        metavar="XX",
        type=_region,
        default=default(None),
        help="default region for national numbers (default: from the locale)",
    )
    add(
        "--yes-unknown-number",
        action="store_true",
        default=default(False),
        help="send a possible number that is outside the known number ranges",
    )
    add(
        "--operator",
        metavar="NAME",
        default=default(None),
        help="operator name for the history (default: the OS user name)",
    )
    add(
        "-v",
        "--verbose",
        action="store_true",
        default=default(False),
        help="log to stderr at DEBUG level (codes and secrets are never logged)",
    )


def _command(sub: argparse._SubParsersAction[_Parser], name: str, text: str) -> _Parser:
    parser = sub.add_parser(name, help=text, description=text)
    _add_global_options(parser, suppress=True)
    return parser


def _start_options(parser: argparse.ArgumentParser, *, psd2: bool) -> None:
    add = parser.add_argument
    add("--number", default="", help="phone number (international, or national with --country)")
    if psd2:
        add("--payee", default="", help="payee shown to the customer (up to 18 characters)")
        add("--amount", default="", help="amount in euros, e.g. 12.50")
    else:
        add("--brand", default="", help="brand in the message (up to 18 characters)")
    add("--country", default="", help="2-letter country of a national-format number")
    if not psd2:
        add("--sender-id", default="", help="alphanumeric sender (up to 11 characters)")
    add("--code-length", default="", help="4 or 6 (Verify v2: 4 to 10)")
    add("--lg", default="", help="message language, e.g. en-gb")
    add("--pin-expiry", default="", help="seconds the code lives (60-3600)")
    add("--next-event-wait", default="", help="seconds between delivery attempts (60-900)")
    add("--workflow-id", default="", help="delivery workflow 1-7")
    if not psd2:
        add("--pin-code", default="", help="custom PIN (4-10 characters; needs account support)")


def build_parser() -> argparse.ArgumentParser:
    """Return the full parser (top level, global options, the commands and ``message``)."""
    parser = _Parser(
        prog=PROG,
        description=_DESCRIPTION,
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_global_options(parser, suppress=False)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    from .v2 import add_api_option, add_v2_start_options  # here: .v2 imports this module

    start = _command(sub, "start", "start a verification (SMS/voice code; --api v2: a workflow)")
    _start_options(start, psd2=False)
    add_api_option(start, auto=False)
    add_v2_start_options(start)
    _start_options(_command(sub, "psd2", "start a PSD2 payment verification"), psd2=True)

    check = _command(sub, "check", "check the code the customer received")
    check.add_argument("--request-id", default="", help="the request to check")
    check.add_argument("--code", default="", help="the code (never stored or logged)")
    add_api_option(check, auto=True)

    search = _command(sub, "search", "look up 1 to 10 requests and refresh their history")
    search.add_argument(
        "--request-id",
        dest="request_ids",
        metavar="ID",
        action="append",
        default=[],
        help="a request id (repeat for up to 10)",
    )
    search.add_argument(
        "--show-codes",
        action="store_true",
        help="also print the codes search echoes (hidden by default)",
    )

    for name, text in (
        ("cancel", "cancel a request (v1: from 30 s after its start)"),
        ("next", "fire the workflow's next delivery now (v2: next_workflow)"),
    ):
        control = _command(sub, name, text)
        control.add_argument("--request-id", default="", help="the request")
        add_api_option(control, auto=True)

    _command(sub, "balance", "show the account balance (tests the credentials)")

    handset = _command(
        sub, "handset", "show the codes the sandbox's simulated phone received (sandbox only)"
    )
    handset.add_argument("--number", default="", help="only messages sent to this number")

    history = _command(sub, "history", "list recent requests from the local history")
    history.add_argument(
        "--limit",
        type=whole_number(1, MAX_HISTORY_LIMIT),
        default=20,
        help=f"at most this many rows (1 to {MAX_HISTORY_LIMIT})",
    )
    history.add_argument(
        "--filter",
        type=at_most(FILTER_MAX),
        default="",
        help=f"substring of number, request id or brand, or the start of the operator's or "
        f"host's name (up to {FILTER_MAX} characters)",
    )
    history.add_argument(
        "--status",
        type=parse_status,
        default=None,
        help="only this status, e.g. SUCCESS or in-progress",
    )
    from .export import add_export_options  # here: .export imports this module

    add_export_options(history)
    from .audit import add_audit_options  # here: .audit imports this module

    add_audit_options(history)
    from .team import add_history_commands  # here: .team imports this module

    add_history_commands(history, lambda nested: _add_global_options(nested, suppress=True))

    from .messages import add_message_commands  # here: .messages imports this module
    from .scenarios import add_run_command  # here: .scenarios imports this module
    from .test_numbers import add_test_numbers_command

    add_run_command(sub, _command)
    add_test_numbers_command(sub, _command)
    add_message_commands(sub, _command, lambda nested: _add_global_options(nested, suppress=True))
    return parser


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    """Parse a command line.

    Raises:
        CliUsageError: Unknown option, missing command, bad value or bad combination.
        ValidationFailed: ``--operator`` breaks the free-text rule.
        SystemExit: ``--help`` (code 0), after printing the help.
    """
    args = build_parser().parse_args(list(argv))
    if args.sandbox and args.sandbox_url:
        raise CliUsageError("choose one of --sandbox and --sandbox-url")
    if (args.sandbox or args.sandbox_url) and (args.api_host or args.rest_host):
        raise CliUsageError("--api-host/--rest-host cannot be combined with a sandbox option")
    if (args.sandbox or args.sandbox_url) and args.profile:
        raise CliUsageError("--profile cannot be combined with a sandbox option")
    if args.operator is not None:
        args.operator = operator_name(args.operator, OPERATOR_MAX)
    return args
