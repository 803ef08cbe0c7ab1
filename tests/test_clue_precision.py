"""Precision rules for phone and text-language clues (issue 15: a clue that is probably wrong
is worse than no clue). Lines are modelled on what OCR read from eval/real's tuning part:
dates, amounts and identifiers taken for phone numbers, one-word headers and OCR noise given
a language. No scan: the extractors are called on the text directly."""
from __future__ import annotations

import pytest

from clueextract.records import Clue, CountryVote, Source
from clueextract.text.base import TextContext
from clueextract.text.language import LanguageIdentifier, language_clue, set_aside_han_in_japanese_items
from clueextract.text.phones import find_phones, place_local_numbers

REGIONS = ("VN", "TW", "PH", "US", "GB", "DE", "CN", "JP")


def phones(text: str):
    return find_phones(text, TextContext(locator={}, language=None, candidate_regions=REGIONS))


@pytest.mark.parametrize("text", [
    "Date 2013-06-29 total",          # ISO date
    "16-08-2020 19:19",               # dashed date and a time
    "2026-02-1515:55:1",              # a video overlay's date glued to its time
    "Total 1,250.00",                 # an amount
    "MST: 0101234567",                # a Vietnamese tax number after its label
    "Invoice No. 2204101123",         # an invoice number
])
def test_not_a_phone(text):
    assert phones(text) == []


def test_international_number_votes_its_region():
    [c] = phones("Tel +63 917 555 1234")
    assert [v.country for v in c.countries] == ["PH"] and c.countries[0].weight >= 0.8


@pytest.mark.parametrize("text,country", [("電話 03-4815529", "TW"), ("ĐT: 028 3822 1234", "VN")])
def test_label_language_narrows_a_local_number(text, country):
    [c] = phones(text)
    assert [v.country for v in c.countries] == [country]


def test_local_number_valid_in_many_regions_is_held_without_a_vote():
    [c] = phones("Tel 0917 555 1234")
    assert c.countries == [] and "valid in" in c.extra["held"]
    assert "PH" in c.extra["valid_in"]


def test_item_context_places_a_held_local_number():
    [c] = phones("Tel 0917 555 1234")
    src = Source("text", "test", None, None)
    other = Clue(kind="currency", value="₱", normalized="PHP", confidence=0.9, source=src,
                 countries=[CountryVote("PH", 0.8, "peso")])
    assert place_local_numbers([c, other]) == 1
    assert [v.country for v in c.countries] == ["PH"] and "held" not in c.extra
    # without other evidence nothing places it
    [c2] = phones("Tel 0917 555 1234")
    assert place_local_numbers([c2]) == 0 and c2.countries == []


@pytest.fixture(scope="module")
def ident():
    return LanguageIdentifier(["en", "de", "sv", "tl", "vi", "es", "it", "fr", "zh", "ja"])


def lang(ident, text, box=None):
    c = language_clue(text, TextContext(locator={}, language=None, candidate_regions=()), ident, box)
    return c and c.value


@pytest.mark.parametrize("text", ["TOTAL", "Code", "MAN", "SL DVT"])
def test_short_lines_get_no_language(ident, text):
    assert lang(ident, text) is None


def test_sentences_keep_their_language(ident):
    assert lang(ident, "Fresh bread baked every morning") == "en"
    assert lang(ident, "Frisch gebackenes Brot jeden Morgen") == "de"


def test_box_script_rules_out_a_language(ident):
    text = "Buenos dias amigos mios"
    assert lang(ident, text, {"class": "Viet", "p": 0.97}) is None
    # an unsure classifier decides nothing
    assert lang(ident, text, {"class": "Viet", "p": 0.5}) == "es"


def test_han_line_in_a_japanese_item_is_set_aside():
    src = Source("ocr", "test", None, None)
    kana = Clue(kind="ocr_text", value="ごあいさつ", normalized="ごあいさつ", confidence=0.9, source=src)
    han = Clue(kind="text_language", value="zh", normalized="zh", confidence=0.8, source=src,
               countries=[CountryVote("CN", 0.3, "Chinese")])
    assert set_aside_han_in_japanese_items([kana, han]) == 1
    assert han.countries == [] and han.extra["set_aside"]["votes"][0]["country"] == "CN"
    han2 = Clue(kind="text_language", value="zh", normalized="zh", confidence=0.8, source=src,
                countries=[CountryVote("CN", 0.3, "Chinese")])
    assert set_aside_han_in_japanese_items([han2]) == 0 and han2.countries
