"""The one maker of the codes (PINs) the sandbox's engines deliver.

A request either fixes its code (v1 ``pin_code``, v2 ``code``) or gets random digits of its
``code_length``. A v1 request may need a new PIN at a later delivery event; the new one never
equals the one before it, or a person could not tell the two messages apart. A v2 request asks
once, so the rule costs it nothing.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable

__all__ = ["CodeMaker"]


class CodeMaker:
    """Makes codes from a random source (``secrets`` by default; injectable for tests).

    Args:
        randbelow: Returns a uniform integer in ``[0, n)``.
    """

    def __init__(self, randbelow: Callable[[int], int] = secrets.randbelow) -> None:
        self._randbelow = randbelow

    def digits(self, length: int) -> str:
        """``length`` random ASCII digits (leading zeros kept)."""
        return f"{self._randbelow(10**length):0{length}d}"

    def for_request(
        self, length: int, fixed: str | None = None, *, last: str = ""
    ) -> Callable[[], str]:
        """A request's code source: ``fixed`` each time, else fresh digits unlike the last ones.

        Args:
            length: How many digits a random code has.
            fixed: The request's own code (``pin_code`` / ``code``), when it gave one.
            last: The code the request holds already (a request restored from a save file):
                the next random one differs from it too.
        """
        last_code = [last]

        def make() -> str:
            if fixed is not None:
                return fixed
            code = self.digits(length)
            while code == last_code[0]:
                code = self.digits(length)
            last_code[0] = code
            return code

        return make
