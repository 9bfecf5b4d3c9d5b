"""A start whose answer is lost, and the status 10 that resolves it (issue 5, item 2).

The transport really performs the start against the sandbox, then throws the answer away and
raises what httpx raises when an answer never arrives. The row must say OUTCOME UNKNOWN with the
advice to look the number up; the next start to the number gets status 10, and the unknown row
adopts the live request id while the error still reaches the caller.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from desktop_app.api.http import build_http_client
from desktop_app.api.sandbox_control import SandboxControl
from desktop_app.domain.errors import ConcurrentVerificationError, TransportError
from desktop_app.domain.history_query import RecentQuery
from desktop_app.domain.models import VerificationStatus
from desktop_app.domain.validation import StartForm
from desktop_app.sandbox.server import SandboxServer
from desktop_app.store.history import HistoryStore
from desktop_app.usecases.recording import LOST_START_ADVICE
from tests.helpers.desks import make_desk

from . import figures

# The reliability suite (also run alone by `python -m tests.reliability`): sweeps and
# fault runs, left out of the quick loop (scripts/test --quick).
pytestmark = pytest.mark.slow

NUMBER = "447123450400"

LOSSES: dict[str, Callable[[httpx.Request], Exception]] = {
    "read timeout": lambda r: httpx.ReadTimeout("timed out", request=r),
    "connection dropped": lambda r: httpx.RemoteProtocolError("server disconnected", request=r),
    "read error": lambda r: httpx.ReadError("connection reset by peer", request=r),
}


class LosingTransport(httpx.BaseTransport):
    """Sends for real; while ``losing`` is set, drops the answers to starts."""

    def __init__(self, lose: Callable[[httpx.Request], Exception]) -> None:
        self._real = httpx.HTTPTransport()
        self._lose = lose
        self.losing = True
        self.lost = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self._real.handle_request(request)
        body = response.read()
        response.close()
        if self.losing and request.url.path in ("/verify/json", "/verify/psd2/json"):
            self.lost += 1
            raise self._lose(request)  # the start happened; its answer is gone
        return httpx.Response(response.status_code, headers=response.headers, content=body)

    def close(self) -> None:
        self._real.close()


@pytest.mark.parametrize("loss", sorted(LOSSES))
def test_lost_answer_is_unknown_then_status_10_adopts_the_live_request(
    loss: str, tmp_path: Path, sandbox: SandboxServer, control: SandboxControl
) -> None:
    transport = LosingTransport(LOSSES[loss])
    history = HistoryStore(tmp_path / "lost.sqlite3")
    with build_http_client(transport=transport) as http:
        desk = make_desk(http, sandbox.url, history)
        figures.add("faults_injected")

        with pytest.raises(TransportError) as lost:
            desk.start(StartForm(number=NUMBER, brand="Acme"))
        assert lost.value.outcome_unknown
        assert transport.lost == 1
        (live,) = [r for r in control.requests() if r["number"] == NUMBER]
        row = history.recent(RecentQuery(limit=1))[0]
        assert row.status is VerificationStatus.UNKNOWN and row.request_id is None
        assert row.last_error.endswith(LOST_START_ADVICE)
        assert "look the number up" in row.last_error and "before sending again" in row.last_error

        transport.losing = False
        with pytest.raises(ConcurrentVerificationError) as refused:  # still reaches the caller
            desk.start(StartForm(number=NUMBER, brand="Acme"))
        assert refused.value.request_id == live["request_id"]

        adopted = history.get(row.id)
        assert adopted.request_id == live["request_id"]
        assert adopted.status is VerificationStatus.IN_PROGRESS
        assert "adopted" in adopted.last_error
        retry_row = history.recent(RecentQuery(limit=1))[0]
        assert retry_row.id != row.id and retry_row.status is VerificationStatus.REFUSED
        assert history.find(str(live["request_id"])) == adopted

        # The adopted request is a normal one from here on.
        code = control.messages(NUMBER)[-1].code
        desk.check(str(live["request_id"]), code)
        assert history.get(row.id).status is VerificationStatus.SUCCESS
        figures.add("faults_handled")
    history.close()


def test_a_stale_unknown_row_is_not_adopted(
    tmp_path: Path, sandbox: SandboxServer, control: SandboxControl
) -> None:
    long_ago = datetime.now(UTC) - timedelta(hours=3)
    stale = HistoryStore(tmp_path / "stale.sqlite3", clock=lambda: long_ago)
    transport = LosingTransport(LOSSES["read timeout"])
    with build_http_client(transport=transport) as http:
        with pytest.raises(TransportError):
            make_desk(http, sandbox.url, stale).start(StartForm(number=NUMBER, brand="Old"))
        stale.close()
        history = HistoryStore(tmp_path / "stale.sqlite3")
        transport.losing = False
        with pytest.raises(ConcurrentVerificationError):
            make_desk(http, sandbox.url, history).start(StartForm(number=NUMBER, brand="New"))
    old = history.recent(RecentQuery(limit=2))[1]
    assert old.status is VerificationStatus.UNKNOWN and old.request_id is None
    history.close()


def test_status_10_for_another_number_adopts_nothing(
    tmp_path: Path, sandbox: SandboxServer, control: SandboxControl
) -> None:
    transport = LosingTransport(LOSSES["read timeout"])
    history = HistoryStore(tmp_path / "other.sqlite3")
    with build_http_client(transport=transport) as http:
        desk = make_desk(http, sandbox.url, history)
        with pytest.raises(TransportError):
            desk.start(StartForm(number=NUMBER, brand="Acme"))
        transport.losing = False
        other = "447123450401"
        desk.start(StartForm(number=other, brand="Acme"))
        with pytest.raises(ConcurrentVerificationError):
            desk.start(StartForm(number=other, brand="Acme"))
    unknown = [e for e in history.recent() if e.number == NUMBER]
    assert [(e.status, e.request_id) for e in unknown] == [(VerificationStatus.UNKNOWN, None)]
    history.close()
