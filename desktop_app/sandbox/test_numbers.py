"""The sandbox's side of the test-number catalogue (:mod:`desktop_app.domain.test_numbers`).

The catalogue is the one source: this module only reads each entry's behaviour and turns it
into what the engines answer. For Verify v1: a start refused with the entry's status
(:func:`v1_refusal`), a number already busy with a live request (:func:`is_busy`), a fixed code
(:func:`fixed_code_for`), search answering 101 for a while after the request ended
(:func:`search_lag`). For Verify v2: a start refused with a problem (:func:`v2_problem`), the
same busy numbers and fixed codes, and channels that fail to deliver or a fraud block
(:func:`failing_steps`). The Messages API's entries are for its sandbox endpoint.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from desktop_app.domain.test_number_types import (
    Busy,
    DeliveryFails,
    FraudBlocked,
    Problem,
    Refusal,
    SearchLag,
)
from desktop_app.domain.test_numbers import API_V1, API_V2, fixed_code, lookup
from desktop_app.sandbox.problems import Problem as ProblemAnswer
from desktop_app.sandbox.v1_validation import Refused

__all__ = [
    "blocked_reason",
    "failing_steps",
    "fixed_code_for",
    "is_blocked",
    "is_busy",
    "problem_answer",
    "search_lag",
    "v1_refusal",
    "v2_problem",
]

#: The ``type`` fragment of each v2 problem status (as the sandbox's other problems use).
_KINDS = {402: "low-balance", 422: "invalid-params", 429: "throttled", 403: "forbidden"}


def v1_refusal(number: str) -> tuple[Refused, str | None] | None:
    """The refusal a v1 start to ``number`` gets, with the network it names (or None)."""
    entry = lookup(API_V1, number)
    if entry is None or not isinstance(entry.behaviour, Refusal):
        return None
    refusal = entry.behaviour
    return Refused(refusal.status, refusal.error_text), refusal.network


def v2_problem(addresses: Iterable[str]) -> ProblemAnswer | None:
    """The problem a v2 start to any of ``addresses`` gets (the first match), or None."""
    for address in addresses:
        entry = lookup(API_V2, address)
        if entry is not None and isinstance(entry.behaviour, Problem):
            problem = entry.behaviour
            return problem_answer(problem, _KINDS.get(problem.http_status, "bad-request"))
    return None


def problem_answer(problem: Problem, kind: str) -> ProblemAnswer:
    """A catalogued problem as the sandbox answers it (``kind``: its ``type`` anchor or URL)."""
    extra: dict[str, Any] | None = None
    if problem.invalid_parameters:
        extra = {
            "invalid_parameters": [
                {"name": name, "reason": reason} for name, reason in problem.invalid_parameters
            ]
        }
    return ProblemAnswer(problem.http_status, problem.title, problem.detail, kind=kind, extra=extra)


def is_busy(api: str, number: str) -> bool:
    """True when ``number`` always has a live request already (status 10 / HTTP 409)."""
    entry = lookup(api, number)
    return entry is not None and isinstance(entry.behaviour, Busy)


def fixed_code_for(api: str, addresses: Iterable[str], length: int) -> str | None:
    """The fixed code (``length`` characters) of the first address that has one, or None."""
    for address in addresses:
        entry = lookup(api, address)
        if entry is not None and entry.code is not None:
            return fixed_code(entry.code, length)
    return None


def search_lag(number: str) -> float | None:
    """Seconds after its end a v1 request to ``number`` stays unsearchable (101), or None."""
    entry = lookup(API_V1, number)
    if entry is None or not isinstance(entry.behaviour, SearchLag):
        return None
    return float(entry.behaviour.seconds)


def is_blocked(addresses: Iterable[str]) -> bool:
    """True when a v2 request to any of ``addresses`` is blocked by the anti-fraud system."""
    return any(_blocked(address) is not None for address in addresses)


def _blocked(address: str) -> FraudBlocked | None:
    entry = lookup(API_V2, address)
    return (
        entry.behaviour if entry is not None and isinstance(entry.behaviour, FraudBlocked) else None
    )


def blocked_reason(addresses: Iterable[str]) -> str:
    """The reason a blocked request's channels report (it names the blocked network)."""
    for address in addresses:
        blocked = _blocked(address)
        if blocked is not None:
            return f"Fraudulent traffic detected for your account on network [ {blocked.network} ]."
    return ""


def failing_steps(workflow: Sequence[tuple[str, str]]) -> frozenset[int]:
    """Indexes of the ``(channel, to)`` steps that cannot deliver (all of them when blocked)."""
    if is_blocked(to for _, to in workflow):
        return frozenset(range(len(workflow)))
    failing = set()
    for index, (channel, to) in enumerate(workflow):
        entry = lookup(API_V2, to)
        if entry is not None and entry.behaviour == DeliveryFails(channel):
            failing.add(index)
    return frozenset(failing)
