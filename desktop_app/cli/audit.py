"""``verify-desk-cli history --actions REQUEST_ID``: one request's audit trail.

Every action taken on the request (start, check, cancel, next, a message, a code sent, checked or
cancelled by message), oldest first: when (UTC), what, its outcome word, who and on which
computer, with which profile. Local only: the history file, no credentials, no network.
"""

from __future__ import annotations

import argparse
from typing import Any, Final

from desktop_app.domain.audit import ActionEntry

from .connection import open_history
from .output import terminal_safe, to_jsonable
from .parser import CliUsageError

__all__ = ["actions_command", "add_audit_options", "format_actions"]

#: The longest request or message id accepted (ids are 32 to 36 characters).
_ID_MAX: Final = 64
_COLUMNS: Final = ("when (UTC)", "action", "outcome", "who", "profile")


def add_audit_options(history: argparse.ArgumentParser) -> None:
    """Register ``--actions REQUEST_ID`` (and the export's ``--with-actions``)."""
    history.add_argument(
        "--actions", metavar="REQUEST_ID", default=None,
        help="show the audit trail of one request (who did what, where and when)",
    )  # fmt: skip
    history.add_argument(
        "--with-actions", action="store_true",
        help="with --export: also write the requests' audit trail to FILE's .actions companion",
    )  # fmt: skip


def check_audit_options(args: argparse.Namespace) -> None:
    """Refuse ``--actions`` with ``--export``, ``--with-actions`` without it, a bad id.

    Raises:
        CliUsageError: The combination is not valid.
    """
    if args.with_actions and args.export is None:
        raise CliUsageError("--with-actions: only with --export FILE")
    if args.actions is None:
        return
    if args.export is not None:
        raise CliUsageError("choose one of --actions and --export")
    rid = args.actions.strip()
    if not rid or len(rid) > _ID_MAX or not all(ch.isalnum() or ch == "-" for ch in rid):
        raise CliUsageError("--actions: a request or message id (letters, digits and '-')")
    args.actions = rid


def format_actions(request_id: str, actions: list[ActionEntry]) -> str:
    """A request's actions as an aligned text table (a note when there are none)."""
    if not actions:
        return f"No actions recorded for {request_id}."
    safe = terminal_safe
    rows = [_COLUMNS] + [
        (a.at.strftime("%Y-%m-%d %H:%M:%S"), a.kind, a.outcome, safe(f"{a.user}@{a.host}"),
         safe(a.profile))
        for a in actions
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(_COLUMNS))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in rows
    )


def actions_command(args: argparse.Namespace) -> tuple[dict[str, Any], str]:
    """Run ``history --actions REQUEST_ID``; returns the JSON payload and the human text."""
    rid: str = args.actions
    with open_history(args) as history:
        actions = history.actions(request_id=rid)
    return {"request_id": rid, "actions": to_jsonable(actions)}, format_actions(rid, actions)
