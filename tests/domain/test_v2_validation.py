"""Verify v2 start validation: every rule, field names, warnings and the inline helpers."""

from __future__ import annotations

from typing import Any

import pytest

from desktop_app.domain.errors import FieldError, ValidationFailed
from desktop_app.domain.v2 import (
    EmailChannel,
    SilentAuthChannel,
    SmsChannel,
    V2StartParams,
    VoiceChannel,
    WhatsAppChannel,
    is_v2_request_id,
)
from desktop_app.domain.v2_validation import (
    V2ChannelForm,
    V2Form,
    form_from_params,
    v2_channel_errors,
    v2_field_error,
    v2_form_errors,
    v2_params_errors,
    validate_v2,
)

MOBILE = "+44 7911 123456"  # in a range the metadata knows
E164 = "447911123456"
FICTION = "447700900123"  # possible but reserved for drama: an overridable warning


def sms(to: str = MOBILE, sender: str = "", **extras: str) -> V2ChannelForm:
    return V2ChannelForm("sms", to, sender, extras)


def form(*channels: Any, **fields: Any) -> V2Form:
    return V2Form(brand=fields.pop("brand", "Acme"), channels=channels or (sms(),), **fields)


def errors_of(f: V2Form) -> dict[str, str]:
    return {e.field: e.message for e in v2_form_errors(f)}


def test_minimal_form_validates_to_params() -> None:
    params = validate_v2(form())
    assert params == V2StartParams(brand="Acme", workflow=(SmsChannel(E164),))


def test_full_form_with_every_channel() -> None:
    f = form(
        V2ChannelForm("silent_auth", MOBILE, "", {"redirect_url": "https://app.example/done"}),
        sms(MOBILE, "Acme", app_hash="FA+9qCX9VSu", entity_id="1101", content_id="99"),
        V2ChannelForm("whatsapp", MOBILE, "+44 7911 000111".replace(" ", ""), {}),
        V2ChannelForm("voice", "07911 123456", "", {}),
        ("email", "person@example.com", "noreply@acme.example", {}),
        locale="EN_gb",
        channel_timeout=" 60 ",
        client_ref="ticket-42",
        code_length="6",
        code="A1b2C3",
        fraud_check="false",
    )
    params = validate_v2(f, default_region="GB")
    assert params.workflow == (
        SilentAuthChannel(E164, "https://app.example/done"),
        SmsChannel(E164, "Acme", "FA+9qCX9VSu", "1101", "99"),
        WhatsAppChannel(E164, "447911000111"),
        VoiceChannel(E164),
        EmailChannel("person@example.com", "noreply@acme.example"),
    )
    assert (params.locale, params.channel_timeout, params.client_ref) == ("en-gb", 60, "ticket-42")
    assert (params.code_length, params.code, params.fraud_check) == (6, "A1b2C3", False)
    assert "A1b2C3" not in repr(params)


@pytest.mark.parametrize(
    ("f", "field", "words"),
    [
        (form(brand=""), "brand", "required, 1 to 16"),
        (form(brand="x" * 17), "brand", "at most 16"),
        (V2Form(brand="Acme"), "workflow", "at least one channel"),
        (form(V2ChannelForm("fax", MOBILE)), "workflow[0].channel", "must be one of sms"),
        (form(sms(), ("whatsapp", MOBILE, "", {})), "workflow[1].from", "required for whatsapp"),
        (form(("whatsapp", MOBILE, "Acme", {})), "workflow[0].from", "WhatsApp Business number"),
        (
            form(sms(), ("silent_auth", MOBILE, "", {})),
            "workflow[1].channel",
            "only allowed as the first",
        ),
        (form(sms(sender="AB")), "workflow[0].from", "3 to 11 letters"),
        (form(sms(sender="Acme Corp!")), "workflow[0].from", "3 to 11 letters"),
        (form(sms(sender="TwelveLetter")), "workflow[0].from", "3 to 11 letters"),
        (form(sms(app_hash="short")), "workflow[0].app_hash", "exactly 11"),
        (form(sms(entity_id="12a")), "workflow[0].entity_id", "1 to 20 digits"),
        (form(sms(content_id="1" * 21)), "workflow[0].content_id", "1 to 20 digits"),
        (form(("email", "not-an-email", "", {})), "workflow[0].to", "email address"),
        (form(("email", "a@b.com", "nope", {})), "workflow[0].from", "email address"),
        (form(("email", "a@b.com", "", {"app_hash": "x"})), "workflow[0].app_hash", "takes no"),
        (form(("voice", MOBILE, "Acme", {})), "workflow[0].from", "takes no `from`"),
        (
            form(("silent_auth", MOBILE, "", {"redirect_url": "ftp://x"})),
            "workflow[0].redirect_url",
            "http",
        ),
        (form(sms("12")), "workflow[0].to", ""),
        (form(locale="xx-yy"), "locale", "13 Verify v2 locales"),
        (form(channel_timeout="14"), "channel_timeout", "from 15 to 900"),
        (form(channel_timeout="901"), "channel_timeout", "from 15 to 900"),
        (form(channel_timeout="60.0"), "channel_timeout", "whole number"),
        (form(client_ref="x" * 17), "client_ref", "at most 16"),
        (form(code_length="3"), "code_length", "from 4 to 10"),
        (form(code_length="11"), "code_length", "from 4 to 10"),
        (form(code="12-4"), "code", "letters or digits"),
        (form(code="123"), "code", "4 to 10"),
        (form(code="12345", code_length="4"), "code", "match code_length"),
        (form(fraud_check="maybe"), "fraud_check", "true or false"),
    ],
)
def test_each_rule_names_its_field(f: V2Form, field: str, words: str) -> None:
    found = errors_of(f)
    assert field in found, found
    assert words in found[field]
    with pytest.raises(ValidationFailed) as caught:
        validate_v2(f)
    assert field in str(caught.value)


def test_code_is_never_echoed() -> None:
    f = form(code="SECRET12345")
    assert "SECRET12345" not in str(v2_form_errors(f))


def test_every_problem_is_reported_at_once() -> None:
    f = form(("whatsapp", MOBILE, "", {}), ("silent_auth", "x", "", {}), brand="", locale="zz")
    assert set(errors_of(f)) >= {
        "brand",
        "workflow[0].from",
        "workflow[1].channel",
        "workflow[1].to",
        "locale",
    }


def test_unknown_range_number_is_an_overridable_warning() -> None:
    f = form(sms(FICTION))
    (warning,) = v2_form_errors(f)
    assert warning.field == "workflow[0].to" and warning.overridable
    with pytest.raises(ValidationFailed) as caught:
        validate_v2(f)
    assert caught.value.only_overridable
    assert validate_v2(f, allow_unknown_number=True).workflow == (SmsChannel(FICTION),)


def test_national_number_needs_a_region() -> None:
    assert "workflow[0].to" in errors_of(form(sms("07911 123456")))
    assert validate_v2(form(sms("07911 123456")), default_region="GB").workflow[0].to == E164


@pytest.mark.parametrize(
    ("raw", "sent"), [("", None), ("true", None), ("NO", False), (False, False), (True, None)]
)
def test_fraud_check_only_false_is_sent(raw: str | bool, sent: bool | None) -> None:
    assert validate_v2(form(fraud_check=raw)).fraud_check is sent


def test_inline_helpers() -> None:
    assert v2_field_error("brand", "Acme") is None
    assert v2_field_error("locale", "klingon") == FieldError(
        "locale", "must be one of the 13 Verify v2 locales, e.g. en-us (got 'klingon')"
    )
    error = v2_field_error("code", "12345", code_length="6")
    assert error is not None and error.field == "code"
    with pytest.raises(ValueError):
        v2_field_error("nope", "x")
    assert v2_channel_errors(2, ("whatsapp", MOBILE, "", {}))[0].field == "workflow[2].from"
    assert v2_channel_errors(0, sms()) == []


def test_params_are_rechecked_before_sending() -> None:
    good = validate_v2(form())
    assert v2_params_errors(good) == []
    assert validate_v2(form_from_params(good)) == good
    bad = V2StartParams("Acme", (SmsChannel(E164), WhatsAppChannel(E164, "")))
    assert [e.field for e in v2_params_errors(bad)] == ["workflow[1].from"]
    late = V2StartParams("Acme", (SmsChannel(E164), SilentAuthChannel(E164)))
    assert [e.field for e in v2_params_errors(late)] == ["workflow[1].channel"]
    assert [e.field for e in v2_params_errors(V2StartParams("Acme", ()))] == ["workflow"]
    # Overridable warnings do not block params a person already confirmed.
    assert v2_params_errors(V2StartParams("Acme", (SmsChannel(FICTION),))) == []


def test_request_id_kinds() -> None:
    assert is_v2_request_id("2c59e3f4-a047-499f-a14f-819cd1989d2e")
    assert not is_v2_request_id("abcdef0123456789abcdef0123456789")
