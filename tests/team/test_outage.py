"""The shared history's server goes away mid-session and comes back: nothing lost, nothing twice."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from desktop_app.domain.history_query import RecentQuery
from desktop_app.domain.history_writes import CallEnd, NewCall, NewRequest, RequestChanges
from desktop_app.domain.models import VerificationStatus
from desktop_app.store import pg_outbox
from desktop_app.store.history import HistoryStore
from tests.helpers.postgres import PostgresServer
from tests.helpers.windows import send_in_window
from tests.team.conftest import OutageWindow

IN_PROGRESS = VerificationStatus.IN_PROGRESS


def _new(number: str) -> NewRequest:
    return NewRequest(profile="Team", operator="ana", kind="verify", number=number, brand="Acme",
                      workflow_id=None)  # fmt: skip


@pytest.fixture
def shared(own_postgres: PostgresServer, tmp_path: Path) -> Iterator[HistoryStore]:
    url = own_postgres.url(own_postgres.new_database())
    store = HistoryStore(url, password=own_postgres.password, outbox=tmp_path / "outbox.sqlite3")
    yield store
    store.close()


def test_writes_made_while_the_server_is_away_arrive_once_when_it_is_back(
    own_postgres: PostgresServer, shared: HistoryStore
) -> None:
    online = shared.add_request(_new("447700900001"))
    shared.update_request(online, RequestChanges(request_id="r1", status=IN_PROGRESS))
    own_postgres.stop()

    # Each write is acknowledged (it returns) although the server is away.
    away = shared.add_request(_new("447700900002"))
    assert away > pg_outbox.PROVISIONAL_BASE and shared.offline
    shared.update_request(away, RequestChanges(request_id="r2", status=IN_PROGRESS))
    shared.record_check("r1", "VALID", RequestChanges(status=VerificationStatus.SUCCESS))
    new_call = NewCall(profile="Team", operator="ana", operation="check", request_id="r1")
    call = shared.begin_call(new_call)
    shared.end_call(call, CallEnd(outcome="ok", api_status="0"))
    with pytest.raises(Exception):  # noqa: B017 - a listing needs the server
        shared.recent()
    assert shared.find("r1") is None  # a lookup before an action: nothing known while away
    # The session's own queued rows, as they will be once written (what the window shows).
    (queued,) = shared.queued()
    assert (queued.id, queued.request_id, queued.status) == (away, "r2", IN_PROGRESS)
    assert shared.queued(RecentQuery(text="no such brand")) == []
    assert shared.queued(RecentQuery(profile="Other")) == []

    own_postgres.start()
    assert shared.flush() == 5
    assert not shared.offline
    assert shared.flush() == 0  # nothing left, nothing sent twice
    assert shared.queued() == []
    rows = {e.request_id: e for e in shared.recent()}
    assert sorted(rows) == ["r1", "r2"] and shared.count() == 2
    assert rows["r1"].status is VerificationStatus.SUCCESS and rows["r1"].checks_count == 1
    assert rows["r2"].status is VerificationStatus.IN_PROGRESS and rows["r2"].number.endswith("02")
    (ended,) = shared.calls("r1")
    assert ended.outcome == "ok" and ended.finished_at is not None
    # The provisional id still names the row it stood for.
    shared.update_request(away, RequestChanges(last_error="late note"))
    assert shared.find("r2") is not None and shared.find("r2").last_error == "late note"  # type: ignore[union-attr]


def test_an_action_sent_twice_runs_once(shared: HistoryStore) -> None:
    row = shared.add_request(_new("447700900003"))
    shared.update_request(row, RequestChanges(request_id="r3"))
    writes = shared._shared  # white-box: replay one action as an ambiguous commit would
    assert writes is not None
    action = "0b7e4f0e-8a38-4f57-9d1e-6f1f7cf8d5a1"
    statements = [("UPDATE requests SET checks_count = checks_count + 1 WHERE request_id = ?",
                   ["r3"])]  # fmt: skip
    writes._send(action, statements)
    writes._send(action, statements)
    found = shared.find("r3")
    assert found is not None and found.checks_count == 1



def test_a_window_keeps_working_through_an_outage_and_its_rows_arrive(
    qtbot: Any, outage_window: OutageWindow, own_postgres: PostgresServer
) -> None:
    ctx, url = outage_window
    before = send_in_window(qtbot, ctx, "+44 7400 123456")
    label = ctx.window.history_label
    own_postgres.stop()
    qtbot.waitUntil(lambda: not label.isHidden(), timeout=10000)  # the status bar says so
    during = send_in_window(qtbot, ctx, "+44 7400 123457", 15000)  # the session keeps working
    own_postgres.start()
    qtbot.waitUntil(label.isHidden, timeout=15000)
    qtbot.waitUntil(lambda: during in [r.request_id for r in ctx.window.recent.model.rows()],
                    timeout=10000)  # fmt: skip
    assert ctx.shutdown(5000)
    check = HistoryStore(url, password=own_postgres.password)
    try:
        ids = [e.request_id for e in check.recent()]
    finally:
        check.close()
    assert sorted(ids) == sorted([before, during])  # each once
