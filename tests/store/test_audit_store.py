"""The audit trail in the store: migration 4, actions written with their row change, who-search."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest

from desktop_app.domain.audit import ActionKind, NewAction, Outcome
from desktop_app.domain.history_query import RecentQuery
from desktop_app.domain.history_writes import NewRequest, RequestChanges
from desktop_app.domain.models import VerificationStatus
from desktop_app.domain.reports import ACTION_EXPORT_COLUMNS, ExportFormat, HistoryFilter
from desktop_app.store import schema
from desktop_app.store.history import HistoryStore
from desktop_app.usecases.export import ExportCancelled, export_history
from tests.helpers.clock import FakeClock
from tests.store.conftest import T0


def _new(number: str = "447700900001", *, operator: str = "ann", host: str = "ws-1") -> NewRequest:
    return NewRequest(profile="p", operator=operator, host=host, kind="start", number=number,
                      brand="Acme", workflow_id=None)  # fmt: skip


def _action(kind: ActionKind = ActionKind.CHECK, outcome: Outcome = Outcome.OK,
            request_id: str | None = None) -> NewAction:  # fmt: skip
    return NewAction(kind=kind, outcome=outcome, profile="p", user="bob", host="ws-2",
                     request_id=request_id)  # fmt: skip


def _version_3_file(path: Path, rows: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, isolation_level=None)
    for statements in schema.MIGRATIONS[:3]:
        for statement in statements:
            conn.execute(statement)
    conn.execute("PRAGMA user_version = 3")
    for n in range(rows):
        conn.execute(
            "INSERT INTO requests (profile, operator, kind, number, brand, request_id, status,"
            " created_at, updated_at) VALUES ('p', ?, 'start', ?, 'Acme', ?, 'SUCCESS', ?, ?)",
            (f"op{n % 3}", f"4477009{n:05d}", f"rid{n:05d}", n + 1, n + 1),
        )
    conn.close()


def test_version_3_file_migrates_to_4_keeping_every_row(db_path: Path, clock: FakeClock) -> None:
    _version_3_file(db_path, 250)
    store = HistoryStore(db_path, clock=clock)
    try:
        rows = store.recent(RecentQuery(limit=1000))
        assert len(rows) == 250
        assert {r.host for r in rows} == {""}  # old rows: no host recorded
        assert {r.operator for r in rows} == {"op0", "op1", "op2"}
        assert store.find("rid00007") is not None
        assert store.actions(history_id=rows[0].id) == []
        op1 = store.recent(RecentQuery(limit=1000, text="op1"))
        assert len(op1) == 83  # who-search on old rows too
    finally:
        store.close()
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == schema.SCHEMA_VERSION >= 4
        assert conn.execute("SELECT count(*) FROM requests").fetchone()[0] == 250


@pytest.mark.sqlite_only  # SQLite's own schema and query plan
def test_a_fresh_database_has_the_audit_schema(store: HistoryStore, db_path: Path) -> None:
    with sqlite3.connect(db_path) as conn:
        columns = {row[1] for row in conn.execute("PRAGMA table_info(actions)")}
        request_columns = {row[1] for row in conn.execute("PRAGMA table_info(requests)")}
        indexes = {row[1] for row in conn.execute("PRAGMA index_list(requests)")}
    assert columns == {"id", "history_id", "request_id", "kind", "outcome", "profile",
                       "operator", "host", "acted_at"}  # fmt: skip
    assert "host" in request_columns
    assert {"ix_requests_operator", "ix_requests_host"} <= indexes


def test_an_action_goes_with_its_row_change(store: HistoryStore, clock: FakeClock) -> None:
    row = store.add_request(_new())
    start = _action(ActionKind.START)
    change = RequestChanges(request_id="r1", status=VerificationStatus.IN_PROGRESS)
    store.update_request(row, change, action=start)
    clock.advance(5)
    store.record_check("r1", "INVALID", action=_action(outcome=Outcome.WRONG_CODE))
    store.update_by_request_id("r1", RequestChanges(status=VerificationStatus.CANCELLED),
                               action=_action(ActionKind.CANCEL))  # fmt: skip
    store.add_action(_action(ActionKind.NEXT, Outcome.REFUSED, request_id="r1"))
    actions = store.actions(history_id=row)
    assert [(a.kind, a.outcome) for a in actions] == [
        ("start", "ok"), ("check", "wrong_code"), ("cancel", "ok"), ("next", "refused"),
    ]  # fmt: skip
    assert all((a.user, a.host, a.profile, a.request_id) == ("bob", "ws-2", "p", "r1")
               for a in actions)  # fmt: skip
    assert actions[0].at == T0 and actions[1].at == T0 + timedelta(seconds=5)
    assert store.actions(request_id="r1") == actions


def test_a_failed_row_change_records_no_action(store: HistoryStore) -> None:
    with pytest.raises(KeyError):
        store.update_request(999, RequestChanges(last_error="x"), action=_action())
    with pytest.raises(ValueError, match="request id"):
        store.record_check("r", "VALID", RequestChanges(request_id="x"), action=_action())
    # White-box, through the store's own connection: either backend.
    assert store._db.query("SELECT count(*) FROM actions") == [(0,)]


def test_an_action_on_an_unknown_request_is_kept_without_a_row(store: HistoryStore) -> None:
    store.record_check("elsewhere", "INVALID", action=_action(request_id="elsewhere"))
    [kept] = store.actions(request_id="elsewhere")
    assert kept.history_id is None and kept.outcome == "ok"


def test_prune_removes_old_actions(store: HistoryStore, clock: FakeClock) -> None:
    store.add_action(_action(request_id="old"))
    clock.advance(10 * 86400)
    store.add_action(_action(request_id="new"))
    store.prune(T0 + timedelta(days=1))
    assert store.actions(request_id="old") == [] and len(store.actions(request_id="new")) == 1


@pytest.mark.parametrize("text", ["ann", "ANN", "an", "ws-1", "WS-1", "ws"])
def test_the_filter_finds_rows_by_who_started_them(store: HistoryStore, text: str) -> None:
    mine = store.add_request(_new("447700900001"))
    store.add_request(_new("447700900002", operator="carl", host="pc-9"))
    assert [e.id for e in store.recent(RecentQuery(text=text))] == [mine]
    assert store.count(RecentQuery(text=text)) == 1


def test_who_matches_a_name_start_not_a_number_fragment(store: HistoryStore) -> None:
    store.add_request(_new("447700900001", operator="ann", host="desk-0412"))
    assert store.recent(RecentQuery(text="0412")) == []  # a number fragment is not a host match
    assert store.recent(RecentQuery(text="nn")) == []
    assert store.recent(RecentQuery(text="esk-")) == []
    assert len(store.recent(RecentQuery(text="desk-04"))) == 1


@pytest.mark.sqlite_only  # SQLite's own schema and query plan
def test_who_search_walks_the_nocase_indexes(store: HistoryStore, db_path: Path) -> None:
    store.add_request(_new())
    with sqlite3.connect(db_path) as conn:
        plan = " ".join(str(row) for row in conn.execute(
            "EXPLAIN QUERY PLAN SELECT id FROM requests WHERE (operator LIKE ? ESCAPE '\\'"
            " OR host LIKE ? ESCAPE '\\') LIMIT 900", ["ann%", "ann%"]))  # fmt: skip
    assert "ix_requests_operator" in plan and "ix_requests_host" in plan


# -- export --------------------------------------------------------------------------------


def _history_with_actions(store: HistoryStore, rows: int) -> list[int]:
    ids = []
    for n in range(rows):
        row = store.add_request(_new(f"4477009{n:05d}"))
        start = _action(ActionKind.START)
        store.update_request(row, RequestChanges(request_id=f"r{n}"), action=start)
        store.record_check(f"r{n}", "INVALID", action=_action(outcome=Outcome.WRONG_CODE))
        ids.append(row)
    return ids


@pytest.mark.parametrize("fmt", list(ExportFormat))
def test_export_writes_the_actions_companion_in_request_order(
    store: HistoryStore, tmp_path: Path, fmt: ExportFormat
) -> None:
    ids = _history_with_actions(store, 7)
    out = tmp_path / f"h.{fmt.value}"
    summary = export_history(store, HistoryFilter(), out, fmt, page_size=3, actions=True)
    companion = tmp_path / f"h.actions.{fmt.value}"
    assert (summary.rows, summary.actions, summary.actions_path) == (7, 14, str(companion))
    text = companion.read_text(encoding="utf-8-sig")
    if fmt is ExportFormat.CSV:
        records = list(csv.DictReader(io.StringIO(text)))
    else:
        records = [json.loads(line) for line in text.splitlines()]
    assert list(records[0]) == [name for name, _ in ACTION_EXPORT_COLUMNS]
    newest_first = [str(i) for i in reversed(ids) for _ in range(2)]
    assert [str(r["history_id"]) for r in records] == newest_first
    assert [r["action"] for r in records[:2]] == ["start", "check"]
    assert (records[1]["outcome"], records[1]["user"], records[1]["host"]) == (
        "wrong_code", "bob", "ws-2")  # fmt: skip
    requests = out.read_text(encoding="utf-8-sig")
    assert "ws-1" in requests  # the host column of the requests file


def test_a_cancelled_export_leaves_neither_file(store: HistoryStore, tmp_path: Path) -> None:
    _history_with_actions(store, 12)
    pages: list[int] = []
    with pytest.raises(ExportCancelled):
        export_history(store, HistoryFilter(), tmp_path / "o.csv", ExportFormat.CSV, page_size=3,
                       progress=lambda p: pages.append(p.done), cancelled=lambda: len(pages) > 3,
                       actions=True)  # fmt: skip
    assert list(tmp_path.glob("o*")) == [] and list(tmp_path.glob(".o*")) == []


def test_every_audit_column_is_documented() -> None:
    docs = (Path(__file__).resolve().parents[2] / "docs" / "export.md").read_text()
    assert "## Audit trail" in docs
    assert all(f"`{name}`" in docs for name, _ in ACTION_EXPORT_COLUMNS)
    assert all(f"`{kind.value}`" in docs for kind in ActionKind)
    assert all(f"`{outcome.value}`" in docs for outcome in Outcome)
