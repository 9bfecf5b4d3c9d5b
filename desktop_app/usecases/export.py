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

No Qt: the window's ``ReportsService`` runs this on a worker thread; the CLI calls it directly.
"""

from __future__ import annotations

import csv
import json
import os
import time
from collections.abc import Callable, Sequence
from decimal import Decimal
from pathlib import Path
from typing import IO, Final

from desktop_app.domain.reports import (
    EXPORT_COLUMNS,
    ExportFileError,
    ExportFormat,
    ExportProgress,
    ExportSummary,
    HistoryFilter,
    export_record,
    spreadsheet_safe,
)
from desktop_app.store.export import PAGE_SIZE, count_matching, export_pages
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
    done = 0
    try:
        with _open(part, fmt) as stream:
            write = _writer(stream, fmt)
            for page in export_pages(history, flt, page_size=page_size):
                if cancelled():
                    raise ExportCancelled()
                for index, entry in enumerate(page):
                    if index % _GIL_CHUNK == 0:
                        # Hand the GIL over every few rows: the window's thread, which may be
                        # waiting for it to paint, gets it now instead of after the
                        # interpreter's 5 ms switch interval.
                        time.sleep(0)
                    write(export_record(entry, mask=mask))
                done += len(page)
                report(ExportProgress(done, max(total, done)))
        if cancelled():
            raise ExportCancelled()
        os.replace(part, path)
    except OSError as exc:
        part.unlink(missing_ok=True)
        raise ExportFileError(f"{ExportFileError.meaning} ({path}: {exc.strerror or exc})") from exc
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    return ExportSummary(rows=done, path=str(path), format=fmt, masked=mask)


def _open(part: Path, fmt: ExportFormat) -> IO[str]:
    if fmt is ExportFormat.CSV:
        return part.open("w", encoding=_CSV_ENCODING, newline="")
    return part.open("w", encoding="utf-8", newline="\n")


def _writer(stream: IO[str], fmt: ExportFormat) -> Callable[[Sequence[object]], None]:
    names = [column.name for column in EXPORT_COLUMNS]
    if fmt is ExportFormat.CSV:
        writer = csv.writer(stream, lineterminator="\r\n")
        writer.writerow(names)
        return lambda cells: writer.writerow([_csv_cell(cell) for cell in cells])

    def write_json(cells: Sequence[object]) -> None:
        record = {name: _json_cell(cell) for name, cell in zip(names, cells, strict=True)}
        stream.write(json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n")

    return write_json
