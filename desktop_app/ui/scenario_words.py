"""What the scenario results pane says: plain sentences first, the technical side as details.

Each outcome is a :class:`Words`: a short ``result`` (``passed``, ``not as expected``...), a
``headline`` a person reads (what happened, what the scenario expected, what to do) and
``details`` for support: error kinds, status codes and the step's raw fields, which the pane
shows only on demand. Expected and actual values are shown as the scenario file writes them,
so they can be compared with it; a code read from the handset is never shown.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from desktop_app.domain import errors
from desktop_app.services.scenarios import (
    CaseResult,
    Mismatch,
    RunPlace,
    StepResult,
    Verdict,
    shown_fields,
)
from desktop_app.ui.formatting import format_duration, status_text

__all__ = ["VERDICT_WORDS", "Words", "case_words", "error_meaning", "run_summary", "step_words"]

VERDICT_WORDS: Mapping[Verdict, str] = {
    Verdict.PASSED: "passed",
    Verdict.FAILED: "failed",
    Verdict.SKIPPED: "skipped",
    Verdict.CANCELLED: "not run",
    Verdict.ERROR: "could not run",
}

#: What each step kind did, as the start of its line.
_DID = {
    "start": "Started", "read_code": "Read the code", "check": "Checked the code",
    "cancel": "Cancelled", "next": "Moved to the next delivery", "search": "Looked it up",
    "advance": "Moved the clock", "wait": "Waited", "inspect": "Looked at the sandbox's view",
    "open_check_url": "Opened the check link", "send": "Sent a message",
}  # fmt: skip
#: Result fields that are codes, identifiers or the API's own text: only under details.
_TECHNICAL = {
    "api_status": "status code", "http_status": "HTTP status", "error_text": "error text",
    "title": "problem title", "network": "network code", "invalid_parameters": "parameter check",
    "request_id": "request id", "message_uuid": "message id", "check_url": "check link",
    "history_id": "history row", "retry_after": "wait before retrying", "command": "command",
    "message": "message", "fields": "input check", "outcome_unknown": "outcome",
}  # fmt: skip


@dataclass(frozen=True)
class Words:
    """One outcome in words: a short result, a plain headline and technical details."""

    result: str
    headline: str
    details: str = ""


def error_meaning(kind: object) -> str:
    """The plain sentence of an error kind named in a result or an expectation."""
    if kind == "ApiError":
        return "any reason the API gives."
    found = getattr(errors, str(kind), None)
    if isinstance(found, type) and issubclass(found, errors.VerifyDeskError):
        meaning = found.meaning
        return meaning[:1].lower() + meaning[1:]
    return f"a refusal the app does not know ({kind})."


def _seconds(value: Any) -> str:
    try:
        return f"{float(value):g} s"
    except (TypeError, ValueError):
        return str(value)


def _facts(kind: str, fields: Mapping[str, Any]) -> str:
    facts: list[str] = []
    if fields.get("status"):
        facts.append(status_text(str(fields["status"])).lower())
    if fields.get("channel"):
        facts.append(f"by {fields['channel']}")
    if "count" in fields:
        facts.append(f"{fields['count']} message(s) on the handset")
    if "waited" in fields:
        facts.append(f"for {_seconds(fields['waited'])} of simulated time")
    if "advanced" in fields:
        facts.append(f"by {_seconds(fields['advanced'])}")
    if "records" in fields:
        facts.append(f"{fields['records']} found")
    did = _DID.get(kind, kind)
    return f"{did}: {', '.join(facts)}." if facts else f"{did}."


def _raw(result: StepResult) -> str:
    lines = [str(m) for m in result.mismatches]
    if result.problem:
        lines.insert(0, f"problem: {result.problem}")
    fields = shown_fields(result.fields)
    if fields:
        lines.append("result: " + ", ".join(f"{k}={v}" for k, v in fields.items()))
    return "\n".join(lines)


def _error_words(result: StepResult) -> str:
    wanted = result.step.expect.get("error")
    got = result.fields.get("error")
    if got is None:
        return f"Expected a refusal ({error_meaning(wanted)[:-1]}), but it succeeded."
    refused = error_meaning(got)
    if wanted in (None, "none"):
        return f"Expected it to succeed, but it was refused: {refused}"
    return f"Expected a refusal ({error_meaning(wanted)[:-1]}), but got another: {refused}"


def _mismatch_words(mismatch: Mismatch, result: StepResult) -> str:
    if mismatch.field == "error":
        return _error_words(result)
    technical = _TECHNICAL.get(mismatch.field)
    if technical is not None:
        return f"The {technical} is not the one the scenario expects (see details)."
    expected = mismatch.expected.removeprefix("= ")
    field = mismatch.field.replace("_", " ")
    return f"Expected {field} {expected}, but it was {mismatch.actual}."


def step_words(result: StepResult) -> Words:
    """A step's line: ``as expected`` with what it did, or what the scenario expected instead."""
    kind, fields = result.step.kind, result.fields
    if result.passed:
        if fields.get("error"):
            headline = f"Refused, as expected: {error_meaning(fields['error'])}"
        else:
            headline = _facts(kind, fields)
        return Words("as expected", headline, _raw(result))
    if result.problem and not result.mismatches:
        problem = result.problem[:1].upper() + result.problem[1:]
        return Words("could not run", f"{problem}.", _raw(result))
    said = " ".join(_mismatch_words(m, result) for m in result.mismatches)
    if result.problem:
        said = f"{result.problem[:1].upper()}{result.problem[1:]}. {said}"
    return Words("not as expected", said, _raw(result))


def case_words(result: CaseResult) -> Words:
    """A scenario's (or data row's) line once it ended."""
    verdict = result.verdict
    word = VERDICT_WORDS[verdict]
    timing = f"{len(result.steps)} step(s), {format_duration(result.simulated_seconds)} simulated"
    if verdict is Verdict.PASSED:
        return Words(word, f"Every step did what the scenario expects ({timing}).")
    if verdict is Verdict.FAILED:
        failing = result.failing_step
        if failing is None:
            return Words(word, "It did not do what the scenario expects.", result.reason)
        said = step_words(failing).headline
        return Words(word, f"{failing.step.title.capitalize()}: {said}", result.reason)
    if verdict is Verdict.SKIPPED:
        return Words(
            word,
            "Skipped: it needs the sandbox's handset or clock, which a real account does not "
            "have. Run it on a fresh sandbox.",
            result.reason,
        )
    if verdict is Verdict.CANCELLED:
        ran = "Stopped" if result.steps else "Not run"
        return Words(word, f"{ran}: the run was cancelled.", result.reason)
    return Words(
        word,
        "Could not run: the file's sandbox or account could not be opened. Check the "
        "profile (or try a fresh sandbox), then run again.",
        result.reason,
    )


def run_summary(
    counts: Mapping[Verdict, int],
    *,
    total: int,
    simulated: float,
    seconds: float,
    place: RunPlace,
    running: bool,
    cancelled: bool = False,
) -> str:
    """The pane's summary line: the counts, simulated and real time, and where it ran."""
    done = sum(counts.values())
    shown = [f"{counts.get(v, 0)} {VERDICT_WORDS[v]}" for v in
             (Verdict.PASSED, Verdict.FAILED, Verdict.SKIPPED)]  # fmt: skip
    shown += [f"{counts[v]} {VERDICT_WORDS[v]}" for v in (Verdict.ERROR, Verdict.CANCELLED)
              if counts.get(v)]  # fmt: skip
    if running:
        head = f"Running: {done} of {total} scenario(s) done"
    elif cancelled:
        head = f"Cancelled: {total} scenario(s)"
    else:
        head = f"{total} scenario(s)"
    history = ("its requests are in Recent requests" if place.in_history
               else "throw-away history, not in Recent requests")  # fmt: skip
    return (f"{head}: {', '.join(shown)} · {format_duration(simulated)} simulated in "
            f"{seconds:.1f} s · on {place.description} ({history})")  # fmt: skip
