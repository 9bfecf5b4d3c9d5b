"""Acceptance (issue 9, plain language): whatever goes wrong, the window speaks plainly.

The real window (``build_app``, its built-in sandbox, a session-only credential store) is driven
through its widgets: every fault kind the sandbox injects (``desktop_app.sandbox.faults``) on
every route the window uses, and every outcome of the test-number catalogue
(``desktop_app.domain.test_numbers``: a new entry is tested by construction), each followed
probe by probe as the catalogue describes it. After every step the widget walker
(``tests/ui/widget_walker.py``) reads every text of every visible widget, and none may hold an
exception class name, "Errno", "status N:" or the API's own error text (recorded from the
answers as they pass the transport) outside a "Details" disclosure. Dialogs count too: the text
``messages.show_error`` is given is checked the same way (its details go under the dialog's own
"Show Details…").

Two test-only adjustments: the shared httpx client gives up after 1.5 s (so a ``hang`` costs
1.5 s, not 15), and confirmations answer Yes (the catalogue's numbers are in a range the app asks
about). Cancels are sent through the view's action slot even while the action is disabled, so the
API's refusals (status 19, a finished request) are seen in the window too.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from desktop_app.api import http as api_http
from desktop_app.api.sandbox_control import SandboxControl
from desktop_app.app import AppContext, build_app
from desktop_app.domain.test_number_types import API_V1, API_V2, wrong_code
from desktop_app.domain.test_numbers import CATALOGUE, CatalogueEntry, Probe
from desktop_app.sandbox.faults import FAULT_KINDS
from desktop_app.settings.credentials import SessionCredentialStore
from desktop_app.ui import messages
from tests.ui.widget_walker import Shown, shown_texts, technical_leaks

SHORT = httpx.Timeout(1.5)
#: The keys of an answer's JSON that hold the API's own words.
_WORD_KEYS = ("error_text", "title", "detail", "reason", "error-code-label")
#: A WhatsApp channel needs a sender the sandbox accepts.
_WHATSAPP_FROM = "447700900001"


class ApiWords(httpx.BaseTransport):
    """The network, noting every text an answer carries in the API's own words."""

    def __init__(self) -> None:
        self._inner = httpx.HTTPTransport()
        self._lock = threading.Lock()
        self.texts: set[str] = set()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self._inner.handle_request(request)
        if "json" in response.headers.get("Content-Type", "") and "/sandbox/" not in str(
                request.url):  # fmt: skip
            response.read()  # a broken body raises here, as it would in the client
            self._note(response.content)
        return response

    def _note(self, body: bytes) -> None:
        try:
            data = json.loads(body)
        except ValueError:
            return
        found: list[str] = []

        def walk(value: Any) -> None:
            if isinstance(value, dict):
                for key, item in value.items():
                    if key in _WORD_KEYS and isinstance(item, str):
                        found.append(item)
                    walk(item)
            elif isinstance(value, list):
                for item in value:
                    walk(item)

        walk(data)
        with self._lock:
            self.texts.update(found)

    def close(self) -> None:
        self._inner.close()


class Desk:
    """Drives the window as a person would, and checks what it shows after each step."""

    def __init__(self, qtbot: Any, ctx: AppContext, words: ApiWords, dialogs: list[str]) -> None:
        self.qtbot, self.ctx, self.words, self.dialogs = qtbot, ctx, words, dialogs
        self.window = ctx.window
        self.control = SandboxControl(ctx.http, ctx.sandbox.url)
        self.leaks: list[str] = []
        self.walks = 0
        self._numbers = iter(range(100, 1000))

    # -- waiting and looking -----------------------------------------------------------------

    def settle(self) -> None:
        """Wait until every runner is idle (twice over, for follow-up tasks) and look."""
        runners = self.ctx.runners
        assert runners is not None
        for _ in range(2):
            self.qtbot.waitUntil(lambda: all(r.active_count() == 0 for r in runners.all()),
                                 timeout=15_000)  # fmt: skip
            self.qtbot.wait(20)

    def look(self, step: str) -> None:
        """Walk every visible widget (and the dialogs shown since) for technical text."""
        self.walks += 1
        shown = shown_texts() + [Shown("dialog", text) for text in self.dialogs]
        self.dialogs.clear()
        self.leaks += [f"{step}: {leak}" for leak in technical_leaks(shown, self.words.texts)]

    def fresh_number(self) -> str:
        """A number no catalogue entry answers specially (no status 10 between steps)."""
        return f"4477009{next(self._numbers):05d}"

    # -- what a person does ------------------------------------------------------------------

    def send(self, number: str, *, api: str = API_V1, channels: tuple[str, ...] = ("sms",)) -> str:
        """Fill the Send page and send; the request id (the live one on 'already running')."""
        window, form = self.window, self.window.send_form
        window.page_actions[0].trigger()
        form.v2.set_api(api)
        email = "@" in number
        form.number_edit.setText("+447700900999" if email else f"+{number}")
        form.brand_edit.setText("Acme")
        if api == API_V2:
            builder = form.v2.builder
            builder.clear()
            for channel in channels:
                row = builder.add_channel(channel)
                if channel == "email":
                    row.to_edit.setText(number)
                if channel == "whatsapp":
                    row.from_edit.setText(_WHATSAPP_FROM)
        sent: list[Any] = []
        form.sent.connect(sent.append)
        form.send_button.click()
        self.settle()
        form.sent.disconnect(sent.append)
        if sent:
            return str(sent[0].request_id)
        panel = window.concurrent_panel
        return panel.request_id if panel.isVisibleTo(window) else ""

    def check(self, request_id: str, code: str) -> None:
        """Type a code for the request on the Check page and check it (if Check is enabled)."""
        if not request_id:
            return
        form = self.window.check_form
        self.window.open_check(request_id)
        self.settle()
        form.code_edit.setText(code)
        if form.check_button.isEnabled():
            form.check_button.click()
            self.settle()

    def select(self, request_id: str) -> None:
        recent = self.window.recent
        recent.show_request(request_id)
        self.qtbot.waitUntil(lambda: (e := recent.selected_entry()) is not None
                             and e.request_id == request_id, timeout=5000)  # fmt: skip
        self.settle()

    def cancel(self, request_id: str) -> None:
        """Cancel from the recent requests (through the action's slot, even while disabled)."""
        if request_id:
            self.select(request_id)
            self.window.recent.request_actions._on_cancel_triggered()
            self.settle()

    def next_event(self, request_id: str) -> None:
        if request_id:
            self.select(request_id)
            self.window.recent.request_actions._on_next_triggered()
            self.settle()

    def search(self, request_id: str) -> None:
        """Look the request up again (what selecting it and Refresh do)."""
        if request_id:
            self.select(request_id)
            records = self.window.recent.records
            records.drop(request_id)
            records.fetch(request_id)
            self.settle()

    def test_connection(self) -> None:
        """Settings > Test connection on the built-in Sandbox profile."""
        self.window.settings_action.trigger()
        dialog: Any = self.window.settings_dialog
        dialog.select_profile("Sandbox")
        dialog.test_button.click()
        self.settle()
        self.look("Settings > Test connection")
        dialog.close()


@pytest.fixture
def desk(qtbot: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Desk]:
    monkeypatch.setenv("VERIFY_DESK_HOME", str(tmp_path))
    real_build = api_http.build_http_client

    def short_client(transport: Any = None, timeout: Any = None, **options: Any) -> httpx.Client:
        return real_build(transport, timeout=SHORT, **options)  # the app passes server_time

    monkeypatch.setattr(api_http, "build_http_client", short_client)
    dialogs: list[str] = []

    def show_error(_parent: object, text: str, title: str = "Verify Desk") -> None:
        dialogs.append(str(text))  # the dialog's text; its details are under "Show Details…"

    monkeypatch.setattr(messages, "show_error", show_error)
    monkeypatch.setattr(messages, "confirm", lambda *_args: True)
    words = ApiWords()
    ctx = build_app(home=tmp_path, transport=words, credentials=SessionCredentialStore(),
                    poll_ms=200)  # fmt: skip
    qtbot.addWidget(ctx.window)
    ctx.window.show()
    with qtbot.waitSignal(ctx.session.profile_changed, timeout=5000):
        ctx.activate()
    yield Desk(qtbot, ctx, words, dialogs)
    assert ctx.shutdown(5000)


# -- every fault kind, on every route the window calls ----------------------------------------

def _fault_seconds(kind: str) -> float | None:
    return {"latency": 0.2, "hang": 5.0}.get(kind)


@pytest.mark.parametrize("kind", FAULT_KINDS)
def test_no_technical_text_after_a_fault(desk: Desk, kind: str) -> None:
    control = desk.control

    def faulted(route: str, step: str, act: Callable[[], object]) -> None:
        control.add_fault(route, kind, count=1, seconds=_fault_seconds(kind))
        act()
        desk.settle()
        desk.look(f"{kind} on {route} ({step})")
        control.clear_faults()

    running = desk.send(desk.fresh_number())
    assert running, "a start without a fault must be accepted"
    faulted("start", "Send", lambda: desk.send(desk.fresh_number()))
    faulted("v2_start", "Send (Verify v2)", lambda: desk.send(desk.fresh_number(), api=API_V2))
    faulted("check", "Check", lambda: desk.check(running, "0000"))
    faulted("search", "lookup", lambda: desk.search(running))
    faulted("control", "next event", lambda: desk.next_event(running))
    faulted("control", "cancel", lambda: desk.cancel(running))
    faulted("balance", "Test connection", desk.test_connection)
    assert control.faults()["injected"], "the faults were played"
    assert desk.walks >= 7
    assert desk.leaks == []


# -- every outcome of the test-number catalogue -----------------------------------------------

def _run_probe(desk: Desk, entry: CatalogueEntry, probe: Probe, request_id: str) -> str:
    """One step of an entry's probe through the window; the request it concerns from now on."""
    code = entry.code or "1234"
    if probe.action == "start":
        return desk.send(entry.number, api=entry.api, channels=entry.channels) or request_id
    if probe.action == "check_right":
        desk.check(request_id, code)
    elif probe.action == "check_wrong":
        desk.check(request_id, wrong_code(code))
    elif probe.action == "cancel":
        desk.cancel(request_id)
    elif probe.action == "search":
        desk.search(request_id)
    elif probe.action == "advance":
        desk.control.advance_clock(probe.seconds)
    return request_id  # "inspect" is the sandbox's own view: nothing to do in the window


_WINDOW_ENTRIES = [e for e in CATALOGUE if e.api in (API_V1, API_V2)]


@pytest.mark.parametrize("entry", _WINDOW_ENTRIES, ids=lambda e: f"{e.api}-{e.outcome}")
def test_no_technical_text_for_any_api_outcome(desk: Desk, entry: CatalogueEntry) -> None:
    request_id = ""
    for step, probe in enumerate(entry.probe, start=1):
        request_id = _run_probe(desk, entry, probe, request_id)
        desk.look(f"{entry.number} step {step} ({probe.describe()})")
    assert desk.walks == len(entry.probe)
    assert desk.leaks == []


def test_the_catalogue_reaches_the_window_for_every_refusal(desk: Desk) -> None:
    """The walker is not looking at nothing: refusals are shown, in plain words."""
    blocked = next(e for e in _WINDOW_ENTRIES if e.outcome == "status 7")
    desk.send(blocked.number)
    line = desk.window.send_form.result_label
    assert line.text().startswith("This number is blocked for verification.")
    assert "blacklisted" in line.details() and "status 7" in line.details()
    assert "blacklisted" in " ".join(desk.words.texts)
    assert not line.disclosure.expanded  # collapsed until asked for
