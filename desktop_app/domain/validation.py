"""Validation of everything a person enters, before anything is sent.

The CLI, the window and the use cases call these functions. Every field is checked by its one
rule in :mod:`desktop_app.domain.field_rules` (re-exported here as :func:`field_error` for the
window's live inline checks); the form validators only gather those results.

* ``*_form_errors`` returns every problem for inline display, overridable warnings included.
* ``validate_*`` returns validated params or raises :class:`ValidationFailed` carrying every
  problem. An overridable warning (a possible number outside the ranges the metadata knows)
  blocks only when ``allow_unknown_number`` is false; then ``ValidationFailed.only_overridable``
  tells the caller to offer "send anyway".

See :mod:`desktop_app.domain.field_rules` for the rule decisions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from desktop_app.domain.errors import FieldError, ValidationFailed
from desktop_app.domain.field_rules import (
    check_amount,
    check_brand,
    check_code,
    check_code_length,
    check_country,
    check_lg,
    check_next_event_wait,
    check_number,
    check_payee,
    check_pin_code,
    check_pin_expiry,
    check_request_id,
    check_sender_id,
    check_workflow_id,
    field_error,
)
from desktop_app.domain.models import Psd2Params, StartParams
from desktop_app.domain.rule_parts import Checked, any_hard, errors_of, validated

__all__ = [
    "MAX_REQUEST_IDS",
    "Psd2Form",
    "StartForm",
    "field_error",
    "psd2_form_errors",
    "start_form_errors",
    "validate_code",
    "validate_psd2",
    "validate_request_id",
    "validate_request_ids",
    "validate_start",
]

#: Verify v1 search takes at most this many request ids at once.
MAX_REQUEST_IDS = 10


@dataclass(frozen=True)
class StartForm:
    """A start request as typed in the window or given to the CLI (``""`` = not given)."""

    number: str
    brand: str
    country: str = ""
    sender_id: str = ""
    code_length: str = ""
    lg: str = ""
    pin_expiry: str = ""
    next_event_wait: str = ""
    workflow_id: str = ""
    pin_code: str = field(default="", repr=False)


@dataclass(frozen=True)
class Psd2Form:
    """A PSD2 start request as typed in the window or given to the CLI (``""`` = not given)."""

    number: str
    payee: str
    amount: str
    country: str = ""
    code_length: str = ""
    lg: str = ""
    pin_expiry: str = ""
    next_event_wait: str = ""
    workflow_id: str = ""


def _check_start(
    form: StartForm, default_region: str | None
) -> tuple[StartParams | None, list[FieldError]]:
    number = check_number(form.number, country=form.country, default_region=default_region)
    brand = check_brand(form.brand)
    country = check_country(form.country)
    sender_id = check_sender_id(form.sender_id)
    code_length = check_code_length(form.code_length)
    lg = check_lg(form.lg)
    pin_expiry = check_pin_expiry(form.pin_expiry, next_event_wait=form.next_event_wait)
    next_event_wait = check_next_event_wait(form.next_event_wait)
    workflow_id = check_workflow_id(form.workflow_id)
    pin_code = check_pin_code(form.pin_code, code_length=form.code_length)
    errors = errors_of(
        number,
        brand,
        country,
        sender_id,
        code_length,
        lg,
        pin_expiry,
        next_event_wait,
        workflow_id,
        pin_code,
    )
    if any_hard(errors):
        return None, errors
    # Without a hard error every required rule produced its value.
    assert number.value is not None and brand.value is not None
    params = StartParams(
        number=number.value.e164,
        brand=brand.value,
        country=country.value,
        sender_id=sender_id.value,
        code_length=code_length.value,
        lg=lg.value,
        pin_expiry=pin_expiry.value,
        next_event_wait=next_event_wait.value,
        workflow_id=workflow_id.value,
        pin_code=pin_code.value,
    )
    return params, errors


def _check_psd2(
    form: Psd2Form, default_region: str | None
) -> tuple[Psd2Params | None, list[FieldError]]:
    number = check_number(form.number, country=form.country, default_region=default_region)
    payee = check_payee(form.payee)
    amount = check_amount(form.amount)
    country = check_country(form.country)
    code_length = check_code_length(form.code_length)
    lg = check_lg(form.lg, psd2=True)
    pin_expiry = check_pin_expiry(form.pin_expiry, next_event_wait=form.next_event_wait)
    next_event_wait = check_next_event_wait(form.next_event_wait)
    workflow_id = check_workflow_id(form.workflow_id)
    errors = errors_of(
        number, payee, amount, country, code_length, lg, pin_expiry, next_event_wait, workflow_id
    )
    if any_hard(errors):
        return None, errors
    assert number.value is not None and payee.value is not None and amount.value is not None
    params = Psd2Params(
        number=number.value.e164,
        payee=payee.value,
        amount=amount.value,
        country=country.value,
        code_length=code_length.value,
        lg=lg.value,
        pin_expiry=pin_expiry.value,
        next_event_wait=next_event_wait.value,
        workflow_id=workflow_id.value,
    )
    return params, errors


def start_form_errors(form: StartForm, *, default_region: str | None = None) -> list[FieldError]:
    """Every problem of a start form, in field order, overridable warnings included.

    Args:
        form: The raw fields.
        default_region: Region for a national number when ``form.country`` is empty (e.g. from
            :func:`~desktop_app.domain.phone.default_region_from_locale`).
    """
    return _check_start(form, default_region)[1]


def validate_start(
    form: StartForm, *, default_region: str | None = None, allow_unknown_number: bool = False
) -> StartParams:
    """Validate a start form into the params to send.

    Args:
        form: The raw fields.
        default_region: Region for a national number when ``form.country`` is empty.
        allow_unknown_number: Send a possible number outside the known ranges (the person
            confirmed the overridable warning).

    Raises:
        ValidationFailed: With every problem (warnings included) when any of them blocks.
    """
    return validated(_check_start(form, default_region), allow_unknown_number)


def psd2_form_errors(form: Psd2Form, *, default_region: str | None = None) -> list[FieldError]:
    """Every problem of a PSD2 form, in field order, overridable warnings included."""
    return _check_psd2(form, default_region)[1]


def validate_psd2(
    form: Psd2Form, *, default_region: str | None = None, allow_unknown_number: bool = False
) -> Psd2Params:
    """Validate a PSD2 form into the params to send; see :func:`validate_start`.

    Raises:
        ValidationFailed: With every problem (warnings included) when any of them blocks.
    """
    return validated(_check_psd2(form, default_region), allow_unknown_number)


def _value(checked: Checked[str]) -> str:
    if checked.error is not None:
        raise ValidationFailed([checked.error])
    assert checked.value is not None  # required rules give a value or an error
    return checked.value


def validate_code(code: str) -> str:
    """A code to check: 4 to 10 letters or digits, stripped, leading zeros kept.

    Raises:
        ValidationFailed: On field ``"code"``.
    """
    return _value(check_code(code))


def validate_request_id(request_id: str) -> str:
    """A Verify v1 request id: 1 to 32 letters, digits or '-', stripped.

    Raises:
        ValidationFailed: On field ``"request_id"``.
    """
    return _value(check_request_id(request_id))


def validate_request_ids(ids: Sequence[str]) -> tuple[str, ...]:
    """1 to 10 request ids for one search, each valid; duplicates dropped, order kept.

    The count is taken after duplicates are dropped. Every bad id is reported.

    Raises:
        ValidationFailed: On field ``"request_id"``.
    """
    checked = [check_request_id(request_id) for request_id in ids]
    errors = errors_of(*checked)
    unique = tuple(dict.fromkeys(c.value for c in checked if c.value is not None))
    if not errors and not 1 <= len(unique) <= MAX_REQUEST_IDS:
        message = f"give 1 to {MAX_REQUEST_IDS} request ids (got {len(unique)})"
        errors.append(FieldError("request_id", message))
    if errors:
        raise ValidationFailed(errors)
    return unique
