"""The log guard itself (tests/helpers/log_guard.py): it fails a test on an app warning and puts
back the logger levels a test changed."""

from __future__ import annotations

import re

import pytest

EXAMPLES = """
import logging
import threading

import pytest

log = logging.getLogger("desktop_app.example")


def test_quiet():
    log.info("all fine")


def test_warns():
    log.warning("disk nearly full")


def test_warns_from_a_worker_thread():
    worker = threading.Thread(target=lambda: log.error("lost the row"))
    worker.start()
    worker.join()


@pytest.mark.expect_warnings
def test_expects_any_warning():
    log.warning("anything at all")


@pytest.mark.expect_warnings(match="retrying")
def test_expects_this_warning():
    log.warning("retrying the search")


@pytest.mark.expect_warnings(match="retrying")
def test_expects_another_warning():
    log.critical("the store is gone")


def test_other_libraries_may_warn():
    logging.getLogger("httpx").warning("not the app's")


@pytest.fixture
def noisy_teardown():
    yield
    log.warning("noise while tearing down")


def test_warning_in_teardown(noisy_teardown):
    pass


def test_quiets_a_library():
    logging.getLogger("httpx").setLevel(logging.WARNING)


def test_a_later_test_hears_it_again():
    assert logging.getLogger("httpx").level == logging.NOTSET


def test_failing_test_is_not_reported_twice():
    log.warning("on the way down")
    assert False, "the test's own failure"
"""


# The inner run logs in this process, where this run's guard is listening too.
@pytest.mark.expect_warnings
def test_an_unexpected_app_warning_fails_the_test(pytester: pytest.Pytester) -> None:
    pytester.makeconftest('pytest_plugins = ["tests.helpers.log_guard"]')
    pytester.makeini(
        "[pytest]\nmarkers =\n    expect_warnings(match=None): the app may log warnings\n"
    )
    pytester.makepyfile(test_examples=EXAMPLES)

    result = pytester.runpytest("-p", "no:cacheprovider", "--strict-markers", "-rA")

    result.assert_outcomes(passed=7, failed=4, errors=1)
    result.stdout.fnmatch_lines(
        [
            "*_ test_warns _*",
            "the app logged 1 unexpected warning(s) during the test:",
            "  WARNING desktop_app.example: disk nearly full",
        ]
    )
    result.stdout.fnmatch_lines(["*ERROR desktop_app.example: lost the row*"])
    result.stdout.fnmatch_lines(["*CRITICAL desktop_app.example: the store is gone*"])
    result.stdout.fnmatch_lines(["*during teardown:*", "*noise while tearing down*"])
    # The short summary (-rA): a test that passed but failed its teardown is listed twice.
    summary = (re.match(r"(PASSED|FAILED|ERROR) (\S+)", line) for line in result.stdout.lines)
    outcomes = {m[2]: m[1] for m in summary if m is not None}
    assert outcomes == {
        "test_examples.py::test_quiet": "PASSED",
        "test_examples.py::test_warns": "FAILED",
        "test_examples.py::test_warns_from_a_worker_thread": "FAILED",
        "test_examples.py::test_expects_any_warning": "PASSED",
        "test_examples.py::test_expects_this_warning": "PASSED",
        "test_examples.py::test_expects_another_warning": "FAILED",
        "test_examples.py::test_other_libraries_may_warn": "PASSED",
        "test_examples.py::test_warning_in_teardown": "ERROR",
        "test_examples.py::test_quiets_a_library": "PASSED",
        "test_examples.py::test_a_later_test_hears_it_again": "PASSED",
        "test_examples.py::test_failing_test_is_not_reported_twice": "FAILED",
    }
    # The test's own failure is what is reported, not the guard's.
    result.stdout.fnmatch_lines(
        ["FAILED test_examples.py::test_failing_test_is_not_reported_twice - AssertionE*"]
    )
