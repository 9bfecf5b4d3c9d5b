"""Walk through send, check, recent requests and analytics on the sandbox; save screenshots.

The pictures show what a person on a 1280x800 laptop sees: the script starts its own virtual
screen of that size with a window manager (``scripts/xscreen.py``: Xvfb and openbox), and the
app sizes its first window to that screen, as it does for anyone::

    scripts/screenshots                     # writes docs/screenshots/*.png
    scripts/screenshots --screen 1024x640   # another screen size
    scripts/screenshots --out /tmp/shots    # somewhere else

The app runs in a child process (Qt on the virtual screen), on a throw-away home, so nothing of
the user's settings or history is touched. Each step waits on the app's own signals or on a
condition, never on fixed sleeps.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from PySide6.QtCore import QCoreApplication, QEvent, QEventLoop, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from scripts.xscreen import XScreen, XScreenError  # noqa: E402

NUMBERS = ("+44 7400 123456", "+44 7400 123457", "+44 7400 123458", "+44 7400 123459")


def wait_until(condition: Callable[[], bool], timeout_s: float = 10.0, what: str = "") -> None:
    """Process events until ``condition()`` holds, or fail after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit(f"screenshots: timed out waiting for {what or condition}")
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)


def settle(ms: int = 300) -> None:
    """Let pending paints and debounced reloads run."""
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def seed_history(db: Path, *, now: float, days: int = 42, count: int = 6000) -> None:
    """Write ``count`` finished requests of the ``days`` before today into the history.

    Deterministic (a fixed seed): countries by calling code with a price each, v1 workflows and
    v2 channel lists, four operators, realistic outcomes and times to verify.
    """
    import random
    import sqlite3

    rng = random.Random(20261206)
    countries = (("447400", "0.0400", 30), ("1202555", "0.0087", 22), ("4915", "0.0910", 12),
                 ("336", "0.0650", 10), ("9198", "0.0058", 9), ("5511", "0.0290", 7),
                 ("6141", "0.0550", 5), ("1416555", "0.0087", 5))  # fmt: skip
    outcomes = (("SUCCESS", 74), ("EXPIRED", 11), ("FAILED", 6), ("CANCELLED", 4),
                ("REFUSED", 3), ("NOT SENT", 2))  # fmt: skip
    first = (now - days * 86_400 - 86_400) * 1_000_000
    rows = []
    for _ in range(count):
        prefix, price, _ = rng.choices(countries, [c[2] for c in countries])[0]
        status = rng.choices([o[0] for o in outcomes], [o[1] for o in outcomes])[0]
        created = int(first + rng.random() * days * 86_400 * 1_000_000)
        v2 = rng.random() < 0.3
        finished = created + int(rng.gauss(70, 25) ** 2 / 40 * 1_000_000 + 8_000_000)
        delivered = status not in ("REFUSED", "NOT SENT")
        rows.append((
            "Sandbox", rng.choice(("ann", "bob", "chen", "dana")), "v2" if v2 else "v1", "start",
            prefix + f"{rng.randrange(10 ** (12 - len(prefix))):0{12 - len(prefix)}d}",
            rng.choice(("Acme", "Globex", "Initech")), None if v2 else rng.choice((1, 1, 2, 4, 6)),
            rng.choice(("sms,voice", "whatsapp,sms", "sms")) if v2 else "",
            f"{rng.getrandbits(128):032x}" if delivered else None, status, created, finished,
            finished, price if delivered else None, "EUR" if delivered else "",
        ))  # fmt: skip
    conn = sqlite3.connect(db)
    with conn:
        conn.executemany(
            "INSERT INTO requests (profile, operator, api_version, kind, number, brand,"
            " workflow_id, channels, request_id, status, created_at, updated_at, finalized_at,"
            " price, currency) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    conn.close()


def main(argv: list[str] | None = None) -> int:
    """Start the virtual screen and run :func:`shoot` on it in a child process."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--screen", default="1280x800", help="the screen's size WxH")
    parser.add_argument("--on-display", action="store_true",
                        help="(internal) take the pictures on $DISPLAY as it is")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    if args.on_display:
        return shoot(args.out)
    logs = Path(tempfile.mkdtemp(prefix="verify-desk-screen-"))
    try:
        with XScreen(args.screen, logs) as screen:
            env = {**os.environ, **screen.env, "QT_QPA_PLATFORM": "xcb"}
            child = [sys.executable, __file__, "--on-display", "--out", str(args.out)]
            return subprocess.run(child, env=env, check=False).returncode
    except XScreenError as exc:
        print(f"screenshots: {exc}", file=sys.stderr)
        return 1


def shoot(out: Path) -> int:
    """Build the app on a temporary home, drive it, save PNGs into ``out``."""
    app = QApplication(sys.argv[:1])
    from desktop_app.api.sandbox_control import SandboxControl
    from desktop_app.app import build_app
    from desktop_app.settings.credentials import SessionCredentialStore

    home = Path(tempfile.mkdtemp(prefix="verify-desk-shots-"))
    ctx = build_app(home=home, credentials=SessionCredentialStore(), poll_ms=200)
    window = ctx.window
    ready: list[object] = []
    ctx.session.profile_changed.connect(ready.append)
    ctx.start()
    wait_until(lambda: bool(ready), what="the sandbox profile")
    control = SandboxControl(ctx.http, ctx.sandbox.url)

    def shot(name: str) -> None:
        # A quiet moment: no background call running (the status bar's busy bar hidden).
        wait_until(lambda: not window.busy_bar.isVisible(), what="a quiet moment")
        settle()
        path = out / name
        window.grab().save(str(path))
        print(f"saved {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")

    def send(number: str, brand: str = "Acme") -> str:
        form = window.send_form
        window.tabs.setCurrentWidget(form)
        form.number_edit.setText(number)
        form.brand_edit.setText(brand)
        sent: list[object] = []
        slot = sent.append
        form.sent.connect(slot)
        form.send_button.click()
        wait_until(lambda: bool(sent), what=f"send to {number}")
        form.sent.disconnect(slot)  # only ours: the window's own slots stay connected
        return str(sent[0].request_id)  # type: ignore[attr-defined]

    def check(code: str) -> None:
        form = window.check_form
        form.code_edit.setText(code)
        done: list[object] = []
        slot = done.append
        form.checked.connect(slot)
        form.check_button.click()
        wait_until(lambda: bool(done), what="a check result")
        form.checked.disconnect(slot)

    def skip_clock(seconds: float) -> None:
        # As the handset's skip does: the window takes the new reading at once (a skip made
        # behind its back shows after its next re-read, up to 5 s later: stale in a picture).
        assert ctx.clock is not None
        ctx.clock.set_reading(control.advance_clock(seconds))

    def digits(number: str) -> str:
        return "".join(c for c in number if c.isdigit())

    # Background: a few requests in other states, so the list looks like a working day.
    failed = send(NUMBERS[1], "Globex")
    for _ in range(3):
        check("0000" if control.messages(digits(NUMBERS[1]))[-1].code != "0000" else "1111")
    cancelled = send(NUMBERS[2], "Initech")
    skip_clock(31)
    cancel_done: list[object] = []
    ctx.verification.cancel(cancelled).on_finished(lambda: cancel_done.append(True))
    wait_until(lambda: bool(cancel_done), what="cancel")
    send(NUMBERS[3], "Umbrella")

    # 1. The send form, filled in, with the number's live validity.
    form = window.send_form
    window.tabs.setCurrentWidget(form)
    form.number_edit.setText(NUMBERS[0])
    form.brand_edit.setText("Acme")
    shot("01-send.png")

    # 2. Sent: the check form opens on it; the code comes from the handset panel.
    rid = send(NUMBERS[0])
    code = control.messages(digits(NUMBERS[0]))[-1].code
    wait_until(lambda: window.handset_panel.messages_tree.topLevelItemCount() >= 4,
               what="the handset panel")
    check(code)
    shot("02-check.png")

    # 3. Recent requests with the details pane on the verified request.
    window.recent.show_request(rid)
    wait_until(lambda: window.recent.model.row_of(rid) is not None, what="the new row")
    # The details come from a search, which shares the API's 1 search/s with the refresher.
    wait_until(lambda: window.recent.details.events_list.count() > 0, timeout_s=15,
               what="the details pane's search result")
    shot("03-recent.png")

    # 4. A verification already running for the number (status 10).
    send_concurrent = window.send_form
    window.tabs.setCurrentWidget(send_concurrent)
    send_concurrent.number_edit.setText(NUMBERS[3])
    send_concurrent.brand_edit.setText("Umbrella")
    send_concurrent.send_button.click()
    wait_until(lambda: window.concurrent_panel.isVisible(), what="the status-10 panel")
    shot("04-already-running.png")

    # 5. The Message page: a WhatsApp text to a customer who has not written in (rejected,
    # 1340) with an SMS failover, both legs in the details pane's delivery timeline.
    from PySide6.QtWidgets import QLineEdit, QPlainTextEdit

    page = window.message_page
    window.tabs.setCurrentWidget(page)
    page.composer.set_channel("whatsapp", "text")
    page.composer.failover_check.setChecked(True)
    page.composer.failover_combo.setCurrentIndex(page.composer.failover_combo.findData("sms"))
    for path, value in {"to": "447700900340", "from": "447700900001",
                        "text": "Your parcel 4711 arrives today", "failover[0].from": "AcmeParcel",
                        "failover[0].text": "Your parcel 4711 arrives today"}.items():  # fmt: skip
        field = page.composer.field(path)
        if isinstance(field, QPlainTextEdit):
            field.setPlainText(value)
        elif isinstance(field, QLineEdit):
            field.setText(value)
    accepted: list[object] = []
    page.sent.connect(accepted.append)
    page.send_button.click()
    wait_until(lambda: bool(accepted), what="the message's acceptance")
    uuid = str(accepted[0].message_uuid)  # type: ignore[attr-defined]
    skip_clock(5)
    window.recent.show_request(uuid)
    timeline = window.recent.details.message_timeline
    wait_until(lambda: any("SMS" in line and "Delivered" in line for line in timeline.lines),
               timeout_s=15, what="the failover's delivery")
    shot("06-message.png")

    # 6. View > Analytics over six weeks of earlier requests (seeded: a fresh home has few).
    seed_history(ctx.paths.history_db, now=time.time())
    window.analytics_action.trigger()
    page = window.reports_menu.analytics
    page.resize(window.width(), window.height())  # as big as the window on this screen
    page.by_combo.setCurrentIndex(page.by_combo.findData("country"))
    wait_until(lambda: page.report is not None and page.report.query.by == "country"
               and page.report.totals.started > 1000, what="the analytics figures")
    settle(600)  # the charts' first layout
    path = out / "05-analytics.png"
    page.grab().save(str(path))
    print(f"saved {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
    page.close()
    page.deleteLater()  # before the app goes: its charts must not outlive the QApplication
    settle(100)

    ok = ctx.shutdown(5000)
    print(f"failed={failed} cancelled={cancelled} shutdown_ok={ok}")
    # The window goes while the QApplication exists, not in the interpreter's teardown.
    window.close()
    window.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    app.quit()
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
