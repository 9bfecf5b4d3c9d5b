"""Reports of a scenario run: JSON objects (one per step, per case, and a summary) and JUnit XML.

JUnit XML follows the de-facto schema CI systems read (Jenkins, GitLab, GitHub actions): one
``<testsuite>`` per file, one ``<testcase>`` per scenario and data row, ``<failure>`` with the
failing step, what was expected and what happened, ``<skipped>`` and ``<error>`` with the
reason. A code read from the handset is never written to any report.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from xml.etree import ElementTree

from desktop_app.usecases.scenarios_expect import HIDDEN_FIELDS
from desktop_app.usecases.scenarios_model import (
    Case,
    CaseResult,
    FileResult,
    RunSummary,
    StepResult,
    Verdict,
)

__all__ = ["case_json", "failure_json", "junit_xml", "shown_fields", "step_json", "summary_json"]


def shown_fields(fields: Mapping[str, Any]) -> dict[str, Any]:
    """A step's fields as reports show them: no code."""
    return {k: v for k, v in fields.items() if k not in HIDDEN_FIELDS}


def _where(case: Case) -> dict[str, Any]:
    return {"file": str(case.file.path), "scenario": case.scenario.name, "row": case.row_number}


def step_json(case: Case, result: StepResult) -> dict[str, Any]:
    """One step's JSON line."""
    body: dict[str, Any] = {
        "type": "step",
        **_where(case),
        "step": result.step.index,
        "do": result.step.kind,
        "name": result.step.label or None,
        "ok": result.passed,
        "fields": shown_fields(result.fields),
    }
    if not result.passed:
        body["problem"] = result.problem or None
        body["mismatches"] = [
            {"field": m.field, "expected": m.expected, "actual": m.actual}
            for m in result.mismatches
        ]
    return body


def failure_json(result: CaseResult) -> dict[str, Any] | None:
    """Where and why a failed case failed (None when it did not fail at a step)."""
    failing = result.failing_step
    if failing is None:
        return None
    return {
        **_where(result.case),
        "step": failing.step.index,
        "do": failing.step.kind,
        "name": failing.step.label or None,
        "explanation": failing.explanation,
        "mismatches": [
            {"field": m.field, "expected": m.expected, "actual": m.actual}
            for m in failing.mismatches
        ],
    }


def case_json(result: CaseResult) -> dict[str, Any]:
    """One case's JSON line (after its steps' lines)."""
    return {
        "type": "case",
        **_where(result.case),
        "case": result.case.name,
        "verdict": result.verdict.value,
        "reason": result.reason or None,
        "seconds": round(result.seconds, 4),
        "simulated_seconds": round(result.simulated_seconds, 3),
    }


def summary_json(summary: RunSummary) -> dict[str, Any]:
    """The run's summary object."""
    failures = [f for f in (failure_json(c) for c in summary.cases) if f is not None]
    return {
        "type": "summary",
        "files": len(summary.files),
        "cases": len(summary.cases),
        **{verdict.value: summary.count(verdict) for verdict in Verdict},
        "cancelled_run": summary.cancelled,
        "seconds": round(summary.seconds, 4),
        "simulated_seconds": round(summary.simulated_seconds, 3),
        "failures": failures,
        "errors": [{"file": str(f.file.path), "error": f.error} for f in summary.files if f.error],
    }


def _failure_text(result: CaseResult) -> tuple[str, str]:
    failing = result.failing_step
    if failing is None:
        return result.reason, result.reason
    lines = [f"{failing.step.title} failed"]
    if failing.problem:
        lines.append(f"problem: {failing.problem}")
    for mismatch in failing.mismatches:
        lines.append(f"field:    {mismatch.field}")
        lines.append(f"expected: {mismatch.expected}")
        lines.append(f"actual:   {mismatch.actual}")
    fields = shown_fields(failing.fields)
    if fields:
        lines.append("result:   " + ", ".join(f"{k}={v}" for k, v in fields.items()))
    return f"{failing.step.title}: {failing.explanation}", "\n".join(lines)


def _testcase(parent: ElementTree.Element, result: CaseResult, suite: str) -> None:
    case = ElementTree.SubElement(
        parent,
        "testcase",
        {"classname": suite, "name": result.case.name, "time": f"{result.seconds:.4f}"},
    )
    if result.verdict is Verdict.FAILED:
        message, text = _failure_text(result)
        failure = ElementTree.SubElement(case, "failure", {"message": message, "type": "failed"})
        failure.text = text
    elif result.verdict in (Verdict.SKIPPED, Verdict.CANCELLED):
        ElementTree.SubElement(case, "skipped", {"message": result.reason})
    elif result.verdict is Verdict.ERROR:
        error = ElementTree.SubElement(case, "error", {"message": result.reason, "type": "error"})
        error.text = result.reason


def _suite(parent: ElementTree.Element, result: FileResult) -> None:
    name = result.file.path.name
    counts = {
        "tests": str(len(result.cases)),
        "failures": str(result.count(Verdict.FAILED)),
        "errors": str(result.count(Verdict.ERROR)),
        "skipped": str(result.count(Verdict.SKIPPED) + result.count(Verdict.CANCELLED)),
    }
    attributes = {"name": name, **counts, "time": f"{result.seconds:.4f}"}
    suite = ElementTree.SubElement(
        parent, "testsuite", {**attributes, "file": str(result.file.path)}
    )
    for case in result.cases:
        _testcase(suite, case, result.file.name)


def junit_xml(summary: RunSummary) -> str:
    """The whole run as a JUnit XML document (UTF-8, with its declaration)."""
    root = ElementTree.Element(
        "testsuites",
        {
            "name": "verify-desk scenarios",
            "tests": str(len(summary.cases)),
            "failures": str(summary.count(Verdict.FAILED)),
            "errors": str(summary.count(Verdict.ERROR)),
            "skipped": str(summary.count(Verdict.SKIPPED) + summary.count(Verdict.CANCELLED)),
            "time": f"{summary.seconds:.4f}",
        },
    )
    for result in summary.files:
        _suite(root, result)
    ElementTree.indent(root)
    body = ElementTree.tostring(root, encoding="unicode")
    return f'<?xml version="1.0" encoding="UTF-8"?>\n{body}\n'
