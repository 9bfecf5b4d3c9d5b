"""The figures a reliability run reports, gathered by the tests as they run.

Tests call :func:`add`; the ``conftest`` prints the totals at the end of a pytest run and
``python -m tests.reliability`` prints them as text and as one JSON object.
"""

from __future__ import annotations

import threading
from collections import Counter

_lock = threading.Lock()
_figures: Counter[str] = Counter()
_notes: list[str] = []

#: The keys, in the order they are reported.
ORDER = (
    "kills",
    "kill_databases_integrity_ok",
    "acked_writes",
    "acked_rows",
    "rows_lost",
    "concurrent_writers",
    "concurrent_rows_written",
    "concurrent_rows_lost",
    "busy_errors_escaped",
    "faults_injected",
    "faults_handled",
    "bad_inputs_tried",
    "sandbox_hostile_cases",
    "sandbox_hostile_xfail",
    "secret_runs",
    "files_searched",
    "argv_searched",
    "secrets_found",
)


def add(key: str, amount: int = 1) -> None:
    """Add ``amount`` to figure ``key`` (thread-safe)."""
    with _lock:
        _figures[key] += amount


def note(text: str) -> None:
    """Keep one line of context for the report (e.g. a sandbox case marked xfail)."""
    with _lock:
        _notes.append(text)


def snapshot() -> dict[str, int]:
    """All figures, the known keys first (0 when not measured in this run)."""
    with _lock:
        data = {key: _figures.get(key, 0) for key in ORDER}
        data.update({k: v for k, v in sorted(_figures.items()) if k not in data})
    return data


def notes() -> list[str]:
    """The notes recorded so far."""
    with _lock:
        return list(_notes)
