"""One start-up measurement in a fresh process: ``python -m benchmarks._startup_child MODE``.

Prints one line, ``PAINTED <time.monotonic()>``, the moment the main window's first exposure
has been handled completely (every widget painted into the backing store and flushed), then
exits at once with ``os._exit`` (nothing after the first paint is timed).

Modes:
    ``bare``: a ``QMainWindow`` with a ``QLabel`` as its central widget (the baseline).
    ``app``: Verify Desk exactly as ``python -m desktop_app --home DIR`` starts it (Sandbox
        profile), via ``desktop_app.app.main``.
    ``app-populated``: the same app, timed at the first paint of the *populated* window (its
        pages built: send and check forms, recent requests, handset dock), not of the shell
        that is painted first. The window's ``populated`` attribute tells them apart (a window
        without one is populated from the start).

How "painted" is detected, the same way for both: an application-wide event filter catches the
first ``Expose`` event of a ``QWindow`` that backs a ``QMainWindow``, lets Qt handle it right
there (``window.event(expose)``: Qt syncs the widget backing store, i.e. paints every visible
widget, and flushes it), counts the ``Paint`` events that this delivered, and only then takes
the timestamp. If that exposure painted nothing (some platforms paint on the next update
request instead), the first ``UpdateRequest`` handled afterwards is timed instead.

``-X importtime`` can be passed to the interpreter for an import profile (stderr), and
``VD_STARTUP_PROFILE=FILE`` dumps a cProfile of everything after the Qt imports up to the paint.
"""

from __future__ import annotations

import os
import sys
import time
from typing import Any

from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QWindow
from PySide6.QtWidgets import QApplication, QLabel, QMainWindow, QWidget


class _FirstPaint(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.paints = 0
        self.armed = False
        self._inside = False

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        kind = event.type()
        if kind == QEvent.Type.Paint:
            self.paints += 1
            return False
        if self._inside:
            return False
        if _WAIT_POPULATED and self.armed and isinstance(obj, QMainWindow):
            # Widgets' repaints arrive as UpdateRequest on the top-level widget on some
            # platforms: time the first one that paints the populated window.
            if kind != QEvent.Type.UpdateRequest or not getattr(obj, "populated", True):
                return False
            return self._paint_now(obj, event, obj.windowHandle())
        if not isinstance(obj, QWindow):
            return False
        if kind == QEvent.Type.Expose or (self.armed and kind == QEvent.Type.UpdateRequest):
            widget = _widget_of(obj)
            if not isinstance(widget, QMainWindow):
                return False
            if _WAIT_POPULATED and not getattr(widget, "populated", True):
                self.armed = True  # the shell: let Qt paint it, wait for the pages
                return False
            return self._paint_now(obj, event, obj)
        return False

    def _paint_now(self, obj: QObject, event: QEvent, window: QWindow | None) -> bool:
        """Let Qt handle ``event`` now (it paints and flushes), then stamp if it painted."""
        before = self.paints
        self._inside = True
        try:
            obj.event(event)  # Qt paints and flushes here, synchronously
        finally:
            self._inside = False
        if self.paints > before and window is not None and window.isExposed():
            _done(self.paints)
        self.armed = True
        return True


def _widget_of(window: QWindow) -> QWidget | None:
    for widget in QApplication.topLevelWidgets():
        if widget.windowHandle() is window:
            return widget
    return None


_PROFILER: Any = None
#: Mode ``app-populated``: time the first paint of the window once its pages exist (a window
#: with a ``populated`` attribute that is False is a shell still waiting for them).
_WAIT_POPULATED = False


def _done(paints: int) -> None:
    stamp = time.monotonic()
    if _PROFILER is not None:
        _PROFILER.disable()
        _PROFILER.dump_stats(os.environ["VD_STARTUP_PROFILE"])
    sys.stdout.write(f"PAINTED {stamp:.6f} {paints}\n")
    sys.stdout.flush()
    os._exit(0)


def main() -> None:
    global _PROFILER, _WAIT_POPULATED
    mode = sys.argv[1]
    if mode == "app-populated":
        mode, _WAIT_POPULATED = "app", True
    if os.environ.get("VD_STARTUP_PROFILE"):  # diagnostic: cProfile up to the first paint
        import cProfile

        _PROFILER = cProfile.Profile()
        _PROFILER.enable()
    app = QApplication(sys.argv[:1])
    spy = _FirstPaint()
    app.installEventFilter(spy)
    if mode == "bare":
        window = QMainWindow()
        window.setWindowTitle("Bare")
        window.setCentralWidget(QLabel("Hello"))
        window.resize(1400, 820)
        window.show()
        app.exec()
    elif mode == "app":
        from desktop_app.app import main as app_main

        app_main(sys.argv[2:])
    else:
        raise SystemExit(f"unknown mode {mode!r}")
    raise SystemExit("the event loop ended before the first paint")


if __name__ == "__main__":
    main()
