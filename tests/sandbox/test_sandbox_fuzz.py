"""Hostile input for every sandbox endpoint, generated (issue 14: the hostile-input suite).

Hypothesis sends arbitrary text, raw bytes (as the body, or percent-encoded into the form and
the query string), arbitrary JSON values and odd ``Content-Type`` / ``Authorization`` / ``Host``
headers to each endpoint of a running sandbox. Every request must get an answer (never a closed
connection, never a 5xx, never a trace): an API answer, or a 4xx with one plain sentence.

Controls: a refused call (HTTP 400) must change nothing (state compared before and after on a
frozen clock) and leave every endpoint answering (a v1 and a v2 round trip after each one); an
accepted one is undone before the next example (latency, speed, callbacks and faults reset).
The named cases (``seconds=1e300``, ``3e11``...) are in
``tests/reliability/test_sandbox_hostile.py``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote, quote_from_bytes

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desktop_app.sandbox.server import SandboxConfig, SandboxServer
from tests.helpers.sandbox_health import CREDS, assert_healthy, is_problem, observe, plain_message

# A hypothesis sweep over every endpoint: left out of the quick loop (scripts/test --quick).
pytestmark = pytest.mark.slow

SETTINGS = settings(
    max_examples=30,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)

# Text that looks like a number, nearly: other scripts' digits, signs, spaces, exponents...
numberish = st.from_regex(
    r"[-+ ]?[0-9\u0660-\u0669\uff10-\uff19_.eExXinfa]{0,14} ?", fullmatch=True
)
# Numbers past what a float or a date holds: 1e300, 3e11, 7e-400...
exponents = st.builds("{}e{}".format, st.integers(0, 99), st.integers(-400, 400))
texts = st.one_of(
    numberish,
    exponents,
    st.text(max_size=40),
    st.binary(max_size=40).map(lambda b: b.decode("latin-1")),
    st.floats().map(repr),
    st.integers().map(str),
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | texts,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)
# What a client can put in a header (latin-1, no controls; h11 refuses the rest, and edge spaces).
header_text = st.text(
    st.characters(min_codepoint=0x20, max_codepoint=0xFF, blacklist_characters="\x7f"), max_size=60
).map(str.strip)
content_types = (
    st.sampled_from(
        ["application/x-www-form-urlencoded", "application/json", "text/plain", "", "text/xml"]
    )
    | header_text
)


@st.composite
def payloads(draw: st.DrawFn, names: tuple[str, ...]) -> dict[str, Any]:
    """One way to send ``names``: form, JSON, query string, or a raw body (with its headers)."""
    how = draw(st.sampled_from(["form", "json", "query", "raw"]))
    fields = draw(st.dictionaries(st.sampled_from(names), texts, max_size=len(names)))
    headers = {"Content-Type": draw(content_types)}
    if how == "form":
        body = "&".join(f"{quote(k)}={quote(v.encode())}" for k, v in fields.items())
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        return {"content": body.encode(), "headers": headers, "query": "", "values": fields}
    if how == "json":
        data = {k: draw(json_values) for k in fields}
        headers["Content-Type"] = "application/json"
        shown = {k: v for k, v in data.items() if isinstance(v, str)}
        return {
            "content": json.dumps(data).encode(),
            "headers": headers,
            "query": "",
            "values": shown,
        }
    if how == "query":
        raw = draw(st.dictionaries(st.sampled_from(names), st.binary(max_size=20), max_size=3))
        query = "&".join(f"{k}={quote_from_bytes(v)}" for k, v in raw.items())
        return {"content": b"", "headers": headers, "query": query, "values": {}}
    return {"content": draw(st.binary(max_size=300)), "headers": headers, "query": "", "values": {}}


@pytest.fixture(scope="module")
def client() -> Iterator[httpx.Client]:
    """One frozen-clock sandbox for the module (state compares exactly), and a client."""
    config = SandboxConfig(port=0, time_scale=0, rate_limit=0, search_rate_limit=0)
    with SandboxServer(config) as server, httpx.Client(base_url=server.url, timeout=10) as c:
        yield c


def _send(client: httpx.Client, method: str, path: str, payload: dict[str, Any]) -> httpx.Response:
    url = f"{path}?{payload['query']}" if payload["query"] else path
    headers = {name: value.encode("latin-1") for name, value in payload["headers"].items()}
    return client.request(method, url, content=payload["content"], headers=headers)


# -- controls ------------------------------------------------------------------------------------

CONTROLS = [
    ("POST", "/sandbox/clock/advance", ("seconds",)),
    ("POST", "/sandbox/clock/scale", ("time_scale",)),
    ("POST", "/sandbox/latency", ("seconds",)),
    ("GET", "/sandbox/messages", ("number",)),
    ("POST", "/sandbox/callbacks", ("url",)),
    ("POST", "/sandbox/faults", ("spec", "endpoint", "kind", "count", "probability", "seconds")),
]
NUMERIC = ("/sandbox/clock/advance", "/sandbox/clock/scale", "/sandbox/latency")
#: What undoes an accepted control call before the next example.
RESETS = {
    "/sandbox/clock/scale": ("/sandbox/clock/scale", {"time_scale": "0"}),
    "/sandbox/latency": ("/sandbox/latency", {"seconds": "0"}),
    "/sandbox/callbacks": ("/sandbox/callbacks", {"url": ""}),
    "/sandbox/faults": ("/sandbox/faults/clear", {}),
}


@pytest.mark.parametrize(("method", "path", "names"), CONTROLS, ids=[c[1] for c in CONTROLS])
@SETTINGS
@given(data=st.data())
def test_a_control_call_is_applied_whole_or_refused_changing_nothing(
    client: httpx.Client, method: str, path: str, names: tuple[str, ...], data: st.DataObject
) -> None:
    payload = data.draw(payloads(names))
    before = observe(client)
    answer = _send(client, method, path, payload)
    if answer.status_code == 400:
        plain_message(answer)
        assert observe(client) == before
        assert_healthy(client)
        return
    assert answer.status_code == 200, (answer.status_code, answer.text[:300])
    json.loads(answer.text)
    if path in NUMERIC:  # accepted: it was a number in ASCII digits
        assert all(v.isascii() and v.strip() == v for v in payload["values"].values()), payload
    if path in RESETS:
        reset_path, form = RESETS[path]
        assert client.post(reset_path, data=form).status_code == 200


# -- API endpoints -------------------------------------------------------------------------------

V1_NAMES = ("api_key", "api_secret", "number", "brand", "request_id", "request_ids", "code", "cmd",
            "code_length", "pin_expiry", "next_event_wait", "workflow_id", "lg", "sender_id",
            "country", "payee", "amount", "pin_code")  # fmt: skip
V1_PATHS = [
    "/verify/json",
    "/verify/xml",
    "/verify/psd2/json",
    "/verify/psd2/xml",
    "/verify/check/json",
    "/verify/check/xml",
    "/verify/search/json",
    "/verify/search/xml",
    "/verify/control/json",
    "/verify/control/xml",
    "/account/get-balance",
]
V2_CALLS = [
    ("POST", "/v2/verify"),
    ("POST", "/v2/verify/{id}"),
    ("DELETE", "/v2/verify/{id}"),
    ("POST", "/v2/verify/{id}/next_workflow"),
    ("GET", "/v2/verify/{id}/silent-auth/redirect"),
]
V2_NAMES = ("brand", "workflow", "code", "locale", "channel_timeout", "client_ref", "code_length",
            "fraud_check")  # fmt: skip


DIGIT_FIELDS = ("number", "code_length", "pin_expiry", "next_event_wait", "workflow_id")
#: A v1 answer that is not a refusal: success, or a search that found nothing (no error_text).
ANSWERED = ('"status":"0"', "<status>0</status>", '"status":"101"', "<status>101</status>")


@pytest.mark.parametrize("path", V1_PATHS)
@SETTINGS
@given(data=st.data())
def test_v1_endpoints_answer_hostile_input_plainly(
    client: httpx.Client, path: str, data: st.DataObject
) -> None:
    payload = data.draw(payloads(V1_NAMES))
    if data.draw(st.booleans()):  # with the right credentials, so the values are reached
        payload["query"] = "&".join(f"{k}={v}" for k, v in CREDS.items())
    auth = data.draw(st.none() | header_text)
    if auth is not None:
        payload["headers"]["Authorization"] = auth
    answer = _send(client, data.draw(st.sampled_from(["GET", "POST"])), path, payload)
    if path == "/account/get-balance":
        assert answer.status_code in (200, 400, 401), answer.text[:300]
        json.loads(answer.text)
        return
    assert answer.status_code == 200, (answer.status_code, answer.text[:300])
    if not any(mark in answer.text for mark in ANSWERED):
        plain_message(answer)
    elif "request_id" in answer.text and path.startswith(("/verify/json", "/verify/xml")):
        # A start went through: every number it read was written in ASCII digits.
        sent = payload["values"]
        assert all(sent[k].isascii() for k in DIGIT_FIELDS if k in sent), sent
    assert client.get("/sandbox/clock").status_code == 200


@pytest.mark.parametrize(("method", "path"), V2_CALLS, ids=[f"{m} {p}" for m, p in V2_CALLS])
@SETTINGS
@given(data=st.data())
def test_v2_endpoints_answer_hostile_input_with_problems(
    client: httpx.Client, method: str, path: str, data: st.DataObject
) -> None:
    payload = data.draw(payloads(V2_NAMES))
    request_id = data.draw(st.text(st.characters(blacklist_categories=["Cs"]), max_size=40))
    url = path.replace("{id}", quote(request_id.encode("utf-8"), safe="") or "x")
    auth = data.draw(st.sampled_from([None, "basic"]) | header_text)
    if auth == "basic":
        payload["headers"]["Authorization"] = "Basic c2FuZGJveDpzYW5kYm94LXNlY3JldA=="
    elif auth is not None:
        payload["headers"]["Authorization"] = auth
    host = data.draw(st.sampled_from(["127.0.0.1", "evil.example"]) | header_text)
    payload["headers"]["Host"] = host or "127.0.0.1"
    answer = _send(client, method, url, payload)
    assert answer.status_code < 500, (answer.status_code, answer.text[:300])
    if answer.status_code >= 400:
        assert is_problem(answer.json()), answer.text[:300]
        plain_message(answer)
    assert client.get("/sandbox/clock").status_code == 200


def test_the_sandbox_is_healthy_after_the_fuzzing(client: httpx.Client) -> None:
    assert_healthy(client)
