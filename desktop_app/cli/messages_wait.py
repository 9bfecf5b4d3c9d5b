"""``message send --wait [SECONDS]``: how a message sent on a sandbox ended.

A one-shot command cannot receive status webhooks, so a message it sends is SENT (its delivery
not tracked). On a sandbox (``--sandbox``/``--sandbox-url``) ``--wait`` reads the outcome from
the sandbox's own record instead (``GET /sandbox/requests``: the events it posts as webhooks),
waits until nothing more is due (at most SECONDS, default :data:`DEFAULT_WAIT`), prints the
final status and writes the events into the history as the webhooks would have been. The exit
status then says how the message ended: 0 delivered (or read), 1 rejected or undeliverable, 3
not over within SECONDS. Why the record and not a receiver: ``docs/messages.md``.
"""

from __future__ import annotations

import argparse
from typing import Any

from desktop_app.api.http import build_http_client
from desktop_app.domain.messages_errors import error_code_info
from desktop_app.domain.messages_status import MessageStatus
from desktop_app.usecases.messages import MessageDesk
from desktop_app.usecases.sandbox_deliveries import ListedMessage, await_final, record_listed

from .output import EXIT_API, EXIT_OK, EXIT_TRANSPORT

__all__ = ["DEFAULT_WAIT", "MAX_WAIT", "wait_for_delivery", "wait_seconds"]

#: Real seconds ``--wait`` waits for a message's final status when no number is given (the
#: sandbox ends a message within 2.5 s of its time: read receipts come last).
DEFAULT_WAIT = 10.0
#: The longest ``--wait``.
MAX_WAIT = 600.0


def wait_seconds(text: str) -> float:
    """``--wait``'s value: seconds, more than 0 and at most :data:`MAX_WAIT`."""
    try:
        seconds = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not 0 < seconds <= MAX_WAIT:
        raise argparse.ArgumentTypeError(f"must be more than 0 and at most {MAX_WAIT:g} seconds")
    return seconds


def _delivery_data(listed: ListedMessage | None, *, paused: bool) -> dict[str, Any]:
    latest = listed.latest if listed is not None else None
    steps = listed.steps if listed is not None else ()
    return {
        "status": latest.status if latest is not None else None,
        "channel": latest.channel if latest is not None else None,
        "leg": latest.leg + 1 if latest is not None else None,
        "error_code": latest.error_code if latest is not None else None,
        "error_title": latest.error_title if latest is not None else None,
        "final": listed is not None and listed.final,
        "clock_paused": paused,
        "events": [
            {"leg": s.leg + 1, "channel": s.channel, "status": s.status, "error_code": s.error_code}
            for s in steps
        ],
    }


def _delivery_text(data: dict[str, Any], seconds: float) -> str:
    if data["status"] is None:
        shown = "no status yet"
    else:
        shown = f"{data['status']} ({data['channel']}"
        shown += f", failover {data['leg'] - 1})" if data["leg"] > 1 else ")"
        if data["error_code"] is not None:
            shown += f": {_failure_words(data['error_code'], data['error_title'])}"
    if data["final"]:
        return f"Delivery: {shown}."
    why = " (the sandbox's clock is paused)" if data["clock_paused"] else ""
    return f"Delivery: {shown}; not over after {seconds:g} s{why}."


def _failure_words(code: int, title: str | None) -> str:
    """What a failure means, then its code and the API's title in brackets (for a search)."""
    info = error_code_info(code)
    technical = f"error {code}: {title or (info.title if info else '')}".rstrip(": ")
    return f"{info.meaning} ({technical})" if info is not None else technical


def _delivery_exit(data: dict[str, Any]) -> int:
    if not data["final"]:
        return EXIT_TRANSPORT
    failed = data["status"] in (MessageStatus.REJECTED, MessageStatus.UNDELIVERABLE)
    return EXIT_API if failed else EXIT_OK


def wait_for_delivery(
    desk: MessageDesk, data: dict[str, Any], text: str, seconds: float
) -> tuple[dict[str, Any], str, int]:
    """After ``message send``: its outcome from the sandbox's own record, printed and recorded.

    Args:
        desk: The desk that sent it (to the sandbox: its client's host is the sandbox).
        data: The send's JSON payload (``message_uuid``...); ``delivery`` is added.
        text: The send's text; the delivery's line is added.
        seconds: How long to wait at most (real seconds).

    Returns:
        The payload, the text and the exit status.

    Raises:
        TransportError: The sandbox did not answer.
        StoreError: The history could not be written.
    """
    uuid = str(data["message_uuid"])
    sandbox_url = desk.client().api_host  # the sandbox the message went to
    with build_http_client() as http:
        listed, paused = await_final(http, sandbox_url, uuid, seconds=seconds)
    if listed is not None:
        record_listed(desk.history.store, listed)
        entry = desk.history.find(uuid)
        if entry is not None:
            data["status"] = entry.status.value
    delivery = _delivery_data(listed, paused=paused)
    data["delivery"] = delivery
    return data, f"{text}\n{_delivery_text(delivery, seconds)}", _delivery_exit(delivery)


