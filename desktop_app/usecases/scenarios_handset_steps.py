"""The sandbox steps of a scenario: read the handset, move the clock, wait, inspect, silent auth.

Time is the sandbox's simulated clock, which a scenario file's sandbox starts paused: only
``advance`` and ``wait`` move it, by jumps, so nothing ever sleeps. ``wait`` jumps straight to
the request's next deadline (its next delivery, or its expiry) as the sandbox lists it, until
the awaited status or message arrives or ``timeout`` simulated seconds have passed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from desktop_app.domain.models import HandsetMessage
from desktop_app.usecases.scenarios_steps import Params, StepContext, StepProblem
from desktop_app.usecases.scenarios_target import Handset, parse_time

__all__ = [
    "DEFAULT_WAIT_TIMEOUT",
    "HANDSET_RUNNERS",
    "MAX_JUMPS",
    "PAST",
    "channel_matches",
    "listing",
    "sandbox_handset",
]

Fields = dict[str, Any]
#: How long ``wait`` waits (simulated seconds) when the step does not say.
DEFAULT_WAIT_TIMEOUT = 3600.0
#: A jump lands this far past a deadline, so the sandbox's millisecond times are surely due.
PAST = 0.001
#: The most clock jumps one ``wait`` makes.
MAX_JUMPS = 1000
#: Verify v1 calls a voice delivery "tts", the Messages API Viber "viber_service"; a
#: scenario may say either.
_SAME_CHANNEL = {"voice": "tts", "tts": "voice", "viber": "viber_service"}


def sandbox_handset(ctx: StepContext) -> Handset:
    """The target's handset, which this step needs.

    Raises:
        StepProblem: The run is on a real account.
    """
    handset = ctx.target.handset
    if handset is None:
        raise StepProblem("this step needs the sandbox (its handset and clock)")
    return handset


def channel_matches(wanted: str, channel: str) -> bool:
    """True when a handset message on ``channel`` is what a step's ``channel`` asks for."""
    return wanted in ("", "any", channel) or _SAME_CHANNEL.get(wanted) == channel


def _request_messages(ctx: StepContext, params: Params) -> list[HandsetMessage]:
    handset = sandbox_handset(ctx)
    wanted = str(params.get("channel") or "")
    if "number" in params and "request_id" not in params:
        found = handset.messages(str(params["number"]))
    else:
        rid = ctx.request_id(params)
        found = tuple(m for m in handset.messages() if m.request_id == rid)
    return [m for m in found if channel_matches(wanted, m.channel)]


def _since_start(ctx: StepContext, message: HandsetMessage) -> float | None:
    """Seconds from the request's start to ``message``, both by the sandbox's clock.

    The start is the sandbox's own record of it: on a running clock (the window's sandbox) the
    time read after the start call comes back is later than the first message.
    """
    sent = parse_time(message.sent_at)
    if sent is None or ctx.current is None:
        return None
    try:
        start = parse_time(listing(ctx, ctx.current.request_id).get("created"))
    except StepProblem:
        start = None
    if start is None:
        start = ctx.current.started_at
    return None if start is None else round(sent - start, 3)


def run_read_code(ctx: StepContext, params: Params) -> Fields:
    """``read_code``: the newest message for the request (``channel`` narrows it)."""
    messages = _request_messages(ctx, params)
    fields: Fields = {"count": len(messages)}
    if not messages:
        fields["code"] = None
        return fields
    newest = messages[-1]
    code = ctx.code_of(newest)
    ctx.variables["code"] = code
    fields.update(
        code=code, channel=newest.channel, number=newest.number,
        code_length=len(code), sent_after=_since_start(ctx, newest),
    )  # fmt: skip
    return fields


def run_advance(ctx: StepContext, params: Params) -> Fields:
    """``advance``: move the simulated clock by ``seconds`` (and/or ``minutes``)."""
    seconds = float(params.get("seconds", 0) or 0) + 60 * float(params.get("minutes", 0) or 0)
    if seconds < 0:
        raise StepProblem("cannot move the clock backwards")
    sandbox_handset(ctx).advance_clock(seconds)
    return {"advanced": seconds}


def listing(ctx: StepContext, request_id: str) -> Mapping[str, Any]:
    """The sandbox's own listing item of a request (or message).

    Raises:
        StepProblem: The sandbox does not know it.
    """
    for item in sandbox_handset(ctx).requests():
        if item.get("request_id") == request_id:
            return item
    raise StepProblem(f"the sandbox does not know request {request_id}")


def _channels(item: Mapping[str, Any]) -> str:
    workflow = item.get("workflow")
    if not isinstance(workflow, list):
        return ""
    return ",".join(
        f"{c.get('channel')}:{c.get('status')}" for c in workflow if isinstance(c, dict)
    )


def _state(item: Mapping[str, Any]) -> Fields:
    return {
        "status": item.get("status"), "v2_status": item.get("v2_status"),
        "events_fired": item.get("events_fired"), "wrong_attempts": item.get("wrong_attempts"),
        "checks": item.get("checks"), "current_channel": item.get("current_channel"),
        "channels": _channels(item) or None,
    }  # fmt: skip


def run_inspect(ctx: StepContext, params: Params) -> Fields:
    """``inspect``: the sandbox's own view of the request (status, events, channels)."""
    rid = ctx.request_id(params)
    return {"request_id": rid, **_state(listing(ctx, rid))}


def _next_deadline(item: Mapping[str, Any], now: float) -> float | None:
    times = [parse_time(item.get(key)) for key in ("next_event_at", "pin_expires_at")]
    due = [t for t in times if t is not None and t > now - PAST]
    return min(due) if due else None


def _status_reached(wanted: str, item: Mapping[str, Any]) -> bool:
    words = {str(item.get("status", "")).lower(), str(item.get("v2_status", "")).lower()}
    return wanted.lower() in words


def run_wait(ctx: StepContext, params: Params) -> Fields:
    """``wait``: until ``{ status = ... }`` or ``{ message = channel }``, in simulated time."""
    handset = sandbox_handset(ctx)
    rid = ctx.request_id(params)
    until = params.get("until") or {}
    timeout = float(params.get("timeout", DEFAULT_WAIT_TIMEOUT))
    wanted_status = str(until.get("status", "")) if "status" in until else None
    wanted_message = str(until.get("message", "")) if "message" in until else None
    channel_params = {"request_id": rid, "channel": wanted_message or ""}
    seen = len(_request_messages(ctx, channel_params)) if wanted_message is not None else 0
    began = handset.now()
    for _ in range(MAX_JUMPS):
        item = listing(ctx, rid)
        now = handset.now()
        fields: Fields = {"request_id": rid, "waited": round(now - began, 2), **_state(item)}
        if wanted_status is not None and _status_reached(wanted_status, item):
            return fields
        if wanted_message is not None:
            arrived = _request_messages(ctx, channel_params)
            if len(arrived) > seen:
                code = ctx.code_of(arrived[-1])
                ctx.variables["code"] = code
                fields.update(channel=arrived[-1].channel, code=code)
                return fields
        deadline = _next_deadline(item, now)
        if deadline is None:
            raise StepProblem(
                f"the request ended {item.get('status')} without reaching "
                f"{_awaited(wanted_status, wanted_message)}"
            )
        left = began + timeout - now
        if left <= 0:
            raise StepProblem(f"still no {_awaited(wanted_status, wanted_message)} after "
                              f"{timeout:g} simulated seconds")  # fmt: skip
        handset.advance_clock(min(max(deadline - now, 0.0) + PAST, left))
    raise StepProblem("the wait did not settle (too many clock jumps)")


def _awaited(status: str | None, message: str | None) -> str:
    if status is not None:
        return f"status {status}"
    return f"{message or 'any'} message"


def run_open_check_url(ctx: StepContext, params: Params) -> Fields:
    """``open_check_url``: the handset opens the silent-auth ``check_url``."""
    url = str(params.get("url") or (ctx.current.check_url if ctx.current else "") or "")
    if not url:
        raise StepProblem("no check_url: start a v2 request whose first channel is silent_auth")
    return {"http_status": sandbox_handset(ctx).open_check_url(url)}


#: The sandbox steps by kind.
HANDSET_RUNNERS: dict[str, Callable[[StepContext, Params], Fields]] = {
    "read_code": run_read_code,
    "advance": run_advance,
    "wait": run_wait,
    "inspect": run_inspect,
    "open_check_url": run_open_check_url,
}
