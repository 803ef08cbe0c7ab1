"""The evidence model and the pack-term / foreign-mention / postal-code matchers, on real pack and library data."""
from __future__ import annotations

import pytest

from clueextract.assess import assess
from clueextract.config import default_packs_dir
from clueextract.entities.context import foreign_triggers, set_aside_foreign
from clueextract.entities.packterms import PackTermMatcher
from clueextract.entities.postal import postal_clues
from clueextract.packs import select
from clueextract.records import Clue, CountryVote, Source
from clueextract.text.base import TextContext
from clueextract.text.currency import find_currencies
from clueextract.text.domains import find_domains_and_emails
from clueextract.text.phones import find_phones

SRC = Source("text", "test")


@pytest.fixture(scope="module")
def terms():
    return PackTermMatcher(select(default_packs_dir(), ["auto"]))


def _records(clues: list[Clue], prefix: str = "c") -> list[dict]:
    out = []
    for i, c in enumerate(clues):
        out.append({"clue_id": f"{prefix}-{i}", "item_id": "i-1", "kind": c.kind, "value": c.value,
                    "normalized": c.normalized, "countries": [v.to_json() for v in c.countries],
                    "extra": c.extra, "locator": c.locator})
    return out


def _top(clues: list[Clue]) -> str:
    return assess(_records(clues))["countries"][0]["country"]


@pytest.mark.parametrize("text,kind,country", [
    ("Maju Jaya Sdn Bhd", "legal_form", "MY"),
    ("Maju Jaya Sdn. Bhd.", "legal_form", "MY"),
    ("ซอยสุขุมวิท 11", "address_term", "TH"),
    ("Bäckerei Sonnenkorn GmbH", "legal_form", "DE"),
    ("Jl. Sudirman 5", "address_term", "ID"),
])
def test_pack_terms_vote_with_the_pack_weights(terms, text, kind, country):
    found = terms.find(text, TextContext())
    assert found, text
    c = found[0]
    assert c.kind == kind
    best = max(c.countries, key=lambda v: v.weight)
    assert best.country == country and "language pack" in best.reason
    assert text[c.extra["span"][0]:c.extra["span"][1]] == c.value


def test_pack_terms_match_whole_words_and_short_forms_need_context(terms):
    assert terms.find("GmbHaus", TextContext()) == []
    assert [c.value for c in terms.find("Jl. Sudirman", TextContext())] == ["Jl."]
    assert terms.find("Jl.", TextContext()) == []  # a short form alone says nothing


@pytest.mark.parametrize("text,expected", [
    ("+63 917 555 1234", "PH"),
    ("www.example.co.th", "TH"),
    ("ราคา ฿120", "TH"),
])
def test_each_library_mapping_wins_alone(text, expected):
    ctx = TextContext()
    clues = find_phones(text, ctx) + find_domains_and_emails(text, ctx) + find_currencies(text, ctx)
    assert clues and _top(clues) == expected


def test_repeats_of_one_logo_do_not_outweigh_one_international_phone():
    logo = [Clue("brand", "Jollibee", "jollibee", 0.9, SRC, countries=[CountryVote("PH", 0.6, "brand")])
            for _ in range(200)]
    phone = find_phones("Tel. +49 30 12345678", TextContext())
    body = assess(_records(logo + phone))
    assert body["countries"][0]["country"] == "DE"
    ph = next(r for r in body["countries"] if r["country"] == "PH")
    assert ph["support"][0]["repeats"] == 200
    assert len(ph["clue_ids"]) == 200
    assert body["against"][0]["country"] == "PH"


def test_more_of_the_same_kind_has_diminishing_returns():
    one = [Clue("place", "A", "a", 0.9, SRC, countries=[CountryVote("TH", 0.5, "place")])]
    five = [Clue("place", str(i), str(i), 0.9, SRC, countries=[CountryVote("TH", 0.5, "place")]) for i in range(5)]
    s1 = assess(_records(one))["countries"][0]["score"]
    s5 = assess(_records(five))["countries"][0]["score"]
    assert s1 < s5 < 2 * s1


def test_probabilities_sum_to_one_and_rank_best_first():
    clues = find_phones("+66 2 123 4567", TextContext()) + find_currencies("RM 12.90", TextContext())
    rows = assess(_records(clues))["countries"]
    assert abs(sum(r["probability"] for r in rows) - 1) < 1e-3
    assert rows == sorted(rows, key=lambda r: -r["score"])


def test_foreign_mention_is_set_aside_and_listed():
    text = "Royal Tunbridge Wells - twinned with Wiesbaden, Germany"
    home = Clue("place", "Royal Tunbridge Wells", "royal tunbridge wells", 0.9, SRC,
                countries=[CountryVote("GB", 0.6, "town in England")], extra={"span": [0, 21]})
    twin = Clue("place", "Wiesbaden", "wiesbaden", 0.9, SRC, countries=[CountryVote("DE", 0.6, "city in Germany")],
                extra={"span": [37, 46]})
    land = Clue("place", "Germany", "germany", 0.9, SRC, countries=[CountryVote("DE", 0.4, "country name")],
                extra={"span": [48, 55]})
    set_aside_foreign(text, [home, twin, land])
    assert home.countries and not twin.countries and not land.countries
    assert twin.extra["set_aside"]["phrase"] == "twinned with"
    body = assess(_records([home, twin, land]))
    assert body["countries"][0]["country"] == "GB" and [r["country"] for r in body["countries"]] == ["GB"]
    assert {d["value"] for d in body["discounted"]} == {"Wiesbaden", "Germany"}


def test_foreign_mention_stops_at_a_clause_break():
    text = "Made in China. Kuala Lumpur"
    kl = Clue("place", "Kuala Lumpur", "kuala lumpur", 0.9, SRC, countries=[CountryVote("MY", 0.6, "capital")],
              extra={"span": [15, 27]})
    set_aside_foreign(text, [kl])
    assert kl.countries
    assert foreign_triggers("ผลิตในประเทศญี่ปุ่น") == [(0, 6)]


def test_postal_code_counts_only_with_a_matching_place():
    text = Clue("ocr_text", "ต.บ้านหม้อ อ.เมือง จ.เพชรบุรี 76000", "x", 0.9, SRC)
    lone = postal_clues([text], [text])
    assert lone == []
    place = Clue("place", "เพชรบุรี", "เพชรบุรี", 0.9, SRC, countries=[CountryVote("TH", 0.7, "province")],
                 extra={"span": [22, 30], "places": [{"country": "TH", "subdivision": "TH-76"}]})
    found = postal_clues([text], [text, place])
    assert [(c.value, c.countries[0].country, c.countries[0].weight) for c in found] == [("76000", "TH", 0.8)]
    wrong = Clue("ocr_text", "เพชรบุรี 10110", "x", 0.9, SRC)  # a Bangkok code beside Phetchaburi
    assert postal_clues([wrong], [wrong, place]) == []


def test_twinned_with_germany_sign_stays_gb_through_the_real_extractors():
    """The lines an OCR pass reads off a British town sign, through the same extractor the scan
    runs (real gazetteer, brand index, packs, lingua): the German twin town and the country
    name are found but set aside, and the sign stays GB."""
    from clueextract.packs import Candidates
    from clueextract.text.extract import TextClueExtractor

    cand = Candidates.from_packs(select(default_packs_dir(), ["auto"]))
    tx = TextClueExtractor(list(cand.languages), list(cand.regions), packs=cand.packs)
    lines = ["Welcome to Royal Tunbridge Wells", "Twinned with Wiesbaden, Germany"]
    clues: list[Clue] = []
    for i, line in enumerate(lines):
        ocr = Clue("ocr_text", line, line.casefold(), 0.95, Source("ocr", "rapidocr"),
                   locator={"bbox": [0, 40 * i, 400, 40 * i + 30]})
        clues += [ocr] + tx.extract(ocr)
    clues += tx.finish_item(clues)
    places = {c.value: c for c in clues if c.kind == "place"}
    assert "Royal Tunbridge Wells" in places and places["Royal Tunbridge Wells"].countries
    assert "Wiesbaden" in places and not places["Wiesbaden"].countries
    assert places["Wiesbaden"].extra["set_aside"]["phrase"].casefold() == "twinned with"
    body = assess(_records(clues))
    assert body["countries"][0]["country"] == "GB", body["countries"][:3]
    assert "DE" not in {r["country"] for r in body["countries"]}
    assert "Wiesbaden" in {d["value"] for d in body["discounted"]}
