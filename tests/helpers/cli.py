"""Calling the command-line tool in-process, and what one call returned."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Run:
    """One ``main([...])`` call: exit status and what it printed."""

    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


#: ``run("--json", "balance")``: call ``main`` with these arguments.
Cli = Callable[..., Run]
