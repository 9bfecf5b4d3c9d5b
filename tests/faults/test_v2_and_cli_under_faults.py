"""Faults on the Verify v2 routes (through VerifyV2Client) and the CLI's message and exit code."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from desktop_app.api.http import build_http_client
from desktop_app.api.retry import RetryPolicy
from desktop_app.api.v2 import VerifyV2Client
from desktop_app.cli.main import main
from desktop_app.domain.errors import (
    ApiTimeoutError,
    ConnectionLostError,
    ResponseFormatError,
    ServerError,
    ThrottledError,
    VerifyDeskError,
)
from desktop_app.domain.history_query import RecentQuery
from desktop_app.domain.v2 import SmsChannel, V2StartParams
from desktop_app.store.history import HistoryStore
from tests.helpers.desks import uk_number
from tests.helpers.faults import CREDS, Figures

# A fault-injection sweep: left out of the quick loop (scripts/test --quick).
pytestmark = pytest.mark.slow


@pytest.mark.parametrize(
    ("spec", "error"),
    [
        ("v2_start:throttle@1", ThrottledError),
        ("v2_start:internal_error@1", ServerError),
        ("v2_start:http502@1", ServerError),
        ("v2_start:malformed_json@1", ResponseFormatError),
        ("v2_start:truncated@1", ConnectionLostError),
        ("v2_start:reset@1", ConnectionLostError),
        ("v2_start:drop_after_processing@1", ConnectionLostError),
        ("v2_start:hang@1", ApiTimeoutError),
    ],
)
def test_v2_start_under_fault(
    spec: str, error: type[VerifyDeskError], make_sandbox: Callable[..., Any]
) -> None:
    server = make_sandbox(faults=(spec,))
    number = uk_number(700)
    params = V2StartParams("Acme", (SmsChannel(number),), channel_timeout=60)
    with build_http_client(timeout=httpx.Timeout(5.0, read=1.0)) as http:
        v2 = VerifyV2Client(http, CREDS, api_host=server.url, retry=RetryPolicy(attempts=1))
        with pytest.raises(error) as info:
            v2.start(params)
        if isinstance(info.value, ThrottledError):
            assert info.value.http_status == 429
        if isinstance(info.value, ServerError):
            assert info.value.http_status in (500, 502)
        created = server.engine.requests()["requests"]
        processed = spec.split(":")[1].split("@")[0] in (
            "malformed_json", "truncated", "drop_after_processing"
        )  # fmt: skip
        assert bool(created) is processed
        assert v2.start(params) if not processed else True  # the rule fired once only
    Figures.handled[spec.split(":")[1].split("@")[0]] += 1


def test_v2_check_throttled_is_http_429(make_sandbox: Callable[..., Any]) -> None:
    server = make_sandbox(faults=("v2_check:throttle",))
    with httpx.Client(base_url=server.url, timeout=10) as raw:
        answer = raw.post("/v2/verify/abc", json={"code": "1234"}, auth=("sandbox", "x"))
    assert answer.status_code == 429 and answer.json()["title"] == "Rate Limit Hit"


# -- the command line ---------------------------------------------------------------------

SENT = "+447911000956"
CASES: dict[str, tuple[str, int, str]] = {
    # fault -> (command, exit status, the sentence on stderr)
    "start:drop_after_processing": (
        "start",
        3,
        "verify-desk-cli: error: The connection dropped before the answer arrived; the outcome "
        "is unknown. (RemoteProtocolError: Server disconnected without sending a response.). "
        "Look the request up (or the number's live request) before sending again.",
    ),
    "start:http503": (
        "start",
        3,
        "verify-desk-cli: error: The Verify API had a server error. (HTTP 503 Service "
        "Unavailable). Wait a moment and try again; look the request up before re-sending a "
        "start.",
    ),
    "start:malformed_json": (
        "start",
        3,
        "verify-desk-cli: error: The Verify API sent an answer this app cannot read. (the body "
        "is not valid JSON). Check the profile's API host; if it is right, try again later.",
    ),
    "start:throttle": (
        "start",
        1,
        "verify-desk-cli: error: Too many requests were sent too quickly (throttled). (status 1: "
        "Throttled) Try again in 1 s.",
    ),
    "start:internal_error": (
        "start",
        1,
        "verify-desk-cli: error: The Verify API had an internal error. (status 5: Internal "
        "Error). Try again in a moment.",
    ),
    "start:reset": (
        "start",
        3,
        "verify-desk-cli: error: The connection dropped before the answer arrived; the outcome "
        "is unknown. (ReadError: [Errno 104] Connection reset by peer). Look the request up (or "
        "the number's live request) before sending again.",
    ),
    "balance:http502@1": ("balance", 0, ""),  # retried, then fine
}


@pytest.mark.parametrize("fault", sorted(CASES))
def test_cli_message_and_exit_status(
    fault: str,
    make_sandbox: Callable[..., Any],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("VERIFY_DESK_HOME", str(tmp_path / "home"))
    server = make_sandbox(faults=(fault,))
    command, status, sentence = CASES[fault]
    argv = ["--sandbox-url", server.url, "--history-db", str(tmp_path / "h.sqlite3")]
    argv += ["start", "--number", SENT, "--brand", "Acme"] if command == "start" else [command]
    capsys.readouterr()
    assert main(argv) == status
    err = capsys.readouterr().err
    assert err.strip() == sentence
    # The command left one finished call row (and, for a start, its request row).
    store = HistoryStore(tmp_path / "h.sqlite3")
    try:
        (call,) = store.recent_calls(10)
        assert call.operation == command and call.finished_at is not None
        expected = {0: "ok", 1: "api_error", 3: "outcome_unknown"}[status]
        assert call.outcome == expected
        if command == "start":
            (entry,) = store.recent(RecentQuery(limit=10))
            assert entry.status.value == ("REFUSED" if status == 1 else "OUTCOME UNKNOWN")
    finally:
        store.close()
    Figures.handled[fault.split(":")[1].split("@")[0]] += 1
