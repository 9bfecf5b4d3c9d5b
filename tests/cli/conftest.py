"""The command-line tests' fixtures: ``main`` called in-process, a throw-away home and history.

``sandbox`` (rate limits off), ``http`` and ``control`` come from tests/helpers.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop_app.cli.main import main
from desktop_app.sandbox.server import SandboxServer
from tests.helpers.cli import Cli, Run


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private VERIFY_DESK_HOME and no credentials in the environment."""
    path = tmp_path / "home"
    monkeypatch.setenv("VERIFY_DESK_HOME", str(path))
    monkeypatch.delenv("VERIFY_DESK_API_KEY", raising=False)
    monkeypatch.delenv("VERIFY_DESK_API_SECRET", raising=False)
    return path


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "cli-history.sqlite3"


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str]) -> Cli:
    """Call ``main`` with exactly these arguments."""

    def call(*argv: str) -> Run:
        capsys.readouterr()
        code = main(list(argv))
        captured = capsys.readouterr()
        return Run(code, captured.out, captured.err)

    return call


@pytest.fixture
def cli(run: Cli, sandbox: SandboxServer, db: Path) -> Cli:
    """Call ``main`` against the fixture's sandbox (``--sandbox-url``) and history file."""

    def call(*argv: str) -> Run:
        return run("--sandbox-url", sandbox.url, "--history-db", str(db), "--region", "GB", *argv)

    return call
