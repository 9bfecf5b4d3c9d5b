"""The ``lg`` code lists match the field guide (verify-api.md section 1.2) exactly."""

from __future__ import annotations

from desktop_app.domain.languages import LANGUAGES, PSD2_LANGUAGES

# Pasted as the field guide lists them, so a diff against the guide stays easy.
GUIDE_LG = """ar-xa cs-cz cy-cy cy-gb da-dk de-de el-gr en-au en-gb en-in en-us es-es es-mx
es-us fi-fi fil-ph fr-ca fr-fr hi-in hu-hu id-id is-is it-it ja-jp ko-kr nb-no nl-nl pl-pl pt-br
pt-pt ro-ro ru-ru sv-se th-th tr-tr vi-vn yue-cn zh-cn zh-tw""".split()  # noqa: SIM905
GUIDE_PSD2_LG = """en-gb bg-bg cs-cz da-dk de-de ee-et el-gr es-es fi-fi fr-fr ga-ie hu-hu it-it
lv-lv lt-lt mt-mt nl-nl pl-pl sk-sk sl-si sv-se""".split()  # noqa: SIM905


def test_start_codes_are_the_guides_39() -> None:
    assert len(GUIDE_LG) == len(LANGUAGES) == 39
    assert set(LANGUAGES) == set(GUIDE_LG)


def test_psd2_codes_are_the_guides_21() -> None:
    assert len(GUIDE_PSD2_LG) == len(PSD2_LANGUAGES) == 21
    assert set(PSD2_LANGUAGES) == set(GUIDE_PSD2_LG)


def test_codes_are_lower_case_and_every_code_has_an_english_name() -> None:
    for table in (LANGUAGES, PSD2_LANGUAGES):
        for code, name in table.items():
            assert code == code.lower().strip()
            assert name and name[0].isupper() and code not in name


def test_sample_names() -> None:
    assert LANGUAGES["en-gb"] == "English (United Kingdom)"
    assert LANGUAGES["en-us"] == "English (United States)"
    assert PSD2_LANGUAGES["ee-et"] == "Estonian (Estonia)"
    assert PSD2_LANGUAGES["de-de"] == LANGUAGES["de-de"]


def test_psd2_only_codes_are_not_start_codes() -> None:
    assert set(PSD2_LANGUAGES) - set(LANGUAGES) == {
        "bg-bg",
        "ee-et",
        "ga-ie",
        "lv-lv",
        "lt-lt",
        "mt-mt",
        "sk-sk",
        "sl-si",
    }
