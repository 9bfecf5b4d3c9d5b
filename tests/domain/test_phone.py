"""Phone number parsing, formatting, the country picker and the locale's default region."""

from __future__ import annotations

import subprocess
import sys

import phonenumbers
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from phonenumbers import PhoneNumberFormat, PhoneNumberType

from desktop_app.domain.countries import COUNTRY_NAMES
from desktop_app.domain.errors import ValidationFailed
from desktop_app.domain.phone import (
    E164_DIGITS,
    NumberInfo,
    as_you_type,
    country_choices,
    default_region_from_locale,
    parse_number,
    typed_e164_digits,
)

HYPOTHESIS = settings(database=None, deadline=None)


@pytest.mark.parametrize(
    ("raw", "region", "e164"),
    [
        ("+44 7700 900123", None, "447700900123"),
        ("0044 7700 900123", "GB", "447700900123"),
        ("0044 7700 900123", None, "447700900123"),
        ("0044 7700 900123", "US", "447700900123"),
        ("07700 900123", "GB", "447700900123"),
        ("07700-900-123", "gb", "447700900123"),
        ("(202) 555-0100", "US", "12025550100"),
        ("202.555.0100", "US", "12025550100"),
        ("+1 (202) 555-0100", None, "12025550100"),
        ("1 202 555 0100", "US", "12025550100"),
        ("011 44 7400 123456", "US", "447400123456"),
        # A trunk 0 wrongly kept after the country code is dropped.
        ("+44 (0) 7400 123456", None, "447400123456"),
        ("+4407400123456", None, "447400123456"),
        # The API's own form: bare international digits.
        ("447400123456", None, "447400123456"),
        ("447400123456", "GB", "447400123456"),
        ("447400123456", "US", "447400123456"),
        # Italy keeps its leading zero inside the national number.
        ("+39 06 1234 5678", None, "390612345678"),
        ("06 1234 5678", "IT", "390612345678"),
        ("  +49 151 23456789  ", None, "4915123456789"),
        ("0151 23456789", "DE", "4915123456789"),
        ("06 12 34 56 78", "FR", "33612345678"),
    ],
)
def test_accepted_forms_normalise_to_e164_digits(raw: str, region: str | None, e164: str) -> None:
    info = parse_number(raw, region)
    assert info.e164 == e164
    assert E164_DIGITS.fullmatch(info.e164)
    assert info.possible


def test_number_info_of_a_gb_mobile() -> None:
    assert parse_number("07400 123456", "GB") == NumberInfo(
        e164="447400123456",
        region="GB",
        valid=True,
        possible=True,
        line_type="mobile",
        international="+44 7400 123456",
        national="07400 123456",
    )


@pytest.mark.parametrize(
    ("raw", "line_type"),
    [
        ("+1 202 555 0100", "fixed_line_or_mobile"),
        ("+39 06 1234 5678", "fixed_line"),
        ("+1 800 356 9377", "toll_free"),
        ("+800 1234 5678", "toll_free"),
    ],
)
def test_line_type(raw: str, line_type: str) -> None:
    assert parse_number(raw, None).line_type == line_type


def test_non_geographic_number_has_no_region() -> None:
    assert parse_number("+800 1234 5678", None).region is None


def test_possible_number_in_an_unknown_range_is_returned_not_valid() -> None:
    # 07700 900xxx is Ofcom's range for drama: the right length, but not allocated.
    info = parse_number("+44 7700 900123", None)
    assert phonenumbers.is_possible_number(phonenumbers.parse("+447700900123"))
    assert not phonenumbers.is_valid_number(phonenumbers.parse("+447700900123"))
    assert (info.valid, info.possible, info.region, info.line_type) == (
        False,
        True,
        "GB",
        "unknown",
    )


@pytest.mark.parametrize(
    ("raw", "region", "rule"),
    [
        ("", "GB", "required"),
        ("   ", None, "required"),
        ("abc", "GB", "only digits"),
        ("1-800-FLOWERS", "US", "only digits"),
        ("+44 7400 123456 ext 5", None, "only digits"),
        ("+44 7400 123456#", None, "only digits"),
        ("44+7400123456", None, "only digits"),
        ("٠٧٤٠٠١٢٣٤٥٦", "GB", "only digits"),
        (
            "\uff10\uff17\uff14\uff10\uff10\uff11\uff12\uff13\uff14\uff15\uff16",
            "GB",
            "only digits",
        ),  # full-width
        ("()", None, "no digits"),
        ("+", None, "only digits"),
        ("07400 123456", None, "needs a country"),
        ("12", "GB", "too short"),
        ("+44 12", None, "too short"),
        ("+44 7400 1234567890", None, "too long"),
        ("9" * 30, "US", "too long"),
        ("+999 1234567", None, "country calling code"),
        ("+0044 7400 123456", None, "country calling code"),
        ("555 0100", "US", "area code"),
        ("+1", None, "international format"),
    ],
)
def test_impossible_input_is_refused_naming_the_rule(
    raw: str, region: str | None, rule: str
) -> None:
    with pytest.raises(ValidationFailed) as caught:
        parse_number(raw, region)
    (error,) = caught.value.errors
    assert error.field == "number"
    assert not error.overridable
    assert rule in error.message
    assert str(caught.value).startswith("number: ")


def test_unknown_default_region_reads_international_input_only() -> None:
    assert parse_number("+44 7400 123456", "XX").e164 == "447400123456"
    with pytest.raises(ValidationFailed, match="needs a country"):
        parse_number("07400 123456", "XX")


@pytest.mark.parametrize(
    ("raw", "region", "shown"),
    [
        ("07700900123", "GB", "07700 900123"),
        ("+4477009", "GB", "+44 7700 9"),
        ("2025550100", "US", "(202) 555-0100"),
        ("", "GB", ""),
        ("+4477009", "", "+44 7700 9"),
    ],
)
def test_as_you_type(raw: str, region: str, shown: str) -> None:
    assert as_you_type(raw, region) == shown


def test_country_choices_cover_the_metadata_sorted_by_name() -> None:
    choices = country_choices()
    assert {region for region, _, _ in choices} == phonenumbers.SUPPORTED_REGIONS
    names = [name.casefold() for _, name, _ in choices]
    assert names == sorted(names)
    assert ("GB", "United Kingdom", 44) in choices
    assert ("US", "United States", 1) in choices
    assert ("DE", "Germany", 49) in choices


def test_every_supported_region_has_a_name() -> None:
    assert set(COUNTRY_NAMES) == phonenumbers.SUPPORTED_REGIONS
    assert all(name and name != code for code, name in COUNTRY_NAMES.items())


def test_importing_the_validators_does_not_load_the_geocoder() -> None:
    code = (
        "import sys, desktop_app.domain.validation as v, desktop_app.domain.phone as p\n"
        "p.country_choices(); v.validate_start(v.StartForm('+44 7400 123456', 'Acme'))\n"
        "assert not any(m.startswith(('phonenumbers.geocoder', 'phonenumbers.carrier'))"
        " for m in sys.modules), sorted(sys.modules)\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


@pytest.mark.parametrize(
    ("locale_name", "region"),
    [
        ("en_GB.UTF-8", "GB"),
        ("en_US", "US"),
        ("de-AT", "AT"),
        ("fr_CA.ISO8859-1@euro", "CA"),
        ("sr_Latn_RS@latin", "RS"),
        ("zh-Hant-TW", "TW"),
        (None, None),
        ("", None),
        ("C", None),
        ("C.UTF-8", None),
        ("POSIX", None),
        ("en", None),
        ("es_419", None),
        ("en_UK", None),
    ],
)
def test_default_region_from_locale(locale_name: str | None, region: str | None) -> None:
    assert default_region_from_locale(locale_name) == region


REGIONS = sorted(phonenumbers.SUPPORTED_REGIONS)


def _examples() -> list[phonenumbers.PhoneNumber]:
    """The metadata's example number of every type of every region (all valid)."""
    types = [value for name, value in vars(PhoneNumberType).items() if name.isupper()]
    found = (phonenumbers.example_number_for_type(r, t) for r in REGIONS for t in types)
    return [number for number in found if number is not None]


def _e164(number: phonenumbers.PhoneNumber) -> str:
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)[1:]


EXAMPLES = _examples()
SENDABLE = [number for number in EXAMPLES if E164_DIGITS.fullmatch(_e164(number))]


@pytest.mark.slow
def test_every_sendable_example_number_round_trips_in_every_form() -> None:
    assert len(SENDABLE) > 1000
    for number in SENDABLE:
        e164 = _e164(number)
        region = phonenumbers.region_code_for_number(number)
        international = phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL)
        national = phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL)
        assert parse_number("+" + e164, None) == parse_number(international, None)
        assert parse_number("+" + e164, None).valid, e164
        assert parse_number(e164, None).e164 == e164
        assert parse_number(national, region).e164 == e164, (national, region)


def test_example_numbers_shorter_than_the_api_allows_are_refused() -> None:
    too_short = [number for number in EXAMPLES if number not in SENDABLE]
    for number in too_short:
        with pytest.raises(ValidationFailed, match="number: "):
            parse_number("+" + _e164(number), None)


@HYPOTHESIS
@given(st.sampled_from(SENDABLE), st.sampled_from(["", " ", "-", ".", " - "]), st.booleans())
def test_valid_e164_numbers_round_trip_with_any_separators(
    number: phonenumbers.PhoneNumber, sep: str, double_zero: bool
) -> None:
    international = phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL)
    typed = international.replace(" ", sep)
    if double_zero:
        typed = "00" + typed[1:]
    info = parse_number(typed, None)
    assert (info.e164, info.valid) == (_e164(number), True)
    assert parse_number("+" + info.e164, None) == info


@HYPOTHESIS
@given(st.text(), st.sampled_from([None, "GB", "US", "IT", "XX", "gb", ""]))
def test_parse_number_gives_a_number_or_validation_failed(raw: str, region: str | None) -> None:
    try:
        info = parse_number(raw, region)
    except ValidationFailed as failed:
        assert [e.field for e in failed.errors] == ["number"]
    else:
        assert E164_DIGITS.fullmatch(info.e164)


@HYPOTHESIS
@given(st.text(alphabet="+0123456789 ()-.", max_size=25), st.sampled_from([*REGIONS, ""]))
def test_digit_like_input_never_crashes_and_normalises(raw: str, region: str) -> None:
    try:
        info = parse_number(raw, region or None)
    except ValidationFailed:
        return
    assert E164_DIGITS.fullmatch(info.e164)
    assert parse_number("+" + info.e164, None).e164 == info.e164


@HYPOTHESIS
@given(st.text(), st.text(max_size=4))
def test_as_you_type_never_raises(raw: str, region: str) -> None:
    assert isinstance(as_you_type(raw, region), str)


@HYPOTHESIS
@given(st.one_of(st.none(), st.text()))
def test_default_region_from_locale_never_raises(name: str | None) -> None:
    region = default_region_from_locale(name)
    assert region is None or region in phonenumbers.SUPPORTED_REGIONS


@pytest.mark.parametrize(
    ("typed", "digits"),
    [
        ("+44 7700 900123", "447700900123"),
        ("0044 (7700) 900-123", "447700900123"),
        ("447700900123", "447700900123"),
        (" +1 202.555.0123 ", "12025550123"),
    ],
)
def test_a_written_number_becomes_the_messages_apis_digits(typed: str, digits: str) -> None:
    assert typed_e164_digits(typed) == digits


@pytest.mark.parametrize(
    "typed",
    ["07700 900123", "Acme", "+44 7700 9001\uff123", "+0 7700 900123", "++447700900123", ""],
)
def test_anything_else_written_is_left_for_its_rule(typed: str) -> None:
    assert typed_e164_digits(typed) == typed
