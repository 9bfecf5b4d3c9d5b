"""One rule per input field: the single place each field's rule is written.

Each ``check_<field>`` function takes the raw text of one field (as typed in the window or given
to the CLI; ``""`` means "not given") plus the few other raw fields its rule depends on, and
returns a :class:`Checked`: the normalised value, or ``None`` when the optional field was left
empty, and at most one :class:`~desktop_app.domain.errors.FieldError`. The form validators in
:mod:`desktop_app.domain.validation` and the window's live inline checks (:func:`field_error`)
both go through these functions.

``FieldError.message`` states the rule without the field name; the field is
``FieldError.field`` and ``str(ValidationFailed)`` renders both as ``"brand: at most 18
characters (got 23)"``. Codes and custom PINs are never echoed in a message.

Rule decisions (beyond the field guide's limits):

* Whole numbers accept surrounding whitespace only: ``"4.0"``, ``"1e3"``, ``"+60"`` and non-ASCII
  digits are refused.
* ``pin_expiry`` must be an exact multiple of ``next_event_wait``; when ``next_event_wait`` is not
  given, of the API default (300 s), because the API would otherwise silently shorten the expiry.
  The problem is reported on ``pin_expiry``. When only ``next_event_wait`` is given nothing is
  cross-checked (the API's own ``pin_expiry`` default applies).
* A custom ``pin_code`` must have exactly ``code_length`` characters when ``code_length`` is given
  (reported on ``pin_code``); without ``code_length`` any length from 4 to 10 is accepted.
* ``amount`` is plain decimal notation with a dot (``"12.50"``); exponents, commas, signs,
  ``NaN`` and infinities are refused.
* A number that is possible but outside the ranges the metadata knows is an overridable warning.
* A number holding an invisible character (a right-to-left mark or zero-width space from a
  paste, a NUL) or another script's digits (Arabic-Indic, full-width) is refused with a message
  naming that character, not the general format rule: such input *looks* right to the person.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import phonenumbers

from desktop_app.domain.errors import FieldError, ValidationFailed
from desktop_app.domain.languages import LANGUAGES, PSD2_LANGUAGES
from desktop_app.domain.phone import NumberInfo, parse_number
from desktop_app.domain.rule_parts import (
    ALNUM,
    Checked,
    alnum_code,
    label,
    parse_whole,
    shown,
    whole,
)
from desktop_app.domain.workflows import (
    DEFAULT_NEXT_EVENT_WAIT,
    NEXT_EVENT_WAIT_RANGE,
    PIN_EXPIRY_RANGE,
    WORKFLOWS,
)

BRAND_MAX = 18
SENDER_ID_MAX = 11
CODE_LENGTHS = (4, 6)
CODE_MIN, CODE_MAX = 4, 10
REQUEST_ID_MAX = 32

_REQUEST_ID = re.compile(r"[A-Za-z0-9-]+")
_AMOUNT = re.compile(r"\d+(\.\d*)?|\.\d+")


def _number_characters_problem(raw: str) -> str | None:
    """Why a number that looks right is not: an invisible character or a foreign digit."""
    for char in raw.strip():
        if unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp"):
            return (
                f"contains an invisible or control character (U+{ord(char):04X}); retype the "
                "number or paste it as plain text"
            )
    for char in raw:
        if char.isdigit() and not char.isascii():
            return (
                f"must use the digits 0-9 (found {char!r}, a digit of another script or a "
                "full-width digit)"
            )
    return None


def check_number(
    raw: str, *, country: str = "", default_region: str | None = None
) -> Checked[NumberInfo]:
    """Number rule: parsed by :func:`~desktop_app.domain.phone.parse_number`.

    National input uses ``country`` when it is a valid region, else ``default_region`` when
    ``country`` is empty (a wrong ``country`` leaves only international input readable). A
    possible number outside the known ranges comes back with an overridable warning.
    """
    region = default_region
    if country.strip():
        region = check_country(country).value
    problem = _number_characters_problem(raw)
    if problem is not None:
        return Checked(None, FieldError("number", problem))
    try:
        info = parse_number(raw, region)
    except ValidationFailed as failed:
        return Checked(None, failed.errors[0])
    if info.valid:
        return Checked(info)
    where = info.region or f"+{info.international[1:].split(' ')[0]}"
    warning = f"not a known number range for {where}; send anyway if you are sure"
    return Checked(info, FieldError("number", warning, overridable=True))


def check_country(raw: str) -> Checked[str]:
    """Country rule: optional two-letter ISO region known to phonenumbers, upper-cased."""
    text = raw.strip().upper()
    if not text:
        return Checked(None)
    if text in phonenumbers.SUPPORTED_REGIONS:
        return Checked(text)
    hint = "; use GB for the United Kingdom" if text == "UK" else ""
    message = f"must be a two-letter ISO country code such as GB or US (got {shown(raw)}){hint}"
    return Checked(None, FieldError("country", message))


def check_brand(raw: str) -> Checked[str]:
    """Brand rule: required, 1 to 18 characters after stripping, no control characters."""
    return label("brand", raw, BRAND_MAX)


def check_payee(raw: str) -> Checked[str]:
    """Payee rule (PSD2): required, 1 to 18 characters after stripping, no control characters."""
    return label("payee", raw, BRAND_MAX)


def check_sender_id(raw: str) -> Checked[str]:
    """Sender id rule: optional, at most 11 ASCII letters and digits."""
    text = raw.strip()
    if not text:
        return Checked(None)
    if not text.isascii() or ALNUM.fullmatch(text) is None:
        return Checked(None, FieldError("sender_id", "letters and digits only (A-Z, a-z, 0-9)"))
    if len(text) > SENDER_ID_MAX:
        message = f"at most {SENDER_ID_MAX} characters (got {len(text)})"
        return Checked(None, FieldError("sender_id", message))
    return Checked(text)


def check_code_length(raw: str) -> Checked[int]:
    """Code length rule: optional, 4 or 6."""
    text = raw.strip()
    if not text:
        return Checked(None)
    value = parse_whole(text)
    if value in CODE_LENGTHS:
        return Checked(value)
    return Checked(None, FieldError("code_length", f"must be 4 or 6 (got {shown(raw)})"))


def check_lg(raw: str, *, psd2: bool = False) -> Checked[str]:
    """Language rule: optional, one of the ``lg`` codes (PSD2 has its own list), lower-cased."""
    text = raw.strip().lower()
    if not text:
        return Checked(None)
    codes = PSD2_LANGUAGES if psd2 else LANGUAGES
    if text in codes:
        return Checked(text)
    which = "PSD2 language codes" if psd2 else "Verify language codes"
    example = "en-gb" if psd2 else "en-us"
    message = f"must be one of the {len(codes)} {which}, e.g. {example} (got {shown(raw)})"
    return Checked(None, FieldError("lg", message))


def check_next_event_wait(raw: str) -> Checked[int]:
    """Next event wait rule: optional, whole seconds from 60 to 900."""
    return whole("next_event_wait", raw, *NEXT_EVENT_WAIT_RANGE, unit=" of seconds")


def check_pin_expiry(raw: str, *, next_event_wait: str = "") -> Checked[int]:
    """PIN expiry rule: optional, whole seconds from 60 to 3600, a multiple of the wait.

    The wait is ``next_event_wait`` when given and valid, the API default (300 s) when empty;
    an invalid wait is reported on its own field and skips the cross-check.
    """
    checked = whole("pin_expiry", raw, *PIN_EXPIRY_RANGE, unit=" of seconds")
    if checked.value is None:
        return checked
    if next_event_wait.strip():
        wait = check_next_event_wait(next_event_wait).value
        given = "next_event_wait"
    else:
        wait, given = DEFAULT_NEXT_EVENT_WAIT, "the default next_event_wait"
    if wait is None or checked.value % wait == 0:
        return checked
    message = (
        f"must be an exact multiple of {given} ({wait} s), got {checked.value}; "
        "the API would otherwise shorten the expiry"
    )
    return Checked(None, FieldError("pin_expiry", message))


def check_workflow_id(raw: str) -> Checked[int]:
    """Workflow rule: optional, a whole number from 1 to 7 (see ``workflows.WORKFLOWS``)."""
    return whole("workflow_id", raw, min(WORKFLOWS), max(WORKFLOWS))


def check_pin_code(raw: str, *, code_length: str = "") -> Checked[str]:
    """Custom PIN rule: optional, 4 to 10 letters or digits; exactly ``code_length`` when given."""
    if not raw.strip():
        return Checked(None)
    checked = alnum_code("pin_code", raw, CODE_MIN, CODE_MAX)
    length = check_code_length(code_length).value
    if checked.value is None or length is None or len(checked.value) == length:
        return checked
    message = f"must have {length} characters to match code_length (got {len(checked.value)})"
    return Checked(None, FieldError("pin_code", message))


def check_amount(raw: str) -> Checked[Decimal]:
    """Amount rule (PSD2): required, a decimal amount in euros greater than zero."""
    text = raw.strip()
    if not text:
        return Checked(None, FieldError("amount", "required, an amount in euros such as 12.50"))
    if not text.isascii() or _AMOUNT.fullmatch(text) is None:
        message = f"must be an amount in euros, digits with a dot, e.g. 12.50 (got {shown(raw)})"
        return Checked(None, FieldError("amount", message))
    value = Decimal(text)
    if value <= 0:
        return Checked(None, FieldError("amount", f"must be greater than 0 (got {shown(raw)})"))
    return Checked(value)


def check_code(raw: str) -> Checked[str]:
    """Code rule (check): 4 to 10 letters or digits, kept as text so leading zeros stay."""
    return alnum_code("code", raw, CODE_MIN, CODE_MAX)


def check_request_id(raw: str) -> Checked[str]:
    """Request id rule: 1 to 32 letters, digits or '-' (Verify v1 ids)."""
    text = raw.strip()
    rule = f"1 to {REQUEST_ID_MAX} letters, digits or '-'"
    if not text:
        return Checked(None, FieldError("request_id", f"required, {rule}"))
    if not text.isascii() or _REQUEST_ID.fullmatch(text) is None:
        return Checked(None, FieldError("request_id", f"must be {rule} (got {shown(raw)})"))
    if len(text) > REQUEST_ID_MAX:
        message = f"at most {REQUEST_ID_MAX} characters (got {len(text)})"
        return Checked(None, FieldError("request_id", message))
    return Checked(text)


RULES: dict[str, Callable[..., Checked[Any]]] = {
    "number": check_number,
    "brand": check_brand,
    "country": check_country,
    "sender_id": check_sender_id,
    "code_length": check_code_length,
    "lg": check_lg,
    "pin_expiry": check_pin_expiry,
    "next_event_wait": check_next_event_wait,
    "workflow_id": check_workflow_id,
    "pin_code": check_pin_code,
    "payee": check_payee,
    "amount": check_amount,
    "code": check_code,
    "request_id": check_request_id,
}


def field_error(field: str, value: str, **context: Any) -> FieldError | None:
    """Check one field on its own, for the window's live inline messages.

    Args:
        field: One of the keys of :data:`RULES`.
        value: The field's raw text.
        **context: The raw other fields the rule depends on: ``country`` and
            ``default_region`` for ``number``, ``psd2`` (bool) for ``lg``,
            ``next_event_wait`` for ``pin_expiry``, ``code_length`` for ``pin_code``.

    Returns:
        The field's problem (possibly an overridable warning), or ``None`` when it is fine.

    Raises:
        ValueError: ``field`` names no rule (a programming error, not bad input).
        TypeError: ``context`` has a key the field's rule does not take.
    """
    rule = RULES.get(field)
    if rule is None:
        raise ValueError(f"no validation rule for field {field!r}")
    error: FieldError | None = rule(value, **context).error
    return error
