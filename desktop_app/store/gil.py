"""Handing the GIL to a thread that waits for it: :func:`hand_over_gil`.

A store thread converting rows, or an export writing them, runs Python for milliseconds at a
stretch; the GUI thread, wanting the GIL to paint, would wait for the interpreter's switch
interval (5 ms) each time. ``time.sleep(0)`` releases the GIL at once. In a process with one
thread (the export child) there is nobody to hand it to, and the call only costs: profiled,
half of the child's time went to it.
"""

from __future__ import annotations

import threading
import time

__all__ = ["hand_over_gil"]


def hand_over_gil() -> None:
    """Let a thread waiting for the GIL run now; nothing when this is the only thread."""
    if threading.active_count() > 1:
        time.sleep(0)
