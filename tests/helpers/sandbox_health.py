"""What a healthy sandbox answers, what its state looks like, and what a plain refusal is.

Used by the hostile-input suites (``tests/sandbox/test_sandbox_fuzz.py``, ``test_sandbox_edges.py``,
``tests/reliability/test_sandbox_hostile.py``): after each refused control call the state
:func:`observe` sees must be unchanged (run the sandbox with ``time_scale=0`` so the clock is
frozen), and :func:`assert_healthy` must pass (clock, messages, requests, a v1 and a v2
start + check round trip).
"""

from __future__ import annotations

import itertools
import json
from typing import Any

import httpx

CREDS = {"api_key": "sandbox", "api_secret": "sandbox-secret"}
BASIC = ("sandbox", "sandbox-secret")
_serial = itertools.count(1)


def fresh_number() -> str:
    """A number no other call in this process used (never one of the magic ``...00NN``)."""
    return f"4479{next(_serial):07d}1"


def observe(client: httpx.Client) -> dict[str, Any]:
    """Everything a refused call must leave as it was.

    The fault plan's ``hits`` are left out: they count every API request, refused or not.
    """
    seen = {
        path: client.get(path).json()
        for path in (
            "/sandbox/clock",
            "/sandbox/latency",
            "/sandbox/callbacks",
            "/sandbox/faults",
            "/sandbox/requests",
            "/sandbox/messages",
        )
    }
    del seen["/sandbox/faults"]["hits"]
    return seen


def assert_healthy(client: httpx.Client) -> None:
    """Every kind of endpoint still answers correctly."""
    clock = client.get("/sandbox/clock")
    assert clock.status_code == 200 and clock.json()["now"], clock.text
    assert isinstance(client.get("/sandbox/requests").json()["requests"], list)
    number = fresh_number()
    started = client.post("/verify/json", data={**CREDS, "number": number, "brand": "Acme"})
    assert started.json()["status"] == "0", started.text
    request_id = started.json()["request_id"]
    checked = client.post(
        "/verify/check/json",
        data={**CREDS, "request_id": request_id, "code": _code(client, number)},
    )
    assert checked.json()["status"] == "0", checked.text
    found = client.get("/verify/search/json", params={**CREDS, "request_id": request_id})
    assert found.json()["status"] == "SUCCESS", found.text
    other = fresh_number()
    body = {"brand": "Acme", "workflow": [{"channel": "sms", "to": other}]}
    v2 = client.post("/v2/verify", json=body, auth=BASIC)
    assert v2.status_code == 202, v2.text
    code = _code(client, other)
    done = client.post(f"/v2/verify/{v2.json()['request_id']}", json={"code": code}, auth=BASIC)
    assert done.status_code == 200 and done.json()["status"] == "completed", done.text


def _code(client: httpx.Client, number: str) -> str:
    messages = client.get("/sandbox/messages", params={"number": number}).json()["messages"]
    return str(messages[-1]["code"])


def plain_message(response: httpx.Response) -> str:
    """The one sentence a refusal carries (``error``, ``error_text`` or a problem's ``detail``).

    Fails unless the body is JSON (or the v1 XML) holding a short, printable message and no
    trace of a Python exception.
    """
    text = response.text
    message: object
    assert "Traceback" not in text and 'File "' not in text, text[:300]
    if response.headers.get("content-type", "").startswith("text/xml"):
        message = text.split("<error_text>", 1)[1].split("</error_text>", 1)[0]
    else:
        body = json.loads(text)
        assert isinstance(body, dict), text[:300]
        message = body.get("error_text") or body.get("detail") or body.get("error")
    assert isinstance(message, str) and 0 < len(message) <= 300, text[:300]
    assert message.isprintable(), message
    return message


def is_problem(body: Any) -> bool:
    """True for a complete RFC 7807 document (``type``, ``title``, ``detail``, ``instance``)."""
    return isinstance(body, dict) and all(
        isinstance(body.get(key), str) and body[key]
        for key in ("type", "title", "detail", "instance")
    )
