"""The verification lifecycle, pure (no I/O, no clock reads): one import for its three parts.

* :mod:`desktop_app.domain.state_machine`: :class:`Lifecycle`, the Verify v1 state machine
  advanced by explicit times, with its outcomes (:class:`CheckOutcome`,
  :class:`ControlOutcome`) and records (:class:`Delivery`, :class:`CheckAttemptRecord`).
* :mod:`desktop_app.domain.v2_lifecycle`: :class:`V2Lifecycle`, the same machine with Verify
  v2's code, cancel and silent-auth rules.
* :mod:`desktop_app.domain.countdown`: :func:`predict`, the timings a window counts down to
  (:class:`Countdown`), and :func:`effective_pin_expiry`.

Callers import these names from here; the rules themselves are written in each module's
docstring (field guide ``shared/docs/verify-api.md`` §1.3, §1.6, §1.8, §2.1, §2.3).
"""

from __future__ import annotations

from desktop_app.domain.countdown import Countdown, effective_pin_expiry, predict
from desktop_app.domain.state_machine import (
    CheckAttemptRecord,
    CheckOutcome,
    ControlOutcome,
    Delivery,
    Lifecycle,
    LifecycleSnapshot,
)
from desktop_app.domain.v2_lifecycle import SILENT_AUTH_STEP, V2Lifecycle, V2LifecycleSnapshot

__all__ = [
    "SILENT_AUTH_STEP",
    "CheckAttemptRecord",
    "CheckOutcome",
    "ControlOutcome",
    "Countdown",
    "Delivery",
    "Lifecycle",
    "LifecycleSnapshot",
    "V2Lifecycle",
    "V2LifecycleSnapshot",
    "effective_pin_expiry",
    "predict",
]
