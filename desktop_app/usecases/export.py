"""Export the history to CSV or JSON Lines, streaming, with progress and cancel.

:func:`export_history` reads keyset pages (:func:`desktop_app.store.export.export_pages`) and
writes each page at once, so memory holds one page whatever the history's size. It writes to a
hidden ``.<name>.part`` file beside the target and renames it over the target only when every
row is written: a cancelled or failed export leaves no half file behind (and never clobbers the
previous export before the new one is complete).

Formats (columns: :data:`desktop_app.domain.reports.EXPORT_COLUMNS`, docs/export.md):

* **CSV**: UTF-8 with a byte-order mark (so spreadsheet programs read non-ASCII brands right),
  RFC 4180 quoting, CRLF line ends, a header row. Every text cell is passed through
  :func:`~desktop_app.domain.reports.spreadsheet_safe`, so ``=HYPERLINK("x")`` as a brand is
  written ``'=HYPERLINK("x")`` and a spreadsheet shows it as text instead of running it.
* **JSON Lines**: UTF-8, one JSON object per row, keys as the CSV header; numbers as numbers,
  prices as decimal strings (exact, as the API sends them), missing values as ``null``.

With ``actions`` the audit trail goes to a companion file in the same format
(``reports.actions_path``: ``history.csv`` -> ``history.actions.csv``), one row per action on
the exported requests (``reports.ACTION_EXPORT_COLUMNS``), written page by page with them and
renamed into place with them.

No Qt: the window's ``ReportsService`` runs this on a worker thread; the CLI calls it directly.
"""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from decimal import Decimal
from pathlib import Path
from typing import IO, Final

from desktop_app.domain.reports import (
    ACTION_EXPORT_COLUMNS,
    EXPORT_COLUMNS,
    ExportFileError,
    ExportFormat,
    ExportProgress,
    ExportSummary,
    HistoryFilter,
    action_record,
    actions_path,
    export_record,
    spreadsheet_safe,
)
from desktop_app.store.export import PAGE_SIZE, count_matching, export_pages, page_actions
from desktop_app.store.gil import hand_over_gil
from desktop_app.store.history import HistoryStore

__all__ = ["ExportCancelled", "export_history", "part_path"]

_CSV_ENCODING: Final = "utf-8-sig"
#: Rows written between two GIL hand-offs (well under a millisecond of Python).
_GIL_CHUNK: Final = 16


class ExportCancelled(Exception):  # noqa: N818 - a state, not an error: nothing is reported
    """The export was cancelled; no file was written."""


def _csv_cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return spreadsheet_safe(value)
    return str(value)


def _json_cell(value: object) -> object:
    return str(value) if isinstance(value, Decimal) else value


def part_path(path: Path) -> Path:
    """The hidden file an export writes before renaming it over ``path``."""
    return path.with_name(f".{path.name}.part")


def export_history(
    history: HistoryStore,
    flt: HistoryFilter,
    path: Path,
    fmt: ExportFormat,
    *,
    mask: bool = False,
    progress: Callable[[ExportProgress], object] | None = None,
    cancelled: Callable[[], bool] = lambda: False,
    page_size: int = PAGE_SIZE,
    actions: bool = False,
) -> ExportSummary:
    """Write the rows ``flt`` selects to ``path``; see the module docstring for the formats.

    Args:
        history: The open history store.
        flt: Which rows (the window's current filter, or the CLI's options).
        path: The file to write (replaced when the export completes).
        fmt: CSV or JSON Lines.
        mask: Keep only the last four digits of every phone number.
        progress: Called with the row count once counted, then after every page.
        cancelled: Polled between pages; True stops the export (``ExportCancelled``).
        page_size: Rows per read.
        actions: Also write the audit trail of the exported requests to ``actions_path(path)``.

    Raises:
        ExportCancelled: ``cancelled()`` became true; the partial file is removed.
        ExportFileError: The file cannot be written.
        StoreError: The history cannot be read.
    """
    report = progress or (lambda _p: None)
    report(ExportProgress(0, None))
    total = count_matching(history, flt)
    report(ExportProgress(0, total))
    part = part_path(path)
    audit = actions_path(path) if actions else None
    audit_part = None if audit is None else part_path(audit)
    done = audited = 0
    try:
        with ExitStack() as files:
            write = _writer(files.enter_context(_open(part, fmt)), fmt)
            write_action = None
            if audit_part is not None:
                names = [name for name, _ in ACTION_EXPORT_COLUMNS]
                write_action = _writer(files.enter_context(_open(audit_part, fmt)), fmt, names)
            for page in export_pages(history, flt, page_size=page_size):
                if cancelled():
                    raise ExportCancelled()
                for index, entry in enumerate(page):
                    if index % _GIL_CHUNK == 0:
                        # Every few rows: the window's thread, which may be waiting to paint,
                        # gets the GIL now instead of after the interpreter's 5 ms interval.
                        hand_over_gil()
                    write(export_record(entry, mask=mask))
                if write_action is not None:
                    for action in page_actions(history, page):
                        write_action(action_record(action))
                        audited += 1
                done += len(page)
                report(ExportProgress(done, max(total, done)))
        if cancelled():
            raise ExportCancelled()
        if audit is not None and audit_part is not None:
            os.replace(audit_part, audit)
        os.replace(part, path)
    except OSError as exc:
        _remove(part, audit_part)
        raise ExportFileError(f"{ExportFileError.meaning} ({path}: {exc.strerror or exc})") from exc
    except BaseException:
        _remove(part, audit_part)
        raise
    return ExportSummary(rows=done, path=str(path), format=fmt, masked=mask, actions=audited,
                         actions_path=None if audit is None else str(audit))  # fmt: skip


def _remove(*parts: Path | None) -> None:
    for part in parts:
        if part is not None:
            part.unlink(missing_ok=True)


def _open(part: Path, fmt: ExportFormat) -> IO[str]:
    if fmt is ExportFormat.CSV:
        return part.open("w", encoding=_CSV_ENCODING, newline="")
    return part.open("w", encoding="utf-8", newline="\n")


def _writer(
    stream: IO[str], fmt: ExportFormat, names: Sequence[str] | None = None
) -> Callable[[Sequence[object]], None]:
    names = [column.name for column in EXPORT_COLUMNS] if names is None else list(names)
    if fmt is ExportFormat.CSV:
        writer = csv.writer(stream, lineterminator="\r\n")
        writer.writerow(names)
        return lambda cells: writer.writerow([_csv_cell(cell) for cell in cells])

    def write_json(cells: Sequence[object]) -> None:
        record = {name: _json_cell(cell) for name, cell in zip(names, cells, strict=True)}
        stream.write(json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n")

    return write_json
