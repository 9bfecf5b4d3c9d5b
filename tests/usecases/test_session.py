"""open_desk: which hosts a profile talks to, and who the operator is."""

from __future__ import annotations

import getpass

import httpx
import pytest

from desktop_app.domain.errors import AuthError
from desktop_app.domain.history_query import RecentQuery
from desktop_app.domain.models import ApiCredentials
from desktop_app.domain.validation import StartForm
from desktop_app.sandbox.server import SandboxServer
from desktop_app.settings.profiles import SANDBOX_PROFILE, SANDBOX_PROFILE_NAME, Profile
from desktop_app.store.history import HistoryStore
from desktop_app.usecases import SandboxNotRunning, current_operator, open_desk
from tests.helpers.desks import SANDBOX_CREDS

SANDBOX = SANDBOX_PROFILE


def test_sandbox_profile_uses_the_running_sandbox(
    http: httpx.Client, sandbox: SandboxServer, history: HistoryStore
) -> None:
    desk = open_desk(SANDBOX, SANDBOX_CREDS, history, http, sandbox_url=sandbox.url,
                     operator="ann", default_region="GB")  # fmt: skip
    started = desk.start(StartForm(number="07123 450100", brand="Acme"))  # national, GB
    assert started.number == "447123450100"
    desk.balance()
    row = history.get(started.history_id)
    assert (row.profile, row.operator) == (SANDBOX_PROFILE_NAME, "ann")


def test_sandbox_profile_without_a_sandbox_is_refused(
    http: httpx.Client, history: HistoryStore
) -> None:
    with pytest.raises(SandboxNotRunning) as refused:
        open_desk(SANDBOX, SANDBOX_CREDS, history, http)
    assert "sandbox" in refused.value.user_message().lower()
    assert history.recent() == [] and history.recent_calls() == []


def test_profile_hosts_are_used(
    http: httpx.Client, sandbox: SandboxServer, history: HistoryStore
) -> None:
    profile = Profile(name="staging", api_host=sandbox.url, rest_host=sandbox.url)
    desk = open_desk(profile, SANDBOX_CREDS, history, http, operator="bob")
    desk.start(StartForm(number="447123450100", brand="Acme"))
    assert history.recent(RecentQuery(limit=1))[0].profile == "staging"
    assert desk.profile == "staging" and desk.operator == "bob"


def test_profile_with_wrong_secret_reaches_its_host(
    http: httpx.Client, sandbox: SandboxServer, history: HistoryStore
) -> None:
    profile = Profile(name="staging", api_host=sandbox.url, rest_host=sandbox.url)
    desk = open_desk(profile, ApiCredentials("sandbox", "nope"), history, http, operator="bob")
    with pytest.raises(AuthError):
        desk.balance()


def test_operator_defaults_to_the_os_user(
    http: httpx.Client, history: HistoryStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(getpass, "getuser", lambda: "carol")
    profile = Profile(name="p", api_host="http://127.0.0.1:9", rest_host="http://127.0.0.1:9")
    assert open_desk(profile, SANDBOX_CREDS, history, http).operator == "carol"

    def no_user() -> str:
        raise OSError("no user name")

    monkeypatch.setattr(getpass, "getuser", no_user)
    assert current_operator() == "unknown"
    assert open_desk(profile, SANDBOX_CREDS, history, http).operator == "unknown"
