"""The only layer that knows about Qt threads: use cases on pools, results through signals.

The window talks to these services and nothing below them. Each service runs its work through a
:class:`~desktop_app.services.tasks.TaskRunner` (its own ``QThreadPool``) and hands every result
back on the GUI thread. :func:`build_runners` makes one runner per purpose, so no purpose can
starve another; the reason for each thread count is written beside it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QObject

from desktop_app.services.latest import Latest
from desktop_app.services.tasks import Task, TaskRunner

__all__ = ["Latest", "ServiceRunners", "Task", "TaskRunner", "build_runners"]

#: Verify calls are I/O-bound and each waits up to 15 s for an answer. Eight lets a few slow
#: calls (a check, a search, the refresher) not hold back a new send, and is still far below
#: the account's 30 requests/s, so more threads would only queue at the API.
NETWORK_THREADS = 8
#: History reads (SQLite in WAL mode allows concurrent readers). Two, so a slow substring scan
#: does not hold back the page count; never shared with the network pool, so calls hanging on
#: a dead host cannot delay the history page.
STORE_THREADS = 2
#: Keyring access (about 160 ms on first use) and profile file writes. One: keyring backends do
#: not promise thread safety, and profile switches and saves must apply in the order asked.
CREDENTIAL_THREADS = 1
#: History exports and analytics (``ReportsService``). Two: an export of a million rows runs for
#: seconds, and the analytics page must not wait behind it; never the history page's pool, so
#: neither delays the recent-requests list.
REPORT_THREADS = 2
#: The sandbox handset poll. One: polls are serial by design (a poll is skipped while the last
#: is running), and a pool of its own keeps delivered codes visible when the network pool is
#: saturated.
HANDSET_THREADS = 1
#: Scenario runs (``ScenarioService``), their file loads and report saves. One: a run is one long
#: job that calls the API step by step; a second run beside it would double an account's cost
#: and blur both runs' timings, and a queue of one keeps a save behind the run it reports.
SCENARIO_THREADS = 1


@dataclass(frozen=True)
class ServiceRunners:
    """The app's runners, one per purpose (see the module's thread-count constants)."""

    network: TaskRunner
    store: TaskRunner
    credentials: TaskRunner
    handset: TaskRunner
    reports: TaskRunner
    scenarios: TaskRunner

    def all(self) -> tuple[TaskRunner, ...]:
        """Every runner, network first (it is the one most likely to be waiting)."""
        return (self.network, self.handset, self.credentials, self.store, self.reports,
                self.scenarios)

    def on_unhandled_failure(self, report: Callable[[BaseException], object]) -> None:
        """Send every runner's unhandled task failures to ``report`` (the window shows them)."""
        for runner in self.all():
            runner.unhandled_failure.connect(report)

    def shutdown(self, timeout_ms: int = 5000) -> bool:
        """Shut every runner down within one shared ``timeout_ms`` budget.

        Every runner is cancelled and cleared first, so their threads wind down in parallel.

        Returns:
            True when every pool is idle; False when a job is still running (close the HTTP
            client then: the stuck call fails fast).
        """
        deadline = time.monotonic() + timeout_ms / 1000
        for runner in self.all():
            runner.shutdown(0)
        done = True
        for runner in self.all():
            left = max(0, round((deadline - time.monotonic()) * 1000))
            done = runner.shutdown(left) and done
        return done


def build_runners(parent: QObject | None = None) -> ServiceRunners:
    """Build one runner per purpose, owned by ``parent`` (build them on the GUI thread)."""
    return ServiceRunners(
        network=TaskRunner(NETWORK_THREADS, parent, name="network"),
        store=TaskRunner(STORE_THREADS, parent, name="store"),
        credentials=TaskRunner(CREDENTIAL_THREADS, parent, name="credentials"),
        handset=TaskRunner(HANDSET_THREADS, parent, name="handset"),
        reports=TaskRunner(REPORT_THREADS, parent, name="reports"),
        scenarios=TaskRunner(SCENARIO_THREADS, parent, name="scenarios"),
    )
