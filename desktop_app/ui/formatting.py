"""Display helpers shared by the window's widgets: numbers, ids, statuses, money, times.

Everything here is pure formatting: no widget state, no I/O. Colours are picked per palette so
status text stays readable on a light and on a dark theme.

Presenter mode (View > Presenter mode) goes through here: every view formats a phone number
with :func:`format_number` and a request id with :func:`format_request_id`, passing ``mask``
when the mode is on, and free text that may hold a number (a server's words under "Details")
through :func:`mask_text`. The masking itself is the domain's (``domain.redact``): the last four
digits of a number, the two ends of an id. Copy actions copy the real values, never these.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from PySide6.QtGui import QColor, QGuiApplication, QPalette

from desktop_app.domain.models import HistoryEntry, VerificationStatus
from desktop_app.domain.phone import display_number
from desktop_app.domain.redact import mask_number, mask_request_id, redact_numbers
from desktop_app.domain.workflows import DEFAULT_WORKFLOW_ID, WORKFLOWS

#: Placeholder shown for a value that is not known (yet).
MISSING = "—"
#: What stands for the hidden digits of a masked number (``+••• 0123``).
NUMBER_MASK = "••• "

# (light palette, dark palette) foreground colours per status.
_STATUS_COLOURS: dict[str, tuple[str, str]] = {
    VerificationStatus.IN_PROGRESS: ("#0b5cad", "#7cb8ff"),
    VerificationStatus.SUCCESS: ("#1b7a2b", "#6fdc82"),
    VerificationStatus.FAILED: ("#b3261e", "#ff8a80"),
    VerificationStatus.EXPIRED: ("#8a5a00", "#ffc46b"),
    VerificationStatus.CANCELLED: ("#5f6368", "#b0b5ba"),
    VerificationStatus.UNKNOWN: ("#8a4fbf", "#d0a8ff"),
    VerificationStatus.REFUSED: ("#b3261e", "#ff8a80"),
    VerificationStatus.NOT_SENT: ("#5f6368", "#b0b5ba"),
    VerificationStatus.UNKNOWN_TO_SERVER: ("#5f6368", "#b0b5ba"),
}

_STATUS_TEXT: dict[str, str] = {
    VerificationStatus.IN_PROGRESS: "In progress",
    VerificationStatus.SUCCESS: "Verified",
    VerificationStatus.FAILED: "Failed",
    VerificationStatus.EXPIRED: "Expired",
    VerificationStatus.CANCELLED: "Cancelled",
    VerificationStatus.UNKNOWN: "Outcome unknown",
    VerificationStatus.REFUSED: "Refused",
    VerificationStatus.NOT_SENT: "Not sent",
    VerificationStatus.UNKNOWN_TO_SERVER: "Unknown to the server",
}


def format_number(number: str, *, mask: bool = False) -> str:
    """Format an E.164 number for display; in presenter mode only its last four digits.

    Args:
        number: E.164 digits, with or without the leading ``+``.
        mask: Presenter mode: keep only the last four digits (``+••• 0123``), through the
            domain's one masking function.

    Returns:
        The international format (``+44 7700 900123``), or the input with a ``+`` when it
        cannot be parsed.
    """
    if "@" in number:  # a Verify v2 email channel's address: shown as it is
        return number
    if mask:
        return mask_number(f"+{number.strip().lstrip('+')}", mask=NUMBER_MASK)
    return display_number(number)


def format_request_id(request_id: str | None, *, mask: bool = False) -> str:
    """A request id as shown: whole, or (presenter mode) only its two ends (``8049…ef02``)."""
    if not request_id:
        return MISSING
    return mask_request_id(request_id) if mask else request_id


def mask_text(text: str, *, mask: bool = True) -> str:
    """Free text (a server's words, a stored error) with every number cut to its last four."""
    return redact_numbers(text, mask=NUMBER_MASK) if mask and text else text


#: A check's outcome (the API's word) in plain words.
_CHECK_TEXT = {"VALID": "right code", "INVALID": "wrong code"}


def check_text(outcome: str) -> str:
    """A check's outcome as a person says it (``VALID`` → "right code")."""
    return _CHECK_TEXT.get(outcome, outcome.lower())


def status_text(status: str) -> str:
    """A person's wording of a status (unknown API values are shown verbatim)."""
    return _STATUS_TEXT.get(status, status.title() if status else MISSING)


def palette_is_dark(palette: QPalette | None = None) -> bool:
    """True when the palette's base (view background) colour is dark."""
    pal = palette if palette is not None else QGuiApplication.palette()
    return pal.color(QPalette.ColorRole.Base).lightness() < 128


def status_color(status: str, *, dark: bool | None = None) -> QColor:
    """The foreground colour of a status, readable on the current (or given) palette.

    Args:
        status: A ``VerificationStatus`` value or any text the API sent.
        dark: Force the dark (True) or light (False) variant; None asks the app palette.
    """
    is_dark = palette_is_dark() if dark is None else dark
    light, dark_variant = _STATUS_COLOURS.get(status, ("#3c4043", "#dadce0"))
    return QColor(dark_variant if is_dark else light)


def workflow_text(workflow_id: int | None) -> str:
    """Describe a workflow id ("SMS, then call, then call"); None is the API default."""
    wf_id = DEFAULT_WORKFLOW_ID if workflow_id is None else workflow_id
    workflow = WORKFLOWS.get(wf_id)
    if workflow is None:
        return f"Workflow {wf_id}"
    suffix = " (default)" if workflow_id is None else ""
    return f"{workflow.id}: {workflow.description}{suffix}"


#: How the Verify v2 channels are named on screen.
V2_CHANNEL_NAMES: dict[str, str] = {
    "sms": "SMS",
    "whatsapp": "WhatsApp",
    "voice": "Voice call",
    "email": "Email",
    "silent_auth": "Silent auth",
}


def v2_channels_text(channels: str) -> str:
    """``"SMS → Voice call"`` for the history's ``"sms,voice"``."""
    names = [c.strip() for c in channels.split(",") if c.strip()]
    return " → ".join(V2_CHANNEL_NAMES.get(c, c) for c in names) or MISSING


#: Short channel names for the table's workflow column.
_STEP_SHORT: dict[str, str] = {"sms": "SMS", "tts": "Call"}
V2_CHANNEL_SHORT: dict[str, str] = {
    "sms": "SMS",
    "whatsapp": "WhatsApp",
    "voice": "Voice",
    "email": "Email",
    "silent_auth": "Silent auth",
    # Messages API channels (a message row's legs).
    "mms": "MMS",
    "viber_service": "Viber",
    "messenger": "Messenger",
}
#: Joins the steps of a workflow in the table's short form (``SMS→Call→Call``).
STEP_ARROW = "→"


def entry_workflow_short(entry: HistoryEntry) -> str:
    """The table's compact workflow text: ``SMS→Call→Call``, or v2's ``SMS→Voice``.

    The long form (``entry_workflow_text``) is the cell's tooltip.
    """
    if entry.api_version in ("v2", "messages"):
        names = [c.strip() for c in entry.channels.split(",") if c.strip()]
        return STEP_ARROW.join(V2_CHANNEL_SHORT.get(c, c) for c in names) or MISSING
    wf_id = DEFAULT_WORKFLOW_ID if entry.workflow_id is None else entry.workflow_id
    workflow = WORKFLOWS.get(wf_id)
    if workflow is None:
        return f"Workflow {wf_id}"
    return STEP_ARROW.join(_STEP_SHORT.get(step, step) for step in workflow.steps)


def entry_workflow_text(entry: HistoryEntry) -> str:
    """The workflow column of a history row: v1's workflow, or ``"v2: SMS → Voice call"``."""
    if entry.api_version == "v2":
        return f"v2: {v2_channels_text(entry.channels)}"
    if entry.api_version == "messages":  # a message and its failover legs
        names = [c.strip() for c in entry.channels.split(",") if c.strip()]
        return "Message by " + ", then ".join(V2_CHANNEL_SHORT.get(c, c) for c in names)
    return workflow_text(entry.workflow_id)


def format_money(amount: Decimal | None, currency: str = "") -> str:
    """Format a price: at least two decimals, trailing zeros dropped (``0.04675 EUR``)."""
    if amount is None:
        return MISSING
    normal = amount.normalize()
    exponent = normal.as_tuple().exponent
    places = max(2, -exponent) if isinstance(exponent, int) else 2
    text = f"{amount:.{places}f}"
    return f"{text} {currency}".strip()


def format_duration(seconds: float) -> str:
    """Format a duration the way the countdowns read: ``45 s``, ``2 min 05 s``, ``1 h 02 min``.

    Negative durations are shown as ``0 s``.
    """
    total = max(0, int(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes:02d} min"
    if minutes:
        return f"{minutes} min {secs:02d} s"
    return f"{secs} s"


def as_utc(moment: datetime) -> datetime:
    """Return an aware UTC datetime; naive values are taken to be UTC (as the API sends)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def format_datetime(moment: datetime | None) -> str:
    """Format a moment in local time, to the second; None gives the missing placeholder."""
    if moment is None:
        return MISSING
    return as_utc(moment).astimezone().strftime("%Y-%m-%d %H:%M:%S")


def local_date(moment: datetime) -> date:
    """The local calendar date of a moment (naive values are UTC)."""
    return as_utc(moment).astimezone().date()


def format_datetime_compact(moment: datetime | None, today: date) -> str:
    """A table-width moment in local time: ``01:02:51`` on ``today``, else ``11-27 18:04``.

    Args:
        moment: The moment (aware, or naive UTC); None gives the missing placeholder.
        today: The local date that counts as today.
    """
    if moment is None:
        return MISSING
    local = as_utc(moment).astimezone()
    if local.date() == today:
        return local.strftime("%H:%M:%S")
    return local.strftime("%m-%d %H:%M")
