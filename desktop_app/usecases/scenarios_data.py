"""Variables in scenario steps (``${name}``) and the data tables that supply them per row.

A data table is a CSV file with a header row, or a JSON array of objects; each row runs the
scenario once with its columns as variables. A value that is exactly ``${name}`` keeps the
variable's type (a number stays a number); anywhere else the variable is written into the text.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from desktop_app.domain.errors import FieldError, ValidationFailed

__all__ = [
    "BUILTIN_VARIABLES",
    "UnknownVariable",
    "load_rows",
    "substitute",
    "variables_in",
]

#: Variables the steps set themselves: the current request's id and number (after a start),
#: the code read from the handset (after ``read_code``), the silent-auth ``check_url`` and the
#: ``message_uuid`` of the last message sent (after ``send`` or ``send_code``).
BUILTIN_VARIABLES = ("request_id", "number", "code", "check_url", "message_uuid")
_VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_COLUMN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_MAX_ROWS = 10_000


class UnknownVariable(LookupError):  # noqa: N818 - reads as the problem it reports
    """A step used a variable that has no value (yet)."""


def variables_in(value: Any) -> set[str]:
    """The names of every ``${name}`` in a value (strings, lists and tables, recursively)."""
    if isinstance(value, str):
        return set(_VARIABLE.findall(value))
    if isinstance(value, Mapping):
        return set().union(*(variables_in(v) for v in value.values())) if value else set()
    if isinstance(value, list | tuple):
        return set().union(*(variables_in(v) for v in value)) if value else set()
    return set()


def substitute(value: Any, variables: Mapping[str, Any]) -> Any:
    """``value`` with every ``${name}`` replaced.

    Raises:
        UnknownVariable: A name has no value.
    """
    if isinstance(value, str):
        whole = _VARIABLE.fullmatch(value)
        if whole:
            return _get(variables, whole.group(1))
        return _VARIABLE.sub(lambda m: str(_get(variables, m.group(1))), value)
    if isinstance(value, Mapping):
        return {k: substitute(v, variables) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [substitute(v, variables) for v in value]
    return value


def _get(variables: Mapping[str, Any], name: str) -> Any:
    if name not in variables or variables[name] is None:
        raise UnknownVariable(f"${{{name}}} has no value at this step")
    return variables[name]


def _problem(path: Path, message: str) -> ValidationFailed:
    return ValidationFailed([FieldError(f"data table {path.name}", message)])


def _checked(path: Path, rows: list[dict[str, Any]]) -> tuple[Mapping[str, Any], ...]:
    if not rows:
        raise _problem(path, "has no rows")
    if len(rows) > _MAX_ROWS:
        raise _problem(path, f"has more than {_MAX_ROWS} rows")
    for number, row in enumerate(rows, start=1):
        for key, value in row.items():
            if not _COLUMN.fullmatch(str(key)):
                raise _problem(path, f"column {key!r} is not a name (letters, digits, _)")
            if not isinstance(value, str | int | float | bool) or value is None:
                raise _problem(path, f"row {number}: {key} must be text, a number or true/false")
    return tuple(rows)


def load_rows(path: Path) -> tuple[Mapping[str, Any], ...]:
    """The rows of a CSV (header row first) or JSON (an array of objects) data table.

    Raises:
        ValidationFailed: The file cannot be read or is not such a table.
    """
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise _problem(path, f"cannot be read ({exc})") from None
    if path.suffix.lower() == ".json":
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise _problem(path, f"is not valid JSON: {exc}") from None
        if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
            raise _problem(path, "must be a JSON array of objects")
        return _checked(path, data)
    if path.suffix.lower() != ".csv":
        raise _problem(path, "must be a .csv or .json file")
    reader = csv.DictReader(text.splitlines())
    rows: list[dict[str, Any]] = []
    for number, row in enumerate(reader, start=1):
        if None in row or any(value is None for value in row.values()):
            raise _problem(path, f"row {number} does not have one value per column")
        rows.append(dict(row))
    return _checked(path, rows)
