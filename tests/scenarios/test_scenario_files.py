"""Reading scenario files and data tables: every problem is named at its place, before a run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from desktop_app.domain.errors import ValidationFailed, WrongCodeError
from desktop_app.usecases.scenarios_data import load_rows, substitute
from desktop_app.usecases.scenarios_expect import evaluate
from desktop_app.usecases.scenarios_load import ScenarioFormatError, load_file, load_files
from tests.helpers.scenario_texts import write_scenarios


def problems(path: Path) -> list[str]:
    with pytest.raises(ScenarioFormatError) as caught:
        load_file(path)
    return [str(e) for e in caught.value.errors]


def test_each_problem_names_file_scenario_step_and_key(tmp_path: Path) -> None:
    path = write_scenarios(
        tmp_path,
        """
[[scenario]]
name = "x"
  [[scenario.step]]
  do = "start"
  numbr = "447700900123"
  [[scenario.step]]
  do = "teleport"
  [[scenario.step]]
  do = "check"
  expect.error = "WrongCode"
  expect.at = { min = "soon" }
  [[scenario.step]]
  do = "advance"
""",
    )
    found = problems(path)
    assert "s.toml: scenario 1 (x) step 1 (start): numbr: unknown key" in found[0]
    assert any("step 1 (start): number: a v1 start needs a number" in p for p in found)
    assert any("step 2: do: must be one of start, check" in p for p in found)
    assert any("expect.error: 'WrongCode' is not an error kind" in p for p in found)
    assert any("expect.at: min must be a number" in p for p in found)
    assert any("step 4 (advance): advance needs seconds or minutes" in p for p in found)


def test_variables_must_be_defined_before_use(tmp_path: Path) -> None:
    path = write_scenarios(
        tmp_path,
        """
[vars]
brand = "Acme"
[[scenario]]
name = "v"
  [[scenario.step]]
  do = "start"
  number = "447700900123"
  brand = "${brand}"
  save.first = "request_id"
  [[scenario.step]]
  do = "cancel"
  request_id = "${first}"
  [[scenario.step]]
  do = "cancel"
  request_id = "${second}"
""",
    )
    assert problems(path) == [
        "s.toml: scenario 1 (v) step 3 (cancel): uses ${second}, which nothing defines"
    ]


def test_not_toml_and_no_scenarios(tmp_path: Path) -> None:
    assert "is not valid TOML" in problems(write_scenarios(tmp_path, "[[scenario]\n"))[0]
    assert problems(write_scenarios(tmp_path, 'name = "empty"\n')) == [
        "s.toml: has no scenarios ([[scenario]] tables)"
    ]


def test_all_files_are_checked_together(tmp_path: Path) -> None:
    text = '[[scenario]]\n[[scenario.step]]\ndo = "advance"\nseconds = 1\n'
    good = write_scenarios(tmp_path, text)
    bad1 = write_scenarios(tmp_path, "x = 1\n", "b1.toml")
    bad2 = write_scenarios(tmp_path, "y = 1\n", "b2.toml")
    with pytest.raises(ScenarioFormatError) as caught:
        load_files([good, bad1, bad2])
    assert {e.field.split(":")[0] for e in caught.value.errors} == {"b1.toml", "b2.toml"}


def test_a_data_table_gives_one_case_per_row(tmp_path: Path) -> None:
    (tmp_path / "rows.csv").write_text("number,code\n447700900123,1111\n447700900124,2222\n")
    path = write_scenarios(
        tmp_path,
        """
[[scenario]]
name = "per row"
data = "rows.csv"
  [[scenario.step]]
  do = "start"
  number = "${number}"
""",
    )
    cases = load_file(path).cases()
    assert [c.row_number for c in cases] == [1, 2]
    assert cases[1].name == "per row [row 2: number=447700900124, code=2222]"
    override = tmp_path / "other.json"
    override.write_text(json.dumps([{"number": "447700900125"}] * 3))
    assert len(load_file(path, data=override).cases()) == 3


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("t.csv", "", "has no rows"),
        ("t.csv", "a,b\n1\n", "row 1 does not have one value per column"),
        ("t.csv", "a b\n1\n", "column 'a b' is not a name"),
        ("t.json", "{}", "must be a JSON array of objects"),
        ("t.json", '[{"a": [1]}]', "row 1: a must be text, a number or true/false"),
        ("t.txt", "a\n1\n", "must be a .csv or .json file"),
    ],
)
def test_bad_data_tables(tmp_path: Path, name: str, text: str, message: str) -> None:
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(ValidationFailed) as caught:
        load_rows(path)
    assert caught.value.errors[0].message.endswith(message) or message in str(caught.value)


def test_substitution_keeps_whole_values_typed() -> None:
    variables = {"n": 6, "who": "Pat"}
    assert substitute({"a": "${n}", "b": "x${n}y", "c": ["${who}"]}, variables) == {
        "a": 6, "b": "x6y", "c": ["Pat"],
    }  # fmt: skip


def test_matchers() -> None:
    fields = {"status": "16", "waited": 299.999, "text": "Verify: 1234"}
    assert evaluate({"status": 16, "waited": 300}, fields, None) == ()
    assert evaluate({"waited": {"min": 100, "max": 300}}, fields, None) == ()
    assert evaluate({"status": {"one_of": ["16", "17"], "not": "0"}}, fields, None) == ()
    assert evaluate({"text": {"matches": r"\d{4}$", "contains": "Verify"}}, fields, None) == ()
    (miss,) = evaluate({"status": "17"}, fields, None)
    assert str(miss) == "expected status = '17', got '16'"
    (miss,) = evaluate({"error": "WrongCodeError"}, fields, None)
    assert str(miss) == "expected error WrongCodeError, got success"
    wrong = WrongCodeError(status="16", error_text="no")
    assert evaluate({"error": "ApiError"}, {}, wrong) == ()  # the family accepts a subclass
    (miss,) = evaluate({}, {}, wrong)
    assert str(miss) == "expected success, got error WrongCodeError (status 16)"
    (miss,) = evaluate({"code": "1234"}, {"code": "9999"}, None)
    assert "9999" not in str(miss)  # a code is never shown
