"""The shared log setup (stdlib only, no Qt): a rotating file whose records are redacted.

:class:`RedactingFilter` rewrites each record that passes through a handler it is attached to:
the formatted message, a traceback and a stack are redacted (secrets masked, phone numbers cut
to their last 4 digits) *before* any formatter sees them, and the record's ``args`` are dropped
so no later handler can re-render the raw values. :func:`configure_logging` attaches one such
handler to the root logger; the window (``app.py``) and the command line both call it.

The handler opens its rotating file with the first record it writes, not when it is attached:
``logging.handlers`` (with ``socket``, ``pickle`` and ``queue``, about 7 ms) is then imported
after the window's first paint instead of before it, and a start that logs nothing before its
first paint pays nothing for the log file until then.
"""

from __future__ import annotations

import logging
import os
import traceback
from collections.abc import Callable, Iterable
from contextlib import nullcontext, suppress
from pathlib import Path
from typing import TYPE_CHECKING, Final

from desktop_app.domain.redact import redact

if TYPE_CHECKING:
    from io import TextIOWrapper
    from logging.handlers import RotatingFileHandler

__all__ = [
    "LOG_FILE_NAME",
    "LOG_FORMAT",
    "RedactingFilter",
    "configure_logging",
    "remove_logging",
]

LOG_FILE_NAME: Final = "verify-desk.log"
LOG_FORMAT: Final = "%(asctime)s %(levelname)s %(name)s: %(message)s"
_MAX_BYTES: Final = 1_000_000
_BACKUPS: Final = 3

SecretSource = Callable[[], Iterable[str]]


def _no_secrets() -> Iterable[str]:
    return ()


class RedactingFilter(logging.Filter):
    """Masks secrets and phone numbers in every record it sees; never drops a record.

    Args:
        secrets: Called for each record; returns the secrets to mask now (the active profile's
            API secret, a session-only secret...). A failure here masks nothing extra but never
            loses the record.
        numbers: Cut phone numbers to their last 4 digits (the default).
    """

    def __init__(self, secrets: SecretSource = _no_secrets, *, numbers: bool = True) -> None:
        super().__init__()
        self._secrets = secrets
        self._numbers = numbers

    def _current_secrets(self) -> list[str]:
        try:
            return [s for s in self._secrets() if s]
        except Exception:
            return []

    def filter(self, record: logging.LogRecord) -> bool:  # noqa: D102 - logging API
        secrets = self._current_secrets()

        def clean(text: str) -> str:
            return redact(text, secrets, numbers=self._numbers)

        try:
            message = record.getMessage()
        except Exception:
            message = f"{record.msg!s} (unformattable arguments)"
        record.msg, record.args = clean(message), None
        if record.exc_info and record.exc_info[1] is not None:
            text = "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
            record.exc_text = clean(text)
            record.exc_info = None  # the formatter uses exc_text; nothing raw is kept
        elif record.exc_text:
            record.exc_text = clean(record.exc_text)
        if record.stack_info:
            record.stack_info = clean(record.stack_info)
        return True


def _private_rotating_file(path: Path) -> RotatingFileHandler:
    """A rotating file handler whose every new file (after each rollover too) is ``0o600``."""
    from logging.handlers import RotatingFileHandler

    class _PrivateRotatingFileHandler(RotatingFileHandler):
        def _open(self) -> TextIOWrapper:
            # Rollover renames the file away and opens a new one with the umask's mode (0o644):
            # create it owner-only first, so redacted or not, no log is readable by other users.
            with suppress(OSError):
                os.close(os.open(self.baseFilename, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600))
            return super()._open()

    return _PrivateRotatingFileHandler(
        path, maxBytes=_MAX_BYTES, backupCount=_BACKUPS, encoding="utf-8"
    )


class _RotatingLogFile(logging.Handler):
    """The owner-only rotating file (1 MB, 3 backups), opened with the first record.

    Filters and the formatter belong to this handler; the inner one only writes and rotates.
    ``Handler.handle`` holds this handler's lock around ``emit``, so the file is opened once.
    """

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = path
        self._file: RotatingFileHandler | None = None
        #: The levels ``configure_logging`` changed, by logger name ("" is the root): what
        #: ``remove_logging`` puts back, so no global logger state outlives the handler.
        self.previous_levels: dict[str, int] = {}

    def _opened(self) -> RotatingFileHandler:
        if self._file is None:
            self._file = _private_rotating_file(self.path)
        return self._file

    def emit(self, record: logging.LogRecord) -> None:
        file = self._opened()
        file.setFormatter(self.formatter)
        file.emit(record)

    def doRollover(self) -> None:  # noqa: N802 - RotatingFileHandler's name
        """Rotate now, as a full file does (opening the file first if nothing was written)."""
        with self.lock or nullcontext():
            self._opened().doRollover()

    def flush(self) -> None:
        if self._file is not None:
            self._file.flush()

    def close(self) -> None:
        with self.lock or nullcontext():
            if self._file is not None:
                self._file.close()
        super().close()


def configure_logging(
    log_dir: Path,
    *,
    secrets: SecretSource = _no_secrets,
    level: int = logging.INFO,
    quiet: Iterable[str] = (),
) -> logging.Handler:
    """Log ``level`` and above to ``log_dir/verify-desk.log`` (rotating), redacted.

    Idempotent per folder: a handler this function attached earlier for the same file is
    replaced, not duplicated. The folder is created owner-only and the file is ``0o600``.
    Every logger level it changes is put back by :func:`remove_logging`.

    Args:
        log_dir: The app's log folder (``AppPaths.log_dir``).
        secrets: Returns the secrets to mask, asked again for every record.
        level: The handler's level (and the root logger's, if it was less verbose).
        quiet: Loggers set to WARNING while the handler is attached (chatty libraries).

    Returns:
        The handler; pass it to :func:`remove_logging` at shutdown.

    Raises:
        OSError: The folder or the file cannot be created (the caller decides to go on).
    """
    log_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = log_dir / LOG_FILE_NAME
    root = logging.getLogger()
    for old in list(root.handlers):
        if isinstance(old, _RotatingLogFile) and old.path == path:
            remove_logging(old)
    path.touch(mode=0o600, exist_ok=True)
    if os.name == "posix":
        path.chmod(0o600)
    handler = _RotatingLogFile(path)
    handler.setLevel(level)
    handler.addFilter(RedactingFilter(secrets))
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    root.addHandler(handler)
    if root.level == logging.NOTSET or root.level > level:
        handler.previous_levels[""] = root.level
        root.setLevel(level)
    for name in quiet:
        handler.previous_levels[name] = logging.getLogger(name).level
        logging.getLogger(name).setLevel(logging.WARNING)
    return handler


def remove_logging(handler: logging.Handler) -> None:
    """Detach and close a handler from :func:`configure_logging`; idempotent.

    The logger levels it changed are put back (once), so a process that builds the app again
    (or a test after one that did) starts from the levels it had.
    """
    logging.getLogger().removeHandler(handler)
    if isinstance(handler, _RotatingLogFile):
        previous, handler.previous_levels = handler.previous_levels, {}
        for name, level in previous.items():
            logging.getLogger(name or None).setLevel(level)
    handler.close()
