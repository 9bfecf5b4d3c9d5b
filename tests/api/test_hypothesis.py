"""Arbitrary JSON and arbitrary bytes: only dataclasses or domain errors come out."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desktop_app.api import parsing
from desktop_app.api.http import build_http_client, decode_json
from desktop_app.api.retry import RetryPolicy
from desktop_app.api.sandbox_control import SandboxControl
from desktop_app.api.v1 import VerifyV1Client
from desktop_app.domain.errors import VerifyDeskError
from desktop_app.domain.models import StartParams
from tests.helpers.mock_api import CREDS

SETTINGS = settings(
    max_examples=200, deadline=None, database=None,
    suppress_health_check=[HealthCheck.too_slow],
)

scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text()
    | st.sampled_from(["0", "1", "10", "101", "", "IN PROGRESS", "2024-04-03 02:22:37", "1e9"])
)
KEYS = st.sampled_from(
    ["status", "request_id", "error_text", "network", "event_id", "price", "currency",
     "estimated_price_messages_sent", "checks", "events", "date_submitted", "date_received",
     "verification_requests", "command", "value", "autoReload", "messages", "sent_at",
     "requests", "code", "type", "id"]
) | st.text(max_size=5)
json_values = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(KEYS, children, max_size=8),
    max_leaves=30,
)

PARSERS: list[Callable[[Any], Any]] = [
    parsing.parse_start,
    parsing.parse_check,
    parsing.parse_search,
    parsing.parse_search_many,
    parsing.parse_control,
    parsing.parse_balance,
    parsing.parse_messages,
    parsing.parse_sandbox_requests,
]


def _only_typed(call: Callable[[], Any]) -> None:
    try:
        result = call()
    except VerifyDeskError:
        return
    if isinstance(result, tuple | list):
        assert all(dataclasses.is_dataclass(r) or isinstance(r, dict) for r in result)
    else:
        assert dataclasses.is_dataclass(result)


@pytest.mark.slow
@SETTINGS
@given(json_values)
def test_parsers_on_arbitrary_json(value: Any) -> None:
    for parser in PARSERS:
        _only_typed(lambda p=parser: p(value))


@SETTINGS
@given(st.binary(max_size=300))
def test_decode_on_arbitrary_bytes(raw: bytes) -> None:
    for parser in PARSERS:
        _only_typed(lambda p=parser: p(decode_json(raw)))


@SETTINGS
@given(st.binary(max_size=200), st.sampled_from([200, 202, 301, 400, 404, 429, 500, 503]))
def test_client_on_arbitrary_bodies(raw: bytes, status: int) -> None:
    http = build_http_client(httpx.MockTransport(lambda _: httpx.Response(status, content=raw)))
    with http:
        client = VerifyV1Client(
            http, CREDS, api_host="https://h.invalid", retry=RetryPolicy(attempts=1)
        )
        sandbox = SandboxControl(http, "http://s.invalid")
        _only_typed(lambda: client.start(StartParams(number="447700900000", brand="A")))
        _only_typed(lambda: client.search_many(["a", "b"]))
        _only_typed(lambda: client.check("a", "1234"))
        _only_typed(lambda: sandbox.messages())
