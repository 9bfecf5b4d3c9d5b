"""Each transport fault through the desk: the error the person sees, the history row, retries.

These are the rows of ``docs/reliability.md`` that the client side can cover today (the
sandbox's own fault injection is another engineer's and is marked TODO there).
"""

from __future__ import annotations

import httpx
import pytest

from desktop_app.api.account import AccountClient
from desktop_app.api.http import build_http_client
from desktop_app.api.retry import RetryPolicy, retry_idempotent
from desktop_app.api.v1 import VerifyV1Client
from desktop_app.domain.errors import (
    ApiTimeoutError,
    ConnectError,
    ConnectionLostError,
    InternalApiError,
    ResponseFormatError,
    ServerError,
    ThrottledError,
    TlsError,
    VerifyDeskError,
)
from desktop_app.domain.history_query import RecentQuery
from desktop_app.domain.models import VerificationStatus
from desktop_app.domain.validation import StartForm
from desktop_app.store.history import HistoryStore
from desktop_app.usecases.desk import VerifyDesk
from desktop_app.usecases.recording import LOST_START_ADVICE
from tests.helpers.desks import PROFILE, SANDBOX_CREDS
from tests.helpers.faultserver import FaultServer, closed_port

from . import figures

# The reliability suite (also run alone by `python -m tests.reliability`): sweeps and
# fault runs, left out of the quick loop (scripts/test --quick).
pytestmark = pytest.mark.slow

RID = "0" * 31 + "1"
FAST_RETRY = RetryPolicy(attempts=3, base_delay=0.01, max_delay=0.02)

#: fault -> (server mode or special target, error on start, start row status, call outcome,
#:           server hits for one start, for one search (3 = retried twice)).
FAULTS: dict[str, tuple[str, type[VerifyDeskError], VerificationStatus, str, int, int]] = {
    "timeout": ("hang", ApiTimeoutError, VerificationStatus.UNKNOWN, "outcome_unknown", 1, 3),
    "connection reset": ("reset", ConnectionLostError, VerificationStatus.UNKNOWN,
                         "outcome_unknown", 1, 3),
    "connection refused": ("closed", ConnectError, VerificationStatus.NOT_SENT,
                           "transport_error", 0, 0),
    "TLS failure": ("tls", TlsError, VerificationStatus.NOT_SENT, "transport_error", 0, 0),
    "HTTP 502 HTML": ("html502", ServerError, VerificationStatus.UNKNOWN, "outcome_unknown", 1, 3),
    "HTTP 503 HTML": ("html503", ServerError, VerificationStatus.UNKNOWN, "outcome_unknown", 1, 3),
    "malformed JSON": ("badjson", ResponseFormatError, VerificationStatus.UNKNOWN,
                       "outcome_unknown", 1, 1),
    "truncated body": ("truncated", ConnectionLostError, VerificationStatus.UNKNOWN,
                       "outcome_unknown", 1, 3),
    "throttled (status 1)": ("throttle", ThrottledError, VerificationStatus.REFUSED,
                             "api_error", 1, 3),
    "internal error (status 5)": (
        "status5",
        InternalApiError,
        VerificationStatus.REFUSED,
        "api_error",
        1,
        # The API engineer is extending the read retries to status 5 right now: follow them.
        FAST_RETRY.attempts if retry_idempotent(InternalApiError()) else 1,
    ),
}  # fmt: skip


def _desk(http: httpx.Client, url: str, history: HistoryStore) -> VerifyDesk:
    return VerifyDesk(
        client=VerifyV1Client(http, SANDBOX_CREDS, api_host=url, retry=FAST_RETRY),
        account=AccountClient(http, SANDBOX_CREDS, rest_host=url, retry=FAST_RETRY),
        history=history, profile=PROFILE, operator="tester", default_region="GB",
    )  # fmt: skip


@pytest.mark.parametrize("fault", list(FAULTS))
def test_fault_is_reported_recorded_and_retried_only_when_safe(
    fault: str, history: HistoryStore
) -> None:
    mode, error, status, outcome, start_hits, search_hits = FAULTS[fault]
    timeout = httpx.Timeout(0.4)
    with (
        FaultServer("ok" if mode in ("closed", "tls") else mode) as server,
        build_http_client(timeout=timeout) as http,
    ):
        url = {"closed": f"http://127.0.0.1:{closed_port()}", "tls": server.tls_url}.get(
            mode, server.url
        )
        desk = _desk(http, url, history)
        figures.add("faults_injected")

        with pytest.raises(error) as failed:
            desk.start(StartForm(number="447123450600", brand="Acme"))
        hits_after_start = server.hits
        with pytest.raises(error):
            desk.search([RID])
        search = server.hits - hits_after_start

    row = history.recent(RecentQuery(limit=1))[0]
    assert row.status is status, row
    (call, *_) = [c for c in history.recent_calls(5) if c.operation == "start"]
    assert call.outcome == outcome
    assert failed.value.user_message()  # one sentence for the person
    if status is VerificationStatus.UNKNOWN:
        assert row.last_error.endswith(LOST_START_ADVICE)
    if isinstance(failed.value, ThrottledError):
        assert failed.value.retry_after >= 1 and "Try again in" in failed.value.user_message()
    assert hits_after_start == start_hits  # a start is never re-sent
    assert search == search_hits  # idempotent reads retry (capped), others do not
    figures.add("faults_handled")
