"""A full disk or a read-only history file: a clear message, and the session keeps working.

Disk full is real SQLITE_FULL (the file is capped with ``PRAGMA max_page_count``); read-only is
a ``file:...?mode=ro`` URI (this suite may run as root, who ignores file permissions).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from desktop_app.api.sandbox_control import SandboxControl
from desktop_app.cli import connection as cli_connection
from desktop_app.cli.main import main
from desktop_app.domain.errors import StoreError
from desktop_app.domain.history_query import RecentQuery
from desktop_app.domain.models import VerificationStatus
from desktop_app.domain.validation import StartForm
from desktop_app.sandbox.server import SandboxServer
from desktop_app.store.history import HistoryStore
from tests.helpers.desks import make_desk
from tests.helpers.store_faults import add_row, fill_until_full, read_only_copy

from . import figures

# The reliability suite (also run alone by `python -m tests.reliability`): sweeps and
# fault runs, left out of the quick loop (scripts/test --quick).
pytestmark = pytest.mark.slow

NUMBER = "447123450300"


def _full_store(path: Path) -> HistoryStore:
    store = HistoryStore(path)
    fill_until_full(store)
    return store


def _read_only_store(tmp_path: Path) -> HistoryStore:
    source = tmp_path / "rw.sqlite3"
    seed = HistoryStore(source)
    add_row(seed, brand="old row")
    seed.close()
    return HistoryStore(read_only_copy(source, tmp_path / "ro.sqlite3"))


FAULTS: dict[str, tuple[Callable[[Path], HistoryStore], str]] = {
    "disk full": (
        lambda p: _full_store(p / "full.sqlite3"),
        "disk holding the history database is full",
    ),
    "read-only": (_read_only_store, "history database is read-only"),
}  # fmt: skip


@pytest.mark.expect_warnings(match="History file unusable")
@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_desk_keeps_working_in_memory_and_warns_once(
    fault: str, tmp_path: Path, http: httpx.Client, sandbox: SandboxServer
) -> None:
    build, words = FAULTS[fault]
    store = build(tmp_path)
    warnings: list[StoreError] = []
    desk = make_desk(http, sandbox.url, store, on_degraded=warnings.append)
    control = SandboxControl(http, sandbox.url)
    figures.add("faults_injected")

    started = desk.start(StartForm(number=NUMBER, brand="Acme"))  # the write fails, the start not
    code = control.messages(NUMBER)[-1].code
    result = desk.check(started.request_id, code)
    desk.search([started.request_id])

    assert result.request_id == started.request_id
    assert len(warnings) == 1 and desk.history_problem is warnings[0]
    message = warnings[0].user_message()
    assert words in message and "this session keeps working" in message
    assert started.history_id < 0  # a session-only row
    row = desk.history(RecentQuery(limit=5))[0]
    assert (row.id, row.request_id, row.status) == (
        started.history_id,
        started.request_id,
        VerificationStatus.SUCCESS,
    )
    assert row.checks_count == 1 and row.last_check_outcome == "VALID"
    # What the file held before the fault is still listed after the session rows.
    assert any(e.id > 0 for e in desk.history(RecentQuery(limit=200)))
    figures.add("faults_handled")
    store.close()


@pytest.mark.expect_warnings(match="History file unusable")
def test_a_file_row_updated_after_the_switch_is_carried_into_memory(
    tmp_path: Path, http: httpx.Client, sandbox: SandboxServer
) -> None:
    store = HistoryStore(tmp_path / "late.sqlite3")
    desk = make_desk(http, sandbox.url, store)
    started = desk.start(StartForm(number=NUMBER, brand="Acme"))  # in the file
    assert started.history_id > 0
    fill_until_full(store)  # the disk fills up while the request is live
    code = SandboxControl(http, sandbox.url).messages(NUMBER)[-1].code

    desk.check(started.request_id, code)

    assert desk.history_problem is not None
    row = desk.history(RecentQuery(limit=1))[0]
    assert (row.id, row.status) == (started.history_id, VerificationStatus.SUCCESS)
    assert store.get(started.history_id).status is VerificationStatus.IN_PROGRESS  # file as was
    store.close()


def test_store_error_messages_name_the_problem(tmp_path: Path) -> None:
    full = _full_store(tmp_path / "msg.sqlite3")
    with pytest.raises(StoreError) as disk_full:
        add_row(full)
    full.close()
    read_only = _read_only_store(tmp_path)
    with pytest.raises(StoreError) as ro:
        add_row(read_only)
    read_only.close()
    assert str(disk_full.value).startswith("The disk holding the history database is full.")
    assert str(ro.value).startswith("The history database is read-only")
    for error in (disk_full.value, ro.value):
        assert error.next_step in error.user_message()


@pytest.mark.expect_warnings(match="History file unusable")
def test_cli_start_on_a_full_disk_succeeds_with_a_warning(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("VERIFY_DESK_HOME", str(tmp_path / "home"))
    real = cli_connection.HistoryStore

    def full_history(path: Path | str, **options: Any) -> HistoryStore:
        store = real(path, **options)  # --sandbox passes the sandbox's clock
        fill_until_full(store)
        return store

    monkeypatch.setattr(cli_connection, "HistoryStore", full_history)
    db = tmp_path / "cli-full.sqlite3"
    code = main(["--sandbox", "--history-db", str(db), "--json", "start",
                 "--number", NUMBER, "--brand", "Acme"])  # fmt: skip
    out, err = capsys.readouterr()
    figures.add("faults_injected")
    assert code == 0, err
    assert '"ok": true' in out
    assert err.count("warning:") == 1
    assert "The disk holding the history database is full." in err
    assert "kept in memory only" in err
    figures.add("faults_handled")
