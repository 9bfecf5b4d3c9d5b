"""The window's export runs in a child Python process, so the window's GIL is never shared.

Mapping and writing a million rows is seconds of pure Python. On a worker thread of the window's
process it holds the GIL most of that time, and whenever the OS preempts that thread while it
holds the GIL (a busy machine), the GUI thread cannot run until it is scheduled again: the
window stalls for tens of milliseconds (docs/benchmarks.md, "Export"). In a child process the
export has its own interpreter; the window's worker thread only waits on the child's output,
with the GIL released.

Protocol: the parent writes one JSON object (database, filter, target, format, mask, actions
and, for a shared history on PostgreSQL, its password: the pipe is the only way it travels,
never argv or the environment) to the child's stdin; the child
(``python -m desktop_app.usecases.export_process``) runs
:func:`desktop_app.usecases.export.export_history` and writes one JSON line per progress step
(``{"done": n, "total": m}``), then ``{"rows": n, "actions": k}`` or ``{"error": text, "kind":
"file" | "store"}``. Cancelling terminates the child; the parent removes its partial files.

The child is background work and says so to the OS: it lowers its priority (``nice`` 10, and
``SCHED_BATCH`` on Linux) so that when the window's GUI thread wakes (a timer, a repaint) it
gets a core at once instead of queueing behind a minute of writing; on an idle core the export
runs as fast as before. Its progress lines are at most ten a second (the dialog reads them ten
times a second): each line wakes a thread of the window's process.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from desktop_app.domain.errors import StoreError, VerifyDeskError
from desktop_app.domain.models import VerificationStatus
from desktop_app.domain.reports import (
    ExportFileError,
    ExportFormat,
    ExportProgress,
    ExportSummary,
    HistoryFilter,
)

__all__ = ["export_in_child", "main"]


def _encode_filter(flt: HistoryFilter) -> dict[str, Any]:
    return {
        "since": None if flt.since is None else flt.since.isoformat(),
        "until": None if flt.until is None else flt.until.isoformat(),
        "status": None if flt.status is None else flt.status.value,
        "profile": flt.profile,
        "text": flt.text,
    }


def _decode_filter(data: dict[str, Any]) -> HistoryFilter:
    def moment(text: str | None) -> datetime | None:
        return None if text is None else datetime.fromisoformat(text)

    status = data.get("status")
    return HistoryFilter(
        since=moment(data.get("since")),
        until=moment(data.get("until")),
        status=None if status is None else VerificationStatus(status),
        profile=data.get("profile"),
        text=str(data.get("text") or ""),
    )


def export_in_child(
    db: Path | str,
    flt: HistoryFilter,
    path: Path,
    fmt: ExportFormat,
    *,
    mask: bool,
    progress: Callable[[ExportProgress], object],
    cancelled: Callable[[], bool],
    actions: bool = False,
    password: str | None = None,
) -> ExportSummary:
    """Run the export in a child process; returns when it ended (call on a worker thread).

    ``db`` is the SQLite file or a shared history's URL; ``password`` (a shared history's, from
    the keyring) goes to the child on its stdin, never in its argv or environment.

    Raises:
        ExportCancelled: ``cancelled()`` became true (the child is terminated, no file left).
        ExportFileError: The file cannot be written.
        StoreError: The history cannot be read, or the child could not run.
    """
    from desktop_app.domain.reports import actions_path
    from desktop_app.usecases.export import ExportCancelled

    request = {"db": str(db), "filter": _encode_filter(flt), "path": str(path),
               "format": fmt.value, "mask": mask, "actions": actions,
               "password": password}  # fmt: skip
    child = subprocess.Popen(
        [sys.executable, "-m", "desktop_app.usecases.export_process"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        encoding="utf-8",
    )  # fmt: skip
    assert child.stdin is not None and child.stdout is not None
    try:
        child.stdin.write(json.dumps(request))
        child.stdin.close()
        ended = _follow(child.stdout, progress, cancelled)
    finally:
        if child.poll() is None:
            child.terminate()
        child.stdout.close()
        errors = ""
        if child.stderr is not None:
            errors = child.stderr.read()
            child.stderr.close()
        child.wait(timeout=30)
    audit = actions_path(path) if actions else None
    if ended is None:
        _remove_parts(path, audit)
        raise ExportCancelled()
    if "rows" in ended:
        return ExportSummary(rows=int(ended["rows"]), path=str(path), format=fmt, masked=mask,
                             actions=int(ended.get("actions") or 0),
                             actions_path=None if audit is None else str(audit))  # fmt: skip
    _remove_parts(path, audit)
    if ended.get("kind") == "file":
        raise ExportFileError(str(ended.get("error")))
    raise StoreError(str(ended.get("error") or f"The export stopped unexpectedly: {errors[-500:]}"))


def _remove_parts(*paths: Path | None) -> None:
    from desktop_app.usecases.export import part_path

    for path in paths:
        if path is not None:
            part_path(path).unlink(missing_ok=True)


def _follow(
    lines: IO[str],
    progress: Callable[[ExportProgress], object],
    cancelled: Callable[[], bool],
) -> dict[str, Any] | None:
    """Read the child's lines until its last; None when cancelled first."""
    for line in lines:  # blocks with the GIL released: the window's thread runs meanwhile
        if cancelled():
            return None
        message = json.loads(line)
        if "done" in message:
            progress(ExportProgress(int(message["done"]), message.get("total")))
            continue
        return dict(message)
    return None if cancelled() else {"error": "", "kind": "store"}


#: The shortest time between two progress lines (the first and the last always go out).
PROGRESS_INTERVAL_S = 0.1


class ProgressThrottle:
    """Decides which progress steps the child reports.

    A step goes out when it is the first or the last, or ``interval`` seconds after the
    previous one that went out.
    """

    def __init__(
        self, interval: float = PROGRESS_INTERVAL_S, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._interval = interval
        self._clock = clock
        self._last: float | None = None

    def __call__(self, step: ExportProgress) -> bool:
        now = self._clock()
        last = self._last
        ends = step.done == 0 or step.done == step.total
        if ends or last is None or now - last >= self._interval:
            self._last = now
            return True
        return False


def _in_background() -> None:
    """Lower this process's priority: the window must win any contest for a core."""
    with contextlib.suppress(OSError, AttributeError):
        os.nice(10)
    set_scheduler = getattr(os, "sched_setscheduler", None)
    batch = getattr(os, "SCHED_BATCH", None)
    if set_scheduler is not None and batch is not None:
        with contextlib.suppress(OSError):
            set_scheduler(0, batch, os.sched_param(0))


def main() -> int:
    """The child: read the request on stdin, export, report on stdout."""
    from desktop_app.store.history import HistoryStore
    from desktop_app.usecases.export import export_history

    _in_background()
    request = json.loads(sys.stdin.read())
    out = sys.stdout
    due = ProgressThrottle()

    def report(step: ExportProgress) -> None:
        if not due(step):
            return
        out.write(json.dumps({"done": step.done, "total": step.total}) + "\n")
        out.flush()

    try:
        history = HistoryStore(request["db"], password=request.get("password"))
        try:
            summary = export_history(
                history, _decode_filter(request["filter"]), Path(request["path"]),
                ExportFormat(request["format"]), mask=bool(request["mask"]), progress=report,
                actions=bool(request.get("actions")),
            )  # fmt: skip
        finally:
            history.close()
    except VerifyDeskError as exc:
        kind = "file" if isinstance(exc, ExportFileError) else "store"
        out.write(json.dumps({"error": str(exc) or exc.meaning, "kind": kind}) + "\n")
        return 1
    out.write(json.dumps({"rows": summary.rows, "actions": summary.actions}) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
