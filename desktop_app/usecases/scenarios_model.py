"""Scenario runs as values: files, scenarios and steps as read, and what running them found.

A scenario file (TOML, see ``docs/scenarios.md``) holds scenarios; a scenario is a list of
steps; a data table runs a scenario once per row, each run a :class:`Case`. Running produces a
:class:`StepResult` per step, a :class:`CaseResult` per case and a :class:`FileResult` per file,
and the runner reports its progress as :data:`RunEvent` values (for the command line's progress
lines and the window's results pane). Everything here is immutable and Qt-free.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = [
    "API_STEPS",
    "SANDBOX_STEPS",
    "STEP_KINDS",
    "Case",
    "CaseFinished",
    "CaseResult",
    "CaseStarted",
    "FileFinished",
    "FileResult",
    "FileStarted",
    "Mismatch",
    "RunEvent",
    "RunSummary",
    "Scenario",
    "ScenarioFile",
    "Step",
    "StepFinished",
    "StepResult",
    "Verdict",
]

#: Steps that call an API (they work on the sandbox and on a real account).
API_STEPS: tuple[str, ...] = ("start", "check", "cancel", "next", "search", "send", "send_code")
#: Steps that need the sandbox: its handset, its clock or its own view of a request.
SANDBOX_STEPS: tuple[str, ...] = (
    "read_code", "advance", "wait", "inspect", "open_check_url", "inbound",
)  # fmt: skip
STEP_KINDS: tuple[str, ...] = API_STEPS + SANDBOX_STEPS
#: ``check`` codes that are read from the handset rather than given.
HANDSET_CODES = ("right", "wrong")


@dataclass(frozen=True)
class Step:
    """One step as written (values may still hold ``${variables}``).

    Attributes:
        index: 1 for the scenario's first step.
        kind: What it does (one of :data:`STEP_KINDS`).
        params: The step's own keys (``number``, ``code``, ``seconds``...).
        save: Variable name -> result field to store in it.
        expect: Result field (or ``error``) -> the value or matcher it must meet.
        label: An optional name for reports.
    """

    index: int
    kind: str
    params: Mapping[str, Any] = field(default_factory=dict)
    save: Mapping[str, str] = field(default_factory=dict)
    expect: Mapping[str, Any] = field(default_factory=dict)
    label: str = ""

    @property
    def needs_sandbox(self) -> bool:
        """True when the step needs the sandbox's handset or clock (not a real account)."""
        if self.kind in SANDBOX_STEPS:
            return True
        return self.kind == "check" and self.params.get("code", "right") in HANDSET_CODES

    @property
    def title(self) -> str:
        """``step 3 (check)`` or ``step 3 (check: the wrong code)`` with a label."""
        return f"step {self.index} ({self.kind}{': ' + self.label if self.label else ''})"


@dataclass(frozen=True)
class Scenario:
    """One scenario: a name, its steps and its own variables or data table."""

    name: str
    steps: tuple[Step, ...]
    variables: Mapping[str, Any] = field(default_factory=dict)
    data: Path | None = None
    description: str = ""

    @property
    def sandbox_steps(self) -> tuple[Step, ...]:
        """The steps a real account cannot run."""
        return tuple(step for step in self.steps if step.needs_sandbox)


@dataclass(frozen=True)
class ScenarioFile:
    """A scenario file as read: its scenarios and the rows each one runs with."""

    path: Path
    name: str
    scenarios: tuple[Scenario, ...]
    variables: Mapping[str, Any] = field(default_factory=dict)
    #: Per scenario (same order): its data rows; one empty row when it has no table.
    rows: tuple[tuple[Mapping[str, Any], ...], ...] = ()

    def cases(self) -> tuple[Case, ...]:
        """Every scenario once per data row, in file order."""
        out: list[Case] = []
        for scenario, rows in zip(self.scenarios, self.rows, strict=True):
            numbered = len(rows) > 1 or scenario.data is not None
            for index, row in enumerate(rows, start=1):
                out.append(Case(self, scenario, row, index if numbered else None))
        return tuple(out)


@dataclass(frozen=True)
class Case:
    """A scenario run with one data row (or none)."""

    file: ScenarioFile
    scenario: Scenario
    row: Mapping[str, Any]
    row_number: int | None = None

    @property
    def name(self) -> str:
        """``scenario`` or ``scenario [row 2: number=447700900500]``."""
        if self.row_number is None:
            return self.scenario.name
        shown = ", ".join(f"{k}={v}" for k, v in list(self.row.items())[:3])
        return f"{self.scenario.name} [row {self.row_number}{': ' + shown if shown else ''}]"


class Verdict(enum.StrEnum):
    """How a case ended."""

    PASSED = "passed"
    FAILED = "failed"
    #: Not run: it needs the sandbox and the run is on a real account.
    SKIPPED = "skipped"
    #: Not run (or stopped) because the run was cancelled.
    CANCELLED = "cancelled"
    #: Could not run: the sandbox or the account could not be set up.
    ERROR = "error"


@dataclass(frozen=True)
class Mismatch:
    """One expectation that did not hold (``expected`` and ``actual`` as a person reads them)."""

    field: str
    expected: str
    actual: str

    def __str__(self) -> str:
        if self.field == "error":  # "expected success, got error WrongCodeError (status 16)"
            return f"expected {self.expected}, got {self.actual}"
        return f"expected {self.field} {self.expected}, got {self.actual}"


@dataclass(frozen=True)
class StepResult:
    """What one step did.

    Attributes:
        step: The step as written.
        passed: Every expectation held (and no unexpected error).
        fields: The result's fields (``status``, ``request_id``, ``error``...); a ``code``
            field is only for the run itself: reports leave it out.
        mismatches: The expectations that did not hold.
        problem: Why the step could not run as asked (a missing message, a wait that timed
            out, an unknown variable); empty otherwise.
        seconds: Real seconds it took.
    """

    step: Step
    passed: bool
    fields: Mapping[str, Any]
    mismatches: tuple[Mismatch, ...] = ()
    problem: str = ""
    seconds: float = 0.0

    @property
    def explanation(self) -> str:
        """Why it failed, in one line (empty when it passed)."""
        parts = ([self.problem] if self.problem else []) + [str(m) for m in self.mismatches]
        return "; ".join(parts)


@dataclass(frozen=True)
class CaseResult:
    """How one case ended, with its steps' results."""

    case: Case
    verdict: Verdict
    steps: tuple[StepResult, ...] = ()
    reason: str = ""
    seconds: float = 0.0
    simulated_seconds: float = 0.0

    @property
    def failing_step(self) -> StepResult | None:
        """The step that failed, if one did."""
        return next((s for s in self.steps if not s.passed), None)


@dataclass(frozen=True)
class FileResult:
    """The cases of one file, and a problem that stopped the whole file (if any)."""

    file: ScenarioFile
    cases: tuple[CaseResult, ...]
    seconds: float = 0.0
    error: str = ""

    def count(self, verdict: Verdict) -> int:
        """How many cases ended with ``verdict``."""
        return sum(1 for c in self.cases if c.verdict is verdict)


@dataclass(frozen=True)
class RunSummary:
    """Everything a run found."""

    files: tuple[FileResult, ...]
    cancelled: bool = False
    seconds: float = 0.0

    @property
    def cases(self) -> tuple[CaseResult, ...]:
        """Every case of every file."""
        return tuple(c for f in self.files for c in f.cases)

    def count(self, verdict: Verdict) -> int:
        """How many cases ended with ``verdict``."""
        return sum(f.count(verdict) for f in self.files)

    @property
    def simulated_seconds(self) -> float:
        """Simulated seconds the cases spent, in total."""
        return sum(c.simulated_seconds for c in self.cases)

    @property
    def ok(self) -> bool:
        """True when no case failed or errored and the run was not cancelled."""
        bad = (Verdict.FAILED, Verdict.ERROR, Verdict.CANCELLED)
        return not self.cancelled and not any(c.verdict in bad for c in self.cases)


@dataclass(frozen=True)
class FileStarted:
    """A file's sandbox (or account) is ready and its cases start.

    Attributes:
        where: What it runs on, for people (``sandbox http://127.0.0.1:54321``).
    """

    file: ScenarioFile
    where: str = ""


@dataclass(frozen=True)
class CaseStarted:
    """A case starts."""

    case: Case


@dataclass(frozen=True)
class StepFinished:
    """A step ran."""

    case: Case
    result: StepResult


@dataclass(frozen=True)
class CaseFinished:
    """A case ended (passed, failed, skipped, cancelled or errored)."""

    result: CaseResult


@dataclass(frozen=True)
class FileFinished:
    """Every case of a file ended."""

    result: FileResult


RunEvent = FileStarted | CaseStarted | StepFinished | CaseFinished | FileFinished
