"""Secrets (issue 5, item 4), the window half: the real app, a live-style profile whose API secret
is a recognisable canary, every window operation and every sandbox fault kind; afterwards no file
the app wrote, no log record, no text the window showed and no child's argument list holds it.

The command-line half is ``test_secrets.py``; this file reuses its conventions (spellings of the
secret, figures). The app is the one ``build_app`` builds (temporary home, session-only credential
store); the live-style profile points at a second sandbox that only accepts the canary secret, so
every call really carries it (form body for v1, HTTP Basic for the Account API and Verify v2).

Two test-only adjustments, both outside the app's code:

* the shared httpx client is built with a 2 s timeout (``build_http_client`` is patched before the
  app builds it lazily), so the ``hang`` fault costs 2 s instead of the default 15 s read timeout;
* the request actions' cancel rule reads "now" 31 s later once the second sandbox's clock was
  advanced by 31 s (the window's clock for a live profile is the wall clock, so without it the
  Cancel action would stay disabled for 30 real seconds).
"""

from __future__ import annotations

import base64
import logging
import os
import sys
import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

import httpx
import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QAbstractItemView, QComboBox, QLabel, QLineEdit, QWidget

from desktop_app import app_launch
from desktop_app.api import http as api_http
from desktop_app.api.sandbox_control import SandboxControl
from desktop_app.app import AppContext, build_app
from desktop_app.sandbox.faults import FAULT_KINDS
from desktop_app.sandbox.server import SandboxConfig, SandboxServer
from desktop_app.settings.credentials import SessionCredentialStore
from desktop_app.ui import messages
from desktop_app.ui import request_actions as request_actions_module
from desktop_app.usecases.logging_setup import LOG_FILE_NAME
from tests.helpers.tasks import settle

from . import figures

# The reliability suite (also run alone by `python -m tests.reliability`): sweeps and
# fault runs, left out of the quick loop (scripts/test --quick).
pytestmark = pytest.mark.slow

SECRET = "Wnd-S3cr3t-7c1d-CANARY"
WRONG = SECRET + "-wrong"
KEY = "acme-key"
LIVE = "Acme live"
WRONG_PROFILE = "Acme wrong"
#: Every client call of the app gives up after this long (see the module doc).
SHORT = httpx.Timeout(2.0)
#: A hang outlives the client's timeout, so the client sees a read timeout.
HANG_SECONDS = 4.0
LATENCY_SECONDS = 0.3
WAIT_MS = 20_000
#: The window operations repeated under every fault kind, and the sandbox route each one uses.
FAULTED_OPERATIONS = (("send", "start"), ("check", "check"), ("search", "search"),
                      ("balance", "balance"))  # fmt: skip


def spellings() -> list[bytes]:
    """Every way the secret could be written: raw, any case, URL-encoded, in a Basic header."""
    raw: list[str] = []
    for secret in (SECRET, WRONG):
        raw += [secret, secret.lower(), secret.upper(), quote(secret, safe=""), quote_plus(secret)]
    basic = [base64.b64encode(f"{KEY}:{s}".encode()) for s in (SECRET, WRONG)]
    return [s.encode() for s in raw] + basic + [b"CANARY"]


def hits_in(data: bytes) -> int:
    return sum(data.count(s) for s in spellings()) + data.lower().count(SECRET.lower().encode())


def text_hits(texts: list[str]) -> int:
    return sum(hits_in(t.encode("utf-8", "surrogatepass")) for t in texts)


class ArmedTransport(httpx.BaseTransport):
    """The network, except that an armed start raises an error httpx never raises.

    It stands for a library bug deep under the client: the frame that raises holds the request
    body (and so the secret) in a local; the message does not.
    """

    def __init__(self) -> None:
        self._inner = httpx.HTTPTransport()
        self._lock = threading.Lock()
        self._armed = 0

    def arm(self) -> None:
        with self._lock:
            self._armed += 1

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        with self._lock:
            fire = self._armed > 0 and request.url.path == "/verify/json"
            self._armed -= int(fire)
        if fire:
            body = request.read()
            assert body  # held by this frame while the exception travels
            raise RuntimeError("the transport broke while writing the request")
        return self._inner.handle_request(request)

    def close(self) -> None:
        self._inner.close()


class Seen:
    """What the window showed (labels, line edits, dialogs, every widget's text at checkpoints)
    and the argument lists of child processes, gathered while the test runs."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.texts: list[str] = []
        self.dialogs: list[str] = []
        self.secret_fields: list[QLineEdit] = []
        self.argv_checked = 0
        self.children: set[int] = set()
        self.snapshots = 0
        label_set, edit_set = QLabel.setText, QLineEdit.setText

        def on_label(widget: QLabel, text: str) -> None:
            self.texts.append(str(text))
            label_set(widget, text)

        def on_edit(widget: QLineEdit, text: str) -> None:
            if not any(widget is field for field in self.secret_fields):
                self.texts.append(str(text))
            edit_set(widget, text)

        monkeypatch.setattr(QLabel, "setText", on_label)
        monkeypatch.setattr(QLineEdit, "setText", on_edit)

        def show_error(_parent: object, text: str, title: str = "Verify Desk") -> None:
            self.dialogs += [title, text]

        def show_info(_parent: object, title: str, text: str) -> None:
            self.dialogs += [title, text]

        def confirm(_parent: object, title: str, text: str) -> bool:
            self.dialogs += [title, text]
            return True

        monkeypatch.setattr(messages, "show_error", show_error)
        monkeypatch.setattr(messages, "show_info", show_info)
        monkeypatch.setattr(messages, "confirm", confirm)

    def snapshot(self, window: QWidget) -> None:
        """Every text the window holds now (the secret field excepted), and the children's argv."""
        self.snapshots += 1
        self.texts += list(_widget_texts(window, self.secret_fields))
        self.check_children()

    def check_children(self) -> None:
        for pid in _child_pids():
            self.children.add(pid)
            try:
                cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
            except OSError:
                continue  # it ended in between
            self.argv_checked += 1
            assert hits_in(cmdline) == 0, pid


def _child_pids() -> set[int]:
    pids: set[int] = set()
    for task in Path("/proc/self/task").iterdir():
        try:
            pids.update(int(p) for p in (task / "children").read_text().split())
        except OSError:
            continue
    return pids


def _has_children(model: Any, index: QModelIndex) -> bool:
    try:
        return bool(model.hasChildren(index))
    except TypeError:  # list and table models keep hasChildren private: flat
        return False


def _model_texts(model: Any, parent: QModelIndex) -> Iterator[str]:
    roles = (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole,
             Qt.ItemDataRole.AccessibleTextRole)  # fmt: skip
    try:
        columns = model.columnCount(parent)
    except TypeError:  # a list model keeps columnCount private: one column
        columns = 1
    for row in range(model.rowCount(parent)):
        for column in range(columns):
            index = model.index(row, column, parent)
            for role in roles:
                value = model.data(index, role)
                if value is not None:
                    yield str(value)
            if column == 0 and _has_children(model, index):
                yield from _model_texts(model, index)


def _widget_texts(window: QWidget, skip: list[QLineEdit]) -> Iterator[str]:
    for widget in [window, *window.findChildren(QWidget)]:
        yield from (widget.windowTitle(), widget.toolTip(), widget.statusTip(),
                    widget.accessibleName(), widget.whatsThis())  # fmt: skip
        if any(widget is field for field in skip):
            continue  # the secret's own input box (checked empty at the end)
        for name in ("text", "placeholderText", "toPlainText", "currentText", "currentMessage"):
            method = getattr(widget, name, None)
            if callable(method):
                try:
                    value = method()
                except TypeError:
                    continue
                if isinstance(value, str):
                    yield value
        if isinstance(widget, QComboBox):
            yield from (widget.itemText(i) for i in range(widget.count()))
        if isinstance(widget, QAbstractItemView) and widget.model() is not None:
            yield from _model_texts(widget.model(), QModelIndex())
    for action in window.findChildren(QAction):
        yield from (action.text(), action.toolTip(), action.statusTip())


def _faults_injected(control: SandboxControl) -> int:
    return sum(int(n) for n in control.faults()["injected"].values())


@pytest.fixture
def live() -> Iterator[SandboxServer]:
    """The live-style account: a second sandbox that only accepts the canary secret."""
    config = SandboxConfig(port=0, api_key=KEY, api_secret=SECRET, rate_limit=0,
                           search_rate_limit=0)  # fmt: skip
    with SandboxServer(config) as server:
        yield server


class Desk:
    """Drives the window's widgets; every operation is counted and followed by a snapshot."""

    def __init__(self, qtbot: Any, ctx: AppContext, seen: Seen, live: SandboxServer,
                 control: SandboxControl) -> None:  # fmt: skip
        self.qtbot, self.ctx, self.seen, self.live, self.control = qtbot, ctx, seen, live, control
        self.window = ctx.window
        self.operations = 0

    def done(self) -> None:
        self.operations += 1
        self.seen.snapshot(self.window)

    # -- settings dialog ---------------------------------------------------------------------

    def dialog(self) -> Any:
        dialog = self.window.settings_dialog
        if dialog is None or not dialog.isVisible():
            self.window.settings_action.trigger()  # (again while shown would raise(): a warning)
        dialog = self.window.settings_dialog
        assert dialog is not None
        if not any(dialog.secret_edit is field for field in self.seen.secret_fields):
            self.seen.secret_fields.append(dialog.secret_edit)
        return dialog

    def save_profile(self, name: str, secret: str) -> None:
        dialog = self.dialog()
        dialog.add_button.click()
        dialog.name_edit.setText(name)
        dialog.api_host_edit.setText(self.live.url)
        dialog.rest_host_edit.setText(self.live.url)
        dialog.api_key_edit.setText(KEY)
        dialog.secret_edit.setText(secret)
        with self.qtbot.waitSignal(self.ctx.session.profiles_changed, timeout=WAIT_MS):
            dialog.save_button.click()
        self.qtbot.waitUntil(lambda: dialog.result_label.text().startswith("Profile "),
                             timeout=WAIT_MS)  # fmt: skip
        assert dialog.result_label.text() == f"Profile {name} saved (secret kept for this session)."
        assert dialog.secret_edit.text() == ""
        self.done()

    def test_connection(self, name: str, typed: str | None = None) -> str:
        """The dialog's Test connection (``SessionService.test_connection``: a balance call)."""
        dialog = self.dialog()
        dialog.select_profile(name)
        dialog.secret_edit.setText(typed or "")
        dialog.test_button.click()
        assert dialog.result_label.text() == "Testing the connection…"
        self.qtbot.waitUntil(lambda: dialog.result_label.text() != "Testing the connection…",
                             timeout=WAIT_MS)  # fmt: skip
        dialog.secret_edit.clear()
        self.done()
        return str(dialog.result_label.text())

    def switch(self, name: str) -> None:
        combo = self.window.profile_combo
        index = combo.findData(name)
        assert index >= 0, name
        with self.qtbot.waitSignal(self.ctx.session.profile_changed, timeout=WAIT_MS):
            combo.setCurrentIndex(index)
            combo.activated.emit(index)
        self.done()

    # -- send and check pages ----------------------------------------------------------------

    def send(self, number: str, *, psd2: bool = False, v2: bool = False) -> str:
        """Fill the Send page and press Send; returns what the page says when it is over."""
        form = self.window.send_form
        self.window.tabs.setCurrentIndex(0)
        form.v2.set_api("v2" if v2 else "v1")
        form.psd2_check.setChecked(psd2)
        form.number_edit.setText(number)
        form.brand_edit.setText("Acme")
        form.payee_edit.setText("Shop")
        form.amount_edit.setText("1.50")
        form.send_button.click()
        assert not form.result_label.text().startswith("Fix the fields"), form.result_label.text()
        self.qtbot.waitUntil(form.send_button.isEnabled, timeout=WAIT_MS)
        self.done()
        text = str(form.result_label.text())
        form.psd2_check.setChecked(False)
        form.v2.set_api("v1")
        return text

    def send_ok(self, number: str, **kwargs: bool) -> str:
        form = self.window.send_form
        with self.qtbot.waitSignal(form.sent, timeout=WAIT_MS) as blocker:
            text = self.send(number, **kwargs)
        assert text.startswith("Code sent."), text
        return str(blocker.args[0].request_id)

    def code_for(self, number: str) -> str:
        return str(self.control.messages(number)[-1].code)

    def check(self, rid: str, code: str) -> str:
        form = self.window.check_form
        self.window.open_check(rid)
        form.code_edit.setText(code)
        with self.qtbot.waitSignal(form.checked, timeout=WAIT_MS):
            form.check_button.click()
        self.done()
        return str(form.result_label.text())

    # -- recent requests ---------------------------------------------------------------------

    def select(self, rid: str) -> None:
        recent = self.window.recent
        recent.show_request(rid)
        self.qtbot.waitUntil(
            lambda: (e := recent.selected_entry()) is not None and e.request_id == rid,
            timeout=WAIT_MS,
        )

    def search(self, rid: str) -> None:
        """Refresh the recent requests with ``rid`` selected: its details are searched again."""
        recent = self.window.recent
        self.select(rid)
        recent.refresh_action.trigger()
        self.qtbot.waitUntil(lambda: recent.records.get(rid) is not None, timeout=WAIT_MS)
        self.done()

    def search_under_fault(self, rid: str) -> None:
        recent = self.window.recent
        self.select(rid)
        recent.refresh_action.trigger()
        # The refresher's background search may meet the fault first: either way one search of
        # the window's ran into it; wait until it fired and no search is left in flight.
        self.qtbot.waitUntil(
            lambda: (
                self.remaining() == 0
                and self.ctx.verification.searches_in_flight() == 0
                and not recent.busy_label.isVisibleTo(recent)
            ),
            timeout=WAIT_MS,
        )
        self.done()

    def action(self, rid: str, action: QAction) -> str:
        recent = self.window.recent
        self.select(rid)
        self.qtbot.waitUntil(action.isEnabled, timeout=WAIT_MS)
        with self.qtbot.waitSignal(recent.request_actions.message, timeout=WAIT_MS) as blocker:
            action.trigger()
        self.done()
        return str(blocker.args[0])

    def remaining(self) -> int:
        return sum(int(rule["remaining"] or 0) for rule in self.control.faults()["rules"])


@pytest.mark.expect_warnings(match="unexpected error")
def test_window_through_every_operation_and_fault_leaves_no_secret_anywhere(
    qtbot: Any,
    tmp_path: Path,
    live: SandboxServer,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)  # every logger, every level
    home = tmp_path / "home"
    monkeypatch.setenv("VERIFY_DESK_HOME", str(home))
    real_build = api_http.build_http_client

    def short_client(transport: Any = None, timeout: Any = None, **options: Any) -> httpx.Client:
        return real_build(transport, timeout=SHORT, **options)  # the app passes server_time

    monkeypatch.setattr(api_http, "build_http_client", short_client)
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)  # the app's hook is installed below
    shift = [timedelta(0)]
    real_blockers = request_actions_module.blockers

    def blockers(entry: Any, record: Any, now: Any) -> dict[str, str]:
        return real_blockers(entry, record, now + shift[0])

    monkeypatch.setattr(request_actions_module, "blockers", blockers)
    seen = Seen(monkeypatch)
    transport = ArmedTransport()
    ctx = build_app(home=home, transport=transport, credentials=SessionCredentialStore(),
                    poll_ms=200)  # fmt: skip
    qtbot.addWidget(ctx.window)
    for name in ("httpx", "httpcore"):  # build_app quiets httpx to WARNING: hear it all here
        caplog.set_level(logging.DEBUG, logger=name)
    with qtbot.waitSignal(ctx.session.profile_changed, timeout=WAIT_MS):
        ctx.activate()
    side = real_build(timeout=httpx.Timeout(10.0))  # the test's own client for the controls
    control = SandboxControl(side, live.url)
    desk = Desk(qtbot, ctx, seen, live, control)
    window = ctx.window
    faulted = handled = 0
    files_seen: set[Path] = set()
    found_in_files = 0

    def search_files() -> None:
        nonlocal found_in_files
        for path in tmp_path.rglob("*"):
            if path.is_file():
                files_seen.add(path)
                found_in_files += hits_in(path.read_bytes())

    try:
        # -- the profile: saved and tested through the Settings dialog, then switched to -----------
        desk.save_profile(LIVE, SECRET)
        desk.save_profile(WRONG_PROFILE, WRONG)
        assert desk.test_connection(LIVE).startswith("Connected.")
        assert desk.test_connection(LIVE, typed=SECRET).startswith("Connected.")
        text = desk.test_connection(LIVE, typed=WRONG)
        assert not text.startswith("Connected.") and text, text
        desk.switch(LIVE)
        assert window.badge.text() == f"LIVE: {LIVE}" and window.badge.is_live
        assert window.connection_label.text() == f"Live profile '{LIVE}' — {live.url}"

        # -- every operation, no fault ----------------------------------------------------------
        a = desk.send_ok("+44 7400 123401")
        assert [r["request_id"] for r in control.requests()] == [a]
        code = desk.code_for("447400123401")
        wrong = "".join("1" if c != "1" else "2" for c in code)
        assert desk.check(a, wrong) == "Wrong code — 2 attempts left"
        assert desk.check(a, code) == "Verified ✓"
        desk.search(a)
        b = desk.send_ok("+44 7400 123402")
        control.advance_clock(31)
        shift[0] = timedelta(seconds=31)
        assert desk.action(b, window.recent.cancel_action) == "Verification cancelled."
        c = desk.send_ok("+44 7400 123403")
        assert desk.action(c, window.recent.next_action) == "Next delivery event triggered."
        desk.search(c)
        desk.send_ok("+44 7400 123404", psd2=True)
        v2 = desk.send_ok("+44 7400 123405", v2=True)
        v2_code = desk.code_for("447400123405")
        v2_wrong = "".join("1" if ch != "1" else "2" for ch in v2_code)
        assert desk.check(v2, v2_wrong).startswith("Wrong code")
        assert desk.check(v2, v2_code) == "Verified ✓"
        assert settle(qtbot, ctx.verification.balance(), timeout=WAIT_MS).error is None
        window.refresh_action.trigger()  # F5: the list, the check page's requests
        qtbot.waitUntil(lambda: not window.recent.busy_label.isVisibleTo(window.recent),
                        timeout=WAIT_MS)  # fmt: skip
        desk.done()

        # -- unexpected errors: a transport bug under a send, then the app's crash hook ----------
        transport.arm()
        text = desk.send("+44 7400 123406")
        # Issue 9: a plain sentence; the exception's type is only under Details (and the log).
        assert text.startswith("Something unexpected went wrong inside Verify Desk"), text
        assert "RuntimeError" not in text
        faulted += 1
        handled += 1
        previous_hook = sys.excepthook
        app_launch.install_excepthook(window)

        def crash(secret: str) -> None:
            assert secret  # the secret is a local of the failing frame, not in the message
            raise RuntimeError("a slot failed")

        try:
            crash(SECRET)
        except RuntimeError:
            sys.excepthook(*sys.exc_info())
        finally:
            sys.excepthook = previous_hook  # later slot errors fail the test again (pytest-qt)
        assert any(t.startswith("Something unexpected went wrong") for t in seen.dialogs)
        assert any(r.levelno == logging.CRITICAL for r in caplog.records)
        desk.done()

        # -- the wrong stored secret: refused, and said so --------------------------------------
        desk.switch(WRONG_PROFILE)
        text = desk.send("+44 7400 123407")
        assert not text.startswith("Code sent."), text
        assert not desk.test_connection(WRONG_PROFILE).startswith("Connected.")
        desk.switch(LIVE)
        search_files()  # mid-run: the history's -wal and -shm files exist now

        # -- the key operations under every fault kind, one fault per operation -----------------
        for k, kind in enumerate(FAULT_KINDS):
            number = f"+44 7400 1235{k:02d}"
            rid = desk.send_ok(number)
            rid_code = desk.code_for(number.replace("+", "").replace(" ", ""))
            for operation, route in FAULTED_OPERATIONS:
                seconds = {"latency": LATENCY_SECONDS, "hang": HANG_SECONDS}.get(kind)
                control.add_fault(route, kind, count=1, seconds=seconds)
                if operation == "send":
                    text = desk.send(f"+44 7400 1236{k:02d}")
                elif operation == "check":
                    text = desk.check(rid, rid_code)
                elif operation == "search":
                    desk.search_under_fault(rid)
                    text = window.recent.message_label.text()
                else:
                    text = desk.test_connection(LIVE)
                assert desk.remaining() == 0, (kind, operation, control.faults())
                assert text != "Testing the connection…" and "Sending" not in text
                control.clear_faults()
                faulted += 1
                handled += 1
        injected = _faults_injected(control)
        assert injected == len(FAULT_KINDS) * len(FAULTED_OPERATIONS)
        # The window still works after all that.
        after = desk.send_ok("+44 7400 123499")
        assert desk.check(after, desk.code_for("447400123499")) == "Verified ✓"
        desk.switch("Sandbox")
        assert window.badge.text() == "SANDBOX"
        search_files()
    finally:
        idle = ctx.shutdown(5000)
        side.close()
    assert idle

    # -- the search --------------------------------------------------------------------------------
    seen.snapshot(window)
    for field in seen.secret_fields:
        assert field.text() == ""
    seen.check_children()
    search_files()
    names = {p.name for p in files_seen}
    assert {"settings.json", "history.sqlite3", LOG_FILE_NAME} <= names, names
    log = (ctx.paths.log_dir / LOG_FILE_NAME).read_text(encoding="utf-8")
    # The log really recorded the run: the live profile, its failures, the crash hook.
    assert f"profile '{LIVE}' is active" in log and "unexpected error" in log
    assert "start failed: ApiTimeoutError" in log
    argv = Path(f"/proc/{os.getpid()}/cmdline").read_bytes()
    found_in_argv = hits_in(argv)
    # caplog's text is formatted when a record is emitted, before the log file's redacting
    # filter rewrites the (shared) record: it is what every logger said, raw.
    found_in_logs = hits_in(caplog.text.encode()) + text_hits(
        [r.getMessage() for r in caplog.records]
    )
    found_in_window = text_hits(seen.texts) + text_hits(seen.dialogs)
    found = found_in_files + found_in_logs + found_in_window + found_in_argv

    figures.add("secret_runs", desk.operations)
    figures.add("faults_injected", injected + 1)  # + the transport's unexpected exception
    figures.add("faults_handled", handled)
    figures.add("files_searched", len(files_seen))
    figures.add("argv_searched", seen.argv_checked + 1)  # + this process's own
    figures.add("log_records_searched", len(caplog.records))
    distinct_texts = len(set(seen.texts) | set(seen.dialogs))
    figures.add("window_texts_searched", distinct_texts)
    figures.add("secrets_found", found)
    figures.note(
        f"window secrets: {desk.operations} operations, {faulted} faulted "
        f"({len(FAULT_KINDS)} kinds x {len(FAULTED_OPERATIONS)} operations + 1 transport bug), "
        f"{len(files_seen)} files, {len(caplog.records)} log records, "
        f"{distinct_texts} distinct texts, {len(seen.children)} child processes: "
        f"{found} hits"
    )
    # Child processes (none expected: the window starts none) had their argv checked on the way.
    assert (found_in_files, found_in_logs, found_in_window, found_in_argv) == (0, 0, 0, 0)
