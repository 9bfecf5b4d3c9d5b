"""Shared fixtures for the sandbox tests: a running sandbox, a raw httpx client, a TLS cert."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from sandbox_helpers import Api

from desktop_app.sandbox.selfsigned import write_self_signed
from desktop_app.sandbox.server import SandboxServer
from tests.sandbox_fixtures import start_sandboxes


@pytest.fixture
def make_sandbox() -> Iterator[Callable[..., SandboxServer]]:
    """Start sandboxes on ephemeral ports (throttling off unless asked); stop them after."""
    yield from start_sandboxes()


@pytest.fixture
def sandbox(make_sandbox: Callable[..., SandboxServer]) -> SandboxServer:
    return make_sandbox()


@pytest.fixture
def api(sandbox: SandboxServer) -> Iterator[Api]:
    with httpx.Client(base_url=sandbox.url, timeout=10) as client:
        yield Api(client)


@pytest.fixture(scope="session")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A throwaway self-signed certificate for 127.0.0.1 / localhost and its key."""
    return write_self_signed(tmp_path_factory.mktemp("tls"), "verify-desk sandbox test")
