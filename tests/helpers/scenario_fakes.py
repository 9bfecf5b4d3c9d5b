"""In-memory stand-ins for a scenario target: Verify and Messages operations, a sandbox handset.

They follow the protocols of :mod:`desktop_app.usecases.scenarios_target` just far enough for
the runner's mechanics (events, cancellation, skipping, variables); the real sandbox is what
the command-line tests run against.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from desktop_app.domain.api_family import ApiFamily
from desktop_app.domain.errors import ConcurrentVerificationError, WrongCodeError
from desktop_app.domain.message_code_form import CodeForm
from desktop_app.domain.message_delivery import MessageEventEntry
from desktop_app.domain.messages import MessageRequest
from desktop_app.domain.models import (
    CheckResult,
    ControlResult,
    HandsetMessage,
    VerificationRecord,
)
from desktop_app.domain.v2_validation import V2Form
from desktop_app.domain.validation import StartForm
from desktop_app.usecases.desk import Started
from desktop_app.usecases.desk_v2 import StartedV2
from desktop_app.usecases.messages import MessageSent
from desktop_app.usecases.scenarios_load import load_file
from desktop_app.usecases.scenarios_model import ScenarioFile
from desktop_app.usecases.scenarios_target import Target
from tests.helpers.scenario_texts import write_scenarios

CODE = "4321"
MESSAGE_UUID = "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee"


@dataclass
class FakeApi:
    """Starts succeed (a number ending in 10 is busy with request ``live``); 4321 is right."""

    calls: list[tuple[str, ...]] = field(default_factory=list)
    handset: FakeHandset | None = None

    def start(self, form: StartForm, *, allow_unknown_number: bool = False) -> Started:
        self.calls.append(("start", form.number, str(allow_unknown_number)))
        if form.number.endswith("10"):
            raise ConcurrentVerificationError(status="10", error_text="busy", request_id="live")
        rid = f"r{len(self.calls)}"
        if self.handset is not None:
            self.handset.deliver(rid, form.number)
        return Started(request_id=rid, history_id=len(self.calls), number=form.number)

    def start_v2(
        self, form: V2Form, *, allow_unknown_number: bool = False, region: str | None = None
    ) -> StartedV2:
        raise NotImplementedError

    def check(self, request_id: str, code: str, *, family: ApiFamily | None = None) -> CheckResult:
        self.calls.append(("check", request_id, code))
        if code != CODE:
            raise WrongCodeError(status="16", error_text="wrong", request_id=request_id)
        return CheckResult(request_id, "event", Decimal("0.05"), "EUR")

    def cancel(self, request_id: str, *, family: ApiFamily | None = None) -> ControlResult:
        self.calls.append(("cancel", request_id))
        return ControlResult("cancel")

    def next_event(self, request_id: str, *, family: ApiFamily | None = None) -> ControlResult:
        self.calls.append(("next", request_id))
        return ControlResult("trigger_next_event")

    def search(
        self, request_ids: Sequence[str], *, family: ApiFamily | None = None
    ) -> tuple[VerificationRecord, ...]:
        self.calls.append(("search", *request_ids))
        return tuple(VerificationRecord(rid, "IN PROGRESS") for rid in request_ids)


@dataclass
class FakeHandset:
    """A paused clock that moves only when told, and an inbox."""

    now_s: float = 1_700_000_000.0
    inbox: list[HandsetMessage] = field(default_factory=list)
    advanced: list[float] = field(default_factory=list)

    def deliver(self, request_id: str, number: str) -> None:
        sent = datetime.fromtimestamp(self.now_s, UTC)
        self.inbox.append(HandsetMessage(request_id, number, "sms", CODE, "text", sent))

    def messages(self, number: str | None = None) -> tuple[HandsetMessage, ...]:
        return tuple(m for m in self.inbox if number is None or m.number == number)

    def requests(self) -> list[dict[str, object]]:
        return [{"request_id": m.request_id, "status": "IN PROGRESS"} for m in self.inbox]

    def advance_clock(self, seconds: float) -> None:
        self.advanced.append(seconds)
        self.now_s += seconds

    def now(self) -> float:
        return self.now_s

    def open_check_url(self, url: str) -> int:
        return 200

    def inbound(self, channel: str, from_: str, to: str, text: str) -> str:
        self.inbox.append(HandsetMessage("inbound", to, channel, "", text, None))
        return "inbound"


@dataclass
class FakeMessages:
    """Accepts every message and code with the same id; keeps what it was asked to send."""

    sent: list[MessageRequest] = field(default_factory=list)
    codes: list[CodeForm] = field(default_factory=list)

    def send(self, request: MessageRequest) -> MessageSent:
        self.sent.append(request)
        return MessageSent(MESSAGE_UUID, len(self.sent), request.to, ("sms",))

    def send_code(self, form: CodeForm) -> MessageSent:
        self.codes.append(form)
        return MessageSent(MESSAGE_UUID, len(self.codes), form.to, (form.channel,))

    def timeline(self, message_id: str) -> list[MessageEventEntry]:
        return []


def target(*, handset: bool = True) -> tuple[Target, FakeApi, FakeHandset | None]:
    phone = FakeHandset() if handset else None
    api = FakeApi(handset=phone)
    return Target(api, phone, None, True, "fake"), api, phone


def factory(chosen: Target) -> Any:
    @contextmanager
    def open_target(_file: ScenarioFile) -> Iterator[Target]:
        yield chosen

    return open_target


def scenario_file(tmp_path: Path, text: str, name: str = "s.toml") -> ScenarioFile:
    return load_file(write_scenarios(tmp_path, text, name))
