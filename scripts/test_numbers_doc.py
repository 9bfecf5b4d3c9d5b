"""Write ``docs/test-numbers.md`` from the test-number catalogue (or check it is up to date).

Usage::

    .venv/bin/python scripts/test_numbers_doc.py           # rewrite the page
    .venv/bin/python scripts/test_numbers_doc.py --check   # exit 1 when the page is stale

The page is rendered by :func:`desktop_app.cli.test_numbers.catalogue_markdown` from
``desktop_app/domain/test_numbers.py``; a test runs the same check, so a catalogue change
without a regenerated page fails CI.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from desktop_app.cli.test_numbers import catalogue_markdown

PAGE = Path(__file__).resolve().parent.parent / "docs" / "test-numbers.md"


def main() -> int:
    """Write or check the page; returns the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only check; exit 1 when stale")
    args = parser.parse_args()
    text = catalogue_markdown()
    current = PAGE.read_text(encoding="utf-8") if PAGE.exists() else ""
    if args.check:
        if current != text:
            print(f"{PAGE} is out of date: run scripts/test_numbers_doc.py", file=sys.stderr)
            return 1
        return 0
    PAGE.write_text(text, encoding="utf-8")
    print(f"wrote {PAGE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
