"""Foreign mentions across the OCR lines of one sign ("Twinned with" above "Wiesbaden"), through
the real extractors (gazetteer, brand index, packs, lingua) and the evidence model."""
from __future__ import annotations

import pytest

from clueextract.assess import assess
from clueextract.config import default_packs_dir
from clueextract.entities.layout import layout_rules
from clueextract.packs import Candidates, select
from clueextract.records import Clue, Source
from clueextract.text.extract import TextClueExtractor


@pytest.fixture(scope="module")
def tx() -> TextClueExtractor:
    cand = Candidates.from_packs(select(default_packs_dir(), ["auto"]))
    return TextClueExtractor(list(cand.languages), list(cand.regions), packs=cand.packs)


def read_sign(tx: TextClueExtractor, boxes: list[tuple[str, tuple[int, int, int, int]]], **locator) -> list[Clue]:
    clues: list[Clue] = []
    for text, box in boxes:
        ocr = Clue("ocr_text", text, text.casefold(), 0.95, Source("ocr", "rapidocr"),
                   locator={"bbox": list(box), **locator})
        clues += [ocr] + tx.extract(ocr)
    return clues + tx.finish_item(clues)


def ranking(clues: list[Clue]) -> list[str]:
    records = [{"clue_id": f"c-{i}", "item_id": "i-1", "kind": c.kind, "value": c.value, "normalized": c.normalized,
                "countries": [v.to_json() for v in c.countries], "extra": c.extra, "locator": c.locator}
               for i, c in enumerate(clues)]
    return [r["country"] for r in assess(records)["countries"]]


# A British town sign as an OCR engine returns it: one box per line, centred.
TOWN_SIGN = [("WELCOME TO", (140, 20, 360, 60)), ("ROYAL TUNBRIDGE WELLS", (60, 70, 440, 120)),
             ("Twinned with", (170, 150, 330, 180)), ("Wiesbaden", (180, 185, 320, 215)),
             ("Germany", (190, 220, 310, 250))]


def test_twinned_town_on_the_next_lines_is_set_aside_and_the_sign_stays_gb(tx):
    clues = read_sign(tx, TOWN_SIGN)
    places = {c.value: c for c in clues if c.kind == "place"}
    assert places["ROYAL TUNBRIDGE WELLS"].countries[0].country == "GB"
    for name in ("Wiesbaden", "Germany"):
        assert places[name].countries == [], name
        aside = places[name].extra["set_aside"]
        assert aside["phrase"] == "Twinned with" and aside["votes"][0]["country"] == "DE"
        assert "same sign" in aside["reason"]
    order = ranking(clues)
    assert order[0] == "GB" and "DE" not in order, order[:5]


def test_without_the_phrase_the_german_names_count(tx):
    """The control: the same lines without 'Twinned with' rank Germany (what the fix prevents)."""
    lines = [ln for ln in TOWN_SIGN if ln[0] != "Twinned with"]
    clues = read_sign(tx, lines)
    assert all(c.countries for c in clues if c.kind == "place")
    assert ranking(clues)[0] == "DE"


def test_only_the_line_below_on_the_same_sign_continues_the_phrase(tx):
    # Wiesbaden far to the right (no horizontal overlap): another sign in the same photo
    beside = [("Twinned with", (20, 150, 180, 180)), ("Wiesbaden", (600, 185, 740, 215))]
    assert all(c.countries for c in read_sign(tx, beside) if c.kind == "place")
    # far below (more than max_gap_heights line heights)
    gap = int(30 * (layout_rules().max_gap_heights + 1))
    below = [("Twinned with", (20, 150, 180, 180)), ("Wiesbaden", (30, 180 + gap, 170, 210 + gap))]
    assert all(c.countries for c in read_sign(tx, below) if c.kind == "place")
    # much taller (a different sign's headline)
    tall = [("Twinned with", (20, 150, 180, 170)), ("Wiesbaden", (20, 175, 300, 260))]
    assert all(c.countries for c in read_sign(tx, tall) if c.kind == "place")
    # a phrase followed by a full stop ends there
    closed = [("Made in Germany.", (20, 150, 220, 180)), ("Kuala Lumpur", (20, 185, 220, 215))]
    kl = [c for c in read_sign(tx, closed) if c.kind == "place" and c.value == "Kuala Lumpur"]
    assert kl and kl[0].countries[0].country == "MY"


def test_made_in_label_across_lines(tx):
    label = [("Made in", (40, 300, 140, 330)), ("China", (45, 334, 125, 364))]
    china = [c for c in read_sign(tx, label) if c.kind == "place"]
    assert china and china[0].countries == [] and china[0].extra["set_aside"]["phrase"] == "Made in"


def test_video_lines_must_be_on_screen_together(tx):
    apart = [Clue("ocr_text", t, t.casefold(), 0.9, Source("ocr", "rapidocr"),
                  locator={"bbox": list(b), "start_s": s, "end_s": s + 1.0})
             for (t, b), s in ((("Twinned with", (170, 150, 330, 180)), 0.0), (("Wiesbaden", (180, 185, 320, 215)), 5.0))]
    clues: list[Clue] = []
    for ocr in apart:
        clues += [ocr] + tx.extract(ocr)
    clues += tx.finish_item(clues)
    assert all(c.countries for c in clues if c.kind == "place")
