"""The Verify v1 client: start, PSD2 start, check, search, cancel and next event.

Every call is a ``POST`` with an ``application/x-www-form-urlencoded`` body that carries
``api_key`` and ``api_secret`` (the spec-documented way). Search is sent by POST too, so the
secret never ends up in a URL (URLs are logged by httpx and by proxies). Only parameters that
are set are sent; integers go as decimal strings and the PSD2 amount as a plain decimal string.

Retries follow :mod:`desktop_app.api.retry`: starts never, search on transient failures,
check and control only when the request provably did not get processed.

A client holds no mutable state, so one instance may be used from several threads at once.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

import httpx

from desktop_app.domain.errors import FieldError, ValidationFailed
from desktop_app.domain.models import (
    ApiCredentials,
    CheckResult,
    ControlResult,
    Psd2Params,
    StartParams,
    StartResult,
    VerificationRecord,
)

from .exchange import FormData
from .http import DEFAULT_API_HOST, request_json
from .parsing import parse_check, parse_control, parse_search, parse_search_many, parse_start
from .retry import (
    SEARCH_MIN_DELAY,
    RetryDecision,
    RetryPolicy,
    call_with_retry,
    never,
    retry_idempotent,
    retry_if_not_processed,
)

__all__ = ["MAX_SEARCH_IDS", "VerifyV1Client"]

logger = logging.getLogger(__name__)

#: Search accepts at most this many ids in one call.
MAX_SEARCH_IDS = 10

_START_FIELDS = (
    "country",
    "sender_id",
    "code_length",
    "lg",
    "pin_expiry",
    "next_event_wait",
    "workflow_id",
    "pin_code",
)
_PSD2_FIELDS = ("country", "code_length", "lg", "pin_expiry", "next_event_wait", "workflow_id")


def _form_value(value: object) -> str:
    """Encode one parameter: ints as decimal text, Decimal as plain (never scientific) text."""
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def _optional_fields(source: object, names: Iterable[str]) -> dict[str, str]:
    """The named attributes of ``source`` that are not ``None``, encoded for the form."""
    fields: dict[str, str] = {}
    for name in names:
        value = getattr(source, name)
        if value is not None:
            fields[name] = _form_value(value)
    return fields


class VerifyV1Client:
    """Verify v1 over a shared ``httpx.Client``.

    Args:
        http: The app's long-lived client (see ``build_http_client``).
        credentials: The profile's key and secret.
        api_host: Scheme and host, e.g. ``https://api.nexmo.com`` or the sandbox's address.
        retry: Backoff for the calls that may be retried; ``None`` means the default policy
            (3 attempts, 0.25 s base, 4 s cap). ``RetryPolicy(attempts=1)`` disables retries.
        sleep: How to wait between attempts (tests pass a recorder).
    """

    def __init__(
        self,
        http: httpx.Client,
        credentials: ApiCredentials,
        *,
        api_host: str = DEFAULT_API_HOST,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._http = http
        self._credentials = credentials
        self._api_host = api_host.rstrip("/")
        self._retry = retry if retry is not None else RetryPolicy()
        self._sleep = sleep

    def __repr__(self) -> str:
        return f"VerifyV1Client(api_host={self._api_host!r}, api_key={self._credentials.api_key!r})"

    @property
    def api_host(self) -> str:
        """The scheme and host requests go to."""
        return self._api_host

    def _post(self, path: str, fields: FormData) -> Any:
        form: dict[str, str | list[str]] = {
            "api_key": self._credentials.api_key,
            "api_secret": self._credentials.api_secret,
        }
        for key, value in fields.items():
            form[key] = value if isinstance(value, str) else list(value)
        return request_json(
            self._http,
            "POST",
            f"{self._api_host}{path}",
            data=form,
            secret=self._credentials.api_secret,
        )

    def _call(
        self,
        operation: Callable[[], Any],
        should_retry: RetryDecision,
        min_throttle_delay: float = 0.0,
    ) -> Any:
        return call_with_retry(
            operation,
            policy=self._retry,
            should_retry=should_retry,
            sleep=self._sleep,
            min_throttle_delay=min_throttle_delay,
        )

    def start(self, params: StartParams) -> StartResult:
        """Start a verification (``POST /verify/json``). Never retried.

        Raises:
            ApiError: The API refused; ConcurrentVerificationError carries the live request id.
            TransportError: The answer did not arrive or could not be read.
        """
        fields = {"number": params.number, "brand": params.brand}
        fields.update(_optional_fields(params, _START_FIELDS))
        secret = self._credentials.api_secret
        result: StartResult = self._call(
            lambda: parse_start(self._post("/verify/json", fields), secret=secret), never
        )
        return result

    def start_psd2(self, params: Psd2Params) -> StartResult:
        """Start a PSD2 payment verification (``POST /verify/psd2/json``). Never retried.

        Raises:
            ApiError: The API refused.
            TransportError: The answer did not arrive or could not be read.
        """
        fields = {
            "number": params.number,
            "payee": params.payee,
            "amount": _form_value(Decimal(str(params.amount))),
        }
        fields.update(_optional_fields(params, _PSD2_FIELDS))
        secret = self._credentials.api_secret
        result: StartResult = self._call(
            lambda: parse_start(self._post("/verify/psd2/json", fields), secret=secret), never
        )
        return result

    def check(self, request_id: str, code: str) -> CheckResult:
        """Check a code (``POST /verify/check/json``); retried only if not processed.

        Raises:
            WrongCodeError: Status 16.
            TooManyAttemptsError: Status 17; the request is now FAILED.
            ApiError: Any other refusal.
            TransportError: The answer did not arrive or could not be read.
        """
        fields = {"request_id": request_id, "code": code}
        secret = self._credentials.api_secret
        result: CheckResult = self._call(
            lambda: parse_check(
                self._post("/verify/check/json", fields), secret=secret, request_id=request_id
            ),
            retry_if_not_processed,
        )
        return result

    def search(self, request_id: str) -> VerificationRecord:
        """Look one request up (``POST /verify/search/json`` with ``request_id``).

        Raises:
            SearchNotFoundError: Unknown id, or not searchable yet.
            ApiError: Any other refusal.
            TransportError: The answer did not arrive or could not be read.
        """
        secret = self._credentials.api_secret
        result: VerificationRecord = self._call(
            lambda: parse_search(
                self._post("/verify/search/json", {"request_id": request_id}), secret=secret
            ),
            retry_idempotent,
            SEARCH_MIN_DELAY,
        )
        return result

    def search_many(self, request_ids: Iterable[str]) -> tuple[VerificationRecord, ...]:
        """Look up to ten requests up in one call (repeated ``request_ids``).

        A single id is sent as ``request_id``. Results come back in the API's order.

        Raises:
            ValidationFailed: No ids, or more than ten; nothing was sent.
            ApiError: The API refused.
            TransportError: The answer did not arrive or could not be read.
        """
        ids = list(request_ids)
        if not 1 <= len(ids) <= MAX_SEARCH_IDS:
            raise ValidationFailed(
                [FieldError("request_ids", f"Give 1 to {MAX_SEARCH_IDS} ids (got {len(ids)}).")]
            )
        fields: FormData = {"request_id": ids[0]} if len(ids) == 1 else {"request_ids": ids}
        secret = self._credentials.api_secret
        result: tuple[VerificationRecord, ...] = self._call(
            lambda: parse_search_many(self._post("/verify/search/json", fields), secret=secret),
            retry_idempotent,
            SEARCH_MIN_DELAY,
        )
        return result

    def _control(self, request_id: str, command: str) -> ControlResult:
        fields = {"request_id": request_id, "cmd": command}
        secret = self._credentials.api_secret
        result: ControlResult = self._call(
            lambda: parse_control(
                self._post("/verify/control/json", fields),
                secret=secret,
                command=command,
                request_id=request_id,
            ),
            retry_if_not_processed,
        )
        return result

    def cancel(self, request_id: str) -> ControlResult:
        """Cancel a request (``cmd=cancel``); allowed from 30 s after start until the 2nd event.

        Raises:
            ControlRefusedError: Status 19 (too early, or too late).
            RequestNotFoundError: Status 6.
            ApiError: Any other refusal.
            TransportError: The answer did not arrive or could not be read.
        """
        return self._control(request_id, "cancel")

    def trigger_next_event(self, request_id: str) -> ControlResult:
        """Skip the wait and deliver the next step now (``cmd=trigger_next_event``).

        Raises:
            ControlRefusedError: Status 19 (no events left).
            RequestNotFoundError: Status 6.
            ApiError: Any other refusal.
            TransportError: The answer did not arrive or could not be read.
        """
        return self._control(request_id, "trigger_next_event")
