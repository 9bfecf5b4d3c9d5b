"""Keeps IN PROGRESS requests fresh with Verify v1 search, within its rate limit.

Verify v1 search takes at most 10 ids and allows one request a second per API key. Each tick
of a single-shot GUI-thread timer reads the IN PROGRESS rows of the active profile (on the store
runner), adds the ids the window asked to watch, and runs *one* background search for the ten
that were refreshed longest ago. The next tick is scheduled only when that search has finished,
``interval_ms`` (at least one second) later, so there is never more than one search in flight
and never more than one a second, even when a search is slow. The use case writes what search
says onto the history rows, so ``VerificationService.history_changed`` follows every search.

A request search does not find (left out of a batch's answer, or status 101 for all of it) while
the history says it is in progress is *unknown to the server* (a sandbox that forgot it, an id
from elsewhere). Right after a request ends, the real API may answer 101 for up to a minute
(field guide §1.7), so an id is marked only once it has stayed unfound for ``not_found_grace``
seconds (none on the sandbox, which never lags): its row becomes ``UNKNOWN TO SERVER`` (final)
and it is never searched again.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Sequence

from PySide6.QtCore import QObject, QTimer, Signal

from desktop_app.domain.errors import SearchNotFoundError, ThrottledError
from desktop_app.domain.models import HistoryEntry, VerificationRecord, VerificationStatus
from desktop_app.domain.v2 import is_v2_request_id
from desktop_app.services.history import HistoryService
from desktop_app.services.tasks import Task
from desktop_app.services.verification import VerificationService

log = logging.getLogger(__name__)

__all__ = [
    "MAX_BACKOFF_S",
    "MAX_IDS_PER_SEARCH",
    "MIN_INTERVAL_MS",
    "SEARCH_LAG_S",
    "StatusRefresher",
]

#: Verify v1 search accepts at most this many request ids.
MAX_IDS_PER_SEARCH = 10
#: Verify v1 search allows one request a second per key.
MIN_INTERVAL_MS = 1000
#: The longest the refresher waits after repeated failures.
MAX_BACKOFF_S = 60.0
#: How long the real API's search may not find a request that just ended (field guide §1.7).
SEARCH_LAG_S = 60.0


def _is_final(status: str) -> bool:
    try:
        return VerificationStatus(status).is_final
    except ValueError:
        return False


def _server_searched(request_id: str) -> bool:
    """True for an id the server's own search looks up (Verify v1's, not a UUID)."""
    return not is_v2_request_id(request_id)


class StatusRefresher(QObject):
    """Keeps IN PROGRESS requests fresh: batches of up to 10 ids, at most one search a second.

    Failures are quiet: they are logged and the refresher backs off (by the error's
    ``retry_after`` when the API throttled, doubling up to a minute otherwise).

    Args:
        verification: Runs the searches (background ones: they do not flip busy).
        history: Reads the IN PROGRESS rows of the active profile.
        interval_ms: Pause after each search (raised to 1000 ms when lower).
        parent: The Qt parent.
        not_found_grace: Seconds an id must stay unfound before it is marked unknown to the
            server (asked each time: the active profile's server decides; default
            :data:`SEARCH_LAG_S`).
        monotonic: The clock those seconds are measured on (injectable for tests).

    Signals:
        refreshed(object): The ``tuple[VerificationRecord, ...]`` a search returned.
    """

    refreshed = Signal(object)

    def __init__(
        self,
        verification: VerificationService,
        history: HistoryService,
        *,
        interval_ms: int = MIN_INTERVAL_MS,
        parent: QObject | None = None,
        not_found_grace: Callable[[], float] = lambda: SEARCH_LAG_S,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(parent)
        self._verification = verification
        self._history = history
        self._interval_ms = max(MIN_INTERVAL_MS, interval_ms)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._on_timer_timeout)
        self._watched: dict[str, None] = {}  # an ordered set
        self._last_tried: dict[str, float] = {}
        # The one read or search in flight (never both): its end schedules the next tick.
        self._pending: Task[object] | None = None
        self._backoff_s = 0.0
        self._running = False
        self._grace = not_found_grace
        self._monotonic = monotonic
        #: When search first did not find each id (cleared once it is found).
        self._missing: dict[str, float] = {}
        #: Ids marked unknown to the server: never searched again, whatever asks.
        self._unknown: set[str] = set()
        verification.desk_changed.connect(self._on_verification_desk_changed)

    @property
    def interval_ms(self) -> int:
        """The pause after each search, in milliseconds."""
        return self._interval_ms

    @property
    def is_running(self) -> bool:
        """True between ``start()`` and ``stop()``."""
        return self._running

    def watched(self) -> tuple[str, ...]:
        """The ids added with ``watch`` that are not final yet."""
        return tuple(self._watched)

    def start(self) -> None:
        """Start refreshing; the first search follows one interval later."""
        if not self._running:
            self._running = True
            self._schedule(self._interval_ms / 1000)

    def stop(self) -> None:
        """Stop refreshing; a search in flight is cancelled (its result is dropped)."""
        self._running = False
        self._timer.stop()
        if self._pending is not None:
            self._pending.cancel()
            self._pending = None

    def watch(self, request_ids: Iterable[str]) -> None:
        """Add ids to refresh (e.g. a request just started) until search says they are final."""
        for request_id in request_ids:
            if request_id and request_id not in self._unknown:
                self._watched[request_id] = None

    def unknown(self) -> frozenset[str]:
        """The ids found unknown to the server (never searched again)."""
        return frozenset(self._unknown)

    # -- the cycle --------------------------------------------------------------------------

    def _schedule(self, delay_s: float) -> None:
        if self._running:
            self._timer.start(max(0, round(delay_s * 1000)))

    def _on_timer_timeout(self) -> None:
        if not self._running or self._pending is not None:
            return
        profile = self._verification.profile_name
        if profile is None:
            self._schedule(self._interval_ms / 1000)
            return
        task = self._history.in_progress(profile=profile, limit=100)
        self._pending = task.on_success(self._on_in_progress_read).on_failure(
            self._on_in_progress_failed
        )

    def _on_in_progress_read(self, entries: Sequence[HistoryEntry]) -> None:
        self._pending = None
        if not self._running:
            return
        candidates = dict.fromkeys(e.request_id for e in entries if e.request_id)
        candidates.update(self._watched)
        for request_id in self._unknown.intersection(candidates):
            del candidates[request_id]  # its row may not say so yet: the write is on its way
        if not candidates:
            self._schedule(self._interval_ms / 1000)
            return
        # Someone else's search (the window's) counts against the same one-a-second limit.
        wait = MIN_INTERVAL_MS / 1000 - self._verification.seconds_since_last_search()
        if self._verification.searches_in_flight() or wait > 0:
            self._schedule(max(wait, 0.25))
            return
        never = float("-inf")
        batch = sorted(candidates, key=lambda rid: self._last_tried.get(rid, never))
        batch = batch[:MAX_IDS_PER_SEARCH]
        now = time.monotonic()
        for request_id in batch:
            self._last_tried[request_id] = now
        task = self._verification.search(batch, background=True)
        self._pending = (
            task.on_success(lambda records: self._on_search_succeeded(batch, records))
            .on_failure(lambda exc: self._on_search_failed(batch, exc))
            .on_finished(self._on_search_finished)
        )

    def _on_in_progress_failed(self, exc: BaseException) -> None:
        self._pending = None
        log.warning("status refresh: the history could not be read: %s", exc)
        self._back_off(None)
        self._schedule(self._interval_ms / 1000 + self._backoff_s)

    def _on_search_succeeded(
        self, batch: Sequence[str], records: tuple[VerificationRecord, ...]
    ) -> None:
        self._backoff_s = 0.0
        found = {record.request_id for record in records}
        for record in records:
            self._missing.pop(record.request_id, None)
            if _is_final(record.status):
                self._watched.pop(record.request_id, None)
                self._last_tried.pop(record.request_id, None)
        # Only Verify v1 ids are looked up on the server; the others are answered from the
        # history (Verify v2 and the Messages API have no lookup), which says nothing of it.
        self._not_found([rid for rid in batch if rid not in found and _server_searched(rid)])
        self.refreshed.emit(records)

    def _on_search_failed(self, batch: Sequence[str], exc: BaseException) -> None:
        log.info("status refresh failed (%s); backing off", type(exc).__name__)
        if isinstance(exc, SearchNotFoundError):
            # 101 for the whole batch: none of its Verify v1 ids is known.
            self._not_found([rid for rid in batch if _server_searched(rid)])
        self._back_off(exc if isinstance(exc, ThrottledError) else None)

    def _not_found(self, request_ids: Sequence[str]) -> None:
        """Note ids search did not find; mark those unfound for longer than the grace."""
        if not request_ids:
            return
        now, grace = self._monotonic(), self._grace()
        due = [rid for rid in request_ids if now - self._missing.setdefault(rid, now) >= grace]
        if not due:
            return
        for request_id in due:
            self._unknown.add(request_id)
            self._missing.pop(request_id, None)
            self._watched.pop(request_id, None)
            self._last_tried.pop(request_id, None)
        log.info("%d request(s) unknown to the server; no longer refreshed", len(due))
        self._verification.mark_unknown_to_server(due).on_failure(
            lambda exc: log.warning("could not mark requests unknown to the server: %s", exc)
        )

    def _on_search_finished(self) -> None:
        self._pending = None
        self._schedule(self._interval_ms / 1000 + self._backoff_s)

    def _back_off(self, throttled: ThrottledError | None) -> None:
        if throttled is not None:
            self._backoff_s = min(MAX_BACKOFF_S, max(throttled.retry_after, 1.0))
        else:
            self._backoff_s = min(MAX_BACKOFF_S, max(2 * self._backoff_s, 1.0))

    def _on_verification_desk_changed(self) -> None:
        # Another profile: its account cannot see the old one's requests.
        self._watched.clear()
        self._last_tried.clear()
        self._missing.clear()
