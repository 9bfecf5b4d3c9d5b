"""The Messages API's test numbers, as the catalogue (:mod:`desktop_app.domain.test_numbers`) says.

The catalogue is the one source; this module indexes its Messages entries once (a send looks a
recipient up for every leg, and the catalogue's :func:`~desktop_app.domain.test_numbers.lookup`
scans every entry) and turns each behaviour into what the engine does: a leg that ends
``rejected`` or ``undeliverable`` with an error code (:func:`failure_of`), or a send refused at
once with a problem (:func:`refusal_of`). As in the catalogue, an exact number wins over one
that matches by its last four digits (``...4220``, ``...4290``, ``...4020``).
"""

from __future__ import annotations

from collections.abc import Iterable

from desktop_app.domain.messages_status import ERROR_TYPE_BASE
from desktop_app.domain.test_number_types import CatalogueEntry, MessageFails, Problem
from desktop_app.domain.test_numbers import API_MESSAGES, entries_for
from desktop_app.sandbox.problems import Problem as ProblemAnswer
from desktop_app.sandbox.test_numbers import problem_answer

__all__ = ["entry_for", "failure_of", "refusal_of"]

_ENTRIES = entries_for(API_MESSAGES)
_EXACT = {entry.number: entry for entry in _ENTRIES}
_ENDING: dict[str, CatalogueEntry] = {}
for _entry in _ENTRIES:
    if _entry.any_ending:
        _ENDING.setdefault(_entry.number[-4:], _entry)
#: The ``type`` of a refusal by its status (as the engine's own problems have them).
_KINDS = {
    402: "low-balance",
    422: f"{ERROR_TYPE_BASE}#1020",
    429: f"{ERROR_TYPE_BASE}#1000",
}


def entry_for(to: str) -> CatalogueEntry | None:
    """The catalogue's Messages entry a message to ``to`` gets, or None for an ordinary one."""
    entry = _EXACT.get(to)
    if entry is None and len(to) >= 4:
        entry = _ENDING.get(to[-4:])
    return entry


def failure_of(to: str) -> MessageFails | None:
    """How a leg to ``to`` fails after it was accepted (its status and error code), if it does."""
    entry = entry_for(to)
    if entry is not None and isinstance(entry.behaviour, MessageFails):
        return entry.behaviour
    return None


def refusal_of(recipients: Iterable[str]) -> ProblemAnswer | None:
    """The problem a send to any of ``recipients`` is refused with at once (the first), or None."""
    for to in recipients:
        entry = entry_for(to)
        if entry is not None and isinstance(entry.behaviour, Problem):
            problem = entry.behaviour
            return problem_answer(problem, _KINDS.get(problem.http_status, "bad-request"))
    return None
