"""The suite runs from any environment and from a plain clone: nothing assumes ``.venv`` or a
path outside the repository.

Measured once (docs/reliability.md, "The suite from outside the checkout"): a clone with nothing
beside it, run by a virtual environment in another folder, passes, the real-keyring test
included. This keeps the two assumptions that broke it (22 tests ran ``.venv/bin/python``; the
keyring test needed a script outside the repository) from coming back.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: A program or file reached through the checkout's own virtual environment, or a folder next
#: to the checkout (the lead's and the helpers' workspaces, the shared specs).
ASSUMPTIONS = re.compile(r"\.venv/|/work/|\.\./shared")


def _python_files() -> list[Path]:
    return sorted(p for folder in ("tests", "benchmarks") for p in (ROOT / folder).rglob("*.py"))


def test_no_test_or_benchmark_reaches_outside_the_checkout() -> None:
    files = _python_files()
    assert len(files) > 100  # the scan reads the real folders
    offenders = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in files
        if path != Path(__file__).resolve()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if ASSUMPTIONS.search(line)
    ]
    assert offenders == []  # use sys.executable, ROOT-relative paths and tests/helpers


def test_the_scan_would_see_each_assumption() -> None:
    for line in ('[".venv/bin/python", "-m", "x"]', "Path('/work/shared/docs')", "../shared/x"):
        assert ASSUMPTIONS.search(line), line
    assert not ASSUMPTIONS.search("[sys.executable, '-m', 'desktop_app.cli']")


def test_the_secret_service_helper_is_in_the_repository() -> None:
    helper = ROOT / "tests" / "helpers" / "secret_service.py"
    assert helper.is_file()
    assert "gnome-keyring-daemon" in helper.read_text(encoding="utf-8")
