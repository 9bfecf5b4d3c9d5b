"""Drive Verify Desk on a real X display and report whether it fits the screen, step by step.

Run by ``tests/ui/test_fits_screen.py`` in a child process (Qt's xcb platform, a ``DISPLAY``
with a window manager), from the project root::

    python -m tests.ui.screen_fit_driver --out DIR [--home DIR] [--steps start,landline,...]

The app is built as ``main()`` builds it (the shell first, the pages after its first paint), on
a throw-away home. After each step it waits until the window manager has framed the window and
the layout has stopped moving, then writes what :func:`layout_problems` finds and a screenshot
of the whole screen (the root window, so the frame the window manager drew is in it) to
``DIR``. ``DIR/report.json`` lists the steps; the exit status is 0 when every step ran.

Steps (each after the previous one, on the same window):

* ``start``: the first window of a fresh home;
* ``failed-lookup``: a request of an earlier run that the sandbox does not know is selected,
  and its lookup ends in an error;
* ``landline``: a UK landline typed on the Send page (the voice-workflow hint appears);
* ``v2-channels``: Verify v2 with three channels added (four in all);
* ``message-failover``: the Message page open, a WhatsApp text with an SMS failover, two of
  its fields breaking a rule (their messages showing);
* ``settings``: Settings opened on the built-in Sandbox profile, with no keyring;
* ``settings-no-keyring``: a new profile saved there, refused for want of a keyring (the
  notice and its "session only" offer);
* ``analytics-presenter``: presenter mode on (larger type), Settings closed and View →
  Analytics opened on the history of the steps before (the Analytics window is the one
  checked);
* ``grow``: the window resized by hand to 1800x1000 (its geometry is saved at the end, for a
  next run on the same ``--home``).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, QEvent, QEventLoop, QPoint, QRect, QSize
from PySide6.QtWidgets import (
    QAbstractScrollArea,
    QApplication,
    QLayout,
    QMainWindow,
    QScrollArea,
    QSizePolicy,
    QSplitter,
    QTabWidget,
    QWidget,
)

STEPS = ("start", "failed-lookup", "landline", "v2-channels", "message-failover", "settings",
         "settings-no-keyring", "analytics-presenter")
#: The size ``grow`` gives the window: a 1920x1080 screen holds it, a 1024x640 one does not.
GROWN = (1800, 1000)
#: A well-formed v1 request id the sandbox never issued: a request of an earlier run.
UNKNOWN_ID = "0123456789abcdef0123456789abcdef"
LANDLINE = "020 7946 0018"
DEADLINE_S = 30.0


# -- what "fits" means ----------------------------------------------------------------------------


def _rect(widget: QWidget, ancestor: QWidget) -> QRect:
    return QRect(widget.mapTo(ancestor, QPoint(0, 0)), widget.size())


def _text(rect: QRect) -> str:
    return f"{rect.width()}x{rect.height()}+{rect.x()}+{rect.y()}"


def _name(widget: QWidget) -> str:
    parts = []
    current: QWidget | None = widget
    while current is not None and len(parts) < 4:
        label = current.objectName() or current.accessibleName()
        parts.append(f"{type(current).__name__}({label})" if label else type(current).__name__)
        current = current.parentWidget()
    text = getattr(widget, "text", None)
    shown = text() if callable(text) else ""
    suffix = f" text={shown[:40]!r}" if isinstance(shown, str) and shown else ""
    return " < ".join(parts) + suffix


def _layout_widgets(layout: QLayout) -> Iterator[QWidget]:
    index = 0
    while (item := layout.itemAt(index)) is not None:
        index += 1
        if (widget := item.widget()) is not None:
            yield widget
        elif (inner := item.layout()) is not None:
            yield from _layout_widgets(inner)


def placed_widgets(top: QWidget) -> list[QWidget]:
    """Every widget whose place and size a layout, splitter, tab or scroll area decides."""
    placed: dict[int, QWidget] = {}
    for widget in [top, *top.findChildren(QWidget)]:
        children: list[QWidget] = []
        if (layout := widget.layout()) is not None:
            children += list(_layout_widgets(layout))
        if isinstance(widget, QSplitter):
            children += [widget.widget(i) for i in range(widget.count())]
        if isinstance(widget, QTabWidget):
            # Not its tab bar: the tab widget gives it its size hint, less than its minimum.
            children += widget.findChildren(QWidget, "qt_tabwidget_stackedwidget")
        if isinstance(widget, QScrollArea) and widget.widget() is not None:
            children.append(widget.widget())
        if isinstance(widget, QMainWindow):
            children += [w for w in (widget.centralWidget(), widget.statusBar()) if w is not None]
        for child in children:
            if child is not top and child.isVisible():
                placed[id(child)] = child
    return list(placed.values())


def effective_minimum(widget: QWidget) -> QSize:
    """The smallest size a layout promises ``widget`` (Qt's own rule: ``qSmartMinSize``).

    A height-for-width widget without a layout (wrapped text) needs the height its width
    calls for. (A layout's height-for-width is its preferred height, not its least.)
    """
    hint, least, explicit = widget.sizeHint(), widget.minimumSizeHint(), widget.minimumSize()
    policy = widget.sizePolicy()
    sizes = []
    for pol, h, m, e in (
        (policy.horizontalPolicy(), hint.width(), least.width(), explicit.width()),
        (policy.verticalPolicy(), hint.height(), least.height(), explicit.height()),
    ):
        value = 0
        if pol != QSizePolicy.Policy.Ignored:
            value = m if pol.value & QSizePolicy.PolicyFlag.ShrinkFlag.value else max(h, m)
        sizes.append(e if e > 0 else max(value, 0))
    width, height = sizes
    if widget.hasHeightForWidth() and widget.layout() is None and explicit.height() <= 0:
        height = max(widget.heightForWidth(widget.width()), 0)
    return QSize(width, height).boundedTo(widget.maximumSize())


def _in_scrolled_content(widget: QWidget, top: QWidget) -> bool:
    """True for a widget inside a scroll area's viewport: reachable by scrolling, not clipped."""
    parent = widget.parentWidget()
    while parent is not None and parent is not top:
        grand = parent.parentWidget()
        if isinstance(grand, QAbstractScrollArea) and grand.viewport() is parent:
            return True
        parent = grand
    return False


def layout_problems(top: QWidget) -> list[str]:
    """What does not fit in ``top`` (a window or dialog), one sentence each.

    * its frame (the window manager's decorations included) lies within the screen's
      available area;
    * every visible widget a layout places lies within its parent and within ``top`` (inside a
      scroll area: the scroll area does), and is not smaller than its minimum size.
    """
    problems: list[str] = []
    screen = top.screen().availableGeometry()
    frame = frame_of(top)
    if not screen.contains(frame):
        problems.append(f"frame {_text(frame)} is not within the screen {_text(screen)}")
    least = effective_minimum(top)
    if top.width() < least.width() or top.height() < least.height():
        problems.append(f"{_name(top)} {top.width()}x{top.height()} is smaller than its "
                        f"minimum {least.width()}x{least.height()}")
    bounds = top.rect()
    for widget in placed_widgets(top):
        size = widget.size()
        least = effective_minimum(widget)
        if size.width() < least.width() or size.height() < least.height():
            problems.append(f"{_name(widget)} {size.width()}x{size.height()} is smaller than "
                            f"its minimum {least.width()}x{least.height()}")
        if _in_scrolled_content(widget, top):
            continue
        parent = widget.parentWidget()
        if parent is not None and parent is not top:
            own = QRect(widget.pos(), size)
            if not parent.rect().contains(own):
                problems.append(f"{_name(widget)} at {_text(own)} overflows its parent "
                                f"({parent.width()}x{parent.height()})")
                continue
        placed = _rect(widget, top)
        if not bounds.contains(placed):
            problems.append(f"{_name(widget)} at {_text(placed)} is outside the window "
                            f"({top.width()}x{top.height()})")
    return problems


# -- waiting --------------------------------------------------------------------------------------


def wait_until(condition: Callable[[], bool], what: str, timeout_s: float = DEADLINE_S) -> None:
    """Process events until ``condition()`` holds; fail after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit(f"screen_fit_driver: timed out waiting for {what}")
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)


def frame_of(top: QWidget) -> QRect:
    """The window's frame as the window manager has it (``QWidget.frameGeometry`` can lag)."""
    handle = top.windowHandle()
    return handle.frameGeometry() if handle is not None else top.frameGeometry()


def _snapshot(top: QWidget) -> tuple[Any, ...]:
    return (frame_of(top).getRect(), top.geometry().getRect(),
            tuple(_rect(w, top).getRect() for w in placed_widgets(top)))


def settle(top: QWidget) -> None:
    """Wait until ``top`` is framed by the window manager and its layout stops moving."""
    def framed() -> bool:
        handle = top.windowHandle()
        return (top.isVisible() and handle is not None and handle.isExposed()
                and handle.frameMargins().top() > 0
                and frame_of(top).width() > top.width() > 1)

    wait_until(framed, f"the window manager to frame {type(top).__name__}")
    stable, last = 0, None
    deadline = time.monotonic() + DEADLINE_S
    while stable < 3:
        QApplication.sync()  # a round trip to the X server: its answers are in
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
        now = _snapshot(top)
        stable = stable + 1 if now == last else 0
        last = now
        if time.monotonic() > deadline:
            raise SystemExit("screen_fit_driver: the layout never settled")
    top.repaint()
    QApplication.sync()


# -- the steps ------------------------------------------------------------------------------------


class Driver:
    """Runs the steps on one app and records what each found."""

    def __init__(self, out: Path, home: Path) -> None:
        from desktop_app.app import build_app

        self.out = out
        self.home = home
        _seed_history(home)
        self.ctx = build_app(home=home, deferred=True)
        self.window = self.ctx.window
        self.report: list[dict[str, Any]] = []
        self.lookups_done: list[str] = []

    def run(self, steps: list[str]) -> None:
        """Run ``steps`` in order, checking the layout and taking a screenshot after each."""
        for step in steps:
            top = getattr(self, "step_" + step.replace("-", "_"))()
            self.record(step, top)

    def record(self, step: str, top: QWidget) -> None:
        """Check ``top`` now and save the screen."""
        settle(top)
        shot = self.out / f"{len(self.report) + 1:02d}-{step}.png"
        screen = top.screen()
        screen.grabWindow(0).save(str(shot))
        self.report.append({
            "step": step,
            "screen": _text(screen.geometry()),
            "available": _text(screen.availableGeometry()),
            "window": type(top).__name__,
            "frame": _text(frame_of(top)),
            "problems": layout_problems(top),
            "panes": self.panes() if top is self.window else {},
            "screenshot": str(shot),
        })  # fmt: skip

    def panes(self) -> dict[str, Any]:
        """The main panes' widths (and least widths), for the report."""
        window: Any = self.window
        table = window.recent.table
        header = table.horizontalHeader()
        shown = [header.sectionSize(c) for c in range(header.count())
                 if not header.isSectionHidden(c)]
        return {
            "pages": [window.tabs.width(), window.tabs.minimumSizeHint().width()],
            "recent": [window.recent.width(), window.recent.minimumSizeHint().width()],
            "handset": [window.handset_dock.width() if window.handset_dock.isVisible() else 0,
                        window.handset_dock.minimumSizeHint().width()],
            "table_viewport": table.viewport().width(),
            "columns_shown": len(shown),
            "table_horizontal_scrollbar": table.horizontalScrollBar().isVisible(),
        }

    def step_start(self) -> QWidget:
        ready: list[object] = []
        self.ctx.start()
        wait_until(lambda: self.ctx.populated, "the pages")
        self.ctx.session.profile_changed.connect(ready.append)
        wait_until(lambda: bool(ready) or self.window.badge.text() == "SANDBOX", "the sandbox")
        wait_until(lambda: self.window.handset_dock.isVisible(), "the handset")
        return self.window

    def step_failed_lookup(self) -> QWidget:
        recent = self.window.recent
        recent.records.failed.connect(lambda _rid, message: self.lookups_done.append(message))
        recent.show_request(UNKNOWN_ID)
        wait_until(lambda: bool(self.lookups_done), "the lookup of an unknown request to fail")
        return self.window

    def step_landline(self) -> QWidget:
        form = self.window.send_form
        self.window.tabs.setCurrentIndex(0)
        form.set_region("GB")
        form.number_edit.setText(LANDLINE)
        wait_until(form.landline_hint.isVisible, "the landline hint")
        return self.window

    def step_v2_channels(self) -> QWidget:
        from desktop_app.domain.v2 import EMAIL, VOICE, WHATSAPP

        form = self.window.send_form
        self.window.tabs.setCurrentIndex(0)
        form.v2.set_api("v2")
        builder = form.v2.builder
        for channel in (WHATSAPP, VOICE, EMAIL):
            builder.add_button.click()
            builder.rows[-1].set_channel(channel)
        builder.rows[1].from_edit.setText("447700900001")
        wait_until(lambda: len(builder.rows) == 4 and builder.rows[-1].isVisible(),
                   "four channels")
        return self.window

    def step_message_failover(self) -> QWidget:
        from desktop_app.domain.messages import SMS, TEXT, WHATSAPP

        window: Any = self.window
        page = window.message_page
        window.tabs.setCurrentWidget(page)
        composer = page.composer
        composer.set_channel(WHATSAPP, TEXT)
        composer.failover_check.setChecked(True)
        composer.failover_combo.setCurrentIndex(composer.failover_combo.findData(SMS))
        composer.field("to").setText("07700 900340")  # a rule broken: its message shows
        composer.field("text").setPlainText("Your parcel is on its way")
        composer.field("failover[0].text").setPlainText("x" * 1200)
        wait_until(lambda: composer.field("failover[0].text").isVisible(), "the failover rows")
        return self.window

    def step_grow(self) -> QWidget:
        self.window.resize(*GROWN)
        wait_until(lambda: (self.window.width(), self.window.height()) == GROWN, "the new size")
        return self.window

    def step_settings(self) -> QWidget:
        self.window.settings_action.trigger()
        dialog = self.window.settings_dialog
        wait_until(lambda: dialog is not None and dialog.isVisible(), "the Settings dialog")
        assert dialog is not None
        return dialog

    def step_settings_no_keyring(self) -> QWidget:
        dialog: Any = self.window.settings_dialog
        dialog.add_button.click()
        dialog.name_edit.setText("Live EU")
        dialog.api_key_edit.setText("abcd1234")
        dialog.secret_edit.setText("not-a-real-secret")
        dialog.save_button.click()
        wait_until(dialog.keyring_panel.isVisible, "the no-keyring notice")
        return dialog

    def step_analytics_presenter(self) -> QWidget:
        window: Any = self.window
        if window.settings_dialog is not None:
            window.settings_dialog.close()
        window.set_presenter_mode(True)
        window.analytics_action.trigger()
        page = window.reports_menu.analytics
        wait_until(lambda: page is not None and page.isVisible() and page.report is not None,
                   "the Analytics window's first figures")  # fmt: skip
        return page

    def close(self) -> bool:
        """Shut the app down in order; True when nothing outlived it."""
        dialog = self.window.settings_dialog
        if dialog is not None:
            dialog.close()
        analytics: Any = getattr(self.window, "reports_menu", None)
        if analytics is not None and analytics.analytics is not None:
            analytics.analytics.close()
        clean = bool(self.ctx.shutdown(5000))
        self.window.close()
        self.window.deleteLater()  # now, while the QApplication exists (not at interpreter exit)
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        return clean


def _seed_history(home: Path) -> None:
    """A request an earlier run started: in progress in the history, unknown to this sandbox."""
    from desktop_app.app import HOME_ENV
    from desktop_app.domain.history_writes import NewRequest, RequestChanges
    from desktop_app.domain.models import VerificationStatus
    from desktop_app.settings.paths import AppPaths
    from desktop_app.store.history import HistoryStore

    os.environ[HOME_ENV] = str(home)
    paths = AppPaths.default()
    paths.ensure()
    store = HistoryStore(paths.history_db)
    try:
        row = store.add_request(NewRequest(profile="Sandbox", operator="", kind="start",
                                           number="447700900123", brand="Earlier run",
                                           workflow_id=1))
        store.update_request(row, RequestChanges(request_id=UNKNOWN_ID,
                                                 status=VerificationStatus.IN_PROGRESS))
    finally:
        store.close()


def main(argv: list[str] | None = None) -> int:
    """Run the steps and write ``report.json`` (see the module docstring)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--home", type=Path, required=True)
    parser.add_argument("--steps", default=",".join(STEPS))
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    app = QApplication(sys.argv[:1])
    app.setApplicationName("Verify Desk")
    driver = Driver(args.out, args.home)
    try:
        driver.run([s for s in args.steps.split(",") if s])
    finally:
        clean = driver.close()
        (args.out / "report.json").write_text(json.dumps(
            {"steps": driver.report, "clean_shutdown": clean}, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
