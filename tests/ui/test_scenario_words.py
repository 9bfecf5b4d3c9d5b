"""The results pane's words: plain headlines, the error kinds and status codes only in details."""

from __future__ import annotations

from typing import Any

import pytest

from desktop_app.services.scenarios import Mismatch, StepResult
from desktop_app.ui.scenario_words import error_meaning, step_words
from desktop_app.usecases.scenarios_model import Step


def _result(expect: dict[str, Any], fields: dict[str, Any], *mismatches: Mismatch,
            problem: str = "") -> StepResult:  # fmt: skip
    step = Step(2, "check", {"code": "wrong"}, expect=expect, label="")
    passed = not mismatches and not problem
    return StepResult(step, passed, fields, tuple(mismatches), problem)


REFUSED = {"error": "WrongCodeError", "api_status": "16", "message": "The code does not match."}


@pytest.mark.parametrize(
    ("result", "result_word", "headline"),
    [
        (_result({"error": "WrongCodeError"}, REFUSED), "as expected",
         "Refused, as expected: the code does not match."),
        (_result({"error": "WrongCodeError"}, {"status": "SUCCESS"},
                 Mismatch("error", "error WrongCodeError", "success")),
         "not as expected", "Expected a refusal (the code does not match), but it succeeded."),
        (_result({"error": "TooManyAttemptsError"}, REFUSED,
                 Mismatch("error", "error TooManyAttemptsError",
                          "error WrongCodeError (status 16)")),
         "not as expected",
         "Expected a refusal (the wrong code was entered too many times; the request is "
         "terminated), but got another: the code does not match."),
        (_result({"error": "ApiError"}, {"status": "SUCCESS"},
                 Mismatch("error", "error ApiError", "success")),
         "not as expected", "Expected a refusal (any reason the API gives), but it succeeded."),
        (_result({"count": {"min": 2}}, {"count": 1}, Mismatch("count", ">= 2", "1")),
         "not as expected", "Expected count >= 2, but it was 1."),
        (_result({}, {}, problem="no message on the handset for this request"),
         "could not run", "No message on the handset for this request."),
    ],
)  # fmt: skip
def test_step_words(result: StepResult, result_word: str, headline: str) -> None:
    words = step_words(result)
    assert (words.result, words.headline) == (result_word, headline)
    assert "Error" not in words.headline and "16" not in words.headline


def test_details_keep_the_technical_side_and_never_a_code() -> None:
    fields = {**REFUSED, "code": "9876"}
    result = _result({}, fields, Mismatch("error", "success", "error WrongCodeError (status 16)"))
    words = step_words(result)
    assert words.headline == "Expected it to succeed, but it was refused: the code does not match."
    assert "WrongCodeError (status 16)" in words.details and "api_status=16" in words.details
    assert "9876" not in words.details and "9876" not in words.headline


def test_an_unknown_error_kind_is_named_as_such() -> None:
    assert error_meaning("NoSuchError") == "a refusal the app does not know (NoSuchError)."
