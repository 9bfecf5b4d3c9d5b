"""VerifyDeskV2 against a real sandbox: what each v2 operation answers and records."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from desktop_app.api.sandbox_control import SandboxControl
from desktop_app.api.v2 import VerifyV2Client
from desktop_app.domain.errors import (
    ConcurrentVerificationError,
    InvalidParameterError,
    NoMoreWorkflowsError,
    RequestNotFoundError,
    TooManyAttemptsError,
    ValidationFailed,
    WrongCodeError,
)
from desktop_app.domain.models import VerificationStatus
from desktop_app.domain.v2 import is_v2_request_id
from desktop_app.domain.v2_validation import V2ChannelForm, V2Form
from desktop_app.sandbox.server import SandboxServer
from desktop_app.settings.profiles import SANDBOX_PROFILE
from desktop_app.store.history import HistoryStore
from desktop_app.usecases.desk import VerifyDesk
from desktop_app.usecases.desk_v2 import StartedV2, VerifyDeskV2, is_v2_entry, open_desk_v2
from desktop_app.usecases.session import open_desk
from tests.helpers.desks import NO_RETRY, SANDBOX_CREDS

NUMBER = "447123450400"


@pytest.fixture
def v2(http: httpx.Client, sandbox: SandboxServer, desk: VerifyDesk) -> VerifyDeskV2:
    client = VerifyV2Client(http, SANDBOX_CREDS, api_host=sandbox.url, retry=NO_RETRY)
    return open_desk_v2(desk, client)


def _form(*channels: str, number: str = NUMBER, **fields: str) -> V2Form:
    return V2Form(brand="Acme", channels=[V2ChannelForm(c, number) for c in channels], **fields)


def _wrong(code: str) -> str:
    return "".join("1" if c != "1" else "2" for c in code)


def test_start_records_a_v2_row_with_its_channels(
    v2: VerifyDeskV2, history: HistoryStore, control: SandboxControl
) -> None:
    started = v2.start(_form("sms", "voice", channel_timeout="60", code_length="6"))
    assert isinstance(started, StartedV2) and is_v2_request_id(started.request_id)
    assert started.channels == ("sms", "voice") and started.number == NUMBER
    entry = history.get(started.history_id)
    assert entry.api_version == "v2" and entry.kind == "start" and entry.workflow_id is None
    assert entry.channels == "sms,voice" and entry.next_event_wait == 60
    assert entry.code_length == 6 and entry.status == VerificationStatus.IN_PROGRESS
    assert entry.request_id == started.request_id and is_v2_entry(entry)
    calls = history.calls(started.request_id)
    assert [(c.operation, c.outcome) for c in calls] == [("start", "ok")]
    assert control.requests()[0]["request_id"] == started.request_id


def test_check_wrong_then_right(
    v2: VerifyDeskV2, history: HistoryStore, control: SandboxControl
) -> None:
    started = v2.start(_form("sms"))
    code = control.messages(NUMBER)[-1].code
    with pytest.raises(WrongCodeError):
        v2.check(started.request_id, _wrong(code))
    entry = history.find(started.request_id)
    assert entry is not None and entry.last_check_outcome == "INVALID"
    result = v2.check(started.request_id, code)
    assert result.status == "completed"
    entry = history.find(started.request_id)
    assert entry is not None and entry.status == VerificationStatus.SUCCESS
    assert entry.checks_count == 2 and entry.finalized_at is not None
    with pytest.raises(RequestNotFoundError):
        v2.check(started.request_id, code)
    entry = history.find(started.request_id)
    assert entry is not None and entry.last_check_outcome == "NOT FOUND"
    assert entry.status == VerificationStatus.SUCCESS


def test_three_wrong_codes_fail_the_request(
    v2: VerifyDeskV2, history: HistoryStore, control: SandboxControl
) -> None:
    started = v2.start(_form("sms"))
    wrong = _wrong(control.messages(NUMBER)[-1].code)
    for _ in range(2):
        with pytest.raises(WrongCodeError):
            v2.check(started.request_id, wrong)
    with pytest.raises(TooManyAttemptsError):
        v2.check(started.request_id, wrong)
    entry = history.find(started.request_id)
    assert entry is not None and entry.status == VerificationStatus.FAILED


def test_cancel_and_next_workflow(
    v2: VerifyDeskV2, history: HistoryStore, control: SandboxControl
) -> None:
    started = v2.start(_form("sms", "voice"))
    assert v2.next_workflow(started.request_id).command == "next_workflow"
    assert [m.channel for m in control.messages(NUMBER)] == ["sms", "voice"]
    with pytest.raises(NoMoreWorkflowsError):
        v2.next_workflow(started.request_id)
    assert v2.cancel(started.request_id).command == "cancel"
    entry = history.find(started.request_id)
    assert entry is not None and entry.status == VerificationStatus.CANCELLED
    with pytest.raises(RequestNotFoundError):
        v2.cancel(started.request_id)
    ops = [(c.operation, c.outcome) for c in history.calls(started.request_id)]
    assert ops == [("start", "ok"), ("next", "ok"), ("next", "api_error"), ("cancel", "ok"),
                   ("cancel", "api_error")]  # fmt: skip


def test_bad_input_is_refused_before_anything_is_sent(
    v2: VerifyDeskV2, history: HistoryStore, control: SandboxControl
) -> None:
    with pytest.raises(ValidationFailed) as caught:
        v2.start(_form("sms", "whatsapp"))
    assert [e.field for e in caught.value.errors] == ["workflow[1].from"]
    with pytest.raises(ValidationFailed):
        v2.check("not-a-uuid", "1234")
    with pytest.raises(ValidationFailed):
        v2.cancel("0123456789abcdef0123456789abcdef")  # a v1 id
    assert control.requests() == [] and history.recent() == []


def test_409_names_the_live_request_and_refuses_the_row(
    v2: VerifyDeskV2, history: HistoryStore
) -> None:
    live = v2.start(_form("sms"))
    with pytest.raises(ConcurrentVerificationError) as caught:
        v2.start(_form("voice"))
    assert caught.value.request_id == live.request_id
    refused = history.recent()[0]
    assert refused.status == VerificationStatus.REFUSED and live.request_id in refused.last_error


def test_422_keeps_the_api_reasons(
    v2: VerifyDeskV2, history: HistoryStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    from desktop_app.api import v2 as api_v2
    from desktop_app.domain import v2_validation

    monkeypatch.setattr(v2_validation, "check_locale", lambda raw: v2_validation.Checked("xx-yy"))
    monkeypatch.setattr(api_v2, "v2_params_errors", lambda params: [])
    with pytest.raises(InvalidParameterError) as caught:
        v2.start(_form("sms", locale="xx"))
    assert caught.value.invalid_parameters[0][0] == "locale"
    assert history.recent()[0].status == VerificationStatus.REFUSED


def test_search_answers_v2_ids_from_the_history(v2: VerifyDeskV2, control: SandboxControl) -> None:
    started = v2.start(_form("sms"))
    records = v2.search([started.request_id, "6f1c7c1e-0000-4000-8000-000000000000"])
    assert [(r.request_id, r.status) for r in records] == [(started.request_id, "IN PROGRESS")]


def test_open_desk_wires_v2_sharing_the_history(
    http: httpx.Client, sandbox: SandboxServer, tmp_path: Path, control: SandboxControl
) -> None:
    store = HistoryStore(tmp_path / "wired.sqlite3")
    try:
        desk = open_desk(SANDBOX_PROFILE, SANDBOX_CREDS, store, http, sandbox_url=sandbox.url,
                         operator="ann", default_region="GB")  # fmt: skip
        assert desk.v2 is not None and desk.v2.profile == desk.profile
        started = desk.v2.start(_form("sms", number="07123 450401"))  # national, read in GB
        assert started.number == "447123450401"
        entry = store.find(started.request_id)
        assert entry is not None and entry.operator == "ann" and entry.profile == desk.profile
    finally:
        store.close()
