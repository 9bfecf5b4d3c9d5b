"""The Message composer's Qt-free rules of form: the rows each choice needs, the request built."""

from __future__ import annotations

from desktop_app.domain.messages import (
    IMAGE,
    MESSENGER,
    SMS,
    TEMPLATE,
    TEXT,
    VIBER,
    WHATSAPP,
    Image,
    Template,
    Text,
)
from desktop_app.ui.message_form import FAILOVER_CHANNELS, build_request, field_shown


def test_only_the_rows_a_choice_needs_show() -> None:
    assert field_shown("text", SMS, TEXT, None)
    assert not field_shown("media.url", SMS, TEXT, None)
    assert field_shown("media.url", WHATSAPP, IMAGE, None)
    assert field_shown("template.name", WHATSAPP, TEMPLATE, None)
    assert not field_shown("text", WHATSAPP, TEMPLATE, None)
    assert field_shown("viber_service.ttl", VIBER, TEXT, None)
    assert not field_shown("viber_service.ttl", SMS, TEXT, None)
    assert field_shown("messenger.tag", MESSENGER, TEXT, None)
    assert not field_shown("failover[0].text", WHATSAPP, TEXT, None)
    assert field_shown("failover[0].text", WHATSAPP, TEXT, SMS)
    assert "mms" not in FAILOVER_CHANNELS  # MMS carries no text


def test_the_request_is_what_the_rows_say() -> None:
    rows = {"to": " 447700900401 ", "from": "447700900001", "template.name": "acme:hi",
            "template.parameters": "Ann\n\n A-1 \n", "whatsapp.locale": ""}  # fmt: skip
    request = build_request(lambda path: rows.get(path, ""), WHATSAPP, TEMPLATE, None)
    assert request.to == "447700900401" and request.content == Template("acme:hi", ("Ann", "A-1"))
    assert request.whatsapp is not None and request.whatsapp.locale == "en_US"
    viber = build_request(lambda path: {"viber_service.ttl": "soon", "text": "Hi"}.get(path, ""),
                          VIBER, TEXT, None)  # fmt: skip
    assert viber.viber_service is not None and viber.viber_service.ttl is None
    image = build_request(lambda path: {"media.url": "https://x/a.png"}.get(path, ""),
                          WHATSAPP, IMAGE, SMS)  # fmt: skip
    assert image.content == Image("https://x/a.png", None)
    assert [leg.channel for leg in image.legs] == [WHATSAPP, SMS]
    assert isinstance(image.failover[0].content, Text)
