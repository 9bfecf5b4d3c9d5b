"""The status -> error table: every documented code, unknown codes, scrubbing."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from desktop_app.api.errors import STATUS_ERRORS, _status_table, error_for_status
from desktop_app.domain import errors as e
from desktop_app.domain.redact import redact_secret
from tests.helpers.mock_api import Env, json_reply

FIELD_GUIDE = {
    "1": e.ThrottledError,
    "2": e.MissingParameterError,
    "3": e.InvalidParameterError,
    "4": e.AuthError,
    "5": e.InternalApiError,
    "6": e.RequestNotFoundError,
    "7": e.NumberBlockedError,
    "8": e.AccountBarredError,
    "9": e.QuotaExceededError,
    "10": e.ConcurrentVerificationError,
    "15": e.UnsupportedNetworkError,
    "16": e.WrongCodeError,
    "17": e.TooManyAttemptsError,
    "18": e.TooManyRequestIdsError,
    "19": e.ControlRefusedError,
    "20": e.PinCodeNotSupportedError,
    "21": e.Psd2NotEnabledError,
    "29": e.NonPermittedDestinationError,
    "101": e.SearchNotFoundError,
}


def test_table_is_the_field_guide() -> None:
    assert dict(STATUS_ERRORS) == FIELD_GUIDE
    for status, cls in STATUS_ERRORS.items():
        assert cls.status_code == status


@pytest.mark.parametrize(("status", "cls"), sorted(FIELD_GUIDE.items()))
def test_each_status_maps_with_meaning_and_next_step(status: str, cls: type[e.ApiError]) -> None:
    err = error_for_status(status, "server says no", request_id="r1", network="23410")
    assert type(err) is cls
    assert err.status == status and err.error_text == "server says no"
    assert err.request_id == "r1" and err.network == "23410"
    assert err.meaning and err.next_step
    assert err.meaning in str(err) and "server says no" in str(err)
    if cls is e.ThrottledError:
        assert "Try again in" in err.user_message()
    else:
        assert err.next_step in err.user_message()


def test_the_table_is_built_from_the_classes_and_refuses_a_code_declared_twice() -> None:
    class Root(e.ApiError):
        pass

    class First(Root):
        status_code = "901"

    class Inherits(First):  # keeps 901 without declaring it: not the class for 901
        pass

    assert dict(_status_table(Root)) == {"901": First}

    class Second(Root):
        status_code = "901"

    with pytest.raises(RuntimeError, match="901"):
        _status_table(Root)
    assert Inherits.status_code == "901" and Second.status_code == "901"


def test_api_errors_take_keywords_only() -> None:
    with pytest.raises(TypeError):
        e.AuthError("4", "Bad credentials")  # type: ignore[call-arg]
    reasons = (("to", "invalid"),)
    err = e.InvalidParameterError(error_text="bad", invalid_parameters=reasons)
    assert (err.status, err.error_text, err.invalid_parameters) == ("3", "bad", reasons)
    assert e.ThrottledError(retry_after=4).retry_after == 4


def test_app_errors_outside_the_api_are_in_the_tree() -> None:
    for cls in (e.SandboxNotRunning, e.SandboxUnavailableError, e.ApiTimeoutError):
        assert issubclass(cls, e.VerifyDeskError) and cls.__module__ == e.__name__
        error = cls()
        assert error.meaning and error.next_step and error.meaning in error.user_message()
    assert e.ApiTimeoutError().outcome_unknown


def test_unknown_status_keeps_code_and_text() -> None:
    err = error_for_status("42", "Something new")
    assert type(err) is e.UnknownApiError
    assert err.status == "42" and err.error_text == "Something new"
    assert "42" in str(err) and "Something new" in str(err)


def test_leading_zero_and_spaces_use_the_table() -> None:
    assert type(error_for_status(" 016", "x")) is e.WrongCodeError


def test_throttled_carries_retry_after() -> None:
    err = error_for_status("1", "Throttled", retry_after=2.5)
    assert isinstance(err, e.ThrottledError) and err.retry_after == 2.5
    assert "3 s" in err.user_message() or "2 s" in err.user_message()


@pytest.mark.parametrize(("status", "cls"), sorted(FIELD_GUIDE.items()))
def test_start_status_through_client(
    status: str, cls: type[e.ApiError], make_env: Callable[..., Env]
) -> None:
    from desktop_app.domain.models import StartParams

    env = make_env(json_reply({"status": status, "error_text": f"text {status}"}))
    with pytest.raises(cls) as info:
        env.v1.start(StartParams(number="447700900000", brand="A"))
    assert info.value.error_text == f"text {status}"
    assert env.recorder.calls == 1  # a start is never retried, not even on status 1


def test_status_10_carries_live_request_id(make_env: Callable[..., Env]) -> None:
    from desktop_app.domain.models import StartParams

    env = make_env(
        json_reply({"request_id": "live-123", "status": "10", "error_text": "Concurrent"})
    )
    with pytest.raises(e.ConcurrentVerificationError) as info:
        env.v1.start(StartParams(number="447700900000", brand="A"))
    assert info.value.request_id == "live-123"


def test_unknown_status_through_client(make_env: Callable[..., Env]) -> None:
    env = make_env(json_reply({"status": "77", "error_text": "Brand new"}))
    with pytest.raises(e.UnknownApiError) as info:
        env.v1.check("r", "1234")
    assert info.value.status == "77" and info.value.error_text == "Brand new"
    assert info.value.request_id == "r"


def test_integer_status_tolerated(make_env: Callable[..., Env]) -> None:
    env = make_env(json_reply({"status": 16, "error_text": "wrong"}))
    with pytest.raises(e.WrongCodeError):
        env.v1.check("r", "1234")


def test_http_401_is_auth_error(make_env: Callable[..., Env]) -> None:
    env = make_env(httpx.Response(401, text="Unauthorized"))
    with pytest.raises(e.AuthError):
        env.account.get_balance()
    assert env.recorder.calls == 1


def test_scrub_secret_variants() -> None:
    # The api layer scrubs with the one scrubber (domain.redact), whose mask is "[secret]".
    secret = "a/b+c=d"
    text = "raw a/b+c=d plus a%2Fb%2Bc%3Dd quoted a%2fb%2bc%3dd upper A/B+C=D"
    assert redact_secret(text, secret) == (
        "raw [secret] plus [secret] quoted [secret] upper [secret]"
    )
    assert redact_secret("nothing", "") == "nothing"
