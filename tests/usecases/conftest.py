"""The use-case tests' fixtures: a real desk on the test's sandbox and history.

``sandbox``, ``http``, ``control`` and ``history`` come from tests/helpers; here the sandbox also
accepts custom PIN codes (``sandbox_options``), which the PIN tests rely on.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from desktop_app.api.sandbox_control import SandboxControl
from desktop_app.sandbox.server import SandboxServer
from desktop_app.store.history import HistoryStore
from desktop_app.usecases.desk import VerifyDesk
from tests.helpers.desks import make_desk


@pytest.fixture
def sandbox_options() -> dict[str, Any]:
    # Rate limits stay off: the throttling test starts its own sandbox with a low limit.
    return {"allow_pin_code": True}


@pytest.fixture
def desk(http: httpx.Client, sandbox: SandboxServer, history: HistoryStore) -> VerifyDesk:
    """A desk on the test's sandbox: one attempt per call, numbers read as British."""
    return make_desk(http, sandbox.url, history)


@pytest.fixture
def code_for(control: SandboxControl) -> Callable[[str], str]:
    """The latest code the sandbox "delivered" to a number (what the customer would read)."""

    def latest(number: str) -> str:
        messages = control.messages(number)
        assert messages, f"no message delivered to {number}"
        return messages[-1].code

    return latest
