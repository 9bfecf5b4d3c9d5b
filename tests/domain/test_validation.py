"""Every field rule, the forms that gather them, and the code and request id validators."""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from desktop_app.domain.errors import FieldError, ValidationFailed
from desktop_app.domain.field_rules import RULES
from desktop_app.domain.models import Psd2Params, StartParams
from desktop_app.domain.phone import E164_DIGITS
from desktop_app.domain.validation import (
    Psd2Form,
    StartForm,
    field_error,
    psd2_form_errors,
    start_form_errors,
    validate_code,
    validate_psd2,
    validate_request_id,
    validate_request_ids,
    validate_start,
)

HYPOTHESIS = settings(database=None, deadline=None)
#: Ofcom's drama range: a possible UK mobile number that is not in a known range.
UNKNOWN_RANGE = "+44 7700 900123"
GB_MOBILE = "+44 7400 123456"

# (field, bad raw value, context) -> each must give a FieldError on that field.
BAD: list[tuple[str, str, dict[str, Any]]] = [
    ("number", "", {}),
    ("number", "abc", {}),
    ("number", "07400 123456", {}),
    ("number", "07400 123456", {"country": "XX"}),
    ("number", "+44 12", {}),
    ("number", "+44 7400 1234567890", {}),
    ("number", "+999 1234567", {}),
    ("number", "1-800-FLOWERS", {"country": "US"}),
    ("brand", "", {}),
    ("brand", "   ", {}),
    ("brand", "A" * 19, {}),
    ("brand", "Acme\nBank", {}),
    ("brand", "Acme\x00", {}),
    ("payee", "", {}),
    ("payee", "P" * 23, {}),
    ("country", "UK", {}),
    ("country", "XX", {}),
    ("country", "GBR", {}),
    ("country", "G", {}),
    ("country", "12", {}),
    ("country", "001", {}),
    ("country", "\uff27\uff22", {}),  # full-width "GB"
    ("sender_id", "A" * 12, {}),
    ("sender_id", "Acme Bank", {}),
    ("sender_id", "Acme-Bank", {}),
    ("sender_id", "Ünï", {}),
    ("code_length", "5", {}),
    ("code_length", "4.0", {}),
    ("code_length", "four", {}),
    ("code_length", "8", {}),
    ("code_length", "-4", {}),
    ("lg", "en", {}),
    ("lg", "en_gb", {}),
    ("lg", "xx-yy", {}),
    ("lg", "bg-bg", {}),
    ("lg", "en-us", {"psd2": True}),
    ("pin_expiry", "59", {}),
    ("pin_expiry", "3601", {}),
    ("pin_expiry", "4.0", {}),
    ("pin_expiry", "1e3", {}),
    ("pin_expiry", "٣٠٠", {}),
    ("pin_expiry", "+300", {}),
    ("pin_expiry", "300s", {}),
    ("pin_expiry", "9" * 5000, {}),
    ("pin_expiry", "120", {}),
    ("pin_expiry", "300", {"next_event_wait": "120"}),
    ("pin_expiry", "600", {"next_event_wait": "900"}),
    ("next_event_wait", "59", {}),
    ("next_event_wait", "901", {}),
    ("next_event_wait", "60.5", {}),
    ("next_event_wait", "0x3c", {}),
    ("workflow_id", "0", {}),
    ("workflow_id", "8", {}),
    ("workflow_id", "1.0", {}),
    ("workflow_id", "one", {}),
    ("pin_code", "123", {}),
    ("pin_code", "12345678901", {}),
    ("pin_code", "12 34", {}),
    ("pin_code", "12-34", {}),
    ("pin_code", "١٢٣٤", {}),
    ("pin_code", "1234", {"code_length": "6"}),
    ("pin_code", "123456", {"code_length": "4"}),
    ("amount", "", {}),
    ("amount", "abc", {}),
    ("amount", "0", {}),
    ("amount", "0.00", {}),
    ("amount", "-1", {}),
    ("amount", "NaN", {}),
    ("amount", "inf", {}),
    ("amount", "Infinity", {}),
    ("amount", "1e3", {}),
    ("amount", "12,50", {}),
    ("amount", "€12", {}),
    ("amount", "1.2.3", {}),
    ("amount", "١٢", {}),
    ("code", "", {}),
    ("code", "123", {}),
    ("code", "12345678901", {}),
    ("code", "12 34", {}),
    ("code", "12-34", {}),
    ("code", "١٢٣٤", {}),
    ("request_id", "", {}),
    ("request_id", "a" * 33, {}),
    ("request_id", "abc def", {}),
    ("request_id", "abc/def", {}),
    ("request_id", "é", {}),
]

# (field, good raw value, context): no FieldError.
GOOD: list[tuple[str, str, dict[str, Any]]] = [
    ("number", GB_MOBILE, {}),
    ("number", "07400 123456", {"country": "gb"}),
    ("number", "07400 123456", {"default_region": "GB"}),
    ("number", "(202) 555-0100", {"country": "US"}),
    ("brand", "A" * 18, {}),
    ("brand", "  Acme  ", {}),
    ("brand", "Café Zoë", {}),
    ("payee", "Acme Shop", {}),
    ("country", "", {}),
    ("country", "gb", {}),
    ("country", " US ", {}),
    ("sender_id", "", {}),
    ("sender_id", "A" * 11, {}),
    ("sender_id", "Acme2024", {}),
    ("code_length", "", {}),
    ("code_length", "4", {}),
    ("code_length", " 6 ", {}),
    ("lg", "", {}),
    ("lg", "EN-GB", {}),
    ("lg", "yue-cn", {}),
    ("lg", "ga-IE", {"psd2": True}),
    ("pin_expiry", "", {}),
    ("pin_expiry", "300", {}),
    ("pin_expiry", "3600", {}),
    ("pin_expiry", "360", {"next_event_wait": "120"}),
    ("pin_expiry", "60", {"next_event_wait": "60"}),
    ("pin_expiry", "120", {"next_event_wait": "bad"}),
    ("next_event_wait", "", {}),
    ("next_event_wait", "60", {}),
    ("next_event_wait", "900", {}),
    ("workflow_id", "", {}),
    ("workflow_id", "1", {}),
    ("workflow_id", " 7 ", {}),
    ("pin_code", "", {}),
    ("pin_code", "0042", {}),
    ("pin_code", "ABCdef1234", {}),
    ("pin_code", "004200", {"code_length": "6"}),
    ("pin_code", "12345", {"code_length": "5"}),
    ("amount", "12.50", {}),
    ("amount", " 0.01 ", {}),
    ("amount", "7", {}),
    ("amount", ".5", {}),
    ("code", "0000", {}),
    ("code", "abcd123456", {}),
    ("request_id", "abcdef0123456789abcdef0123456789", {}),
    ("request_id", "a", {}),
    ("request_id", "  c1878c7451f94c1992d52797df57658e ", {}),
]


@pytest.mark.parametrize(("field", "raw", "context"), BAD)
def test_bad_input_names_the_field_and_the_rule(
    field: str, raw: str, context: dict[str, Any]
) -> None:
    error = field_error(field, raw, **context)
    assert error is not None
    assert error.field == field
    assert not error.overridable
    assert error.message
    assert str(ValidationFailed([error])).startswith(f"{field}: ")


@pytest.mark.parametrize(("field", "raw", "context"), GOOD)
def test_good_input_passes(field: str, raw: str, context: dict[str, Any]) -> None:
    assert field_error(field, raw, **context) is None


@pytest.mark.parametrize(
    ("field", "raw", "context", "words"),
    [
        ("brand", "A" * 23, {}, "at most 18 characters (got 23)"),
        ("payee", "P" * 19, {}, "at most 18 characters (got 19)"),
        ("brand", "", {}, "required"),
        ("sender_id", "A" * 12, {}, "at most 11 characters (got 12)"),
        ("sender_id", "Acme Bank", {}, "letters and digits only"),
        ("country", "UK", {}, "use GB"),
        ("code_length", "5", {}, "4 or 6"),
        ("lg", "xx-yy", {}, "one of the 39"),
        ("lg", "en-us", {"psd2": True}, "one of the 21 PSD2"),
        ("pin_expiry", "59", {}, "from 60 to 3600"),
        ("pin_expiry", "300", {"next_event_wait": "120"}, "multiple of next_event_wait (120 s)"),
        ("pin_expiry", "120", {}, "multiple of the default next_event_wait (300 s)"),
        ("next_event_wait", "901", {}, "from 60 to 900"),
        ("workflow_id", "8", {}, "from 1 to 7"),
        ("pin_code", "1234", {"code_length": "6"}, "6 characters to match code_length"),
        ("pin_code", "123", {}, "4 to 10 letters or digits"),
        ("amount", "0", {}, "greater than 0"),
        ("amount", "12,50", {}, "with a dot"),
        ("code", "123", {}, "4 to 10 letters or digits (got 3)"),
        ("request_id", "a" * 33, {}, "at most 32 characters (got 33)"),
    ],
)
def test_messages_state_the_rule(field: str, raw: str, context: dict[str, Any], words: str) -> None:
    error = field_error(field, raw, **context)
    assert error is not None and words in error.message


@pytest.mark.parametrize(("field", "secret"), [("pin_code", "12-34"), ("code", "98 76")])
def test_codes_are_never_echoed(field: str, secret: str) -> None:
    error = field_error(field, secret)
    assert error is not None and secret not in error.message


def test_every_rule_is_tested_both_ways() -> None:
    assert {field for field, _, _ in BAD} == set(RULES) == {field for field, _, _ in GOOD}


def test_field_error_refuses_unknown_fields_and_context() -> None:
    with pytest.raises(ValueError, match="no validation rule"):
        field_error("nubmer", "1")
    with pytest.raises(TypeError):
        field_error("brand", "Acme", country="GB")


# --- forms: the same rules, gathered ---------------------------------------------------------

START_FIELDS = {f.name for f in dataclasses.fields(StartForm)}
PSD2_FIELDS = {f.name for f in dataclasses.fields(Psd2Form)}
START_BASE = StartForm(number=GB_MOBILE, brand="Acme")
PSD2_BASE = Psd2Form(number=GB_MOBILE, payee="Acme Shop", amount="12.50")


@pytest.mark.parametrize(("field", "raw", "context"), BAD)
def test_forms_report_exactly_the_field_rule(field: str, raw: str, context: dict[str, Any]) -> None:
    expected = field_error(field, raw, **context)
    for base, fields, errors_of in (
        (START_BASE, START_FIELDS, start_form_errors),
        (PSD2_BASE, PSD2_FIELDS, psd2_form_errors),
    ):
        if field not in fields or (field == "lg" and (base is PSD2_BASE) != bool(context)):
            continue
        changes = {field: raw} | {k: v for k, v in context.items() if k in fields}
        form: Any = dataclasses.replace(base, **changes)
        assert expected in errors_of(form)
        with pytest.raises(ValidationFailed) as caught:
            (validate_start if base is START_BASE else validate_psd2)(
                form, allow_unknown_number=True
            )
        assert expected in caught.value.errors


def test_validate_start_normalises_every_field() -> None:
    form = StartForm(
        number=" 07400 123456 ",
        brand="  Acme Bank ",
        country="gb",
        sender_id=" Acme ",
        code_length=" 6 ",
        lg="EN-GB",
        pin_expiry="360",
        next_event_wait=" 120",
        workflow_id="4 ",
        pin_code=" 012345 ",
    )
    assert start_form_errors(form) == []
    assert validate_start(form) == StartParams(
        number="447400123456",
        brand="Acme Bank",
        country="GB",
        sender_id="Acme",
        code_length=6,
        lg="en-gb",
        pin_expiry=360,
        next_event_wait=120,
        workflow_id=4,
        pin_code="012345",
    )


def test_validate_start_leaves_optional_fields_to_the_api() -> None:
    assert validate_start(StartForm("(202) 555-0100", "Acme"), default_region="US") == (
        StartParams(number="12025550100", brand="Acme")
    )


def test_form_country_wins_over_the_default_region() -> None:
    form = StartForm("06 1234 5678", "Acme", country="IT")
    assert validate_start(form, default_region="GB").number == "390612345678"


def test_validate_psd2_normalises_every_field() -> None:
    form = Psd2Form(
        number="+44 (0)7400 123456",
        payee=" Acme Shop ",
        amount=" 12.50 ",
        country="GB",
        code_length="4",
        lg="GA-IE",
        pin_expiry="600",
        next_event_wait="300",
        workflow_id="2",
    )
    assert psd2_form_errors(form) == []
    params = validate_psd2(form)
    assert params == Psd2Params(
        number="447400123456",
        payee="Acme Shop",
        amount=Decimal("12.50"),
        country="GB",
        code_length=4,
        lg="ga-ie",
        pin_expiry=600,
        next_event_wait=300,
        workflow_id=2,
    )
    assert str(params.amount) == "12.50"


def test_every_problem_is_reported_in_field_order() -> None:
    form = StartForm(number="abc", brand="", code_length="5", workflow_id="9", pin_code="1")
    errors = start_form_errors(form)
    assert [e.field for e in errors] == [
        "number",
        "brand",
        "code_length",
        "workflow_id",
        "pin_code",
    ]
    with pytest.raises(ValidationFailed) as caught:
        validate_start(form)
    assert caught.value.errors == tuple(errors)
    assert not caught.value.only_overridable


# --- a possible number in an unknown range: a warning the person may override ---------------


@pytest.mark.parametrize("raw", [UNKNOWN_RANGE, "0044 7700 900123", "07700 900123"])
def test_unknown_range_is_an_overridable_warning(raw: str) -> None:
    form = StartForm(number=raw, brand="Acme")
    warning = FieldError(
        "number", "not a known number range for GB; send anyway if you are sure", overridable=True
    )
    assert start_form_errors(form, default_region="GB") == [warning]
    assert field_error("number", raw, default_region="GB") == warning
    with pytest.raises(ValidationFailed) as caught:
        validate_start(form, default_region="GB")
    assert caught.value.only_overridable
    params = validate_start(form, default_region="GB", allow_unknown_number=True)
    assert params.number == "447700900123"
    psd2 = Psd2Form(number=raw, payee="Acme", amount="1")
    assert validate_psd2(psd2, default_region="GB", allow_unknown_number=True).number == (
        "447700900123"
    )


def test_the_override_does_not_hide_other_errors() -> None:
    form = StartForm(number=UNKNOWN_RANGE, brand="B" * 19)
    with pytest.raises(ValidationFailed) as caught:
        validate_start(form, allow_unknown_number=True)
    assert [(e.field, e.overridable) for e in caught.value.errors] == [
        ("number", True),
        ("brand", False),
    ]
    assert not caught.value.only_overridable


# --- the cross-field timing rule ------------------------------------------------------------


@pytest.mark.parametrize(
    ("pin_expiry", "next_event_wait", "ok"),
    [
        ("360", "120", True),
        ("240", "120", True),
        ("120", "120", True),
        ("900", "300", True),
        ("3600", "900", True),
        ("300", "120", False),
        ("600", "900", False),
        ("3600", "700", False),
        # Only pin_expiry: checked against the API default wait, 300 s.
        ("600", "", True),
        ("300", "", True),
        ("120", "", False),
        ("450", "", False),
        # Only next_event_wait: not cross-checked.
        ("", "120", True),
        ("", "", True),
    ],
)
def test_pin_expiry_must_be_a_multiple_of_next_event_wait(
    pin_expiry: str, next_event_wait: str, ok: bool
) -> None:
    form = StartForm(GB_MOBILE, "Acme", pin_expiry=pin_expiry, next_event_wait=next_event_wait)
    errors = start_form_errors(form)
    if ok:
        assert errors == []
        params = validate_start(form)
        assert params.pin_expiry == (int(pin_expiry) if pin_expiry else None)
    else:
        assert [e.field for e in errors] == ["pin_expiry"]
        assert "multiple" in errors[0].message
        with pytest.raises(ValidationFailed, match="pin_expiry: "):
            validate_start(form)


def test_an_invalid_wait_is_reported_once_on_its_own_field() -> None:
    form = StartForm(GB_MOBILE, "Acme", pin_expiry="360", next_event_wait="1000")
    assert [e.field for e in start_form_errors(form)] == ["next_event_wait"]


# --- codes and request ids ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "code"),
    [("0042", "0042"), (" 0000 ", "0000"), ("\t012345\n", "012345"), ("AbC123", "AbC123")],
)
def test_codes_keep_leading_zeros(raw: str, code: str) -> None:
    assert validate_code(raw) == code


@pytest.mark.parametrize("raw", ["", "123", "12345678901", "12 34", "12_4", "١٢٣٤", "12.3"])
def test_bad_codes_are_refused(raw: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        validate_code(raw)
    assert [e.field for e in caught.value.errors] == ["code"]


def test_request_id_is_stripped() -> None:
    assert validate_request_id("  abc-123 ") == "abc-123"
    with pytest.raises(ValidationFailed, match="request_id: "):
        validate_request_id("x" * 33)


def test_request_ids_drop_duplicates_keeping_order() -> None:
    assert validate_request_ids(["b", " a", "b ", "c", "a"]) == ("b", "a", "c")
    # Counted after duplicates are dropped.
    assert len(validate_request_ids([f"id{i}" for i in range(10)] * 3)) == 10


@pytest.mark.parametrize(
    ("ids", "count"),
    [([], 1), ([f"id{i}" for i in range(11)], 1), (["ok", "", "bad id"], 2)],
)
def test_bad_request_id_lists_are_refused(ids: list[str], count: int) -> None:
    with pytest.raises(ValidationFailed) as caught:
        validate_request_ids(ids)
    assert [e.field for e in caught.value.errors] == ["request_id"] * count


# --- properties: any text gives a value or ValidationFailed, never another exception -------

TEXT = st.text(max_size=40)
DIGITISH = st.text(alphabet=" 0123456789+-.()eE٣", max_size=12)
ANY_FIELD_TEXT = st.one_of(TEXT, DIGITISH)


@HYPOTHESIS
@given(st.sampled_from(sorted(RULES)), ANY_FIELD_TEXT)
def test_field_error_never_raises(field: str, raw: str) -> None:
    error = field_error(field, raw)
    assert error is None or error.field == field


@HYPOTHESIS
@given(
    st.builds(
        StartForm,
        number=ANY_FIELD_TEXT,
        brand=TEXT,
        country=st.one_of(TEXT, st.sampled_from(["GB", "us", "UK"])),
        sender_id=TEXT,
        code_length=DIGITISH,
        lg=st.one_of(TEXT, st.sampled_from(["en-GB", "bg-bg"])),
        pin_expiry=DIGITISH,
        next_event_wait=DIGITISH,
        workflow_id=DIGITISH,
        pin_code=ANY_FIELD_TEXT,
    ),
    st.booleans(),
)
def test_validate_start_gives_params_or_validation_failed(form: StartForm, allow: bool) -> None:
    errors = start_form_errors(form, default_region="GB")
    try:
        params = validate_start(form, default_region="GB", allow_unknown_number=allow)
    except ValidationFailed as failed:
        assert failed.errors == tuple(errors)
        return
    assert all(e.overridable for e in errors) and (allow or not errors)
    assert E164_DIGITS.fullmatch(params.number)
    assert 1 <= len(params.brand) <= 18
    assert params.code_length in (None, 4, 6)
    assert params.workflow_id in (None, 1, 2, 3, 4, 5, 6, 7)
    assert params.pin_expiry is None or params.pin_expiry % (params.next_event_wait or 300) == 0


@HYPOTHESIS
@given(
    st.builds(
        Psd2Form,
        number=ANY_FIELD_TEXT,
        payee=TEXT,
        amount=st.one_of(DIGITISH, TEXT),
        country=TEXT,
        code_length=DIGITISH,
        lg=TEXT,
        pin_expiry=DIGITISH,
        next_event_wait=DIGITISH,
        workflow_id=DIGITISH,
    )
)
def test_validate_psd2_gives_params_or_validation_failed(form: Psd2Form) -> None:
    try:
        params = validate_psd2(form, allow_unknown_number=True)
    except ValidationFailed as failed:
        assert failed.errors
        return
    assert params.amount > 0 and params.amount.is_finite()


@HYPOTHESIS
@given(ANY_FIELD_TEXT)
def test_code_and_request_id_validators_never_raise_otherwise(raw: str) -> None:
    for validate in (validate_code, validate_request_id):
        try:
            value = validate(raw)
        except ValidationFailed as failed:
            assert len(failed.errors) == 1
        else:
            assert value == raw.strip() and value.isascii()


@HYPOTHESIS
@given(st.lists(st.one_of(TEXT, st.sampled_from(["abc", "abc", "def-1"])), max_size=14))
def test_validate_request_ids_never_raises_otherwise(ids: list[str]) -> None:
    try:
        unique = validate_request_ids(ids)
    except ValidationFailed as failed:
        assert {e.field for e in failed.errors} == {"request_id"}
    else:
        assert 1 <= len(unique) <= 10 and len(set(unique)) == len(unique)
