"""Field-by-field checks for the window: one field on its own, and the API's reasons at fields.

:func:`message_field_error` runs the rule of one field (by its path, optionally behind
``failover[i].``) for the window's live inline messages, the same rule
:func:`~desktop_app.domain.messages_validation.message_errors` applies to a whole request.
:func:`as_sent` reads a number people wrote (``+44 7700 900123``) as the API's digits, for
the window's fields and the command line's options alike. :func:`api_field_errors` turns a
422's ``invalid_parameters`` into :class:`~desktop_app.domain.errors.FieldError` s on those
same paths, so a refusal from the API and one from a local rule are shown at the same field.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from desktop_app.domain.errors import FieldError
from desktop_app.domain.messages import AUDIO, FILE, IMAGE, PHONE_CHANNELS, VCARD, VIBER, VIDEO
from desktop_app.domain.messages_rules import (
    VIBER_TTL_RANGE,
    check_client_ref,
    check_from,
    check_media_url,
    check_messenger_tag,
    check_template_locale,
    check_template_name,
    check_text,
    check_thumb_url,
    check_to,
    check_ttl,
    check_viber_action_text,
    check_viber_whole,
    check_webhook_url,
    check_webhook_version,
)
from desktop_app.domain.phone import typed_e164_digits
from desktop_app.domain.rule_parts import Checked

__all__ = ["FIELD_RULES", "api_field_errors", "as_sent", "message_field_error"]

_Rule = Callable[[Any, str, str, dict[str, Any]], Checked[Any]]

#: One field's rule on its own, by path without the ``failover[i].`` prefix.
FIELD_RULES: dict[str, _Rule] = {
    "to": lambda v, ch, path, _: check_to(v, channel=ch, path=path),
    "from": lambda v, ch, path, _: check_from(v, channel=ch, path=path),
    "text": lambda v, ch, path, _: check_text(v, channel=ch, path=path),
    "client_ref": lambda v, _ch, path, _: check_client_ref(v or None, path),
    "webhook_url": lambda v, _ch, path, _: check_webhook_url(v, path),
    "webhook_version": lambda v, _ch, path, _: check_webhook_version(v, path),
    "ttl": lambda v, ch, path, _: check_ttl(v, channel=ch, path=path),
    "template.name": lambda v, _ch, path, _: check_template_name(v, path),
    "whatsapp.locale": lambda v, _ch, path, _: check_template_locale(v, path),
    "messenger.tag": lambda v, _ch, path, ctx: check_messenger_tag(
        v, category=ctx.get("category"), path=path
    ),
    "viber_service.ttl": lambda v, _ch, path, _: check_viber_whole(v, path, VIBER_TTL_RANGE),
    "viber_service.action.text": lambda v, _ch, path, _: check_viber_action_text(v, path),
    "video.thumb_url": lambda v, ch, path, _: check_thumb_url(v, channel=ch, path=path),
    **{
        f"{kind}.url": (lambda v, _ch, path, _: check_media_url(v, path))
        for kind in (IMAGE, AUDIO, VIDEO, FILE, VCARD)
    },
}


def message_field_error(
    path: str, value: Any, *, channel: str, **context: Any
) -> FieldError | None:
    """Check one field on its own, for the window's live inline messages.

    Args:
        path: The field's path, optionally behind ``failover[i].`` (``"messenger.tag"``).
        value: The field's value as typed (text; ``ttl`` may be text or a number).
        channel: The channel of the message the field belongs to.
        **context: What the rule also depends on: ``category`` for ``messenger.tag``.

    Returns:
        The field's problem, or ``None`` when it is fine.

    Raises:
        ValueError: ``path`` names no rule (a programming error, not bad input).
    """
    name = path.split("].", 1)[1] if path.startswith("failover[") and "]." in path else path
    rule = FIELD_RULES.get(name)
    if rule is None:
        raise ValueError(f"no Messages rule for field {path!r}")
    error: FieldError | None = rule(value, channel, path, context).error
    return error


def api_field_errors(invalid_parameters: Iterable[tuple[str, str]]) -> list[FieldError]:
    """The API's 422 ``invalid_parameters`` as field problems on the local rules' paths.

    The API names a field as the rules do (``messenger.tag``, ``failover[0].text``), so the
    window can show a refusal from the API exactly where it shows its own. A reason without a
    name goes on ``body``.

    Args:
        invalid_parameters: ``(name, reason)`` pairs, as an ``InvalidParameterError`` keeps them.
    """
    return [
        FieldError(name.strip() or "body", reason.strip() or "refused by the API")
        for name, reason in invalid_parameters
    ]


#: Fields that hold a phone number on a phone channel (Viber's sender is a service id).
_NUMBER_FIELDS = ("to", "from", "failover[0].from")


def as_sent(path: str, text: str, channel: str | None) -> str:
    """A field's text as the API takes it, by the field's path and its message's channel.

    A phone number written ``+44 7700 900123`` or ``0044 7700 900123`` becomes
    ``447700900123``: people copy numbers in that form (the Send page and ``start`` take them).
    """
    numbered = path in _NUMBER_FIELDS and channel in PHONE_CHANNELS
    if numbered and (channel != VIBER or path == "to"):
        return typed_e164_digits(text)
    return text
