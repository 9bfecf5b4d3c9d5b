"""The scenario runner: every case of every file, step by step, against a target per file.

:class:`ScenarioRunner` is Qt-free and synchronous (the window runs it on a worker thread). It
reports progress through an ``on_event`` callback (:data:`~.scenarios_model.RunEvent` values,
in order) and stops between steps once its ``cancel`` token is set. For each file it opens a
target from the injected :data:`~.scenarios_target.TargetFactory` (the command line's starts a
fresh sandbox), runs the file's cases in order and closes the target.

A case stops at its first failing step (the later steps depend on it). On a real account
(no handset), a case with a step that needs the sandbox is skipped whole, with the steps named:
running half a scenario would report outcomes it never checked.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol

from desktop_app.domain.errors import (
    ApiError,
    InvalidParameterError,
    ThrottledError,
    TransportError,
    ValidationFailed,
    VerifyDeskError,
)
from desktop_app.domain.test_numbers import API_MESSAGES
from desktop_app.usecases.scenarios_data import UnknownVariable, substitute
from desktop_app.usecases.scenarios_expect import evaluate
from desktop_app.usecases.scenarios_handset_steps import HANDSET_RUNNERS
from desktop_app.usecases.scenarios_message_steps import MESSAGE_RUNNERS
from desktop_app.usecases.scenarios_model import (
    Case,
    CaseFinished,
    CaseResult,
    CaseStarted,
    FileFinished,
    FileResult,
    FileStarted,
    RunEvent,
    RunSummary,
    ScenarioFile,
    Step,
    StepFinished,
    StepResult,
    Verdict,
)
from desktop_app.usecases.scenarios_steps import API_RUNNERS, StepContext, StepProblem
from desktop_app.usecases.scenarios_target import Target, TargetFactory

__all__ = ["CancelToken", "ScenarioRunner", "error_fields"]

logger = logging.getLogger(__name__)

_RUNNERS = {**API_RUNNERS, **HANDSET_RUNNERS, **MESSAGE_RUNNERS}


class CancelToken(Protocol):
    """Anything with ``is_set()`` (a :class:`threading.Event` will do)."""

    def is_set(self) -> bool:
        """True once the run should stop."""
        ...


class _Never:
    def is_set(self) -> bool:
        return False


def error_fields(error: VerifyDeskError) -> dict[str, Any]:
    """The result fields of a step that raised ``error`` (``error``, ``api_status``, ...)."""
    fields: dict[str, Any] = {"error": type(error).__name__, "message": error.user_message()}
    if isinstance(error, ApiError):
        fields.update(api_status=error.status, error_text=error.error_text)
        if error.request_id:
            fields["request_id"] = error.request_id
        if error.network:
            fields["network"] = error.network
        if error.title:
            fields["title"] = error.title
    if isinstance(error, InvalidParameterError) and error.invalid_parameters:
        fields["invalid_parameters"] = "; ".join(f"{n}: {r}" for n, r in error.invalid_parameters)
    if isinstance(error, ThrottledError):
        fields["retry_after"] = error.retry_after
    if isinstance(error, ValidationFailed):
        fields["fields"] = "; ".join(str(e) for e in error.errors)
    if isinstance(error, TransportError):
        fields["outcome_unknown"] = error.outcome_unknown
    return fields


class ScenarioRunner:
    """Runs scenario files against targets opened per file.

    Args:
        targets: Opens the target of each file (and closes it afterwards).
        on_event: Called with each :data:`RunEvent` as the run goes (on the runner's thread).
        cancel: Stops the run between steps once set; the rest is reported as cancelled.
        clock: Real time for the reports' durations (injectable for tests).
    """

    def __init__(
        self,
        targets: TargetFactory,
        *,
        on_event: Callable[[RunEvent], None] | None = None,
        cancel: CancelToken | None = None,
        clock: Callable[[], float] = time.perf_counter,
    ) -> None:
        self._targets = targets
        self._on_event = on_event or (lambda _event: None)
        self._cancel = cancel or _Never()
        self._clock = clock

    def run(self, files: Sequence[ScenarioFile]) -> RunSummary:
        """Run every case of every file, in order; never raises for a failing case."""
        began = self._clock()
        results = [self._run_file(file) for file in files]
        return RunSummary(tuple(results), self._cancel.is_set(), self._clock() - began)

    # -- files and cases ---------------------------------------------------------------------

    def _run_file(self, file: ScenarioFile) -> FileResult:
        began = self._clock()
        cases = file.cases()
        if self._cancel.is_set():
            return self._finish_file(
                file, [self._ended(c, Verdict.CANCELLED) for c in cases], began
            )
        results: list[CaseResult] = []
        try:
            with self._targets(file) as target:
                self._on_event(FileStarted(file, target.description))
                for case in cases:
                    results.append(self._run_case(case, target))
        except VerifyDeskError as exc:
            logger.info("scenario file %s could not run: %s", file.path.name, type(exc).__name__)
            reason = exc.user_message()
            done = len(results)
            results += [self._ended(c, Verdict.ERROR, reason) for c in cases[done:]]
            return self._finish_file(file, results, began, reason)
        return self._finish_file(file, results, began)

    def _finish_file(
        self, file: ScenarioFile, cases: list[CaseResult], began: float, error: str = ""
    ) -> FileResult:
        result = FileResult(file, tuple(cases), self._clock() - began, error)
        self._on_event(FileFinished(result))
        return result

    def _ended(self, case: Case, verdict: Verdict, reason: str = "") -> CaseResult:
        if verdict is Verdict.CANCELLED and not reason:
            reason = "the run was cancelled"
        result = CaseResult(case, verdict, reason=reason)
        self._on_event(CaseFinished(result))
        return result

    def _run_case(self, case: Case, target: Target) -> CaseResult:
        if self._cancel.is_set():
            return self._ended(case, Verdict.CANCELLED)
        needs = case.scenario.sandbox_steps
        if target.handset is None and needs:
            named = ", ".join(step.title for step in needs)
            return self._ended(case, Verdict.SKIPPED, f"needs the sandbox's handset: {named}")
        self._on_event(CaseStarted(case))
        began = self._clock()
        variables = {**case.file.variables, **case.scenario.variables, **case.row}
        ctx = StepContext(target, variables)
        ctx.started_at = ctx.now()
        steps: list[StepResult] = []
        verdict = Verdict.PASSED
        for step in case.scenario.steps:
            if self._cancel.is_set():
                verdict = Verdict.CANCELLED
                break
            result = self._run_step(ctx, step)
            steps.append(result)
            self._on_event(StepFinished(case, result))
            if not result.passed:
                verdict = Verdict.FAILED
                break
        now = ctx.now()
        simulated = 0.0 if now is None or ctx.started_at is None else now - ctx.started_at
        failing = next((s for s in steps if not s.passed), None)
        reason = f"{failing.step.title}: {failing.explanation}" if failing else ""
        if verdict is Verdict.CANCELLED:
            reason = "the run was cancelled"
        ended = CaseResult(case, verdict, tuple(steps), reason, self._clock() - began, simulated)
        self._on_event(CaseFinished(ended))
        return ended

    # -- steps -------------------------------------------------------------------------------

    def _run_step(self, ctx: StepContext, step: Step) -> StepResult:
        began = self._clock()
        fields: dict[str, Any] = {}
        error: VerifyDeskError | None = None
        try:
            params = substitute(step.params, ctx.variables)
            expect = substitute(step.expect, ctx.variables)
            try:
                fields = _RUNNERS[step.kind](ctx, params)
            except VerifyDeskError as exc:
                error = exc
                fields = error_fields(exc)
                _follow_live_request(ctx, step, exc, params)
        except (StepProblem, UnknownVariable) as exc:
            return self._step(step, False, fields, problem=str(exc), began=began)
        self._add_time(ctx, fields)
        mismatches = evaluate(expect, fields, error)
        problem = ""
        if step.kind == "read_code" and not fields.get("count") and "count" not in expect:
            problem = "no message on the handset for this request"
        for variable, source in step.save.items():
            if source in fields:
                ctx.variables[variable] = fields[source]
            elif not mismatches and not problem:
                problem = f"cannot save {variable}: the result has no field {source!r}"
        passed = not mismatches and not problem
        return self._step(step, passed, fields, mismatches, problem, began)

    def _step(
        self,
        step: Step,
        passed: bool,
        fields: Mapping[str, Any],
        mismatches: tuple[Any, ...] = (),
        problem: str = "",
        began: float = 0.0,
    ) -> StepResult:
        return StepResult(step, passed, dict(fields), mismatches, problem, self._clock() - began)

    @staticmethod
    def _add_time(ctx: StepContext, fields: dict[str, Any]) -> None:
        now = ctx.now()
        if now is not None and ctx.started_at is not None:
            fields["at"] = round(now - ctx.started_at, 2)


def _follow_live_request(
    ctx: StepContext, step: Step, error: VerifyDeskError, params: Mapping[str, Any]
) -> None:
    """After a status 10 / HTTP 409 start, the live request it names becomes current.

    So does the live code a ``send_code`` to the same number was refused for.
    """
    if step.kind not in ("start", "send_code") or not isinstance(error, ApiError):
        return
    if not error.request_id or error.status not in ("10", "409"):
        return
    if step.kind == "send_code":
        number = str(params.get("to") or ctx.variables.get("number") or "")
        ctx.adopt(error.request_id, number, API_MESSAGES, None)
        return
    api = str(params.get("api") or "v1")
    number = str(params.get("number") or "")
    ctx.adopt(error.request_id, number, api, None)
