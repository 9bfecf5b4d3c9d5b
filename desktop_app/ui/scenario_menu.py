"""Wires File → Run scenarios… to the scenario pane, built (with its service) on first use.

Kept out of ``main_window`` (which only owns the action). Start-up pays for none of it: the
pane, the scenario engine and the service are imported and built the first time the action is
triggered.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from desktop_app.services.scenarios import RunSummary, ScenarioService
    from desktop_app.ui.main_window import MainWindow
    from desktop_app.ui.scenario_pane import ScenarioPane

__all__ = ["ScenarioMenu"]

#: How long the run's summary stays in the window's status bar.
_SUMMARY_MS = 15_000


class ScenarioMenu:
    """File → Run scenarios… of one window.

    Args:
        window: The populated ``MainWindow``.
        service: Builds the ``ScenarioService`` (called once, on first use).
        mask: Whether numbers are masked now (the window's presenter mode).
        folder: Where the file dialog first opens.
    """

    def __init__(
        self,
        window: MainWindow,
        service: Callable[[], ScenarioService],
        *,
        mask: Callable[[], bool],
        folder: Callable[[], Path] = Path.home,
    ) -> None:
        self._window = window
        self._build_service = service
        self._mask = mask
        self._folder = folder
        self.pane: ScenarioPane | None = None
        window.run_scenarios_action.triggered.connect(self.open)
        window.run_scenarios_action.setEnabled(True)

    def open(self) -> None:
        """Show the pane; unless a run goes on, ask for the files first (Cancel keeps the last)."""
        from desktop_app.ui.scenario_pane import ScenarioPane

        pane = self.pane
        if pane is None:
            pane = ScenarioPane(self._build_service(), folder=self._folder, mask=self._mask,
                                parent=self._window)  # fmt: skip
            pane.run_finished.connect(self._on_run_finished)
            self.pane = pane
        if not pane.running and not pane.setup.choose_files() and not pane.paths:
            return  # nothing chosen, and no earlier files to run again
        pane.setup.refresh_place(busy=pane.running)
        if pane.isVisible():  # raise() on a window being shown only warns on some platforms
            pane.raise_()
            pane.activateWindow()
        pane.show()

    def _on_run_finished(self, _summary: RunSummary) -> None:
        if self.pane is not None:
            self._window.statusBar().showMessage(self.pane.summary_label.text(), _SUMMARY_MS)
