"""Wires the window's File → Export… and View → Analytics actions to the reports service.

Kept out of ``main_window`` (which only owns the two actions) so the window's layout can change
without touching reports. The analytics page module, and the chart library with it, is imported
the first time the page is opened: start-up never pays for it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QWidget

from desktop_app.domain.models import VerificationStatus
from desktop_app.domain.reports import ExportSummary, HistoryFilter
from desktop_app.ui import export_dialog

__all__ = ["ReportsMenu", "view_filter"]

_SUMMARY_MS = 10_000


def view_filter(window: Any) -> HistoryFilter:
    """What the Recent requests view shows now: its profile, status and filter text."""
    recent = window.recent
    value = recent.status_combo.currentData()
    profile = window.profile_combo.currentData()
    return HistoryFilter(
        status=VerificationStatus(value) if value else None,
        profile=str(profile) if profile else None,
        text=recent.filter_edit.text().strip(),
    )


class ReportsMenu:
    """The export and analytics actions of one window.

    Args:
        window: The ``MainWindow`` (populated: its ``recent`` view exists).
        reports: The ``ReportsService``.
        mask: Whether numbers are masked now (the window's presenter mode); read
            at each export, so a changed preference applies to the next one.
        folder: Where the save dialog opens.
    """

    def __init__(
        self,
        window: Any,
        reports: Any,
        *,
        mask: Callable[[], bool],
        folder: Callable[[], Path] = Path.home,
    ) -> None:
        self._window = window
        self._reports = reports
        self._mask = mask
        self._folder = folder
        self.export_dialog: QWidget | None = None
        self.analytics: QWidget | None = None
        window.export_action.triggered.connect(self.export)
        window.analytics_action.triggered.connect(self.open_analytics)
        window.export_action.setEnabled(True)
        window.analytics_action.setEnabled(True)

    def export(self) -> None:
        """File → Export…: ask for a file, then export what the view shows."""
        self.export_dialog = export_dialog.start_export(
            self._window, self._reports, view_filter(self._window), mask=self._mask(),
            folder=self._folder(), on_done=self._on_exported,
        )  # fmt: skip

    def _on_exported(self, summary: ExportSummary) -> None:
        masked = ", numbers masked" if summary.masked else ""
        audit = (f" and their {summary.actions:,} actions to {summary.actions_path}"
                 if summary.actions_path else "")  # fmt: skip
        self._window.statusBar().showMessage(
            f"Exported {summary.rows:,} requests to {summary.path}{audit}{masked}.", _SUMMARY_MS
        )

    def open_analytics(self) -> None:
        """View → Analytics: open (or raise) the analytics page; its module loads now."""
        if self.analytics is None:
            from desktop_app.ui.analytics_page import AnalyticsPage

            names = [self._window.profile_combo.itemData(i)
                     for i in range(self._window.profile_combo.count())]  # fmt: skip
            self.analytics = AnalyticsPage(self._reports, profiles=names, parent=self._window)
        self.analytics.show()
        self.analytics.raise_()
        self.analytics.activateWindow()
