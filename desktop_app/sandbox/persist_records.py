"""How the engines' records are saved in the sandbox's state file (one codec per table).

A codec (:class:`~desktop_app.sandbox.persist.RecordCodec`) turns a record into plain JSON data
and back. A Verify record's lifecycle is saved as its
:class:`~desktop_app.domain.lifecycle.LifecycleSnapshot`; its code source (a function) is made
anew on load by the shared code maker, from the request's own ``code_length`` and fixed code,
so a restored request goes on exactly as it would have. A Messages API record is plain data
already (its own ``to_json`` and ``from_json``); its engine's WhatsApp windows table holds
plain times.

:func:`record_codecs` is what the composed sandbox persists with: an engine added to the
sandbox adds its codec there (a test checks that every table has one).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import asdict, fields
from typing import Any, TypeVar

from desktop_app.domain.lifecycle import (
    CheckAttemptRecord,
    Delivery,
    Lifecycle,
    LifecycleSnapshot,
    V2Lifecycle,
    V2LifecycleSnapshot,
)
from desktop_app.domain.models import VerificationStatus
from desktop_app.sandbox.codes import CodeMaker
from desktop_app.sandbox.messages_engine import WINDOWS_TABLE
from desktop_app.sandbox.messages_records import MessageRecord
from desktop_app.sandbox.persist import RecordCodec, StateFileError, number, plain_dataclass
from desktop_app.sandbox.v1_state import V1Request
from desktop_app.sandbox.v1_validation import StartSpec
from desktop_app.sandbox.v2_state import V2Request
from desktop_app.sandbox.v2_validation import ChannelSpec, V2Spec

__all__ = ["MessagesCodec", "V1Codec", "V2Codec", "WindowsCodec", "record_codecs"]

L = TypeVar("L", bound=Lifecycle)


def dump_lifecycle(lifecycle: Lifecycle) -> dict[str, Any]:
    """A lifecycle as plain data (its snapshot; deliveries and checks as small lists)."""
    snap = lifecycle.snapshot()
    return {
        "started_at": snap.started_at,
        "workflow_id": snap.workflow_id,
        "steps": list(snap.steps),
        "pin_expiry": snap.pin_expiry,
        "next_event_wait": snap.next_event_wait,
        "status": snap.status.value,
        "finalized_at": snap.finalized_at,
        "deliveries": [[d.index, d.channel, d.at, d.code, d.new_pin] for d in snap.deliveries],
        "checks": [[c.at, c.code, c.valid] for c in snap.checks],
        "wrong_attempts": snap.wrong_attempts,
        "code": snap.code,
        "pin_generated_at": snap.pin_generated_at,
        **(
            {"failing_steps": list(snap.failing_steps), "failed_steps": list(snap.failed_steps)}
            if isinstance(snap, V2LifecycleSnapshot)
            else {}
        ),
    }


def _int(value: Any, what: str) -> int:
    if type(value) is not int:
        raise StateFileError(f"{what} is not a whole number")
    return value


def _str(value: Any, what: str) -> str:
    if not isinstance(value, str):
        raise StateFileError(f"{what} is not text")
    return value


def _bool(value: Any, what: str) -> bool:
    if not isinstance(value, bool):
        raise StateFileError(f"{what} is not true or false")
    return value


def load_lifecycle(
    cls: type[L], raw: Mapping[str, Any], new_code: Callable[[], str]
) -> L:
    """The lifecycle :func:`dump_lifecycle` wrote, making later codes with ``new_code``.

    Raises:
        StateFileError: (or ValueError, KeyError) ``raw`` is not a saved lifecycle.
    """
    deliveries = tuple(
        Delivery(_int(i, "delivery index"), _str(ch, "channel"), number(at, "delivery time"),
                 _str(code, "code"), _bool(new, "new_pin"))
        for i, ch, at, code, new in raw["deliveries"]
    )  # fmt: skip
    checks = tuple(
        CheckAttemptRecord(number(at, "check time"), _str(code, "code"), _bool(ok, "valid"))
        for at, code, ok in raw["checks"]
    )
    finalized = raw["finalized_at"]
    v2 = {
        name: tuple(_int(step, name) for step in raw.get(name, ()))
        for name in ("failing_steps", "failed_steps")
    }
    kind = V2LifecycleSnapshot if cls is V2Lifecycle else LifecycleSnapshot
    snapshot = kind(
        started_at=number(raw["started_at"], "started_at"),
        workflow_id=_int(raw["workflow_id"], "workflow_id"),
        steps=tuple(_str(step, "step") for step in raw["steps"]),
        pin_expiry=_int(raw["pin_expiry"], "pin_expiry"),
        next_event_wait=_int(raw["next_event_wait"], "next_event_wait"),
        status=VerificationStatus(raw["status"]),
        finalized_at=None if finalized is None else number(finalized, "finalized_at"),
        deliveries=deliveries,
        checks=checks,
        wrong_attempts=_int(raw["wrong_attempts"], "wrong_attempts"),
        code=_str(raw["code"], "code"),
        pin_generated_at=number(raw["pin_generated_at"], "pin_generated_at"),
        **(v2 if cls is V2Lifecycle else {}),
    )
    return cls.restore(snapshot, new_code)


def _check_names(raw: Mapping[str, Any], names: tuple[str, ...], what: str) -> None:
    if set(raw) != set(names):
        raise StateFileError(f"a {what} record has fields {sorted(raw)}, not {sorted(names)}")


class V1Codec:
    """Verify v1 requests (:class:`~desktop_app.sandbox.v1_state.V1Request`)."""

    _names = ("request_id", "spec", "account_id", "created_at", "lifecycle", "event_ids")

    def dump(self, record: V1Request) -> dict[str, Any]:
        """The request as plain data (its spec with every field, the custom PIN too)."""
        return {
            "request_id": record.request_id,
            "spec": asdict(record.spec),
            "account_id": record.account_id,
            "created_at": record.created_at,
            "lifecycle": dump_lifecycle(record.lifecycle),
            "event_ids": list(record.event_ids),
        }

    def load(self, data: Mapping[str, Any], codes: CodeMaker) -> V1Request:
        """The request :meth:`dump` wrote, its code source made anew."""
        _check_names(data, self._names, "v1")
        spec = plain_dataclass(StartSpec, data["spec"])
        raw = data["lifecycle"]
        last = _str(raw["code"], "code")
        new_code = codes.for_request(spec.code_length, spec.pin_code, last=last)
        return V1Request(
            request_id=_str(data["request_id"], "request_id"),
            spec=spec,
            account_id=_str(data["account_id"], "account_id"),
            created_at=number(data["created_at"], "created_at"),
            lifecycle=load_lifecycle(Lifecycle, raw, new_code),
            event_ids=[_str(e, "event id") for e in data["event_ids"]],
        )

    def finished_at(self, record: V1Request) -> float | None:
        """When the request ended (None while it is live)."""
        return record.lifecycle.finalized_at


class V2Codec:
    """Verify v2 requests (:class:`~desktop_app.sandbox.v2_state.V2Request`)."""

    _names = tuple(f.name for f in fields(V2Request))

    def dump(self, record: V2Request) -> dict[str, Any]:
        """The request as plain data (its workflow's channels as objects)."""
        out = {name: getattr(record, name) for name in self._names}
        out["spec"] = asdict(record.spec)
        out["lifecycle"] = dump_lifecycle(record.lifecycle)
        return out

    def load(self, data: Mapping[str, Any], codes: CodeMaker) -> V2Request:
        """The request :meth:`dump` wrote, its code source made anew."""
        _check_names(data, self._names, "v2")
        raw_spec = data["spec"]
        if not isinstance(raw_spec, dict) or not isinstance(raw_spec.get("workflow"), list):
            raise StateFileError("a v2 spec has no workflow list")
        workflow = tuple(plain_dataclass(ChannelSpec, c) for c in raw_spec["workflow"])
        spec = plain_dataclass(V2Spec, raw_spec, workflow=workflow)
        raw = data["lifecycle"]
        last = _str(raw["code"], "code")
        new_code = codes.for_request(spec.code_length, spec.code, last=last)
        check_url = data["check_url"]
        return V2Request(
            request_id=_str(data["request_id"], "request_id"),
            spec=spec,
            account=_str(data["account"], "account"),
            created_at=number(data["created_at"], "created_at"),
            lifecycle=load_lifecycle(V2Lifecycle, raw, new_code),
            check_url=None if check_url is None else _str(check_url, "check_url"),
            recorded=_int(data["recorded"], "recorded"),
            summarised=_bool(data["summarised"], "summarised"),
        )

    def finished_at(self, record: V2Request) -> float | None:
        """When the request ended (None while it is live)."""
        return record.lifecycle.finalized_at


class MessagesCodec:
    """Messages API messages (:class:`~desktop_app.sandbox.messages_records.MessageRecord`)."""

    def dump(self, record: MessageRecord) -> dict[str, Any]:
        """The message as its own JSON form."""
        return record.to_json()

    def load(self, data: Any, codes: CodeMaker) -> MessageRecord:
        """The message :meth:`dump` wrote."""
        if not isinstance(data, dict):
            raise StateFileError("a message record is not a JSON object")
        return MessageRecord.from_json(data)

    def finished_at(self, record: MessageRecord) -> float | None:
        """When its last status event was played (None while events are still due)."""
        if record.planned:
            return None
        return record.events[-1].at if record.events else record.created_at


class WindowsCodec:
    """The WhatsApp windows: customer number -> when they last wrote in (simulated seconds)."""

    def dump(self, record: float) -> float:
        """The time itself."""
        return record

    def load(self, data: Any, codes: CodeMaker) -> float:
        """The time :meth:`dump` wrote."""
        return number(data, "a WhatsApp window")

    def finished_at(self, record: float) -> float | None:
        """When the customer wrote (the newest windows are kept)."""
        return record


def record_codecs() -> dict[str, RecordCodec]:
    """Table -> codec, for every table the composed sandbox's engines keep."""
    return {
        "v1": V1Codec(),
        "v2": V2Codec(),
        "messages": MessagesCodec(),
        WINDOWS_TABLE: WindowsCodec(),
    }
