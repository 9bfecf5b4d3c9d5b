"""A server that echoes the secret back in every form (issue 14, item 4): none of it survives.

The echo server answers every Verify v1 call with status 3 whose ``error_text`` holds the secret
upper-cased, percent-encoded in lower case, the raw form body it received and the
``Authorization: Basic base64(key:secret)`` value; Verify v2 with an RFC 7807 422 whose title,
detail and invalid parameters do the same; the Account API with HTTP 500 whose *reason phrase*
carries them. The command line runs every command against it in text, ``--json`` and
``--verbose`` modes, then lists the history. Afterwards no spelling of the secret is in stdout,
stderr, the JSON, the history file (and its WAL) or the log file; and a credential given inside
``--api-host`` is refused without being repeated.
"""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

import pytest

from desktop_app.cli.main import main
from desktop_app.usecases.logging_setup import LOG_FILE_NAME

from . import figures

# The reliability suite (also run alone by `python -m tests.reliability`): sweeps and
# fault runs, left out of the quick loop (scripts/test --quick).
pytestmark = pytest.mark.slow

KEY = "echo-key"
SECRET = "Zq7/CANARY+s3cret=5e1"
BASIC = base64.b64encode(f"{KEY}:{SECRET}".encode()).decode()
V2_ID = "c11236f4-00bf-4b89-84ba-88b25df97315"


def spellings() -> list[bytes]:
    """Every way the echo (or a careless fix) could write the secret."""
    texts = [SECRET, SECRET.upper(), SECRET.lower(), quote(SECRET, safe=""),
             quote(SECRET, safe="").lower(), quote(SECRET, safe="").upper(), quote_plus(SECRET),
             quote_plus(SECRET).lower(), BASIC, "CANARY", "canary"]  # fmt: skip
    return [text.encode() for text in texts]


def hits_in(data: bytes) -> list[bytes]:
    return [spelling for spelling in spellings() if spelling in data]


def _echo(handler: BaseHTTPRequestHandler, body: bytes) -> str:
    auth = handler.headers.get("Authorization", "")
    return (f"refused {SECRET.upper()} / {quote(SECRET, safe='').lower()} / {auth} / {BASIC} / "
            f"{body.decode(errors='replace')}")  # fmt: skip


class _EchoHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _send(self, status: int, payload: dict[str, Any], reason: str | None = None) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status, reason)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _handle(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        echo = _echo(self, body)
        if self.path.startswith("/account"):
            self._send(500, {"error": echo}, reason=f"Echo {SECRET.upper()} {BASIC}")
        elif self.path.startswith("/v2/"):
            self._send(422, {
                "type": "https://www.developer.vonage.com/api-errors#invalid-params",
                "title": f"Invalid {SECRET.upper()}", "detail": echo, "instance": BASIC,
                "invalid_parameters": [{"name": quote(SECRET, safe="").lower(), "reason": echo}],
            })  # fmt: skip
        else:
            self._send(200, {"status": "3", "error_text": echo, "request_id": SECRET.upper(),
                             "network": BASIC})  # fmt: skip

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def do_DELETE(self) -> None:
        self._handle()


@pytest.fixture
def echo_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _EchoHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_an_echoed_secret_reaches_no_output_history_or_log(
    echo_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    home = tmp_path / "home"
    monkeypatch.setenv("VERIFY_DESK_HOME", str(home))
    monkeypatch.setenv("VERIFY_DESK_API_KEY", KEY)
    monkeypatch.setenv("VERIFY_DESK_API_SECRET", SECRET)
    hosts = ["--api-host", echo_url, "--rest-host", echo_url, "--region", "GB"]
    commands: list[tuple[list[str], int]] = [
        (["start", "--number", "447123456789", "--brand", "Acme"], 1),
        (["psd2", "--number", "447123456789", "--payee", "Shop", "--amount", "2"], 1),
        (["start", "--api", "v2", "--workflow", "sms", "--number", "447123456789", "--brand",
          "Acme"], 1),
        (["check", "--request-id", "abc123", "--code", "1234"], 1),
        (["check", "--request-id", V2_ID, "--code", "1234"], 1),
        (["cancel", "--request-id", "abc123"], 1),
        (["next", "--request-id", V2_ID], 1),
        (["search", "--request-id", "abc123"], 1),
        (["balance"], 3),
        (["history"], 0),
    ]  # fmt: skip
    printed: list[str] = []
    runs = 0
    for mode in ([], ["--json"], ["--verbose"], ["--json", "--verbose"]):
        for command, expected in commands:
            code = main([*mode, *hosts, *command])
            out, err = capsys.readouterr()
            printed += [out, err]
            runs += 1
            assert code == expected, (mode, command, err)
            if "--json" in mode:
                json.loads(out)  # still one valid JSON object after masking
    assert any("[secret]" in text for text in printed)  # the echo was there, and masked
    files = [path for path in home.rglob("*") if path.is_file()]
    assert {"history.sqlite3", LOG_FILE_NAME} <= {path.name for path in files}
    found = [(str(path), hits_in(path.read_bytes())) for path in files]
    found += [("output", hits_in(text.encode())) for text in printed]
    leaks = [(where, hits) for where, hits in found if hits]
    figures.add("secret_runs", runs)
    figures.add("files_searched", len(files))
    figures.add("secrets_found", len(leaks))
    assert leaks == []


def test_credentials_inside_a_host_url_are_refused_without_being_repeated(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("VERIFY_DESK_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("VERIFY_DESK_API_KEY", KEY)
    monkeypatch.setenv("VERIFY_DESK_API_SECRET", "another-secret")
    for option in ("--api-host", "--rest-host", "--sandbox-url"):
        for url in (f"https://{KEY}:{SECRET}@api.nexmo.com", f"http://u:{SECRET}@127.0.0.1:9",
                    f"https://{KEY}:{quote(SECRET, safe='')}@a b"):  # fmt: skip
            code = main(["--json", option, url, "balance"])
            out, err = capsys.readouterr()
            assert code == 2 and option in err
            assert hits_in((out + err).encode()) == [], (option, url, out + err)
