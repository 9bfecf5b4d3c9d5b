"""The pages about scenarios and test numbers say what the code does."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from desktop_app.cli.test_numbers import catalogue_markdown
from desktop_app.domain.test_numbers import CATALOGUE
from desktop_app.usecases.scenarios_expect import MATCHER_KEYS
from desktop_app.usecases.scenarios_load import STEP_PARAMS
from desktop_app.usecases.scenarios_model import STEP_KINDS

ROOT = Path(__file__).resolve().parents[2]


def test_the_test_numbers_page_is_generated_from_the_catalogue() -> None:
    page = (ROOT / "docs" / "test-numbers.md").read_text(encoding="utf-8")
    assert page == catalogue_markdown(), "run scripts/test_numbers_doc.py"
    for entry in CATALOGUE:
        assert f"`{entry.number}`" in page


def test_the_generator_script_checks_the_page() -> None:
    script = ROOT / "scripts" / "test_numbers_doc.py"
    done = subprocess.run(
        [sys.executable, str(script), "--check"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr


def test_the_scenarios_page_documents_every_step_key_and_matcher() -> None:
    page = (ROOT / "docs" / "scenarios.md").read_text(encoding="utf-8")
    for kind in STEP_KINDS:
        assert f"| `{kind}`" in page
    for key in {key for keys in STEP_PARAMS.values() for key in keys}:
        assert f"`{key}`" in page, key
    for matcher in MATCHER_KEYS:
        assert f"{{ {matcher} =" in page or f"{matcher} =" in page, matcher
