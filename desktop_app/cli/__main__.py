"""``python -m desktop_app.cli``: the same as the ``verify-desk-cli`` console script."""

from __future__ import annotations

import sys

from desktop_app.cli.main import main

sys.exit(main())
