"""History export: pages, filters, CSV safety, masking, JSON Lines, cancel and failures.

On both backends (``history_backend``): SQLite's keyset pages and PostgreSQL's server-side
cursor must yield the same rows in the same pages.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import psycopg
import pytest

from desktop_app.domain.models import VerificationStatus
from desktop_app.domain.reports import (
    EXPORT_COLUMNS,
    ExportFileError,
    ExportFormat,
    ExportProgress,
    HistoryFilter,
    mask_number,
    spreadsheet_safe,
)
from desktop_app.store.export import count_matching, export_pages
from desktop_app.store.history import HistoryStore
from desktop_app.usecases.export import ExportCancelled, export_history
from tests.helpers.postgres import PostgresServer
from tests.helpers.report_rows import T0, Row, fill

#: ``report_history(rows)``: a store on the test's backend holding the rows.
Reports = Callable[[list[Row]], HistoryStore]


@pytest.fixture
def rows() -> list[Row]:
    # Five rows share one created_at, so page edges fall inside a tie (ordered by id).
    out = [
        Row(
            created_at=T0 + timedelta(minutes=i // 5),
            number=f"4477009{i:05d}",
            brand=f"Brand {i % 3}",
            status="SUCCESS" if i % 2 else "EXPIRED",
            profile="Production" if i % 4 == 0 else "Sandbox",
        )
        for i in range(23)
    ]
    return out


@pytest.fixture
def store(report_history: Callable[[list[Row]], HistoryStore], rows: list[Row]) -> HistoryStore:
    return report_history(rows)


def _ids(store: HistoryStore, flt: HistoryFilter, page_size: int = 4) -> list[int]:
    return [e.id for page in export_pages(store, flt, page_size=page_size) for e in page]


def test_pages_cover_every_row_once_newest_first_across_ties(store: HistoryStore) -> None:
    ids = _ids(store, HistoryFilter())
    assert ids == sorted(range(1, 24), key=lambda i: ((i - 1) // 5, i), reverse=True)
    assert count_matching(store, HistoryFilter()) == 23


def test_pages_hold_at_most_page_size_rows(store: HistoryStore) -> None:
    sizes = [len(page) for page in export_pages(store, HistoryFilter(), page_size=4)]
    assert sizes == [4, 4, 4, 4, 4, 3]


@pytest.mark.parametrize(
    ("flt", "expected"),
    [
        (HistoryFilter(status=VerificationStatus.SUCCESS), {i for i in range(1, 24) if i % 2 == 0}),
        (HistoryFilter(profile="Production"), {i for i in range(1, 24) if (i - 1) % 4 == 0}),
        (
            HistoryFilter(since=T0 + timedelta(minutes=2), until=T0 + timedelta(minutes=4)),
            set(range(11, 21)),
        ),
        (HistoryFilter(text="Brand 1"), {i for i in range(1, 24) if (i - 1) % 3 == 1}),
        (HistoryFilter(text="+44 7700 900 012"), {13}),  # a typed number matches its digits
    ],
)
def test_filters_select_the_same_rows_as_their_count(
    store: HistoryStore, flt: HistoryFilter, expected: set[int]
) -> None:
    ids = _ids(store, flt)
    assert set(ids) == expected
    assert len(ids) == len(expected) == count_matching(store, flt)


def _read_csv(path: Path) -> list[dict[str, str]]:
    text = path.read_bytes().decode("utf-8")
    assert text.startswith("\ufeff"), "CSV carries a BOM so spreadsheets read it as UTF-8"
    return list(csv.DictReader(io.StringIO(text[1:], newline="")))


def test_formula_brand_exports_neutralised(tmp_path: Path, report_history: Reports) -> None:
    brands = ['=HYPERLINK("x")', "+cmd", "-2+3", "@SUM(A1)", "\tTab", "\rCR", "Plain", "Zoë"]
    history = report_history([Row(brand=b) for b in brands])
    out = tmp_path / "out.csv"
    export_history(history, HistoryFilter(), out, ExportFormat.CSV)
    cells = [row["brand"] for row in _read_csv(out)][::-1]  # oldest first = insertion order
    assert cells == ["'" + b for b in brands[:6]] + ["Plain", "Zoë"]
    assert "\n=HYPERLINK" not in out.read_text(encoding="utf-8-sig")


def test_spreadsheet_safe_leaves_other_text() -> None:
    assert spreadsheet_safe("Acme") == "Acme"
    assert spreadsheet_safe("") == ""
    assert spreadsheet_safe("=1+1") == "'=1+1"


def test_csv_has_the_documented_columns_and_values(
    tmp_path: Path, report_history: Reports
) -> None:
    row = Row(
        price=Decimal("0.05000000"),
        currency="EUR",
        finalized_at=T0 + timedelta(seconds=75),
        checks_count=2,
        last_check_outcome="VALID",
    )
    out = tmp_path / "out.csv"
    summary = export_history(report_history([row]), HistoryFilter(), out, ExportFormat.CSV)
    [record] = _read_csv(out)
    assert list(record) == [c.name for c in EXPORT_COLUMNS]
    assert summary.rows == 1
    assert record["number"] == "447700900123"
    assert record["created_at"] == "2026-03-01T12:00:00.000Z"
    assert record["finalized_at"] == "2026-03-01T12:01:15.000Z"
    assert (record["price"], record["currency"], record["status"]) == (
        "0.05000000",
        "EUR",
        "SUCCESS",
    )
    docs = (Path(__file__).resolve().parents[2] / "docs" / "export.md").read_text()
    assert all(f"`{c.name}`" in docs for c in EXPORT_COLUMNS), "every column is documented"


def test_mask_keeps_the_last_four_digits_everywhere(
    tmp_path: Path, report_history: Reports
) -> None:
    row = Row(number="447700900123", last_error="Number 447700900123 is barred")
    history = report_history([row])
    for fmt in ExportFormat:
        out = tmp_path / f"out.{fmt.value}"
        export_history(history, HistoryFilter(), out, fmt, mask=True)
        text = out.read_text(encoding="utf-8-sig")
        assert "447700900123" not in text and "***0123" in text
    assert mask_number("12345") == "***2345"  # short numbers are hidden too


def test_jsonl_types(tmp_path: Path, report_history: Reports) -> None:
    row = Row(price=Decimal("0.0123"), currency="EUR", workflow_id=None, brand='Q"uote')
    out = tmp_path / "out.jsonl"
    export_history(report_history([row, Row()]), HistoryFilter(), out, ExportFormat.JSONL)
    lines = out.read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines]
    assert len(records) == 2
    first = records[1]
    assert first["price"] == "0.0123" and first["workflow_id"] is None and first["id"] == 1
    assert first["brand"] == 'Q"uote' and first["finalized_at"] is None


def test_progress_counts_then_pages(store: HistoryStore, tmp_path: Path) -> None:
    seen: list[ExportProgress] = []
    export_history(
        store,
        HistoryFilter(),
        tmp_path / "o.csv",
        ExportFormat.CSV,
        progress=seen.append,
        page_size=10,
    )
    assert seen == [
        ExportProgress(0, None),
        ExportProgress(0, 23),
        ExportProgress(10, 23),
        ExportProgress(20, 23),
        ExportProgress(23, 23),
    ]


def test_cancel_leaves_no_file_and_keeps_the_old_one(store: HistoryStore, tmp_path: Path) -> None:
    out = tmp_path / "o.csv"
    out.write_text("previous export")
    pages: list[int] = []
    with pytest.raises(ExportCancelled):
        export_history(
            store,
            HistoryFilter(),
            out,
            ExportFormat.CSV,
            page_size=5,
            progress=lambda p: pages.append(p.done),
            cancelled=lambda: len(pages) > 3,
        )
    assert out.read_text() == "previous export"
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".part")], "no partial file"


def test_unwritable_target_is_a_clear_error(store: HistoryStore, tmp_path: Path) -> None:
    with pytest.raises(ExportFileError) as caught:
        export_history(store, HistoryFilter(), tmp_path / "missing" / "o.csv", ExportFormat.CSV)
    assert "export file cannot be written" in caught.value.user_message()
    assert "o.csv" in str(caught.value)


def test_a_shared_history_streams_its_pages_from_a_server_side_cursor(
    pg_url: str, pg_password: str, postgres_server: PostgresServer, pg_database: str
) -> None:
    history = fill(HistoryStore(pg_url, password=pg_password), [Row() for _ in range(12)])
    seen: list[list[str]] = []

    def server_side() -> list[str]:
        with psycopg.connect(postgres_server.admin_dsn(pg_database)) as admin:
            rows = admin.execute(
                "SELECT query FROM pg_stat_activity WHERE datname = current_database()"
                " AND state = 'idle in transaction'"
            ).fetchall()
        return [str(query) for (query,) in rows]

    try:
        pages = [len(page) for page in export_pages(history, HistoryFilter(), page_size=5)
                 if not seen.append(server_side())]  # fmt: skip
    finally:
        history.close()
    assert pages == [5, 5, 2]
    # Between pages the export's transaction waits on its named cursor's next FETCH.
    assert all(any("verify_desk_stream" in q for q in queries) for queries in seen), seen
