"""The Verify API clients over httpx (no Qt).

Modules:
    http: the shared ``httpx.Client`` and the httpx -> domain error mapping.
    errors: the one Verify v1 status -> domain error table.
    parsing: decoded JSON -> domain dataclasses (or typed errors).
    retry: backoff policy and which calls may be retried.
    v1: ``VerifyV1Client`` (start, PSD2, check, search, cancel, next event).
    account: ``AccountClient`` (balance, the credentials check).
    sandbox_control: ``SandboxControl`` for the built-in sandbox's control endpoints.

Import from the submodules; this package deliberately re-exports nothing so importing one
client does not pull in the others.
"""

from __future__ import annotations
