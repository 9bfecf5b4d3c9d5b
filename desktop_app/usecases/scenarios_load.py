"""Read scenario files (TOML, with :mod:`tomllib`) and their data tables (CSV or JSON).

Everything is checked before anything runs, so a typo is reported with the file, scenario, step
and key named, and nothing is sent: each problem is a
:class:`~desktop_app.domain.errors.FieldError` of one :class:`ScenarioFormatError`. The format
itself is described in ``docs/scenarios.md``.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from desktop_app.domain.errors import FieldError, ValidationFailed
from desktop_app.usecases.scenarios_data import BUILTIN_VARIABLES, load_rows, variables_in
from desktop_app.usecases.scenarios_expect import check_matcher
from desktop_app.usecases.scenarios_model import STEP_KINDS, Scenario, ScenarioFile, Step

__all__ = ["STEP_PARAMS", "ScenarioFormatError", "load_file", "load_files"]

_V2_START = (
    "workflow", "to_email", "from", "whatsapp_from", "email_from", "locale", "channel_timeout",
    "client_ref", "code", "app_hash", "entity_id", "content_id", "redirect_url", "fraud_check",
)  # fmt: skip
_V1_START = (
    "country", "sender_id", "lg", "pin_expiry", "next_event_wait", "workflow_id", "pin_code",
)  # fmt: skip
#: The keys each step kind takes (besides ``do``, ``name``, ``save`` and ``expect``).
_START = ("api", "number", "brand", "code_length", "allow_unknown_number", "region")
STEP_PARAMS: Mapping[str, tuple[str, ...]] = {
    "start": (*_START, *_V1_START, *_V2_START),
    "read_code": ("number", "request_id", "channel"),
    "check": ("request_id", "code"),
    "cancel": ("request_id",),
    "next": ("request_id",),
    "search": ("request_id", "request_ids"),
    "advance": ("seconds", "minutes"),
    "wait": ("until", "timeout"),
    "inspect": ("request_id",),
    "open_check_url": ("url",),
    "send": (
        "channel", "to", "from", "text", "template", "params", "client_ref",
        "failover_channel", "failover_text", "failover_from",
    ),
    "send_code": (
        "channel", "to", "from", "brand", "text", "auth_template", "code_length", "expiry",
        "failover_channel", "failover_from", "client_ref",
    ),
    "inbound": ("channel", "from", "to", "text"),
}
_STEP_KEYS = ("do", "name", "save", "expect")
_FILE_KEYS = ("name", "description", "vars", "scenario")
_SCENARIO_KEYS = ("name", "description", "vars", "data", "step")
_UNTIL_KEYS = ("status", "message")


class ScenarioFormatError(ValidationFailed):
    """A scenario file or data table breaks the format; nothing was run or sent."""

    meaning = "A scenario file is not valid; nothing was run."
    next_step = "Correct the file at the place named (see docs/scenarios.md)."


class _Problems:
    """Collects the problems of one file, each at its place."""

    def __init__(self) -> None:
        self.errors: list[FieldError] = []

    def add(self, where: str, message: str) -> None:
        self.errors.append(FieldError(where, message))

    def unknown_keys(self, where: str, table: Mapping[str, Any], allowed: Sequence[str]) -> None:
        for key in table:
            if key not in allowed:
                self.add(f"{where}: {key}", f"unknown key (allowed: {', '.join(allowed)})")


def _table(value: Any) -> Mapping[str, Any] | None:
    return value if isinstance(value, dict) else None


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except OSError as exc:
        raise ScenarioFormatError(
            [FieldError(str(path), f"cannot be read ({exc.strerror})")]
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioFormatError([FieldError(str(path), f"is not valid TOML: {exc}")]) from None


def _check_params(kind: str, params: Mapping[str, Any], where: str, out: _Problems) -> None:
    if kind == "advance" and not any(k in params for k in ("seconds", "minutes")):
        out.add(where, "advance needs seconds or minutes")
    if kind == "wait":
        until = _table(params.get("until"))
        if until is None or not until:
            out.add(f"{where}: until", "needs a table: { status = \"EXPIRED\" } or "
                    "{ message = \"voice\" }")  # fmt: skip
        else:
            out.unknown_keys(f"{where}: until", until, _UNTIL_KEYS)
    if kind == "start" and "${" not in str(params.get("api", "")):
        api = params.get("api", "v1")
        if api not in ("v1", "v2"):
            out.add(f"{where}: api", f"must be v1 or v2 (got {api!r})")
        elif api == "v1" and "number" not in params:
            out.add(f"{where}: number", "a v1 start needs a number")
        elif api == "v2" and not isinstance(params.get("workflow"), list | str):
            out.add(f"{where}: workflow", 'a v2 start needs a workflow, e.g. ["sms", "voice"]')
        wrong = [k for k in (_V2_START if api == "v1" else _V1_START) if k in params]
        if wrong and api in ("v1", "v2"):
            out.add(f"{where}: {wrong[0]}", f"is not a Verify {api} start key")
    if kind == "send":
        if ("failover_channel" in params) != ("failover_text" in params):
            out.add(f"{where}: failover_channel", "goes with failover_text (and back)")
        if "template" in params and "text" in params:
            out.add(f"{where}: template", "give text or template, not both")
    if kind == "inbound" and "to" not in params:
        out.add(f"{where}: to", "an inbound message needs to (the business number written to)")
    for key, value in params.items():
        if isinstance(value, dict) and not (kind == "wait" and key == "until"):
            out.add(f"{where}: {key}", "must be a value, not a table")


def _read_step(index: int, raw: Any, where: str, out: _Problems) -> Step | None:
    table = _table(raw)
    if table is None:
        out.add(where, "a step must be a table with a 'do' key")
        return None
    kind = table.get("do")
    if kind not in STEP_KINDS:
        out.add(f"{where}: do", f"must be one of {', '.join(STEP_KINDS)} (got {kind!r})")
        return None
    where = f"{where} ({kind})"
    params = {k: v for k, v in table.items() if k not in _STEP_KEYS}
    out.unknown_keys(where, params, STEP_PARAMS[kind])
    _check_params(kind, params, where, out)
    save = _table(table.get("save", {}))
    expect = _table(table.get("expect", {}))
    if save is None or not all(isinstance(v, str) for v in save.values()):
        out.add(f"{where}: save", 'must be a table of variable = "result field"')
        save = {}
    if expect is None:
        out.add(f"{where}: expect", "must be a table of result field = expected value")
        expect = {}
    for key, matcher in expect.items():
        problem = check_matcher(key, matcher)
        if problem:
            out.add(f"{where}: expect.{key}", problem)
    label = table.get("name", "")
    return Step(index, kind, params, dict(save), dict(expect), str(label))


def _check_variables(scenario: Scenario, known: set[str], where: str, out: _Problems) -> None:
    defined = known | set(BUILTIN_VARIABLES)
    for step in scenario.steps:
        for name in variables_in(step.params) | variables_in(step.expect):
            if name not in defined:
                out.add(f"{where} {step.title}", f"uses ${{{name}}}, which nothing defines")
        defined |= set(step.save)


def _read_scenario(
    number: int, raw: Any, file_vars: Mapping[str, Any], base: Path, data: Path | None,
    out: _Problems,
) -> tuple[Scenario, tuple[Mapping[str, Any], ...]] | None:  # fmt: skip
    table = _table(raw)
    where = f"{base.name}: scenario {number}"
    if table is None:
        out.add(where, "must be a table ([[scenario]])")
        return None
    name = str(table.get("name") or f"scenario {number}")
    where = f"{base.name}: scenario {number} ({name})"
    out.unknown_keys(where, table, _SCENARIO_KEYS)
    raw_steps = table.get("step", [])
    if not isinstance(raw_steps, list) or not raw_steps:
        out.add(where, "has no steps ([[scenario.step]] tables)")
        raw_steps = []
    steps = [_read_step(i, s, f"{where} step {i}", out) for i, s in enumerate(raw_steps, 1)]
    variables = _table(table.get("vars", {})) or {}
    data_path = data
    if data_path is None and table.get("data") is not None:
        data_path = base.parent / str(table["data"])
    rows: tuple[Mapping[str, Any], ...] = ({},)
    if data_path is not None:
        try:
            rows = load_rows(data_path)
        except ValidationFailed as exc:
            out.errors.extend(exc.errors)
            rows = ()
    scenario = Scenario(
        name, tuple(s for s in steps if s is not None), dict(variables), data_path,
        str(table.get("description", "")),
    )  # fmt: skip
    known = set(file_vars) | set(variables) | {k for row in rows for k in row}
    _check_variables(scenario, known, where, out)
    return scenario, rows


def load_file(path: Path, *, data: Path | None = None) -> ScenarioFile:
    """Read and check one scenario file.

    Args:
        path: The ``.toml`` file.
        data: A data table that replaces every scenario's own (``--data``).

    Raises:
        ScenarioFormatError: Every problem found, each at its place; nothing was run.
    """
    document = _read_toml(path)
    out = _Problems()
    out.unknown_keys(path.name, document, _FILE_KEYS)
    file_vars = _table(document.get("vars", {})) or {}
    raw = document.get("scenario", [])
    if not isinstance(raw, list) or not raw:
        out.add(path.name, "has no scenarios ([[scenario]] tables)")
        raw = []
    read = [_read_scenario(n, s, file_vars, path, data, out) for n, s in enumerate(raw, 1)]
    if out.errors:
        raise ScenarioFormatError(out.errors)
    pairs = [r for r in read if r is not None]
    return ScenarioFile(
        path=path,
        name=str(document.get("name") or path.stem),
        scenarios=tuple(s for s, _ in pairs),
        variables=dict(file_vars),
        rows=tuple(rows for _, rows in pairs),
    )


def load_files(paths: Sequence[Path], *, data: Path | None = None) -> tuple[ScenarioFile, ...]:
    """Read and check every file; the problems of all files are reported together.

    Raises:
        ScenarioFormatError: At least one file has a problem; nothing was run.
    """
    files: list[ScenarioFile] = []
    errors: list[FieldError] = []
    for path in paths:
        try:
            files.append(load_file(path, data=data))
        except ScenarioFormatError as exc:
            errors.extend(exc.errors)
    if errors:
        raise ScenarioFormatError(errors)
    return tuple(files)
