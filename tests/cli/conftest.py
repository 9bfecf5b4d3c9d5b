"""Fixtures for the command-line tests: an in-process sandbox, a throw-away home and history."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from desktop_app.api.http import build_http_client
from desktop_app.api.sandbox_control import SandboxControl
from desktop_app.cli.main import main
from desktop_app.sandbox.server import SandboxConfig, SandboxServer


@dataclass(frozen=True)
class Run:
    """One ``main([...])`` call: exit status and what it printed."""

    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


Cli = Callable[..., Run]


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
    config = SandboxConfig(port=0, rate_limit=0, search_rate_limit=0)
    with SandboxServer(config) as server:
        yield server


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    with build_http_client() as client:
        yield client


@pytest.fixture
def control(http: httpx.Client, sandbox: SandboxServer) -> SandboxControl:
    return SandboxControl(http, sandbox.url)


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
