"""Command line: ``verify-desk-sandbox`` (or ``python -m desktop_app.sandbox``).

The first line printed (flushed at once) is exactly ``Sandbox listening on http://HOST:PORT``
(``https`` with a TLS certificate). SIGINT and SIGTERM stop it cleanly (exit 0). A non-loopback
host is refused (exit 2) unless ``--allow-remote``. Numeric options take ASCII digits within
their ranges (:mod:`desktop_app.sandbox.bounds`), like the control endpoints.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from types import FrameType

from desktop_app.sandbox.bounds import number, whole
from desktop_app.sandbox.clock import MAX_TIME_SCALE
from desktop_app.sandbox.core import MAX_LATENCY
from desktop_app.sandbox.faults import FAULT_KINDS, FaultRule, parse_fault
from desktop_app.sandbox.server import RemoteBindRefused, SandboxConfig, SandboxServer

SECRET_ENV = "VERIFY_DESK_SANDBOX_SECRET"
SIGNATURE_SECRET_ENV = "VERIFY_DESK_SANDBOX_SIGNATURE_SECRET"
#: The largest public key file read (a PEM RSA key of 4096 bits is under 1 KB).
MAX_KEY_FILE = 64 * 1024
#: The highest rate limit (calls per second per key).
MAX_RATE = 1_000_000.0


def _number_arg(high: float) -> Callable[[str], float]:
    """An argparse type: a number from 0 to ``high`` in ASCII digits."""

    def read(text: str) -> float:
        value = number(text, 0.0, high)
        if value is None:
            raise argparse.ArgumentTypeError(
                f"must be a number from 0 to {high:.0f}, like 1 or 0.5"
            )
        return value

    return read


def _whole_arg(high: int) -> Callable[[str], int]:
    """An argparse type: a whole number from 0 to ``high`` in ASCII digits."""

    def read(text: str) -> int:
        value = whole(text, 0, high)
        if value is None:
            raise argparse.ArgumentTypeError(f"must be a whole number from 0 to {high}")
        return value

    return read


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for tests and docs)."""
    parser = argparse.ArgumentParser(
        prog="verify-desk-sandbox",
        description=(
            "A local, stateful simulator of the Vonage Verify v1 and v2 APIs and the Messages "
            "API (loopback only)."
        ),
        epilog=(
            f"The secret may also come from the environment variable {SECRET_ENV}, and the "
            f"signature secret from {SIGNATURE_SECRET_ENV}, which is safer than --api-secret "
            "and --signature-secret (command lines are visible to other local users in ps)."
        ),
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument(
        "--port", type=_whole_arg(65535), default=8899, help="TCP port (0 picks a free one)"
    )
    parser.add_argument("--api-key", default="sandbox", help="the account's API key")
    parser.add_argument(
        "--api-secret",
        default=None,
        help=f"the account's API secret (default: ${SECRET_ENV}, else 'sandbox-secret')",
    )
    parser.add_argument(
        "--time-scale",
        type=_number_arg(MAX_TIME_SCALE),
        default=1.0,
        help="simulated seconds per real second",
    )
    parser.add_argument(
        "--rate-limit",
        type=_number_arg(MAX_RATE),
        default=30.0,
        help="Verify calls/s per key (0 = off)",
    )
    parser.add_argument(
        "--search-rate-limit",
        type=_number_arg(MAX_RATE),
        default=1.0,
        help="search calls/s per key (0 = off)",
    )
    parser.add_argument(
        "--latency",
        type=_number_arg(MAX_LATENCY),
        default=0.0,
        help="real seconds added before each API answer",
    )
    parser.add_argument(
        "--allow-remote", action="store_true", help="allow listening on a non-loopback address"
    )
    parser.add_argument(
        "--allow-pin-code", action="store_true", help="accept a custom pin_code (else status 20)"
    )
    parser.add_argument("--tls-cert", default=None, help="PEM certificate: also serve HTTPS")
    parser.add_argument("--tls-key", default=None, help="PEM private key for --tls-cert")
    parser.add_argument(
        "--callback-url",
        default=None,
        help="loopback URL that receives Verify v2 summary/event callbacks (JSON POSTs)",
    )
    parser.add_argument(
        "--allow-fraud-check-bypass",
        action="store_true",
        help="accept Verify v2 fraud_check=false (else HTTP 403)",
    )
    parser.add_argument(
        "--fault",
        action="append",
        default=[],
        type=_fault_arg,
        metavar="ENDPOINT:KIND[:ARG][@COUNT|%PROB]",
        help=(
            "inject a fault (repeatable), e.g. search:http503@1, start:drop_after_processing, "
            "'*:latency:0.5%%0.25'; ENDPOINT is a route name (start, psd2, check, search, "
            "control, balance, v2_start, v2_check, ...) or *; KIND one of "
            f"{', '.join(FAULT_KINDS)}; ARG the seconds of latency/hang; @COUNT the next "
            "COUNT requests only, %%PROB each request with probability PROB (0..1)"
        ),
    )
    parser.add_argument(
        "--fault-seed",
        type=_whole_arg(10**12 - 1),
        default=None,
        help="seed of the random draws of %%PROB faults (a reproducible run)",
    )
    parser.add_argument(
        "--messages-rate-limit",
        type=_number_arg(MAX_RATE),
        default=30.0,
        help="Messages API sends/s per sender before HTTP 429 (0 = off)",
    )
    parser.add_argument(
        "--application-id",
        default=None,
        help="the application whose RS256 JWTs the Messages API accepts (with --public-key)",
    )
    parser.add_argument(
        "--public-key",
        default=None,
        metavar="FILE",
        help="PEM public key of --application-id",
    )
    parser.add_argument(
        "--status-url",
        default=None,
        help="loopback URL that receives Messages status webhooks (when a message names none)",
    )
    parser.add_argument(
        "--inbound-url",
        default=None,
        help="loopback URL that receives inbound message webhooks (POST /sandbox/inbound)",
    )
    parser.add_argument(
        "--signature-secret",
        default=None,
        help=f"sign Messages webhooks with this secret (HS256; default: ${SIGNATURE_SECRET_ENV})",
    )
    parser.add_argument(
        "--verbose", action="store_true", help="log method and path of each request"
    )
    return parser


def _fault_arg(text: str) -> FaultRule:
    try:
        return parse_fault(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def main(argv: Sequence[str] | None = None) -> int:
    """Run the sandbox until SIGINT or SIGTERM; returns the exit code."""
    args = build_parser().parse_args(argv)
    secret = args.api_secret or os.environ.get(SECRET_ENV) or "sandbox-secret"
    public_key = None
    if args.public_key:
        try:
            public_key = _read_key(args.public_key)
        except (OSError, ValueError) as exc:
            sys.stderr.write(f"verify-desk-sandbox: cannot read --public-key: {exc}\n")
            return 2
    config = SandboxConfig(
        host=args.host,
        port=args.port,
        api_key=args.api_key,
        api_secret=secret,
        time_scale=args.time_scale,
        rate_limit=args.rate_limit,
        search_rate_limit=args.search_rate_limit,
        latency=args.latency,
        allow_remote=args.allow_remote,
        allow_pin_code=args.allow_pin_code,
        tls_cert=args.tls_cert,
        tls_key=args.tls_key,
        verbose=args.verbose,
        callback_url=args.callback_url,
        allow_fraud_check_bypass=args.allow_fraud_check_bypass,
        faults=tuple(args.fault),
        fault_seed=args.fault_seed,
        messages_rate_limit=args.messages_rate_limit,
        application_id=args.application_id,
        public_key=public_key,
        status_url=args.status_url,
        inbound_url=args.inbound_url,
        signature_secret=args.signature_secret or os.environ.get(SIGNATURE_SECRET_ENV) or None,
    )
    try:
        server = SandboxServer(config)
        server.start()
    except RemoteBindRefused as exc:
        sys.stderr.write(f"verify-desk-sandbox: {exc}\n")
        return 2
    except (OSError, ValueError) as exc:
        sys.stderr.write(f"verify-desk-sandbox: cannot start: {exc}\n")
        return 2
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        sys.stdout.write(f"Sandbox listening on {server.url}\n")
        sys.stdout.flush()
        for rule in server.faults.to_json()["rules"]:
            sys.stderr.write(f"verify-desk-sandbox: fault injected: {_describe(rule)}\n")
        while not stop.wait(0.5):
            pass
    finally:
        server.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 0


def _read_key(path: str) -> str:
    """The text of a PEM public key file (bounded; not checked here: the server checks it)."""
    with open(path, "rb") as handle:
        data = handle.read(MAX_KEY_FILE + 1)
    if len(data) > MAX_KEY_FILE:
        raise ValueError(f"the file is larger than {MAX_KEY_FILE} bytes")
    try:
        return data.decode("ascii")
    except UnicodeDecodeError:
        raise ValueError("the file is not a PEM text file") from None


def _describe(rule: dict[str, object]) -> str:
    """One line per fault rule for the start-up banner."""
    when = (
        f"next {rule['count']} request(s)"
        if rule["count"] is not None
        else f"probability {rule['probability']}"
        if rule["probability"] is not None
        else "every request"
    )
    seconds = f" {rule['seconds']} s" if rule["kind"] in ("latency", "hang") else ""
    return f"{rule['endpoint']}: {rule['kind']}{seconds}, {when}"


if __name__ == "__main__":
    sys.exit(main())
