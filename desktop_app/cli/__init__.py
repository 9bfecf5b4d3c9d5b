"""The ``verify-desk-cli`` command line: Verify Desk's headless front end for QA and scripts.

It sits beside the window (never importing Qt) and runs every operation through the same
use-case layer, so each command is validated and recorded in the history exactly as a click in
the window would be. Entry point: :func:`desktop_app.cli.main.main`.
"""

from __future__ import annotations
