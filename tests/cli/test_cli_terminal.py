"""Server text cannot drive the terminal, and messages say what the command line can do.

Item 5 of issue 14: escape sequences and bidi controls a server puts in ``error_text``, in a
search record or (once stored) in the history are printed escaped in text mode and exactly in
JSON; free-text fields refuse bidi controls and invisible-only text with the field named.
"Messages that mislead": the keyring errors tell a command-line user about the environment
variables and saved profiles (not "enter the secret for this session only"), and the null
keyring backend is not called a file.
"""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import keyring
import keyring.backends.null
import keyring.core
import pytest

from desktop_app.api.http import build_http_client
from desktop_app.cli import connection as cli_connection
from desktop_app.settings.paths import AppPaths
from desktop_app.settings.profiles import Profile, ProfileStore
from tests.helpers.cli import Cli, Run

HOSTILE = "\x1b]0;owned\x07\x1b[2J\x1b[31mred\u202eevil\u2066x\u2069\r\x9b"
ESCAPES = ("\x1b", "\u202e", "\u2066", "\u2069", "\r", "\x9b", "\x07")


def _hostile_api(request: httpx.Request) -> httpx.Response:
    path = request.url.path
    if "search" in path:
        return httpx.Response(200, json={
            "request_id": "abc123", "status": f"IN PROGRESS{HOSTILE}", "number": HOSTILE,
            "sender_id": HOSTILE, "checks": [{"status": HOSTILE, "code": "1234"}],
            "events": [{"type": HOSTILE, "id": "e1"}],
        })  # fmt: skip
    return httpx.Response(200, json={"status": "3", "error_text": f"Bad value {HOSTILE}"})


@pytest.fixture
def hostile(run: Cli, db: Path, monkeypatch: pytest.MonkeyPatch) -> Cli:
    monkeypatch.setattr(
        cli_connection,
        "build_http_client",
        lambda **kw: build_http_client(httpx.MockTransport(_hostile_api), **kw),
    )

    def call(*argv: str) -> Run:
        return run("--sandbox-url", "http://127.0.0.1:9", "--history-db", str(db), "--region",
                   "GB", *argv)  # fmt: skip

    return call


def _shown_safely(text: str, *, whole: bool = True) -> None:
    for char in ESCAPES:
        assert char not in text, repr(char)
    assert "\\x1b" in text and ("\\u202e" in text or not whole)


def test_server_text_is_escaped_in_text_and_exact_in_json(hostile: Cli) -> None:
    start = hostile("start", "--number", "447123456789", "--brand", "Acme")
    assert start.code == 1
    _shown_safely(start.err)
    as_json = hostile("--json", "start", "--number", "447123456780", "--brand", "Acme")
    assert HOSTILE in json.loads(as_json.out)["error"]["message"]

    search = hostile("search", "--request-id", "abc123", "--show-codes")
    assert search.code == 0
    _shown_safely(search.out)
    assert len(search.out.splitlines()) == 6  # no forged lines
    found = hostile("--json", "search", "--request-id", "abc123")
    record = json.loads(found.out)["records"][0]
    assert record["number"] == HOSTILE and record["sender_id"] == HOSTILE

    history = hostile("history")  # the stored last_error, printed again
    assert history.code == 0 and "Bad value" in history.out
    _shown_safely(history.out, whole=False)  # the column is clipped to 60 characters
    entries = json.loads(hostile("--json", "history").out)["entries"]
    assert any(HOSTILE in entry["last_error"] for entry in entries)


@pytest.mark.parametrize(
    ("argv", "field", "rule"),
    [
        (["start", "--brand", "Acme\u202e"], "brand", "bidirectional control"),
        (["start", "--brand", "Ac\u2066me"], "brand", "bidirectional control"),
        (["start", "--brand", "\u200b\u200b\u200d"], "brand", "visible characters"),
        (["start", "--brand", "\u3164"], "brand", "visible characters"),
        (["psd2", "--payee", "Shop\u202d", "--amount", "1"], "payee", "bidirectional control"),
        (["start", "--api", "v2", "--workflow", "sms", "--brand", "\u2800"], "brand",
         "visible characters"),
        (["start", "--api", "v2", "--workflow", "sms", "--brand", "Acme", "--client-ref",
          "\u202ex"], "client_ref", "bidirectional control"),
    ],
)  # fmt: skip
def test_free_text_refuses_bidi_controls_and_invisible_only_text(
    hostile: Cli, argv: list[str], field: str, rule: str
) -> None:
    command, *rest = argv
    if "--brand" not in rest and command == "start":
        rest += ["--brand", "Acme"]
    result = hostile("--json", command, "--number", "447123456789", *rest)
    assert result.code == 2
    assert f"{field}: must" in result.err and rule in result.err
    assert "\u202e" not in result.err


@pytest.fixture
def saved_profile(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    paths = AppPaths.default().ensure()
    ProfileStore(paths.settings_file).save(Profile(name="QA", api_key="key"))
    monkeypatch.setattr(keyring.core, "_keyring_backend", keyring.core._keyring_backend)


def test_a_keyring_refusal_tells_the_cli_user_what_the_cli_can_do(
    run: Cli, db: Path, saved_profile: None
) -> None:
    keyring.set_keyring(keyring.backends.null.Keyring())
    result = run("--json", "--history-db", str(db), "--profile", "QA", "balance")
    assert result.code == 2
    message = json.loads(result.out)["error"]["message"]
    assert "keeps nothing" in message and "stores secrets in a file" not in message
    assert "VERIFY_DESK_API_KEY and VERIFY_DESK_API_SECRET" in message
    assert "--profile NAME" in message and "session only" not in message
    assert result.err.strip() == f"verify-desk-cli: error: {message}"
