"""Sandboxes on ephemeral ports, started by the tests and stopped after them.

Fixtures:

- ``make_sandbox(**overrides)``: start sandboxes on demand; every one is stopped after the test.
  Each starts from :data:`UNTHROTTLED`, then the folder's ``sandbox_options``, then ``overrides``.
  ``sandbox_factory`` is the same fixture under the name the services tests use.
- ``sandbox``: one sandbox, ``make_sandbox()``.
- ``sandbox_options``: the ``SandboxConfig`` fields every sandbox of a folder starts from; empty
  here (rate limits off). A folder whose tests need something else says so in its conftest:
  tests/services keeps the shipped rate limits (:data:`SHIPPED_LIMITS`), tests/usecases accepts
  custom PIN codes.
- ``tls_files`` / ``trusted_tls`` / ``tls_sandbox``: a throw-away certificate, the same trusted
  by ``requests``-based clients (the official SDKs), and a sandbox that speaks HTTPS with it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from desktop_app.sandbox.selfsigned import write_self_signed
from desktop_app.sandbox.server import SandboxConfig, SandboxServer

#: An ephemeral port and throttling off (a test about throttling asks for its own limits).
UNTHROTTLED: dict[str, Any] = {
    "port": 0,
    "rate_limit": 0.0,
    "search_rate_limit": 0.0,
    "messages_rate_limit": 0.0,
}
#: The rate limits the sandbox ships with (what a user running it gets).
SHIPPED_LIMITS: dict[str, Any] = {
    "rate_limit": SandboxConfig.rate_limit,
    "search_rate_limit": SandboxConfig.search_rate_limit,
    "messages_rate_limit": SandboxConfig.messages_rate_limit,
}


class SandboxReaper:
    """Stops sandboxes on background threads; :meth:`join` waits for all of them.

    ``SandboxServer.stop`` waits for its serve loop to notice, which polls every 50 ms, and
    joins the connection threads: a test's teardown would wait that long for each sandbox.
    Nothing of a stopping sandbox is shared with the next test (its port stays bound until it
    is closed, so no later sandbox gets it), so the test session waits for them once, at its
    end, and fails then if one did not stop cleanly. A test that measures timing waits for
    them first (:func:`wait_for_stopping_sandboxes`; the heartbeat does).
    """

    def __init__(self) -> None:
        self._threads: list[threading.Thread] = []
        self._errors: list[BaseException] = []
        _REAPERS.append(self)

    def stop(self, server: SandboxServer) -> None:
        """Start stopping ``server``; return at once."""
        thread = threading.Thread(target=self._stop, args=(server,), name="sandbox-reaper")
        thread.start()
        self._threads.append(thread)

    def _stop(self, server: SandboxServer) -> None:
        try:
            server.stop()
        except BaseException as exc:  # reported by join(), in the test session
            self._errors.append(exc)

    def wait(self, timeout: float = 30.0) -> None:
        """Wait until every sandbox handed over so far has stopped (failures wait for join)."""
        for thread in self._threads:
            thread.join(timeout)

    def join(self, timeout: float = 30.0) -> None:
        """Wait for every sandbox handed over; raise the first failure; forget them."""
        self.wait(timeout)
        stuck = [t for t in self._threads if t.is_alive()]
        self._threads.clear()
        _REAPERS.remove(self)
        if self._errors:
            raise self._errors[0]
        assert not stuck, f"{len(stuck)} sandbox(es) did not stop within {timeout} s"


_REAPERS: list[SandboxReaper] = []


def wait_for_stopping_sandboxes() -> None:
    """Return once the sandboxes earlier tests handed to a reaper have stopped.

    For a test that measures time on this process: nothing left over from an earlier test
    may run while it measures.
    """
    for reaper in list(_REAPERS):
        reaper.wait()


class SandboxFactory:
    """Starts sandboxes from ``base`` plus per-call overrides; :meth:`stop_all` stops them.

    Args:
        base: ``SandboxConfig`` fields every sandbox starts from.
        reaper: Stops them in the background (``None``: :meth:`stop_all` waits for each).
    """

    def __init__(self, base: dict[str, Any], reaper: SandboxReaper | None = None) -> None:
        self.base = dict(base)
        self.servers: list[SandboxServer] = []
        self._reaper = reaper
        self._before_stop: list[Callable[[SandboxServer], None]] = []

    def __call__(self, **overrides: Any) -> SandboxServer:
        server = SandboxServer(SandboxConfig(**{**self.base, **overrides}))
        server.start()
        self.servers.append(server)
        return server

    def before_stop(self, callback: Callable[[SandboxServer], None]) -> None:
        """Call ``callback`` with each sandbox just before it stops (to read its figures)."""
        self._before_stop.append(callback)

    def stop_all(self) -> None:
        """Stop every sandbox this factory started, newest first."""
        while self.servers:
            server = self.servers.pop()
            try:
                for callback in self._before_stop:
                    callback(server)
            finally:
                if self._reaper is not None:
                    self._reaper.stop(server)
                else:
                    server.stop()


@pytest.fixture(scope="session")
def sandbox_reaper() -> Iterator[SandboxReaper]:
    """Stops the tests' sandboxes in the background; the session waits for them at its end."""
    reaper = SandboxReaper()
    yield reaper
    reaper.join()


@pytest.fixture
def sandbox_options() -> dict[str, Any]:
    """``SandboxConfig`` fields over :data:`UNTHROTTLED` for every sandbox of this folder."""
    return {}


@pytest.fixture
def make_sandbox(
    sandbox_options: dict[str, Any], sandbox_reaper: SandboxReaper
) -> Iterator[SandboxFactory]:
    """Start sandboxes on ephemeral ports (see the module docstring); stop them after."""
    factory = SandboxFactory({**UNTHROTTLED, **sandbox_options}, sandbox_reaper)
    yield factory
    factory.stop_all()


#: The services tests' name for ``make_sandbox``.
sandbox_factory = make_sandbox


@pytest.fixture
def sandbox(make_sandbox: SandboxFactory) -> SandboxServer:
    """One running sandbox, stopped after the test."""
    return make_sandbox()


@pytest.fixture(scope="session")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A throwaway self-signed certificate for 127.0.0.1 / localhost and its key."""
    return write_self_signed(tmp_path_factory.mktemp("tls"), "verify-desk sandbox test")


@pytest.fixture
def trusted_tls(tls_files: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    """``tls_files``, trusted by ``requests``-based clients (the official SDKs), and no proxy."""
    cert, _ = tls_files
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(cert))
    for name in ("HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy", "NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    return tls_files


@pytest.fixture
def tls_sandbox(make_sandbox: SandboxFactory, trusted_tls: tuple[Path, Path]) -> SandboxServer:
    """A sandbox whose port also speaks HTTPS with ``trusted_tls``."""
    cert, key = trusted_tls
    server = make_sandbox(tls_cert=str(cert), tls_key=str(key))
    assert server.url.startswith("https://")
    return server
