"""The sandbox tests' own fixture: a raw httpx client for the test's ``sandbox``.

``sandbox``, ``make_sandbox``, ``tls_files`` and ``tls_sandbox`` come from tests/helpers/sandbox.py.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from desktop_app.sandbox.server import SandboxServer
from tests.helpers.sandbox_api import Api


@pytest.fixture
def api(sandbox: SandboxServer) -> Iterator[Api]:
    """Plain form posts to the test's ``sandbox`` (no app code in between)."""
    with httpx.Client(base_url=sandbox.url, timeout=10) as client:
        yield Api(client)
