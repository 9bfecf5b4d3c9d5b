"""Where a request may go and how long and large its answer may be (issue 14, item 3).

* Proxies from the environment (``HTTP_PROXY``, ``HTTPS_PROXY``, ``ALL_PROXY``, lower case
  too) never see a plain-http call: a recording "proxy" gets no byte while the CLI works
  against the local sandbox; a plain httpx client with the same environment does send there,
  so the environment really points at it. ``HTTPS_PROXY`` still carries https hosts (a
  ``CONNECT`` tunnel), and ``NO_PROXY`` hosts go direct.
* Plain http reaches only a loopback *address*: a name that resolves elsewhere is refused
  after connecting and before a byte is written.
* A server that drips its headers or body, or sends without end, is stopped by the call's
  deadline or size limit with a typed error, a start is not sent twice, and a command-line
  child's peak memory stays small.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpcore
import httpx
import pytest

from desktop_app.api.exchange import CallLimits
from desktop_app.api.http import build_http_client, request_json
from desktop_app.api.retry import RetryPolicy
from desktop_app.api.transport import GuardedBackend
from desktop_app.api.v1 import VerifyV1Client
from desktop_app.api.v2 import VerifyV2Client
from desktop_app.cli.main import main
from desktop_app.domain import errors as e
from desktop_app.domain.models import ApiCredentials, StartParams
from desktop_app.domain.v2 import SmsChannel, V2StartParams
from desktop_app.sandbox.server import SandboxServer
from tests.helpers.environment import ROOT
from tests.helpers.faultserver import closed_port
from tests.helpers.hostile_servers import HostileServer, RecordingServer

SECRET = "Pr0xy-CANARY-secret"
CREDS = ApiCredentials("key", SECRET)
PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy",
                   "all_proxy")  # fmt: skip
ONE_SECOND = CallLimits(deadline=1.0)
MEGABYTE = CallLimits(max_answer_bytes=1 << 20)
MAX_CHILD_RSS_KB = 200 * 1024
#: Three attempts without waiting: a retry would show as one more hit on the server.
RETRY = RetryPolicy(attempts=3, base_delay=0.0)


@pytest.fixture
def recorder() -> Iterator[RecordingServer]:
    with RecordingServer() as server:
        yield server


def _proxies_at(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    for name in PROXY_VARIABLES:
        monkeypatch.setenv(name, url)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)


def test_environment_proxies_never_see_a_plain_http_call(
    recorder: RecordingServer,
    sandbox: SandboxServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _proxies_at(monkeypatch, recorder.url)
    monkeypatch.setenv("VERIFY_DESK_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("VERIFY_DESK_API_KEY", "sandbox")
    monkeypatch.setenv("VERIFY_DESK_API_SECRET", "sandbox-secret")
    db = str(tmp_path / "h.sqlite3")
    runs = [
        ["--sandbox-url", sandbox.url, "balance"],
        ["--sandbox-url", sandbox.url, "start", "--number", "447123456789", "--brand", "Acme"],
        ["--api-host", sandbox.url, "--rest-host", sandbox.url, "balance"],
        ["--api-host", sandbox.url, "start", "--number", "447123456780", "--brand", "Acme"],
        ["--api-host", sandbox.url, "start", "--api", "v2", "--workflow", "sms", "--number",
         "447123456781", "--brand", "Acme"],
    ]  # fmt: skip
    for argv in runs:
        assert main(["--history-db", db, "--region", "GB", *argv]) == 0, capsys.readouterr().err
    assert recorder.connections == 0 and bytes(recorder.received) == b""
    # The environment does point at the recorder: a client trusting it sends everything there.
    with httpx.Client(timeout=5) as trusting:
        trusting.post(f"{sandbox.url}/verify/json", data={"api_secret": "sandbox-secret"})
    assert b"sandbox-secret" in recorder.received


def test_a_child_process_with_proxy_variables_sends_nothing_to_them(
    recorder: RecordingServer, sandbox: SandboxServer, tmp_path: Path
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    env.update({name: recorder.url for name in PROXY_VARIABLES})
    env.update(VERIFY_DESK_HOME=str(tmp_path / "home"), VERIFY_DESK_API_KEY="sandbox",
               VERIFY_DESK_API_SECRET="sandbox-secret")  # fmt: skip
    child = subprocess.run(
        [sys.executable, "-m", "desktop_app.cli", "--api-host", sandbox.url, "--rest-host",
         sandbox.url, "balance"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert child.returncode == 0, child.stderr
    assert recorder.connections == 0 and bytes(recorder.received) == b""


def test_https_hosts_may_use_https_proxy_as_a_tunnel_and_no_proxy_goes_direct(
    recorder: RecordingServer,
) -> None:
    env = {"HTTPS_PROXY": recorder.url, "NO_PROXY": "direct.invalid"}
    with build_http_client(environ=env) as http:
        with pytest.raises(e.ConnectError):
            request_json(http, "POST", "https://api.example.test/verify/json",
                         data={"api_secret": SECRET}, secret=SECRET)  # fmt: skip
        connections = recorder.connections
        with pytest.raises(e.ConnectError):  # direct: the name does not resolve
            request_json(http, "GET", "https://direct.invalid/x")
        with pytest.raises(e.ConnectError):  # this computer is always reached direct
            request_json(http, "GET", f"https://127.0.0.1:{closed_port()}/x")
    received = bytes(recorder.received)
    assert received.startswith(b"CONNECT api.example.test:443 ")
    assert SECRET.encode() not in received and b"authorization" not in received.lower()
    assert recorder.connections == connections == 1


class _FakeStream(httpcore.NetworkStream):
    def __init__(self, peer: tuple[str, int]) -> None:
        self.peer = peer
        self.written = b""
        self.closed = False

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self.written += buffer

    def close(self) -> None:
        self.closed = True

    def get_extra_info(self, info: str) -> Any:
        return self.peer if info == "server_addr" else None


class _FakeBackend(httpcore.NetworkBackend):
    def __init__(self, peer: tuple[str, int]) -> None:
        self.stream = _FakeStream(peer)

    def connect_tcp(self, *args: Any, **kwargs: Any) -> httpcore.NetworkStream:
        return self.stream


@pytest.mark.parametrize(
    ("peer", "allowed"),
    [(("127.0.0.1", 80), True), (("127.3.4.5", 80), True), (("::1", 80), True),
     (("::ffff:127.0.0.1", 80), True), (("192.0.2.7", 80), False), (("10.0.0.1", 80), False),
     (("::ffff:10.0.0.1", 80), False), (("fe80::1%eth0", 80), False)],
)  # fmt: skip
def test_plain_http_is_decided_by_the_address_connected_to(
    peer: tuple[str, int], allowed: bool
) -> None:
    inner = _FakeBackend(peer)
    backend = GuardedBackend(loopback_only=True, inner=inner)
    if allowed:
        backend.connect_tcp("anything", 80).write(b"GET / HTTP/1.1\r\n\r\n")
        assert inner.stream.written
    else:
        with pytest.raises(httpcore.ConnectError, match="only to this computer"):
            backend.connect_tcp("api.localhost", 80)
        assert inner.stream.closed and inner.stream.written == b""


def _local_non_loopback_address() -> str | None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # no packet is sent: this only picks a route
            address = str(probe.getsockname()[0])
        except OSError:
            return None
    return None if address.startswith("127.") or address == "0.0.0.0" else address


def test_a_localhost_name_resolving_elsewhere_gets_no_byte(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    address = _local_non_loopback_address()
    if address is None:
        pytest.skip("this machine has no non-loopback IPv4 address")
    with RecordingServer(address) as elsewhere:
        real = socket.getaddrinfo

        def resolve(host: Any, *args: Any, **kwargs: Any) -> Any:
            return real(address if host == "evil.localhost" else host, *args, **kwargs)

        monkeypatch.setattr(socket, "getaddrinfo", resolve)
        with build_http_client() as http, pytest.raises(e.ConnectError) as refused:
            request_json(http, "POST", f"http://evil.localhost:{elsewhere.port}/verify/json",
                         data={"api_key": "key", "api_secret": SECRET}, secret=SECRET)  # fmt: skip
    assert "plain http is allowed only to this computer" in str(refused.value)
    assert elsewhere.connections == 1 and bytes(elsewhere.received) == b""
    assert refused.value.outcome_unknown is False  # nothing was sent


# -- the call's deadline and answer size ------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["slow-headers", "drip-body"])
def test_a_dripping_server_is_stopped_by_the_call_deadline(mode: str) -> None:
    with (
        HostileServer(mode) as server,
        build_http_client(limits=ONE_SECOND) as http,
        pytest.raises(e.CallDeadlineError) as late,
    ):
        request_json(http, "POST", f"{server.url}/verify/json", data={"a": "b"})
    assert late.value.outcome_unknown and "within 1 s" in str(late.value)
    # Each drip came well inside the 15 s read timeout: only the deadline could end the call.
    assert server.interval < 15


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["slow-headers", "drip-body"])
def test_a_start_cut_by_the_deadline_is_not_sent_again(mode: str) -> None:
    with HostileServer(mode) as server, build_http_client(limits=ONE_SECOND) as http:
        v1 = VerifyV1Client(http, CREDS, api_host=server.url, retry=RETRY)
        with pytest.raises(e.CallDeadlineError):
            v1.start(StartParams(number="447123456789", brand="Acme"))
        v2 = VerifyV2Client(http, CREDS, api_host=server.url, retry=RETRY)
        with pytest.raises(e.CallDeadlineError):
            v2.start(V2StartParams(brand="Acme", workflow=(SmsChannel(to="447123456789"),)))
        with pytest.raises(e.CallDeadlineError):  # not even an idempotent read is retried
            v1.search("abc123")
    assert server.hits == 3


def test_an_endless_answer_is_cut_at_the_size_limit() -> None:
    with (
        HostileServer("endless") as server,
        build_http_client(limits=MEGABYTE) as http,
        pytest.raises(e.AnswerTooLargeError) as large,
    ):
        request_json(http, "GET", f"{server.url}/account/get-balance")
    assert large.value.outcome_unknown and "1,048,576 bytes" in str(large.value)


def test_a_declared_huge_answer_is_refused_before_reading() -> None:
    with (
        HostileServer("huge") as server,
        build_http_client(limits=MEGABYTE) as http,
        pytest.raises(e.AnswerTooLargeError),
    ):
        request_json(http, "GET", f"{server.url}/account/get-balance")


def test_limits_are_bounded() -> None:
    for bad in ({"deadline": 0.0}, {"deadline": float("inf")}, {"max_answer_bytes": 10}):
        with pytest.raises(ValueError):
            CallLimits(**bad)  # type: ignore[arg-type]


# The CLI in a child that reports its own peak resident memory (VmHWM) on exit. Not the
# child's rusage: Linux carries the forking parent's (pytest's) resident size into it.
_MEASURED_CLI = """
import sys
from desktop_app.cli.main import main
code = main(sys.argv[1:])
with open("/proc/self/status") as status:
    peak = next(line.split()[1] for line in status if line.startswith("VmHWM:"))
sys.stderr.write(f"PEAK_KIB {peak}\\n")
sys.exit(code)
"""


def _child_peak_rss_kb(argv: list[str], env: dict[str, str]) -> tuple[int, str, int]:
    """Run the CLI as a child; its exit status, stderr and peak resident memory (KiB)."""
    if not Path("/proc/self/status").exists():
        pytest.skip("needs /proc to read the child's peak memory")
    child = subprocess.run(
        [sys.executable, "-c", _MEASURED_CLI, *argv], cwd=ROOT, env=env, capture_output=True,
        text=True, timeout=120, check=False,
    )  # fmt: skip
    err, _, peak = child.stderr.rpartition("PEAK_KIB ")
    return child.returncode, err, int(peak)


@pytest.mark.parametrize(
    ("mode", "extra", "message"),
    [("endless", [], "larger than 8,388,608 bytes"),
     ("huge", [], "larger than 8,388,608 bytes"),
     ("drip-body", ["--call-timeout", "1"], "within 1 s"),
     ("slow-headers", ["--call-timeout", "1"], "within 1 s")],
)  # fmt: skip
@pytest.mark.slow
def test_a_cli_child_ends_hostile_answers_in_time_with_little_memory(
    mode: str, extra: list[str], message: str, tmp_path: Path
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    env.update(VERIFY_DESK_HOME=str(tmp_path / "home"), VERIFY_DESK_API_KEY="key",
               VERIFY_DESK_API_SECRET=SECRET)  # fmt: skip
    with HostileServer(mode) as server:
        code, err, peak_kb = _child_peak_rss_kb(
            [*extra, "--api-host", server.url, "--rest-host", server.url, "balance"], env
        )
    assert code == 3, err
    assert message in err and "Traceback" not in err
    print(f"cli child against {mode}: peak RSS {peak_kb} KiB")
    assert peak_kb < MAX_CHILD_RSS_KB, f"peak RSS {peak_kb} KiB"
    assert server.hits == 1  # a call cut by a limit is not retried
