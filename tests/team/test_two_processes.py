"""Two Verify Desk processes on one PostgreSQL history: what Ana sends, Ben sees within a second.

Each window is a real process (``tests/team/window_child.py``: the composition root, offscreen,
``--history-url`` on the test's database), both talking to one sandbox process the test starts
(as ``verify-desk-cli --sandbox-url`` shares one). Ana's and Ben's operator names are their OS
user names (``LOGNAME``).
"""

from __future__ import annotations

import os
import queue
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import pytest

from desktop_app.settings.paths import AppPaths
from desktop_app.settings.profiles import Profile, ProfileStore
from tests.helpers.postgres import PostgresServer

NUMBER = "+44 7400 123456"
#: The acceptance bound: a row written by one window is in the other's Recent requests within it.
LIVE_BOUND_S = 1.0
#: How long a child may take to answer a command (start-up included) on a loaded machine.
ANSWER_S = 60.0
ROOT = Path(__file__).resolve().parents[2]


def _reader(stream: IO[str], into: queue.Queue[str]) -> None:
    for line in stream:
        into.put(line.rstrip("\n"))
    into.put("")  # end of output: the process is gone


class Child:
    """One window process and its line protocol (see ``window_child``)."""

    def __init__(self, argv: list[str], env: dict[str, str], password: str) -> None:
        self.proc = subprocess.Popen(
            argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True, env=env, cwd=ROOT,
        )  # fmt: skip
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=_reader, args=(self.proc.stdout, self.lines), daemon=True).start()
        self.tell(password)

    def tell(self, line: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def answer(self, prefix: str) -> str:
        """The next line starting with ``prefix`` (other lines are skipped)."""
        deadline = time.monotonic() + ANSWER_S
        while True:
            left = deadline - time.monotonic()
            try:
                line = self.lines.get(timeout=max(left, 0.0))
            except queue.Empty:
                raise AssertionError(f"no {prefix!r} from the window in {ANSWER_S:g} s") from None
            if line == "" and self.proc.poll() is not None:
                err = self.proc.stderr.read() if self.proc.stderr else ""
                raise AssertionError(f"the window process ended ({self.proc.returncode}): {err}")
            if line.startswith(prefix):
                return line[len(prefix):].strip()

    def stop(self) -> None:
        if self.proc.poll() is None:
            try:
                self.tell("quit")
                self.proc.wait(timeout=30)
            except (OSError, subprocess.TimeoutExpired):
                self.proc.kill()
                self.proc.wait(timeout=10)
        for stream in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            if stream is not None:
                stream.close()


@pytest.fixture
def shared_sandbox() -> Iterator[str]:
    """A sandbox process of the test's own, both windows' API (its first line is its URL)."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "desktop_app.sandbox", "--port", "0", "--rate-limit", "0",
         "--search-rate-limit", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
    )  # fmt: skip
    killer = threading.Timer(60, proc.kill)  # bound a hung start
    killer.start()
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        killer.cancel()
        assert line.startswith("Sandbox listening on http://127.0.0.1:"), line
        yield line.split()[-1]
    finally:
        killer.cancel()
        proc.terminate()
        try:
            proc.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate(timeout=10)


@pytest.fixture
def start_window(
    tmp_path: Path, pg_url: str, postgres_server: PostgresServer, shared_sandbox: str
) -> Iterator[object]:
    """``start_window(operator)``: a window process on the Team profile; stopped after the test."""
    started: list[Child] = []

    def start(operator: str) -> Child:
        home = tmp_path / operator
        paths = AppPaths(home / "config", home / "data", home / "logs")
        paths.ensure()
        team = Profile(name="Team", api_host=shared_sandbox, rest_host=shared_sandbox,
                       api_key="sandbox")  # fmt: skip
        ProfileStore(paths.settings_file).save(team)
        env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "LOGNAME": operator,
               "USER": operator, "VERIFY_DESK_TEST_SECRET": "sandbox-secret"}  # fmt: skip
        env.pop("VERIFY_DESK_HISTORY_URL", None)
        argv = [sys.executable, "-m", "tests.team.window_child", "--home", str(home),
                "--profile", "Team", "--history-url", pg_url]  # fmt: skip
        child = Child(argv, env, postgres_server.password)
        started.append(child)
        return child

    yield start
    for child in started:
        child.stop()


def test_a_send_in_one_process_is_in_the_other_within_a_second_and_its_panel_names_the_agent(
    start_window: object,
) -> None:
    ana, ben = start_window("ana"), start_window("ben")  # type: ignore[operator]
    ana.answer("ready")
    ben.answer("ready")

    ana.tell(f"send {NUMBER}")
    rid, acked = ana.answer("sent").split()
    ben.tell(f"wait-row {rid}")
    landed = float(ben.answer(f"row {rid}"))
    latency = landed - float(acked)
    print(f"A's acknowledgement to the row in B's Recent requests: {latency * 1000:.0f} ms")
    assert latency < LIVE_BOUND_S

    # Ben starts the same number: the API refuses it (status 10) and the panel names Ana.
    ben.tell(f"send {NUMBER}")
    panel = ben.answer("panel")
    assert panel.startswith("Started by ana"), panel
    assert "(profile Team)" in panel
