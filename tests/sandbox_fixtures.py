"""Fixtures shared by the test folders that run the sandbox in-process (cli, usecases, faults...).

A folder's conftest imports the fixtures it uses (pytest finds a fixture by its name in the
conftest). :func:`serve_sandbox` and :func:`start_sandboxes` are the bodies of a folder's own
``sandbox`` and ``make_sandbox`` fixtures, which differ in their options and teardown.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from desktop_app.api.http import build_http_client
from desktop_app.api.sandbox_control import SandboxControl
from desktop_app.sandbox.server import SandboxConfig, SandboxServer

#: An ephemeral port and throttling off (a test about throttling asks for its own limits).
UNTHROTTLED: dict[str, Any] = {
    "port": 0,
    "rate_limit": 0.0,
    "search_rate_limit": 0.0,
    "messages_rate_limit": 0.0,
}


def _config(overrides: dict[str, Any]) -> SandboxConfig:
    return SandboxConfig(**{**UNTHROTTLED, **overrides})


def serve_sandbox(**overrides: Any) -> Iterator[SandboxServer]:
    """Run one sandbox (:data:`UNTHROTTLED`, then ``overrides``) while the fixture lasts."""
    with SandboxServer(_config(overrides)) as server:
        yield server


def start_sandboxes(
    before_stop: Callable[[SandboxServer], None] | None = None,
) -> Iterator[Callable[..., SandboxServer]]:
    """Start sandboxes on demand while the fixture lasts, then stop every one.

    Args:
        before_stop: Called with each sandbox just before it stops (to read its figures).
    """
    servers: list[SandboxServer] = []

    def make(**overrides: Any) -> SandboxServer:
        server = SandboxServer(_config(overrides))
        server.start()
        servers.append(server)
        return server

    yield make
    for server in servers:
        if before_stop is not None:
            before_stop(server)
        server.stop()


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    """The app's own HTTP client, closed after the test."""
    with build_http_client() as client:
        yield client


@pytest.fixture
def control(http: httpx.Client, sandbox: SandboxServer) -> SandboxControl:
    """The test-only control API of the folder's ``sandbox``."""
    return SandboxControl(http, sandbox.url)
