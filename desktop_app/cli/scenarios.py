"""``verify-desk-cli run FILE...``: run scenario files and report every step and case.

Progress goes to stdout as it happens: a line per step and per case for people, or with
``--json`` one JSON object per step and per case; ``main`` then prints the summary (text, or the
``{"ok": ..., "command": "run", "type": "summary", ...}`` object). ``--junit FILE`` also writes
JUnit XML. The exit status is 0 when every expectation held and 1 otherwise (2 for a file that
is not valid: nothing is run then).

On a real account (``--profile`` or ``--api-host``) the run costs money, so it is refused until
the person confirms the warning (or passes ``--yes``).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

from desktop_app.domain.errors import FieldError, StoreError, ValidationFailed
from desktop_app.usecases.scenarios_engine import ScenarioRunner
from desktop_app.usecases.scenarios_load import load_files
from desktop_app.usecases.scenarios_model import (
    CaseFinished,
    FileStarted,
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

from .output import write_json, write_text
from .parser import PROG, CliUsageError
from .scenario_targets import is_account_run, target_factory

__all__ = ["add_run_command", "cost_of", "run_scenarios", "scenario_paths"]

#: Result fields a progress line shows, in this order, when a step has them.
_SHOWN = ("error", "api_status", "status", "v2_status", "error_code", "channel", "count",
          "waited", "advanced", "http_status", "records", "request_id")  # fmt: skip


def add_run_command(sub: Any, command: Any) -> None:
    """Register ``run`` (``command`` makes a sub-parser with the global options)."""
    parser = command(
        sub, "run", "run scenario files (TOML) with expectations; see docs/scenarios.md"
    )
    parser.add_argument("files", nargs="+", metavar="FILE", help="scenario files or folders")
    parser.add_argument(
        "--data", metavar="FILE", default=None, help="a CSV or JSON table: every scenario per row"
    )
    parser.add_argument("--junit", metavar="FILE", default=None, help="also write JUnit XML here")
    parser.add_argument(
        "--yes", action="store_true", help="with --profile: accept the cost warning"
    )


def scenario_paths(given: list[str]) -> list[Path]:
    """The files to run: each file as given, each folder's ``*.toml`` files in name order.

    Raises:
        ValidationFailed: A path does not exist, or a folder holds no ``.toml`` file.
    """
    paths: list[Path] = []
    for text in given:
        path = Path(text)
        if path.is_dir():
            found = sorted(path.glob("*.toml"))
            if not found:
                raise ValidationFailed([FieldError(text, "holds no .toml scenario file")])
            paths.extend(found)
        elif path.exists():
            paths.append(path)
        else:
            raise ValidationFailed([FieldError(text, "no such file or folder")])
    return paths


def cost_of(files: tuple[ScenarioFile, ...]) -> tuple[int, int]:
    """``(verifications, messages)`` a run on a real account may send."""
    starts = sends = 0
    for file in files:
        for case in file.cases():
            if case.scenario.sandbox_steps:
                continue  # skipped on a real account
            starts += sum(step.kind == "start" for step in case.scenario.steps)
            sends += sum(step.kind in ("send", "send_code") for step in case.scenario.steps)
    return starts, sends


def _confirm_cost(args: argparse.Namespace, files: tuple[ScenarioFile, ...], err: TextIO) -> None:
    starts, sends = cost_of(files)
    where = f"profile {args.profile!r}" if args.profile else "the account of --api-host"
    err.write(
        f"{PROG}: warning: this run uses {where}, a real account: it may start {starts} "
        f"verification(s) and send {sends} message(s), each charged to the account "
        "(scenario steps that need the sandbox's handset are skipped).\n"
    )
    if args.yes:
        return
    if not sys.stdin.isatty():
        raise CliUsageError("a run on a real account needs --yes (after reading the warning)")
    err.write("Go ahead? [y/N] ")
    err.flush()
    if sys.stdin.readline().strip().lower() not in ("y", "yes"):
        raise CliUsageError("not confirmed; nothing was sent")


def _facts(result: StepResult) -> str:
    fields = shown_fields(result.fields)
    facts = [f"{key} {fields[key]}" for key in _SHOWN if fields.get(key) not in (None, "")]
    return ", ".join(facts[:4])


class _Progress:
    """Writes each event as it comes: lines for people, or JSON objects."""

    def __init__(self, out: TextIO, *, json_mode: bool, secrets: Callable[[], list[str]]) -> None:
        self._out = out
        self._json = json_mode
        self._secrets = secrets

    def __call__(self, event: RunEvent) -> None:
        if self._json:
            if isinstance(event, StepFinished):
                write_json(self._out, step_json(event.case, event.result), self._secrets())
            elif isinstance(event, CaseFinished):
                write_json(self._out, case_json(event.result), self._secrets())
            return
        if isinstance(event, FileStarted):
            self._line(
                f"{event.file.path} ({event.where})" if event.where else f"{event.file.path}"
            )
        elif isinstance(event, StepFinished):
            step, mark = event.result.step, "ok  " if event.result.passed else "FAIL"
            label = f" ({step.label})" if step.label else ""
            detail = _facts(event.result) if event.result.passed else event.result.explanation
            self._line(f"    {mark} {step.index} {step.kind}{label}: {detail}")
        elif isinstance(event, CaseFinished):
            result = event.result
            words = {Verdict.PASSED: "PASS", Verdict.FAILED: "FAIL", Verdict.SKIPPED: "SKIP",
                     Verdict.CANCELLED: "STOP", Verdict.ERROR: "ERROR"}  # fmt: skip
            why = f": {result.reason}" if result.reason else ""
            self._line(f"  {words[result.verdict]} {result.case.name}{why}")

    def _line(self, text: str) -> None:
        # Server text (error_text) may hold control characters: written terminal-safe.
        write_text(self._out, text, self._secrets())
        self._out.flush()


def _summary_text(summary: RunSummary, junit: str | None) -> str:
    counts = ", ".join(
        f"{summary.count(v)} {v.value}" for v in Verdict if summary.count(v) or v is Verdict.PASSED
    )
    lines = [
        f"{len(summary.cases)} case(s) in {len(summary.files)} file(s): {counts} "
        f"({summary.seconds:.2f} s; {summary.simulated_seconds:g} simulated seconds)"
    ]
    failed = [c for c in summary.cases if c.verdict in (Verdict.FAILED, Verdict.ERROR)]
    if failed:
        lines.append("Failed:")
        lines += [f"  {c.case.file.path.name} > {c.case.name} > {c.reason}" for c in failed]
    if junit:
        lines.append(f"JUnit report: {junit}")
    return "\n".join(lines)


def _write_junit(path: str, summary: RunSummary) -> None:
    try:
        Path(path).write_text(junit_xml(summary), encoding="utf-8")
    except OSError as exc:
        raise StoreError(
            f"The JUnit report cannot be written to {path} ({exc.strerror})."
        ) from None


def run_scenarios(args: argparse.Namespace) -> tuple[dict[str, Any], str, int]:
    """The ``run`` command: the summary payload, its text and the exit status (0 or 1).

    Raises:
        ValidationFailed: A file or data table is not valid (nothing was run).
        CliUsageError: A real-account run was not confirmed.
        VerifyDeskError: The account or the history cannot be opened.
    """
    data = Path(args.data) if args.data else None
    files = load_files(scenario_paths(args.files), data=data)
    if is_account_run(args):
        _confirm_cost(args, files, sys.stderr)
    known: list[str] = []
    remember = getattr(args, "remember_secret", None)

    def remember_too(secret: str) -> None:
        known.append(secret)
        if remember is not None:
            remember(secret)

    args.remember_secret = remember_too
    progress = _Progress(sys.stdout, json_mode=args.json, secrets=lambda: list(known))
    with target_factory(args) as targets:
        summary = ScenarioRunner(targets, on_event=progress).run(files)
    if args.junit:
        _write_junit(args.junit, summary)
    exit_code = 0 if summary.ok else 1
    return summary_json(summary), _summary_text(summary, args.junit), exit_code
