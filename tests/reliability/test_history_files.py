"""History files (issue 14, item 6): who may read them, and what read-only or damaged means.

* The history database (and its WAL files) are created ``0600`` whatever the umask; the app's
  folders ``0700``; a folder the user made stricter (``chmod 500``) stays as the user set it.
* ``--history-db`` naming a file in a folder that does not exist is refused (exit 2) and no
  folder is created.
* A read-only history (file and folder) is still read by ``history``, and an operation succeeds
  with one warning, its record kept in memory; a damaged file stops the command with exit 4 and
  a sentence that says nothing was sent (not that "this session keeps working"). These run in a
  child process that cannot override file permissions (as root, its capabilities to do so are
  dropped), exactly as docs/reliability.md describes.
"""

from __future__ import annotations

import ctypes
import json
import os
import sqlite3
import stat
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from desktop_app.api.sandbox_control import SandboxControl
from desktop_app.cli.main import main
from desktop_app.sandbox.server import SandboxServer
from desktop_app.settings.paths import AppPaths
from desktop_app.usecases.logging_setup import LOG_FILE_NAME, configure_logging, remove_logging
from tests.helpers.environment import ROOT

# The reliability suite (also run alone by `python -m tests.reliability`): sweeps and
# fault runs, left out of the quick loop (scripts/test --quick).
pytestmark = pytest.mark.slow

NUMBER = "447123456789"

# prctl(PR_CAPBSET_DROP): CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER.
_PR_CAPBSET_DROP = 24
_PERMISSION_CAPABILITIES = (1, 2, 3)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def umask_022() -> Iterator[None]:
    """The usual umask, under which SQLite alone would create the file 0644."""
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "home"
    monkeypatch.setenv("VERIFY_DESK_HOME", str(path))
    for name in ("VERIFY_DESK_API_KEY", "VERIFY_DESK_API_SECRET"):
        monkeypatch.delenv(name, raising=False)
    return path


def test_history_and_folders_are_owner_only(
    home: Path, umask_022: None, sandbox: SandboxServer, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--sandbox-url", sandbox.url, "--region", "GB", "start", "--number", NUMBER,
                 "--brand", "Acme"]) == 0, capsys.readouterr().err  # fmt: skip
    paths = AppPaths.default()
    for folder in (paths.config_dir, paths.data_dir, paths.log_dir):
        assert _mode(folder) == 0o700, folder
    files = sorted(paths.data_dir.glob("history.sqlite3*"))
    assert paths.history_db in files
    for file in files:  # the database and any -wal / -shm beside it
        assert _mode(file) == 0o600, file
    named = home.parent / "named.sqlite3"
    assert main(["--history-db", str(named), "history"]) == 0
    assert _mode(named) == 0o600


def test_a_stricter_folder_mode_is_kept_and_a_looser_one_tightened(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["history"]) == 0
    paths = AppPaths.default()
    paths.data_dir.chmod(0o500)
    paths.config_dir.chmod(0o755)
    try:
        assert main(["history"]) == 0, capsys.readouterr().err
        assert _mode(paths.data_dir) == 0o500  # the user's choice is not undone
        assert _mode(paths.config_dir) == 0o700  # open to others: tightened
    finally:
        paths.data_dir.chmod(0o700)


@pytest.mark.parametrize("command", [["history"], ["--sandbox", "start", "--number", NUMBER,
                                                   "--brand", "Acme"]])  # fmt: skip
def test_a_history_file_in_a_missing_folder_is_refused_and_nothing_is_created(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    missing = tmp_path / "no" / "such" / "h.sqlite3"
    code = main(["--json", "--history-db", str(missing), "--region", "GB", *command])
    out, err = capsys.readouterr()
    assert code == 2
    assert err.startswith("verify-desk-cli: error: --history-db: the folder")
    assert json.loads(out)["error"]["fields"][0]["field"] == "--history-db"
    assert not (tmp_path / "no").exists()


# -- read-only and damaged, in a child that cannot override permissions ------------------------


def _without_permission_override() -> None:
    """preexec_fn: as root, drop the capabilities that ignore file permissions."""
    if os.geteuid() != 0:
        return
    libc = ctypes.CDLL(None, use_errno=True)
    for capability in _PERMISSION_CAPABILITIES:
        if libc.prctl(_PR_CAPBSET_DROP, capability, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


Child = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def child(home: Path) -> Child:
    def run(*argv: str) -> subprocess.CompletedProcess[str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("VERIFY_DESK_API")}
        return subprocess.run(
            [sys.executable, "-m", "desktop_app.cli", *argv], cwd=ROOT, env=env,
            capture_output=True, text=True, timeout=120, check=False,
            preexec_fn=_without_permission_override,
        )  # fmt: skip

    return run


def _rows(db: Path) -> int:
    with sqlite3.connect(f"{db.as_uri()}?mode=ro", uri=True) as conn:
        return int(conn.execute("SELECT count(*) FROM requests").fetchone()[0])


@pytest.fixture
def read_only_history(
    tmp_path: Path, sandbox: SandboxServer, capsys: pytest.CaptureFixture[str], child: Child
) -> Iterator[Path]:
    folder = tmp_path / "ro"
    folder.mkdir()
    db = folder / "h.sqlite3"
    assert main(["--history-db", str(db), "--sandbox-url", sandbox.url, "--region", "GB",
                 "start", "--number", NUMBER, "--brand", "Acme"]) == 0  # fmt: skip
    capsys.readouterr()
    db.chmod(0o444)
    folder.chmod(0o555)
    probe = subprocess.run(
        [sys.executable, "-c", f"open({str(folder / 'probe')!r}, 'w')"],
        capture_output=True, check=False, preexec_fn=_without_permission_override,
    )  # fmt: skip
    if probe.returncode == 0:
        folder.chmod(0o755)
        pytest.skip("a child here can still write to a read-only folder")
    try:
        yield db
    finally:
        folder.chmod(0o755)
        db.chmod(0o644)


def test_a_read_only_history_is_read_and_operations_go_on(
    read_only_history: Path, child: Child, sandbox: SandboxServer
) -> None:
    db = read_only_history
    listed = child("--json", "--history-db", str(db), "history")
    assert listed.returncode == 0, listed.stderr
    assert [e["brand"] for e in json.loads(listed.stdout)["entries"]] == ["Acme"]
    assert listed.stderr == ""
    started = child("--history-db", str(db), "--sandbox-url", sandbox.url, "--region", "GB",
                    "start", "--number", "447123456780", "--brand", "Acme")  # fmt: skip
    assert started.returncode == 0, started.stderr
    assert started.stdout.startswith("Verification started: request ")
    warnings = started.stderr.splitlines()
    assert len(warnings) == 1 and warnings[0].startswith(
        "verify-desk-cli: warning: The history database is read-only"
    )
    assert "kept in memory only" in warnings[0]
    assert sorted(p.name for p in db.parent.iterdir()) == ["h.sqlite3"]  # nothing created
    assert _rows(db) == 1  # and the file was not written


@pytest.mark.parametrize("command", ["history", "start"])
def test_a_damaged_history_stops_the_command_before_anything_is_sent(
    tmp_path: Path, child: Child, sandbox: SandboxServer, http: httpx.Client, command: str
) -> None:
    db = tmp_path / "damaged.sqlite3"
    db.write_bytes(b"this is not a database at all; " * 200)
    argv = ["history"] if command == "history" else ["start", "--number", NUMBER, "--brand",
                                                       "Acme"]  # fmt: skip
    run = child("--json", "--history-db", str(db), "--sandbox-url", sandbox.url, "--region", "GB",
                *argv)  # fmt: skip
    assert run.returncode == 4, run.stderr
    sentence = run.stderr.strip()
    assert sentence.startswith("verify-desk-cli: error: The history file is not a database")
    assert "Nothing was sent" in sentence and "keeps working" not in sentence
    assert json.loads(run.stdout)["error"]["type"] == "StoreError"
    assert SandboxControl(http, sandbox.url).requests() == []


def test_a_rotated_log_file_is_owner_only_too(tmp_path: Path, umask_022: None) -> None:
    handler = configure_logging(tmp_path / "logs")
    try:
        # What a full log file does: rename it away, open a new one. (The handler opens its
        # rotating file lazily, with the first record; it rotates the same way.)
        handler.doRollover()  # type: ignore[attr-defined]
    finally:
        remove_logging(handler)
    logs = sorted((tmp_path / "logs").iterdir())
    assert [p.name for p in logs] == [LOG_FILE_NAME, f"{LOG_FILE_NAME}.1"]
    assert all(_mode(p) == 0o600 for p in logs)
