"""``history migrate`` and ``history password``: moving a desktop's history to a team's server.

``verify-desk-cli history migrate --to postgresql://user@host:port/db`` copies this desktop's
SQLite history (``--history-db``, else the app's own) into the team's database, with a progress
bar on stderr (``--json``: one JSON progress line per batch on stdout, then the result). It is
resumable: run it again after an interruption and only what is missing is copied
(``store.pg_copy``).

``verify-desk-cli history password --to URL`` stores that database's password in the keyring,
read from stdin (never from the command line, where every process could see it).
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from collections.abc import Callable
from typing import Any, TextIO

from desktop_app.domain.errors import FieldError, ValidationFailed
from desktop_app.domain.history_url import HistoryUrlError, PostgresTarget, parse_history_url
from desktop_app.settings.history_target import save_history_password
from desktop_app.store.pg_copy import CopyProgress, copy_history

from .connection import history_path, open_shared, open_store

_BAR: int = 30


def add_history_commands(
    history: argparse.ArgumentParser,
    add_globals: Callable[[argparse.ArgumentParser], None],
) -> None:
    """Register ``history migrate`` and ``history password`` under ``history``."""
    sub = history.add_subparsers(dest="history_command", metavar="{migrate,password}")
    for name, text in (
        ("migrate", "copy this history into a team's PostgreSQL history (resumable)"),
        ("password", "store a team history's database password in the keyring (from stdin)"),
    ):
        parser = sub.add_parser(name, help=text, description=text)
        parser.add_argument("--to", required=True, metavar="URL",
                            help="the team's history: postgresql://user@host:port/db")  # fmt: skip
        add_globals(parser)


def _target(text: str) -> PostgresTarget:
    try:
        target = parse_history_url(text)
    except HistoryUrlError as exc:
        raise ValidationFailed([FieldError("--to", str(exc))]) from None
    if not isinstance(target, PostgresTarget):
        raise ValidationFailed([FieldError("--to", "must be a postgresql:// URL")])
    return target


class _Bar:
    """The progress bar on stderr, or JSON lines on stdout with ``--json``."""

    def __init__(self, json_mode: bool, out: TextIO, err: TextIO) -> None:
        self._json, self._out, self._err = json_mode, out, err
        self._drawn = False

    def __call__(self, p: CopyProgress) -> None:
        if self._json:
            line = {"progress": {"done": p.done, "total": p.total, "copied": p.copied}}
            self._out.write(json.dumps(line) + "\n")
            self._out.flush()
            return
        filled = _BAR * p.done // p.total if p.total else _BAR
        self._err.write(f"\r[{'#' * filled}{'.' * (_BAR - filled)}] {p.done:,}/{p.total:,} rows")
        self._err.flush()
        self._drawn = True

    def end(self) -> None:
        if self._drawn:
            self._err.write("\n")


def run_history_command(
    args: argparse.Namespace, out: TextIO | None = None, err: TextIO | None = None
) -> tuple[dict[str, Any], str]:
    """Run ``history migrate`` or ``history password``; the JSON payload and the human text.

    Raises:
        ValidationFailed: ``--to`` is not a PostgreSQL history URL (or holds a password).
        StoreError: A history cannot be opened, read or written.
        CredentialsUnavailable: The keyring cannot be used.
    """
    target = _target(args.to)
    if args.history_command == "password":
        password = sys.stdin.readline().rstrip("\n") if not sys.stdin.isatty() else getpass.getpass(
            f"Password for {target.keyring_item}: "
        )
        if not password:
            raise ValidationFailed([FieldError("password", "must not be empty")])
        save_history_password(target, password)
        return {"stored": target.keyring_item}, f"Password stored in the keyring for {target}."
    bar = _Bar(bool(args.json), out or sys.stdout, err or sys.stderr)
    source = open_store(history_path(args))
    try:
        shared = open_shared(target)
        try:
            result = copy_history(source, shared, bar)
        finally:
            shared.close()
    finally:
        source.close()
        bar.end()
    data = {"done": result.done, "copied": result.copied, "total": result.total}
    text = (f"Copied {result.copied:,} new rows of {result.done:,} to {target}"
            f" ({result.done - result.copied:,} were there already).")  # fmt: skip
    return data, text
