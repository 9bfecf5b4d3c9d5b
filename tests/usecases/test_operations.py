"""VerifyOperations against a real sandbox: each request goes to its own API family.

The family comes from the request's history row when there is one (a Messages API
``message_uuid`` is a UUID just like a Verify v2 request id), from the id's shape otherwise.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

import desktop_app.usecases.desk_v2 as desk_v2
from desktop_app.api.sandbox_control import SandboxControl
from desktop_app.api.v2 import VerifyV2Client
from desktop_app.domain.api_family import ApiFamily, family_of
from desktop_app.domain.errors import ControlRefusedError, ValidationFailed, WrongCodeError
from desktop_app.domain.models import CheckResult, ControlResult, VerificationStatus
from desktop_app.domain.v2 import V2CheckResult
from desktop_app.domain.v2_validation import V2ChannelForm, V2Form
from desktop_app.domain.validation import StartForm
from desktop_app.sandbox.server import SandboxServer
from desktop_app.store.history import HistoryStore
from desktop_app.usecases.desk import VerifyDesk
from desktop_app.usecases.operations import VerifyOperations
from tests.helpers.desks import NO_RETRY, SANDBOX_CREDS

V1_NUMBER = "447123450500"
V2_NUMBER = "447123450501"
PACKAGE = Path(desk_v2.__file__).resolve().parents[1]


@pytest.fixture
def ops(http: httpx.Client, sandbox: SandboxServer, desk: VerifyDesk) -> VerifyOperations:
    client = VerifyV2Client(http, SANDBOX_CREDS, api_host=sandbox.url, retry=NO_RETRY)
    return VerifyOperations(desk, desk_v2.open_desk_v2(desk, client))


def _v1(ops: VerifyOperations) -> str:
    return ops.start(StartForm(number=f"+{V1_NUMBER}", brand="Acme")).request_id


def _v2(ops: VerifyOperations, *channels: str) -> str:
    form = V2Form(brand="Acme", channels=[V2ChannelForm(c, V2_NUMBER) for c in channels])
    return ops.start_v2(form).request_id


def _wrong(code: str) -> str:
    return "".join("1" if c != "1" else "2" for c in code)


def _operations(history: HistoryStore) -> list[str]:
    return [c.operation for c in reversed(history.recent_calls())]


def _record_as(history: HistoryStore, request_id: str, api_version: str) -> None:
    """Rewrite a row's recorded family, as another front end (or app version) wrote it."""
    history._db.execute(  # white-box: either backend, as a raw statement
        "UPDATE requests SET api_version = ? WHERE request_id = ?", (api_version, request_id)
    )


def test_v1_ids_go_to_verify_v1(
    ops: VerifyOperations, history: HistoryStore, code_for: Callable[[str], str]
) -> None:
    rid = _v1(ops)
    assert ops.family_of(rid) is ApiFamily.V1
    with pytest.raises(WrongCodeError):
        ops.check(rid, _wrong(code_for(V1_NUMBER)))
    with pytest.raises(ControlRefusedError):  # v1's rule: no cancel in the first 30 s
        ops.cancel(rid)
    assert ops.next_event(rid) == ControlResult("trigger_next_event")
    (record,) = ops.search([rid])
    assert record.request_id == rid and record.status == VerificationStatus.IN_PROGRESS
    result = ops.check(rid, code_for(V1_NUMBER))
    assert isinstance(result, CheckResult) and result.request_id == rid
    assert _operations(history) == ["start", "check", "cancel", "next", "search", "check"]


def test_v2_ids_go_to_verify_v2(
    ops: VerifyOperations, history: HistoryStore, control: SandboxControl
) -> None:
    rid = _v2(ops, "sms", "voice")
    assert ops.family_of(rid) is ApiFamily.V2
    assert ops.next_event(rid) == ControlResult("next_workflow")
    assert [m.channel for m in control.messages(V2_NUMBER)] == ["sms", "voice"]
    result = ops.check(rid, control.messages(V2_NUMBER)[-1].code)
    assert isinstance(result, V2CheckResult) and result.status == "completed"
    (record,) = ops.search([rid])  # v2 has no lookup: answered from the history
    assert record.status == VerificationStatus.SUCCESS
    assert _operations(history) == ["start", "next", "check"]  # search sent nothing


def test_v2_cancel_is_allowed_at_once(ops: VerifyOperations, history: HistoryStore) -> None:
    rid = _v2(ops, "sms")
    assert ops.cancel(rid) == ControlResult("cancel")  # v1 would refuse this for 30 s
    found = history.find(rid)
    assert found is not None and found.status == VerificationStatus.CANCELLED


def test_one_search_answers_both_families_v1_first(
    ops: VerifyOperations, history: HistoryStore
) -> None:
    v2_rid, v1_rid = _v2(ops, "sms"), _v1(ops)
    records = ops.search([v2_rid, v1_rid])
    assert [r.request_id for r in records] == [v1_rid, v2_rid]
    assert _operations(history).count("search") == 1  # only v1 went to the API


def test_the_history_row_wins_over_the_id_shape(
    ops: VerifyOperations, history: HistoryStore
) -> None:
    rid = _v2(ops, "sms")  # a UUID, recorded as v2
    _record_as(history, rid, "messages")  # a Messages API message_uuid looks the same
    assert ops.family_of(rid) is ApiFamily.MESSAGES
    for call in (lambda: ops.check(rid, "1234"), lambda: ops.cancel(rid),
                 lambda: ops.next_event(rid), lambda: ops.search([rid])):  # fmt: skip
        with pytest.raises(ValidationFailed) as refused:
            call()
        assert refused.value.errors[0].field == "request_id"
        assert "Messages API" in refused.value.errors[0].message
    assert _operations(history) == ["start"]  # nothing was sent

    _record_as(history, rid, "v1")
    assert ops.family_of(rid) is ApiFamily.V1
    with pytest.raises(ValidationFailed):  # v1 does not take a UUID: refused, not sent to v2
        ops.check(rid, "1234")
    assert _operations(history) == ["start"]


def test_without_a_row_the_shape_decides_and_family_can_be_forced(ops: VerifyOperations) -> None:
    unknown_v2 = "c1b8f1a2-1d5e-4c5b-9f3a-0a1b2c3d4e5f"
    assert ops.family_of(unknown_v2) is ApiFamily.V2
    assert ops.family_of("0123456789abcdef0123456789abcdef") is ApiFamily.V1
    with pytest.raises(ValidationFailed) as refused:  # --api v2 on a v1 id: v2's own rule
        ops.check("0123456789abcdef0123456789abcdef", "1234", family=ApiFamily.V2)
    assert refused.value.errors[0].field == "request_id"


def test_the_rule_in_the_domain() -> None:
    uuid = "C1B8F1A2-1D5E-4C5B-9F3A-0A1B2C3D4E5F"
    assert family_of(uuid) is ApiFamily.V2
    assert family_of(uuid, "messages") is ApiFamily.MESSAGES
    assert family_of(uuid, " V1 ") is ApiFamily.V1
    assert family_of(uuid, "v9") is ApiFamily.V2  # a family this app does not know: the shape
    assert family_of("abc", None) is ApiFamily.V1
    assert [f.label for f in ApiFamily] == ["Verify v1", "Verify v2", "Messages API"]


def test_require_v2_and_v2_unavailable_are_gone() -> None:
    assert not hasattr(desk_v2, "require_v2") and not hasattr(desk_v2, "V2Unavailable")
    sources = [p.read_text(encoding="utf-8") for p in PACKAGE.rglob("*.py")]
    assert not [s for s in sources if "require_v2" in s or "V2Unavailable" in s]
