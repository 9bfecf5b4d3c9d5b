"""The one module that words the window's messages, and the Details disclosure that holds the rest.

Every error class of the app's tree is described with a plain headline and its next step; its
technical part (the API's words, a status, an exception type, an errno) only in the details. A
stored error (a Refused row's ``last_error``) reads the same as when it happened.
"""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtGui import QGuiApplication

from desktop_app.api.exchange import map_transport_error
from desktop_app.domain import errors
from desktop_app.domain.action_rules import Blocker, Refusal
from desktop_app.domain.errors import (
    ApiError,
    ConnectError,
    InvalidParameterError,
    NumberBlockedError,
    RequestNotFoundError,
    StoreError,
    ThrottledError,
    VerifyDeskError,
)
from desktop_app.ui import messages
from desktop_app.ui.details_disclosure import MessageLine
from tests.ui.widget_walker import Shown, technical_leaks


def _all_error_classes() -> list[type[VerifyDeskError]]:
    found, pending = [], [VerifyDeskError]
    while pending:
        cls = pending.pop()
        if cls.__module__ == errors.__name__:
            found.append(cls)
        pending.extend(cls.__subclasses__())
    return found


def _build(cls: type[VerifyDeskError]) -> VerifyDeskError:
    if issubclass(cls, ApiError):
        return cls(status=cls.status_code or "499", error_text="The API's own words (ref 42)",
                   request_id="a" * 32)  # fmt: skip
    if cls is errors.CallDeadlineError:
        return cls(seconds=30)
    if cls is errors.AnswerTooLargeError:
        return cls(limit=1024)
    if cls is errors.ValidationFailed:
        return cls([errors.FieldError("brand", "must not be empty")])
    if issubclass(cls, errors.TransportError):
        return cls(f"{cls.meaning} (ReadError: [Errno 104] Connection reset by peer)")
    return cls()


@pytest.mark.parametrize("cls", _all_error_classes(), ids=lambda c: c.__name__)
def test_every_error_leads_with_plain_words(cls: type[VerifyDeskError]) -> None:
    message = messages.describe(_build(cls))
    assert message.headline and message == f"{message.headline} {message.next_step}".strip()
    shown = [Shown("headline", message)]
    assert technical_leaks(shown, ["The API's own words (ref 42)"]) == []
    assert not messages.looks_technical(message)
    if issubclass(cls, ApiError):
        assert "The API's own words (ref 42)" in message.details
        assert f"status {cls.status_code or '499'}" in message.details
    if issubclass(cls, errors.TransportError) and cls.__init__ is errors.TransportError.__init__:
        assert "Errno 104" in message.details and "ReadError" in message.details


def test_a_real_transport_failure_keeps_its_cause_for_details() -> None:
    import httpx

    exc = map_transport_error(httpx.ConnectError("[Errno -2] Name or service not known"))
    message = messages.describe(exc)
    assert message.headline == ConnectError.meaning
    assert message.details == "ConnectError: [Errno -2] Name or service not known"
    assert "ConnectError" not in message and "Errno" not in message


def test_a_v2_refusal_gives_its_http_status_reasons_and_trace_id() -> None:
    exc = InvalidParameterError(status="422", error_text="Invalid params", http_status=422,
                                title="Bad Request", instance="trace-1",
                                invalid_parameters=(("workflow[0].from", "`from` is bad"),))
    message = messages.describe(exc)
    assert message.headline == InvalidParameterError.meaning
    assert message.details.splitlines() == [
        "Verify API answered HTTP 422 (Bad Request): Invalid params",
        "workflow[0].from: `from` is bad",
        "Trace id for Vonage support: trace-1",
    ]


def test_throttling_says_how_long_to_wait() -> None:
    message = messages.describe(ThrottledError(status="1", error_text="Throttled",
                                               retry_after=2.4))  # fmt: skip
    assert message.next_step == "Wait 2 s, then try again."
    assert "Throttled" in message.details


def test_a_specific_plain_sentence_is_kept_and_its_cause_goes_to_details() -> None:
    exc = StoreError("The disk holding the history database is full. (saving: database or "
                     "disk is full)")  # fmt: skip
    message = messages.describe(exc)
    assert message.headline == "The disk holding the history database is full."
    assert message.details == "saving: database or disk is full"


def test_a_bug_is_one_plain_sentence_and_the_log() -> None:
    messages.set_log_file(None)
    message = messages.describe(KeyError("+447700900123"))
    assert message.headline.startswith("Something unexpected went wrong")
    assert "KeyError" not in message and "KeyError" in message.details
    assert "447700900123" not in message.details  # redacted: it may hold data


@pytest.mark.parametrize("cls", [NumberBlockedError, RequestNotFoundError, ConnectError])
def test_a_stored_error_reads_as_it_did_when_it_happened(cls: type[VerifyDeskError]) -> None:
    exc = _build(cls)
    stored = messages.describe_stored(str(exc))
    live = messages.describe(exc)
    assert (stored.headline, stored.next_step) == (live.headline, live.next_step)
    assert stored.details == str(exc)


def test_a_stored_text_of_no_known_error_is_plain_or_under_details() -> None:
    assert messages.describe_stored("") == ""
    assert messages.describe_stored("Just words (and more).").headline == "Just words."
    odd = messages.describe_stored("status 5: boom")
    assert odd.headline == "The last attempt failed." and odd.details == "status 5: boom"


@pytest.mark.parametrize("blocker", list(Blocker))
def test_every_refusal_is_worded(blocker: Blocker) -> None:
    text = messages.why_not(Refusal(blocker, seconds=12.2, status="SUCCESS"))
    assert text and not messages.looks_technical(text)
    assert messages.why_not(None) == ""


def test_why_not_words_a_wait_and_an_end() -> None:
    assert messages.why_not(Refusal(Blocker.TOO_EARLY, seconds=12.2)).endswith("(in 13 s)")
    assert messages.why_not(Refusal(Blocker.FINISHED, status="SUCCESS")) == (
        "This request has ended (Verified)")


def test_the_details_are_collapsed_selectable_and_copied_whole(qtbot: Any) -> None:
    line = MessageLine(name="Result")
    qtbot.addWidget(line)
    line.show()
    line.setText(messages.describe(NumberBlockedError(status="7", error_text="Blacklisted")))
    assert line.isVisible() and line.text().startswith(NumberBlockedError.meaning)
    disclosure = line.disclosure
    assert disclosure.isVisible() and not disclosure.expanded
    assert not disclosure.body.isVisible()
    disclosure.toggle.click()
    assert disclosure.body.isVisible() and "Blacklisted" in disclosure.body.text()
    assert disclosure.body.textInteractionFlags() & disclosure.body.textInteractionFlags().\
        TextSelectableByMouse  # fmt: skip
    disclosure.copy_button.click()
    assert QGuiApplication.clipboard().text() == line.details()
    line.setText("Plain words only.")  # no details: no disclosure
    assert not disclosure.isVisible()
    line.clear()
    assert not line.isVisible() and line.text() == ""


def test_presenter_mode_masks_the_sentence_and_its_details(qtbot: Any) -> None:
    line = MessageLine()
    qtbot.addWidget(line)
    line.setText(messages.Message("Sent to +44 7700 900123.", "", "to=447700900123"))
    line.set_mask(True)
    assert "900123" not in line.text() and "0123" in line.text()
    assert line.details() == "to=***0123".replace("***", "••• ")
    line.set_mask(False)
    assert "+44 7700 900123" in line.text()
