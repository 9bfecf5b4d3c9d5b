# ruff: noqa: RUF001, E501 - other scripts' digits are the test data; exact messages stay on one line
"""Bad input (issue 5, item 5): a table of concrete bad inputs with the exact message each gets,
and property-based tests over every validator and parser: a value or a clean refusal, never a
crash.

The messages were captured from the validators and reviewed: each names the field and states the
rule (and, where it helps, echoes the input). Number inputs that *look* right (another script's
digits, an invisible RTL mark or NUL from a paste) get a message naming that character.
"""

from __future__ import annotations

import contextlib
import json
import string
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desktop_app.api import parsing
from desktop_app.api.errors import error_for_status
from desktop_app.api.http import decode_json
from desktop_app.cli.connection import check_host_options
from desktop_app.cli.parser import parse_status
from desktop_app.domain.errors import (
    ApiError,
    FieldError,
    ResponseFormatError,
    ValidationFailed,
)
from desktop_app.domain.field_rules import RULES, field_error
from desktop_app.domain.phone import parse_number
from desktop_app.domain.redact import redact_numbers, redact_secret
from desktop_app.domain.validation import (
    Psd2Form,
    StartForm,
    validate_code,
    validate_psd2,
    validate_request_id,
    validate_request_ids,
    validate_start,
)
from desktop_app.settings.profiles import url_problem

from . import figures

# The reliability suite (also run alone by `python -m tests.reliability`): sweeps and
# fault runs, left out of the quick loop (scripts/test --quick).
pytestmark = pytest.mark.slow

_FORMAT = (
    "number: must be a phone number in international format (+44 7700 900123) or national "
    "format for the chosen country"
)
_CHARS = "; only digits, spaces, '+' (first), '-', '.', '(' and ')' are allowed"

#: (field, raw input, the rule's other fields, the exact message).
FIELD_CASES: list[tuple[str, str, dict[str, Any], str]] = [
    ('number', '', {}, "number: required; " + _FORMAT[len("number: "):]),
    ('number', 'abc', {}, _FORMAT + _CHARS),
    ('number', '44 77OO 900123', {}, _FORMAT + _CHARS),
    ('number', '12', {}, 'number: unknown country calling code; start with + and a real country code'),
    ('number', '+4477009001234567890', {}, 'number: too long for a phone number of GB (got 19 digits)'),
    ('number', '٤٤٧٧٠٠٩٠٠١٢٣', {}, "number: must use the digits 0-9 (found '٤', a digit of another script or a full-width digit)"),
    ('number', '４４７７００９００１２３', {}, "number: must use the digits 0-9 (found '４', a digit of another script or a full-width digit)"),
    ('number', '+447700900123📞', {}, _FORMAT + _CHARS),
    ('number', '\u200f+447700900123', {}, 'number: contains an invisible or control character (U+200F); retype the number or paste it as plain text'),
    ('number', '4477009\x00123', {}, 'number: contains an invisible or control character (U+0000); retype the number or paste it as plain text'),
    ('number', '+999 123456789', {}, 'number: unknown country calling code; start with + and a real country code'),
    ('number', '07700900123', {}, 'number: a national number needs a country: choose one, or start with + and the country code (+44 7700 900123)'),
    ('number', '07700900123', {'country': 'UK'}, 'number: a national number needs a country: choose one, or start with + and the country code (+44 7700 900123)'),
    ('number', '+44 (0) 7700 900123 ext 5', {}, _FORMAT + _CHARS),
    ('brand', '', {}, 'brand: required, 1 to 18 characters'),
    ('brand', '   ', {}, 'brand: required, 1 to 18 characters'),
    ('brand', 'BBBBBBBBBBBBBBBBBBB', {}, 'brand: at most 18 characters (got 19)'),
    ('brand', 'Acme\nBank', {}, 'brand: must not contain control characters or line breaks'),
    ('brand', 'Acme\x00', {}, 'brand: must not contain control characters or line breaks'),
    ('sender_id', 'Acme Bank', {}, 'sender_id: letters and digits only (A-Z, a-z, 0-9)'),
    ('sender_id', 'ACMEBANK1234', {}, 'sender_id: at most 11 characters (got 12)'),
    ('sender_id', 'Äcme', {}, 'sender_id: letters and digits only (A-Z, a-z, 0-9)'),
    ('code_length', '5', {}, "code_length: must be 4 or 6 (got '5')"),
    ('code_length', 'four', {}, "code_length: must be 4 or 6 (got 'four')"),
    ('code_length', '４', {}, "code_length: must be 4 or 6 (got '４')"),
    ('lg', 'xx-yy', {}, "lg: must be one of the 39 Verify language codes, e.g. en-us (got 'xx-yy')"),
    ('lg', 'en-us', {'psd2': True}, "lg: must be one of the 21 PSD2 language codes, e.g. en-gb (got 'en-us')"),
    ('lg', 'english', {}, "lg: must be one of the 39 Verify language codes, e.g. en-us (got 'english')"),
    ('pin_expiry', '30', {}, "pin_expiry: must be a whole number of seconds from 60 to 3600 (got '30')"),
    ('pin_expiry', '250', {'next_event_wait': '120'}, 'pin_expiry: must be an exact multiple of next_event_wait (120 s), got 250; the API would otherwise shorten the expiry'),
    ('pin_expiry', '4000', {}, "pin_expiry: must be a whole number of seconds from 60 to 3600 (got '4000')"),
    ('pin_expiry', '1e3', {}, "pin_expiry: must be a whole number of seconds from 60 to 3600 (got '1e3')"),
    ('next_event_wait', '901', {}, "next_event_wait: must be a whole number of seconds from 60 to 900 (got '901')"),
    ('next_event_wait', '-60', {}, "next_event_wait: must be a whole number of seconds from 60 to 900 (got '-60')"),
    ('next_event_wait', '60.0', {}, "next_event_wait: must be a whole number of seconds from 60 to 900 (got '60.0')"),
    ('workflow_id', '8', {}, "workflow_id: must be a whole number from 1 to 7 (got '8')"),
    ('workflow_id', '0', {}, "workflow_id: must be a whole number from 1 to 7 (got '0')"),
    ('workflow_id', 'one', {}, "workflow_id: must be a whole number from 1 to 7 (got 'one')"),
    ('pin_code', '12', {}, 'pin_code: must be 4 to 10 letters or digits (got 2)'),
    ('pin_code', '12345', {'code_length': '4'}, 'pin_code: must have 4 characters to match code_length (got 5)'),
    ('pin_code', '12 34', {}, 'pin_code: must be 4 to 10 letters or digits, nothing else'),
    ('payee', '', {}, 'payee: required, 1 to 18 characters'),
    ('payee', 'PPPPPPPPPPPPPPPPPPP', {}, 'payee: at most 18 characters (got 19)'),
    ('amount', '', {}, 'amount: required, an amount in euros such as 12.50'),
    ('amount', '-3', {}, "amount: must be an amount in euros, digits with a dot, e.g. 12.50 (got '-3')"),
    ('amount', '0', {}, "amount: must be greater than 0 (got '0')"),
    ('amount', '1,50', {}, "amount: must be an amount in euros, digits with a dot, e.g. 12.50 (got '1,50')"),
    ('amount', '1e3', {}, "amount: must be an amount in euros, digits with a dot, e.g. 12.50 (got '1e3')"),
    ('amount', 'NaN', {}, "amount: must be an amount in euros, digits with a dot, e.g. 12.50 (got 'NaN')"),
    ('amount', '١٢', {}, "amount: must be an amount in euros, digits with a dot, e.g. 12.50 (got '١٢')"),
    ('code', '', {}, 'code: required, 4 to 10 letters or digits'),
    ('code', '12', {}, 'code: must be 4 to 10 letters or digits (got 2)'),
    ('code', '12345678901', {}, 'code: must be 4 to 10 letters or digits (got 11)'),
    ('code', '12 34', {}, 'code: must be 4 to 10 letters or digits, nothing else'),
    ('code', '１２３４', {}, 'code: must be 4 to 10 letters or digits, nothing else'),
    ('request_id', '', {}, "request_id: required, 1 to 32 letters, digits or '-'"),
    ('request_id', 'not an id!', {}, "request_id: must be 1 to 32 letters, digits or '-' (got 'not an id!')"),
    ('request_id', 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx', {}, 'request_id: at most 32 characters (got 33)'),
    ('request_id', 'abc\x00def', {}, "request_id: must be 1 to 32 letters, digits or '-' (got 'abc\\x00def')"),
    ('request_id', 'ａｂｃ', {}, "request_id: must be 1 to 32 letters, digits or '-' (got 'ａｂｃ')"),
    ('country', 'UK', {}, "country: must be a two-letter ISO country code such as GB or US (got 'UK'); use GB for the United Kingdom"),
    ('country', 'ZZ', {}, "country: must be a two-letter ISO country code such as GB or US (got 'ZZ')"),
]  # fmt: skip

#: (--api-host value, the exact ``str(ValidationFailed)``); nothing is ever sent to these.
HOST_CASES: list[tuple[str, str]] = [
    ("http://example.com", "--api-host: must use https (http is allowed only for localhost / "
     "127.0.0.1 / ::1) (got 'http://example.com')"),
    ("http://10.0.0.1", "--api-host: must use https (http is allowed only for localhost / "
     "127.0.0.1 / ::1) (got 'http://10.0.0.1')"),
    ("ftp://api.nexmo.com", "--api-host: must be a URL such as https://api.nexmo.com "
     "(got 'ftp://api.nexmo.com')"),
    # The refusal never repeats credentials given in the URL (issue 14).
    ("https://user:pass@api.nexmo.com", "--api-host: must not contain a user name or password "
     "(got a URL with a user name or password, not repeated here)"),
    ("https://api nexmo.com", "--api-host: must not contain spaces (a URL such as "
     "https://api.nexmo.com) (got 'https://api nexmo.com')"),
    ("https://api.nexmo.com ", "--api-host: must not contain spaces (a URL such as "
     "https://api.nexmo.com) (got 'https://api.nexmo.com ')"),
    ("https://api.nexmo.com/v1", "--api-host: must be a host only, without a path, query or "
     "fragment (got 'https://api.nexmo.com/v1')"),
    ("http://localhost:99999", "--api-host: is not a valid URL (got 'http://localhost:99999')"),
    ("api.nexmo.com", "--api-host: must be a URL such as https://api.nexmo.com "
     "(got 'api.nexmo.com')"),
    ("https://", "--api-host: must be a URL such as https://api.nexmo.com (got 'https://')"),
]  # fmt: skip


def test_the_table_is_big_enough() -> None:
    assert len(FIELD_CASES) + len(HOST_CASES) >= 40
    assert {f for f, *_ in FIELD_CASES} >= {
        "number", "brand", "sender_id", "code_length", "lg", "pin_expiry", "next_event_wait",
        "workflow_id", "payee", "amount", "code", "request_id", "pin_code", "country",
    }  # fmt: skip


@pytest.mark.parametrize(("field", "raw", "context", "message"), FIELD_CASES)
def test_bad_field_gets_its_exact_message(
    field: str, raw: str, context: dict[str, Any], message: str
) -> None:
    figures.add("bad_inputs_tried")
    error = field_error(field, raw, **context)
    assert error is not None and not error.overridable
    assert str(error) == message
    assert error.field == field and message.startswith(f"{field}: ")


@pytest.mark.parametrize(("host", "message"), HOST_CASES)
def test_bad_host_gets_its_exact_message(host: str, message: str) -> None:
    figures.add("bad_inputs_tried")
    with pytest.raises(ValidationFailed) as refused:
        check_host_options(host, None)
    assert str(refused.value) == message


def test_form_validators_report_the_same_messages() -> None:
    """The whole-form validators (what the desk runs) carry the table's messages unchanged."""
    with pytest.raises(ValidationFailed) as refused:
        validate_start(StartForm(number="٤٤٧٧٠٠٩٠٠١٢٣", brand="B" * 19, workflow_id="8"))
    assert [str(e) for e in refused.value.errors] == [
        "number: must use the digits 0-9 (found '٤', a digit of another script or a full-width "
        "digit)",
        "brand: at most 18 characters (got 19)",
        "workflow_id: must be a whole number from 1 to 7 (got '8')",
    ]
    figures.add("bad_inputs_tried")


# -- properties ---------------------------------------------------------------------------

#: Digits of many scripts: ASCII, Arabic-Indic, Extended Arabic-Indic, Devanagari, Bengali,
#: Thai, full-width, mathematical bold; plus the separators people type and paste.
_DIGIT_SETS = ["0123456789", "٠١٢٣٤٥٦٧٨٩", "۰۱۲۳۴۵۶۷۸۹", "०१२३४५६७८९", "০১২৩৪৫৬৭৮৯",
               "๐๑๒๓๔๕๖๗๘๙", "０１２３４５６７８９", "𝟎𝟏𝟐𝟑𝟒𝟓𝟔𝟕𝟖𝟗"]  # fmt: skip
_NUMBERISH = st.text(
    alphabet=st.sampled_from(list("".join(_DIGIT_SETS) + " +-.()\u200f\u200e\u200b\x00\t/#*x")),
    max_size=40,
)
_ANY_TEXT = st.text(max_size=60)
_INPUT = st.one_of(_ANY_TEXT, _NUMBERISH, st.sampled_from(["", " ", "0", "-1", "1e3", "NaN",
                                                           "∞", "4" * 5000, "\x00" * 3]))  # fmt: skip
_REGIONS = st.sampled_from([None, "GB", "US", "DE", "IN", "EG", "JP", "ZZ", ""])

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(field=st.sampled_from(sorted(RULES)), raw=_INPUT)
def test_every_field_rule_returns_a_value_or_a_field_error(field: str, raw: str) -> None:
    checked = RULES[field](raw)
    assert checked.error is None or isinstance(checked.error, FieldError)
    if checked.error is not None and not checked.error.overridable:
        assert checked.value is None
        assert checked.error.field == field and checked.error.message


@SETTINGS
@given(raw=st.one_of(_NUMBERISH, _ANY_TEXT), region=_REGIONS)
def test_parse_number_in_any_script_is_a_number_or_a_refusal(raw: str, region: str | None) -> None:
    try:
        info = parse_number(raw, region)
    except ValidationFailed as refused:
        assert [e.field for e in refused.errors] == ["number"]
        return
    assert info.e164.isascii() and info.e164.isdigit() and 7 <= len(info.e164) <= 15


@SETTINGS
@given(
    number=st.one_of(_NUMBERISH, st.just("+447123450100")),
    brand=_INPUT,
    fields=st.lists(_INPUT, min_size=8, max_size=8),
)
def test_start_and_psd2_forms_are_params_or_validation_failed(
    number: str, brand: str, fields: list[str]
) -> None:
    sender, length, lg, expiry, wait, workflow, pin, amount = fields
    forms = [
        lambda: validate_start(StartForm(number=number, brand=brand, sender_id=sender,
                                         code_length=length, lg=lg, pin_expiry=expiry,
                                         next_event_wait=wait, workflow_id=workflow,
                                         pin_code=pin), default_region="GB"),
        lambda: validate_psd2(Psd2Form(number=number, payee=brand, amount=amount,
                                       code_length=length, lg=lg, pin_expiry=expiry,
                                       next_event_wait=wait, workflow_id=workflow),
                              default_region="GB"),
    ]  # fmt: skip
    for form in forms:
        try:
            params = form()
        except ValidationFailed as refused:
            assert refused.errors and all(e.field and e.message for e in refused.errors)
            continue
        assert params.number.isdigit()


@SETTINGS
@given(code=_INPUT, rid=_INPUT, ids=st.lists(_INPUT, max_size=12))
def test_codes_and_ids_are_values_or_validation_failed(code: str, rid: str, ids: list[str]) -> None:
    for call, check in (
        (lambda: validate_code(code), lambda v: v.isascii() and v.isalnum()),
        (lambda: validate_request_id(rid), lambda v: 1 <= len(v) <= 32),
        (lambda: validate_request_ids(ids), lambda v: 1 <= len(v) <= 10),
    ):
        try:
            value = call()
        except ValidationFailed:
            continue
        assert check(value)


@SETTINGS
@given(amount=st.one_of(_INPUT, st.decimals(allow_nan=True, allow_infinity=True).map(str)))
def test_amounts_are_positive_decimals_or_refused(amount: str) -> None:
    checked = RULES["amount"](amount)
    if checked.error is None:
        assert isinstance(checked.value, Decimal) and checked.value > 0
        assert checked.value.is_finite()


_HOSTS = st.one_of(
    _ANY_TEXT,
    st.builds(
        lambda scheme, auth, host, port, path: f"{scheme}{auth}{host}{port}{path}",
        st.sampled_from(["http://", "https://", "ftp://", "", "HTTP://", "javascript:", "//"]),
        st.sampled_from(["", "user:pass@", "@", "a@"]),
        st.one_of(st.sampled_from(["localhost", "127.0.0.1", "[::1]", "example.com",
                                   "api.nexmo.com", "10.0.0.1", "xn--e1afmkfd.xn--p1ai",
                                   "аpi.nexmo.com", "api nexmo.com", ""]),
                  st.text(max_size=15)),
        st.sampled_from(["", ":8080", ":0", ":99999", ":-1", ":abc"]),
        st.sampled_from(["", "/", "/v1", "?q=1", "#x", " "]),
    ),
)  # fmt: skip


@SETTINGS
@given(host=_HOSTS)
def test_hosts_are_accepted_only_as_safe_urls(host: str) -> None:
    try:
        check_host_options(host, None)
    except ValidationFailed as refused:
        assert [e.field for e in refused.errors] == ["--api-host"]
        return
    if not host:
        return
    # Accepted: https, or http to loopback only; never credentials, never whitespace.
    assert url_problem(host, allow_path=False) is None
    assert not any(c.isspace() for c in host)
    assert host.lower().startswith("https://") or host.lower().startswith("http://")
    if host.lower().startswith("http://"):
        assert any(h in host for h in ("localhost", "127.", "[::1]"))


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner,
                                                                 max_size=6),
    max_leaves=20,
)  # fmt: skip
_V1_KEYS = ["status", "request_id", "error_text", "event_id", "price", "currency",
            "estimated_price_messages_sent", "verification_requests", "checks", "events",
            "date_submitted", "date_finalized", "value", "autoReload", "command", "network"]  # fmt: skip
_V1_OBJECT = st.dictionaries(
    st.sampled_from(_V1_KEYS), _JSON | st.sampled_from(["0", "10", "16", "101", "", "abc"])
)
_PARSERS = [parsing.parse_start, parsing.parse_check, parsing.parse_search,
            parsing.parse_search_many, parsing.parse_control, parsing.parse_balance]  # fmt: skip


@SETTINGS
@given(data=st.one_of(_JSON, _V1_OBJECT), index=st.integers(0, len(_PARSERS) - 1))
def test_api_parsers_return_a_value_or_a_domain_error(data: Any, index: int) -> None:
    with contextlib.suppress(ApiError, ResponseFormatError):
        _PARSERS[index](data)


@SETTINGS
@given(body=st.one_of(st.binary(max_size=200), _JSON.map(lambda v: json.dumps(v).encode()),
                      st.integers(1, 200_000).map(lambda n: b"[" * n)))  # fmt: skip
def test_decode_json_reads_any_bytes_or_says_it_cannot(body: bytes) -> None:
    try:
        decode_json(body)
    except ResponseFormatError as error:
        assert "cannot read" in str(error) or "empty" in str(error)


@SETTINGS
@given(status=st.text(max_size=6), text=st.text(max_size=40))
def test_any_api_status_maps_to_an_api_error(status: str, text: str) -> None:
    assert isinstance(error_for_status(status, text), ApiError)


@SETTINGS
@given(text=st.text(max_size=30))
def test_cli_status_filter_is_a_status_or_a_usage_error(text: str) -> None:
    import argparse

    try:
        parse_status(text)
    except argparse.ArgumentTypeError as refused:
        assert "unknown status" in str(refused)


@SETTINGS
@given(
    prefix=st.text(alphabet=" :=,(abc", max_size=5),
    digits=st.text(alphabet=string.digits, min_size=7, max_size=15),
    plus=st.booleans(),
    suffix=st.text(alphabet=" ).,;xyz", max_size=5),
)
def test_log_redaction_keeps_only_the_last_four_digits(
    prefix: str, digits: str, plus: bool, suffix: str
) -> None:
    if prefix[-1:].isalnum() or suffix[:1].isalnum():
        return  # part of a longer word: not a number (ids stay readable)
    text = f"{prefix}{'+' if plus else ''}{digits}{suffix}"
    redacted = redact_numbers(text)
    assert digits not in redacted
    assert digits[-4:] in redacted and "***" in redacted
    assert redact_numbers(redacted) == redacted


@SETTINGS
@given(
    secret=st.text(st.characters(blacklist_characters="[]|"), min_size=4, max_size=30),
    around=st.text(max_size=20),
)
def test_secret_redaction_removes_every_spelling(secret: str, around: str) -> None:
    from urllib.parse import quote, quote_plus

    plus, pct = (
        quote_plus(secret, errors="surrogatepass"),
        quote(secret, safe="", errors="surrogatepass"),
    )
    text = f"{around}{secret}|{plus}|{pct}{around}"
    redacted = redact_secret(text, secret)
    assert secret.lower() not in redacted.lower() or secret.lower() in "[secret]"
