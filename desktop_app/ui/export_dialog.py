"""File → Export…: the history as the Recent requests view shows it, to CSV or JSON Lines.

:func:`choose_export_file` asks where to save (a thin wrapper over ``QFileDialog`` that tests
replace); :class:`ExportDialog` runs the export through ``ReportsService.export`` and shows a
progress bar with Cancel. The writer runs on the reports runner and publishes its progress in
the job; the dialog reads it on a timer (a few times a second), so however fast pages are
written the event loop sees no more than that.

What is exported is what the view shows: its profile, its status and its filter text; numbers
are masked when the window masks them (``mask``), see docs/export.md. The requests' audit trail
goes to a companion file beside the chosen one (``history.csv`` -> ``history.actions.csv``).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QLabel,
    QProgressBar,
    QVBoxLayout,
    QWidget,
)

from desktop_app.domain.reports import ExportFormat, ExportSummary, HistoryFilter
from desktop_app.ui import messages

__all__ = ["POLL_MS", "ExportDialog", "choose_export_file", "start_export"]

#: How often the dialog reads the export's progress.
POLL_MS = 100
_FILTERS = {ExportFormat.CSV: "CSV for spreadsheets (*.csv)", ExportFormat.JSONL:
            "JSON Lines (*.jsonl)"}  # fmt: skip


def choose_export_file(parent: QWidget, suggested: Path) -> tuple[Path, ExportFormat] | None:
    """Ask where to save the export; None when the person cancels.

    The format follows the chosen filter, or the typed extension (``.jsonl``).
    """
    path, chosen = QFileDialog.getSaveFileName(
        parent, "Export the history", str(suggested), ";;".join(_FILTERS.values())
    )
    if not path:
        return None
    target = Path(path)
    if target.suffix.lower() in (".jsonl", ".ndjson"):
        return target, ExportFormat.JSONL
    if chosen == _FILTERS[ExportFormat.JSONL] and not target.suffix:
        return target.with_suffix(".jsonl"), ExportFormat.JSONL
    if not target.suffix:
        target = target.with_suffix(".csv")
    return target, ExportFormat.CSV


class ExportDialog(QDialog):
    """Progress and Cancel for one export; closes itself when the export succeeds.

    Signals:
        finished_export(object): The ``ExportSummary`` of a completed export.

    Args:
        job: The running ``ExportJob`` (from ``ReportsService.export``).
        path: Where it writes (shown to the person).
        parent: The window.
    """

    finished_export = Signal(object)

    def __init__(self, job: Any, path: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export the history")
        self.setModal(False)
        self._job = job
        self.label = QLabel(f"Counting the rows to export to {path.name}…", self)
        self.bar = QProgressBar(self)
        self.bar.setRange(0, 0)  # busy until the rows are counted
        self.bar.setAccessibleName("Export progress")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        self.buttons.rejected.connect(self.cancel)
        layout = QVBoxLayout(self)
        layout.addWidget(self.label)
        layout.addWidget(self.bar)
        layout.addWidget(self.buttons)
        self.resize(420, self.sizeHint().height())
        self._path = path
        self.timer = QTimer(self)
        self.timer.setInterval(POLL_MS)
        self.timer.timeout.connect(self._show_progress)
        self.timer.start()
        job.task.on_success(self._on_succeeded).on_failure(self._on_failed)

    def _show_progress(self) -> None:
        progress = self._job.progress
        if progress.total is None:
            return
        total = max(progress.total, 1)
        self.bar.setRange(0, total)
        self.bar.setValue(min(progress.done, total))
        self.label.setText(
            f"Exporting to {self._path.name}: {progress.done:,} of {progress.total:,} rows"
        )

    def cancel(self) -> None:
        """Stop the export (no file is left) and close."""
        self.timer.stop()
        self._job.cancel()
        self.reject()

    def _on_succeeded(self, summary: ExportSummary) -> None:
        self.timer.stop()
        self.finished_export.emit(summary)
        self.accept()

    def _on_failed(self, exc: BaseException) -> None:
        self.timer.stop()
        self.reject()
        messages.show_error(self.parentWidget() or self, messages.describe(exc))


def start_export(
    parent: QWidget,
    reports: Any,
    flt: HistoryFilter,
    *,
    mask: bool,
    folder: Path,
    on_done: Callable[[ExportSummary], object] | None = None,
) -> ExportDialog | None:
    """Ask for a file, start the export and show its progress; None when the person cancels."""
    # Looked up at call time so tests can replace the module's dialog wrapper.
    choice = choose_export_file(parent, folder / "verify-desk-history.csv")
    if choice is None:
        return None
    path, fmt = choice
    job = reports.export(flt, path, fmt, mask=mask, actions=True)
    dialog = ExportDialog(job, path, parent)
    if on_done is not None:
        dialog.finished_export.connect(on_done)
    dialog.show()
    return dialog
