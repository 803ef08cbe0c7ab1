"""Brand / organisation matcher on the real NSI index (clueextract/data/brands.json.gz) and the
real language packs: what points where, what points nowhere, and what must not match."""
from __future__ import annotations

import gzip
import hashlib
import json
from pathlib import Path

import pytest

from clueextract.entities.brands import (INDEX_PATH, INDEX_SHA256, NSI_TOTAL, BrandIndex, BrandIndexError,
                                         BrandMatcher, normalize_name)
from clueextract.packs import select
from clueextract.text.base import TextContext

ROOT = Path(__file__).resolve().parent.parent
CTX = TextContext(locator={"bbox": [1, 2, 3, 4]}, language=None)


@pytest.fixture(scope="module")
def packs():
    return select(ROOT / "language_packs", ["auto"])


@pytest.fixture(scope="module")
def matcher(packs) -> BrandMatcher:
    return BrandMatcher(packs)


@pytest.fixture(scope="module")
def nsi_only() -> BrandMatcher:
    """No language packs: what name-suggestion-index alone says."""
    return BrandMatcher(())


def votes(clue) -> dict[str, float]:
    return {v.country: v.weight for v in clue.countries}


def one(m: BrandMatcher, text: str):
    clues = m.find(text, CTX)
    assert len(clues) == 1, [(c.value, c.normalized) for c in clues]
    c = clues[0]
    s, e = c.extra["span"]
    assert text[s:e] == c.value  # the span points into the text as given
    return c


# ---- the index file -----------------------------------------------------------------------
def test_index_hash_is_verified(tmp_path):
    data = INDEX_PATH.read_bytes()
    assert hashlib.sha256(data).hexdigest() == INDEX_SHA256
    idx = BrandIndex.load()
    assert idx.sha256 == INDEX_SHA256
    tampered = tmp_path / "brands.json.gz"
    doc = json.loads(gzip.decompress(data))
    doc["names"]["indomaret"] = doc["names"]["biedronka"]
    tampered.write_bytes(gzip.compress(json.dumps(doc).encode()))
    with pytest.raises(BrandIndexError, match="SHA-256"):
        BrandIndex.load(tampered, expected_sha256=INDEX_SHA256)


def test_index_header_and_limits():
    idx = BrandIndex.load()
    h = idx.header
    assert h["nsi_version"] == "8.0.20260918" and h["license"] == "BSD-3-Clause"
    assert len(h["tarball_sha256"]) == 64 and h["tarball_integrity"].startswith("sha512-")
    assert INDEX_PATH.stat().st_size <= 6_000_000
    assert h["counts"]["names"] == len(idx.names) > 20_000
    for key, ids in idx.names.items():
        assert len({c for i in ids for c in idx.entries[i].countries}) <= h["max_countries"], key
        assert len(key) >= 3 and key == normalize_name(key)
    assert {"mcdonald's", "shell", "7-eleven", "jollibee"} <= idx.global_names
    assert "indomaret" in idx.names and "mcdonald's" not in idx.names
    assert "extra" not in idx.names and "post office" not in idx.names  # common words dropped


# ---- NSI alone ------------------------------------------------------------------------------
@pytest.mark.parametrize("text,country,category", [
    ("Indomaret", "ID", "brands/shop/convenience"),
    ("Biedronka", "PL", "brands/shop/supermarket"),
    ("MERCADONA", "ES", "brands/shop/supermarket"),
])
def test_nsi_brand_votes_for_its_country(nsi_only, text, country, category):
    c = one(nsi_only, text)
    assert c.kind == "brand" and country in votes(c)
    assert sum(votes(c).values()) <= NSI_TOTAL + 1e-9
    assert c.extra["category"] == category and c.extra["wikidata"].startswith("Q")
    assert c.source.engine == "name-suggestion-index 8.0.20260918"
    assert c.source.model == "brands.json.gz" and c.source.model_sha256 == INDEX_SHA256
    assert c.locator == {"bbox": [1, 2, 3, 4]}
    reason = next(v.reason for v in c.countries if v.country == country)
    assert f"'{c.normalized}' is a brand" in reason and "name-suggestion-index: " + category[7:] in reason


def test_indomaret_reason_names_the_country(nsi_only):
    c = one(nsi_only, "Indomaret")
    assert votes(c) == {"ID": pytest.approx(0.6)}
    assert c.countries[0].reason == ("'Indomaret' is a brand of Indonesia "
                                     "(name-suggestion-index: shop/convenience)")


def test_operator_is_an_organisation(nsi_only):
    c = one(nsi_only, "Library of ESSEX COUNTY COUNCIL")
    assert c.kind == "organization" and votes(c) == {"GB": pytest.approx(0.6)}
    assert c.extra["category"].startswith("operators/") and c.value == "ESSEX COUNTY COUNCIL"


@pytest.mark.parametrize("text", ["7-Eleven", "Shell", "McDonald's", "McDonald\u2019s drive thru", "Jollibee"])
def test_global_brands_give_no_vote(nsi_only, text):
    assert nsi_only.find(text, CTX) == []
    reported = BrandMatcher((), report_global=True).find(text, CTX)
    assert len(reported) == 1 and reported[0].countries == [] and reported[0].extra["global"] is True


# ---- language packs take precedence ---------------------------------------------------------
def test_pack_brand_big_c(matcher):
    c = one(matcher, "Big C Supercenter Rama IV")
    assert c.value == "Big C" and c.extra["pack"] == "th" and c.extra["span"] == [0, 5]
    assert votes(c) == {"TH": 0.8, "VN": 0.1}
    assert c.source.engine == "language pack th" and c.source.model == "th.yaml"
    assert c.source.model_sha256 == hashlib.sha256((ROOT / "language_packs" / "th.yaml").read_bytes()).hexdigest()
    assert "language pack 'th'" in c.countries[0].reason and "Thai hypermarket chain" in c.countries[0].reason


def test_thai_brand_as_substring_of_unspaced_text(matcher):
    c = one(matcher, "ห้างบิ๊กซีซูเปอร์เซ็นเตอร์")
    assert c.value == "บิ๊กซี" and c.normalized == "Big C" and c.extra["span"] == [4, 10]
    assert votes(c)["TH"] == 0.8


@pytest.mark.parametrize("text", ["Lotus's", "LOTUS\u2019S สาขาบางนา", "Tesco Lotus", "โลตัส สาขาบางนา"])
def test_lotuss_pack_entry(matcher, text):
    c = one(matcher, text)
    assert c.normalized == "Lotus's" and votes(c) == {"TH": 0.7, "MY": 0.2}
    assert "Tesco Lotus until 2021" in c.countries[0].reason


@pytest.mark.parametrize("text,pack,country,weight", [
    ("OXXO Av. Insurgentes Sur", "es", "MX", 0.8),    # global in NSI (7 countries): the pack decides
    ("Jollibee Chickenjoy", "fil", "PH", 0.85),      # global in NSI: the pack decides
    ("Mercadona - Calle Mayor 5", "es", "ES", 0.85),  # also in NSI: the pack wins on the same name
    ("Indomaret", "id", "ID", 0.95),
])
def test_pack_weights_win(matcher, text, pack, country, weight):
    c = one(matcher, text)
    assert c.extra["pack"] == pack and votes(c)[country] == weight
    assert c.source.engine == f"language pack {pack}"


def test_hangul_brand_with_particle(matcher):
    c = one(matcher, "홈플러스에서 장보기")
    assert c.value == "홈플러스" and votes(c) == {"KR": 0.95}


# ---- what must not match ----------------------------------------------------------------------
@pytest.mark.parametrize("text", [
    "Indomaretto", "xIndomaret", "Biedronkas", "SuperMercadona",   # a brand inside a longer word
    "Our target is to halve waste",        # a brand name used as an ordinary lower-case word
    "EXTRA 20% OFF", "Post office", "Bakery", "Public library",
    "ซอย 5 ถนนสุขุมวิท กรุงเทพมหานคร",  # Bangkok is a place, not Bangkok Bank
])
def test_no_brand(matcher, text):
    assert matcher.find(text, CTX) == []


def test_longest_match_without_overlaps(matcher):
    clues = matcher.find("Sainsbury's Local and Pão de Açúcar", CTX)
    assert [(c.value, c.extra["span"]) for c in clues] == [("Sainsbury's Local", [0, 17]),
                                                           ("Pão de Açúcar", [22, 35])]
    assert clues[0].countries[0].country == "GB" and clues[1].extra["pack"] == "pt"


def test_ocr_misreading_is_fuzzy_and_weaker(matcher):
    exact = one(matcher, "Indomaret")
    for text in ("Indornaret", "lNDOMARET", "PAO DE ACUCAR"):
        c = one(matcher, text)
        assert c.extra["fuzzy"] is True and c.confidence < exact.confidence
        assert "OCR misreading" in c.countries[0].reason
    c = one(matcher, "Indornaret")
    assert votes(c) == {"ID": pytest.approx(0.95 / 2)}


def test_case_of_the_line_decides_lower_case_names(matcher):
    assert [c.normalized for c in matcher.find("TARGET", CTX)] == ["Target"]
    assert [c.normalized for c in matcher.find("shop at mercadona today", CTX)] == ["Mercadona"]


def test_bad_text_never_raises(matcher):
    assert matcher.find("", CTX) == [] and matcher.find(" \n\t", CTX) == []
    c = one(matcher, "Indomaret \ud800 x")  # a lone surrogate from a bad decode upstream
    assert c.extra["span"] == [0, 9]
    long_line = "Indomaret hello World " * 3000  # a long transcript: linear, not quadratic
    assert len(matcher.find(long_line, CTX)) == 3000
