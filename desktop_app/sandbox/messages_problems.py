"""How the sandbox's Messages API refuses a send: RFC 7807 problems as the spec words them.

Every refusal has ``type``, ``title``, ``detail`` and ``instance`` (a fresh trace id) and is
sent as ``application/problem+json``:

======  =====================================================  ================================
status  when                                                   ``title`` (``type`` anchor)
======  =====================================================  ================================
401     no, wrong or unverifiable credentials                  see :mod:`.messages_auth`
402     a test number refused at once (``...4020``)            the catalogue's (Low balance)
422     the body is not JSON                                   the spec's invalid-JSON title
422     a field breaks a rule; ``invalid_parameters`` names    by the fields named (below),
        each (``to``, ``messenger.tag``, ``failover[0].text``)  ``.../messages#<code>``
429     over ``--messages-rate-limit`` per second              Rate Limit Hit (``#1000``)
======  =====================================================  ================================

A 422's title follows the spec's error kinds: when every field named is of one kind, that
kind's (``to`` -> 1430 Invalid recipient, ``from`` -> 1420 Invalid sender, ``channel`` -> 1400,
``message_type`` -> 1440, ``client_ref`` -> 1450, a channel option -> 1410 Invalid channel
parameters, only missing fields -> 1010 Missing params); otherwise 1020 Invalid params.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from desktop_app.domain.errors import FieldError
from desktop_app.domain.messages_status import ERROR_TYPE_BASE
from desktop_app.sandbox.problems import Problem

__all__ = [
    "PROBLEM_TYPE",
    "invalid_json",
    "invalid_parameters",
    "throttled",
]

PROBLEM_TYPE = "application/problem+json"
_PARAMS_DETAIL = "The value of one or more parameters is invalid."
#: The first part of a field path -> (code, title, detail) of the spec's 422 of that kind.
_KINDS: dict[str, tuple[int, str, str]] = {
    "channel": (1400, "Unsupported channel", "The specified channel is not supported."),
    "from": (1420, "Invalid sender", "The `from` parameter is invalid for the given channel."),
    "to": (1430, "Invalid recipient", "The `to` parameter is invalid for the given channel."),
    "message_type": (
        1440,
        "Invalid message type",
        "The message type specified in the request is not supported for the given channel.",
    ),
    "client_ref": (
        1450,
        "Invalid client reference",
        "The client reference can be a string of up to 100 characters.",
    ),
    **dict.fromkeys(
        ("sms", "whatsapp", "viber_service", "messenger"),
        (1410, "Invalid channel parameters", _PARAMS_DETAIL),
    ),
}
_MISSING = (
    1010,
    "Missing params",
    "Your request is incomplete and missing some mandatory parameters.",
)
_INVALID = (1020, "Invalid params", _PARAMS_DETAIL)
_FAILOVER_PREFIX = re.compile(r"^failover\[[0-9]+\]\.")
_HEAD = re.compile(r"^[^.\[]+")


def _kind_of(error: FieldError) -> tuple[int, str, str]:
    path = _FAILOVER_PREFIX.sub("", error.field)
    head = _HEAD.match(path)
    return _KINDS.get(head.group(0) if head else path, _INVALID)


def invalid_parameters(errors: Iterable[FieldError]) -> Problem:
    """The 422 naming every field that breaks a rule, titled by their kind."""
    listed = list(errors)
    kinds = {_kind_of(error) for error in listed}
    if all(error.message.startswith("required") for error in listed):
        code, title, detail = _MISSING
    elif len(kinds) == 1:
        code, title, detail = kinds.pop()
    else:
        code, title, detail = _INVALID
    return Problem(
        422,
        title,
        detail,
        kind=f"{ERROR_TYPE_BASE}#{code}",
        extra={
            "invalid_parameters": [
                {"name": error.field, "reason": error.message} for error in listed
            ]
        },
    )


def invalid_json(reason: str) -> Problem:
    """The 422 for a body that is not a JSON document."""
    return Problem(422, "The request body did not contain valid JSON", reason, kind="invalid-json")


def throttled() -> Problem:
    """The 429 above the per-second limit."""
    detail = "Please wait, then retry your request"
    return Problem(429, "Rate Limit Hit", detail, kind=f"{ERROR_TYPE_BASE}#1000")
