"""The ``verify-desk-cli`` entry point.

``main`` parses, runs one command and prints either human text or one JSON object. Every error
becomes one sentence on stderr (and a JSON error object with ``--json``) and an exit status:
0 success, 1 the API refused, 2 bad input or usage (nothing sent), 3 transport failure,
4 the history database cannot be used.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from typing import TextIO

from desktop_app.domain.errors import VerifyDeskError
from desktop_app.settings.credentials import EnvCredentials
from desktop_app.settings.paths import AppPaths
from desktop_app.usecases.logging_setup import RedactingFilter, configure_logging, remove_logging

from .commands import run_command
from .output import EXIT_OK, write_error, write_json
from .parser import CliUsageError, parse_args

__all__ = ["main"]

logger = logging.getLogger(__name__)

#: Exit status after Ctrl+C (128 + SIGINT), as shells report it.
EXIT_INTERRUPTED = 130


def _env_secrets() -> Iterable[str]:
    """The secret this command may hold (from the environment), for the log redaction."""
    return [os.environ.get(EnvCredentials.SECRET_VAR, "")]


@contextmanager
def _logging_to(stream: TextIO, enabled: bool) -> Iterator[None]:
    """Log INFO to the app's redacted log file, and with ``--verbose`` DEBUG to ``stream``.

    Both only for this command; the root logger is restored afterwards. A log folder that
    cannot be created costs the log file, never the command.
    """
    root = logging.getLogger()
    previous = root.level
    log_file: logging.Handler | None = None
    with suppress(OSError):
        log_file = configure_logging(AppPaths.default().log_dir, secrets=_env_secrets)
    verbose: logging.Handler | None = None
    if enabled:
        verbose = logging.StreamHandler(stream)
        verbose.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        verbose.addFilter(RedactingFilter(_env_secrets))
        root.addHandler(verbose)
        root.setLevel(logging.DEBUG)
    try:
        yield
    finally:
        if verbose is not None:
            root.removeHandler(verbose)
        if log_file is not None:
            remove_logging(log_file)
        root.setLevel(previous)


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``verify-desk-cli`` with ``argv`` (default ``sys.argv[1:]``); return the exit status.

    Args:
        argv: The arguments after the program name.

    Returns:
        0 success, 1 API refusal, 2 bad input/usage, 3 transport failure, 4 local failure.
    """
    arguments = list(sys.argv[1:] if argv is None else argv)
    out, err = sys.stdout, sys.stderr
    try:
        args = parse_args(arguments)
    except SystemExit as exc:  # --help and --version print and "exit" with 0
        return exc.code if isinstance(exc.code, int) else EXIT_OK
    except CliUsageError as exc:
        return write_error(exc, json_mode="--json" in arguments, out=out, err=err)
    with _logging_to(err, args.verbose):
        try:
            result = run_command(args)
        except VerifyDeskError as exc:
            logger.debug("%s failed: %s", args.command, type(exc).__name__)
            return write_error(exc, json_mode=args.json, out=out, err=err)
        except KeyboardInterrupt:
            err.write("Interrupted; a request may have been sent (see the history).\n")
            return EXIT_INTERRUPTED
    if args.json:
        write_json(out, {"ok": True, "command": args.command, **result.data})
    else:
        out.write(result.text + "\n")
    return EXIT_OK


if __name__ == "__main__":  # pragma: no cover - ``python -m desktop_app.cli.main``
    sys.exit(main())
