"""The scenario results pane: choose files and where they run, watch them run, save the reports.

A separate window that never blocks the main one (a dock would take a third of a 1024x640
screen from the requests table): the files and the optional data table at the top, where to run
(a fresh sandbox per file, as the command line does, or the window's own profile), Run and
Cancel, then the results tree filling in live, the selected row's explanation, the summary line
and "Save JUnit report…" / "Save JSON lines…".

The top part is :class:`~desktop_app.ui.scenario_setup.ScenarioSetup`. The save dialog goes
through :func:`choose_report_file` (tests replace it), the cost warning of a real account through
:func:`desktop_app.ui.messages.confirm`. Technical details (error kinds, status codes, raw
fields) are in each row's tooltip and the explanation's tooltip: the "Details" disclosure the
other views are moving to is not in this tree yet.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from desktop_app.domain.redact import redact_numbers
from desktop_app.services.scenarios import (
    CaseFinished,
    FileStarted,
    OwnProfile,
    RunEvent,
    RunPlace,
    RunSummary,
    ScenarioFile,
    ScenarioRun,
    ScenarioService,
    Verdict,
    account_cost,
)
from desktop_app.ui import messages
from desktop_app.ui.scenario_model import ScenarioResultsModel
from desktop_app.ui.scenario_setup import ScenarioSetup
from desktop_app.ui.scenario_words import run_summary

__all__ = ["PANE_SIZE", "ScenarioPane", "choose_report_file"]

#: The pane's first size: fits beside or over the window on a 1024x640 screen.
PANE_SIZE = (760, 480)


#: The most of an explanation shown at once; the whole text is in its tooltip.
_EXPLANATION_CHARS = 320


def choose_report_file(parent: QWidget, title: str, suggested: Path, kinds: str) -> Path | None:
    """Ask where to save a report; None when the person cancels."""
    path, _ = QFileDialog.getSaveFileName(parent, title, str(suggested), kinds)
    return Path(path) if path else None


def _cost_question(own: OwnProfile, files: Sequence[ScenarioFile]) -> str:
    cost = account_cost(files)
    skipped = (f" {cost.skipped} scenario(s) need the sandbox's handset or clock and are skipped."
               if cost.skipped else "")  # fmt: skip
    return (f"Profile '{own.profile.name}' is a real account: this run may start "
            f"{cost.starts} verification(s) and send {cost.sends} message(s), each charged to "
            f"the account, to the numbers the scenarios name.{skipped}\n\nRun it?")  # fmt: skip


class ScenarioPane(QDialog):
    """Runs scenario files and shows their results as they come.

    Signals:
        run_finished(object): The :class:`RunSummary` of a run that ended (cancelled too).
        report_saved(object): The ``Path`` a report was saved to.

    Args:
        service: The ``ScenarioService``.
        folder: Where the file dialogs open.
        mask: Whether numbers are masked now (the window's presenter mode).
        parent: The main window.
    """

    run_finished = Signal(object)
    report_saved = Signal(object)

    def __init__(
        self,
        service: ScenarioService,
        *,
        folder: Callable[[], Path] = Path.home,
        mask: Callable[[], bool] = lambda: False,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Run scenarios")
        self.setModal(False)
        self._service = service
        self._folder = folder
        self._mask = mask
        self._run: ScenarioRun | None = None
        self._place: RunPlace | None = None
        self._loading = False
        self._began = 0.0
        self._simulated = 0.0
        self.summary: RunSummary | None = None
        self.model = ScenarioResultsModel(self._shown, self)
        self._build()
        self._update_buttons()
        self.resize(*PANE_SIZE)

    # -- layout --------------------------------------------------------------------------------

    def _build(self) -> None:
        self.setup = ScenarioSetup(self._service.own_profile, folder=self._folder, parent=self)
        self.run_button = QPushButton("&Run", self)
        self.run_button.setDefault(True)
        self.cancel_button = QPushButton("&Cancel run", self)
        self.cancel_button.setToolTip("Stop before the next step; what ran is kept")
        self.tree = QTreeView(self)
        self.tree.setModel(self.model)
        self.tree.setUniformRowHeights(True)
        self.tree.setAlternatingRowColors(True)
        self.tree.setAccessibleName("Scenario results")
        header = self.tree.header()
        header.setStretchLastSection(True)
        header.resizeSection(0, 250)
        header.resizeSection(1, 110)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Interactive)
        self.explanation = QLabel(self)
        self.explanation.setWordWrap(True)
        self.explanation.setTextFormat(Qt.TextFormat.PlainText)
        self.explanation.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.explanation.setAccessibleName("Explanation")
        self.summary_label = QLabel("Choose scenario files, then Run.", self)
        self.summary_label.setWordWrap(True)
        self.summary_label.setAccessibleName("Summary")
        self.junit_button = QPushButton("Save &JUnit report…", self)
        self.jsonl_button = QPushButton("Save JSON &lines…", self)
        self.close_button = QPushButton("Close", self)
        actions = QHBoxLayout()
        actions.addWidget(self.run_button)
        actions.addWidget(self.cancel_button)
        actions.addStretch(1)
        saves = QHBoxLayout()
        saves.addWidget(self.junit_button)
        saves.addWidget(self.jsonl_button)
        saves.addStretch(1)
        saves.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.setup)
        layout.addLayout(actions)
        layout.addWidget(self.tree, 1)
        layout.addWidget(self.explanation)
        layout.addWidget(self.summary_label)
        layout.addLayout(saves)
        self.setup.files_changed.connect(self._update_buttons)
        self.run_button.clicked.connect(self.start)
        self.cancel_button.clicked.connect(self.cancel)
        self.junit_button.clicked.connect(self._on_junit_button_clicked)
        self.jsonl_button.clicked.connect(self._on_jsonl_button_clicked)
        self.close_button.clicked.connect(self.close)
        self.tree.selectionModel().currentChanged.connect(self._on_tree_current_changed)

    # -- choosing ------------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        """True while files load or a run goes on."""
        return self._loading or self._run is not None

    @property
    def paths(self) -> tuple[Path, ...]:
        """The files the next run runs."""
        return self.setup.paths

    # -- running -------------------------------------------------------------------------------

    def start(self) -> None:
        """Read the files, confirm a real account's cost, then run them."""
        if self.running or not self.setup.paths:
            return
        self._loading = True
        self._say("Reading the scenario files…")
        self._update_buttons()
        task = self._service.load(self.setup.paths, self.setup.data)
        task.on_success(self._on_loaded).on_failure(self._on_load_failed)

    def cancel(self) -> None:
        """Stop the run before its next step."""
        if self._run is not None:
            self._run.cancel()
            self._say("Cancelling: the step under way finishes first…")
            self.cancel_button.setEnabled(False)

    def _on_loaded(self, files: tuple[ScenarioFile, ...]) -> None:
        self._loading = False
        own: OwnProfile | None = None
        if self.setup.own_chosen:
            own = self._service.own_profile()
            if own is None:
                self._stopped("No profile is active yet; nothing was run. Wait for the window "
                              "to finish starting, or run on a fresh sandbox.")  # fmt: skip
                return
            if own.is_account and not messages.confirm(
                self, "Run on a real account?", _cost_question(own, files)
            ):
                self._stopped("Nothing was run: the real account's cost was not confirmed.")
                return
        self.summary = None
        self.model.begin(files)
        self._began, self._simulated = time.perf_counter(), 0.0
        run = self._service.run(files, own_profile=own is not None)
        self._run = run
        run.progressed.connect(self._on_run_event)
        run.task.on_success(self._on_run_succeeded).on_failure(self._on_run_failed)
        self._say("")
        self._show_summary()
        self._update_buttons()

    def _on_load_failed(self, exc: BaseException) -> None:
        self._loading = False
        self._stopped(messages.describe(exc))

    def _on_run_event(self, event: RunEvent) -> None:
        self.model.apply(event)
        if isinstance(event, FileStarted):
            self.tree.expand(self.model.index_of_file(event.file))
        elif isinstance(event, CaseFinished):
            self._simulated += event.result.simulated_seconds
            if event.result.verdict in (Verdict.FAILED, Verdict.ERROR):
                self.tree.expand(self.model.index_of_case(event.result.case))
            self._show_summary()

    def _on_run_succeeded(self, summary: RunSummary) -> None:
        self.summary = summary
        self._run_ended()
        self._show_summary(summary)
        self.run_finished.emit(summary)

    def _on_run_failed(self, exc: BaseException) -> None:
        self._run_ended()
        self.model.abandon()
        self._show_summary()
        self._say(messages.describe(exc))

    def _run_ended(self) -> None:
        self._place = self._run.place if self._run is not None else None
        self._run = None
        self._update_buttons()

    def _stopped(self, text: str) -> None:
        self._say(text)
        self._update_buttons()

    # -- showing -------------------------------------------------------------------------------

    def _shown(self, text: str) -> str:
        return redact_numbers(text) if self._mask() else text

    def _say(self, text: str, details: str = "") -> None:
        if len(text) > _EXPLANATION_CHARS:  # a long list of problems must not grow the pane
            details = f"{text}\n\n{details}".strip()
            text = text[: _EXPLANATION_CHARS - 1].rstrip() + "… (point here for all of it)"
        self.explanation.setText(self._shown(text))
        self.explanation.setToolTip(self._shown(details))

    def _show_summary(self, summary: RunSummary | None = None) -> None:
        run = self._run
        place = run.place if run is not None else self._place
        if place is None:
            place = RunPlace("a fresh sandbox per file", in_history=False)
        seconds = summary.seconds if summary else time.perf_counter() - self._began
        simulated = summary.simulated_seconds if summary else self._simulated
        text = run_summary(self.model.counts(), total=self.model.case_count(),
                           simulated=simulated, seconds=seconds, place=place,
                           running=run is not None,
                           cancelled=bool(summary and summary.cancelled))  # fmt: skip
        self.summary_label.setText(text)

    def _on_tree_current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        row = current.siblingAtColumn(2)
        name = current.siblingAtColumn(0).data()
        self._say(f"{name}: {row.data()}" if row.data() else str(name or ""),
                  self.model.details(current))  # fmt: skip

    def _update_buttons(self) -> None:
        busy = self.running
        self.setup.set_busy(busy)
        self.run_button.setEnabled(not busy and bool(self.setup.paths))
        self.cancel_button.setEnabled(self._run is not None and not self._run.cancelling)
        done = not busy and self.summary is not None
        self.junit_button.setEnabled(done)
        self.jsonl_button.setEnabled(done)

    # -- saving --------------------------------------------------------------------------------

    def _on_junit_button_clicked(self) -> None:
        self._save("Save the JUnit report", "scenarios.xml", "JUnit XML (*.xml)", junit=True)

    def _on_jsonl_button_clicked(self) -> None:
        self._save("Save JSON lines", "scenarios.jsonl", "JSON Lines (*.jsonl)", junit=False)

    def _on_report_saved(self, path: Path) -> None:
        self._say(f"Saved to {path}.")
        self.report_saved.emit(path)

    def _save(self, title: str, name: str, kinds: str, *, junit: bool) -> None:
        summary = self.summary
        if summary is None:
            return
        path = choose_report_file(self, title, self.setup.start_folder() / name, kinds)
        if path is None:
            return
        save = self._service.save_junit if junit else self._service.save_json_lines
        task = save(summary, path)
        task.on_success(self._on_report_saved)
        task.on_failure(lambda exc: self._say(messages.describe(exc)))
