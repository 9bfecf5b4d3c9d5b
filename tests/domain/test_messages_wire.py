"""Messages API bodies: valid against the official spec, equal to the official SDK's, readable back.

``tests/data/messages-olympus.yml`` is a byte-for-byte copy of the Messages API v1 spec
(``shared/specs/messages-olympus.yml``, info.version 1.4.0, from Nexmo/api-specification).
Two known defects of that file are patched before bodies are checked against it, each below
with its reason; nothing else is changed.
"""

from __future__ import annotations

import copy
import json
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import jsonschema
import pytest
import yaml
from vonage_messages import Messages  # type: ignore[import-untyped]
from vonage_messages import models as sdk  # type: ignore[import-untyped]

from desktop_app.domain.errors import ValidationFailed
from desktop_app.domain.messages import (
    SMS,
    VIBER,
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
)
from desktop_app.domain.messages_read import parse_message_body
from desktop_app.domain.messages_wire import auth_template_payload, message_body
from tests.helpers.messages_requests import (
    MEDIA,
    MMS_FROM,
    PAGE,
    PSID,
    UK,
    US,
    VIBER_FROM,
    VIDEO_OPTS,
    WABA,
    messenger,
    mms,
    sms,
    viber,
    whatsapp,
)

SPEC = Path(__file__).resolve().parent.parent / "data" / "messages-olympus.yml"


@pytest.fixture(scope="module")
def spec_validator() -> jsonschema.Draft4Validator:
    spec = yaml.safe_load(SPEC.read_text(encoding="utf-8"))
    components = copy.deepcopy(spec["components"])
    # Defect 1: baseMessageType requires "message", the v0.1 nested body's key; v1 bodies are
    # flat and have none (the spec's own examples and the SDK send none).
    base = components["schemas"]["baseMessageType"]
    base["required"] = [key for key in base["required"] if key != "message"]
    request = spec["paths"]["/"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    request = copy.deepcopy(request)

    # Defect 2: the Viber video branch requires `duration` and `file_size` inside `video`,
    # while its own channelOptionsViberVideo (and the SDK) put them in `viber_service`.
    def patch(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("required") == ["url", "duration", "file_size", "thumb_url"]:
                node["required"] = ["url", "thumb_url"]
            for value in node.values():
                patch(value)
        elif isinstance(node, list):
            for value in node:
                patch(value)

    patch(request)
    return jsonschema.Draft4Validator({**request, "components": components})


def _valid(validator: jsonschema.Draft4Validator, body: dict[str, Any]) -> None:
    legs = [{k: v for k, v in body.items() if k != "failover"}, *body.get("failover", [])]
    for leg in legs:
        problems = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(leg)]
        assert not problems, problems


#: (id, request, the SDK model of the same message or None when the SDK has no model for it)
CASES: list[tuple[str, MessageRequest, Any]] = [
    (
        "sms-text",
        sms("Hello", client_ref="r1", ttl=600),
        sdk.Sms(to=UK, from_="Acme", text="Hello", client_ref="r1", ttl=600),
    ),
    (
        "sms-options-webhook",
        MessageRequest(
            SMS,
            UK,
            "447700900001",
            Text("Héllo"),
            webhook_url="https://example.com/status",
            webhook_version="v1",
            sms=SmsOptions("unicode", "1101", "2202"),
        ),
        sdk.Sms(
            to=UK,
            from_="447700900001",
            text="Héllo",
            webhook_url="https://example.com/status",
            webhook_version="v1",
            sms=sdk.SmsOptions(encoding_type="unicode", entity_id="1101", content_id="2202"),
        ),
    ),
    (
        "mms-image",
        mms(US, Image(MEDIA + ".png", "Look")),
        sdk.MmsImage(
            to=US, from_=MMS_FROM, image=sdk.MmsResource(url=MEDIA + ".png", caption="Look")
        ),
    ),
    (
        "mms-vcard",
        mms(US, VCard(MEDIA + ".vcf"), ttl=300),
        sdk.MmsVcard(to=US, from_=MMS_FROM, vcard=sdk.MmsResource(url=MEDIA + ".vcf"), ttl=300),
    ),
    (
        "mms-audio",
        mms(US, Audio(MEDIA + ".mp3")),
        sdk.MmsAudio(to=US, from_=MMS_FROM, audio=sdk.MmsResource(url=MEDIA + ".mp3")),
    ),
    (
        "mms-video",
        mms(US, Video(MEDIA + ".mp4", "Clip")),
        sdk.MmsVideo(
            to=US, from_=MMS_FROM, video=sdk.MmsResource(url=MEDIA + ".mp4", caption="Clip")
        ),
    ),
    (
        "whatsapp-text",
        whatsapp(Text("Your reference is 4711")),
        sdk.WhatsappText(to=UK, from_=WABA, text="Your reference is 4711"),
    ),
    (
        "whatsapp-image",
        whatsapp(Image(MEDIA + ".jpg", "Receipt")),
        sdk.WhatsappImage(
            to=UK,
            from_=WABA,
            image=sdk.WhatsappImageResource(url=MEDIA + ".jpg", caption="Receipt"),
        ),
    ),
    (
        "whatsapp-audio",
        whatsapp(Audio(MEDIA + ".mp3")),
        sdk.WhatsappAudio(to=UK, from_=WABA, audio=sdk.WhatsappAudioResource(url=MEDIA + ".mp3")),
    ),
    (
        "whatsapp-video",
        whatsapp(Video(MEDIA + ".mp4", "Clip")),
        sdk.WhatsappVideo(
            to=UK, from_=WABA, video=sdk.WhatsappVideoResource(url=MEDIA + ".mp4", caption="Clip")
        ),
    ),
    (
        "whatsapp-file",
        whatsapp(File(MEDIA + ".pdf", "Invoice", "invoice.pdf")),
        sdk.WhatsappFile(
            to=UK,
            from_=WABA,
            file=sdk.WhatsappFileResource(
                url=MEDIA + ".pdf", caption="Invoice", name="invoice.pdf"
            ),
        ),
    ),
    (
        "whatsapp-template-default-locale",
        whatsapp(Template("ns:verify", ("Acme", "4711"))),
        sdk.WhatsappTemplate(
            to=UK,
            from_=WABA,
            template=sdk.WhatsappTemplateResource(name="ns:verify", parameters=["Acme", "4711"]),
        ),
    ),
    (
        "whatsapp-template-locale-policy",
        whatsapp(Template("ns:hello"), whatsapp=WhatsAppOptions("de", "deterministic")),
        sdk.WhatsappTemplate(
            to=UK,
            from_=WABA,
            template=sdk.WhatsappTemplateResource(name="ns:hello"),
            whatsapp=sdk.WhatsappTemplateSettings(locale="de", policy="deterministic"),
        ),
    ),
    (
        "whatsapp-auth-template",
        whatsapp(WhatsAppAuthTemplate("auth_code", "123456", "en")),
        sdk.WhatsappCustom(
            to=UK, from_=WABA, custom=auth_template_payload("auth_code", "123456", "en")
        ),
    ),
    (
        "whatsapp-custom",
        whatsapp(Custom({"type": "contacts", "contacts": [{"name": {"first_name": "A"}}]})),
        sdk.WhatsappCustom(
            to=UK,
            from_=WABA,
            custom={"type": "contacts", "contacts": [{"name": {"first_name": "A"}}]},
        ),
    ),
    (
        "viber-text-button",
        viber(
            Text("Sale"),
            viber_service=ViberOptions("promotion", 600, "string", ViberAction(MEDIA, "Open")),
        ),
        sdk.ViberText(
            to=UK,
            from_=VIBER_FROM,
            text="Sale",
            viber_service=sdk.ViberTextOptions(
                category="promotion",
                ttl=600,
                type="string",
                action=sdk.ViberAction(url=MEDIA, text="Open"),
            ),
        ),
    ),
    (
        "viber-image",
        viber(Image(MEDIA + ".png", "See")),
        sdk.ViberImage(
            to=UK, from_=VIBER_FROM, image=sdk.ViberImageResource(url=MEDIA + ".png", caption="See")
        ),
    ),
    (
        "viber-video",
        viber(Video(MEDIA + ".mp4", "Clip", MEDIA + ".jpg"), viber_service=VIDEO_OPTS),
        sdk.ViberVideo(
            to=UK,
            from_=VIBER_FROM,
            video=sdk.ViberVideoResource(
                url=MEDIA + ".mp4", caption="Clip", thumb_url=MEDIA + ".jpg"
            ),
            viber_service=sdk.ViberVideoOptions(duration="30", file_size="5"),
        ),
    ),
    (
        "viber-file",
        viber(File(MEDIA + ".pdf", name="terms.pdf")),
        sdk.ViberFile(
            to=UK,
            from_=VIBER_FROM,
            file=sdk.ViberFileResource(url=MEDIA + ".pdf", name="terms.pdf"),
        ),
    ),
    (
        "messenger-text-tag",
        messenger(Text("Updated"), messenger=MessengerOptions("message_tag", "ACCOUNT_UPDATE")),
        sdk.MessengerText(
            to=PSID,
            from_=PAGE,
            text="Updated",
            messenger=sdk.MessengerOptions(category="message_tag", tag="ACCOUNT_UPDATE"),
        ),
    ),
    (
        "messenger-image",
        messenger(Image(MEDIA + ".gif")),
        sdk.MessengerImage(to=PSID, from_=PAGE, image=sdk.MessengerResource(url=MEDIA + ".gif")),
    ),
    (
        "messenger-audio-video-file",
        messenger(File(MEDIA + ".zip")),
        sdk.MessengerFile(to=PSID, from_=PAGE, file=sdk.MessengerResource(url=MEDIA + ".zip")),
    ),
]

FAILOVER = whatsapp(
    Text("Hello"),
    client_ref="c-1",
    webhook_url="https://example.com/wa",
    failover=(
        sms("Hello", webhook_url="https://example.com/sms"),
        viber(Text("Hello")),
    ),
)


def _sdk_body(message: Any, failover: list[Any] | None = None) -> dict[str, Any]:
    """What the SDK's own ``Messages.send`` posts, captured at its HTTP client."""
    sent: list[dict[str, Any]] = []

    def post(host: str, path: str, body: dict[str, Any], auth_type: str) -> dict[str, str]:
        assert path == "/v1/messages"
        sent.append(body)
        return {"message_uuid": "aaaaaaaa-bbbb-cccc-dddd-0123456789ab"}

    http = SimpleNamespace(
        post=post, api_host="api.nexmo.com", auth=SimpleNamespace(application_id=None)
    )
    if failover is None:
        Messages(http).send(message)
    else:
        Messages(http).send(message, failover=failover)
    # The SDK hands the dict to its HTTP library, which writes it as JSON.
    return json.loads(json.dumps(sent[0], default=lambda v: v.value))  # type: ignore[no-any-return]


@pytest.mark.parametrize(("request_", "model"), [pytest.param(r, m, id=i) for i, r, m in CASES])
def test_body_is_what_the_official_sdk_sends(request_: MessageRequest, model: Any) -> None:
    sdk_body = _sdk_body(model)
    assert message_body(request_) == sdk_body
    # ... and a server reading the SDK's body (the sandbox) gets the same request back.
    assert message_body(parse_message_body(sdk_body)) == sdk_body


def test_failover_body_is_what_the_official_sdk_sends() -> None:
    sdk_body = _sdk_body(
        sdk.WhatsappText(
            to=UK, from_=WABA, text="Hello", client_ref="c-1", webhook_url="https://example.com/wa"
        ),
        failover=[
            sdk.Sms(to=UK, from_="Acme", text="Hello", webhook_url="https://example.com/sms"),
            sdk.ViberText(to=UK, from_=VIBER_FROM, text="Hello"),
        ],
    )
    assert message_body(FAILOVER) == sdk_body
    assert [leg["channel"] for leg in sdk_body["failover"]] == [SMS, VIBER]


@pytest.mark.parametrize("request_", [pytest.param(r, id=i) for i, r, _ in CASES])
def test_body_is_valid_against_the_spec(
    spec_validator: jsonschema.Draft4Validator, request_: MessageRequest
) -> None:
    _valid(spec_validator, message_body(request_))


def test_failover_legs_are_valid_against_the_spec(
    spec_validator: jsonschema.Draft4Validator,
) -> None:
    _valid(spec_validator, message_body(FAILOVER))


def test_the_spec_check_itself_catches_a_wrong_body(
    spec_validator: jsonschema.Draft4Validator,
) -> None:
    body = message_body(CASES[0][1])
    assert list(spec_validator.iter_errors({**body, "channel": "fax"}))
    assert list(spec_validator.iter_errors({k: v for k, v in body.items() if k != "to"}))


def test_a_body_holds_only_what_was_set() -> None:
    body = message_body(sms("Hi", sms=SmsOptions()))
    assert body == {
        "channel": "sms",
        "message_type": "text",
        "to": UK,
        "from": "Acme",
        "text": "Hi",
    }


def test_the_auth_template_puts_the_code_in_the_body_and_on_the_copy_code_button() -> None:
    custom = message_body(CASES[13][1])["custom"]
    assert custom["type"] == "template"
    template = custom["template"]
    assert template["name"] == "auth_code"
    assert template["language"] == {"policy": "deterministic", "code": "en"}
    body, button = template["components"]
    assert body == {"type": "body", "parameters": [{"type": "text", "text": "123456"}]}
    assert button["type"] == "button" and button["sub_type"] == "url" and button["index"] == 0
    assert button["parameters"] == [{"type": "text", "text": "123456"}]


@pytest.mark.parametrize(
    "request_",
    [pytest.param(r, id=i) for i, r, _ in CASES] + [pytest.param(FAILOVER, id="failover")],
)
def test_a_server_reads_every_body_back_into_the_same_request(request_: MessageRequest) -> None:
    body = json.loads(json.dumps(message_body(request_)))
    expected = request_
    if isinstance(request_.content, Template) and request_.whatsapp is None:
        # A template always travels with its language: the default one comes back explicit.
        expected = replace(request_, whatsapp=WhatsAppOptions())
    assert parse_message_body(body) == expected
    assert message_body(parse_message_body(body)) == body


def test_an_auth_template_with_a_string_index_is_still_recognised() -> None:
    body = message_body(CASES[13][1])
    body["custom"]["template"]["components"][1]["index"] = "0"
    assert parse_message_body(body).content == WhatsAppAuthTemplate("auth_code", "123456", "en")


def test_extra_fields_the_sdk_sends_are_accepted() -> None:
    body = {
        **message_body(CASES[0][1]),
        "trusted_recipient": True,
        "context": {"message_uuid": "x"},
    }
    assert parse_message_body(body) == CASES[0][1]


@pytest.mark.parametrize(
    ("body", "path", "word"),
    [
        ([], "body", "JSON object"),
        (
            {"channel": "sms", "message_type": "text", "from": "Acme", "text": "Hi"},
            "to",
            "required",
        ),
        (
            {
                "channel": "sms",
                "message_type": "text",
                "to": 447700900123,
                "from": "A",
                "text": "Hi",
            },
            "to",
            "string",
        ),
        (
            {"channel": "sms", "message_type": "poll", "to": UK, "from": "A"},
            "message_type",
            "text, image",
        ),
        (
            {"channel": "whatsapp", "message_type": "image", "to": UK, "from": WABA, "image": "x"},
            "image",
            "object",
        ),
        (
            {"channel": "whatsapp", "message_type": "image", "to": UK, "from": WABA, "image": {}},
            "image.url",
            "required",
        ),
        (
            {
                "channel": "whatsapp",
                "message_type": "template",
                "to": UK,
                "from": WABA,
                "template": {"name": "t", "parameters": [1]},
            },
            "template.parameters",
            "strings",
        ),
        (
            {
                "channel": "viber_service",
                "message_type": "text",
                "to": UK,
                "from": "1",
                "text": "a",
                "viber_service": {"ttl": "soon"},
            },
            "viber_service.ttl",
            "whole number",
        ),
        (
            {
                "channel": "sms",
                "message_type": "text",
                "to": UK,
                "from": "A",
                "text": "a",
                "failover": {},
            },
            "failover",
            "list",
        ),
        (
            {
                "channel": "sms",
                "message_type": "text",
                "to": UK,
                "from": "A",
                "text": "a",
                "failover": [{"channel": "sms"}],
            },
            "failover[0].message_type",
            "required",
        ),
        # Shape is fine, a rule is not: the same paths as the client's own check.
        (
            {
                "channel": "messenger",
                "message_type": "text",
                "to": "1",
                "from": "2",
                "text": "a",
                "messenger": {"category": "message_tag"},
            },
            "messenger.tag",
            "required",
        ),
        (
            {
                "channel": "sms",
                "message_type": "text",
                "to": UK,
                "from": "A",
                "text": "a",
                "failover": [
                    {
                        "channel": "viber_service",
                        "message_type": "text",
                        "to": UK,
                        "from": "1",
                        "text": "a",
                        "viber_service": {"ttl": 10},
                    }
                ],
            },
            "failover[0].viber_service.ttl",
            "30 to 259200",
        ),
    ],
)
def test_a_server_refuses_a_bad_body_naming_each_field(body: Any, path: str, word: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        parse_message_body(body)
    named = [e for e in caught.value.errors if e.field == path]
    assert named and word in named[0].message, [str(e) for e in caught.value.errors]
