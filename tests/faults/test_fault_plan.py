"""The fault plan itself: the text syntax, the triggers, the control endpoint, the CLI flags."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from desktop_app.api.http import build_http_client
from desktop_app.api.sandbox_control import SandboxControl
from desktop_app.domain.errors import ServerError, ValidationFailed
from desktop_app.sandbox.__main__ import build_parser
from desktop_app.sandbox.faults import DEFAULT_HANG_SECONDS, FaultPlan, FaultRule, parse_fault
from desktop_app.sandbox.server import SandboxServer

SEARCH = {"api_key": "sandbox", "api_secret": "sandbox-secret", "request_id": "0" * 32}


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("search:http503@1", FaultRule("search", "http503", count=1)),
        ("start:drop_after_processing", FaultRule("start", "drop_after_processing")),
        ("*:latency:0.5%0.25", FaultRule("*", "latency", 0.5, probability=0.25)),
        ("check:hang:30@2", FaultRule("check", "hang", 30.0, count=2)),
        ("balance:hang", FaultRule("balance", "hang", DEFAULT_HANG_SECONDS)),
        ("v2_start:THROTTLE", FaultRule("v2_start", "throttle")),
    ],
)
def test_parse_fault(spec: str, expected: FaultRule) -> None:
    assert parse_fault(spec) == expected


@pytest.mark.parametrize(
    "spec",
    [
        "search",
        "search:",
        "nowhere:http503",
        "search:http404",
        "search:latency",
        "search:latency:-1",
        "search:latency:nan",
        "search:http503:5",
        "search:http503@0",
        "search:http503@1.5",
        "search:http503%1.5",
        "search:hang:1e9",
        "a:b:c:d",
    ],
)
def test_parse_fault_refuses(spec: str) -> None:
    with pytest.raises(ValueError):
        parse_fault(spec)


def test_count_rules_fire_in_order_then_stop() -> None:
    plan = FaultPlan((parse_fault("search:http503@2"), parse_fault("*:reset@1")))
    drawn = [plan.draw("search") for _ in range(4)]
    assert [f.kind if f else None for f in drawn] == ["http503", "http503", "reset", None]
    assert plan.draw("start") is None  # the * rule is used up
    listed = plan.to_json()
    assert listed["hits"] == {"search": 4, "start": 1}
    assert listed["injected"] == {"search:http503": 2, "search:reset": 1}
    assert [r["remaining"] for r in listed["rules"]] == [0, 0]


def test_every_request_rule_and_clear() -> None:
    plan = FaultPlan((parse_fault("check:throttle"),))
    assert all(plan.draw("check") is not None for _ in range(5))
    assert plan.draw("search") is None
    assert plan.clear() == 1 and plan.draw("check") is None


def test_probability_rules_are_reproducible_with_a_seed() -> None:
    def run(seed: int) -> list[bool]:
        plan = FaultPlan((parse_fault("search:http503%0.3"),), seed=seed)
        return [plan.draw("search") is not None for _ in range(200)]

    first = run(7)
    assert first == run(7)
    assert first != run(8)
    assert 30 < sum(first) < 90  # about 30 %


def _raw(server: SandboxServer) -> httpx.Client:
    return httpx.Client(base_url=server.url, timeout=10)


def test_control_endpoint_adds_lists_and_clears(make_sandbox: Callable[..., Any]) -> None:
    server = make_sandbox()
    with _raw(server) as raw:
        form = raw.post("/sandbox/faults", data={"endpoint": "search", "kind": "http502",
                                                  "count": "1"})  # fmt: skip
        assert form.status_code == 200
        rule = {"endpoint": "check", "kind": "latency", "seconds": 0.1, "probability": 0.5}
        as_json = raw.post("/sandbox/faults", json=rule)
        assert as_json.status_code == 200
        spec = raw.post("/sandbox/faults", data={"spec": "start:reset@3"})
        rules = spec.json()["rules"]
        assert [(r["endpoint"], r["kind"], r["count"], r["probability"]) for r in rules] == [
            ("search", "http502", 1, None),
            ("check", "latency", None, 0.5),
            ("start", "reset", 3, None),
        ]
        answer = raw.post("/verify/search/json", data=SEARCH)
        assert answer.status_code == 502 and answer.headers["content-type"] == "text/html"
        assert "<html>" in answer.text
        listed = raw.get("/sandbox/faults").json()
        assert listed["hits"] == {"search": 1} and listed["injected"] == {"search:http502": 1}
        assert listed["rules"][0]["remaining"] == 0
        cleared = raw.delete("/sandbox/faults").json()
        assert cleared["rules"] == [] and cleared["removed"] == 3
        raw.post("/sandbox/faults", data={"spec": "search:http500"})
        assert raw.post("/sandbox/faults/clear").json()["removed"] == 1
        assert raw.post("/verify/search/json", data=SEARCH).json()["status"] == "101"
        assert raw.get("/sandbox/faults").json()["hits"] == {"search": 2}


@pytest.mark.parametrize(
    "fields",
    [
        {"endpoint": "search"},
        {"endpoint": "search", "kind": "nope"},
        {"endpoint": "nowhere", "kind": "reset"},
        {"endpoint": "search", "kind": "reset", "count": "1", "probability": "0.5"},
        {"endpoint": "search", "kind": "reset", "count": "x"},
        {"spec": "search:latency"},
    ],
)
def test_control_endpoint_refuses_bad_rules(
    fields: dict[str, str], make_sandbox: Callable[..., Any]
) -> None:
    server = make_sandbox()
    with _raw(server) as raw:
        answer = raw.post("/sandbox/faults", data=fields)
        assert answer.status_code == 400 and answer.json()["error"]
        assert raw.get("/sandbox/faults").json()["rules"] == []


def test_sandbox_control_client(make_sandbox: Callable[..., Any]) -> None:
    server = make_sandbox()
    with build_http_client() as http:
        control = SandboxControl(http, server.url)
        plan = control.add_fault("search", "latency", seconds=0.05, probability=1.0)
        assert plan["rules"][0]["seconds"] == 0.05
        control.add_fault("*", "http503", count=2)
        assert len(control.faults()["rules"]) == 2
        with pytest.raises(ServerError):  # HTTP 400 from the sandbox
            control.add_fault("search", "nope")
        with pytest.raises(ValidationFailed):
            control.add_fault("search", "reset", count=0)
        with pytest.raises(ValidationFailed):
            control.add_fault("search", "latency", seconds=float("nan"))
        assert control.clear_faults()["rules"] == []


def test_control_routes_are_never_faulted(make_sandbox: Callable[..., Any]) -> None:
    server = make_sandbox(faults=("*:http500",))
    with _raw(server) as raw:
        assert raw.get("/sandbox/faults").status_code == 200
        assert raw.get("/sandbox/requests").status_code == 200
        assert raw.post("/verify/search/json", data=SEARCH).status_code == 500


def test_config_rules_are_copied_per_server(make_sandbox: Callable[..., Any]) -> None:
    rule = FaultRule("search", "http503", count=1)
    first, second = make_sandbox(faults=(rule,)), make_sandbox(faults=(rule,))
    for server in (first, second):
        with _raw(server) as raw:
            assert raw.post("/verify/search/json", data=SEARCH).status_code == 503
    assert rule.fired == 0


def test_cli_flags_parse() -> None:
    args = build_parser().parse_args(
        ["--fault", "search:http503@1", "--fault", "*:latency:0.2%0.5", "--fault-seed", "3"]
    )
    assert args.fault == [parse_fault("search:http503@1"), parse_fault("*:latency:0.2%0.5")]
    assert args.fault_seed == 3


def test_cli_refuses_a_bad_fault(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        build_parser().parse_args(["--fault", "search:http404"])
    assert info.value.code == 2
    assert "unknown fault kind 'http404'" in capsys.readouterr().err


@pytest.mark.slow
def test_cli_runs_with_faults() -> None:
    """``verify-desk-sandbox --fault ...`` serves the faults and lists them on stderr."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "desktop_app.sandbox", "--port", "0", "--fault",
         "search:http503@1", "--fault", "start:reset%0.5", "--fault-seed", "11"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline().strip()
        assert line.startswith("Sandbox listening on http://127.0.0.1:")
        url = line.rpartition(" ")[2]
        with httpx.Client(base_url=url, timeout=10) as raw:
            assert raw.post("/verify/search/json", data=SEARCH).status_code == 503
            assert raw.post("/verify/search/json", data=SEARCH).json()["status"] == "101"
            listed = raw.get("/sandbox/faults").json()
        assert listed["seed"] == 11 and len(listed["rules"]) == 2
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=10)
    assert proc.returncode == 0
    assert "fault injected: search: http503, next 1 request(s)" in err
    assert "fault injected: start: reset, probability 0.5" in err
    json.dumps(listed)
