"""hand_over_gil: a yield only when another thread could take the GIL (not in the export child)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

_CHILD = """
import threading, time
import desktop_app.store.gil as gil
calls = []
time.sleep = lambda s: calls.append(s)
gil.hand_over_gil()
alone = len(calls)
stop = threading.Event()
other = threading.Thread(target=stop.wait)
other.start()
gil.hand_over_gil()
stop.set()
other.join()
print(alone, len(calls) - alone)
"""


def test_the_gil_is_handed_over_only_when_another_thread_runs() -> None:
    # A fresh interpreter: the test process has threads of its own (Qt, pytest plugins).
    out = subprocess.run([sys.executable, "-c", _CHILD], cwd=ROOT, capture_output=True,
                         text=True, check=True, timeout=60)  # fmt: skip
    assert out.stdout.split() == ["0", "1"]
