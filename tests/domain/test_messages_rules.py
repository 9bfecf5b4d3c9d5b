"""Messages API rules: each refusal names its field path; each limit's edge is accepted.

``REFUSALS`` is the one table of bad requests: ``tests/api/test_messages_client.py`` sends each
through the client to show that nothing reaches the transport.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from desktop_app.domain.errors import ValidationFailed
from desktop_app.domain.messages import (
    MESSENGER,
    MMS,
    SMS,
    VIBER,
    WHATSAPP,
    Audio,
    Custom,
    File,
    Image,
    MessageRequest,
    MessengerOptions,
    SmsOptions,
    Template,
    Text,
    VCard,
    ViberAction,
    ViberOptions,
    Video,
    WhatsAppAuthTemplate,
    WhatsAppOptions,
    channel_named,
    content_text,
)
from desktop_app.domain.messages_fields import message_field_error
from desktop_app.domain.messages_validation import message_errors, validate_message
from tests.helpers.messages_requests import (
    CA,
    MEDIA,
    UK,
    US,
    VIDEO_OPTS,
    messenger,
    mms,
    sms,
    viber,
    whatsapp,
)

HTTPS = MEDIA + ".png"

#: (case id, bad request, the path refused, a word of the message)
REFUSALS: list[tuple[str, MessageRequest, str, str]] = [
    # text lengths per channel
    ("sms-text-1001", sms("x" * 1001), "text", "1000"),
    ("sms-text-empty", sms("  "), "text", "required"),
    ("whatsapp-text-4097", whatsapp(Text("x" * 4097)), "text", "4096"),
    ("viber-text-1001", viber(Text("x" * 1001)), "text", "1000"),
    ("messenger-text-641", messenger(Text("x" * 641)), "text", "640"),
    # MMS only to the US and Canada
    ("mms-to-uk", mms(UK), "to", "United States or Canada"),
    ("mms-to-jamaica", mms("18768764567"), "to", "JM"),
    # Messenger ids
    ("messenger-to-empty", replace(messenger(), to=""), "to", "required"),
    ("messenger-to-51", replace(messenger(), to="1" * 51), "to", "50"),
    ("messenger-from-51", replace(messenger(), from_="1" * 51), "from", "50"),
    ("messenger-to-space", replace(messenger(), to="12 34"), "to", "spaces"),
    (
        "messenger-tag-missing",
        messenger(messenger=MessengerOptions("message_tag")),
        "messenger.tag",
        "required",
    ),
    (
        "messenger-category",
        messenger(messenger=MessengerOptions("promo")),
        "messenger.category",
        "response",
    ),
    ("messenger-caption", messenger(Image(HTTPS, "hi")), "image.caption", "no caption"),
    # Viber
    (
        "viber-ttl-29",
        viber(viber_service=ViberOptions(ttl=29)),
        "viber_service.ttl",
        "30 to 259200",
    ),
    (
        "viber-ttl-259201",
        viber(viber_service=ViberOptions(ttl=259201)),
        "viber_service.ttl",
        "259200",
    ),
    (
        "viber-action-text-31",
        viber(viber_service=ViberOptions(action=ViberAction(HTTPS, "x" * 31))),
        "viber_service.action.text",
        "30",
    ),
    (
        "viber-image-action-no-caption",
        viber(Image(HTTPS), viber_service=ViberOptions(action=ViberAction(HTTPS, "Open"))),
        "image.caption",
        "action button",
    ),
    (
        "viber-category",
        viber(viber_service=ViberOptions(category="spam")),
        "viber_service.category",
        "transaction",
    ),
    (
        "viber-video-thumb",
        viber(Video(HTTPS), viber_service=VIDEO_OPTS),
        "video.thumb_url",
        "required",
    ),
    (
        "viber-video-duration",
        viber(Video(HTTPS, thumb_url=HTTPS)),
        "viber_service.duration",
        "required",
    ),
    (
        "viber-video-size-201",
        viber(Video(HTTPS, thumb_url=HTTPS), viber_service=ViberOptions(duration=3, file_size=201)),
        "viber_service.file_size",
        "200",
    ),
    ("viber-file-name-26", viber(File(HTTPS, name="x" * 22 + ".pdf" + "x")), "file.name", "25"),
    ("viber-from-empty", replace(viber(), from_=""), "from", "required"),
    ("viber-top-ttl", viber(ttl=600), "ttl", "viber_service.ttl"),
    # client_ref
    ("client-ref-101", sms(client_ref="r" * 101), "client_ref", "100"),
    ("client-ref-newline", sms(client_ref="a\nb"), "client_ref", "control"),
    # phone channels in E.164 digits
    ("to-plus", replace(sms(), to="+447700900123"), "to", "leading +"),
    ("to-00", replace(sms(), to="00447700900123"), "to", "leading 00"),
    ("to-national", replace(sms(), to="07700900123"), "to", "international"),
    ("to-letters", replace(sms(), to="44770090ABC"), "to", "international format"),
    ("to-short", replace(sms(), to="12345"), "to", "international format"),
    ("whatsapp-to-plus", replace(whatsapp(), to="+447700900123"), "to", "leading +"),
    ("whatsapp-from-name", replace(whatsapp(), from_="Acme"), "from", "WhatsApp Business number"),
    ("sms-from-12", replace(sms(), from_="AcmeParcels1"), "from", "1 to 11"),
    ("sms-from-symbol", replace(sms(), from_="Acme!"), "from", "sender id"),
    ("mms-from-name", replace(mms(), from_="Acme"), "from", "number"),
    # media URLs https
    ("image-http", whatsapp(Image("http://example.com/a.png")), "image.url", "https://"),
    ("audio-empty", whatsapp(Audio("")), "audio.url", "required"),
    ("vcard-http", mms(content=VCard("http://example.com/a.vcf")), "vcard.url", "https://"),
    ("file-long", whatsapp(File("https://example.com/" + "a" * 2000)), "file.url", "2000"),
    # what each channel and type takes
    ("sms-image", MessageRequest(SMS, UK, "Acme", Image(HTTPS)), "message_type", "text"),
    ("mms-text", mms(content=Text("hi")), "message_type", "image"),
    ("messenger-template", messenger(Template("t")), "message_type", "text"),
    ("channel", replace(sms(), channel="rcs"), "channel", "sms, mms"),
    (
        "sms-with-messenger-options",
        sms(messenger=MessengerOptions("update")),
        "messenger",
        "no messenger",
    ),
    ("whatsapp-options-on-text", whatsapp(whatsapp=WhatsAppOptions()), "whatsapp", "template"),
    ("audio-caption-whatsapp", whatsapp(Audio(HTTPS, "hi")), "audio.caption", "no caption"),
    ("mms-caption-2001", mms(content=Image(HTTPS, "c" * 2001)), "image.caption", "2000"),
    # ttl, webhooks
    ("sms-ttl-19", sms(ttl=19), "ttl", "20 to 604800"),
    ("mms-ttl-299", mms(ttl=299), "ttl", "300 to 259200"),
    ("whatsapp-ttl", whatsapp(ttl=600), "ttl", "takes no ttl"),
    ("webhook-version", sms(webhook_version="v2"), "webhook_version", "v0.1, v1"),
    ("webhook-url", sms(webhook_url="ftp://example.com/x"), "webhook_url", "http"),
    # sms options
    ("sms-encoding", sms(sms=SmsOptions(encoding_type="utf8")), "sms.encoding_type", "unicode"),
    ("sms-entity-id", sms(sms=SmsOptions(entity_id="12ab")), "sms.entity_id", "digits"),
    # WhatsApp templates
    ("template-name", whatsapp(Template(" ")), "template.name", "required"),
    (
        "template-param-newline",
        whatsapp(Template("t", ("a\nb",))),
        "template.parameters[0]",
        "line breaks",
    ),
    (
        "template-locale",
        whatsapp(Template("t"), whatsapp=WhatsAppOptions("english")),
        "whatsapp.locale",
        "en_US",
    ),
    (
        "template-policy",
        whatsapp(Template("t"), whatsapp=WhatsAppOptions(policy="fallback")),
        "whatsapp.policy",
        "deterministic",
    ),
    (
        "auth-template-code",
        whatsapp(WhatsAppAuthTemplate("auth_code", "12ab")),
        "custom.template.components[0].parameters[0].text",
        "4 to 10 digits",
    ),
    ("custom-empty", whatsapp(Custom({})), "custom", "JSON object"),
    # failover
    ("failover-text", sms(failover=(whatsapp(Text("x" * 4097)),)), "failover[0].text", "4096"),
    (
        "failover-to",
        whatsapp(failover=(replace(sms(), to="+447700900123"),)),
        "failover[0].to",
        "+",
    ),
    (
        "failover-nested",
        whatsapp(failover=(sms(failover=(sms(),)),)),
        "failover[0].failover",
        "no failover",
    ),
    (
        "failover-second-messenger-tag",
        whatsapp(failover=(sms(), messenger(messenger=MessengerOptions("message_tag")))),
        "failover[1].messenger.tag",
        "required",
    ),
]


@pytest.mark.parametrize(
    ("request_", "path", "word"),
    [pytest.param(r, p, w, id=i) for i, r, p, w in REFUSALS],
)
def test_each_rule_refuses_naming_its_field_path(
    request_: MessageRequest, path: str, word: str
) -> None:
    errors = message_errors(request_)
    named = [e for e in errors if e.field == path]
    assert named, f"expected a problem at {path!r}, got {[str(e) for e in errors]}"
    assert word in named[0].message
    with pytest.raises(ValidationFailed) as caught:
        validate_message(request_)
    assert path in {e.field for e in caught.value.errors}


GOOD: list[tuple[str, MessageRequest]] = [
    ("sms-1000", sms("x" * 1000)),
    ("sms-number-sender", replace(sms(), from_="447700900001")),
    ("sms-short-code", replace(sms(), from_="12345")),
    ("sms-sender-id-with-space", replace(sms(), from_="Acme Bank")),
    (
        "sms-all-options",
        sms(ttl=604800, client_ref="r" * 100, sms=SmsOptions("unicode", "1101", "2202", "p1")),
    ),
    ("whatsapp-4096", whatsapp(Text("x" * 4096))),
    ("viber-1000", viber(Text("x" * 1000))),
    ("messenger-640", messenger(Text("x" * 640))),
    ("mms-us", mms(US)),
    ("mms-canada", mms(CA, ttl=300)),
    ("mms-vcard-audio-video", mms(content=VCard("https://example.com/c.vcf"))),
    ("messenger-ids-50", replace(messenger(), to="1" * 50, from_="2" * 50)),
    ("messenger-tag", messenger(messenger=MessengerOptions("message_tag", "ACCOUNT_UPDATE"))),
    ("viber-ttl-edges", viber(viber_service=ViberOptions(ttl=30))),
    ("viber-ttl-max", viber(viber_service=ViberOptions(ttl=259200, category="promotion"))),
    ("viber-action-30", viber(viber_service=ViberOptions(action=ViberAction(HTTPS, "x" * 30)))),
    (
        "viber-image-button",
        viber(Image(HTTPS, "See"), viber_service=ViberOptions(action=ViberAction(HTTPS, "Go"))),
    ),
    ("viber-video", viber(Video(HTTPS, "clip", HTTPS), viber_service=VIDEO_OPTS)),
    ("viber-file", viber(File(HTTPS, name="terms.pdf"))),
    (
        "whatsapp-template",
        whatsapp(
            Template("ns:verify", ("Acme", "1234")), whatsapp=WhatsAppOptions("de", "deterministic")
        ),
    ),
    ("whatsapp-auth", whatsapp(WhatsAppAuthTemplate("auth_code", "123456", "en"))),
    ("whatsapp-file", whatsapp(File(HTTPS, "Invoice", "invoice.pdf"))),
    ("webhooks", sms(webhook_url="http://127.0.0.1:8000/status", webhook_version="v1")),
    ("failover", whatsapp(client_ref="c", failover=(sms(), viber()))),
]


@pytest.mark.parametrize("request_", [pytest.param(r, id=i) for i, r in GOOD])
def test_valid_requests_pass_every_rule(request_: MessageRequest) -> None:
    assert message_errors(request_) == []
    assert validate_message(request_) is request_


def test_refusals_never_echo_the_text_or_the_code() -> None:
    secret_text = "Your code is 918273"
    errors = message_errors(
        replace(whatsapp(WhatsAppAuthTemplate("a", "9182x")), failover=(sms(secret_text * 80),))
    )
    assert errors
    assert all("9182" not in str(e) and "918273" not in str(e) for e in errors)


def test_a_plus_one_number_outside_the_known_ranges_may_still_get_mms() -> None:
    # Only the API can tell whether an unassigned +1 range is American or Canadian.
    assert message_errors(mms("11005550123")) == []


@pytest.mark.parametrize(
    ("path", "value", "channel", "context", "word"),
    [
        ("text", "x" * 641, MESSENGER, {}, "640"),
        ("to", "+447700900123", SMS, {}, "+"),
        ("failover[2].to", UK, MMS, {}, "United States"),
        ("from", "Acme", WHATSAPP, {}, "WhatsApp Business"),
        ("messenger.tag", "", MESSENGER, {"category": "message_tag"}, "required"),
        ("viber_service.ttl", "29", VIBER, {}, "30 to 259200"),
        ("viber_service.action.text", "x" * 31, VIBER, {}, "30"),
        ("client_ref", "r" * 101, SMS, {}, "100"),
        ("ttl", "10", SMS, {}, "20 to 604800"),
        ("image.url", "http://example.com/a.png", WHATSAPP, {}, "https://"),
        ("whatsapp.locale", "english", WHATSAPP, {}, "en_US"),
    ],
)
def test_one_field_on_its_own_for_the_inline_checks(
    path: str, value: str, channel: str, context: dict[str, str], word: str
) -> None:
    error = message_field_error(path, value, channel=channel, **context)
    assert error is not None and error.field == path and word in error.message


def test_inline_check_accepts_good_values_and_rejects_unknown_fields() -> None:
    assert message_field_error("text", "hi", channel=SMS) is None
    assert message_field_error("messenger.tag", "", channel=MESSENGER) is None
    assert message_field_error("viber_service.ttl", 600, channel=VIBER) is None
    with pytest.raises(ValueError, match="no Messages rule"):
        message_field_error("colour", "red", channel=SMS)


def test_typed_channel_names_map_to_the_apis() -> None:
    assert channel_named("Viber") == VIBER and channel_named(" sms ") == SMS
    assert channel_named("viber_service") == VIBER and channel_named("facebook") == MESSENGER
    assert channel_named("telegram") is None


@pytest.mark.parametrize(
    ("content", "shown"),
    [
        (Text("Hello"), "Hello"),
        (Template("ns:verify", ("Acme", "4711")), "ns:verify Acme 4711"),
        (WhatsAppAuthTemplate("auth", "123456"), "123456 is your verification code."),
        (Image(HTTPS, "Receipt"), "Receipt"),
        (VCard("https://example.com/c.vcf"), "https://example.com/c.vcf"),
        (Custom({"type": "contacts"}), "(custom WhatsApp message)"),
    ],
)
def test_what_the_handset_shows(content: object, shown: str) -> None:
    assert content_text(content) == shown  # type: ignore[arg-type]


def test_the_code_and_texts_stay_out_of_repr() -> None:
    request = whatsapp(WhatsAppAuthTemplate("auth", "918273"), failover=(sms("code 918273"),))
    assert "918273" not in repr(request)
    assert "4711" not in repr(Template("t", ("4711",))) and "x" not in repr(Custom({"x": 1}))
