"""The audit trail from the command line: recorded per action, listed, filtered and exported.

A real sandbox (started here, with a canary secret) takes a start, a wrong code and the right
one (a canary custom PIN), a refused cancel and a second start refused as already running;
then ``history --actions``, ``history --filter`` by who and where, ``history --json`` and
``history --export --with-actions`` are read back. Neither canary reaches any of them.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop_app.cli.main import main
from desktop_app.domain.reports import ACTION_EXPORT_COLUMNS, EXPORT_COLUMNS
from desktop_app.sandbox.server import SandboxConfig, SandboxServer
from desktop_app.usecases.session import current_host

CANARY_SECRET = "CanarySecret-Au8Tq3"
CANARY_CODE = "Au7Zx9Wq"  # letters and digits: it cannot appear in an id, a time or a price
WRONG_CANARY = "Wr0ngAu8"
NUMBER = "447400123477"


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def recorded(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[Path, str]]:
    """A history with one request's start, checks and refusals, made by the CLI as 'auditor'."""
    config = SandboxConfig(port=0, api_key="canary-key", api_secret=CANARY_SECRET,
                           allow_pin_code=True, rate_limit=0.0, search_rate_limit=0.0)  # fmt: skip
    monkeypatch.setenv("VERIFY_DESK_API_KEY", "canary-key")
    monkeypatch.setenv("VERIFY_DESK_API_SECRET", CANARY_SECRET)
    db = tmp_path / "audit.sqlite3"
    with SandboxServer(config) as sandbox:
        base = ("--api-host", sandbox.url, "--rest-host", sandbox.url, "--history-db", str(db),
                "--operator", "auditor")  # fmt: skip
        code, out, err = _run(capsys, *base, "--json", "start", "--number", NUMBER,
                              "--brand", "Canary", "--pin-code", CANARY_CODE)  # fmt: skip
        assert code == 0, err
        rid = json.loads(out)["request_id"]
        assert _run(capsys, *base, "start", "--number", NUMBER, "--brand", "Canary")[0] == 1
        assert _run(capsys, *base, "cancel", "--request-id", rid)[0] == 1  # too early
        assert _run(capsys, *base, "check", "--request-id", rid, "--code", WRONG_CANARY)[0] == 1
        code, _, err = _run(capsys, *base, "check", "--request-id", rid, "--code", CANARY_CODE)
        assert code == 0, err
    yield db, rid


def test_every_cli_action_is_listed_with_who_and_where(
    recorded: tuple[Path, str], capsys: pytest.CaptureFixture[str]
) -> None:
    db, rid = recorded
    code, out, err = _run(capsys, "--history-db", str(db), "--json", "history", "--actions", rid)
    assert code == 0, err
    actions = json.loads(out)["actions"]
    assert [(a["kind"], a["outcome"]) for a in actions] == [
        ("start", "ok"), ("cancel", "refused"), ("check", "wrong_code"), ("check", "ok"),
    ]  # fmt: skip
    host = current_host()
    _, listed, _ = _run(capsys, "--history-db", str(db), "--json", "history")
    profile = json.loads(listed)["entries"][0]["profile"]  # what --api-host names the profile
    for action in actions:
        assert (action["user"], action["host"], action["profile"]) == ("auditor", host, profile)
        assert action["at"] and action["request_id"] == rid
    code, text, _ = _run(capsys, "--history-db", str(db), "history", "--actions", rid)
    assert code == 0 and f"auditor@{host}" in text and "wrong_code" in text
    code, text, _ = _run(capsys, "--history-db", str(db), "history", "--actions", "nope-1")
    assert code == 0 and "No actions recorded" in text


def test_the_refused_start_has_its_own_row_and_action(
    recorded: tuple[Path, str], capsys: pytest.CaptureFixture[str]
) -> None:
    db, _ = recorded
    code, out, _ = _run(capsys, "--history-db", str(db), "--json", "history")
    entries = json.loads(out)["entries"]
    assert code == 0 and len(entries) == 2
    assert {(e["operator"], e["host"]) for e in entries} == {("auditor", current_host())}
    refused = next(e for e in entries if e["status"] == "REFUSED")
    from desktop_app.store.history import HistoryStore

    store = HistoryStore(db)
    try:
        assert [(a.kind, a.outcome) for a in store.actions(history_id=refused["id"])] == [
            ("start", "concurrent")
        ]
    finally:
        store.close()


@pytest.mark.parametrize("who", ["auditor", "AUDIT", current_host()[:3]])
def test_the_history_filter_finds_rows_by_user_or_host(
    recorded: tuple[Path, str], capsys: pytest.CaptureFixture[str], who: str
) -> None:
    db, _ = recorded
    code, out, _ = _run(capsys, "--history-db", str(db), "--json", "history", "--filter", who)
    assert code == 0 and len(json.loads(out)["entries"]) == 2
    code, out, _ = _run(capsys, "--history-db", str(db), "--json", "history", "--filter", "zzq")
    assert code == 0 and json.loads(out)["entries"] == []


def test_export_with_actions_writes_both_files_without_canaries(
    recorded: tuple[Path, str], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    db, rid = recorded
    files = []
    for fmt in ("csv", "jsonl"):
        target = tmp_path / f"audit.{fmt}"
        code, out, err = _run(capsys, "--history-db", str(db), "--json", "history",
                              "--export", str(target), "--with-actions")  # fmt: skip
        assert code == 0, err
        summary = json.loads(out)
        companion = tmp_path / f"audit.actions.{fmt}"
        assert (summary["rows"], summary["actions"]) == (2, 5)
        assert summary["actions_path"] == str(companion)
        files += [target, companion]
    requests = list(csv.DictReader(io.StringIO(files[0].read_text(encoding="utf-8-sig"))))
    assert list(requests[0]) == [c.name for c in EXPORT_COLUMNS]
    assert {(r["operator"], r["host"]) for r in requests} == {("auditor", current_host())}
    actions = list(csv.DictReader(io.StringIO(files[1].read_text(encoding="utf-8-sig"))))
    assert list(actions[0]) == [name for name, _ in ACTION_EXPORT_COLUMNS]
    mine = [(a["action"], a["outcome"]) for a in actions if a["request_id"] == rid]
    assert mine == [("start", "ok"), ("cancel", "refused"), ("check", "wrong_code"),
                    ("check", "ok")]  # fmt: skip
    lines = [json.loads(line) for line in files[3].read_text(encoding="utf-8").splitlines()]
    assert [line["outcome"] for line in lines] == [a["outcome"] for a in actions]
    for path in files:
        text = path.read_text(encoding="utf-8-sig")
        for canary in (CANARY_SECRET, CANARY_CODE, WRONG_CANARY):
            assert canary.lower() not in text.lower(), (path.name, canary)


def test_audit_options_are_checked(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = str(tmp_path / "h.sqlite3")
    assert _run(capsys, "--history-db", db, "history", "--with-actions")[0] == 2
    out_file = str(tmp_path / "x.csv")
    assert _run(capsys, "--history-db", db, "history", "--actions", "abc", "--export",
                out_file)[0] == 2  # fmt: skip
    assert _run(capsys, "--history-db", db, "history", "--actions", "a b;c")[0] == 2
