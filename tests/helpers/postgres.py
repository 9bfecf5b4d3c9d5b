"""A throw-away PostgreSQL server for the tests: the distribution's own cluster tools, no mocks.

:class:`PostgresServer` runs ``initdb`` and ``pg_ctl`` from ``/usr/lib/postgresql/<n>/bin`` (the
Debian/Ubuntu ``postgresql`` package; ``scripts/bootstrap --test`` installs it) on a data
directory and Unix socket inside a temporary directory, listening on 127.0.0.1 at a free port.
PostgreSQL refuses to run as root, so as root (CI) the temporary directory is given to the
``postgres`` system user and every cluster command runs through ``runuser -u postgres --``; as
a normal user it simply runs as that user.

Two roles: the superuser ``postgres`` (trusted on the Unix socket only, for the fixtures' own
set-up) and :data:`APP_ROLE`, which logs in over TCP with a password (scram-sha-256), as a team's
agent would. Each test gets a database of its own, owned by the app role.

Fixtures: ``postgres_server`` (one server per session, the first time a test asks, stopped at
session end), ``own_postgres`` (a server for one test, which it may stop and start),
``pg_url``/``pg_password`` (a fresh empty database for the test), and ``history_backend``
(``"sqlite"`` here; tests/store and tests/usecases parametrise it over both). Without the cluster
tools the PostgreSQL tests are skipped with the package to install, except under ``CI=true``, where
a missing server is an error.
"""

from __future__ import annotations

import contextlib
import glob
import itertools
import os
import secrets
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Final

import pytest

APP_ROLE: Final = "desk"
_SUPERUSER: Final = "postgres"
_counter = itertools.count(1)


def cluster_bin() -> Path | None:
    """The newest installed ``/usr/lib/postgresql/<n>/bin`` holding ``initdb``, or None."""
    found = glob.glob("/usr/lib/postgresql/*/bin/initdb")
    if not found:
        return None
    return Path(max(found, key=lambda p: int(Path(p).parts[-3]))).parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PostgresServer:
    """One PostgreSQL cluster in a temporary directory (see the module docstring).

    Args:
        bindir: The cluster tools' folder.
    """

    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        self.root = Path(tempfile.mkdtemp(prefix="vd-pg-"))
        self.data = self.root / "data"
        self.socket_dir = self.root / "run"
        self.log = self.root / "server.log"
        self.port = _free_port()
        self.password = secrets.token_urlsafe(18)
        self._as_root = os.geteuid() == 0
        self.socket_dir.mkdir()
        if self._as_root:
            shutil.chown(self.root, _SUPERUSER, _SUPERUSER)
            shutil.chown(self.socket_dir, _SUPERUSER, _SUPERUSER)

    def _run(self, *argv: str, stdin: str | None = None) -> None:
        prefix = ["runuser", "-u", _SUPERUSER, "--"] if self._as_root else []
        subprocess.run(
            [*prefix, *argv], input=stdin, text=True, check=True, cwd=self.root,
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            stdin=None if stdin is not None else subprocess.DEVNULL,
        )  # fmt: skip

    def initdb(self) -> None:
        """Create the cluster: local (socket) connections trusted, TCP ones by password."""
        self._run(
            str(self.bindir / "initdb"), "-D", str(self.data), "-U", _SUPERUSER, "-E", "UTF8",
            "--locale=C", "--auth-local=trust", "--auth-host=scram-sha-256", "--no-sync",
        )  # fmt: skip

    def start(self) -> None:
        """Start the server and wait until it accepts connections."""
        options = (
            f"-p {self.port} -k {self.socket_dir} -c listen_addresses=127.0.0.1"
            " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
            " -c max_connections=300"
        )
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-l", str(self.log),
                  "-o", options, "-w", "-t", "60", "start")  # fmt: skip

    def stop(self, mode: str = "fast") -> None:
        """Stop the server (``mode``: ``fast`` or ``immediate``)."""
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop")

    def admin(self, sql: str) -> None:
        """Run SQL as the superuser over the Unix socket (``psql``; no password involved)."""
        self._run(
            str(self.bindir / "psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h",
            str(self.socket_dir), "-p", str(self.port), "-U", _SUPERUSER, "-d", "postgres",
            "-f", "-", stdin=sql,
        )  # fmt: skip

    def admin_dsn(self, dbname: str = "postgres") -> str:
        """A libpq DSN for the superuser over the Unix socket (trusted: no password)."""
        return f"host={self.socket_dir} port={self.port} user={_SUPERUSER} dbname={dbname}"

    def create_app_role(self) -> None:
        # The password goes in on psql's stdin, never in argv.
        self.admin(f"CREATE ROLE {APP_ROLE} LOGIN PASSWORD '{self.password}';")

    def new_role(self, password: str) -> str:
        """Create another login role with ``password`` (given on psql's stdin); return its name."""
        name = f"agent_{os.getpid()}_{next(_counter)}"
        self.admin(f"CREATE ROLE {name} LOGIN PASSWORD '{password}';")
        return name

    def new_database(self, prefix: str = "t", owner: str = APP_ROLE) -> str:
        """Create an empty database owned by ``owner`` (the app role); return its name."""
        name = f"{prefix}_{os.getpid()}_{next(_counter)}"
        self.admin(f"CREATE DATABASE {name} OWNER {owner};")
        return name

    def url(self, dbname: str, user: str = APP_ROLE) -> str:
        """The history URL for ``dbname`` (no password: that goes in separately)."""
        return f"postgresql://{user}@127.0.0.1:{self.port}/{dbname}"

    def remove(self) -> None:
        """Stop the server if it runs and delete its directory."""
        with contextlib.suppress(subprocess.CalledProcessError):  # not running
            self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)


def start_server() -> PostgresServer:
    """Start a fresh server with the app role, or skip (fail under CI) without the tools."""
    bindir = cluster_bin()
    if bindir is None:
        reason = "PostgreSQL is not installed (apt-get install postgresql)"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    server = PostgresServer(bindir)
    try:
        server.initdb()
        server.start()
        server.create_app_role()
    except BaseException:
        server.remove()
        raise
    return server


_session_server: PostgresServer | None = None


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """One throw-away PostgreSQL server for the whole session, started on first use."""
    server = start_server()
    yield server
    server.remove()


@pytest.fixture
def own_postgres() -> Iterator[PostgresServer]:
    """A server of this test's own, which it may stop and start (an outage)."""
    server = start_server()
    yield server
    server.remove()


@pytest.fixture
def pg_database(postgres_server: PostgresServer) -> str:
    """A fresh, empty database for this test (owned by the app role)."""
    return postgres_server.new_database()


@pytest.fixture
def pg_url(postgres_server: PostgresServer, pg_database: str) -> str:
    """The history URL of this test's fresh database."""
    return postgres_server.url(pg_database)


@pytest.fixture
def pg_password(postgres_server: PostgresServer) -> str:
    """The app role's password (what the keyring holds in the app)."""
    return postgres_server.password


@pytest.fixture
def history_backend() -> str:
    """Which history backend a test's ``history`` uses; tests/store and tests/usecases
    parametrise it over ``sqlite`` and ``postgresql``."""
    return "sqlite"


#: The folders whose history tests run on both backends (``history_backend`` parametrised).
BOTH_BACKENDS: Final = ("tests/store/", "tests/usecases/")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Run the history and use-case tests on SQLite and on PostgreSQL."""
    if "history_backend" not in metafunc.fixturenames:
        return
    where = Path(str(metafunc.definition.path)).relative_to(metafunc.config.rootpath).as_posix()
    sqlite_only = metafunc.definition.get_closest_marker("sqlite_only") is not None
    if where.startswith(BOTH_BACKENDS) and not sqlite_only:
        # Module scope: a module's own module-scoped store (tests/store/test_analytics.py) can
        # follow the backend too.
        metafunc.parametrize("history_backend", ["sqlite", "postgresql"], scope="module")
