"""A private, real Secret Service for the keyring tests: no wrapper script, nothing to set up.

:func:`private_secret_service` starts a D-Bus session bus of its own (``dbus-daemon --session``)
and ``gnome-keyring-daemon --unlock`` on it, with the keyring files in a throw-away directory,
so a test talks to the real thing without touching the developer's keyring or session. The
``secret_service`` fixture starts one per test session, the first time a test asks for it, and
points ``DBUS_SESSION_BUS_ADDRESS`` at it for that test only. Without the programs the test is
skipped with a reason naming the Debian packages to install.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

#: Program -> the Debian package that installs it (scripts/bootstrap --test installs them).
PROGRAMS = {"dbus-daemon": "dbus", "gnome-keyring-daemon": "gnome-keyring"}
SECRETS_NAME = "org.freedesktop.secrets"


def missing_packages() -> list[str]:
    """The Debian packages whose programs are not on PATH."""
    return [package for program, package in PROGRAMS.items() if shutil.which(program) is None]


def _start_keyring(address: str, env: dict[str, str], password: str) -> subprocess.Popen[str]:
    """Start gnome-keyring-daemon on the bus; return it once it owns the secrets name.

    ``--unlock`` reads the password on stdin and creates (or unlocks) the login keyring.
    ``--foreground`` keeps the daemon this process's child, so it is always stopped after.
    """
    from jeepney.bus_messages import MatchRule, message_bus  # type: ignore[import-untyped]
    from jeepney.io.blocking import open_dbus_connection  # type: ignore[import-untyped]

    rule = MatchRule(type="signal", sender="org.freedesktop.DBus", member="NameOwnerChanged")
    rule.add_arg_condition(0, SECRETS_NAME)
    with open_dbus_connection(bus=address) as bus, bus.filter(rule) as owner_changed:
        bus.send_and_get_reply(message_bus.AddMatch(rule), timeout=10)
        daemon = subprocess.Popen(
            ["gnome-keyring-daemon", "--foreground", "--unlock", "--components=secrets"],
            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            text=True, env=env,
        )  # fmt: skip
        assert daemon.stdin is not None
        daemon.stdin.write(password)
        daemon.stdin.close()
        try:
            owned = bus.send_and_get_reply(message_bus.NameHasOwner(SECRETS_NAME), timeout=10)
            if not owned.body[0]:
                bus.recv_until_filtered(owner_changed, timeout=30)
        except BaseException:
            _stop(daemon)
            raise
    return daemon


def _stop(process: subprocess.Popen[str]) -> None:
    process.terminate()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextmanager
def private_secret_service(password: str = "test-password") -> Iterator[str]:
    """Run a session bus with an unlocked gnome-keyring on it; yield the bus address.

    The login keyring is created in a temporary directory (and unlocked) with ``password``;
    both daemons are stopped and the directory removed on exit.
    """
    root = Path(tempfile.mkdtemp(prefix="verify-desk-keyring-"))
    env = {k: v for k, v in os.environ.items() if k != "DBUS_SESSION_BUS_ADDRESS"}
    for var, sub in (("XDG_DATA_HOME", "data"), ("XDG_RUNTIME_DIR", "run"),
                     ("XDG_CONFIG_HOME", "config"), ("XDG_CACHE_HOME", "cache")):  # fmt: skip
        (root / sub).mkdir(mode=0o700)
        env[var] = str(root / sub)
    bus = subprocess.Popen(
        ["dbus-daemon", "--session", "--nofork", "--print-address=1",
         f"--address=unix:dir={root / 'run'}"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env,
    )  # fmt: skip
    try:
        assert bus.stdout is not None
        address = bus.stdout.readline().strip()
        if not address:
            raise RuntimeError(f"dbus-daemon exited ({bus.wait(10)}) without a bus address")
        env["DBUS_SESSION_BUS_ADDRESS"] = address
        daemon = _start_keyring(address, env, password)
        try:
            yield address
        finally:
            _stop(daemon)
    finally:
        _stop(bus)
        if bus.stdout is not None:
            bus.stdout.close()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def secret_service_address() -> Iterator[str]:
    """The bus address of this test session's private Secret Service (started on first use)."""
    missing = missing_packages()
    if missing:
        pytest.skip(
            "needs a real Secret Service: install "
            + " and ".join(missing)
            + f" (apt-get install {' '.join(missing)}, or scripts/bootstrap --test)"
        )
    with private_secret_service() as address:
        yield address


@pytest.fixture
def secret_service(secret_service_address: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Point this test's D-Bus session (and so ``keyring``) at the private Secret Service."""
    import keyring.backend

    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", secret_service_address)
    # keyring decides once per process which backends work (jaraco's ``once``); an earlier
    # test decided without this bus. Look again now, and again after this test: a decision
    # made with this bus (monkeypatch only restores an attribute that existed) would leave
    # later tests a Secret Service backend whose bus is gone.
    monkeypatch.delattr(keyring.backend.get_all_keyring, "saved_result", raising=False)
    yield secret_service_address
    if hasattr(keyring.backend.get_all_keyring, "saved_result"):
        del keyring.backend.get_all_keyring.saved_result
