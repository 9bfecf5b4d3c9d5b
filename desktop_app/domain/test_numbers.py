"""The catalogue of test numbers: one sandbox number (or address) per outcome worth testing.

One table, :data:`CATALOGUE`, is read by the sandbox (which answers each number with its
outcome), by ``verify-desk-cli test-numbers``, by ``docs/test-numbers.md`` (generated from it by
``scripts/test_numbers_doc.py``) and by the tests, which run every entry's :attr:`probe`
through the command line and the official SDKs: a new entry is tested by construction.

Each entry names its number (E.164 digits; an email address for the email channel), the API it
is for, the outcome, what it demonstrates, the fixed code when one makes the outcome
deterministic, what the sandbox does (:attr:`CatalogueEntry.behaviour`) and how to see it
(:attr:`CatalogueEntry.probe`: the calls, each with the status it answers).

Numbers are in Ofcom's range reserved for drama (07700 900000 to 900999, so ``447700900xxx``):
they can never reach a real phone, which is also why the app asks to confirm them as "not a
known number range". Patterns: a v1 number ``4477009005NN`` answers status ``NN``; a v2 number
ends in the HTTP status it demonstrates, and ``4477009006NN`` are the other v2 outcomes. The four
v1 numbers the sandbox always had (``...0007``, ``...0009``, ``...0015``, ``...0029``) and the
Messages API's (``...4220``, ``...4290``, ``...4020``) match any number with the same last four
digits (:attr:`CatalogueEntry.any_ending`). The Messages API's ``447700900340`` is an ordinary
number that has not written in (every such number gets 1340 on WhatsApp), named so a demo has
one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from desktop_app.domain.test_number_types import (
    API_MESSAGES,
    API_V1,
    API_V2,
    APIS,
    DEFAULT_FIXED_CODE,
    Busy,
    CatalogueEntry,
    DeliveryFails,
    FixedCode,
    FraudBlocked,
    MessageFails,
    OutsideWindow,
    Probe,
    Problem,
    Refusal,
    SearchLag,
    fixed_code,
    wrong_code,
)
from desktop_app.domain.v2 import EMAIL, SILENT_AUTH, SMS, VOICE, WHATSAPP

__all__ = [
    "APIS",
    "API_MESSAGES",
    "API_V1",
    "API_V2",
    "CATALOGUE",
    "CatalogueEntry",
    "Probe",
    "all_catalogued",
    "entries_for",
    "fixed_code",
    "lookup",
    "wrong_code",
]


def _p(action: str, status: str = "", error: str = "", seconds: int = 0) -> Probe:
    return Probe(action, status, error, seconds)


def _delivery(status: str, error_code: int) -> Probe:
    return Probe("delivery", status, error_code=error_code)


_FIXED = FixedCode()
_CODE = DEFAULT_FIXED_CODE
_DEMO_TEXT = (
    "Your Vonage account is still in demo mode. While in demo mode you must add target numbers "
    "to the approved list for your account. Add funds to your account to remove this limitation."
)

_V1: tuple[CatalogueEntry, ...] = (
    CatalogueEntry(
        "447700900500", API_V1, "status 0",
        "A verification that succeeds: start it, then check the fixed code.",
        _FIXED, (_p("start", "0"), _p("check_right", "0")), code=_CODE,
    ),
    CatalogueEntry(
        "447700900502", API_V1, "status 2",
        "The API reports a missing mandatory parameter; nothing is started.",
        Refusal("2", "Your request is incomplete and missing the mandatory parameter `brand`"),
        (_p("start", "2", "MissingParameterError"),),
    ),
    CatalogueEntry(
        "447700900503", API_V1, "status 3",
        "The API refuses a parameter value; nothing is started.",
        Refusal("3", "Invalid value for param: number"),
        (_p("start", "3", "InvalidParameterError"),),
    ),
    CatalogueEntry(
        "447700900506", API_V1, "status 6",
        "The platform cannot route the request; nothing is started.",
        Refusal(
            "6",
            "The Vonage platform was unable to process this message for the following reason: "
            "Route failure",
        ),
        (_p("start", "6", "RequestNotFoundError"),),
    ),
    CatalogueEntry(
        "447700900007", API_V1, "status 7",
        "The number is blocked for verification; the answer names the blocking network.",
        Refusal(
            "7", "The number you are trying to verify is blacklisted for verification.", "25503"
        ),
        (_p("start", "7", "NumberBlockedError"),), any_ending=True,
    ),
    CatalogueEntry(
        "447700900009", API_V1, "status 9",
        "The account has too little credit.",
        Refusal("9", "Partner quota exceeded"),
        (_p("start", "9", "QuotaExceededError"),), any_ending=True,
    ),
    CatalogueEntry(
        "447700900510", API_V1, "status 10",
        "A verification is already running for the number: the answer names the live request, "
        "which takes the fixed code.",
        Busy(), (_p("start", "10", "ConcurrentVerificationError"), _p("check_right", "0")),
        code=_CODE,
    ),
    CatalogueEntry(
        "447700900015", API_V1, "status 15",
        "The destination network is not supported.",
        Refusal("15", "The destination number is not in a supported network"),
        (_p("start", "15", "UnsupportedNetworkError"),), any_ending=True,
    ),
    CatalogueEntry(
        "447700900516", API_V1, "status 16",
        "A wrong code: any code but the fixed one answers 16 and the request stays open.",
        _FIXED, (_p("start", "0"), _p("check_wrong", "16", "WrongCodeError"),
                 _p("check_right", "0")), code=_CODE,
    ),
    CatalogueEntry(
        "447700900517", API_V1, "status 17",
        "Three wrong codes end the request as FAILED; the right code is then refused (6).",
        _FIXED,
        (_p("start", "0"), _p("check_wrong", "16", "WrongCodeError"),
         _p("check_wrong", "16", "WrongCodeError"),
         _p("check_wrong", "17", "TooManyAttemptsError"),
         _p("check_right", "6", "RequestNotFoundError")),
        code=_CODE,
    ),
    CatalogueEntry(
        "447700900519", API_V1, "status 19",
        "Cancel is refused in the first 30 seconds; 30 seconds later it is allowed.",
        _FIXED,
        (_p("start", "0"), _p("cancel", "19", "ControlRefusedError"), _p("advance", seconds=30),
         _p("cancel", "0")),
        code=_CODE,
    ),
    CatalogueEntry(
        "447700900029", API_V1, "status 29",
        "A demo (trial) account may only verify its approved numbers.",
        Refusal("29", _DEMO_TEXT), (_p("start", "29", "NonPermittedDestinationError"),),
        any_ending=True,
    ),
    CatalogueEntry(
        "447700900101", API_V1, "status 101",
        "Search finds a finished request only a minute later; until then it answers 101.",
        SearchLag(60),
        (_p("start", "0"), _p("check_right", "0"), _p("search", "101", "SearchNotFoundError"),
         _p("advance", seconds=60), _p("search", "0")),
        code=_CODE,
    ),
)  # fmt: skip

_V2: tuple[CatalogueEntry, ...] = (
    CatalogueEntry(
        "447700900202", API_V2, "HTTP 202",
        "A v2 verification that succeeds: start it (202), then check the fixed code (200).",
        _FIXED, (_p("start", "202"), _p("check_right", "200")), code=_CODE,
    ),
    CatalogueEntry(
        "447700900009", API_V2, "HTTP 402",
        "The account's balance is too low to start.",
        Problem(
            402, "Low balance",
            "This request could not be performed due to your account balance being low.",
        ),
        (_p("start", "402", "QuotaExceededError"),), any_ending=True,
    ),
    CatalogueEntry(
        "447700900409", API_V2, "HTTP 409",
        "A verification is already running for the number: the answer names the live request, "
        "which takes the fixed code.",
        Busy(), (_p("start", "409", "ConcurrentVerificationError"), _p("check_right", "200")),
        code=_CODE,
    ),
    CatalogueEntry(
        "447700900410", API_V2, "HTTP 410",
        "Three wrong codes end the request: 400, 400, then 410; the request is then gone (404).",
        _FIXED,
        (_p("start", "202"), _p("check_wrong", "400", "WrongCodeError"),
         _p("check_wrong", "400", "WrongCodeError"),
         _p("check_wrong", "410", "TooManyAttemptsError"),
         _p("check_right", "404", "RequestNotFoundError")),
        code=_CODE,
    ),
    CatalogueEntry(
        "447700900422", API_V2, "HTTP 422 (invalid params)",
        "The API refuses the number for the channel; invalid_parameters names workflow[0].",
        Problem(
            422, "Invalid params", "The value of one or more parameters is invalid",
            (("workflow[0]", "`to` is not a number this channel can reach"),),
        ),
        (_p("start", "422", "InvalidParameterError"),),
    ),
    CatalogueEntry(
        "447700900622", API_V2, "HTTP 422 (invalid sender)",
        "The API refuses the sender (the from parameter) for this destination.",
        Problem(422, "Invalid sender", "The `from` parameter is invalid."),
        (_p("start", "422", "InvalidParameterError"),),
    ),
    CatalogueEntry(
        "447700900429", API_V2, "HTTP 429",
        "Too many requests: the start is throttled (Rate Limit Hit).",
        Problem(429, "Rate Limit Hit", "Please wait, then retry your request"),
        (_p("start", "429", "ThrottledError"),),
    ),
    CatalogueEntry(
        "447700900600", API_V2, "blocked (fraud)",
        "The request is accepted, then blocked by the anti-fraud system: nothing is delivered "
        "and the request is over (a check answers 404).",
        FraudBlocked(),
        (_p("start", "202"), _p("inspect", "blocked"),
         _p("check_right", "404", "RequestNotFoundError")),
        code=_CODE,
    ),
    CatalogueEntry(
        "447700900611", API_V2, "delivery failed (sms)",
        "The SMS cannot be delivered; with no channel left the request fails (a check: 404).",
        DeliveryFails(SMS),
        (_p("start", "202"), _p("inspect", "failed"),
         _p("check_right", "404", "RequestNotFoundError")),
        code=_CODE,
    ),
    CatalogueEntry(
        "447700900612", API_V2, "delivery failed (voice)",
        "The call cannot be made; with no channel left the request fails (a check: 404).",
        DeliveryFails(VOICE),
        (_p("start", "202"), _p("inspect", "failed"),
         _p("check_right", "404", "RequestNotFoundError")),
        code=_CODE, channels=(VOICE,),
    ),
    CatalogueEntry(
        "447700900613", API_V2, "delivery failed (whatsapp)",
        "The WhatsApp message cannot be delivered; the request fails (a check: 404).",
        DeliveryFails(WHATSAPP),
        (_p("start", "202"), _p("inspect", "failed"),
         _p("check_right", "404", "RequestNotFoundError")),
        code=_CODE, channels=(WHATSAPP,),
    ),
    CatalogueEntry(
        "bounce@example.com", API_V2, "delivery failed (email)",
        "The email bounces; the request fails (a check: 404).",
        DeliveryFails(EMAIL),
        (_p("start", "202"), _p("inspect", "failed"),
         _p("check_right", "404", "RequestNotFoundError")),
        code=_CODE, channels=(EMAIL,),
    ),
    CatalogueEntry(
        "447700900620", API_V2, "silent auth failed, fallback",
        "Silent authentication fails at once and the next channel (SMS) takes over without "
        "waiting for the channel timeout: its code checks (200).",
        DeliveryFails(SILENT_AUTH),
        (_p("start", "202"), _p("check_right", "200")),
        code=_CODE, channels=(SILENT_AUTH, SMS),
    ),
    CatalogueEntry(
        "447700900630", API_V2, "expired",
        "Nobody checks a code: after the channel timeout (300 s) the request is expired and "
        "even the right code answers 404.",
        _FIXED,
        (_p("start", "202"), _p("advance", seconds=300), _p("inspect", "expired"),
         _p("check_right", "404", "RequestNotFoundError")),
        code=_CODE,
    ),
)  # fmt: skip

_MESSAGES: tuple[CatalogueEntry, ...] = (
    CatalogueEntry(
        "447700904220", API_MESSAGES, "rejected (1330)",
        "The message is accepted (202), then rejected: its status webhook carries error 1330.",
        MessageFails("rejected", 1330),
        (_p("send", "202"), _delivery("rejected", 1330)), any_ending=True,
    ),
    CatalogueEntry(
        "447700904290", API_MESSAGES, "undeliverable (1260)",
        "The message is accepted (202) and submitted, then undeliverable: its status webhook "
        "carries error 1260.",
        MessageFails("undeliverable", 1260),
        (_p("send", "202"), _delivery("undeliverable", 1260)), any_ending=True,
    ),
    CatalogueEntry(
        "447700904020", API_MESSAGES, "HTTP 402",
        "The account's balance is too low to send.",
        Problem(
            402, "Low balance",
            "This request could not be performed due to your account balance being low.",
        ),
        (_p("send", "402", "QuotaExceededError"),), any_ending=True,
    ),
    CatalogueEntry(
        "447700900340", API_MESSAGES, "rejected (1340)",
        "A WhatsApp text to a customer who has not written in during the last 24 hours is "
        "accepted (202), then rejected with error 1340 (outside the allowed window). Any such "
        "number does the same; a template, an SMS failover, or the same text after the "
        "customer wrote in (POST /sandbox/inbound) goes through.",
        OutsideWindow(),
        (_p("send", "202"), _delivery("rejected", 1340)), channels=(WHATSAPP,),
    ),
)  # fmt: skip

#: Every test number, v1 first, then v2, then the Messages API.
CATALOGUE: tuple[CatalogueEntry, ...] = _V1 + _V2 + _MESSAGES


def lookup(api: str, number: str) -> CatalogueEntry | None:
    """The entry a request to ``number`` on ``api`` gets, or None for an ordinary number.

    An exact number wins over an entry that matches by its last four digits.
    """
    exact = next((e for e in CATALOGUE if e.api == api and e.number == number), None)
    if exact is not None:
        return exact
    return next((e for e in CATALOGUE if e.matches(api, number)), None)


def all_catalogued(api: str, numbers: Iterable[str]) -> bool:
    """True when every number (as typed: spaces, ``+``, dashes) is a test number of ``api``.

    Email addresses are skipped; no phone number at all is False. On a sandbox, such numbers
    are sent without the "not a known number range" question: the catalogue put them there.
    """
    phones = [re.sub(r"\D", "", n) for n in numbers if "@" not in n]
    return bool(phones) and all(lookup(api, p) is not None for p in phones)


def entries_for(api: str | None = None) -> tuple[CatalogueEntry, ...]:
    """The entries for one API (every entry when ``api`` is None)."""
    return tuple(e for e in CATALOGUE if api is None or e.api == api)
