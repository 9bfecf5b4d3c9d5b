"""Phone number parsing and formatting on top of ``phonenumbers`` (metadata only, no geocoder).

The Verify API wants a number as E.164 digits without ``+``, ``00`` or spaces (field guide
section 6, item 4). :func:`parse_number` turns what a person types into that form, or refuses it
with a :class:`~desktop_app.domain.errors.FieldError` on field ``"number"`` that names the rule.

Input forms accepted:

* international: ``+44 7700 900123``, ``0044 7700 900123`` (a leading ``00`` is always read as
  the international prefix), or the region's own prefix such as ``011`` for ``US``;
* the API's own form, bare international digits ``447700900123`` (used when there is no default
  region, or when the digits are too many for a possible national number of the default region
  and read internationally they are possible);
* national, for the default region: ``07700 900123`` with ``GB`` (the trunk ``0`` is dropped,
  also when it was wrongly kept after the country code: ``+44 (0)7700 900123``).

Separators allowed: spaces, ``-``, ``.``, ``(`` and ``)``. Letters (vanity numbers, ``ext.``) and
non-ASCII digits are refused.

A number that is *possible* (right length for its country) but not *valid* (not in a range the
metadata knows) is returned with ``valid=False``; the validators turn that into an overridable
warning, because number ranges change faster than the metadata.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat, PhoneNumberType
from phonenumbers import ValidationResult as _Reason

from desktop_app.domain.countries import COUNTRY_NAMES
from desktop_app.domain.errors import FieldError, ValidationFailed

#: The API's own number pattern (SDK regex): E.164 digits without "+".
E164_DIGITS = re.compile(r"[1-9]\d{6,14}")

_FIELD = "number"
_FORMAT_RULE = (
    "must be a phone number in international format (+44 7700 900123) "
    "or national format for the chosen country"
)
_ALLOWED = re.compile(r"\+?[0-9 ().\-]+")
#: What people put between the digits of a number (the Send page's rule allows these).
_SEPARATORS = re.compile(r"[ ().\-]")
#: Digits beyond this cannot be a number even with an international and a trunk prefix.
_MAX_DIGITS = 20

_LINE_TYPES: dict[int, str] = {
    PhoneNumberType.FIXED_LINE: "fixed_line",
    PhoneNumberType.MOBILE: "mobile",
    PhoneNumberType.FIXED_LINE_OR_MOBILE: "fixed_line_or_mobile",
    PhoneNumberType.TOLL_FREE: "toll_free",
    PhoneNumberType.PREMIUM_RATE: "premium_rate",
    PhoneNumberType.SHARED_COST: "shared_cost",
    PhoneNumberType.VOIP: "voip",
    PhoneNumberType.PERSONAL_NUMBER: "personal_number",
    PhoneNumberType.PAGER: "pager",
    PhoneNumberType.UAN: "uan",
    PhoneNumberType.VOICEMAIL: "voicemail",
}


@dataclass(frozen=True)
class NumberInfo:
    """A phone number that can exist, in the forms the app needs.

    Attributes:
        e164: E.164 digits without ``+`` (what the API is sent), e.g. ``"447700900123"``.
        region: ISO region of the number (``"GB"``); for a number outside the known ranges, the
            main region of its calling code; ``None`` for non-geographic codes (``+800``).
        valid: ``phonenumbers.is_valid_number``: the number is in a range the metadata knows.
        possible: ``phonenumbers.is_possible_number`` (always true for a parsed result).
        line_type: ``"mobile"``, ``"fixed_line"``, ``"fixed_line_or_mobile"``, ``"voip"``,
            ``"toll_free"``, ``"premium_rate"``, ... or ``"unknown"``.
        international: ``"+44 7700 900123"``.
        national: ``"07700 900123"``.
    """

    e164: str
    region: str | None
    valid: bool
    possible: bool
    line_type: str
    international: str
    national: str


def _refuse(message: str) -> ValidationFailed:
    return ValidationFailed([FieldError(_FIELD, message)])


def _try_parse(text: str, region: str | None) -> phonenumbers.PhoneNumber | None:
    try:
        return phonenumbers.parse(text, region)
    except NumberParseException:
        return None


def _why_unparsable(compact: str, region: str | None) -> str:
    """The rule broken by input that ``phonenumbers`` cannot parse at all."""
    text = "+" + compact[2:] if compact.startswith("00") else compact
    try:
        phonenumbers.parse(text, region if not text.startswith("+") else None)
    except NumberParseException as error:
        if error.error_type == NumberParseException.INVALID_COUNTRY_CODE:
            return "unknown country calling code; start with + and a real country code"
        if error.error_type == NumberParseException.TOO_LONG:
            return "too long for a phone number"
        if error.error_type != NumberParseException.NOT_A_NUMBER:
            return "too short for a phone number"
    return _FORMAT_RULE


def _is_possible(number: phonenumbers.PhoneNumber) -> bool:
    """Possible as a whole number.

    A local number without its area code is not, unless the metadata knows it as a complete
    number (Canada's 310-xxxx).
    """
    reason = phonenumbers.is_possible_number_with_reason(number)
    if reason == _Reason.IS_POSSIBLE_LOCAL_ONLY:
        return bool(phonenumbers.is_valid_number(number))
    return bool(reason == _Reason.IS_POSSIBLE)


def _rank(number: phonenumbers.PhoneNumber | None) -> int:
    """2 = valid, 1 = possible only, 0 = neither (or not parsed)."""
    if number is None or not _is_possible(number):
        return 0
    return 2 if phonenumbers.is_valid_number(number) else 1


def _candidate(compact: str, region: str | None) -> phonenumbers.PhoneNumber | None:
    """Pick the best reading of separator-free input (see the module docstring)."""
    if compact.startswith("+"):
        return _try_parse(compact, None)
    if compact.startswith("00"):
        return _try_parse("+" + compact[2:], None)
    if region is None:
        if compact.startswith("0"):
            raise _refuse(
                "a national number needs a country: choose one, or start with + and the "
                "country code (+44 7700 900123)"
            )
        return _try_parse("+" + compact, None)
    national = _try_parse(compact, region)
    if compact.startswith("0") or _rank(national) == 2:
        return national
    if national is not None and phonenumbers.is_possible_number_with_reason(national) in (
        _Reason.TOO_SHORT,
        _Reason.IS_POSSIBLE_LOCAL_ONLY,
    ):
        # Too few digits to hold a country code as well: not international digits.
        return national
    international = _try_parse("+" + compact, None)
    return international if _rank(international) > _rank(national) else national


def _why_impossible(number: phonenumbers.PhoneNumber, digits: int) -> str:
    reason = phonenumbers.is_possible_number_with_reason(number)
    where = _region_of(number) or f"+{number.country_code}"
    if reason == _Reason.INVALID_COUNTRY_CODE:
        return f"+{number.country_code} is not a country calling code"
    if reason == _Reason.TOO_SHORT:
        return f"too short for a phone number of {where} (got {digits} digits)"
    if reason == _Reason.TOO_LONG:
        return f"too long for a phone number of {where} (got {digits} digits)"
    if reason == _Reason.IS_POSSIBLE_LOCAL_ONLY:
        return "a local number without its area code; add the area code"
    return f"not a possible length for a phone number of {where} (got {digits} digits)"


def _region_of(number: phonenumbers.PhoneNumber) -> str | None:
    region = phonenumbers.region_code_for_number(number)
    if region is None:
        region = phonenumbers.region_code_for_country_code(number.country_code or 0)
    return region if region in phonenumbers.SUPPORTED_REGIONS else None


def parse_number(raw: str, default_region: str | None) -> NumberInfo:
    """Parse what a person typed into a number that can exist.

    Args:
        raw: The number as typed (see the module docstring for the accepted forms).
        default_region: ISO region used for national input; ``None`` when unknown.

    Returns:
        The number's forms; ``valid`` is false for a possible number in an unknown range.

    Raises:
        ValidationFailed: One ``FieldError`` on ``"number"`` naming the broken rule (empty,
            letters, no country for national input, unknown calling code, too short/long).
    """
    text = raw.strip()
    if not text:
        raise _refuse(f"required; {_FORMAT_RULE}")
    if not text.isascii() or _ALLOWED.fullmatch(text) is None:
        raise _refuse(
            f"{_FORMAT_RULE}; only digits, spaces, '+' (first), '-', '.', '(' and ')' are allowed"
        )
    compact = _SEPARATORS.sub("", text)
    digits = len(compact.lstrip("+"))
    if digits == 0:
        raise _refuse(f"{_FORMAT_RULE}; no digits were given")
    if digits > _MAX_DIGITS:
        raise _refuse(f"too long for a phone number (got {digits} digits)")
    region = default_region.upper() if default_region else None
    if region not in phonenumbers.SUPPORTED_REGIONS:
        region = None
    number = _candidate(compact, region)
    if number is None:
        raise _refuse(_why_unparsable(compact, region))
    if not _is_possible(number):
        raise _refuse(_why_impossible(number, digits))
    e164 = phonenumbers.format_number(number, PhoneNumberFormat.E164).lstrip("+")
    if E164_DIGITS.fullmatch(e164) is None:
        raise _refuse(f"{_FORMAT_RULE}; E.164 allows 7 to 15 digits (got {len(e164)})")
    return NumberInfo(
        e164=e164,
        region=_region_of(number),
        valid=phonenumbers.is_valid_number(number),
        possible=True,
        line_type=_LINE_TYPES.get(phonenumbers.number_type(number), "unknown"),
        international=phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL),
        national=phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL),
    )


def as_you_type(raw: str, region: str) -> str:
    """Format a partly typed number the way ``phonenumbers.AsYouTypeFormatter`` does.

    Args:
        raw: The text typed so far.
        region: ISO region for national input (an unknown region formats ``+`` input only).

    Returns:
        The formatted text (``""`` for empty input).
    """
    formatter = phonenumbers.AsYouTypeFormatter(region.upper() or "ZZ")
    result = ""
    for char in raw:
        result = formatter.input_digit(char)
    return result


def country_choices() -> list[tuple[str, str, int]]:
    """The country picker's entries: ``(region, English name, calling code)``, sorted by name."""
    choices = [
        (region, COUNTRY_NAMES.get(region, region), phonenumbers.country_code_for_region(region))
        for region in phonenumbers.SUPPORTED_REGIONS
    ]
    return sorted(choices, key=lambda choice: (choice[1].casefold(), choice[0]))


def default_region_from_locale(locale_name: str | None) -> str | None:
    """The ISO region of a POSIX or BCP 47 locale name, when the metadata knows it.

    ``"en_GB.UTF-8"`` -> ``"GB"``, ``"de-AT"`` -> ``"AT"``, ``"sr_Latn_RS@latin"`` -> ``"RS"``;
    ``None``, ``"C"``, ``"POSIX"``, ``"en"`` and ``"es_419"`` -> ``None``.
    """
    if not locale_name:
        return None
    base = re.split(r"[.@]", locale_name, maxsplit=1)[0]
    for part in reversed(re.split(r"[_-]", base)[1:]):
        if len(part) == 2 and part.isascii() and part.isalpha():
            region = part.upper()
            return region if region in phonenumbers.SUPPORTED_REGIONS else None
    return None


#: A made-up subscriber part that completes a NANP area code into a number of the right shape.
_NANP_FILL = "2345678"


def region_of_prefix(digits: str) -> str | None:
    """The region of E.164 digits, given whole or only their first digits (``"447"``).

    Calling codes have one to three digits and none is the start of another, so three digits
    decide the code. The region is the calling code's main region (``44`` is ``GB``, its crown
    dependencies included); for ``+1`` (the North American plan) the area code, the three
    digits after the ``1``, decides (``1416`` is ``CA``). Analytics groups a million rows by
    these few digits in SQL and names each group once here.

    Returns:
        The ISO region, or None for an unknown or non-geographic code (``+800``).
    """
    for size in (1, 2, 3):
        head = digits[:size]
        if len(head) < size or not head.isdigit():
            return None
        regions = phonenumbers.region_codes_for_country_code(int(head))
        if not regions:
            continue
        if head == "1" and len(digits) >= 4 and digits[1:4].isdigit():
            number = _try_parse("+1" + digits[1:4] + _NANP_FILL, None)
            region = phonenumbers.region_code_for_number(number) if number else None
            if region in phonenumbers.SUPPORTED_REGIONS:
                return str(region)
        main = phonenumbers.region_code_for_country_code(int(head))
        return str(main) if main in phonenumbers.SUPPORTED_REGIONS else None
    return None


@functools.lru_cache(maxsize=8192)
def display_number(number: str) -> str:
    """Stored E.164 digits (``+`` optional) laid out for display: ``+44 7700 900123``.

    Display only needs the international layout, so the number is parsed and formatted without
    the validation and type detection of :func:`parse_number` (several times cheaper), except
    for an impossible number, which is shown as the validating parser would show it, or as
    typed. An address (a Verify v2 email channel) is returned as it is.

    Cached (thread-safe): the history table asks for every visible cell on every repaint, and
    the history's store threads format each page's numbers before the page reaches the window,
    so the GUI thread finds them here (a number's first formatting can import its region's
    metadata module: milliseconds).
    """
    if "@" in number:
        return number
    digits = number.strip().lstrip("+")
    if not digits:
        return ""
    if not digits.isdigit():
        return f"+{digits}"
    try:
        parsed = phonenumbers.parse(f"+{digits}", None)
    except NumberParseException:
        return f"+{digits}"
    if not phonenumbers.is_possible_number(parsed):
        try:  # the validating parser's rules decide what is shown as typed
            return parse_number(f"+{digits}", None).international
        except ValidationFailed:
            return f"+{digits}"
    return str(phonenumbers.format_number(parsed, PhoneNumberFormat.INTERNATIONAL))


def typed_e164_digits(text: str) -> str:
    """A number as people write it, as the bare E.164 digits the Messages API takes.

    ``+44 7700 900123`` and ``0044 (7700) 900-123`` both become ``447700900123``. Only a ``+``
    or ``00`` in front and separators are dropped; any other text (a national number, a sender
    name, letters) comes back as it was, so its rule can say what is wrong.
    """
    compact = _SEPARATORS.sub("", text.strip())
    for prefix in ("+", "00"):
        if compact.startswith(prefix):
            compact = compact[len(prefix) :]
            break
    return compact if compact.isascii() and E164_DIGITS.fullmatch(compact) else text
