"""Sandbox throughput: requests/s of the sandbox on loopback with keep-alive, for Verify start
and check and for Messages API sends (``POST /v1/messages``), from a load generator in another
process, with correctness checked during the load.

Three processes: the sandbox (``python -m desktop_app.sandbox``, rate limits off), the baseline
(``benchmarks._trivial_server``: the same stdlib server design answering a fixed JSON) and, per
measurement, the load generator (``benchmarks._loadgen``). Rounds alternate the two servers in
rotated order; each figure is a median over rounds, and the sandbox/trivial ratios are medians
of the ratios measured within each round. On a 2-core machine the generator and the server
share the cores (the generator's CPU share is reported).
"""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

from benchmarks import register, result
from benchmarks._common import ServerProcess, median, rotated, sandbox_process
from benchmarks._loadgen import PHASES

NAME = "sandbox_throughput"
TARGET_RPS = 1000.0


def run_loadgen(
    url: str, *, prefix: str, connections: int, warmup: float, duration: float, trivial: bool
) -> dict[str, Any]:
    """Run one generator process against ``url``; its decoded JSON report."""
    args = [
        sys.executable,
        "-m",
        "benchmarks._loadgen",
        "--url",
        url,
        "--prefix",
        prefix,
        "--connections",
        str(connections),
        "--warmup",
        str(warmup),
        "--duration",
        str(duration),
    ]
    if trivial:
        args.append("--trivial")
    done = subprocess.run(
        args, capture_output=True, text=True, timeout=2 * (warmup + duration) + 60, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"load generator failed ({done.returncode}): {done.stderr[-2000:]}")
    report: dict[str, Any] = json.loads(done.stdout)
    return report


@register(NAME)
def run(quick: bool) -> dict[str, Any]:
    """Sandbox requests/s for start, check and messages (keep-alive, 8 connections) vs trivial."""
    rounds = 3 if quick else 5
    duration = 1.0 if quick else 4.0
    warmup = 0.3 if quick else 0.5
    connections = 8
    reports: dict[str, list[dict[str, Any]]] = {"sandbox": [], "trivial": []}
    with (
        sandbox_process("--messages-rate-limit", "0") as sandbox,
        ServerProcess(["-m", "benchmarks._trivial_server", "--port", "0"]) as trivial,
    ):
        urls = {"sandbox": sandbox.url, "trivial": trivial.url}
        for round_no in range(rounds):
            for server in rotated(["sandbox", "trivial"], round_no):
                reports[server].append(
                    run_loadgen(
                        urls[server],
                        prefix=f"44{round_no + 1:02d}",
                        connections=connections,
                        warmup=warmup,
                        duration=duration,
                        trivial=server == "trivial",
                    )
                )

    def series(server: str, phase: str) -> list[float]:
        return [float(r[phase]["rps"]) for r in reports[server]]

    def paired(phase: str) -> float:
        pairs = zip(series("sandbox", phase), series("trivial", phase), strict=True)
        return round(median([s / t for s, t in pairs]), 3)

    rps = {
        f"{server}_{phase}": round(median(series(server, phase)), 1)
        for server in ("sandbox", "trivial")
        for phase in PHASES
    }
    sandbox_phases = [r[phase] for r in reports["sandbox"] for phase in PHASES]
    mismatches = sum(p["mismatches"] for p in sandbox_phases)
    errors = [e for r in reports.values() for rep in r for ph in rep.values() for e in ph["errors"]]
    errors += [e for r in reports["sandbox"] for e in r["messages"]["handset_errors"]]
    spot_ok = sum(p["spot_ok"] for p in sandbox_phases)
    spot_bad = sum(p["spot_bad"] for p in sandbox_phases)
    handset_ok = sum(r["messages"]["handset_checks_ok"] for r in reports["sandbox"])
    handset_bad = sum(r["messages"]["handset_checks_bad"] for r in reports["sandbox"])
    statuses: dict[str, dict[str, int]] = {phase: {} for phase in PHASES}
    for rep in reports["sandbox"]:
        for phase in PHASES:
            for status, count in rep[phase]["statuses"].items():
                statuses[phase][status] = statuses[phase].get(status, 0) + count
    correct = (
        mismatches == 0
        and spot_bad == 0
        and spot_ok > 0
        and handset_bad == 0
        and handset_ok > 0
        and not errors
    )
    value = min(rps[f"sandbox_{phase}"] for phase in PHASES)
    baseline = min(rps[f"trivial_{phase}"] for phase in PHASES)
    ratios = {phase: paired(phase) for phase in PHASES}
    details: dict[str, Any] = {
        "rps_median": rps,
        "rps_rounds": {f"{s}_{p}": series(s, p) for s in ("sandbox", "trivial") for p in PHASES},
        **{f"ratio_sandbox_trivial_{phase}": ratios[phase] for phase in PHASES},
        "ratios_are": "median over rounds of the ratio measured within each round",
        "latency_ms_p50_p99_sandbox": {
            phase: [
                median([r[phase]["latency_ms_p50"] for r in reports["sandbox"]]),
                median([r[phase]["latency_ms_p99"] for r in reports["sandbox"]]),
            ]
            for phase in PHASES
        },
        "sandbox_statuses": statuses,
        "correct": correct,
        "mismatches": mismatches,
        "mismatch_samples": [s for p in sandbox_phases for s in p["mismatch_samples"]][:5],
        "spot_checks_ok": spot_ok,
        "spot_checks_bad": spot_bad,
        "handset_checks_ok": handset_ok,
        "handset_checks_bad": handset_bad,
        "errors": errors[:5],
        "generator_cpu_share_median": {
            f"{s}_{p}": median([r[p]["generator_cpu_share"] for r in reports[s]])
            for s in ("sandbox", "trivial")
            for p in PHASES
        },
        "connections": connections,
        "rounds": rounds,
        "duration_s": duration,
        "warmup_s": warmup,
    }
    return result(
        NAME,
        metric="sandbox requests/s on keep-alive (lowest of start, check and /v1/messages)",
        value=value,
        baseline=baseline,
        ratio=round(min(ratios.values()), 3),
        target=(
            f">= {TARGET_RPS:.0f} requests/s for start, for check and for /v1/messages, "
            "correct under load"
        ),
        met=value >= TARGET_RPS and correct,
        details=details,
    )
