"""Verify Desk's benchmarks: a registry of named benchmarks and the helpers they share.

A benchmark is a function ``(quick: bool) -> dict`` registered with :func:`register`. Its dict
has the keys ``name``, ``metric``, ``value``, ``baseline``, ``ratio``, ``target``, ``met`` and
``details`` (build it with :func:`result`). Every figure is compared with a baseline measured in
the same run (the machine is shared and noisy), as a median of interleaved rounds.

Adding a benchmark: drop a module into this package (any name not starting with ``_``) that
decorates its entry function with ``@register("its_name")``; :func:`discover` imports every such
module, so ``python -m benchmarks --only its_name`` finds it without touching any other file.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

__all__ = ["BENCHMARKS", "Benchmark", "BenchmarkFn", "discover", "register", "result"]

BenchmarkFn = Callable[[bool], dict[str, Any]]


@dataclass(frozen=True)
class Benchmark:
    """One registered benchmark.

    Attributes:
        name: What ``--only`` selects it by (also the ``name`` of its JSON line).
        run: The function; its argument says whether ``--quick`` was given.
        summary: One line for ``--list`` (the function's docstring's first line by default).
    """

    name: str
    run: BenchmarkFn
    summary: str


#: Every registered benchmark by name, in registration order.
BENCHMARKS: dict[str, Benchmark] = {}


def register(name: str) -> Callable[[BenchmarkFn], BenchmarkFn]:
    """Register the decorated function as the benchmark ``name``."""

    def decorate(fn: BenchmarkFn) -> BenchmarkFn:
        if name in BENCHMARKS and BENCHMARKS[name].run is not fn:
            raise ValueError(f"benchmark {name!r} is registered twice")
        summary = (fn.__doc__ or "").strip().splitlines()[0] if fn.__doc__ else ""
        BENCHMARKS[name] = Benchmark(name, fn, summary)
        return fn

    return decorate


def discover() -> dict[str, Benchmark]:
    """Import every public module of this package (which registers its benchmarks)."""
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        if not info.name.startswith("_"):
            importlib.import_module(f"{__name__}.{info.name}")
    return BENCHMARKS


def result(
    name: str,
    *,
    metric: str,
    value: float | None,
    baseline: float | None,
    ratio: float | None,
    target: str,
    met: bool,
    details: dict[str, Any],
) -> dict[str, Any]:
    """The dict every benchmark returns (one JSON line of the output)."""
    return {
        "name": name,
        "metric": metric,
        "value": value,
        "baseline": baseline,
        "ratio": ratio,
        "target": target,
        "met": bool(met),
        "details": details,
    }
