"""The app's log file: rotating, and redacted before anything reaches the disk.

Secrets registered on the formatter, ``key=value`` pairs that look like secrets or codes, and all
but the last four digits of phone numbers are removed from every message and traceback; the
timestamps are left alone.
"""

from __future__ import annotations

import copy
import logging
import re
from collections.abc import Iterable
from logging.handlers import RotatingFileHandler
from pathlib import Path
from typing import Any

__all__ = ["LOG_FILE_NAME", "RedactingFormatter", "attach_log_file", "redact"]

LOG_FILE_NAME = "verify-desk.log"

_SECRET_PAIRS = re.compile(
    r"(?i)\b(api_secret|secret|password|pin_code|code)(\s*[=:]\s*)([^\s&,;'\"]+)")
# 7 to 15 digits, maybe with a + and separators: a phone number (only the last 4 digits stay).
_PHONE = re.compile(r"(?<![\w.:])\+?\d(?:[ \-.]?\d){6,14}(?![\w.:])")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """Remove secrets, codes and all but the last 4 digits of phone numbers from ``text``."""
    for secret in sorted({s for s in secrets if len(s) >= 4}, key=len, reverse=True):
        text = text.replace(secret, "***")
    text = _SECRET_PAIRS.sub(lambda m: f"{m.group(1)}{m.group(2)}***", text)

    def last_four(match: re.Match[str]) -> str:
        if _DATE.fullmatch(match.group(0)):
            return match.group(0)
        return "…" + re.sub(r"\D", "", match.group(0))[-4:]

    return _PHONE.sub(last_four, text)


class RedactingFormatter(logging.Formatter):
    """Formats a record (traceback included), then runs :func:`redact` over the result."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")
        self.secrets: set[str] = set()

    def format(self, record: logging.LogRecord) -> str:  # noqa: D102 - logging API
        record = copy.copy(record)  # other handlers keep the original
        record.msg, record.args = redact(record.getMessage(), self.secrets), None
        record.exc_text = None  # another handler may have cached the unredacted traceback
        return super().format(record)

    def formatException(self, ei: Any) -> str:  # noqa: D102, N802 - logging API
        return redact(super().formatException(ei), self.secrets)


def attach_log_file(log_dir: Path) -> tuple[RedactingFormatter, logging.Handler, Path]:
    """Attach a rotating, redacting INFO log file in ``log_dir`` to the root logger.

    Returns:
        The formatter (register secrets on it), the handler (remove it at shutdown) and the path.
    """
    path = log_dir / LOG_FILE_NAME
    handler = RotatingFileHandler(path, maxBytes=1_000_000, backupCount=3, encoding="utf-8")
    formatter = RedactingFormatter()
    handler.setFormatter(formatter)
    handler.setLevel(logging.INFO)
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(min(root.level or logging.INFO, logging.INFO))
    return formatter, handler, path
