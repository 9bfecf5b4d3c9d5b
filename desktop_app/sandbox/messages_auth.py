"""Who is sending: the Messages API's Basic or Bearer JWT authentication, checked for real.

* ``Authorization: Basic base64(key:secret)``: the sandbox account's key and secret.
* ``Authorization: Bearer <JWT>``: an RS256 token of the one application the sandbox was started
  with (``--application-id``, ``--public-key FILE``), verified against its public key. Its
  ``application_id`` claim must be that application's; it needs an ``iat``; ``exp`` and ``nbf``
  are judged by the **real** clock, never the simulated one (a jump of the sandbox clock cannot
  make a token valid or expired). A token without ``exp`` lasts 15 minutes from ``iat``, the
  SDKs' default.

Anything else is HTTP 401 with a ``detail`` saying which of these failed (never echoing the
token). PyJWT (with ``cryptography``) is imported only when the first token arrives: the sandbox
depends on the domain and the standard library alone, and without PyJWT a Bearer token is
refused with a 401 that says so.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, Final

from desktop_app.sandbox.params import basic_credentials
from desktop_app.sandbox.problems import Problem
from desktop_app.sandbox.shared import Account

__all__ = ["DEFAULT_TOKEN_LIFETIME", "MessagesAuth", "load_public_key", "unauthorized"]

#: How long a token without ``exp`` is taken to last after its ``iat`` (seconds).
DEFAULT_TOKEN_LIFETIME: Final = 900
_TITLE = "You did not provide correct credentials."
_CHECK = (
    "Check that you're using the correct credentials, and that your account has this feature "
    "enabled."
)
_NO_PYJWT = (
    "This sandbox cannot check JWTs: PyJWT (with cryptography) is not installed. "
    "Install it, or use Basic authentication with the API key and secret."
)


def unauthorized(detail: str = _CHECK) -> Problem:
    """The 401 problem, with what was wrong in ``detail``."""
    return Problem(401, _TITLE, detail, kind="unauthorized")


def load_public_key(pem: str) -> Any:
    """The application's public key, parsed once (PyJWT accepts the object as a key).

    Raises:
        ValueError: ``pem`` is not a PEM public key (or cryptography is missing).
    """
    try:
        from cryptography.hazmat.primitives.serialization import load_pem_public_key
    except ImportError:
        raise ValueError("reading a public key needs the cryptography package") from None
    try:
        return load_pem_public_key(pem.encode())
    except (ValueError, TypeError) as exc:
        raise ValueError("the public key is not a PEM public key") from exc


class MessagesAuth:
    """Checks a request's ``Authorization`` header and names the sender.

    Args:
        account: The sandbox account (Basic).
        application_id: The application whose tokens are accepted (None: no Bearer tokens).
        public_key: Its PEM public key.
        real_time: Unix seconds by the real clock (injectable for tests).

    Raises:
        ValueError: Only one of ``application_id`` and ``public_key`` given, or a key that is
            not a PEM public key (when cryptography is installed).
    """

    def __init__(
        self,
        account: Account,
        application_id: str | None = None,
        public_key: str | None = None,
        *,
        real_time: Callable[[], float] = time.time,
    ) -> None:
        if bool(application_id) != bool(public_key):
            raise ValueError("an application id and its public key go together")
        self.account = account
        self.application_id = application_id or None
        self._pem = public_key
        self._key: Any = None
        self._real_time = real_time
        if public_key:
            try:
                self._key = load_public_key(public_key)
            except ValueError as exc:
                if "cryptography" not in str(exc):
                    raise
                # Without cryptography every token is refused with a 401 saying why.

    def sender(self, authorization: str | None) -> str:
        """The sender's throttle key: the API key, or ``app:<application id>``.

        Raises:
            Problem: HTTP 401, ``detail`` saying what was wrong.
        """
        scheme = (authorization or "").strip().partition(" ")[0].lower()
        if scheme == "bearer":
            return f"app:{self._verify_token(authorization or '')}"
        basic = basic_credentials(authorization)
        if basic is not None and self.account.matches(*basic):
            return basic[0]
        if scheme == "basic":
            raise unauthorized("The API key and secret are not this sandbox account's.")
        raise unauthorized()

    def _verify_token(self, authorization: str) -> str:
        if self.application_id is None:
            raise unauthorized(
                "This sandbox has no application: start it with --application-id and "
                "--public-key to accept JWTs, or use Basic authentication."
            )
        try:
            import jwt
        except ImportError:
            raise unauthorized(_NO_PYJWT) from None
        if self._key is None:
            raise unauthorized(_NO_PYJWT)
        token = authorization.strip().partition(" ")[2].strip()
        now = self._real_time()
        try:
            # exp and nbf are judged below by the injectable real clock, not by PyJWT's own.
            claims = jwt.decode(
                token,
                self._key,
                algorithms=["RS256"],
                options={
                    "require": ["iat"],
                    "verify_exp": False,
                    "verify_nbf": False,
                    "verify_iat": False,
                    "verify_aud": False,
                },
            )
        except jwt.InvalidTokenError:
            raise unauthorized(
                "The token is not an RS256 JWT signed with this application's private key."
            ) from None
        return self._check_claims(claims, now)

    def _check_claims(self, claims: dict[str, Any], now: float) -> str:
        if claims.get("application_id") != self.application_id:
            raise unauthorized("The token's application_id is not this sandbox's application.")
        issued = _seconds(claims.get("iat"))
        if issued is None:
            raise unauthorized("The token's iat is not a time.")
        expires = _seconds(claims.get("exp", issued + DEFAULT_TOKEN_LIFETIME))
        if expires is None or now >= expires:
            raise unauthorized("The token has expired.")
        if "nbf" in claims:
            not_before = _seconds(claims["nbf"])
            if not_before is None or now < not_before:
                raise unauthorized("The token is not valid yet (nbf).")
        return self.application_id or ""


def _seconds(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)
