"""The installed ``verify-desk-cli`` console script and ``python -m desktop_app.cli``."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from desktop_app.api.http import build_http_client
from desktop_app.api.sandbox_control import SandboxControl


def _console_script() -> str:
    beside = Path(sys.executable).with_name("verify-desk-cli")
    found = str(beside) if beside.exists() else shutil.which("verify-desk-cli")
    assert found, "verify-desk-cli is not installed (pip install -e . --no-deps)"
    return found


def test_console_script_help() -> None:
    result = subprocess.run(
        [_console_script(), "--help"], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage: verify-desk-cli")
    for command in ("start", "psd2", "check", "search", "cancel", "next", "balance", "history"):
        assert command in result.stdout
    assert "--sandbox-url" in result.stdout


def test_python_dash_m_reports_usage_errors() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "desktop_app.cli", "--json", "start", "--colour", "red"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 2
    assert '"type": "UsageError"' in result.stdout
    assert "--colour" in result.stderr


def _cli(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [_console_script(), *argv], capture_output=True, text=True, timeout=120, check=False
    )


@pytest.mark.slow
def test_qa_script_flow_against_a_background_sandbox(tmp_path: Path) -> None:
    """The documented QA recipe: verify-desk-sandbox in the background, one CLI call a step."""
    sandbox_exe = Path(_console_script()).with_name("verify-desk-sandbox")
    db = str(tmp_path / "qa.sqlite3")
    with subprocess.Popen(
        [str(sandbox_exe), "--port", "0"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True,
    ) as server:  # fmt: skip
        try:
            assert server.stdout is not None
            first = server.stdout.readline()  # blocks until the sandbox listens
            assert first.startswith("Sandbox listening on "), first
            url = first.rsplit(" ", 1)[1].strip()
            base = ("--sandbox-url", url, "--history-db", db, "--json")

            started = _cli(*base, "start", "--number", "447123450100", "--brand", "QA")
            assert started.returncode == 0, started.stderr
            rid = json.loads(started.stdout)["request_id"]
            with build_http_client() as http:
                code = SandboxControl(http, url).messages("447123450100")[-1].code
            checked = _cli(*base, "check", "--request-id", rid, "--code", code)
            assert checked.returncode == 0, checked.stderr
            assert json.loads(checked.stdout)["status"] == "SUCCESS"
            listed = json.loads(_cli(*base, "history").stdout)["entries"]
            assert [(e["request_id"], e["status"]) for e in listed] == [(rid, "SUCCESS")]
        finally:
            server.terminate()
            server.communicate(timeout=30)



def test_a_reader_that_stops_early_gets_no_bug_report(tmp_path: Path) -> None:
    """`verify-desk-cli run ... | head -1`: the closed pipe is not "a bug in Verify Desk"."""
    examples = sorted(str(p) for p in Path("examples/scenarios").glob("*.toml"))
    child = subprocess.Popen(
        [sys.executable, "-m", "desktop_app.cli", "run", *examples],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "VERIFY_DESK_HOME": str(tmp_path)},
    )
    assert child.stdout is not None and child.stderr is not None
    with child.stdout, child.stderr:
        first = child.stdout.readline()
        child.stdout.close()  # the reader goes away after one line, as `head -1` does
        stderr = child.stderr.read().decode()
    code = child.wait(timeout=300)
    assert first.strip(), "the command printed nothing before the pipe closed"
    assert "bug" not in stderr.lower() and "Traceback" not in stderr, stderr
    assert code == 141
