"""A whole Verify Desk window in a process of its own, driven by lines on stdin (tests only).

``python -m tests.team.window_child --home DIR --profile NAME --history-url URL`` builds the
window as ``desktop_app.app.main`` does (``build_app(deferred=True)``, ``start``, the event loop),
offscreen. The first line read is the shared history's password (never in argv, which other
processes can read); it stands in for the keyring. The profile named must be saved in the home's
settings already; its API secret comes from ``VERIFY_DESK_TEST_SECRET``. The operator is the OS
user the app reads (``LOGNAME``), set by the parent.

Commands, one a line; each answer is one line on stdout:

``send NUMBER``
    Send a code to NUMBER from the Send page. ``sent REQUEST_ID T`` once acknowledged (T: this
    process's ``time.monotonic()``), or ``panel TEXT`` when the "already running" panel names
    who started the live request.
``wait-row REQUEST_ID``
    ``row REQUEST_ID T``: T is when the row first appeared in Recent requests' model (the
    window records every new request id as it lands, so asking late loses nothing).
``quit``
    Close the window; the process exits 0.

``ready`` is printed once the profile is active, the first page of Recent requests is loaded
and the shared history's listener is in place. ``CLOCK_MONOTONIC`` is one clock for every
process on Linux, so a parent can compare two children's T.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Signal
from PySide6.QtWidgets import QApplication

from desktop_app.app import AppContext, build_app
from desktop_app.app_options import parse_args
from desktop_app.domain.history_url import PostgresTarget, parse_history_url
from desktop_app.settings.credentials import SessionCredentialStore

SECRET_ENV = "VERIFY_DESK_TEST_SECRET"


def say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


class Lines(QObject):
    """Lines read from stdin on a thread, handed to the GUI thread (a queued signal)."""

    line = Signal(str)

    def start(self) -> None:
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for text in sys.stdin:
            self.line.emit(text.strip())
        self.line.emit("quit")  # the parent went away


class ShowWatcher(QObject):
    """Calls ``on_show`` each time the watched widget is shown."""

    def __init__(self, on_show: Callable[[], None]) -> None:
        super().__init__()
        self._on_show = on_show

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Show:
            self._on_show()
        return False


class Driver(QObject):
    """Runs the commands against the window (see the module docstring)."""

    listening = Signal()

    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.seen: dict[str, float] = {}
        self.waiting: set[str] = set()
        self._ready_parts: set[str] = set()
        self._sending = False

    def wire(self) -> None:
        """Once populated: watch the model, the Send page and the panel."""
        window = self.ctx.window
        model = window.recent.model
        for signal in (model.modelReset, model.rowsInserted, model.dataChanged,
                       model.layoutChanged):
            signal.connect(self._look)
        window.send_form.sent.connect(self._on_sent)
        self._watcher = ShowWatcher(self._on_panel)
        window.concurrent_panel.agent_label.installEventFilter(self._watcher)
        assert self.ctx.session is not None and self.ctx.history is not None
        self.ctx.session.profile_changed.connect(self._on_profile)
        self.listening.connect(lambda: self._part("listening"))
        window.recent.busy_label.installEventFilter(self)

    def _on_profile(self, _profile: object) -> None:
        # The history is open by now (before the desk): its listener has started.
        self._part("profile")
        history = self.ctx.history
        assert history is not None
        threading.Thread(target=lambda: history.wait_listening(30) and self.listening.emit(),
                         daemon=True).start()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Hide:  # "Refreshing…" hidden: a page is loaded
            self._part("loaded")
        return False

    def _part(self, name: str) -> None:
        if "ready" in self._ready_parts:
            return
        self._ready_parts.add(name)
        if {"profile", "loaded", "listening"} <= self._ready_parts:
            self._ready_parts.add("ready")
            say("ready")

    def _look(self, *_args: object) -> None:
        now = time.monotonic()
        for entry in self.ctx.window.recent.model.rows():
            rid = entry.request_id
            if rid and rid not in self.seen:
                self.seen[rid] = now
                if rid in self.waiting:
                    self.waiting.discard(rid)
                    say(f"row {rid} {now:.6f}")

    def _on_sent(self, started: object) -> None:
        now = time.monotonic()
        if self._sending:
            self._sending = False
            say(f"sent {getattr(started, 'request_id', '')} {now:.6f}")

    def _on_panel(self) -> None:
        if self._sending:
            self._sending = False
            say("panel " + self.ctx.window.concurrent_panel.agent_label.text())

    def run(self, line: str) -> None:
        verb, _, arg = line.partition(" ")
        if verb == "send":
            form = self.ctx.window.send_form
            form.number_edit.setText(arg)
            form.brand_edit.setText("Acme")
            self._sending = True
            form.send_button.click()
        elif verb == "wait-row":
            if arg in self.seen:
                say(f"row {arg} {self.seen[arg]:.6f}")
            else:
                self.waiting.add(arg)
        elif verb == "quit":
            self.ctx.window.close()
        else:
            say(f"error unknown command {line!r}")


def main() -> int:
    args = parse_args(sys.argv[1:])
    password = sys.stdin.readline().strip()
    passwords = SessionCredentialStore()
    target = parse_history_url(args.history_url or "")
    assert isinstance(target, PostgresTarget)
    passwords.set_secret(target.keyring_item, password)
    credentials = SessionCredentialStore()
    credentials.set_secret(args.profile or "", os.environ[SECRET_ENV])
    app = QApplication(sys.argv[:1])
    ctx = build_app(home=args.home, profile=args.profile, credentials=credentials,
                    history_url=args.history_url, history_passwords=passwords,
                    poll_ms=200, deferred=True, log_to_file=False)
    driver = Driver(ctx)
    lines = Lines()
    lines.line.connect(driver.run)
    ctx.window.first_painted.connect(lambda: (ctx.populate(), driver.wire(), lines.start()))
    app.aboutToQuit.connect(ctx.shutdown)
    ctx.start()
    code = app.exec()
    ctx.shutdown()
    return int(code)


if __name__ == "__main__":
    sys.exit(main())
