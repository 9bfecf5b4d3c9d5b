"""``verify-desk-cli history --export FILE``: the history to CSV or JSON Lines.

The rows are chosen by the listing's own options (``--status``, ``--filter``, the global
``--profile``) plus ``--since``/``--until``; ``--limit`` does not apply (an export is every
matching row). The file is written by :func:`desktop_app.usecases.export.export_history`
(streamed in pages, spreadsheet-safe CSV, never a code or a secret; docs/export.md). A big
export shows a progress line on stderr: rewritten in place on a terminal, one line per tenth
otherwise (a CI log).
"""

from __future__ import annotations

import argparse
import re
import sys
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Final, TextIO

from desktop_app.domain.reports import ExportFormat, ExportProgress, HistoryFilter

from .connection import open_history
from .parser import CliUsageError

__all__ = ["add_export_options", "export_command", "parse_moment"]

#: Exports smaller than this finish before a progress line would help.
PROGRESS_MIN_ROWS: Final = 10_000
_RELATIVE = re.compile(r"(\d+)([dhm])")
_UNITS: Final = {"d": "days", "h": "hours", "m": "minutes"}
_EXPORT_ONLY: Final = ("since", "until", "format", "mask")


def parse_moment(text: str, *, now: datetime | None = None) -> datetime:
    """Read ``--since``/``--until``: an ISO date or date-time, or an age (``7d``, ``12h``, ``30m``).

    A date is its local midnight; a date-time without an offset is local time.

    Raises:
        argparse.ArgumentTypeError: Neither form.
    """
    value = text.strip()
    relative = _RELATIVE.fullmatch(value)
    if relative is not None:
        moment = (now or datetime.now().astimezone()) - timedelta(
            **{_UNITS[relative.group(2)]: int(relative.group(1))}
        )
        return moment
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"must be a date (2026-11-01), a date and time (2026-11-01T09:30) or an age "
            f"(7d, 12h, 30m); got {text!r}"
        ) from None
    return moment if moment.tzinfo is not None else moment.astimezone()


def add_export_options(history: argparse.ArgumentParser) -> None:
    """Register ``--export``, ``--format``, ``--mask``, ``--since`` and ``--until``."""
    group = history.add_argument_group("export (every matching row; see docs/export.md)")
    add = group.add_argument
    add("--export", metavar="FILE", default=None, help="write the matching rows to FILE")
    add(
        "--format",
        choices=[f.value for f in ExportFormat],
        default=None,
        help="csv or jsonl (default: from FILE's extension, else csv)",
    )
    add("--mask", action="store_true", help="keep only the last four digits of phone numbers")
    add(
        "--since",
        type=parse_moment,
        default=None,
        metavar="WHEN",
        help="only requests started at or after WHEN (2026-11-01, 2026-11-01T09:30, 7d)",
    )
    add("--until", type=parse_moment, default=None, metavar="WHEN",
        help="only requests started before WHEN")  # fmt: skip


def _format(args: argparse.Namespace, path: Path) -> ExportFormat:
    if args.format:
        return ExportFormat(args.format)
    suffix = path.suffix.lower().lstrip(".")
    return ExportFormat.JSONL if suffix in ("jsonl", "ndjson") else ExportFormat.CSV


def check_export_options(args: argparse.Namespace) -> None:
    """Refuse export options without ``--export``, and an empty range.

    Raises:
        CliUsageError: The combination is not valid.
    """
    if args.export is None:
        given = [f"--{name}" for name in _EXPORT_ONLY if getattr(args, name, None)]
        if given:
            raise CliUsageError(f"{', '.join(given)}: only with --export FILE")
        return
    if not str(args.export).strip():
        raise CliUsageError("--export needs a file name")
    if args.since is not None and args.until is not None and args.since >= args.until:
        raise CliUsageError("--since must be before --until")


class _ProgressLine:
    """The stderr progress line of a big export."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._tty = stream.isatty()
        self._shown_tenth = -1
        self._drawn = False

    def __call__(self, progress: ExportProgress) -> None:
        total = progress.total
        if total is None or total < PROGRESS_MIN_ROWS:
            return
        tenth = progress.done * 10 // total if total else 10
        text = f"Exporting: {progress.done:,} of {total:,} rows ({progress.done * 100 // total}%)"
        if self._tty:
            self._stream.write("\r" + text)
            self._drawn = True
        elif tenth > self._shown_tenth:
            self._stream.write(text + "\n")
        self._shown_tenth = max(self._shown_tenth, tenth)
        self._stream.flush()

    def end(self) -> None:
        if self._drawn:
            self._stream.write("\n")
            self._stream.flush()


def export_command(
    args: argparse.Namespace, *, err: TextIO | None = None
) -> tuple[dict[str, Any], str]:
    """Run ``history --export``; returns the JSON payload and the human text.

    Raises:
        CliUsageError: Bad option combination.
        StoreError: The history cannot be read, or the file cannot be written.
    """
    from desktop_app.usecases.export import export_history  # only when exporting

    check_export_options(args)
    path = Path(args.export).expanduser()
    fmt = _format(args, path)
    flt = HistoryFilter(
        since=args.since, until=args.until, status=args.status, profile=args.profile,
        text=args.filter,
    )  # fmt: skip
    line = _ProgressLine(err if err is not None else sys.stderr)
    with open_history(args) as history:
        try:
            summary = export_history(history, flt, path, fmt, mask=args.mask, progress=line,
                                     actions=bool(getattr(args, "with_actions", False)))
        finally:
            line.end()
    data = {
        "rows": summary.rows,
        "path": summary.path,
        "format": summary.format.value,
        "masked": summary.masked,
    }
    if summary.actions_path is not None:
        data["actions"] = summary.actions
        data["actions_path"] = summary.actions_path
    masked = " (numbers masked)" if summary.masked else ""
    text = f"Exported {summary.rows:,} rows to {summary.path} as {fmt.value.upper()}{masked}."
    if summary.actions_path is not None:
        text += f"\nExported their {summary.actions:,} actions to {summary.actions_path}."
    return data, text
