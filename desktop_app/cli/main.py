"""The ``verify-desk-cli`` entry point.

``main`` parses, runs one command and prints either human text or one JSON object. Every error
becomes one sentence on stderr (and a JSON error object with ``--json``) and an exit status:
0 success, 1 the API refused, 2 bad input or usage (nothing sent), 3 transport failure,
4 the history database cannot be used (or another failure on this machine).

No input reaches a person as a traceback: arguments and environment values that are not valid
text are refused before parsing (:mod:`desktop_app.cli.inputs`), bad values by the parser and
the domain rules, and anything unforeseen by one last guard that writes the traceback to the
(redacted) log file and prints a plain sentence with exit status 4.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from typing import Final, TextIO

from desktop_app.domain.errors import VerifyDeskError
from desktop_app.settings.credentials import EnvCredentials
from desktop_app.settings.paths import AppPaths
from desktop_app.usecases.logging_setup import (
    LOG_FILE_NAME,
    RedactingFilter,
    configure_logging,
    remove_logging,
)

from .commands import run_command
from .inputs import check_argv, check_environment
from .output import EXIT_LOCAL, EXIT_OK, write_error, write_json, write_text
from .parser import CliUsageError, parse_args

__all__ = ["UnexpectedFailure", "main"]

logger = logging.getLogger(__name__)

#: Exit status after Ctrl+C (128 + SIGINT), as shells report it.
EXIT_INTERRUPTED: Final = 130
#: Exit status when the reader of our output went away (128 + SIGPIPE), as shells report it.
EXIT_BROKEN_PIPE: Final = 141


class UnexpectedFailure(VerifyDeskError):  # noqa: N818 - reads as what the person is told
    """A failure this program did not foresee (a bug); the traceback is in the log file."""

    meaning = "The command stopped on an unexpected problem (a bug in Verify Desk)."

    def __init__(self, log_file: str) -> None:
        where = f"the log file {log_file}" if log_file else "no log file (it could not be opened)"
        super().__init__(f"{self.meaning} The details are in {where}.")


class _Secrets:
    """The secrets this command holds (environment, then the profile's), to mask in output."""

    def __init__(self) -> None:
        self._known: list[str] = []
        self.add(os.environ.get(EnvCredentials.SECRET_VAR, ""))

    def add(self, secret: str) -> None:
        if secret and secret not in self._known:
            self._known.append(secret)

    def __call__(self) -> list[str]:
        return list(self._known)


@contextmanager
def _logging_to(stream: TextIO, enabled: bool, secrets: _Secrets) -> Iterator[str]:
    """Log INFO to the app's redacted log file, and with ``--verbose`` DEBUG to ``stream``.

    Both only for this command; the root logger is restored afterwards. A log folder that
    cannot be created costs the log file, never the command.

    Yields:
        The log file's path ("" when there is none).
    """
    root = logging.getLogger()
    previous = root.level
    log_file: logging.Handler | None = None
    path = ""
    with suppress(OSError):
        log_dir = AppPaths.default().log_dir
        log_file = configure_logging(log_dir, secrets=secrets)
        path = str(log_dir / LOG_FILE_NAME)
    verbose: logging.Handler | None = None
    if enabled:
        verbose = logging.StreamHandler(stream)
        verbose.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        verbose.addFilter(RedactingFilter(secrets))
        root.addHandler(verbose)
        root.setLevel(logging.DEBUG)
    try:
        yield path
    finally:
        if verbose is not None:
            root.removeHandler(verbose)
        if log_file is not None:
            remove_logging(log_file)
        root.setLevel(previous)


def _run(args: argparse.Namespace, secrets: _Secrets, out: TextIO, err: TextIO) -> int:
    with _logging_to(err, args.verbose, secrets) as log_path:
        try:
            result = run_command(args)
            if args.json:
                ok = result.exit_code == EXIT_OK
                payload = {"ok": ok, "command": args.command, **result.data}
                write_json(out, payload, secrets())
            else:
                write_text(out, result.text, secrets())
        except VerifyDeskError as exc:
            logger.debug("%s failed: %s", args.command, type(exc).__name__)
            return write_error(exc, json_mode=args.json, out=out, err=err, secrets=secrets())
        except KeyboardInterrupt:
            err.write("Interrupted; a request may have been sent (see the history).\n")
            return EXIT_INTERRUPTED
        except BrokenPipeError:
            # `verify-desk-cli ... | head`: the reader has what it wanted. Not a bug; and the
            # interpreter's final flush of stdout must not fail again on the closed pipe.
            _silence_stdout()
            return EXIT_BROKEN_PIPE
        except Exception:  # the last guard: a bug must still end in one plain sentence
            logger.exception("%s stopped on an unexpected error", args.command)
            failure = UnexpectedFailure(log_path)
            with suppress(OSError, ValueError):  # a closed or broken stream: nothing to tell
                write_error(failure, json_mode=args.json, out=out, err=err, secrets=secrets())
            return EXIT_LOCAL
    return result.exit_code


def _silence_stdout() -> None:
    """Point file descriptor 1 at /dev/null so nothing more is written to a closed pipe."""
    with suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``verify-desk-cli`` with ``argv`` (default ``sys.argv[1:]``); return the exit status.

    Args:
        argv: The arguments after the program name.

    Returns:
        0 success, 1 API refusal, 2 bad input/usage, 3 transport failure, 4 local failure.
    """
    arguments = list(sys.argv[1:] if argv is None else argv)
    out, err = sys.stdout, sys.stderr
    json_mode = "--json" in arguments
    secrets = _Secrets()
    try:
        check_argv(arguments)
        check_environment(os.environ)
        args = parse_args(arguments)
    except SystemExit as exc:  # --help and --version print and "exit" with 0
        return exc.code if isinstance(exc.code, int) else EXIT_OK
    except (CliUsageError, VerifyDeskError) as exc:
        return write_error(exc, json_mode=json_mode, out=out, err=err, secrets=secrets())
    except Exception:  # the last guard, before the log file exists: no traceback either
        with suppress(OSError, ValueError):
            failure = UnexpectedFailure("")
            write_error(failure, json_mode=json_mode, out=out, err=err, secrets=secrets())
        return EXIT_LOCAL
    args.remember_secret = secrets.add
    return _run(args, secrets, out, err)


if __name__ == "__main__":  # pragma: no cover - ``python -m desktop_app.cli.main``
    sys.exit(main())
