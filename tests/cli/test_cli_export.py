"""``verify-desk-cli history --export``: formats, filters, masking, progress and usage errors."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from desktop_app.cli.export import PROGRESS_MIN_ROWS, parse_moment
from desktop_app.cli.main import main
from tests.helpers.report_rows import T0, Row, make_history


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def db(tmp_path: Path) -> Path:
    rows = [
        Row(
            created_at=T0 + timedelta(days=i),
            number=f"4474001234{i:02d}",
            status="SUCCESS" if i % 2 else "EXPIRED",
            profile="Production" if i < 3 else "Sandbox",
            brand='=HYPERLINK("x")' if i == 0 else "Acme",
        )
        for i in range(6)
    ]
    return make_history(tmp_path / "cli.sqlite3", rows)


def test_csv_export_of_a_profile_and_status(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out.csv"
    code, stdout, _ = _run(
        capsys,
        "--history-db",
        str(db),
        "history",
        "--export",
        str(out),
        "--profile",
        "Production",
        "--status",
        "expired",
    )
    assert code == 0
    assert "Exported 2 rows" in stdout
    records = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    assert [r["id"] for r in records] == ["3", "1"]
    assert records[-1]["brand"] == '\'=HYPERLINK("x")'


def test_jsonl_by_extension_with_a_date_range_and_mask(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out.jsonl"
    since = (T0 + timedelta(days=1)).isoformat()
    until = (T0 + timedelta(days=4)).isoformat()
    code, stdout, _ = _run(
        capsys,
        "--history-db",
        str(db),
        "--json",
        "history",
        "--export",
        str(out),
        "--since",
        since,
        "--until",
        until,
        "--mask",
    )
    assert code == 0
    assert json.loads(stdout) == {
        "ok": True,
        "command": "history",
        "rows": 3,
        "path": str(out),
        "format": "jsonl",
        "masked": True,
    }
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["number"] for r in records] == ["***3403", "***3402", "***3401"]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["history", "--since", "7d"], "--since: only with --export FILE"),
        (["history", "--mask"], "--mask: only with --export FILE"),
        (
            ["history", "--export", "x.csv", "--since", "2026-03-05", "--until", "2026-03-02"],
            "--since must be before --until",
        ),
        (["history", "--export", "x.csv", "--since", "yesterday"], "must be a date"),
        (["history", "--export", "x.csv", "--format", "xlsx"], "invalid choice"),
    ],
)
def test_bad_options_are_usage_errors(
    db: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    code, _, err = _run(capsys, "--history-db", str(db), *argv)
    assert code == 2
    assert message in err


def test_unwritable_file_exits_4(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = _run(
        capsys,
        "--history-db",
        str(db),
        "history",
        "--export",
        str(tmp_path / "no" / "such" / "dir.csv"),
    )
    assert code == 4
    assert "export file cannot be written" in err


def test_big_export_shows_progress_on_stderr(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    count = PROGRESS_MIN_ROWS + 500
    rows = (Row(created_at=T0 + timedelta(seconds=i)) for i in range(count))
    db = make_history(tmp_path / "big.sqlite3", rows)
    out = tmp_path / "big.csv"
    code, stdout, err = _run(capsys, "--history-db", str(db), "history", "--export", str(out))
    assert code == 0
    assert f"Exported {count:,} rows" in stdout
    lines = err.splitlines()
    assert lines[0] == f"Exporting: 0 of {count:,} rows (0%)"
    assert lines[-1] == f"Exporting: {count:,} of {count:,} rows (100%)"
    assert 3 <= len(lines) <= 12, "about one line per tenth when stderr is not a terminal"
    assert out.read_text(encoding="utf-8-sig").count("\n") == count + 1


def test_parse_moment_forms() -> None:
    now = datetime(2026, 3, 10, 12, tzinfo=UTC)
    assert parse_moment("7d", now=now) == now - timedelta(days=7)
    assert parse_moment("90m", now=now) == now - timedelta(minutes=90)
    assert parse_moment("2026-03-01T09:30Z") == datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
    local = parse_moment("2026-03-01")
    assert local.tzinfo is not None and (local.hour, local.minute) == (0, 0)


CANARY_SECRET = "CanarySecret-7Hq2Zx9"
CANARY_CODE = "Kq7Zx9Wv"  # letters and digits: it cannot appear in an id, a time or a price
WRONG_CANARY = "Wr0ngZq8"


def test_no_secret_and_no_code_reach_an_export(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A real start and checks (wrong code, right code) with canaries, then every export."""
    from desktop_app.sandbox.server import SandboxConfig, SandboxServer

    config = SandboxConfig(
        port=0,
        api_key="canary-key",
        api_secret=CANARY_SECRET,
        allow_pin_code=True,
        rate_limit=0.0,
        search_rate_limit=0.0,
    )
    monkeypatch.setenv("VERIFY_DESK_API_KEY", "canary-key")
    monkeypatch.setenv("VERIFY_DESK_API_SECRET", CANARY_SECRET)
    db = tmp_path / "canary.sqlite3"
    with SandboxServer(config) as sandbox:
        base = ("--api-host", sandbox.url, "--rest-host", sandbox.url, "--history-db", str(db))
        code, out, err = _run(
            capsys,
            *base,
            "--json",
            "start",
            "--number",
            "447400123456",
            "--brand",
            "Canary",
            "--pin-code",
            CANARY_CODE,
        )
        assert code == 0, err
        rid = json.loads(out)["request_id"]
        assert _run(capsys, *base, "check", "--request-id", rid, "--code", WRONG_CANARY)[0] == 1
        code, _, err = _run(capsys, *base, "check", "--request-id", rid, "--code", CANARY_CODE)
        assert code == 0, err
    files = []
    for fmt, mask in (("csv", False), ("jsonl", False), ("csv", True)):
        out_file = tmp_path / f"export-{fmt}-{mask}.{fmt}"
        extra = ("--mask",) if mask else ()
        assert (
            _run(capsys, "--history-db", str(db), "history", "--export", str(out_file), *extra)[0]
            == 0
        )
        files.append(out_file)
    for path in files:
        text = path.read_text(encoding="utf-8-sig")
        assert rid in text and "SUCCESS" in text, "the verified request is in the export"
        for canary in (CANARY_SECRET, CANARY_CODE, WRONG_CANARY):
            assert canary not in text
            assert canary.lower() not in text.lower()
