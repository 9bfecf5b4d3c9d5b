"""The window's entry point: ``verify-desk`` and ``python -m desktop_app``.

The cyclic garbage collector is switched off before anything is imported: start-up creates
many objects and no garbage cycles, so its 50-odd collections before the first paint only
cost time (about 10 ms of CPU here). :func:`desktop_app.app.main` switches it back on once
the window is populated.
"""

from __future__ import annotations

import gc
import sys


def main() -> int:
    """Run Verify Desk; returns the process exit code."""
    gc.disable()
    from desktop_app.app import main as run

    return run()


if __name__ == "__main__":
    sys.exit(main())
