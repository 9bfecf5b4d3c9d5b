"""The ``verify-desk-sandbox`` command as a subprocess."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from desktop_app.sandbox.__main__ import build_parser

ROOT = Path(__file__).resolve().parents[2]


def spawn(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "desktop_app.sandbox", *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
    )


@pytest.fixture
def running() -> Iterator[tuple[subprocess.Popen[str], str]]:
    proc = spawn("--port", "0", "--rate-limit", "0")
    killer = threading.Timer(30, proc.kill)  # bound a hung start
    killer.start()
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.startswith("Sandbox listening on http://127.0.0.1:"), line
        url = line.split()[-1]
        assert not url.endswith(":0")
        yield proc, url
    finally:
        killer.cancel()
        if proc.poll() is None:
            proc.kill()
        proc.communicate(timeout=10)


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_first_line_serves_and_signal_stops_cleanly(
    running: tuple[subprocess.Popen[str], str], sig: signal.Signals
) -> None:
    proc, url = running
    answer = httpx.post(
        url + "/verify/json",
        data={
            "api_key": "sandbox",
            "api_secret": "sandbox-secret",
            "number": "447700900001",
            "brand": "Cli",
        },
        timeout=10,
    ).json()
    assert answer["status"] == "0"
    proc.send_signal(sig)
    assert proc.wait(timeout=15) == 0
    out, err = proc.communicate(timeout=10)
    assert "sandbox-secret" not in out + err
    assert err == ""  # nothing logged per request


def test_non_loopback_is_refused() -> None:
    proc = spawn("--host", "0.0.0.0", "--port", "0")
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 2
    assert out == ""
    assert "non-loopback" in err and "--allow-remote" in err


def test_secret_from_environment() -> None:
    proc = spawn("--port", "0", env={"VERIFY_DESK_SANDBOX_SECRET": "from-env"})
    killer = threading.Timer(30, proc.kill)
    killer.start()
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().split()[-1]
        ok = httpx.get(url + "/account/get-balance", auth=("sandbox", "from-env"), timeout=10)
        assert ok.status_code == 200
        default = httpx.get(
            url + "/account/get-balance", auth=("sandbox", "sandbox-secret"), timeout=10
        )
        assert default.status_code == 401
    finally:
        killer.cancel()
        proc.terminate()
        assert proc.wait(timeout=15) == 0
        proc.communicate(timeout=10)


def test_help_mentions_the_environment_variable() -> None:
    text = build_parser().format_help()
    assert "VERIFY_DESK_SANDBOX_SECRET" in text
    args = build_parser().parse_args([])
    assert (args.host, args.port, args.api_key, args.time_scale) == (
        "127.0.0.1",
        8899,
        "sandbox",
        1.0,
    )


@pytest.mark.parametrize(
    "argv",
    [
        ["--time-scale", "inf"],
        ["--time-scale", "1e7"],
        ["--latency", "61"],
        ["--rate-limit", "nan"],
        ["--port", "\u0668\u0668\u0669\u0669"],
        ["--port", "70000"],
        ["--search-rate-limit", "-1"],
        ["--fault-seed", "1e3"],
    ],
)
def test_numeric_options_are_bounded_ascii_numbers(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as info:
        build_parser().parse_args(argv)
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "must be a" in err and "Traceback" not in err
