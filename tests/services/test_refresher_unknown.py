"""Requests the server does not know (issue 9, item 3): marked once, never searched again.

A real sandbox and history; the "ghost" is a row in progress whose request id the sandbox never
saw (what a forgetful sandbox left behind). Searches are counted at the transport.
"""

from __future__ import annotations

from typing import Any

import pytest

from desktop_app.domain.history_writes import NewRequest, RequestChanges
from desktop_app.domain.models import VerificationStatus
from desktop_app.domain.validation import StartForm
from desktop_app.services.history import HistoryService
from desktop_app.services.refresher import StatusRefresher
from desktop_app.services.verification import VerificationService
from desktop_app.store.history import HistoryStore
from tests.helpers.desks import build_desk, uk_number
from tests.helpers.tasks import settle

SEARCH = "/verify/search/json"
GHOST = "0123456789abcdef0123456789abcdef"


def _ghost(store: HistoryStore, request_id: str = GHOST) -> None:
    row = store.add_request(NewRequest(profile="Sandbox", operator="tester", kind="start",
                                       number=uk_number(900), brand="Desk", workflow_id=1))
    store.update_request(row, RequestChanges(request_id=request_id,
                                             status=VerificationStatus.IN_PROGRESS))  # fmt: skip


def _searched(call_log: Any, request_id: str) -> int:
    return sum(request_id in form.get("request_id", []) + form.get("request_ids", [])
               for _, _, _, form in call_log.of(SEARCH))  # fmt: skip


class Monotonic:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.slow
def test_a_ghost_is_marked_once_and_never_searched_again(
    qtbot: Any, make_runner: Any, http: Any, call_log: Any, sandbox_factory: Any,
    history_store: HistoryStore,
) -> None:
    server = sandbox_factory(search_rate_limit=0)
    desk = build_desk(http, server.url, history_store)
    live = desk.start(StartForm(number=f"+{uk_number(1)}", brand="Desk")).request_id
    _ghost(history_store)
    verification = VerificationService(make_runner(name="network"), desk)
    history = HistoryService(make_runner(name="store"), history_store)
    refresher = StatusRefresher(verification, history, not_found_grace=lambda: 0.0)
    # A Verify v2 id is answered from the history (v2 has no lookup): its absence from the
    # answer says nothing of the server.
    v2_id = "c1b8f1a2-1d5e-4c5b-9f3a-0a1b2c3d4e5f"
    refresher.watch([v2_id])
    refresher.start()
    try:
        qtbot.waitUntil(lambda: history_store.find(GHOST).status  # type: ignore[union-attr]
                        == VerificationStatus.UNKNOWN_TO_SERVER, timeout=5000)  # fmt: skip
        # Three more rounds for the live request: the ghost is in none of them.
        searches = len(call_log.of(SEARCH))
        qtbot.waitUntil(lambda: len(call_log.of(SEARCH)) >= searches + 3, timeout=10_000)
    finally:
        refresher.stop()
    assert _searched(call_log, GHOST) == 1
    assert _searched(call_log, live) >= 4
    assert refresher.unknown() == {GHOST}
    refresher.watch([GHOST])  # the window's list asking again changes nothing
    assert refresher.watched() == (v2_id,)
    row = history_store.find(GHOST)
    assert row is not None and row.last_error.startswith("The server does not know")
    assert history_store.find(live).status == VerificationStatus.IN_PROGRESS  # type: ignore[union-attr]


@pytest.mark.slow
def test_a_live_api_gets_a_minute_before_a_request_counts_as_unknown(
    qtbot: Any, make_runner: Any, http: Any, call_log: Any, sandbox_factory: Any,
    history_store: HistoryStore,
) -> None:
    """Right after a request ends, the real API's search may not find it for a minute."""
    server = sandbox_factory(search_rate_limit=0)
    desk = build_desk(http, server.url, history_store)
    _ghost(history_store)
    verification = VerificationService(make_runner(name="network"), desk)
    history = HistoryService(make_runner(name="store"), history_store)
    clock = Monotonic()
    refresher = StatusRefresher(verification, history, monotonic=clock)  # the default grace
    refresher.start()
    try:
        # Each time, wait until the refresher has heard the answer, not only sent the search.
        qtbot.waitUntil(lambda: _searched(call_log, GHOST) == 1
                        and verification.searches_in_flight() == 0, timeout=5000)  # fmt: skip
        clock.now += 59  # still within the minute: searched again, not marked
        qtbot.waitUntil(lambda: _searched(call_log, GHOST) == 2
                        and verification.searches_in_flight() == 0, timeout=10_000)  # fmt: skip
        assert history_store.find(GHOST).status == VerificationStatus.IN_PROGRESS  # type: ignore[union-attr]
        clock.now += 2
        qtbot.waitUntil(lambda: history_store.find(GHOST).status  # type: ignore[union-attr]
                        == VerificationStatus.UNKNOWN_TO_SERVER, timeout=10_000)  # fmt: skip
    finally:
        refresher.stop()
    assert _searched(call_log, GHOST) == 3


def test_only_rows_still_in_progress_are_marked(
    make_runner: Any, http: Any, sandbox: Any, history_store: HistoryStore, qtbot: Any
) -> None:
    desk = build_desk(http, sandbox.url, history_store)
    _ghost(history_store)
    _ghost(history_store, "f" * 32)
    history_store.update_by_request_id("f" * 32, RequestChanges(status=VerificationStatus.EXPIRED))
    verification = VerificationService(make_runner(name="network"), desk)
    done = settle(qtbot, verification.mark_unknown_to_server([GHOST, "f" * 32, "e" * 32]))
    assert done.value == [GHOST]
    assert history_store.find("f" * 32).status == VerificationStatus.EXPIRED  # type: ignore[union-attr]
    assert VerificationStatus.UNKNOWN_TO_SERVER.is_final
