"""A server's clock offset from its ``Date`` headers (issue 9, item 2: the live clock)."""

from __future__ import annotations

import email.utils
import time

import httpx
import pytest

from desktop_app.api.http import build_http_client, request_json
from desktop_app.api.server_time import ServerTime, origin_of

BASE = 1_800_000_000.0


def date(seconds: float) -> str:
    return email.utils.formatdate(seconds, usegmt=True)


def test_each_answer_narrows_the_offset_to_a_fraction_of_a_second() -> None:
    times = ServerTime()
    assert times.offset("https://api.nexmo.com") is None
    # The server is 600.3 s ahead; its Date is whole seconds.
    for sent in (BASE, BASE + 0.4, BASE + 0.75, BASE + 1.1):
        times.observe("https://api.nexmo.com/verify/json", date(sent + 0.05 + 600.3),
                      sent, sent + 0.1)  # fmt: skip
    offset = times.offset("https://API.nexmo.com:443/")
    assert offset is not None and abs(offset - 600.3) < 0.3


def test_a_server_clock_that_jumps_starts_the_estimate_over() -> None:
    times = ServerTime()
    times.observe("https://h.test/a", date(BASE + 10), BASE, BASE + 0.1)
    times.observe("https://h.test/b", date(BASE + 3600), BASE + 1, BASE + 1.1)
    offset = times.offset("https://h.test")
    assert offset is not None and 3598 < offset < 3600


@pytest.mark.parametrize("header", [None, "", "yesterday", "Tue, 99 Foo 2026 00:00:00 GMT"])
def test_an_unreadable_date_teaches_nothing(header: str | None) -> None:
    times = ServerTime()
    times.observe("https://h.test/", header, BASE, BASE + 0.1)
    assert times.offset("https://h.test/") is None


def test_servers_are_told_apart_by_origin() -> None:
    assert origin_of("https://api.nexmo.com/verify/json?x=1") == "https://api.nexmo.com"
    assert origin_of("http://127.0.0.1:8899/sandbox") == "http://127.0.0.1:8899"
    assert origin_of("http://[::1]:80/") == "http://[::1]"
    assert origin_of("not a url") == ""
    times = ServerTime()
    times.observe("https://a.test/", date(BASE + 100), BASE, BASE)
    assert times.offset("https://b.test/") is None


def test_the_shared_client_learns_from_every_answer() -> None:
    """The capture is at the API boundary: any call through exchange() teaches the offset."""
    ahead = 600.0

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"ok": True}, headers={"Date": date(time.time() + ahead)})

    times = ServerTime()
    with build_http_client(httpx.MockTransport(answer), server_time=times) as http:
        assert http.server_time is times
        request_json(http, "GET", "https://api.ahead.test/account/get-balance")
    offset = times.offset("https://api.ahead.test")
    assert offset is not None and abs(offset - ahead) <= 1.0
