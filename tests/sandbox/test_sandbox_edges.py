"""The sandbox's edges follow the specs (issue 14, item 7).

* Numbers and digit patterns are ASCII only, as the spec's patterns say (``\\d`` and ``int()``
  used to accept Arabic-Indic and full-width digits, ``0_6`` and `` 6``).
* Verify v1 answers the xml variants of its ``{format}`` (``verify.yml``: ``verify_response``,
  ``verify_request`` with wrapped ``checks``/``events``, ``response``); PSD2 has no XML.
* A known path answers any other method with 405 and ``Allow``.
* Every Verify v2 error is a complete RFC 7807 document (``type``, ``title``, ``detail``,
  ``instance``), whichever layer answers it.
"""

from __future__ import annotations

import socket
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator

import httpx
import pytest

from desktop_app.sandbox.routes import SANDBOX_ROUTES, VERIFY_ROUTES
from desktop_app.sandbox.server import SandboxServer
from tests.helpers.sandbox_health import BASIC, CREDS, fresh_number, is_problem, plain_message

#: ASCII digit -> the same digit in Arabic-Indic (U+0660...) and full-width (U+FF10...) form.
ARABIC = {ord("0") + i: 0x0660 + i for i in range(10)}
FULL_WIDTH = {ord("0") + i: 0xFF10 + i for i in range(10)}


@pytest.fixture
def client(sandbox: SandboxServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=sandbox.url, timeout=10) as c:
        yield c


def _start(client: httpx.Client, path: str = "/verify/json", **fields: str) -> httpx.Response:
    return client.post(path, data={**CREDS, "brand": "Acme", **fields})


# -- ASCII digits only ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("number", "4" + "47700900123".translate(ARABIC)),
        ("number", "447700900123".translate(FULL_WIDTH)),
        ("code_length", "6".translate(ARABIC)),
        ("code_length", " 6"),
        ("pin_expiry", "600".translate(ARABIC)),
        ("next_event_wait", "60".translate(FULL_WIDTH)),
        ("workflow_id", "0_6"),
        ("workflow_id", "+6"),
        ("workflow_id", "6".translate(ARABIC)),
    ],
)
def test_v1_refuses_digits_other_than_ascii(client: httpx.Client, field: str, value: str) -> None:
    fields = {"number": fresh_number(), field: value}
    answer = _start(client, **fields).json()
    assert answer == {
        "request_id": "",
        "status": "3",
        "error_text": f"Invalid value for param: {field}",
    }
    ascii_value = value.translate({ord(c): str(int(c)) for c in value if c.isdigit()})
    if field != "number" and ascii_value.isdigit() and ascii_value.isascii():
        # the same value in ASCII digits is fine
        assert _start(client, **{**fields, field: str(int(ascii_value))}).json()["status"] == "0"


@pytest.mark.parametrize("amount", ["12.5".translate(ARABIC), "inf", "nan", "1_2.5", "-3", "0"])
def test_psd2_amount_is_a_plain_ascii_decimal(client: httpx.Client, amount: str) -> None:
    fields = {"number": fresh_number(), "payee": "Shop", "amount": amount}
    answer = client.post("/verify/psd2/json", data={**CREDS, **fields}).json()
    assert answer["status"] == "3" and answer["error_text"] == "Invalid value for param: amount"
    assert (
        client.post("/verify/psd2/json", data={**CREDS, **fields, "amount": "12.5"}).json()[
            "status"
        ]
        == "0"
    )


@pytest.mark.parametrize(
    "to", ["4" + "47911123456".translate(ARABIC), "447911123456".translate(FULL_WIDTH)]
)
def test_v2_to_is_ascii_digits(client: httpx.Client, to: str) -> None:
    body = {"brand": "Acme", "workflow": [{"channel": "sms", "to": to}]}
    answer = client.post("/v2/verify", json=body, auth=BASIC)
    assert answer.status_code == 422 and is_problem(answer.json())
    assert answer.json()["invalid_parameters"][0]["name"] == "workflow[0]"
    assert client.get("/sandbox/requests").json()["requests"] == []


def test_v2_email_addresses_are_bounded(client: httpx.Client) -> None:
    long = "a" * 250 + "@example.com"
    body = {"brand": "Acme", "workflow": [{"channel": "email", "to": long}]}
    assert client.post("/v2/verify", json=body, auth=BASIC).status_code == 422


def test_too_many_fields_are_called_too_many(client: httpx.Client) -> None:
    form = "&".join(f"f{i}=1" for i in range(201))
    answer = client.post(
        "/verify/json", content=form, headers={"Content-Type": "application/x-www-form-urlencoded"}
    ).json()
    assert answer["status"] == "3"
    assert "more than 200 parameters" in answer["error_text"]
    assert "UTF-8" not in answer["error_text"]
    as_json = client.post("/sandbox/faults", json={f"f{i}": 1 for i in range(201)})
    assert as_json.status_code == 400 and "more than 200" in as_json.json()["error"]


# -- XML variants --------------------------------------------------------------------------------


def _xml(response: httpx.Response, root: str) -> ET.Element:
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/xml")
    assert response.text.startswith('<?xml version="1.0" encoding="UTF-8"?>')
    element = ET.fromstring(response.content)
    assert element.tag == root
    return element


def test_v1_answers_in_xml_as_the_spec_shapes_it(client: httpx.Client) -> None:
    number = fresh_number()
    started = _xml(_start(client, "/verify/xml", number=number), "verify_response")
    assert started.findtext("status") == "0"
    request_id = started.findtext("request_id") or ""
    assert len(request_id) == 32
    wrong = client.post(
        "/verify/check/xml", data={**CREDS, "request_id": request_id, "code": "zz99"}
    )
    refused = _xml(wrong, "verify_response")
    assert refused.findtext("status") == "16" and refused.findtext("error_text")
    found = _xml(
        client.get("/verify/search/xml", params={**CREDS, "request_id": request_id}),
        "verify_request",
    )
    assert found.findtext("number") == number and found.findtext("status") == "IN PROGRESS"
    assert [c.findtext("code") for c in found.findall("checks/check")] == ["zz99"]
    assert [e.findtext("type") for e in found.findall("events/event")] == ["sms"]
    early = _xml(
        client.post(
            "/verify/control/xml", data={**CREDS, "request_id": request_id, "cmd": "cancel"}
        ),
        "response",
    )
    assert early.findtext("status") == "19"
    code = client.get("/sandbox/messages", params={"number": number}).json()["messages"][0]["code"]
    ok = client.post("/verify/check/xml", data={**CREDS, "request_id": request_id, "code": code})
    done = _xml(ok, "verify_response")
    assert done.findtext("status") == "0" and done.findtext("currency") == "EUR"


def test_xml_search_of_several_ids_and_of_none(client: httpx.Client) -> None:
    ids = [_start(client, number=fresh_number()).json()["request_id"] for _ in range(2)]
    params = [*CREDS.items(), *(("request_ids", i) for i in ids)]
    listed = _xml(client.get("/verify/search/xml", params=params), "verification_requests")
    assert [r.findtext("request_id") for r in listed.findall("verify_request")] == ids
    unknown = _xml(
        client.get("/verify/search/xml", params={**CREDS, "request_id": "\x01" + "f" * 31}),
        "verify_request",
    )
    assert unknown.findtext("status") == "101" and unknown.findtext("error_text")


def test_xml_refusals_and_psd2_without_xml(client: httpx.Client) -> None:
    bad = _xml(_start(client, "/verify/xml", number="+44"), "verify_response")
    assert bad.findtext("status") == "3" and bad.findtext("request_id") == ""
    undecodable = client.post(
        "/verify/check/xml",
        content=b"request_id=%ff",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert _xml(undecodable, "verify_response").findtext("status") == "3"
    psd2 = client.post("/verify/psd2/xml", data={**CREDS, "number": fresh_number()})
    assert psd2.status_code == 200 and psd2.json() == {
        "request_id": "",
        "status": "3",
        "error_text": "Invalid value for param: format",
    }


def test_xml_fault_refusals_are_xml(make_sandbox: Callable[..., SandboxServer]) -> None:
    server = make_sandbox(faults=("start:throttle@1", "check:internal_error@1"))
    with httpx.Client(base_url=server.url, timeout=10) as client:
        throttled = _xml(_start(client, "/verify/xml", number=fresh_number()), "verify_response")
        assert throttled.findtext("status") == "1"
        failed = client.post("/verify/check/xml", data={**CREDS, "request_id": "a", "code": "1234"})
        assert _xml(failed, "verify_response").findtext("status") == "5"


# -- methods: 405 with Allow ---------------------------------------------------------------------

V2_PATHS = {
    "/v2/verify": ("POST",),
    "/v2/verify/abc": ("POST", "DELETE"),
    "/v2/verify/abc/next_workflow": ("POST",),
    "/v2/verify/abc/silent-auth/redirect": ("GET",),
}
ALL_PATHS: dict[str, tuple[str, ...]] = {
    **{path: ("GET", "POST") for path in VERIFY_ROUTES},
    "/verify/psd2/xml": ("GET", "POST"),
    "/account/get-balance": ("GET", "POST"),
    **SANDBOX_ROUTES,
    **V2_PATHS,
}
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "TRACE")


@pytest.mark.slow
@pytest.mark.parametrize("path", list(ALL_PATHS))
def test_other_methods_are_405_with_allow(client: httpx.Client, path: str) -> None:
    allowed = ALL_PATHS[path]
    for method in (m for m in METHODS if m not in allowed):
        answer = client.request(method, path)
        assert answer.status_code == 405, (method, path, answer.text)
        assert answer.headers["allow"] == ", ".join(allowed)
        plain_message(answer)
        assert is_problem(answer.json()) == path.startswith("/v2/")
    head = client.head(path)
    assert head.status_code == 405 and head.headers["allow"] == ", ".join(allowed)
    assert head.content == b""
    options = client.options(path)
    assert options.status_code == 204 and options.headers["allow"] == ", ".join(allowed)


def test_unknown_paths_and_methods(sandbox: SandboxServer, client: httpx.Client) -> None:
    assert client.put("/nope").status_code == 404
    assert is_problem(client.get("/v2/verify/a/b/c").json())
    for path, problem in (("/v2/verify", True), ("/verify/json", False)):
        with socket.create_connection(("127.0.0.1", sandbox.port), timeout=5) as raw:
            raw.sendall(f"BREW {path} HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n".encode())
            head, _, body = raw.recv(65536).partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 501")
        assert is_problem(httpx.Response(501, content=body).json()) == problem
        assert b"BREW" in body


# -- every v2 error is a full RFC 7807 document --------------------------------------------------


def _raw(server: SandboxServer, request: bytes) -> tuple[int, bytes]:
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as raw:
        raw.sendall(request)
        head, _, body = raw.recv(65536).partition(b"\r\n\r\n")
    return int(head.split()[1]), body


def test_every_v2_error_is_a_full_problem(make_sandbox: Callable[..., SandboxServer]) -> None:
    server = make_sandbox(rate_limit=1000.0)
    throttled = make_sandbox(rate_limit=1.0, faults=("v2_check:internal_error@1",))
    sms = {"brand": "Acme", "workflow": [{"channel": "sms", "to": "447911123456"}]}
    silent = {"brand": "Acme", "workflow": [{"channel": "silent_auth", "to": "447911123457"}]}
    seen: dict[int, httpx.Response] = {}
    with httpx.Client(base_url=server.url, timeout=10, auth=BASIC) as c:
        live = c.post("/v2/verify", json=sms).json()["request_id"]
        sa = c.post("/v2/verify", json=silent).json()["request_id"]
        for answer in (
            c.post("/v2/verify", content=b"{nope"),  # 400 bad JSON
            c.post(f"/v2/verify/{live}", json={"code": "zzzz"}),  # 400 wrong code
            c.post("/v2/verify", json=sms, auth=("sandbox", "wrong")),  # 401
            c.post(
                "/v2/verify", json={**sms, "workflow": [{"channel": "sms", "to": "447911120009"}]}
            ),
            c.post("/v2/verify", json={**sms, "fraud_check": False}),  # 403
            c.post("/v2/verify/unknown", json={"code": "1234"}),  # 404
            c.get(f"/v2/verify/{live}"),  # 405
            c.post("/v2/verify", json=sms),  # 409 concurrent
            c.post(f"/v2/verify/{sa}", json={"code": "1234"}),  # 409 no code for silent auth
            c.post(f"/v2/verify/{live}", json={"code": "zzzz"}),
            c.post(f"/v2/verify/{live}", json={"code": "zzzz"}),  # 410
            c.post("/v2/verify", json={"brand": ""}),  # 422
        ):
            assert answer.status_code >= 400, answer.text
            seen[answer.status_code] = answer
            assert is_problem(answer.json()), (answer.status_code, answer.text)
    with httpx.Client(base_url=throttled.url, timeout=10, auth=BASIC) as c:
        c.post("/v2/verify", json=sms)
        for answer in (
            c.post("/v2/verify", json=sms),
            c.post("/v2/verify/x", json={"code": "1234"}),
        ):
            seen[answer.status_code] = answer  # 429 from the engine, 500 from a fault
            assert is_problem(answer.json()), answer.text
    host = b"Host: x\r\n"
    for request in (
        b"POST /v2/verify HTTP/1.1\r\n" + host + b"Transfer-Encoding: chunked\r\n\r\n",  # 411
        b"POST /v2/verify HTTP/1.1\r\n" + host + b"Content-Length: 99999999\r\n\r\n",  # 413
        b"POST /v2/verify HTTP/1.1\r\n" + host + b"Content-Length: -1\r\n\r\n",  # 400
        b"POST /v2/verify HTTP/1.1\r\n" + b"X-Big: " + b"a" * 70_000 + b"\r\n\r\n",  # 431
    ):
        status, body = _raw(server, request)
        assert is_problem(httpx.Response(status, content=body).json()), (status, body[:200])
        seen[status] = httpx.Response(status)
    assert sorted(seen) == [400, 401, 402, 403, 404, 405, 409, 410, 411, 413, 422, 429, 431, 500]
