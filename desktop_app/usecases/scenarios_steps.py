"""The API steps of a scenario: start, check, cancel, next and search.

Each step reads its parameters (variables already substituted), calls the target's operations
once and returns its result fields; an API refusal propagates as the typed error (the runner
turns it into fields and matches ``expect.error``). A step acts on the *current request* unless
it names one: the last request started, or the live request a status 10 / HTTP 409 named.

Result fields, as the command line's ``--json`` names them: ``request_id``, ``number``,
``status`` (the request's status after the step: ``IN PROGRESS``, ``SUCCESS``, ``CANCELLED``),
``api_status`` (v1 ``status``, ``"0"`` on success; the HTTP status for v2 and Messages).
A code sent by message (:mod:`.scenarios_message_steps`) is checked and cancelled here too: the
app does that itself, so those results have no ``api_status``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from desktop_app.domain.api_family import ApiFamily
from desktop_app.domain.models import CheckResult, HandsetMessage, VerificationStatus
from desktop_app.domain.test_numbers import API_V1, API_V2, lookup, wrong_code
from desktop_app.domain.v2 import EMAIL, SMS, WHATSAPP
from desktop_app.domain.v2_forms import CHANNEL_EXTRAS, V2ChannelForm
from desktop_app.domain.v2_validation import V2Form
from desktop_app.domain.validation import StartForm
from desktop_app.usecases.desk import Started
from desktop_app.usecases.desk_v2 import StartedV2
from desktop_app.usecases.scenarios_target import Target

__all__ = ["API_RUNNERS", "Current", "StepContext", "StepProblem", "latest_code"]

Params = Mapping[str, Any]
Fields = dict[str, Any]
#: A code in a message's text when nothing better is known: the first run of 4 to 10 digits.
_ANY_CODE = re.compile(r"(?<!\d)(\d{4,10})(?!\d)")


class StepProblem(Exception):  # noqa: N818 - reads as what went wrong
    """The step could not do what it asks (no code on the handset, a wait that never ended)."""


@dataclass
class Current:
    """The request later steps act on by default."""

    request_id: str
    number: str
    api: str
    started_at: float | None = None
    check_url: str | None = None


@dataclass
class StepContext:
    """A case's state between steps: its variables, its requests and its target."""

    target: Target
    variables: dict[str, Any] = field(default_factory=dict)
    current: Current | None = None
    apis: dict[str, str] = field(default_factory=dict)
    started_at: float | None = None
    #: How to find the code in the text of a code sent by message, by its message id.
    code_patterns: dict[str, re.Pattern[str]] = field(default_factory=dict)

    def now(self) -> float | None:
        """The simulated time (None on a real account)."""
        handset = self.target.handset
        return None if handset is None else handset.now()

    def request_id(self, params: Params) -> str:
        """The request a step names, else the current one."""
        given = params.get("request_id")
        if given is not None:
            return str(given)
        if self.current is None:
            raise StepProblem("no request yet: start one first, or give request_id")
        return self.current.request_id

    def family(self, request_id: str) -> ApiFamily | None:
        """The API family of a request this case started (None: let the rule decide)."""
        return ApiFamily.recorded(self.apis.get(request_id))

    def code_of(self, message: HandsetMessage) -> str:
        """The code a handset message carries: Verify's own field, else read from its text.

        A code sent by message is only in the text; the step that sent it knows the template,
        so the code is read where the template put it (a brand with digits cannot mislead).
        """
        if message.code:
            return message.code
        pattern = self.code_patterns.get(message.request_id)
        found = pattern.fullmatch(message.text) if pattern is not None else None
        if found is None:
            found = _ANY_CODE.search(message.text)
        return found.group(1) if found is not None else ""

    def adopt(self, request_id: str, number: str, api: str, check_url: str | None) -> None:
        """Make ``request_id`` the current request and set the built-in variables."""
        self.current = Current(request_id, number, api, self.now(), check_url)
        self.apis[request_id] = api
        self.variables.update(request_id=request_id, number=number, check_url=check_url)


def _text(params: Params, key: str) -> str:
    value = params.get(key)
    return "" if value is None else str(value).lower() if isinstance(value, bool) else str(value)


def _allow_unknown(ctx: StepContext, params: Params, api: str, number: str) -> bool:
    if "allow_unknown_number" in params:
        return bool(params["allow_unknown_number"])
    return ctx.target.allow_unknown_numbers or lookup(api, number) is not None


def _v1_form(params: Params) -> StartForm:
    return StartForm(
        number=_text(params, "number"), brand=_text(params, "brand") or "Acme",
        country=_text(params, "country"), sender_id=_text(params, "sender_id"),
        code_length=_text(params, "code_length"), lg=_text(params, "lg"),
        pin_expiry=_text(params, "pin_expiry"), next_event_wait=_text(params, "next_event_wait"),
        workflow_id=_text(params, "workflow_id"), pin_code=_text(params, "pin_code"),
    )  # fmt: skip


def _channel(item: Any, params: Params) -> V2ChannelForm:
    if isinstance(item, Mapping):
        extras = {k: str(v) for k, v in item.items() if k not in ("channel", "to", "from")}
        return V2ChannelForm(_text(item, "channel"), _text(item, "to"), _text(item, "from"), extras)
    name = str(item).strip().lower()
    to = _text(params, "to_email") if name == EMAIL else _text(params, "number")
    senders = {SMS: "from", WHATSAPP: "whatsapp_from", EMAIL: "email_from"}
    sender = _text(params, senders[name]) if name in senders else ""
    extras = {k: _text(params, k) for k in CHANNEL_EXTRAS.get(name, ()) if k in params}
    return V2ChannelForm(str(item).strip(), to, sender, extras)


def _v2_form(params: Params) -> V2Form:
    workflow = params.get("workflow", [])
    items = workflow.split(",") if isinstance(workflow, str) else list(workflow)
    fraud = params.get("fraud_check", "")
    return V2Form(
        brand=_text(params, "brand") or "Acme",
        channels=tuple(_channel(item, params) for item in items),
        locale=_text(params, "locale"), channel_timeout=_text(params, "channel_timeout"),
        client_ref=_text(params, "client_ref"), code_length=_text(params, "code_length"),
        code=_text(params, "code"), fraud_check=fraud if isinstance(fraud, bool) else str(fraud),
    )  # fmt: skip


def _started(ctx: StepContext, started: Started, api: str, status: str) -> Fields:
    check_url = started.check_url if isinstance(started, StartedV2) else None
    ctx.adopt(started.request_id, started.number, api, check_url)
    fields: Fields = {
        "request_id": started.request_id, "number": started.number, "api": api,
        "status": VerificationStatus.IN_PROGRESS.value, "api_status": status,
        "history_id": started.history_id,
    }  # fmt: skip
    if isinstance(started, StartedV2):
        fields.update(channels=",".join(started.channels), check_url=check_url)
    return fields


def run_start(ctx: StepContext, params: Params) -> Fields:
    """``start``: Verify v1 (``api = "v1"``, the default) or v2 (``api = "v2"``)."""
    api = _text(params, "api") or API_V1
    if api not in (API_V1, API_V2):
        raise StepProblem(f"api must be v1 or v2 (got {api!r})")
    region = _text(params, "region") or None
    if api == API_V2:
        form = _v2_form(params)
        first = form.channels[0][1] if form.channels else ""
        allow = _allow_unknown(ctx, params, API_V2, first)
        started = ctx.target.api.start_v2(form, allow_unknown_number=allow, region=region)
        return _started(ctx, started, API_V2, "202")
    v1 = _v1_form(params)
    allow = _allow_unknown(ctx, params, API_V1, v1.number)
    return _started(ctx, ctx.target.api.start(v1, allow_unknown_number=allow), API_V1, "0")


def latest_code(ctx: StepContext, request_id: str) -> str:
    """The newest code the handset received for ``request_id``."""
    handset = ctx.target.handset
    if handset is None:
        raise StepProblem("reading the handset needs the sandbox")
    found = (ctx.code_of(m) for m in handset.messages() if m.request_id == request_id)
    codes = [code for code in found if code]
    if not codes:
        raise StepProblem(f"no code on the handset for request {request_id} yet")
    return codes[-1]


def run_check(ctx: StepContext, params: Params) -> Fields:
    """``check``: ``code = "right"`` (the default; from the handset), ``"wrong"`` or a literal."""
    rid = ctx.request_id(params)
    given = _text(params, "code") or "right"
    code = given
    if given in ("right", "wrong"):
        right = latest_code(ctx, rid)
        code = right if given == "right" else wrong_code(right)
    family = ctx.family(rid)
    result = ctx.target.api.check(rid, code, family=family)
    fields: Fields = {"request_id": rid, "status": VerificationStatus.SUCCESS.value}
    if family is ApiFamily.MESSAGES and isinstance(result, CheckResult):  # checked locally
        price = None if result.price is None else str(result.price)
        fields.update(price=price, currency=result.currency or None)
    elif isinstance(result, CheckResult):
        price = None if result.price is None else str(result.price)
        fields.update(api_status="0", price=price, currency=result.currency)
    else:
        fields.update(api_status="200", v2_status=result.status)
    return fields


def _is_v2(ctx: StepContext, request_id: str) -> bool:
    return ctx.family(request_id) is ApiFamily.V2


def run_cancel(ctx: StepContext, params: Params) -> Fields:
    """``cancel``: v1 ``cmd=cancel`` (allowed 30 s after the start) or v2 ``DELETE``."""
    rid = ctx.request_id(params)
    family = ctx.family(rid)
    ctx.target.api.cancel(rid, family=family)
    fields: Fields = {"request_id": rid, "status": VerificationStatus.CANCELLED.value}
    if family is not ApiFamily.MESSAGES:  # a code by message is ended here, not by an API
        fields["api_status"] = "204" if family is ApiFamily.V2 else "0"
    return fields


def run_next(ctx: StepContext, params: Params) -> Fields:
    """``next``: v1 ``trigger_next_event`` or v2 ``next_workflow``."""
    rid = ctx.request_id(params)
    result = ctx.target.api.next_event(rid, family=ctx.family(rid))
    status = "200" if _is_v2(ctx, rid) else "0"
    return {"request_id": rid, "api_status": status, "command": result.command}


def run_search(ctx: StepContext, params: Params) -> Fields:
    """``search``: v1 search (a v2 request is answered from the history)."""
    given = params.get("request_ids")
    ids = [str(i) for i in given] if isinstance(given, list) else [ctx.request_id(params)]
    records = ctx.target.api.search(ids, family=ctx.family(ids[0]) if len(ids) == 1 else None)
    fields: Fields = {"records": len(records), "api_status": "0"}
    if records:
        first = records[0]
        fields.update(
            request_id=first.request_id, status=first.status, number=first.number,
            checks=len(first.checks), events=len(first.events),
            price=None if first.price is None else str(first.price), currency=first.currency,
        )  # fmt: skip
    return fields


#: The API steps by kind.
API_RUNNERS: dict[str, Callable[[StepContext, Params], Fields]] = {
    "start": run_start,
    "check": run_check,
    "cancel": run_cancel,
    "next": run_next,
    "search": run_search,
}
