"""The sandbox over real HTTP on an ephemeral port, with a raw httpx client."""

from __future__ import annotations

import base64
import re
import socket
from collections.abc import Callable
from datetime import datetime

import httpx
import pytest

from desktop_app.sandbox.server import RemoteBindRefused, SandboxConfig, SandboxServer
from tests.helpers.sandbox_api import CREDS, Api

NUMBER = "447700900001"
HEX32 = re.compile(r"[0-9a-f]{32}")


def test_start_check_wrong_then_right_and_search(api: Api) -> None:
    request_id = api.started(NUMBER)
    assert HEX32.fullmatch(request_id)
    code = api.code(NUMBER)
    wrong = "0000" if code != "0000" else "1111"
    assert api.check(request_id, wrong) == {
        "request_id": request_id,
        "status": "16",
        "error_text": "The code provided does not match the expected value",
    }
    ok = api.check(request_id, code)
    assert ok["status"] == "0"
    assert ok["request_id"] == request_id
    assert ok["price"] == "0.05000000" and ok["currency"] == "EUR"
    assert ok["estimated_price_messages_sent"] == "0.04675"
    found = api.search(request_id)
    assert found["status"] == "SUCCESS"
    assert found["account_id"] == "sandbox" and found["number"] == NUMBER
    assert found["sender_id"] == "verify" and found["price"] == "0.05000000"
    assert [c["status"] for c in found["checks"]] == ["INVALID", "VALID"]
    assert [c["code"] for c in found["checks"]] == [wrong, code]
    assert found["checks"][0]["ip_address"] == ""
    assert found["events"][0]["type"] == "sms"
    assert found["events"][0]["id"] == ok["event_id"]
    for name in ("date_submitted", "date_finalized", "first_event_date", "last_event_date"):
        datetime.strptime(found[name], "%Y-%m-%d %H:%M:%S")
    assert api.check(request_id, code)["status"] == "6"  # already verified
    # Success frees the number.
    assert api.start(NUMBER)["status"] == "0"


def test_concurrent_start_returns_the_live_request(api: Api) -> None:
    request_id = api.started(NUMBER)
    again = api.start(NUMBER, brand="Other")
    assert again["status"] == "10"
    assert again["request_id"] == request_id
    assert again["error_text"] == "Concurrent verifications to the same number are not allowed"
    assert again["network"]


def test_three_wrong_codes_fail_the_request(api: Api) -> None:
    request_id = api.started(NUMBER)
    code = api.code(NUMBER)
    wrongs = [c for c in ("1111", "2222", "3333", "4444") if c != code][:3]
    assert [api.check(request_id, c)["status"] for c in wrongs] == ["16", "16", "17"]
    assert api.search(request_id)["status"] == "FAILED"
    assert api.search(request_id)["price"] == "0"
    assert api.check(request_id, code)["status"] == "6"


def test_cancel_too_early_then_allowed(api: Api) -> None:
    request_id = api.started(NUMBER)
    api.advance(10)
    early = api.control(request_id, "cancel")
    assert early == {
        "status": "19",
        "error_text": f"Verification request ['{request_id}'] can't be cancelled within the "
        "first 30 seconds.",
    }
    api.advance(30)
    assert api.control(request_id, "cancel") == {"status": "0", "command": "cancel"}
    found = api.search(request_id)
    assert found["status"] == "CANCELLED"
    assert found["date_finalized"]
    assert api.control(request_id, "cancel") == {
        "status": "6",
        "error_text": f"The requestId '{request_id}' does not exist or its no longer active.",
    }
    assert api.start(NUMBER)["status"] == "0"  # the number is free again


def test_cancel_after_second_event_is_refused(api: Api) -> None:
    request_id = api.started(NUMBER, workflow_id="4", next_event_wait="60", pin_expiry="120")
    api.advance(61)
    late = api.control(request_id, "cancel")
    assert late["status"] == "19"
    assert "Too many attempts to re-deliver" in late["error_text"]


def test_trigger_next_event(api: Api) -> None:
    request_id = api.started(NUMBER, workflow_id="5")
    assert api.control(request_id, "trigger_next_event") == {
        "status": "0",
        "command": "trigger_next_event",
    }
    assert [m["channel"] for m in api.messages(NUMBER)] == ["sms", "tts"]
    assert api.control(request_id, "trigger_next_event") == {
        "status": "19",
        "error_text": f"No more events are left to execute for the request ['{request_id}']",
    }
    tts = api.messages(NUMBER)[-1]
    assert "," in tts["text"] and tts["code"] not in tts["text"]  # digits spelled out


def test_trigger_next_on_workflow_6_is_refused(api: Api) -> None:
    request_id = api.started(NUMBER, workflow_id="6")
    assert api.control(request_id, "trigger_next_event")["status"] == "19"


def test_pin_expiry_expires_the_request(api: Api) -> None:
    request_id = api.started(NUMBER, workflow_id="6", pin_expiry="60", next_event_wait="60")
    code = api.code(NUMBER)
    api.advance(59)
    assert api.search(request_id)["status"] == "IN PROGRESS"
    assert api.search(request_id)["date_finalized"] == ""
    api.advance(2)
    assert api.search(request_id)["status"] == "EXPIRED"
    assert api.check(request_id, code)["status"] == "6"
    assert api.start(NUMBER)["status"] == "0"


def test_events_fire_on_schedule_with_new_pins(api: Api) -> None:
    api.started(NUMBER, workflow_id="2", pin_expiry="120", next_event_wait="120")
    api.advance(240)
    messages = api.messages(NUMBER)
    assert [m["channel"] for m in messages] == ["sms", "sms", "tts"]
    assert len({m["code"] for m in messages}) == 3
    assert api.messages("447700900999") == []


@pytest.mark.parametrize(
    ("number", "status", "text"),
    [
        ("447700900007", "7", "blacklisted"),
        ("447700900009", "9", "Partner quota exceeded"),
        ("447700900015", "15", "not in a supported network"),
        ("447700900029", "29", "demo mode"),
    ],
)
def test_magic_numbers(api: Api, number: str, status: str, text: str) -> None:
    answer = api.start(number)
    assert answer["status"] == status
    assert text in answer["error_text"]
    if status == "7":
        assert answer["network"] == "25503"
    assert api.messages(number) == []


def test_multi_id_search_and_unknown_ids(api: Api) -> None:
    ids = [api.started(f"4477009001{i:02d}") for i in range(3)]
    response = api.http.get(
        "/verify/search/json", params=[*CREDS.items(), *(("request_ids", i) for i in ids)]
    )
    listed = response.json()["verification_requests"]
    assert [r["request_id"] for r in listed] == ids
    assert all(r["status"] == "IN PROGRESS" for r in listed)
    unknown = "f" * 32
    assert api.search(unknown) == {
        "request_id": unknown,
        "status": "101",
        "error_text": "No response found",
    }
    eleven = api.http.get(
        "/verify/search/json", params=[*CREDS.items(), *(("request_ids", unknown),) * 11]
    ).json()
    assert eleven == {"status": "3", "error_text": "Invalid value for param: request_ids"}


def test_throttling(make_sandbox: Callable[..., SandboxServer]) -> None:
    server = make_sandbox(rate_limit=1.0, search_rate_limit=1.0)
    with httpx.Client(base_url=server.url, timeout=10) as client:
        api = Api(client)
        request_id = api.started(NUMBER)
        assert api.start("447700900002") == {
            "request_id": "",
            "status": "1",
            "error_text": "Throttled",
        }
        # Search has its own bucket.
        assert api.search(request_id)["status"] == "IN PROGRESS"
        assert api.search(request_id) == {"status": "1", "error_text": "Throttled"}


def test_credentials(api: Api) -> None:
    base = {"number": NUMBER, "brand": "Acme"}
    wrong = api.http.post("/verify/json", data={**base, "api_key": "sandbox", "api_secret": "x"})
    assert wrong.json() == {"request_id": "", "status": "4", "error_text": "Bad credentials"}
    assert "x" not in wrong.text.replace("error_text", "")
    missing = api.http.post("/verify/json", data=base).json()
    assert missing["status"] == "2" and missing["error_text"] == "Missing api_key"
    basic = "Basic " + base64.b64encode(b"sandbox:sandbox-secret").decode()
    ok = api.http.post("/verify/json", data=base, headers={"Authorization": basic})
    assert ok.json()["status"] == "0"
    balance = api.http.get("/account/get-balance", params={"api_key": "sandbox", "api_secret": "n"})
    assert balance.status_code == 401


@pytest.mark.parametrize(
    ("params", "status", "text"),
    [
        ({"brand": "Acme"}, "2", "missing the mandatory parameter `number`"),
        ({"number": NUMBER}, "2", "missing the mandatory parameter `brand`"),
        ({"number": "+447700900001", "brand": "A"}, "3", "Invalid value for param: number"),
        ({"number": "0447700900001", "brand": "A"}, "3", "Invalid value for param: number"),
        ({"number": "123456", "brand": "A"}, "3", "Invalid value for param: number"),
        ({"number": NUMBER, "brand": "B" * 19}, "3", "Invalid value for param: brand"),
        ({"number": NUMBER, "brand": "A", "sender_id": "S" * 12}, "3", "param: sender_id"),
        ({"number": NUMBER, "brand": "A", "code_length": "5"}, "3", "param: code_length"),
        ({"number": NUMBER, "brand": "A", "lg": "xx-yy"}, "3", "param: lg"),
        ({"number": NUMBER, "brand": "A", "pin_expiry": "59"}, "3", "param: pin_expiry"),
        ({"number": NUMBER, "brand": "A", "next_event_wait": "901"}, "3", "next_event_wait"),
        ({"number": NUMBER, "brand": "A", "workflow_id": "8"}, "3", "param: workflow_id"),
        ({"number": NUMBER, "brand": "A", "pin_code": "12"}, "3", "param: pin_code"),
        ({"number": NUMBER, "brand": "A", "pin_code": "123456"}, "20", "pin_code"),
    ],
)
def test_start_validation(api: Api, params: dict[str, str], status: str, text: str) -> None:
    answer = api.call("/verify/json", **params)
    assert answer["status"] == status
    assert text in answer["error_text"]


def test_custom_pin_when_allowed(make_sandbox: Callable[..., SandboxServer]) -> None:
    server = make_sandbox(allow_pin_code=True)
    with httpx.Client(base_url=server.url, timeout=10) as client:
        api = Api(client)
        request_id = api.started(NUMBER, pin_code="ab12cd")
        assert api.code(NUMBER) == "ab12cd"
        assert api.check(request_id, "ab12cd")["status"] == "0"


def test_psd2_and_check_control_validation(api: Api) -> None:
    answer = api.call("/verify/psd2/json", number=NUMBER, payee="Shop", amount="12.5", lg="de-de")
    assert answer["status"] == "0"
    assert "EUR 12.50 to Shop" in api.messages(NUMBER)[0]["text"]
    bad = api.call("/verify/psd2/json", number=NUMBER, payee="Shop", amount="-1")
    assert bad["error_text"] == "Invalid value for param: amount"
    assert (
        api.call("/verify/psd2/json", number=NUMBER, payee="S", amount="1", lg="en-us")[
            "error_text"
        ]
        == "Invalid value for param: lg"
    )
    assert api.call("/verify/check/json", code="1234")["status"] == "2"
    assert api.call("/verify/check/json", request_id="a" * 33, code="1234")["status"] == "3"
    assert api.call("/verify/control/json", request_id="abc", cmd="explode")["status"] == "3"
    assert api.call("/verify/search/json")["status"] == "2"


def test_json_body_and_get_query(api: Api) -> None:
    response = api.http.post(
        "/verify/json", json={**CREDS, "number": NUMBER, "brand": "Acme", "workflow_id": 6}
    )
    request_id = response.json()["request_id"]
    assert response.json()["status"] == "0"
    got = api.http.get("/verify/search/json", params={**CREDS, "request_id": request_id})
    assert got.json()["status"] == "IN PROGRESS"
    assert got.headers["content-type"].startswith("application/json")


def test_balance_decreases_after_success(api: Api) -> None:
    auth = ("sandbox", "sandbox-secret")
    assert api.http.get("/account/get-balance", auth=auth).json() == {
        "value": 10.5,
        "autoReload": False,
    }
    request_id = api.started(NUMBER)
    assert api.check(request_id, api.code(NUMBER))["status"] == "0"
    assert api.http.get("/account/get-balance", auth=auth).json()["value"] == pytest.approx(10.45)


def test_clock_endpoints(api: Api) -> None:
    before = datetime.fromisoformat(api.http.get("/sandbox/clock").json()["now"])
    after = datetime.fromisoformat(api.advance(3600)["now"])
    assert 3600 <= (after - before).total_seconds() < 3660
    scaled = api.http.post("/sandbox/clock/scale", data={"time_scale": "10"}).json()
    assert scaled["time_scale"] == 10.0
    assert api.http.post("/sandbox/clock/scale", data={"time_scale": "-1"}).status_code == 400
    assert api.http.post("/sandbox/clock/advance", data={"seconds": "nan"}).status_code == 400
    latency = api.http.post("/sandbox/latency", data={"seconds": "0.0"})
    assert latency.json() == {"latency": 0.0}


def test_requests_listing_has_state_and_no_secrets(api: Api) -> None:
    request_id = api.started(NUMBER)
    api.check(request_id, "zzzz")
    response = api.http.get("/sandbox/requests")
    (item,) = response.json()["requests"]
    assert item["request_id"] == request_id
    assert item["status"] == "IN PROGRESS"
    assert item["wrong_attempts"] == 1 and item["events_fired"] == 1
    assert item["pin_expires_at"] and item["next_event_at"]
    assert "sandbox-secret" not in response.text


def test_unknown_path_and_hostile_input(sandbox: SandboxServer, api: Api) -> None:
    missing = api.http.get("/nope?api_secret=sandbox-secret")
    assert missing.status_code == 404
    assert missing.json()["error"] == "Not Found"
    assert "sandbox-secret" not in missing.text
    bad_utf8 = api.http.post(
        "/verify/json",
        content=b"number=%ff%fe&brand=\xff",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert bad_utf8.status_code == 200 and bad_utf8.json()["status"] == "3"
    bad_json = api.http.post(
        "/verify/json", content=b"[1,2", headers={"Content-Type": "application/json"}
    )
    assert bad_json.json()["status"] == "3"
    huge = api.http.post("/verify/json", content=b"a" * (65 * 1024))
    assert huge.status_code == 413
    with socket.create_connection(("127.0.0.1", sandbox.port), timeout=5) as raw:
        raw.sendall(b"POST /verify/json HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n")
        assert raw.recv(4096).startswith(b"HTTP/1.1 400")
    with socket.create_connection(("127.0.0.1", sandbox.port), timeout=5) as raw:
        raw.sendall(b"\x00\xffGARBAGE\r\n\r\n")
        assert raw.recv(4096).startswith(b"HTTP/1.1 400")
    # Still serving afterwards.
    assert api.http.get("/sandbox/clock").status_code == 200


def test_keep_alive_single_connection(api: Api) -> None:
    for _ in range(20):
        response = api.http.get("/sandbox/clock")
        assert response.headers["content-length"] == str(len(response.content))
    assert api.http.get("/sandbox/clock").http_version == "HTTP/1.1"


def test_non_loopback_refused_and_stop_is_idempotent() -> None:
    with pytest.raises(RemoteBindRefused):
        SandboxServer(SandboxConfig(host="0.0.0.0", port=0))
    server = SandboxServer(SandboxConfig(port=0))
    with server:
        assert server.url.startswith("http://127.0.0.1:")
        assert httpx.get(server.url + "/sandbox/clock", timeout=5).status_code == 200
    server.stop()
    with pytest.raises(httpx.ConnectError):
        httpx.get(server.url + "/sandbox/clock", timeout=5)


def test_latency_setting_is_reported(make_sandbox: Callable[..., SandboxServer]) -> None:
    server = make_sandbox(latency=0.2)
    with httpx.Client(base_url=server.url, timeout=10) as client:
        assert client.get("/sandbox/latency").json() == {"latency": 0.2}
        response = client.get("/account/get-balance", auth=("sandbox", "sandbox-secret"))
        assert response.elapsed.total_seconds() >= 0.2
