"""The command line's handset for scenarios: the sandbox's clock, inbox and silent-auth URL."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from desktop_app.cli.scenario_targets import fresh_sandbox_config
from desktop_app.domain.errors import ValidationFailed
from desktop_app.sandbox.server import SandboxServer
from desktop_app.usecases.scenarios_wiring import SandboxHandset


@pytest.fixture
def paused() -> Iterator[SandboxServer]:
    with SandboxServer(fresh_sandbox_config()) as server:
        yield server


def test_the_paused_clock_moves_only_when_advanced(
    paused: SandboxServer, http: httpx.Client
) -> None:
    handset = SandboxHandset(http, paused.url)
    before = handset.now()
    assert handset.now() == before  # paused: real time does not move it
    handset.advance_clock(600)
    assert handset.now() == pytest.approx(before + 600, abs=0.002)


def test_check_urls_of_other_hosts_are_refused(paused: SandboxServer, http: httpx.Client) -> None:
    handset = SandboxHandset(http, paused.url)
    with pytest.raises(ValidationFailed, match="check_url"):
        handset.open_check_url("http://example.com/v2/verify/x/silent-auth/redirect")
    unknown = f"{paused.url}/v2/verify/00000000-0000-4000-8000-000000000000/silent-auth/redirect"
    assert handset.open_check_url(unknown) == 404


def test_an_inbound_message_is_posted_and_a_bad_one_named(
    paused: SandboxServer, http: httpx.Client
) -> None:
    handset = SandboxHandset(http, paused.url)
    uuid = handset.inbound("whatsapp", "447700900741", "14155550100", "Where is my parcel?")
    listed = {item["request_id"]: item for item in handset.requests()}
    assert listed[uuid]["kind"] == "inbound" and listed[uuid]["number"] == "447700900741"
    with pytest.raises(ValidationFailed) as refused:
        handset.inbound("whatsapp", "not a number", "14155550100", "Hi")
    assert refused.value.errors[0].field == "inbound"
    assert "from" in refused.value.errors[0].message
