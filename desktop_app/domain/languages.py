"""The ``lg`` locale codes Verify v1 accepts, with English names for pickers and help text.

Two separate lists: a normal start (``/verify/json``) takes one of 39 codes and a PSD2 start
(``/verify/psd2/json``) one of 21, per the field guide (``verify-api.md`` section 1.2). The codes
are kept verbatim, including the API's own oddities (``ar-xa``, ``cy-cy``, and ``ee-et`` for
Estonian). Keys are lower case; the validators compare case-insensitively.
"""

from __future__ import annotations

#: Start request (``/verify/json``) locales; the API default is ``en-us``.
LANGUAGES: dict[str, str] = {
    "ar-xa": "Arabic",
    "cs-cz": "Czech (Czechia)",
    "cy-cy": "Welsh",
    "cy-gb": "Welsh (United Kingdom)",
    "da-dk": "Danish (Denmark)",
    "de-de": "German (Germany)",
    "el-gr": "Greek (Greece)",
    "en-au": "English (Australia)",
    "en-gb": "English (United Kingdom)",
    "en-in": "English (India)",
    "en-us": "English (United States)",
    "es-es": "Spanish (Spain)",
    "es-mx": "Spanish (Mexico)",
    "es-us": "Spanish (United States)",
    "fi-fi": "Finnish (Finland)",
    "fil-ph": "Filipino (Philippines)",
    "fr-ca": "French (Canada)",
    "fr-fr": "French (France)",
    "hi-in": "Hindi (India)",
    "hu-hu": "Hungarian (Hungary)",
    "id-id": "Indonesian (Indonesia)",
    "is-is": "Icelandic (Iceland)",
    "it-it": "Italian (Italy)",
    "ja-jp": "Japanese (Japan)",
    "ko-kr": "Korean (South Korea)",
    "nb-no": "Norwegian Bokmål (Norway)",
    "nl-nl": "Dutch (Netherlands)",
    "pl-pl": "Polish (Poland)",
    "pt-br": "Portuguese (Brazil)",
    "pt-pt": "Portuguese (Portugal)",
    "ro-ro": "Romanian (Romania)",
    "ru-ru": "Russian (Russia)",
    "sv-se": "Swedish (Sweden)",
    "th-th": "Thai (Thailand)",
    "tr-tr": "Turkish (Türkiye)",
    "vi-vn": "Vietnamese (Vietnam)",
    "yue-cn": "Cantonese (China)",
    "zh-cn": "Chinese, Mandarin (China)",
    "zh-tw": "Chinese (Taiwan)",
}

#: PSD2 start (``/verify/psd2/json``) locales; the API default is ``en-gb``.
PSD2_LANGUAGES: dict[str, str] = {
    "bg-bg": "Bulgarian (Bulgaria)",
    "cs-cz": LANGUAGES["cs-cz"],
    "da-dk": LANGUAGES["da-dk"],
    "de-de": LANGUAGES["de-de"],
    "ee-et": "Estonian (Estonia)",
    "el-gr": LANGUAGES["el-gr"],
    "en-gb": LANGUAGES["en-gb"],
    "es-es": LANGUAGES["es-es"],
    "fi-fi": LANGUAGES["fi-fi"],
    "fr-fr": LANGUAGES["fr-fr"],
    "ga-ie": "Irish (Ireland)",
    "hu-hu": LANGUAGES["hu-hu"],
    "it-it": LANGUAGES["it-it"],
    "lt-lt": "Lithuanian (Lithuania)",
    "lv-lv": "Latvian (Latvia)",
    "mt-mt": "Maltese (Malta)",
    "nl-nl": LANGUAGES["nl-nl"],
    "pl-pl": LANGUAGES["pl-pl"],
    "sk-sk": "Slovak (Slovakia)",
    "sl-si": "Slovenian (Slovenia)",
    "sv-se": LANGUAGES["sv-se"],
}
