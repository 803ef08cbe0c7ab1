"""The evidence model and the pack-term / foreign-mention / postal-code matchers, on real pack and library data."""
from __future__ import annotations

import math

import pytest

from clueextract.assess import assess
from clueextract.assess.model import EvidenceModel
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
    body = assess(_records(clues))
    rows = body["countries"]
    # the shipped model is calibrated: what the ranked countries leave goes to every country without a vote
    assert abs(sum(r["probability"] for r in rows) + body.get("elsewhere", 0.0) - 1) < 1e-3
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
    place.parent = text
    found = postal_clues([text], [text, place])
    assert [(c.value, c.countries[0].country, c.countries[0].weight) for c in found] == [("76000", "TH", 0.8)]
    wrong = Clue("ocr_text", "เพชรบุรี 10110", "x", 0.9, SRC)  # a Bangkok code beside Phetchaburi
    place.extra["span"], place.parent = [0, 8], wrong
    assert postal_clues([wrong], [wrong, place]) == []


def test_postal_code_needs_its_place_on_the_same_line_and_near():
    """eval/real's tuning part: a Walgreens receipt. 'SAN MATEO, CA 94401' gives a US code; the
    receipt's other numbers ('VISA ACCT 1850', '0022 05/24/2022', a store number '#03296') are
    no codes, though San Mateo's countries (the Philippines, the US, ...) have 4- and 5-digit
    formats; nor is a number far along the place's own line."""
    from clueextract.packs import Candidates
    from clueextract.text.extract import TextClueExtractor

    cand = Candidates.from_packs(select(default_packs_dir(), ["auto"]))
    tx = TextClueExtractor(list(cand.languages), list(cand.regions), packs=cand.packs)
    lines = ["Walgreens", "#03296 191 E 3RD AVE", "SAN MATEO, CA 94401", "0022 05/24/2022 1:10 PM",
             "VISA ACCT 1850", "San Mateo store opened in the summer of 2016"]
    clues: list[Clue] = []
    for i, line in enumerate(lines):
        ocr = Clue("ocr_text", line, line.casefold(), 0.95, Source("ocr", "rapidocr"),
                   locator={"bbox": [0, 40 * i, 400, 40 * i + 30]})
        clues += [ocr] + tx.extract(ocr)
    assert any(c.kind == "place" and c.value == "San Mateo" for c in clues)
    codes = [(c.value, c.countries[0].country) for c in tx.finish_item(clues) if c.kind == "postal_code"]
    assert codes == [("94401", "US")]
    # the shared name beside the code is the US San Mateo now; the other reading is listed
    (beside,) = [c for c in clues if c.kind == "place" and c.value == "SAN MATEO"]
    assert [v.country for v in beside.countries] == ["US"] and beside.extra["narrowed_by_postcode"]["votes"]
    far = [c for c in clues if c.kind == "place" and c.value == "San Mateo"]
    assert len({v.country for v in far[0].countries}) > 1  # no code beside it: all its countries


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


# -- the model's rules, computed by hand from its documented formula (assess/model.py) -----------
PARAMS = {"method": "test", "repeat_bonus": 0.25, "same_kind_decay": 0.5, "sharpness": 3.0, "max_support": 5,
          "max_against": 5, "kind_factor": {"gps": 1.5, "phone": 1.0, "text_language": 0.6, "device": 0.0,
                                            "ocr_text": 0.0, "speech_segment": 0.0}}


def _rec(cid: str, kind: str, value: str, *votes: tuple[str, float], **extra) -> dict:
    return {"clue_id": cid, "item_id": "i-1", "kind": kind, "value": value, "normalized": value.casefold(),
            "countries": [{"country": cc, "weight": w, "reason": f"{kind} says {cc}"} for cc, w in votes],
            "extra": extra, "locator": {}}


def _scores(body: dict) -> dict[str, float]:
    return {r["country"]: r["score"] for r in body["countries"]}


def test_kind_factors_weigh_each_vote_and_the_shipped_model_trusts_gps_over_text_language():
    model = EvidenceModel(PARAMS)
    body = model.assess([_rec("c1", "text_language", "th", ("TH", 0.8)), _rec("c2", "gps", "13.7,100.5", ("LA", 0.8))])
    assert _scores(body) == pytest.approx({"LA": 0.8 * 1.5, "TH": 0.8 * 0.6}, abs=1e-4)
    assert [r["country"] for r in body["countries"]] == ["LA", "TH"]
    shipped = EvidenceModel.default().kind_factor  # the documented order of trust, on the shipped data
    # the fit (scripts/fit_evidence_model.py) may raise a factor up to the GPS one, never past it
    assert shipped["gps"] >= shipped["phone"] >= shipped["legal_form"] > shipped["text_language"] > 0
    assert max(f for k, f in shipped.items() if k != "gps") <= shipped["gps"]


def test_factor_zero_kinds_are_ignored_and_an_unknown_kind_counts_half():
    model = EvidenceModel(PARAMS)
    silent = [_rec("d", "device", "Canon EOS 90D", ("JP", 0.9)), _rec("o", "ocr_text", "Soi 11", ("TH", 0.9)),
              _rec("s", "speech_segment", "guten tag", ("DE", 0.9)), _rec("n", "phone", "x", ("FR", 0.0))]
    body = model.assess(silent)
    assert body["countries"] == [] and body["against"] == [] and body["clue_count"] == 4
    assert _scores(model.assess([_rec("m", "a_kind_the_model_does_not_know", "v", ("NZ", 0.8))])) == \
        pytest.approx({"NZ": 0.8 * 0.5}, abs=1e-4)
    assert model.assess([]) == {"method": "test", "countries": [], "against": [], "discounted": [], "clue_count": 0}
    for kind in ("device", "ocr_text", "speech_segment"):  # the shipped model ignores them too
        assert EvidenceModel.default().kind_factor[kind] == 0.0


def test_repeats_and_further_values_of_one_kind_by_hand():
    model = EvidenceModel(PARAMS)
    # one phone number seen 4 times (best 0.9): 0.9 * (1 + 0.25 * (1 - 1/4)); two more numbers
    # at 0.8 and 0.6 count at 0.5 and 0.25 of their weight
    clues = [_rec(f"r{i}", "phone", "+66 2 123 4567", ("TH", 0.9 if i == 2 else 0.7)) for i in range(4)]
    clues += [_rec("p2", "phone", "+66 2 765 4321", ("TH", 0.8)), _rec("p3", "phone", "+66 81 000 0000", ("TH", 0.6))]
    row = model.assess(clues)["countries"][0]
    assert row["score"] == pytest.approx(0.9 * (1 + 0.25 * 0.75) + 0.8 * 0.5 + 0.6 * 0.25, abs=1e-4)
    assert [(s["value"], s["repeats"]) for s in row["support"]] == [
        ("+66 2 123 4567", 4), ("+66 2 765 4321", 1), ("+66 81 000 0000", 1)]
    assert [s["weight"] for s in row["support"]] == pytest.approx([0.9 * 1.1875, 0.8 * 0.5, 0.6 * 0.25], abs=1e-4)
    assert row["support"][0]["clue_id"] == "r2"  # the strongest of the repeats is the one quoted


def test_probabilities_are_the_softmax_of_the_scores_and_one_strong_clue_is_20x_odds():
    model = EvidenceModel(PARAMS)
    clues = [_rec("a", "phone", "+66", ("TH", 1.0)), _rec("b", "gps", "pt", ("TH", 0.4)), _rec("c", "gps", "pt2", ("LA", 0.4))]
    body = model.assess(clues)
    s = _scores(body)
    assert s == pytest.approx({"TH": 1.0 + 0.4 * 1.5, "LA": 0.4 * 1.5}, abs=1e-4)
    e_th, e_la = math.exp(3.0 * 1.6), math.exp(3.0 * 0.6)
    probs = {r["country"]: r["probability"] for r in body["countries"]}
    assert probs == pytest.approx({"TH": e_th / (e_th + e_la), "LA": e_la / (e_th + e_la)}, abs=1e-4)
    assert abs(probs["TH"] / probs["LA"] - math.exp(3.0)) < 0.1  # one phone of weight 1 apart: ~20x odds


def test_equal_scores_rank_by_country_code_whatever_the_input_order():
    model = EvidenceModel(PARAMS)
    a, b = _rec("x1", "phone", "1", ("TH", 0.5)), _rec("x2", "phone", "2", ("BR", 0.5))
    for clues in ([a, b], [b, a]):
        body = model.assess(clues)
        assert [r["country"] for r in body["countries"]] == ["BR", "TH"]
        assert body["countries"][0]["probability"] == body["countries"][1]["probability"] == 0.5


def test_against_lists_only_clues_that_do_not_also_vote_for_the_leader_and_both_lists_are_capped():
    model = EvidenceModel(PARAMS)
    shared = _rec("shared", "phone", "+1", ("US", 0.9), ("CA", 0.8))  # votes for the leader too
    only_ca = _rec("only_ca", "gps", "45,-75", ("CA", 0.5))
    many = [_rec(f"us{i}", "phone", f"us{i}", ("US", 1.0)) for i in range(3)]
    body = model.assess([shared, only_ca, *many])
    assert body["countries"][0]["country"] == "US"
    assert [(r["clue_id"], r["country"]) for r in body["against"]] == [("only_ca", "CA")]
    # seven groups for the leader, seven clues against it: five of each are listed, strongest first
    lead = [_rec(f"k{i}", "phone", f"n{i}", ("US", 1.0 - i * 0.01)) for i in range(7)]
    rivals = [_rec(f"v{i}", "phone", f"m{i}", ("MX" if i % 2 else "CA", 0.9 - i * 0.1)) for i in range(7)]
    body = model.assess(lead + rivals)
    assert len(body["countries"][0]["support"]) == 5 and len(body["countries"][0]["clue_ids"]) == 7
    weights = [r["weight"] for r in body["countries"][0]["support"]]
    assert weights == sorted(weights, reverse=True)
    assert [r["clue_id"] for r in body["against"]] == ["v0", "v1", "v2", "v3", "v4"]
