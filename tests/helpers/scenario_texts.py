"""Scenario files the scenario tests share (runner, file reader, CLI, window), and their writer.

``TWO_CASES``: two scenarios that pass on a sandbox with a handset (a start, its code read and
checked through saved variables; a second start, searched). ``A_WRONG_EXPECTATION``: one
scenario whose second step expects the wrong status (its right code succeeds), so the case
fails there and its third step never runs. Tests add their own scenarios around them.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["A_WRONG_EXPECTATION", "TWO_CASES", "write_scenarios"]


def write_scenarios(folder: Path, text: str, name: str = "s.toml") -> Path:
    """Write ``text`` to ``folder / name`` (UTF-8); return the path."""
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


TWO_CASES = """
[[scenario]]
name = "first"
  [[scenario.step]]
  do = "start"
  number = "447700900123"
  save.rid = "request_id"
  [[scenario.step]]
  do = "read_code"
  [[scenario.step]]
  do = "check"
  request_id = "${rid}"
  code = "${code}"
  expect.status = "SUCCESS"

[[scenario]]
name = "second"
  [[scenario.step]]
  do = "start"
  number = "447700900124"
  [[scenario.step]]
  do = "search"
  expect.status = "IN PROGRESS"
"""

A_WRONG_EXPECTATION = """
[[scenario]]
name = "a wrong expectation"
  [[scenario.step]]
  do = "start"
  number = "447700900123"
  [[scenario.step]]
  name = "expects the wrong status"
  do = "check"
  code = "right"
  expect.status = "FAILED"
  [[scenario.step]]
  do = "cancel"
"""
