"""Arbitrary JSON and bytes into the Verify v2 parsers: only results or domain errors."""

from __future__ import annotations

import contextlib
import json
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desktop_app.api.v2_parsing import (
    parse_problem,
    parse_v2_answer,
    parse_v2_check,
    parse_v2_start,
)
from desktop_app.domain.errors import ApiError, VerifyDeskError
from desktop_app.domain.v2 import SmsChannel, V2CheckResult, V2StartParams, V2StartResult
from tests.helpers.mock_api import SECRET, V2Env

SETTINGS = settings(
    max_examples=200, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
OPERATIONS = st.sampled_from(["start", "check", "cancel", "next_workflow"])
STATUSES = st.integers(100, 599) | st.sampled_from(
    [200, 202, 204, 400, 401, 403, 404, 409, 410, 422, 429, 500]
)
KEYS = st.sampled_from(
    [
        "request_id",
        "check_url",
        "status",
        "type",
        "title",
        "detail",
        "instance",
        "invalid_parameters",
        "name",
        "reason",
        "code",
    ]
) | st.text(max_size=4)
scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text()
    | st.just(SECRET)
    | st.sampled_from(["completed", "Conflict", "no more events"])
)
json_values = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(KEYS, children, max_size=8),
    max_leaves=30,
)
EXPECTED = (V2StartResult, V2CheckResult, type(None))


def _answer(operation: str, status: int, content: bytes) -> None:
    try:
        result = parse_v2_answer(operation, status, content, secret=SECRET, request_id="r")
    except VerifyDeskError as error:
        assert SECRET not in str(error) and SECRET not in error.user_message()
        if isinstance(error, ApiError):
            extra = getattr(error, "invalid_parameters", ())
            assert SECRET not in f"{error.title} {error.instance} {extra}"
        return
    assert isinstance(result, EXPECTED)
    assert 200 <= status < 300


@pytest.mark.slow
@SETTINGS
@given(OPERATIONS, STATUSES, json_values)
def test_any_json(operation: str, status: int, data: Any) -> None:
    _answer(operation, status, json.dumps(data).encode())


@SETTINGS
@given(OPERATIONS, STATUSES, st.binary(max_size=300))
def test_any_bytes(operation: str, status: int, content: bytes) -> None:
    _answer(operation, status, content)


@pytest.mark.slow
@SETTINGS
@given(json_values)
def test_success_parsers_on_any_value(data: Any) -> None:
    for parse in (parse_v2_start, parse_v2_check):
        with contextlib.suppress(VerifyDeskError):
            assert isinstance(parse(data), V2StartResult | V2CheckResult)


@SETTINGS
@given(STATUSES, OPERATIONS, st.binary(max_size=200))
def test_problem_is_always_a_domain_error(status: int, operation: str, content: bytes) -> None:
    assert isinstance(parse_problem(status, content, operation=operation), VerifyDeskError)


@SETTINGS
@given(STATUSES, st.binary(max_size=200))
def test_through_the_client(status: int, content: bytes) -> None:
    env = V2Env(httpx.Response(status, content=content))
    try:
        try:
            result = env.client.start(V2StartParams("Acme", (SmsChannel("447911123456"),)))
        except VerifyDeskError:
            return
        assert isinstance(result, V2StartResult)
    finally:
        env.close()
