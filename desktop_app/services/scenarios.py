"""Scenario runs for the window: the Qt-free runner on a worker, its progress on the GUI thread.

The engine (:mod:`desktop_app.usecases.scenarios_engine`) is synchronous and reports each step
through a callback on its own thread. :class:`ScenarioService` runs it as one ``Task`` on the
scenarios runner and hands every :data:`RunEvent` to the GUI thread through a queued signal of
the :class:`ScenarioRun`; the window never sees the worker. Cancelling a run sets the engine's
cancel event (it stops between steps and still reports what ran), while shutting the runner
down cancels the task, which sets the same event.

Where a run goes (see ``docs/scenarios.md``):

* **fresh sandboxes** (the default, as the command line): each file on a sandbox of its own,
  its clock paused, started by the ``start_sandbox`` context manager the composition root
  supplies (this layer does not import the sandbox); a throw-away history;
* **the window's own profile**: the active profile's operations and Messages desk (so its
  requests and messages land in the window's history) and, on the built-in Sandbox profile,
  its handset and clock. On a real account there is no handset: scenarios that need one are
  skipped.

The window imports the run's value types from here (``ui`` may not import the use cases).
"""

from __future__ import annotations

import json
import tempfile
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx
from PySide6.QtCore import QObject, Qt, Signal, Slot

from desktop_app.domain.errors import NoActiveDesk, StoreError
from desktop_app.domain.redact import redact_secrets
from desktop_app.services.tasks import Task, TaskRunner
from desktop_app.settings.profiles import Profile
from desktop_app.store.history import HistoryStore
from desktop_app.usecases.operations import VerifyOperations
from desktop_app.usecases.scenarios_engine import ScenarioRunner
from desktop_app.usecases.scenarios_load import load_files
from desktop_app.usecases.scenarios_model import (
    Case,
    CaseFinished,
    CaseResult,
    CaseStarted,
    FileFinished,
    FileStarted,
    Mismatch,
    RunEvent,
    RunSummary,
    ScenarioFile,
    StepFinished,
    StepResult,
    Verdict,
)
from desktop_app.usecases.scenarios_report import (
    case_json,
    junit_xml,
    shown_fields,
    step_json,
    summary_json,
)
from desktop_app.usecases.scenarios_target import Target, TargetFactory
from desktop_app.usecases.scenarios_wiring import (
    SandboxHandset,
    SandboxStarter,
    Wiring,
    fresh_sandboxes,
    same_target,
)

__all__ = [
    "AccountCost",
    "Case",
    "CaseFinished",
    "CaseResult",
    "CaseStarted",
    "FileFinished",
    "FileStarted",
    "Mismatch",
    "OwnProfile",
    "RunEvent",
    "RunPlace",
    "RunSummary",
    "ScenarioFile",
    "ScenarioRun",
    "ScenarioService",
    "StepFinished",
    "StepResult",
    "Verdict",
    "account_cost",
    "json_lines",
    "shown_fields",
]


@dataclass(frozen=True)
class OwnProfile:
    """The window's active profile as a place to run scenarios.

    Attributes:
        profile: The active profile.
        operations: Its operations (they record in the window's history).
        sandbox_url: The built-in sandbox's URL on the Sandbox profile, else None.
    """

    profile: Profile
    operations: VerifyOperations
    sandbox_url: str | None = None

    @property
    def is_account(self) -> bool:
        """True for a real account: it costs money and has no handset."""
        return self.sandbox_url is None


@dataclass(frozen=True)
class RunPlace:
    """Where a run goes, for people.

    Attributes:
        description: ``a fresh sandbox per file`` or ``profile 'staging' (a real account)``.
        in_history: True when its requests are recorded in the window's history.
        is_account: True on a real account.
    """

    description: str
    in_history: bool
    is_account: bool = False


@dataclass(frozen=True)
class AccountCost:
    """What a run on a real account may send, and what it skips."""

    starts: int
    sends: int
    skipped: int


def account_cost(files: Sequence[ScenarioFile]) -> AccountCost:
    """The starts and sends a real account may be charged for; cases needing a handset skip."""
    cases = [case for file in files for case in file.cases()]
    runnable = [case.scenario.steps for case in cases if not case.scenario.sandbox_steps]
    return AccountCost(
        starts=sum(step.kind == "start" for steps in runnable for step in steps),
        sends=sum(step.kind == "send" for steps in runnable for step in steps),
        skipped=len(cases) - len(runnable),
    )


def json_lines(summary: RunSummary) -> str:
    """The run as ``verify-desk-cli --json run`` prints it: steps, cases, then the summary."""
    objects: list[dict[str, object]] = []
    for case in summary.cases:
        objects += [step_json(case.case, step) for step in case.steps]
        objects.append(case_json(case))
    objects.append({"ok": summary.ok, "command": "run", **summary_json(summary)})
    return "".join(json.dumps(item, ensure_ascii=False) + "\n" for item in objects)


class ScenarioRun(QObject):
    """One run: its events on the GUI thread, its summary as a task, and Cancel.

    Signals:
        progressed(object): Each :data:`RunEvent`, in the engine's order, on the GUI thread (all of
            them before the task's outcome).

    Attributes:
        place: Where it runs.
        task: Succeeds with the :class:`RunSummary` (a cancelled run too: its cases say so).
    """

    progressed = Signal(object)
    _arrived = Signal(object)

    task: Task[RunSummary]

    def __init__(self, place: RunPlace) -> None:
        super().__init__()
        self.place = place
        self._stop = threading.Event()
        self._arrived.connect(self._on_arrived, Qt.ConnectionType.QueuedConnection)

    @property
    def cancelling(self) -> bool:
        """True once :meth:`cancel` was called (or the task was cancelled)."""
        return self._stop.is_set()

    def cancel(self) -> None:
        """Stop before the next step; the cases not run are reported as cancelled."""
        self._stop.set()

    def is_set(self) -> bool:
        """The engine's cancel token (read on the worker thread)."""
        return self._stop.is_set()

    def _publish(self, event: RunEvent) -> None:
        # On the worker thread: only a queued signal crosses to the GUI thread.
        self._arrived.emit(event)

    @Slot(object)
    def _on_arrived(self, event: RunEvent) -> None:
        self.progressed.emit(event)


class ScenarioService(QObject):
    """Loads scenario files, runs them and saves their reports, on the scenarios runner.

    Args:
        runner: The scenarios runner (one thread: one run at a time).
        http: The shared HTTP client (built on first use; called on the worker).
        start_sandbox: Starts a fresh sandbox with its clock paused and yields its URL.
        own_profile: The window's active profile, or None while none is active.
        region: The country national-format numbers are read in (the send form's).
        secrets: Secrets no saved report may contain (every API secret of the session).
        parent: The Qt parent.

    Signals:
        history_changed(): A run on the window's own profile finished a file (its requests
            are in the history).
    """

    history_changed = Signal()

    def __init__(
        self,
        runner: TaskRunner,
        http: Callable[[], httpx.Client],
        start_sandbox: SandboxStarter,
        own_profile: Callable[[], OwnProfile | None],
        *,
        region: Callable[[], str | None] = lambda: None,
        secrets: Callable[[], Iterable[str]] = tuple,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._runner = runner
        self._http = http
        self._start_sandbox = start_sandbox
        self._own_profile = own_profile
        self._region = region
        self._secrets = secrets

    def own_profile(self) -> OwnProfile | None:
        """The window's active profile as a place to run, or None while none is active."""
        return self._own_profile()

    def load(
        self, paths: Sequence[Path], data: Path | None = None
    ) -> Task[tuple[ScenarioFile, ...]]:
        """Read and check the files (``ScenarioFormatError`` names every problem)."""
        chosen = tuple(paths)
        return self._runner.submit(lambda: load_files(chosen, data=data), name="scenarios.load")

    def run(self, files: Sequence[ScenarioFile], *, own_profile: bool = False) -> ScenarioRun:
        """Run ``files`` on fresh sandboxes, or on the window's own profile."""
        chosen = tuple(files)
        if not own_profile:
            run = ScenarioRun(RunPlace("a fresh sandbox per file", in_history=False))
            run.task = self._submit(run, chosen, self._fresh_job(run, chosen))
            return run
        own = self._own_profile()
        if own is None:
            run = ScenarioRun(RunPlace("no profile", in_history=True))
            run.task = self._runner.rejected(NoActiveDesk(), name="scenarios.run")
            return run
        name = own.profile.name
        where = f"profile '{name}' (a real account)" if own.is_account else (
            f"the window's sandbox (profile '{name}')")  # fmt: skip
        run = ScenarioRun(RunPlace(where, in_history=True, is_account=own.is_account))
        target = self._own_target(own, where)
        run.progressed.connect(self._on_own_event)
        run.task = self._submit(run, chosen, lambda: self._engine(run, same_target(target), chosen))
        return run

    def save_junit(self, summary: RunSummary, path: Path) -> Task[Path]:
        """Write the run as JUnit XML; the task yields the path."""
        return self._save(path, lambda: junit_xml(summary), "scenarios.junit")

    def save_json_lines(self, summary: RunSummary, path: Path) -> Task[Path]:
        """Write the run as JSON lines (as ``--json run`` prints it); yields the path."""
        return self._save(path, lambda: json_lines(summary), "scenarios.jsonl")

    # -- plumbing ------------------------------------------------------------------------------

    def _submit(
        self, run: ScenarioRun, files: tuple[ScenarioFile, ...], job: Callable[[], RunSummary]
    ) -> Task[RunSummary]:
        task = self._runner.submit(job, name=f"scenarios.run ({len(files)} files)")
        # A task cancelled by shutdown stops the engine at its next step.
        return task.on_finished(run.cancel)

    def _engine(
        self, run: ScenarioRun, targets: TargetFactory, files: tuple[ScenarioFile, ...]
    ) -> RunSummary:
        return ScenarioRunner(targets, on_event=run._publish, cancel=run).run(files)

    def _fresh_job(
        self, run: ScenarioRun, files: tuple[ScenarioFile, ...]
    ) -> Callable[[], RunSummary]:
        http, start, region = self._http, self._start_sandbox, self._region()

        def job() -> RunSummary:
            # The command line's default: a throw-away history, gone with the run.
            with tempfile.TemporaryDirectory(prefix="verify-desk-scenarios-") as folder:
                history = HistoryStore(Path(folder) / "scenarios.sqlite3")
                try:
                    wiring = Wiring(http(), history, default_region=region)
                    return self._engine(run, fresh_sandboxes(wiring, start), files)
                finally:
                    history.close()

        return job

    def _own_target(self, own: OwnProfile, where: str) -> Target:
        # The profile's Messages desk: send steps are recorded in the window's history.
        messages = own.operations.messages
        if own.sandbox_url is None:
            return Target(own.operations, None, messages, False, where)
        handset = SandboxHandset(self._http(), own.sandbox_url)
        return Target(own.operations, handset, messages, True, where)

    def _on_own_event(self, event: RunEvent) -> None:
        if isinstance(event, FileFinished):
            self.history_changed.emit()

    def _save(self, path: Path, text: Callable[[], str], name: str) -> Task[Path]:
        secrets = tuple(s for s in self._secrets() if s)

        def write() -> Path:
            try:
                path.write_text(redact_secrets(text(), secrets), encoding="utf-8")
            except OSError as exc:
                raise StoreError(
                    f"The report cannot be written to {path} ({exc.strerror})."
                ) from None
            return path

        return self._runner.submit(write, name=name)
