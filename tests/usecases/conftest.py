"""Fixtures for the use-case tests: a real sandbox on an ephemeral port and a throw-away history."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from desktop_app.api.account import AccountClient
from desktop_app.api.retry import RetryPolicy
from desktop_app.api.sandbox_control import SandboxControl
from desktop_app.api.v1 import VerifyV1Client
from desktop_app.domain.models import ApiCredentials
from desktop_app.sandbox.server import SandboxServer
from desktop_app.store.history import HistoryStore
from desktop_app.usecases.desk import VerifyDesk
from tests import sandbox_fixtures
from tests.sandbox_fixtures import serve_sandbox

SANDBOX_CREDS = ApiCredentials("sandbox", "sandbox-secret")
PROFILE = "qa-sandbox"
OPERATOR = "tester"
#: One attempt only: a test must see exactly what the API answered, with no backoff sleeps.
NO_RETRY = RetryPolicy(attempts=1)

# The shared fixtures, under the names the tests ask for.
http = sandbox_fixtures.http
control = sandbox_fixtures.control


def make_desk(
    http: httpx.Client,
    url: str,
    history: HistoryStore,
    credentials: ApiCredentials = SANDBOX_CREDS,
) -> VerifyDesk:
    return VerifyDesk(
        client=VerifyV1Client(http, credentials, api_host=url, retry=NO_RETRY),
        account=AccountClient(http, credentials, rest_host=url, retry=NO_RETRY),
        history=history,
        profile=PROFILE,
        operator=OPERATOR,
        default_region="GB",
    )


@pytest.fixture
def sandbox() -> Iterator[SandboxServer]:
    # Rate limits off: the throttling test starts its own sandbox with a low limit.
    yield from serve_sandbox(allow_pin_code=True)


@pytest.fixture
def history_path(tmp_path: Path) -> Path:
    return tmp_path / "history.sqlite3"


@pytest.fixture
def history(history_path: Path) -> Iterator[HistoryStore]:
    store = HistoryStore(history_path)
    yield store
    store.close()


@pytest.fixture
def desk(http: httpx.Client, sandbox: SandboxServer, history: HistoryStore) -> VerifyDesk:
    return make_desk(http, sandbox.url, history)


@pytest.fixture
def code_for(control: SandboxControl) -> Callable[[str], str]:
    """The latest code the sandbox "delivered" to a number (what the customer would read)."""

    def latest(number: str) -> str:
        messages = control.messages(number)
        assert messages, f"no message delivered to {number}"
        return messages[-1].code

    return latest
