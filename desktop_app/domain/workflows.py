"""Verify v1 workflows: the delivery steps of each ``workflow_id`` and the timing rules.

One table serves the sandbox (which plays the steps out), the validators and the window (which
describes them and counts down to the next event).
"""

from __future__ import annotations

from dataclasses import dataclass

SMS = "sms"
TTS = "tts"


@dataclass(frozen=True)
class Workflow:
    """One preset workflow.

    Attributes:
        id: The ``workflow_id`` sent to the API.
        steps: The channel of each delivery attempt, in order ("sms" or "tts").
        description: How a person would say it.
    """

    id: int
    steps: tuple[str, ...]
    description: str


WORKFLOWS: dict[int, Workflow] = {
    1: Workflow(1, (SMS, TTS, TTS), "SMS, then call, then call"),
    2: Workflow(2, (SMS, SMS, TTS), "SMS, then SMS, then call"),
    3: Workflow(3, (TTS, TTS), "Call, then call (voice only)"),
    4: Workflow(4, (SMS, SMS), "SMS, then SMS"),
    5: Workflow(5, (SMS, TTS), "SMS, then call"),
    6: Workflow(6, (SMS,), "One SMS only"),
    7: Workflow(7, (TTS,), "One call only"),
}

DEFAULT_WORKFLOW_ID = 1
DEFAULT_CODE_LENGTH = 4
DEFAULT_PIN_EXPIRY = 300
DEFAULT_NEXT_EVENT_WAIT = 300
PIN_EXPIRY_RANGE = (60, 3600)
NEXT_EVENT_WAIT_RANGE = (60, 900)
#: Cancel is refused in the first 30 seconds of a request (status 19).
CANCEL_NOT_BEFORE_S = 30
#: Wrong codes allowed per generated PIN; the last one terminates the request (status 17).
MAX_WRONG_CODES = 3
#: Workflows a landline can receive (voice first).
VOICE_FIRST_WORKFLOWS = (3, 7)
