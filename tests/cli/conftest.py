"""Fixtures for the command-line tests: an in-process sandbox, a throw-away home and history."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from desktop_app.cli.main import main
from desktop_app.sandbox.server import SandboxServer
from tests import sandbox_fixtures
from tests.sandbox_fixtures import serve_sandbox


@dataclass(frozen=True)
class Run:
    """One ``main([...])`` call: exit status and what it printed."""

    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


Cli = Callable[..., Run]

# The shared fixtures, under the names the tests ask for.
http = sandbox_fixtures.http
control = sandbox_fixtures.control


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private VERIFY_DESK_HOME and no credentials in the environment."""
    path = tmp_path / "home"
    monkeypatch.setenv("VERIFY_DESK_HOME", str(path))
    monkeypatch.delenv("VERIFY_DESK_API_KEY", raising=False)
    monkeypatch.delenv("VERIFY_DESK_API_SECRET", raising=False)
    return path


@pytest.fixture
def sandbox() -> Iterator[SandboxServer]:
    yield from serve_sandbox()


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
