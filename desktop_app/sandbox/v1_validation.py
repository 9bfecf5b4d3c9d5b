"""Parameter rules of the Verify v1 endpoints, with the API's own status codes and texts.

Each ``parse_*`` function reads the raw parameters (every name maps to the list of values sent)
and returns typed values, or raises :class:`Refused` carrying status 2 (missing) or 3 (invalid).
Numbers and digit patterns are the spec's: ASCII digits only (:mod:`desktop_app.sandbox.bounds`),
so ``code_length=٦``, ``workflow_id=0_6`` or a number written in Arabic-Indic digits is status 3.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from desktop_app.domain import languages
from desktop_app.domain.workflows import (
    DEFAULT_CODE_LENGTH,
    DEFAULT_NEXT_EVENT_WAIT,
    DEFAULT_PIN_EXPIRY,
    DEFAULT_WORKFLOW_ID,
    NEXT_EVENT_WAIT_RANGE,
    PIN_EXPIRY_RANGE,
    WORKFLOWS,
)
from desktop_app.sandbox.bounds import E164, decimal, whole
from desktop_app.sandbox.journal import Answer

Params = Mapping[str, Sequence[str]]

NUMBER_RE = E164
PIN_CODE_RE = re.compile(r"[A-Za-z0-9]{4,10}")
CHECK_CODE_RE = re.compile(r"[A-Za-z0-9]{4,10}")
COUNTRY_RE = re.compile(r"[A-Za-z]{2}")
CODE_LENGTHS = (4, 6)
MAX_REQUEST_ID = 32
MAX_SEARCH_IDS = 10

#: The ``lg`` values of ``/verify/json`` and of ``/verify/psd2/json`` (the domain's lists).
START_LANGUAGES = frozenset(languages.LANGUAGES)
PSD2_LANGUAGES = frozenset(languages.PSD2_LANGUAGES)
#: The largest PSD2 ``amount`` (EUR) the sandbox accepts.
MAX_AMOUNT = 1_000_000_000.0


class Refused(Answer):
    """The API refuses the call with ``status`` and ``error_text``."""

    def __init__(self, status: str, error_text: str) -> None:
        super().__init__(error_text)
        self.status = status
        self.error_text = error_text


def missing(name: str) -> Refused:
    """Status 2 for a missing mandatory parameter."""
    return Refused("2", f"Your request is incomplete and missing the mandatory parameter `{name}`")


def invalid(name: str) -> Refused:
    """Status 3 for an invalid parameter value."""
    return Refused("3", f"Invalid value for param: {name}")


def first(params: Params, name: str) -> str | None:
    """The first value sent for ``name`` (None when absent)."""
    values = params.get(name)
    return values[0] if values else None


@dataclass(frozen=True)
class StartSpec:
    """A start (or PSD2 start) request that passed validation."""

    number: str
    brand: str
    psd2: bool = False
    sender_id: str = "verify"
    code_length: int = DEFAULT_CODE_LENGTH
    lg: str = "en-us"
    pin_expiry: int = DEFAULT_PIN_EXPIRY
    next_event_wait: int = DEFAULT_NEXT_EVENT_WAIT
    workflow_id: int = DEFAULT_WORKFLOW_ID
    country: str = ""
    amount: float = 0.0
    pin_code: str | None = field(default=None, repr=False)


def _required(params: Params, name: str) -> str:
    value = first(params, name)
    if value is None or value == "":
        raise missing(name)
    return value


def _int(params: Params, name: str, bounds: tuple[int, int], default: int) -> int:
    """An optional whole number from ``bounds[0]`` to ``bounds[1]``."""
    raw = first(params, name)
    if raw is None or raw == "":
        return default
    value = whole(raw, *bounds)
    if value is None:
        raise invalid(name)
    return value


def _enum(params: Params, name: str, values: tuple[int, ...], default: int) -> int:
    """An optional whole number that is one of ``values``."""
    value = _int(params, name, (min(values), max(values)), default)
    if value not in values:
        raise invalid(name)
    return value


def parse_start(params: Params, *, psd2: bool) -> StartSpec:
    """Validate ``/verify/json`` (or ``/verify/psd2/json`` when ``psd2``) parameters."""
    number = _required(params, "number")
    name = "payee" if psd2 else "brand"
    brand = _required(params, name)
    amount = 0.0
    if psd2:
        checked = decimal(_required(params, "amount"), 0.0, MAX_AMOUNT)
        if checked is None:
            raise invalid("amount")
        amount = checked
    if not NUMBER_RE.fullmatch(number):
        raise invalid("number")
    if len(brand) > 18:
        raise invalid(name)
    sender_id = "verify"
    if not psd2:
        sender_id = first(params, "sender_id") or "verify"
        if len(sender_id) > 11:
            raise invalid("sender_id")
    country = first(params, "country") or ""
    if country and not COUNTRY_RE.fullmatch(country):
        raise invalid("country")
    default_lg = "en-gb" if psd2 else "en-us"
    lg = (first(params, "lg") or default_lg).lower()
    if lg not in (PSD2_LANGUAGES if psd2 else START_LANGUAGES):
        raise invalid("lg")
    pin_code = None if psd2 else first(params, "pin_code")
    if pin_code is not None and not PIN_CODE_RE.fullmatch(pin_code):
        raise invalid("pin_code")
    return StartSpec(
        number=number,
        brand=brand,
        psd2=psd2,
        sender_id=sender_id,
        code_length=_enum(params, "code_length", CODE_LENGTHS, DEFAULT_CODE_LENGTH),
        lg=lg,
        pin_expiry=_int(params, "pin_expiry", PIN_EXPIRY_RANGE, DEFAULT_PIN_EXPIRY),
        next_event_wait=_int(
            params, "next_event_wait", NEXT_EVENT_WAIT_RANGE, DEFAULT_NEXT_EVENT_WAIT
        ),
        workflow_id=_enum(params, "workflow_id", tuple(WORKFLOWS), DEFAULT_WORKFLOW_ID),
        country=country.upper(),
        amount=amount,
        pin_code=pin_code,
    )


def _request_id(params: Params) -> str:
    request_id = _required(params, "request_id")
    if len(request_id) > MAX_REQUEST_ID:
        raise invalid("request_id")
    return request_id


def parse_check(params: Params) -> tuple[str, str]:
    """Validate ``/verify/check/json``: returns ``(request_id, code)``."""
    request_id = _request_id(params)
    code = _required(params, "code")
    if not CHECK_CODE_RE.fullmatch(code):
        raise invalid("code")
    return request_id, code


def parse_control(params: Params) -> tuple[str, str]:
    """Validate ``/verify/control/json``: returns ``(request_id, cmd)``."""
    request_id = _request_id(params)
    cmd = _required(params, "cmd")
    if cmd not in ("cancel", "trigger_next_event"):
        raise invalid("cmd")
    return request_id, cmd


def parse_search(params: Params) -> tuple[list[str], bool]:
    """Validate ``/verify/search/json``: returns ``(ids, several)``.

    ``several`` is True when ``request_ids`` was used (the answer is then a list). More than 10
    ids is status 3 on ``request_ids``: the current spec caps the array at 10 and no longer
    lists the historical status 18.
    """
    ids = [i for i in params.get("request_ids", ()) if i]
    if ids:
        if len(ids) > MAX_SEARCH_IDS or any(len(i) > MAX_REQUEST_ID for i in ids):
            raise invalid("request_ids")
        return ids, True
    return [_request_id(params)], False
