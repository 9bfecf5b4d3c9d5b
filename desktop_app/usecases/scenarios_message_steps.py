"""The Messages API steps of a scenario: send, send a code, a customer writing in, and delivery.

``send`` and ``send_code`` go through the profile's Messages desk (validated, recorded in the
history) and make the message the *current request*, so ``wait``, ``inspect``, ``read_code``,
``check`` and ``cancel`` act on it as they act on a verification. ``inbound`` is a customer
writing in (``POST /sandbox/inbound``), which opens that number's WhatsApp 24-hour window.

A message's delivery is its status timeline: ``submitted``, ``delivered``, ``read``, or
``rejected`` / ``undeliverable`` with an error code, leg by leg with failover. The sandbox says
how many statuses it has played for the message (``GET /sandbox/requests``); the target's
:class:`~.scenarios_target.DeliveryFeed` brings the history level with it (on a file's fresh
sandbox: waiting until this app's receiver has heard as many signed webhooks; on a sandbox
started elsewhere: copying the sandbox's record), and the steps report the timeline the app
recorded. ``wait`` on a message jumps the paused clock from one of its events to the next, so a
whole lifecycle takes no real time.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from desktop_app.domain.api_family import ApiFamily
from desktop_app.domain.message_code_form import CodeForm, render_template, validate_code_form
from desktop_app.domain.messages import (
    SMS,
    WHATSAPP,
    MessageRequest,
    Template,
    Text,
    channel_named,
)
from desktop_app.domain.models import HandsetMessage
from desktop_app.domain.test_numbers import API_MESSAGES
from desktop_app.usecases.messages import MessageSent
from desktop_app.usecases.sandbox_deliveries import (
    DeliveryStep,
    ListedMessage,
    listed_message,
    steps_from_timeline,
)
from desktop_app.usecases.scenarios_handset_steps import (
    DEFAULT_WAIT_TIMEOUT,
    HANDSET_RUNNERS,
    MAX_JUMPS,
    PAST,
    channel_matches,
    listing,
    sandbox_handset,
)
from desktop_app.usecases.scenarios_steps import Params, StepContext, StepProblem
from desktop_app.usecases.scenarios_target import ScenarioMessages

__all__ = ["MESSAGE_RUNNERS"]

Fields = dict[str, Any]
#: Stands for the code while a code template is turned into the pattern that finds it.
_MARK = "\ue000"


def _text(params: Params, key: str, default: str = "") -> str:
    value = params.get(key)
    return default if value is None else str(value)


def _messages(ctx: StepContext) -> ScenarioMessages:
    messages = ctx.target.messages
    if messages is None:
        raise StepProblem("this run has no Messages API to send with")
    return messages


def _recipient(ctx: StepContext, params: Params) -> str:
    to = _text(params, "to") or str(ctx.variables.get("number") or "")
    if not to:
        raise StepProblem("to: whom to send to (or a ${number} from an earlier step)")
    return to


# -- a message's delivery ----------------------------------------------------------------------


def _delivery(ctx: StepContext, uuid: str) -> tuple[ListedMessage, tuple[DeliveryStep, ...], bool]:
    """The message as the sandbox lists it, its timeline as recorded, and whether it was heard.

    The timeline is the history's, read once the history holds as many statuses as the sandbox
    has played; "heard" means they came to this app's receiver (not from the sandbox's record).
    """
    item = listing(ctx, uuid)
    if item.get("kind") != "message":
        raise StepProblem(f"{uuid} is not a message this sandbox sent")
    listed = listed_message(item)
    feed, messages = ctx.target.deliveries, ctx.target.messages
    if feed is None or messages is None:
        return listed, listed.steps, False
    if not feed.catch_up(listed):
        raise StepProblem(
            f"the app's webhook receiver did not get all {len(listed.steps)} statuses the "
            f"sandbox posted for {uuid}"
        )
    return listed, steps_from_timeline(messages.timeline(uuid)), feed.heard


def _history_status(ctx: StepContext, uuid: str) -> str | None:
    records = ctx.target.api.search([uuid], family=ApiFamily.MESSAGES)
    return records[0].status if records else None


def _fields(
    ctx: StepContext,
    uuid: str,
    delivery: tuple[ListedMessage, tuple[DeliveryStep, ...], bool],
    shown: DeliveryStep | None = None,
) -> Fields:
    """A message's result fields: ``shown`` (default the newest status) and the timeline."""
    listed, steps, tracked = delivery
    shown = shown or (steps[-1] if steps else None)
    return {
        "request_id": uuid,
        "message_uuid": uuid,
        "status": shown.status if shown is not None else "accepted",
        "channel": shown.channel if shown is not None else None,
        "leg": shown.leg + 1 if shown is not None else None,
        "error_code": shown.error_code if shown is not None else None,
        "error_title": (shown.error_title or None) if shown is not None else None,
        "events": ",".join(f"{s.channel}:{s.status}" for s in steps),
        "final": listed.final,
        "tracked": tracked,
        "history_status": _history_status(ctx, uuid),
    }


# -- sending -------------------------------------------------------------------------------------


def _content(params: Params) -> Text | Template:
    if params.get("template") is not None:
        if params.get("text") is not None:
            raise StepProblem("give text or template, not both")
        raw = params.get("params", [])
        values = tuple(str(v) for v in raw) if isinstance(raw, list) else (str(raw),)
        return Template(_text(params, "template"), values)
    return Text(_text(params, "text", "Hello"))


def _channel(params: Params, key: str) -> str:
    """The channel a step names, as the API spells it (``viber`` is ``viber_service``)."""
    text = _text(params, key, SMS)
    return channel_named(text) or text  # an unknown one is refused by the Messages rules


def _request(ctx: StepContext, params: Params) -> MessageRequest:
    to = _recipient(ctx, params)
    sender = _text(params, "from", "Acme")
    failover: tuple[MessageRequest, ...] = ()
    if params.get("failover_channel") is not None:
        leg = Text(_text(params, "failover_text", "Hello"))
        leg_from = _text(params, "failover_from", sender)
        failover = (MessageRequest(_channel(params, "failover_channel"), to, leg_from, leg),)
    return MessageRequest(
        channel=_channel(params, "channel"), to=to, from_=sender, content=_content(params),
        client_ref=_text(params, "client_ref") or None, failover=failover,
    )  # fmt: skip


def _sent(ctx: StepContext, sent: MessageSent) -> Fields:
    """Make the message current; its fields (with its delivery so far, on the sandbox)."""
    uuid = sent.message_uuid
    ctx.adopt(uuid, sent.number, API_MESSAGES, None)
    ctx.variables["message_uuid"] = uuid
    fields: Fields = {
        "request_id": uuid, "message_uuid": uuid, "to": sent.number,
        "channels": ",".join(sent.channels), "api_status": "202",
    }  # fmt: skip
    if ctx.target.handset is None:
        fields["history_status"] = sent.status.value
        return fields
    return {**fields, **_fields(ctx, uuid, _delivery(ctx, uuid))}


def run_send(ctx: StepContext, params: Params) -> Fields:
    """``send``: one message (``channel`` default sms; ``to`` default ``${number}``)."""
    messages = _messages(ctx)
    return _sent(ctx, messages.send(_request(ctx, params)))


def _code_pattern(form: CodeForm) -> re.Pattern[str] | None:
    """Where the code stands in the text a code form makes (None: not a text template)."""
    if form.auth_template:
        return None
    params = validate_code_form(form)
    text = render_template(params.template, code=_MARK, brand=params.brand)
    first, _, rest = re.escape(text).partition(re.escape(_MARK))
    return re.compile(first + r"(\d{4,10})" + rest.replace(re.escape(_MARK), r"\d{4,10}"), re.S)


def run_send_code(ctx: StepContext, params: Params) -> Fields:
    """``send_code``: a code by message, checked later by ``check`` (here, not by an API)."""
    messages = _messages(ctx)
    form = CodeForm(
        channel=_text(params, "channel", SMS), to=_recipient(ctx, params),
        from_=_text(params, "from", "Acme"), brand=_text(params, "brand", "Acme"),
        template=_text(params, "text"), auth_template=_text(params, "auth_template"),
        code_length=_text(params, "code_length"), expiry=_text(params, "expiry"),
        failover_channel=_text(params, "failover_channel"),
        failover_from=_text(params, "failover_from"), client_ref=_text(params, "client_ref"),
    )  # fmt: skip
    sent = messages.send_code(form)  # validates the form first: the pattern below can be made
    pattern = _code_pattern(form)
    if pattern is not None:
        ctx.code_patterns[sent.message_uuid] = pattern
    return _sent(ctx, sent)


def run_inbound(ctx: StepContext, params: Params) -> Fields:
    """``inbound``: the customer ``from`` (default ``${number}``) writes to ``to``."""
    handset = sandbox_handset(ctx)
    channel = _text(params, "channel", WHATSAPP)
    customer = _text(params, "from") or str(ctx.variables.get("number") or "")
    if not customer:
        raise StepProblem("from: the customer who writes in (or a ${number} from an earlier step)")
    uuid = handset.inbound(channel, customer, _text(params, "to"), _text(params, "text", "Hi"))
    return {"inbound_uuid": uuid, "from": customer, "channel": channel, "http_status": 200}


# -- waiting and looking ----------------------------------------------------------------------


def _is_message(ctx: StepContext, request_id: str) -> bool:
    if ctx.apis.get(request_id) == API_MESSAGES:
        return True
    if ctx.apis.get(request_id) is not None or ctx.target.handset is None:
        return False
    return listing(ctx, request_id).get("api_version") == API_MESSAGES


def _matching(steps: tuple[DeliveryStep, ...], status: str) -> DeliveryStep | None:
    return next((s for s in steps if s.status == status.lower()), None)


def _message_wait(ctx: StepContext, uuid: str, params: Params) -> Fields:
    handset = sandbox_handset(ctx)
    until = params.get("until") or {}
    timeout = float(params.get("timeout", DEFAULT_WAIT_TIMEOUT))
    wanted_status = str(until["status"]) if "status" in until else None
    wanted_message = str(until.get("message", "")) if "message" in until else None
    channel = wanted_message or ""

    def arrived() -> list[HandsetMessage]:
        return [m for m in handset.messages()
                if m.request_id == uuid and channel_matches(channel, m.channel)]  # fmt: skip

    seen = len(arrived()) if wanted_message is not None else 0
    began = handset.now()
    for _ in range(MAX_JUMPS):
        delivery = _delivery(ctx, uuid)
        now = handset.now()
        waited = {"waited": round(now - began, 2)}
        if wanted_status is not None:
            found = _matching(delivery[1], wanted_status)
            if found is not None:
                return {**_fields(ctx, uuid, delivery, found), **waited}
        if wanted_message is not None:
            messages = arrived()
            if len(messages) > seen:
                code = ctx.code_of(messages[-1])
                ctx.variables["code"] = code
                fields = _fields(ctx, uuid, delivery)
                return {**fields, **waited, "channel": messages[-1].channel, "code": code}
        awaited = f"status {wanted_status}" if wanted_status else f"{wanted_message} message"
        due = delivery[0].next_event_at
        if due is None:
            latest = delivery[1][-1].status if delivery[1] else "accepted"
            raise StepProblem(f"the message ended {latest} without reaching {awaited}")
        left = began + timeout - now
        if left <= 0:
            raise StepProblem(f"still no {awaited} after {timeout:g} simulated seconds")
        handset.advance_clock(min(max(due.timestamp() - now, 0.0) + PAST, left))
    raise StepProblem("the wait did not settle (too many clock jumps)")


def _or_verify(
    kind: str, on_message: Callable[[StepContext, str, Params], Fields]
) -> Callable[[StepContext, Params], Fields]:
    """The step ``kind`` for a message, else the verification step of that name."""
    verify = HANDSET_RUNNERS[kind]

    def run(ctx: StepContext, params: Params) -> Fields:
        rid = ctx.request_id(params)
        if _is_message(ctx, rid):
            return on_message(ctx, rid, params)
        return verify(ctx, params)

    run.__doc__ = f"``{kind}``: a message's delivery, else as for a verification."
    return run


def _message_inspect(ctx: StepContext, uuid: str, _params: Params) -> Fields:
    return _fields(ctx, uuid, _delivery(ctx, uuid))


#: The Messages API steps by kind (``wait`` and ``inspect`` serve verifications as before).
MESSAGE_RUNNERS: Mapping[str, Callable[[StepContext, Params], Fields]] = {
    "send": run_send,
    "send_code": run_send_code,
    "inbound": run_inbound,
    "wait": _or_verify("wait", _message_wait),
    "inspect": _or_verify("inspect", _message_inspect),
}
