"""Run ``writer_child.py``, read its acknowledgements, kill it, check a database against them."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.helpers.environment import ROOT, child_env

CHILD = Path(__file__).with_name("writer_child.py")


@dataclass
class Child:
    """One writer subprocess and the acknowledgements it printed."""

    proc: subprocess.Popen[str]
    acks: list[dict[str, Any]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    changed: threading.Condition = field(init=False)
    reader: threading.Thread = field(init=False)
    stderr: str = ""

    def __post_init__(self) -> None:
        self.changed = threading.Condition(self.lock)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            with self.changed:
                self.acks.append(json.loads(line))
                self.changed.notify_all()
        with self.changed:
            self.changed.notify_all()

    def writes(self) -> int:
        with self.lock:
            return sum(1 for a in self.acks if a["op"] not in ("ready", "done", "error"))

    def wait_for_writes(self, n: int, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        with self.changed:
            while self.proc.poll() is None:
                done = sum(1 for a in self.acks if a["op"] not in ("ready", "done", "error"))
                left = deadline - time.monotonic()
                if done >= n or left <= 0:
                    return
                self.changed.wait(min(left, 0.05))

    def finish(self, timeout: float = 60) -> list[dict[str, Any]]:
        """Wait for exit and for every printed line; return all acknowledgements."""
        self.proc.wait(timeout)
        self.reader.join(timeout)
        if self.proc.stderr is not None:
            self.stderr = self.proc.stderr.read()
            self.proc.stderr.close()
        if self.proc.stdout is not None:
            self.proc.stdout.close()
        with self.lock:
            return list(self.acks)


def spawn(db: Path, seed: int, count: int = 0, label: str = "w") -> Child:
    args = [sys.executable, str(CHILD), str(db), str(seed)]
    if count:
        args += [str(count), label]
    proc = subprocess.Popen(
        args,
        cwd=ROOT,
        env=child_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        bufsize=1,
    )
    return Child(proc)


def sigkill(child: Child) -> None:
    os.kill(child.proc.pid, signal.SIGKILL)


@dataclass(frozen=True)
class Verdict:
    """What a database holds compared with the acknowledgements."""

    integrity: str
    acked: int
    rows: int
    lost: list[str]


def verify(db: Path, acks: list[dict[str, Any]]) -> Verdict:
    """Open ``db`` as a plain SQLite file: integrity, then every acknowledged write."""
    conn = sqlite3.connect(db)
    try:
        integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
        requests = {
            r[0]: r[1:]
            for r in conn.execute(
                "SELECT id, number, brand, request_id, status, checks_count,"
                " last_check_outcome FROM requests"
            )
        }
        calls = {r[0]: r[1:] for r in conn.execute("SELECT id, request_id, outcome FROM calls")}
    finally:
        conn.close()
    lost: list[str] = []
    acked = 0
    rows = set()
    for a in acks:
        op = a["op"]
        if op in ("ready", "done", "error"):
            continue
        acked += 1
        if op in ("add", "update", "check"):
            rows.add(a["row"])
            got = requests.get(a["row"])
            if got is None:
                lost.append(f"request row {a['row']} ({op})")
                continue
            number, brand, rid, status, checks, outcome = got
            if op == "add" and (number, brand) != (a["number"], a["brand"]):
                lost.append(f"row {a['row']} add values {got}")
            if op == "update" and (rid, status) != (a["request_id"], a["status"]):
                lost.append(f"row {a['row']} update values {got}")
            if op == "check" and (checks < 1 or outcome != "INVALID"):
                lost.append(f"row {a['row']} check values {got}")
        else:
            got_call = calls.get(a["call"])
            if got_call is None:
                lost.append(f"call row {a['call']} ({op})")
            elif got_call[0] != a["request_id"] if op == "begin" else got_call[1] != a["outcome"]:
                lost.append(f"call {a['call']} {op} values {got_call}")
    return Verdict(integrity, acked, len(rows), lost)
