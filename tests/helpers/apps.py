"""The whole app in a temporary home, as the window tests drive it.

:func:`open_app` builds it (``build_app`` with session-only credentials and a 200 ms poll) on a
home folder, starts its built-in sandbox, switches to the first profile and returns once that
profile is active and, on a sandbox profile, the sandbox's clock has been read (so every
countdown already follows the sandbox's time, not this machine's).

Fixtures:

* ``app_home``: the home folder the apps of a test share (``tmp_path / "home"``).
* ``make_app``: opens an app (``open_app``) per call, on ``app_home`` unless told otherwise;
  every app it opened is shut down after the test, and each shutdown must be clean. Calling it
  twice on one home is a restart (shut the first down before).
* ``ctx``: one app from ``make_app``. A module (or test) marked ``pytest.mark.app(...)``
  passes those options: ``shown=True`` shows the window (and waits until it is exposed);
  other keywords go to ``build_app``.

Steps: :func:`control` (the app's sandbox's control API), :func:`send_start` (a start sent from
the window's Send page, as a person does).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol

import pytest

from desktop_app.api.sandbox_control import SandboxControl
from desktop_app.app import AppContext, build_app
from desktop_app.settings.credentials import SessionCredentialStore
from desktop_app.usecases import Started

__all__ = ["MakeApp", "app_home", "control", "ctx", "make_app", "open_app", "send_start"]


def open_app(
    qtbot: Any,
    home: Path,
    monkeypatch: pytest.MonkeyPatch,
    *,
    shown: bool = False,
    **options: Any,
) -> AppContext:
    """A running app on ``home``, on its first profile, its clock read once.

    Args:
        qtbot: The test's ``qtbot`` (the window is registered with it).
        home: The app's home folder (settings, history, logs).
        monkeypatch: Points ``VERIFY_DESK_HOME`` at ``home`` for this test.
        shown: Start it as the launcher does (the window shown, then the profile) and wait
            until the window is exposed; otherwise only the profile is started.
        options: More ``build_app`` keywords (``transport``, ``sandbox_latency``,
            ``credentials``...).
    """
    monkeypatch.setenv("VERIFY_DESK_HOME", str(home))
    context = build_app(
        home=home, **{"credentials": SessionCredentialStore(), "poll_ms": 200, **options}
    )
    qtbot.addWidget(context.window)
    session, clock = context.session, context.clock
    assert session is not None and clock is not None
    with qtbot.waitSignal(session.profile_changed, timeout=5000):
        if shown:
            context.start()
        else:
            context.activate()
    if shown:
        qtbot.waitExposed(context.window)
    if session.current().is_sandbox:
        qtbot.waitUntil(lambda: clock.simulated, timeout=5000)
    return context


class MakeApp(Protocol):
    """The ``make_app`` fixture: ``make_app(home=None, *, shown=False, **build_app_options)``."""

    def __call__(
        self, home: Path | None = None, *, shown: bool = False, **options: Any
    ) -> AppContext: ...


@pytest.fixture
def app_home(tmp_path: Path) -> Path:
    return tmp_path / "home"


@pytest.fixture
def make_app(qtbot: Any, app_home: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[MakeApp]:
    opened: list[AppContext] = []

    def make(home: Path | None = None, *, shown: bool = False, **options: Any) -> AppContext:
        context = open_app(qtbot, home or app_home, monkeypatch, shown=shown, **options)
        opened.append(context)
        return context

    yield make
    clean = [context.shutdown(5000) for context in opened]  # every one, even after a failure
    assert all(clean), "an app's shutdown left a job running"


@pytest.fixture
def ctx(request: pytest.FixtureRequest, make_app: MakeApp) -> AppContext:
    marker = request.node.get_closest_marker("app")
    return make_app(**(marker.kwargs if marker is not None else {}))


def control(ctx: AppContext) -> SandboxControl:
    """The control API of the app's built-in sandbox (its clock, handset, requests)."""
    return SandboxControl(ctx.http, ctx.sandbox.url)


def send_start(qtbot: Any, ctx: AppContext, number: str = "+44 7400 123456") -> Started:
    """Type ``number`` and the brand "Acme" on the Send page, press Send, wait for the answer."""
    form = ctx.window.send_form
    form.number_edit.setText(number)
    form.brand_edit.setText("Acme")
    with qtbot.waitSignal(form.sent, timeout=5000) as blocker:
        form.send_button.click()
    started: Started = blocker.args[0]
    return started
