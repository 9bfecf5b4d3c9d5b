"""Messages client overhead: sequential ``POST /v1/messages`` through the app's
``MessagesClient`` against a bare ``httpx.Client`` posting the same JSON body.

Both send to one local stand-in server in another process that accepts every message (HTTP
202, :mod:`benchmarks._messages_server`), with Basic auth, over plain HTTP on a keep-alive
connection. The app pays for what it adds per send: the rules of every field, building the
body from the typed request, the typed answer; bare httpx posts a body built once. Variants
run interleaved in slices (A B, B A, ...) and the ratio is the median, over the slice pairs,
of app time / bare time measured side by side, so machine drift cancels out.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx

from benchmarks import register, result
from benchmarks._common import ServerProcess, median, rotated

NAME = "messages_client"
KEY, SECRET = "bench-key", "bench-secret"

Send = Callable[[], bool]


def _request() -> Any:
    from desktop_app.domain.messages import (
        SMS,
        WHATSAPP,
        MessageRequest,
        Text,
    )

    # A realistic send: a WhatsApp text with an SMS failover and a client reference.
    return MessageRequest(
        WHATSAPP,
        "447700900123",
        "447700900001",
        Text("Your parcel 4711 arrives today between 10:00 and 12:00."),
        client_ref="case-4711",
        failover=(MessageRequest(SMS, "447700900123", "Acme", Text("Parcel 4711 today")),),
    )


def _app(base: str, closers: list[Callable[[], None]]) -> Send:
    from desktop_app.api.http import build_http_client
    from desktop_app.api.messages import MessagesClient
    from desktop_app.domain.models import ApiCredentials

    http = build_http_client()
    closers.append(http.close)
    client = MessagesClient(http, ApiCredentials(KEY, SECRET), api_host=base)
    message = _request()

    def send() -> bool:
        return bool(client.send(message).message_uuid)

    return send


def _bare(base: str, closers: list[Callable[[], None]]) -> Send:
    from desktop_app.domain.messages_wire import message_body

    http = httpx.Client()
    closers.append(http.close)
    url = f"{base}/v1/messages"
    body = message_body(_request())

    def send() -> bool:
        response = http.post(url, json=body, auth=(KEY, SECRET))
        return response.status_code == 202 and bool(response.json()["message_uuid"])

    return send


@register(NAME)
def run(quick: bool) -> dict[str, Any]:
    """Per-send ms of sequential Messages sends: app client vs bare httpx (same server)."""
    calls = 200 if quick else 1000
    slice_calls = 20 if quick else 50
    rounds = 4 if quick else 5
    variants = ["app", "bare"]
    closers: list[Callable[[], None]] = []
    per_slice: dict[str, list[float]] = {name: [] for name in variants}
    cpu_slice: dict[str, list[float]] = {name: [] for name in variants}
    per_call: dict[str, list[float]] = {name: [] for name in variants}
    failures = dict.fromkeys(variants, 0)
    with ServerProcess(["-m", "benchmarks._messages_server", "--port", "0"]) as server:
        clients = {"app": _app(server.url, closers), "bare": _bare(server.url, closers)}
        try:
            for name in variants:  # warm-up: the keep-alive connection, imports, caches
                for _ in range(20):
                    if not clients[name]():
                        raise RuntimeError(f"{name}: a warm-up send failed")
            slices = calls // slice_calls
            for round_no in range(rounds):
                for slice_no in range(slices):
                    for name in rotated(variants, round_no * slices + slice_no):
                        send = clients[name]
                        cpu_started = time.thread_time()
                        started = time.perf_counter()
                        for _ in range(slice_calls):
                            if not send():
                                failures[name] += 1
                        per_slice[name].append(time.perf_counter() - started)
                        cpu_slice[name].append(time.thread_time() - cpu_started)
                for name in variants:
                    spent = sum(per_slice[name][-slices:])
                    per_call[name].append(spent * 1000 / (slices * slice_calls))
        finally:
            for close in closers:
                close()
    ms = {name: round(median(values), 4) for name, values in per_call.items()}
    paired = round(
        median([a / b for a, b in zip(per_slice["app"], per_slice["bare"], strict=True)]), 3
    )
    # The client thread's own CPU per send: what each client adds, without the waits for the
    # server and the other processes, so it moves far less than wall time on a busy machine.
    # A diagnostic beside the target's wall-clock ratio, not a replacement for it.
    cpu_ms = {name: round(median(v) * 1000 / slice_calls, 4) for name, v in cpu_slice.items()}
    cpu_paired = round(
        median([a / b for a, b in zip(cpu_slice["app"], cpu_slice["bare"], strict=True)]), 3
    )
    return result(
        NAME,
        metric="ms per sequential POST /v1/messages (app MessagesClient, Basic auth, HTTP)",
        value=ms["app"],
        baseline=ms["bare"],
        ratio=paired,
        target="app <= 1.1 x bare httpx posting the same body",
        met=paired <= 1.1 and not any(failures.values()),
        details={
            "calls_per_round": calls,
            "interleaved_slices_of": slice_calls,
            "rounds": rounds,
            "ms_per_call_median": ms,
            "ms_per_call_rounds": {k: [round(v, 4) for v in vals] for k, vals in per_call.items()},
            "ratio_is": "median over interleaved slice pairs of app time / bare time",
            "client_cpu_ms_per_call_median": cpu_ms,
            "ratio_client_cpu": cpu_paired,
            "paired_slices": len(per_slice["app"]),
            "failed_sends": failures,
            "message": "WhatsApp text with an SMS failover and a client_ref",
            "server": "benchmarks._messages_server in a subprocess (202 for every POST)",
        },
    )
