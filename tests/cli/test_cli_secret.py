"""The API secret never leaves the process: not in output, logs, errors or the history file."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from desktop_app.api.sandbox_control import SandboxControl
from desktop_app.sandbox.server import SandboxConfig, SandboxServer
from tests.helpers.cli import Cli

SECRET = "S3cr3t-CANARY-9f2"
NUMBER = "447123450100"


@pytest.fixture
def canary_sandbox() -> Iterator[SandboxServer]:
    config = SandboxConfig(port=0, api_secret=SECRET, rate_limit=0, search_rate_limit=0)
    with SandboxServer(config) as server:
        yield server


def _leaks(text: str) -> bool:
    return SECRET in text or SECRET.lower() in text.lower() or "S3cr3t" in text


@pytest.mark.slow
def test_secret_never_appears_anywhere(
    run: Cli,
    canary_sandbox: SandboxServer,
    http: httpx.Client,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    db = tmp_path / "secret-history.sqlite3"
    url = canary_sandbox.url
    control = SandboxControl(http, url)
    monkeypatch.setenv("VERIFY_DESK_API_KEY", "sandbox")
    monkeypatch.setenv("VERIFY_DESK_API_SECRET", SECRET)
    base = ("--api-host", url, "--rest-host", url, "--history-db", str(db), "--region", "GB")
    caplog.set_level(logging.DEBUG)

    results = []

    def cli(mode: tuple[str, ...], *argv: str, expect: int) -> None:
        result = run(*base, *mode, *argv)
        assert result.code == expect, (argv, mode, result.err)
        results.append(result)

    for i, mode in enumerate([(), ("--json",), ("--verbose",), ("--json", "--verbose")]):
        number, other = f"4471234501{i}0", f"4471234501{i}1"
        cli(mode, "balance", expect=0)
        cli(mode, "start", "--number", number, "--brand", "Acme", expect=0)
        rid = str(control.requests()[-1]["request_id"])
        cli(mode, "start", "--number", number, "--brand", "Acme", expect=1)  # concurrent
        cli(mode, "start", "--number", "447123450007", "--brand", "Acme", expect=1)  # blocked
        cli(mode, "start", "--number", "12", "--brand", "Acme", expect=2)
        cli(mode, "psd2", "--number", other, "--payee", "Shop", "--amount", "1", expect=0)
        cli(mode, "cancel", "--request-id", rid, expect=1)  # too early
        cli(mode, "next", "--request-id", rid, expect=0)
        cli(mode, "search", "--request-id", rid, expect=0)
        cli(mode, "search", "--request-id", "f" * 32, expect=1)
        code = control.messages(number)[-1].code
        wrong = "".join("1" if c != "1" else "2" for c in code)
        cli(mode, "check", "--request-id", rid, "--code", wrong, expect=1)
        cli(mode, "check", "--request-id", rid, "--code", code, expect=0)
        cli(mode, "check", "--request-id", rid, "--code", code, expect=1)  # already verified
        cli(mode, "history", expect=0)
        cli(mode, "history", "--status", "bogus", expect=2)

        # A wrong secret (AuthError) too.
        monkeypatch.setenv("VERIFY_DESK_API_SECRET", SECRET + "-wrong")
        cli(mode, "balance", expect=1)
        cli(mode, "start", "--number", f"4471234502{i}0", "--brand", "Acme", expect=1)
        monkeypatch.setenv("VERIFY_DESK_API_SECRET", SECRET)

    # And an unreachable host (transport error).
    canary_sandbox.stop()
    cli(("--json", "--verbose"), "start", "--number", "447123450199", "--brand", "A", expect=3)

    for result in results:
        assert not _leaks(result.out) and not _leaks(result.err)
    assert any("DEBUG" in r.err for r in results)  # --verbose really logged
    assert caplog.records
    for record in caplog.records:
        assert not _leaks(record.getMessage())
        assert not _leaks(repr(record.args))
        assert not _leaks(str(record.exc_info))
        if record.exc_info and record.exc_info[1] is not None:
            assert not _leaks(str(record.exc_info[1]))

    files = [p for p in tmp_path.iterdir() if p.name.startswith(db.name)]
    assert files
    for path in files:
        data = path.read_bytes()
        assert SECRET.encode() not in data and b"S3cr3t" not in data
