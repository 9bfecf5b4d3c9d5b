"""``history migrate --to postgresql://...``: a desktop's SQLite history copied, resumably.

Requests, calls, the audit trail's actions and the codes sent by message (salted hashes and
expiries), each once, the actions and codes linked to their requests' new rows on the server.
"""

from __future__ import annotations

import io
import json
from datetime import timedelta
from pathlib import Path

import keyring.core
import pytest

from desktop_app.cli.main import main
from desktop_app.domain.audit import ActionKind, NewAction, Outcome
from desktop_app.domain.history_query import RecentQuery
from desktop_app.domain.history_writes import CallEnd, NewCall, NewRequest, RequestChanges
from desktop_app.domain.models import VerificationStatus
from desktop_app.store import pg_copy
from desktop_app.store._reports import read
from desktop_app.store.history import HistoryStore
from tests.helpers.clock import FakeClock
from tests.helpers.postgres import PostgresServer

ROWS = 1234
CALLS = ACTIONS = ROWS // 10 + 1  # every tenth request
CODES = ROWS // 100 + 1  # every hundredth: a code sent by message
TOTAL = ROWS + CALLS + ACTIONS + CODES


class _StopError(Exception):
    """Stands for an interruption (Ctrl+C, a lost connection) in the middle of a copy."""


@pytest.fixture
def desktop_history(tmp_path: Path, clock: FakeClock) -> Path:
    path = tmp_path / "desktop.sqlite3"
    store = HistoryStore(path, clock=clock)
    try:
        for n in range(ROWS):
            clock.advance(1)
            row = store.add_request(NewRequest(
                profile="Solo", operator="ana", kind="verify", number=f"44770090{n:04d}",
                brand="Acme", workflow_id=None,
            ))  # fmt: skip
            done = RequestChanges(request_id=f"rid{n:05d}", status=VerificationStatus.SUCCESS)
            store.update_request(row, done)
            if n % 10 == 0:
                call = store.begin_call(NewCall(profile="Solo", operator="ana", operation="start",
                                                request_id=f"rid{n:05d}"))  # fmt: skip
                store.end_call(call, CallEnd(outcome="ok", api_status="0"))
                store.add_action(NewAction(kind=ActionKind.NEXT, outcome=Outcome.OK,
                                           profile="Solo", user="ana", host="desk-7",
                                           request_id=f"rid{n:05d}"))  # fmt: skip
            if n % 100 == 0:
                code, live = store.reserve_code(
                    profile="Solo", number=f"44770090{n:04d}", salt=b"s%04d" % n,
                    digest=b"d%04d" % n, expires_at=clock() + timedelta(minutes=5), now=clock(),
                )  # fmt: skip
                assert live is None
                store.attach_code(code, history_id=row, message_uuid=f"msg{n:05d}")
    finally:
        store.close()
    return path


def _shared(url: str, password: str) -> tuple[int, int, list[str]]:
    store = HistoryStore(url, password=password)
    try:
        ids = [e.request_id or "" for e in store.recent(RecentQuery(limit=ROWS + 10))]
        _assert_actions_and_codes_follow_their_rows(store)
        return store.count(), len(store.recent_calls(limit=ROWS)), ids
    finally:
        store.close()


def _assert_actions_and_codes_follow_their_rows(store: HistoryStore) -> None:
    """Each copied action and code once, linked to its request's row on the server."""
    for n in (0, 10, 500, 1230):
        row = store.find(f"rid{n:05d}")
        assert row is not None
        [action] = store.actions(request_id=f"rid{n:05d}")
        assert (action.history_id, action.kind, action.user, action.host) == (
            row.id, ActionKind.NEXT, "ana", "desk-7")  # fmt: skip
    counted = read(store, lambda conn: conn.execute(
        "SELECT (SELECT count(*) FROM actions), (SELECT count(*) FROM message_codes)").fetchone())
    assert tuple(counted) == (ACTIONS, CODES)
    for n in (0, 600, 1200):
        code = store.find_code(f"msg{n:05d}")
        row = store.find(f"rid{n:05d}")
        assert code is not None and row is not None
        assert (code.history_id, code.number, code.ended) == (row.id, f"44770090{n:04d}", "")
        assert (code.salt, code.digest) == (b"s%04d" % n, b"d%04d" % n)


def test_an_interrupted_copy_goes_on_where_it_stopped_and_copies_nothing_twice(
    desktop_history: Path, pg_url: str, pg_password: str
) -> None:
    source = HistoryStore(desktop_history)
    target = HistoryStore(pg_url, password=pg_password)
    seen: list[pg_copy.CopyProgress] = []

    def stop_after_two_batches(progress: pg_copy.CopyProgress) -> None:
        seen.append(progress)
        if len(seen) == 2:
            raise _StopError

    try:
        with pytest.raises(_StopError):
            pg_copy.copy_history(source, target, stop_after_two_batches)
        assert target.count() == 2 * pg_copy.BATCH
        again = pg_copy.copy_history(source, target)
        assert again.done == again.total == TOTAL
        assert again.copied == TOTAL - 2 * pg_copy.BATCH
        assert pg_copy.copy_history(source, target).copied == 0  # a third run: nothing new
    finally:
        source.close()
        target.close()
    count, calls_copied, ids = _shared(pg_url, pg_password)
    assert count == ROWS and calls_copied == CALLS
    assert sorted(ids) == [f"rid{n:05d}" for n in range(ROWS)]  # each row once


@pytest.mark.secret_service
def test_the_cli_stores_the_password_then_migrates_with_progress_lines(
    desktop_history: Path,
    pg_url: str,
    postgres_server: PostgresServer,
    secret_service: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr(keyring.core, "_keyring_backend", None)  # keyring's own detection
    monkeypatch.setattr("sys.stdin", io.StringIO(postgres_server.password + "\n"))
    assert main(["history", "password", "--to", pg_url]) == 0
    assert postgres_server.password not in capsys.readouterr().out

    code = main(["--json", "--history-db", str(desktop_history), "history", "migrate",
                 "--to", pg_url])  # fmt: skip
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert code == 0
    progress = [line["progress"] for line in lines if "progress" in line]
    assert progress[-1]["done"] == progress[-1]["total"] == TOTAL
    assert [p["done"] for p in progress] == sorted(p["done"] for p in progress)
    assert lines[-1]["ok"] and lines[-1]["copied"] == TOTAL
    assert _shared(pg_url, postgres_server.password)[0] == ROWS

    # Text mode: a progress bar on stderr; nothing left to copy.
    assert main(["--history-db", str(desktop_history), "history", "migrate", "--to", pg_url]) == 0
    out, err = capsys.readouterr()
    assert f"] {TOTAL:,}/{TOTAL:,} rows" in err and "Copied 0 new rows" in out


def test_a_password_in_the_target_url_is_refused_by_name(
    desktop_history: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["--history-db", str(desktop_history), "history", "migrate",
                 "--to", "postgresql://desk:hunter2@127.0.0.1/verify"])  # fmt: skip
    out, err = capsys.readouterr()
    assert code == 2
    assert "--to" in err and "must not contain a password" in err
    assert "hunter2" not in out + err
