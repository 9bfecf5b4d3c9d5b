"""Use cases: the Verify operations both front ends share, with their history bookkeeping.

No Qt here: the window's services run these on worker threads, the command line calls them
directly. See :class:`desktop_app.usecases.desk.VerifyDesk` and
:func:`desktop_app.usecases.session.open_desk`.
"""

from __future__ import annotations

from desktop_app.usecases.desk import Started, VerifyDesk
from desktop_app.usecases.recording import CheckOutcomeText
from desktop_app.usecases.session import SandboxNotRunning, current_operator, open_desk

__all__ = [
    "CheckOutcomeText",
    "SandboxNotRunning",
    "Started",
    "VerifyDesk",
    "current_operator",
    "open_desk",
]
