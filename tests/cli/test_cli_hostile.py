"""Hostile input for the command line (issue 14, item 2): no bytes make it print a traceback.

Every option of every command, and the credential variables, get arbitrary bytes (decoded the
way Python decodes ``argv``: UTF-8 with ``surrogateescape``), control and bidi characters,
huge numbers, very long text. Each run goes through ``main(argv)`` in process, with the
environment stubbed and the API answered by a mock that refuses everything, so a value the
rules accept ends as an API refusal (1) or an unreadable answer (3). Whatever happens:

* no traceback, and the last guard ("a bug in Verify Desk") never fires;
* exit 2 names the option (or the variable, or the field the option fills);
* stdout and stderr are valid text (no undecodable byte), and with ``--json`` stdout is one
  JSON object.

A handful of real child processes then pass undecodable bytes through a real ``argv`` and a
real environment.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desktop_app.api.http import build_http_client
from desktop_app.cli import connection as cli_connection
from desktop_app.cli.inputs import is_text
from desktop_app.cli.main import main
from desktop_app.cli.parser import FILTER_MAX
from desktop_app.domain.errors import ValidationFailed
from tests.helpers.environment import ROOT

NUMBER = "+447123456789"
V2_ID = "c11236f4-00bf-4b89-84ba-88b25df97315"
SETTINGS = settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

#: Values any option may meet: arbitrary bytes, and the classics.
NASTY = [
    "", " ", "-", "\x1b[31mred\x1b]0;title\x07", "Acme\u202e", "\u200b\u200b", "\x00", "\udcff",
    "inf", "nan", "-1", "1e309", "9" * 40, "٤٤٧", "a" * 5000, "%s%n{0}", "../..",
    "https://user:pw@example.com", "http://[::1", "\r\nSet-Cookie: x",
]  # fmt: skip
VALUES = st.one_of(
    st.binary(max_size=24).map(lambda raw: raw.decode("utf-8", "surrogateescape")),
    st.text(max_size=24),
    st.sampled_from(NASTY),
)


def _refusing(request: httpx.Request) -> httpx.Response:
    """Every API call is refused (v1 status 3; for v2 and balance an unreadable answer)."""
    return httpx.Response(200, json={"status": "3", "error_text": "Invalid value"})


class Runner:
    """``main(argv)`` with a stubbed environment, captured output and a mock API."""

    VARIABLES = (
        "VERIFY_DESK_API_KEY", "VERIFY_DESK_API_SECRET", "HTTPS_PROXY", "https_proxy",
        "HTTP_PROXY", "ALL_PROXY", "NO_PROXY", "SSL_CERT_FILE", "SSL_CERT_DIR",
    )  # fmt: skip

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.db = str(tmp / "hostile.sqlite3")

    def __call__(self, argv: list[str], env: dict[str, str] | None = None) -> tuple[int, str, str]:
        out, err = io.StringIO(), io.StringIO()
        environment = {"VERIFY_DESK_API_KEY": "key", "VERIFY_DESK_API_SECRET": "secret-value"}
        environment.update(env or {})
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(sys, "stdout", out)
            patch.setattr(sys, "stderr", err)
            patch.setenv("VERIFY_DESK_HOME", str(self.tmp / "home"))
            for name in self.VARIABLES:
                patch.delenv(name, raising=False)
            for name, value in environment.items():
                patch.setenv(name, value)
            patch.chdir(self.tmp)
            patch.setattr(
                cli_connection,
                "build_http_client",
                lambda **kw: build_http_client(httpx.MockTransport(_refusing), **kw),
            )
            code = main(argv)
        return code, out.getvalue(), err.getvalue()


@pytest.fixture
def runner(tmp_path: Path) -> Iterator[Runner]:
    yield Runner(tmp_path)


def check_outcome(
    code: int, out: str, err: str, names: tuple[str, ...], *, json_mode: bool, local_ok: bool
) -> None:
    """The contract every hostile run keeps."""
    assert "Traceback" not in err and "Traceback" not in out
    assert "a bug in Verify Desk" not in err, err
    out.encode("utf-8")  # no undecodable byte reaches a stream
    err.encode("utf-8")
    assert code in ((0, 1, 2, 3, 4) if local_ok else (0, 1, 2, 3)), (code, err)
    if code != 0:
        assert "verify-desk-cli: error: " in err
    if code == 2:
        assert any(name in err for name in names), (names, err)
    if json_mode and code != 0:
        payload = json.loads(out)
        assert payload["ok"] is False and payload["error"]["message"]


# (command, option, the base arguments that make the option matter, names that may be shown)
def _cases() -> list[tuple[str, tuple[str, ...], tuple[str, ...]]]:
    sandbox = ("--sandbox-url", "http://127.0.0.1:9")
    v1_start = (*sandbox, "start", "--number", NUMBER, "--brand", "Acme", "--yes-unknown-number")
    v2_start = (*sandbox, "start", "--api", "v2", "--workflow", "sms", "--number", NUMBER,
                "--brand", "Acme", "--yes-unknown-number")  # fmt: skip
    psd2 = (*sandbox, "psd2", "--number", NUMBER, "--payee", "Shop", "--amount", "1",
            "--yes-unknown-number")  # fmt: skip
    number_too = ("number", "--number")
    cases: list[tuple[str, tuple[str, ...], tuple[str, ...]]] = []
    for option in ("--number", "--brand", "--country", "--sender-id", "--code-length", "--lg",
                   "--pin-expiry", "--next-event-wait", "--workflow-id", "--pin-code"):  # fmt: skip
        cases.append((option, v1_start, number_too))
    for option in ("--workflow", "--to-email", "--from", "--whatsapp-from", "--email-from",
                   "--locale", "--channel-timeout", "--client-ref", "--code", "--app-hash",
                   "--entity-id", "--content-id", "--redirect-url", "--brand", "--number",
                   "--code-length", "--country"):  # fmt: skip
        cases.append((f"v2 {option}", v2_start, (*number_too, "workflow", "to", "from", "--api")))
    for option in ("--number", "--payee", "--amount", "--country", "--code-length", "--lg",
                   "--pin-expiry", "--next-event-wait", "--workflow-id"):  # fmt: skip
        cases.append((f"psd2 {option}", psd2, number_too))
    for command in ("check", "cancel", "next", "search"):
        base = (*sandbox, command, "--request-id", "abc123")
        if command == "check":
            base = (*base, "--code", "1234")
        cases.append((f"{command} --request-id", base, ("request_id", "--api")))
        if command == "check":
            cases.append(("check --code", base, ("code",)))
        if command != "search":
            cases.append((f"{command} --api", base, ()))
            code = ("--code", "1234") if command == "check" else ()
            v2 = (*sandbox, command, "--request-id", V2_ID, *code)
            cases.append((f"{command} v2 --request-id", v2, ("request_id",)))
    history = ("--history-db", "HISTORY_DB", "history")
    for option in ("--limit", "--filter", "--status"):
        cases.append((f"history {option}", history, ()))
    for option in ("--sandbox-time-scale", "--call-timeout", "--max-answer-bytes", "--region",
                   "--operator"):  # fmt: skip
        cases.append((f"global {option}", (*sandbox, "balance"), ()))
    for option in ("--api-host", "--rest-host", "--profile", "--sandbox-url"):
        cases.append((f"target {option}", ("balance",), ("--sandbox", "--api-host")))
    cases.append(("global --history-db", (*sandbox, "balance"), ()))
    return cases


CASES = _cases()


@pytest.mark.slow
@pytest.mark.parametrize(("case", "base", "also"), CASES, ids=[case for case, _, _ in CASES])
@SETTINGS
@given(value=VALUES, json_mode=st.booleans())
def test_no_bytes_in_any_option_end_in_a_traceback(
    runner: Runner, case: str, base: tuple[str, ...], also: tuple[str, ...], value: str,
    json_mode: bool,
) -> None:  # fmt: skip
    option = case.split()[-1]
    if option == "--history-db":
        # Inside the test folder only: no separators climbing out of it.
        value = str(runner.tmp / ("h-" + value.replace("..", "_")))
    argv = [runner.db if arg == "HISTORY_DB" else arg for arg in base]
    argv = [*(["--json"] if json_mode else []), "--history-db", runner.db, *argv, option, value]
    code, out, err = runner(argv)
    names = (option, option.lstrip("-").replace("-", "_"), *also)
    local_ok = option == "--history-db"  # a folder named as the file: documented exit 4
    check_outcome(code, out, err, names, json_mode=json_mode, local_ok=local_ok)


@SETTINGS
@given(
    variable=st.sampled_from(["VERIFY_DESK_API_KEY", "VERIFY_DESK_API_SECRET"]),
    raw=st.one_of(st.binary(max_size=24), st.sampled_from([b"", b" ", b"\xff\xfe", b"\x1b[2J"])),
    json_mode=st.booleans(),
)
def test_no_bytes_in_the_credential_variables_end_in_a_traceback(
    runner: Runner, variable: str, raw: bytes, json_mode: bool
) -> None:
    value = raw.replace(b"\x00", b"").decode("utf-8", "surrogateescape")  # no NUL in an environ
    argv = [*(["--json"] if json_mode else []), "--history-db", runner.db,
            "--api-host", "https://api.example.test", "balance"]  # fmt: skip
    code, out, err = runner(argv, {variable: value})
    check_outcome(code, out, err, (variable,), json_mode=json_mode, local_ok=False)
    missing = not (value.strip() if variable.endswith("_KEY") else value)  # the key is stripped
    if missing or not is_text(value):
        assert code == 2


@SETTINGS
@given(
    variable=st.sampled_from(
        ["HTTPS_PROXY", "https_proxy", "NO_PROXY", "SSL_CERT_FILE", "SSL_CERT_DIR"]
    ),
    value=st.one_of(st.text(max_size=30), st.sampled_from(["socks5://p:1", "http://[::1",
                                                           "/nonexistent", "*", ":"])),
)
def test_proxy_and_certificate_variables_are_used_or_refused_by_name(
    variable: str, value: str
) -> None:
    try:
        build_http_client(environ={variable: value}).close()
    except ValidationFailed as refused:
        assert [error.field for error in refused.errors] == [variable]
        assert value not in str(refused) or len(value) < 3  # a proxy password is not repeated


@pytest.mark.parametrize(
    ("argv", "option"),
    [
        (["history", "--limit", "99999999999999999999999"], "--limit"),
        (["history", "--filter", "x" * 100_000], "--filter"),
        (["--sandbox", "--sandbox-time-scale", "inf", "balance"], "--sandbox-time-scale"),
        (["--call-timeout", "nan", "balance"], "--call-timeout"),
        (["--operator", "\u202eadmin", "history"], "--operator"),
        (["--operator", "\u200b", "history"], "--operator"),
    ],
    ids=[
        "huge limit", "100k filter", "infinite time scale", "nan timeout", "bidi operator",
        "invisible operator",
    ],
)
def test_the_values_that_used_to_crash_are_named_refusals(
    runner: Runner, argv: list[str], option: str
) -> None:
    code, out, err = runner(["--json", "--history-db", runner.db, *argv])
    assert code == 2, err
    assert option in json.loads(out)["error"]["message"] and option in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_a_long_filter_within_the_limit_still_searches(runner: Runner) -> None:
    code, out, _ = runner(["--json", "--history-db", runner.db, "history", "--filter",
                           "%_\\" * (FILTER_MAX // 3)])  # fmt: skip
    assert code == 0 and json.loads(out)["entries"] == []


@pytest.mark.expect_warnings(match="stopped on an unexpected error")
def test_an_unforeseen_failure_is_one_sentence_and_a_logged_traceback(
    runner: Runner, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(args: object) -> object:
        raise RuntimeError("a bug, with secret-value inside")

    monkeypatch.setattr("desktop_app.cli.main.run_command", broken)
    code, out, err = runner(["--json", "--history-db", runner.db, "history"])
    assert code == 4
    assert err.startswith("verify-desk-cli: error: The command stopped on an unexpected problem")
    assert "Traceback" not in err and json.loads(out)["error"]["type"] == "UnexpectedFailure"
    log = (runner.tmp / "home" / "logs" / "verify-desk.log").read_text()
    assert "Traceback" in log and "RuntimeError" in log
    assert "secret-value" not in log + out + err  # the environment's secret is masked


# -- real processes: the bytes arrive through a real argv and a real environment ------------------


def _child(
    tmp: Path, argv: list[bytes], env: dict[bytes, bytes] | None = None
) -> tuple[int, str, str]:
    environ = {key.encode(): value.encode() for key, value in os.environ.items()
               if not key.startswith(("VERIFY_DESK_", "HTTP", "ALL_PROXY"))}  # fmt: skip
    environ[b"VERIFY_DESK_HOME"] = str(tmp / "home").encode()
    environ.update(env or {})
    child = subprocess.run(
        [os.fsencode(sys.executable), b"-m", b"desktop_app.cli", b"--json", *argv],
        cwd=ROOT, env=environ, capture_output=True, timeout=120, check=False,
    )  # fmt: skip
    return child.returncode, child.stdout.decode(), child.stderr.decode()


CHILD_CASES: list[tuple[list[bytes], dict[bytes, bytes], str]] = [
    ([b"--sandbox", b"start", b"--number", NUMBER.encode(), b"--brand", b"Ac\xffme"], {},
     "--brand"),
    ([b"--sandbox", b"psd2", b"--number", NUMBER.encode(), b"--payee", b"\xc3", b"--amount",
      b"1"], {}, "--payee"),
    ([b"--operator", b"\xfe\xff", b"history"], {}, "--operator"),
    ([b"history", b"--filter", b"\x80abc"], {}, "--filter"),
    ([b"--sandbox", b"start", b"--api", b"v2", b"--workflow", b"sms", b"--number",
      NUMBER.encode(), b"--brand", b"\xe2\x80"], {}, "--brand"),
    ([b"--api-host", b"https://api.example.test", b"balance"],
     {b"VERIFY_DESK_API_KEY": b"key", b"VERIFY_DESK_API_SECRET": b"sec\xffret"},
     "VERIFY_DESK_API_SECRET"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("argv", "env", "named"),
    CHILD_CASES,
    ids=["brand", "payee", "operator", "filter", "v2 brand", "secret"],
)
@pytest.mark.slow
def test_undecodable_bytes_in_a_real_process_are_named_refusals(
    tmp_path: Path, argv: list[bytes], env: dict[bytes, bytes], named: str
) -> None:
    code, out, err = _child(tmp_path, argv, env)
    assert code == 2, err
    payload = json.loads(out)
    assert payload["ok"] is False and payload["error"]["fields"][0]["field"] == named
    assert err.startswith(f"verify-desk-cli: error: {named}: is not valid text")
    assert "Traceback" not in err and len(err.splitlines()) == 1
    assert not (tmp_path / "home" / "data").exists()  # refused before the history was touched
