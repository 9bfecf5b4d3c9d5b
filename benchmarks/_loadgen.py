"""The load generator for ``sandbox_throughput``, run in its own process.

Several threads, each with one keep-alive connection (a minimal raw-socket HTTP/1.1 client with
Nagle off, so the generator's own CPU per request stays small next to the server's), drive three
phases of ``--duration`` seconds each after ``--warmup`` seconds:

* start: ``POST /verify/json`` with a distinct number per call; each answer must be status
  ``"0"`` with a 32-character request id. Every ``--spot-every``-th start, the handset's code is
  read from ``/sandbox/messages``; half of those requests are checked with it at once (must be
  status ``"0"``), the other half are kept for the check phase.
* check: ``POST /verify/check/json`` with a code that can never match (letters; the sandbox only
  generates digits) against the thread's own started requests in turn, so the expected status is
  known from the attempt number: 1st and 2nd ``"16"``, 3rd ``"17"``, later ``"6"``. Every
  ``--spot-every``-th check instead sends a kept request's right code (must be ``"0"``).
* messages: ``POST /v1/messages`` (JSON, Basic auth), an SMS to a distinct number per call; each
  answer must be HTTP 202 with a canonical 36-character ``message_uuid``. Every
  ``--spot-every``-th message is kept; after the phase the sandbox clock is advanced 1 s and
  each kept number's handset must hold exactly that message, delivered by SMS.

With ``--trivial`` (the baseline server) the same requests are sent and nothing is verified.

Prints one JSON object on stdout. Run: ``python -m benchmarks._loadgen --url URL ...``.
"""

from __future__ import annotations

import argparse
import base64
import json
import socket
import sys
import threading
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urlsplit
from uuid import UUID

KEY, SECRET = "sandbox", "sandbox-secret"
BASIC = "Basic " + base64.b64encode(f"{KEY}:{SECRET}".encode()).decode()
WRONG_CODE = "abcd"
#: Verify's and the Messages API's magic suffixes: never used, so every answer is known.
_MAGIC_SUFFIXES = {"0007", "0009", "0015", "0029", "4220", "4290", "4020"}
PHASES = ("start", "check", "messages")


class Connection:
    """One keep-alive HTTP/1.1 connection: send a request, read exactly one response."""

    def __init__(self, host: str, port: int) -> None:
        self.sock = socket.create_connection((host, port), timeout=30)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.host = f"{host}:{port}"
        self.buffer = b""

    def request(
        self,
        method: str,
        path: str,
        form: dict[str, str] | None = None,
        *,
        json_body: bytes | None = None,
        expect: tuple[bytes, ...] = (b"200",),
    ) -> bytes:
        """Send one request; return the body of an answer with an ``expect`` status (else raise).

        ``json_body`` is sent as JSON with the sandbox account's Basic credentials.
        """
        body = urlencode(form).encode() if form is not None else json_body or b""
        head = f"{method} {path} HTTP/1.1\r\nHost: {self.host}\r\n"
        if form is not None:
            head += (
                "Content-Type: application/x-www-form-urlencoded\r\n"
                f"Content-Length: {len(body)}\r\n"
            )
        elif json_body is not None:
            head += (
                f"Content-Type: application/json\r\nAuthorization: {BASIC}\r\n"
                f"Content-Length: {len(body)}\r\n"
            )
        self.sock.sendall(head.encode("latin-1") + b"\r\n" + body)
        buf = self.buffer
        while (end := buf.find(b"\r\n\r\n")) < 0:
            buf += self._recv()
        header, rest = buf[:end], buf[end + 4 :]
        status = header[9:12]
        length = 0
        for line in header.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
                break
        while len(rest) < length:
            rest += self._recv()
        self.buffer = rest[length:]
        if status not in expect:
            raise RuntimeError(f"HTTP {status.decode()} for {path}: {rest[:length][:200]!r}")
        return rest[:length]

    def _recv(self) -> bytes:
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ConnectionError("the server closed the connection")
        return chunk

    def close(self) -> None:
        """Close the socket."""
        self.sock.close()


@dataclass
class PhaseStats:
    """One thread's (or the merged) figures for one phase."""

    ops: int = 0
    latencies: list[float] = field(default_factory=list)
    statuses: Counter[str] = field(default_factory=Counter)
    mismatches: int = 0
    samples: list[str] = field(default_factory=list)
    spot_requests: int = 0
    spot_ok: int = 0
    spot_bad: int = 0
    errors: list[str] = field(default_factory=list)

    def mismatch(self, text: str) -> None:
        """Count an answer that was not the expected one (keep a few for the report)."""
        self.mismatches += 1
        if len(self.samples) < 5:
            self.samples.append(text[:300])

    def merge(self, other: PhaseStats) -> None:
        """Add another thread's figures."""
        self.ops += other.ops
        self.latencies.extend(other.latencies)
        self.statuses.update(other.statuses)
        self.mismatches += other.mismatches
        self.samples.extend(other.samples[: max(0, 5 - len(self.samples))])
        self.spot_requests += other.spot_requests
        self.spot_ok += other.spot_ok
        self.spot_bad += other.spot_bad
        self.errors.extend(other.errors)


@dataclass
class Worker:
    """One connection's state across both phases."""

    index: int
    conn: Connection
    prefix: str
    trivial: bool
    spot_every: int
    started_ids: list[str] = field(default_factory=list)
    kept: list[tuple[str, str]] = field(default_factory=list)
    sent: list[tuple[str, str]] = field(default_factory=list)
    attempts: dict[str, int] = field(default_factory=dict)
    counter: int = 0

    def next_number(self) -> str:
        """A number no other start in this run uses, never a magic one."""
        while True:
            self.counter += 1
            number = f"{self.prefix}{self.index:02d}{self.counter:06d}"
            if number[-4:] not in _MAGIC_SUFFIXES:
                return number

    def start_op(self, stats: PhaseStats) -> None:
        """One start (and, now and then, a spot-check of its code)."""
        number = self.next_number()
        raw = self.conn.request(
            "POST",
            "/verify/json",
            {"api_key": KEY, "api_secret": SECRET, "number": number, "brand": "Bench"},
        )
        body = json.loads(raw)
        status = str(body.get("status"))
        stats.statuses[status] += 1
        if self.trivial:
            self.started_ids.append(str(body.get("request_id")))
            return
        request_id = str(body.get("request_id", ""))
        if status != "0" or len(request_id) != 32:
            stats.mismatch(f"start {number}: {raw.decode(errors='replace')}")
            return
        if self.counter % self.spot_every:
            self.started_ids.append(request_id)
            return
        code = self._code_of(number, request_id, stats)
        if code is None:
            return
        if (self.counter // self.spot_every) % 2:
            self.kept.append((request_id, code))
        else:
            self._spot_check(request_id, code, stats)

    def check_op(self, stats: PhaseStats, op_number: int) -> None:
        """One wrong-code check (or, now and then, a right-code spot-check)."""
        if not self.trivial and op_number % self.spot_every == 0 and self.kept:
            self._spot_check(*self.kept.pop(), stats)
        if not self.started_ids:
            raise RuntimeError("no started requests to check")
        request_id = self.started_ids[op_number % len(self.started_ids)]
        raw = self.conn.request(
            "POST",
            "/verify/check/json",
            {"api_key": KEY, "api_secret": SECRET, "request_id": request_id, "code": WRONG_CODE},
        )
        body = json.loads(raw)
        status = str(body.get("status"))
        stats.statuses[status] += 1
        if self.trivial:
            return
        attempt = self.attempts.get(request_id, 0) + 1
        self.attempts[request_id] = attempt
        expected = "16" if attempt <= 2 else "17" if attempt == 3 else "6"
        if status != expected:
            stats.mismatch(f"check #{attempt} expected {expected}: {raw.decode(errors='replace')}")

    def messages_op(self, stats: PhaseStats) -> None:
        """One SMS through ``/v1/messages`` (every ``spot_every``-th kept for a handset check)."""
        number = self.next_number()
        body = {"channel": "sms", "message_type": "text", "to": number, "from": "Bench"}
        body["text"] = f"Bench message {self.counter}"
        expect = (b"200",) if self.trivial else (b"202",)
        raw = self.conn.request(
            "POST", "/v1/messages", json_body=json.dumps(body).encode(), expect=expect
        )
        answer = json.loads(raw)
        message_uuid = str(answer.get("message_uuid", ""))
        stats.statuses["202" if message_uuid else "other"] += 1
        if self.trivial:
            return
        try:
            canonical = str(UUID(message_uuid)) == message_uuid
        except ValueError:
            canonical = False
        if not canonical:
            stats.mismatch(f"message to {number}: {raw.decode(errors='replace')}")
        elif self.counter % self.spot_every == 0:
            self.sent.append((number, message_uuid))

    def check_handsets(self, stats: PhaseStats) -> None:
        """Each kept message is on its number's handset, exactly once, by SMS."""
        for number, message_uuid in self.sent:
            stats.spot_requests += 1
            raw = self.conn.request("GET", f"/sandbox/messages?number={number}")
            got = [(m.get("message_uuid"), m["channel"]) for m in json.loads(raw)["messages"]]
            if got == [(message_uuid, "sms")]:
                stats.spot_ok += 1
            else:
                stats.spot_bad += 1
                stats.mismatch(f"handset of {number}: {raw[:300].decode(errors='replace')}")

    def _code_of(self, number: str, request_id: str, stats: PhaseStats) -> str | None:
        stats.spot_requests += 1
        raw = self.conn.request("GET", f"/sandbox/messages?number={number}")
        codes = [m["code"] for m in json.loads(raw)["messages"] if m["request_id"] == request_id]
        if len(codes) != 1:
            stats.spot_bad += 1
            stats.mismatch(f"messages for {number}: {raw[:300].decode(errors='replace')}")
            return None
        return str(codes[0])

    def _spot_check(self, request_id: str, code: str, stats: PhaseStats) -> None:
        stats.spot_requests += 1
        raw = self.conn.request(
            "POST",
            "/verify/check/json",
            {"api_key": KEY, "api_secret": SECRET, "request_id": request_id, "code": code},
        )
        if json.loads(raw).get("status") == "0":
            stats.spot_ok += 1
        else:
            stats.spot_bad += 1
            stats.mismatch(f"right code for {request_id}: {raw.decode(errors='replace')}")


def run_phase(workers: list[Worker], phase: str, warmup: float, duration: float) -> dict[str, Any]:
    """Run one phase on every worker at once; figures from the measured window only."""
    begin: list[float] = []
    barrier = threading.Barrier(len(workers), action=lambda: begin.append(time.perf_counter()))
    per_thread = [PhaseStats() for _ in workers]

    def drive(worker: Worker, stats: PhaseStats) -> None:
        barrier.wait()
        window_start = begin[0] + warmup
        window_end = window_start + duration
        scratch = PhaseStats()  # warm-up answers are verified too, but not counted as ops
        op_number = 0
        try:
            while True:
                before = time.perf_counter()
                if before >= window_end:
                    break
                target = stats if before >= window_start else scratch
                op_number += 1
                if phase == "start":
                    worker.start_op(target)
                elif phase == "check":
                    worker.check_op(target, op_number)
                else:
                    worker.messages_op(target)
                after = time.perf_counter()
                if target is stats and after <= window_end:
                    stats.ops += 1
                    stats.latencies.append(after - before)
        except Exception as exc:  # reported, never hidden
            stats.errors.append(f"{type(exc).__name__}: {exc}"[:300])
        stats.mismatches += scratch.mismatches
        stats.samples.extend(scratch.samples[:2])
        stats.spot_requests += scratch.spot_requests
        stats.spot_ok += scratch.spot_ok
        stats.spot_bad += scratch.spot_bad

    threads = [
        threading.Thread(target=drive, args=(w, s), daemon=True)
        for w, s in zip(workers, per_thread, strict=True)
    ]
    cpu_before = time.process_time()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    cpu = time.process_time() - cpu_before
    total = PhaseStats()
    for stats in per_thread:
        total.merge(stats)
    lat = sorted(total.latencies)

    def pct(p: float) -> float | None:
        return round(lat[min(len(lat) - 1, int(p * len(lat)))] * 1000, 3) if lat else None

    return {
        "ops": total.ops,
        "rps": round(total.ops / duration, 1),
        "latency_ms_p50": pct(0.5),
        "latency_ms_p99": pct(0.99),
        "statuses": dict(total.statuses),
        "mismatches": total.mismatches,
        "mismatch_samples": total.samples,
        "spot_requests": total.spot_requests,
        "spot_ok": total.spot_ok,
        "spot_bad": total.spot_bad,
        "errors": total.errors,
        "generator_cpu_s": round(cpu, 3),
        "generator_cpu_share": round(cpu / (warmup + duration), 3),
    }


def verify_delivered(workers: list[Worker]) -> dict[str, Any]:
    """After the messages phase: jump the clock past delivery, check the kept handsets."""
    stats = PhaseStats()
    try:
        conn = workers[0].conn
        conn.request("POST", "/sandbox/clock/advance", {"seconds": "1"})
        for worker in workers:
            worker.check_handsets(stats)
    except Exception as exc:  # reported, never hidden
        stats.errors.append(f"{type(exc).__name__}: {exc}"[:300])
    return {
        "handset_checks_ok": stats.spot_ok,
        "handset_checks_bad": stats.spot_bad,
        "handset_mismatch_samples": stats.samples,
        "handset_errors": stats.errors,
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Connect, run the start, check and messages phases, print the JSON figures."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks._loadgen")
    parser.add_argument("--url", required=True)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--duration", type=float, default=3.0)
    parser.add_argument("--warmup", type=float, default=0.3)
    parser.add_argument("--prefix", default="44100", help="leading digits of the numbers")
    parser.add_argument("--spot-every", type=int, default=100)
    parser.add_argument("--trivial", action="store_true", help="baseline server: verify nothing")
    args = parser.parse_args(argv)
    split = urlsplit(args.url)
    host, port = split.hostname or "127.0.0.1", split.port or 80
    workers = [
        Worker(i, Connection(host, port), args.prefix, args.trivial, args.spot_every)
        for i in range(args.connections)
    ]
    try:
        report = {phase: run_phase(workers, phase, args.warmup, args.duration) for phase in PHASES}
        if not args.trivial:
            report["messages"].update(verify_delivered(workers))
    finally:
        for worker in workers:
            worker.conn.close()
    json.dump(report, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
