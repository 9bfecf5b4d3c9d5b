"""Test-wide set-up: headless Qt and a throw-away home, before anything imports Qt or settings.

Qt must see ``QT_QPA_PLATFORM`` before the first ``QApplication`` exists, and nothing in the test
run may touch the developer's real settings, history or logs, so both are set at import time.
"""

from __future__ import annotations

import os
import tempfile

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Every path the app derives (settings, history, logs) goes under this directory unless a test
# points VERIFY_DESK_HOME somewhere else with monkeypatch.
os.environ.setdefault("VERIFY_DESK_HOME", tempfile.mkdtemp(prefix="verify-desk-tests-"))
