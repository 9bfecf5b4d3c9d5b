"""The test-number catalogue: it covers every outcome the issue lists, and its entries are sound."""

from __future__ import annotations

import re

import pytest

from desktop_app.domain import errors
from desktop_app.domain.test_number_types import OutsideWindow
from desktop_app.domain.test_numbers import (
    API_MESSAGES,
    API_V1,
    API_V2,
    APIS,
    CATALOGUE,
    CatalogueEntry,
    entries_for,
    fixed_code,
    lookup,
    wrong_code,
)
from desktop_app.domain.v2 import CHANNELS

PROBE_ACTIONS = {
    "start",
    "check_right",
    "check_wrong",
    "cancel",
    "search",
    "advance",
    "inspect",
    "send",
    "delivery",
}


def _ids(entry: CatalogueEntry) -> str:
    return f"{entry.api}-{entry.number}"


def _start_status(entry: CatalogueEntry) -> str:
    return entry.probe[0].status


def test_v1_statuses_of_the_issue_are_all_there() -> None:
    statuses = {_start_status(e) for e in entries_for(API_V1)} | {
        p.status for e in entries_for(API_V1) for p in e.probe
    }
    wanted = {"0", "2", "3", "6", "7", "9", "10", "15", "16", "17", "19", "29", "101"}
    assert wanted <= statuses
    # ...and each has an entry of its own whose outcome names it.
    outcomes = {e.outcome for e in entries_for(API_V1)}
    assert {f"status {s}" for s in wanted} <= outcomes


def test_v2_outcomes_of_the_issue_are_all_there() -> None:
    outcomes = [e.outcome for e in entries_for(API_V2)]
    for wanted in ("HTTP 202", "HTTP 409", "HTTP 410", "HTTP 429", "expired"):
        assert wanted in outcomes
    assert sum(o.startswith("HTTP 422") for o in outcomes) >= 2  # "422 reasons"
    assert any("fraud" in o for o in outcomes)
    assert any("silent auth" in o and "fallback" in o for o in outcomes)
    failed = {o.removeprefix("delivery failed (").rstrip(")") for o in outcomes
              if o.startswith("delivery failed")}  # fmt: skip
    assert failed == {"sms", "voice", "email", "whatsapp"}


def test_messages_entries_are_the_messages_helpers_recipients() -> None:
    # The numbers the sandbox treats by their ending; the 1340 entry is an ordinary number.
    by_ending = {e.number[-4:]: e for e in entries_for(API_MESSAGES) if e.any_ending}
    assert set(by_ending) == {"4220", "4290", "4020"}
    [window] = [e for e in entries_for(API_MESSAGES) if not e.any_ending]
    assert isinstance(window.behaviour, OutsideWindow) and window.channels == ("whatsapp",)
    assert by_ending["4220"].behaviour.error_code == 1330  # type: ignore[union-attr]
    assert by_ending["4290"].behaviour.error_code == 1260  # type: ignore[union-attr]
    assert by_ending["4020"].probe[0].status == "402"


def test_one_entry_per_number_and_api() -> None:
    keys = [(e.api, e.number) for e in CATALOGUE]
    assert len(keys) == len(set(keys))
    assert [e.api for e in CATALOGUE] == sorted((e.api for e in CATALOGUE), key=APIS.index)


@pytest.mark.parametrize("entry", CATALOGUE, ids=_ids)
def test_entry_is_well_formed(entry: CatalogueEntry) -> None:
    assert entry.api in APIS
    is_email = "@" in entry.number
    assert is_email or re.fullmatch(r"[1-9]\d{6,14}", entry.number)
    if not is_email:
        # Ofcom's drama range: never a real phone.
        assert entry.number.startswith("447700900") or entry.number.startswith("447700904")
    assert entry.demonstrates.endswith(".") and entry.outcome
    assert entry.probe and entry.probe[0].action in ("start", "send")
    assert set(entry.channels) <= set(CHANNELS)
    for number, step in enumerate(entry.probe):
        assert step.action in PROBE_ACTIONS
        assert bool(step.status) != (step.action == "advance")
        # A message's final status (and its error code) is seen after it was sent.
        assert (step.error_code is not None) == (step.action == "delivery")
        if step.action == "delivery":
            assert number > 0 and entry.probe[number - 1].action == "send"
        if step.error:
            kind = getattr(errors, step.error)
            assert issubclass(kind, errors.ApiError)
    if any(p.action.startswith("check") for p in entry.probe):
        assert entry.code is not None  # a check probe is only deterministic with a fixed code


@pytest.mark.parametrize("entry", CATALOGUE, ids=_ids)
def test_lookup_finds_each_entry(entry: CatalogueEntry) -> None:
    assert lookup(entry.api, entry.number) is entry
    other_api = next(a for a in APIS if a != entry.api)
    found = lookup(other_api, entry.number)
    assert found is None or found.api == other_api


def test_any_ending_entries_match_other_prefixes_but_exact_wins() -> None:
    blocked = lookup(API_V1, "447123450007")
    assert blocked is not None and blocked.outcome == "status 7"
    assert lookup(API_V1, "447700900516") is not None
    assert lookup(API_V1, "447123450516") is None  # new numbers match exactly only
    assert lookup(API_V1, "447700900123") is None
    assert lookup(API_V2, "447911120009") is not None  # v2 402, as the sandbox always did


def test_fixed_and_wrong_codes() -> None:
    assert fixed_code("1234", 4) == "1234"
    assert fixed_code("1234", 6) == "123412"
    assert fixed_code("1234", 10) == "1234123412"
    for code in ("1234", "0000", "9999", "123412"):
        wrong = wrong_code(code)
        assert len(wrong) == len(code)
        assert all(a != b for a, b in zip(code, wrong, strict=True))


def test_how_reads_as_steps() -> None:
    entry = lookup(API_V1, "447700900519")
    assert entry is not None
    assert entry.how() == "start -> 0; cancel -> 19; wait 30 s; cancel -> 0"
