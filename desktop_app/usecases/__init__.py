"""Use cases: the Verify operations both front ends share, with their history bookkeeping.

No Qt here: the window's services run these on worker threads, the command line calls them
directly. See :class:`desktop_app.usecases.operations.VerifyOperations` (which picks the API
family of each request), :class:`desktop_app.usecases.desk.VerifyDesk` and
:func:`desktop_app.usecases.session.open_desk`.

The names below are imported on first access (PEP 562), so importing a light submodule such as
``desktop_app.usecases.logging_setup`` (the window's start-up path) does not import the API
client and httpx with it.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from desktop_app.usecases.desk import Started, VerifyDesk
    from desktop_app.usecases.operations import VerifyOperations
    from desktop_app.usecases.recording import CheckOutcomeText
    from desktop_app.usecases.session import SandboxNotRunning, current_operator, open_desk

__all__ = [
    "CheckOutcomeText",
    "SandboxNotRunning",
    "Started",
    "VerifyDesk",
    "VerifyOperations",
    "current_operator",
    "open_desk",
]

_WHERE = {
    "CheckOutcomeText": "recording",
    "SandboxNotRunning": "session",
    "Started": "desk",
    "VerifyDesk": "desk",
    "VerifyOperations": "operations",
    "current_operator": "session",
    "open_desk": "session",
}


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
