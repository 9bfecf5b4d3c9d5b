"""StatusRefresher: batches of at most 10 ids, never two searches in flight or within a second."""

from __future__ import annotations

import itertools

import pytest

from desktop_app.domain.errors import ThrottledError
from desktop_app.domain.validation import StartForm
from desktop_app.services.history import HistoryService
from desktop_app.services.refresher import StatusRefresher
from desktop_app.services.verification import VerificationService
from tests.helpers.desks import build_desk, uk_number
from tests.helpers.tasks import settle

SEARCH = "/verify/search/json"


def _ids_of(form: dict[str, list[str]]) -> list[str]:
    return form.get("request_ids", []) + form.get("request_id", [])


@pytest.mark.slow
def test_25_in_progress_rows_are_searched_in_paced_batches(
    qtbot, make_runner, http, call_log, sandbox_factory, history_store
) -> None:
    server = sandbox_factory(rate_limit=0)  # the 25 starts below must not be throttled
    desk = build_desk(http, server.url, history_store)
    ids = {
        desk.start(StartForm(number=f"+{uk_number(200 + i)}", brand="Desk")).request_id
        for i in range(25)
    }
    assert len(history_store.in_progress(profile="Sandbox")) == 25
    verification = VerificationService(make_runner(8, name="network"), desk)
    history = HistoryService(make_runner(2, name="store"), history_store)
    refresher = StatusRefresher(verification, history, interval_ms=1000)
    seen: set[str] = set()
    batches: list[int] = []
    history_signals: list[None] = []
    verification.history_changed.connect(lambda: history_signals.append(None))

    def on_refreshed(records: tuple[object, ...]) -> None:
        batches.append(len(records))
        seen.update(r.request_id for r in records)

    refresher.refreshed.connect(on_refreshed)
    with qtbot.assertNotEmitted(verification.busy_changed):
        refresher.start()
        # Three batches (10 + 10 + 5) and one more round, to see the pacing repeat.
        qtbot.waitUntil(lambda: seen >= ids and len(batches) >= 4, timeout=20_000)
        refresher.stop()

    searches = sorted(call_log.of(SEARCH), key=lambda call: call[1])
    assert len(searches) >= 4
    assert all(1 <= len(_ids_of(form)) <= 10 for _, _, _, form in searches)
    assert call_log.max_in_flight[SEARCH] == 1
    for (_, start_a, end_a, _), (_, start_b, _, _) in itertools.pairwise(searches):
        assert start_b >= end_a, "two searches overlapped"
        assert start_b - start_a >= 1.0, f"two searches {start_b - start_a:.3f} s apart"
    assert max(batches) == 10
    assert len(history_signals) >= len(batches)  # the use case updates the rows each time


@pytest.mark.slow
def test_refresher_without_rows_sends_nothing(
    qtbot, make_runner, http, call_log, sandbox, history_store
) -> None:
    desk = build_desk(http, sandbox.url, history_store)
    verification = VerificationService(make_runner(name="network"), desk)
    history = HistoryService(make_runner(name="store"), history_store)
    refresher = StatusRefresher(verification, history, interval_ms=1000)
    polls: list[object] = []
    original = history.in_progress

    def counting_in_progress(**kwargs: object) -> object:
        task = original(**kwargs)
        polls.append(task)
        return task

    history.in_progress = counting_in_progress
    with qtbot.assertNotEmitted(refresher.refreshed):
        refresher.start()
        qtbot.waitUntil(lambda: len(polls) >= 2, timeout=5000)
        refresher.stop()
    assert call_log.of(SEARCH) == []


@pytest.mark.slow
def test_watched_ids_are_refreshed_and_dropped_when_final(
    qtbot, make_runner, http, sandbox, history_store
) -> None:
    desk = build_desk(http, sandbox.url, history_store)
    verification = VerificationService(make_runner(name="network"), desk)
    history = HistoryService(make_runner(name="store"), None)  # no history: watch list only
    started = desk.start(StartForm(number=f"+{uk_number(300)}", brand="Desk"))
    from desktop_app.api.sandbox_control import SandboxControl

    code = next(
        m.code
        for m in SandboxControl(http, sandbox.url).messages()
        if m.request_id == started.request_id
    )
    desk.check(started.request_id, code)
    refresher = StatusRefresher(verification, history, interval_ms=1000)
    refresher.watch([started.request_id])
    assert refresher.watched() == (started.request_id,)
    with qtbot.waitSignal(refresher.refreshed, timeout=5000) as blocker:
        refresher.start()
    refresher.stop()
    assert blocker.args[0][0].status == "SUCCESS"
    assert refresher.watched() == ()


@pytest.mark.parametrize("retry_after", [3.0])
def test_throttled_search_backs_off_by_retry_after(qtbot, make_runner, retry_after) -> None:
    verification = VerificationService(make_runner(name="network"))
    history = HistoryService(make_runner(name="store"), None)
    refresher = StatusRefresher(verification, history)
    throttled = ThrottledError(status="1", error_text="Throttled", retry_after=retry_after)
    refresher._on_search_failed((), throttled)
    assert refresher._backoff_s == retry_after
    refresher._on_search_failed((), RuntimeError("boom"))
    assert refresher._backoff_s == 2 * retry_after
    refresher._on_search_succeeded((), ())
    assert refresher._backoff_s == 0.0


def test_store_closed_under_a_running_refresher_read(
    qtbot, make_runner, history_store, monkeypatch
) -> None:
    """The teardown race, forced: the store closes while the refresher's read is inside it.

    The fixtures close the store before the runners drain (and the app may close it while a
    job outlived the shutdown wait). The read must finish on an open connection, the close
    must leave the connections to it, and later reads must fail with ``StoreClosedError``.
    """
    import threading

    from desktop_app.domain.errors import StoreClosedError
    from desktop_app.store import history as store_module

    inside, release = threading.Event(), threading.Event()
    real_rows = store_module.recent_rows

    def gated_rows(*args, **kwargs):  # type: ignore[no-untyped-def]
        inside.set()
        assert release.wait(30)
        return real_rows(*args, **kwargs)

    monkeypatch.setattr(store_module, "recent_rows", gated_rows)
    history = HistoryService(make_runner(2, name="store"), history_store)
    task = history.in_progress(profile="Sandbox")  # what each refresher tick runs
    assert inside.wait(30)
    assert history_store.close(wait=0, interrupt=False) is False  # a read is in flight
    release.set()
    done = settle(qtbot, task, timeout=10_000)
    assert done.error is None and done.value == []
    failed = settle(qtbot, history.in_progress(profile="Sandbox"), timeout=10_000)
    assert isinstance(failed.error, StoreClosedError)
