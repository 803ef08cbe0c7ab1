"""The language of an item's short OCR lines read together (clueextract/text/shortlines.py), through
the real extractor (lingua, the packs, wordfreq's lists)."""
from __future__ import annotations

import pytest

from clueextract.config import default_packs_dir
from clueextract.packs import Candidates, select
from clueextract.records import Clue, Source
from clueextract.text.extract import TextClueExtractor


@pytest.fixture(scope="module")
def tx() -> TextClueExtractor:
    cand = Candidates.from_packs(select(default_packs_dir(), ["auto"]))
    return TextClueExtractor(list(cand.languages), list(cand.regions), packs=cand.packs, entities=False)


def item(tx: TextClueExtractor, lines: list[str]) -> tuple[list[Clue], list[Clue]]:
    """(the clues of each line, the item pass's clues)."""
    clues: list[Clue] = []
    for i, line in enumerate(lines):
        ocr = Clue("ocr_text", line, line.casefold(), 0.9, Source("ocr", "rapidocr"),
                   locator={"bbox": [0, 40 * i, 300, 40 * i + 30]})
        clues += [ocr] + tx.extract(ocr)
    return clues, tx.finish_item(clues)


def languages(clues: list[Clue]) -> list[str]:
    return [c.value for c in clues if c.kind == "text_language"]


def test_a_sign_cut_into_one_word_boxes_gets_its_language(tx):
    """eval/real's tuning part: a German parking sign read as four boxes gave no language and no
    country; read together its words are German."""
    lines, joined = item(tx, ["P", "mit", "Parkausweis", "Nr. 1864"])
    assert languages(lines) == []
    (clue,) = [c for c in joined if c.kind == "text_language"]
    assert clue.value == "de" and clue.countries[0].country == "DE"
    assert clue.extra["joined_lines"] == ["P", "mit", "Parkausweis", "Nr. 1864"] and clue.parent is None
    assert clue.locator == {"bbox": [0, 0, 300, 150]}  # around the four lines' boxes


def test_joined_lines_pass_the_tests_of_one_line(tx):
    """Words of a language no pack has (a Norwegian hairdresser's 'FRISØR SALONG SOLSTUDIO',
    lingua's Tagalog at 0.35) and a logo beside a detector's caption give nothing."""
    assert languages(item(tx, ["FRISØR", "SALONG", "SOLSTUDIO"])[1]) == []
    assert languages(item(tx, ["KIA", "numberplate: 25%"])[1]) == []


def test_no_second_guess_where_a_line_of_the_script_has_one(tx):
    """An item whose long line already names its language, or with one short line only, gets no
    joined guess: the same words would count twice, or there is nothing to join."""
    lines, joined = item(tx, ["Bitte nicht parken", "Ausfahrt", "Tag und Nacht"])
    assert languages(lines) and languages(joined) == []
    assert languages(item(tx, ["Parkausweis"])[1]) == []


def test_a_line_that_repeats_is_read_once(tx):
    """A video's frames repeat a sign's lines: each text joins once."""
    (clue,) = [c for c in item(tx, ["mit", "Parkausweis", "mit", "Parkausweis", "Nr. 1864"])[1]
               if c.kind == "text_language"]
    assert clue.extra["joined_lines"] == ["mit", "Parkausweis", "Nr. 1864"]


def test_the_summaries_quote_every_joined_line():
    """A joined guess has no parent line: the summaries quote the lines it read together."""
    from clueextract.export.summary_model import _Index

    rec = {"record": "clue", "clue_id": "c-1", "item_id": "i-1", "kind": "text_language", "value": "de",
           "derived_from": None, "locator": {"bbox": [0, 0, 300, 150]},
           "extra": {"joined_lines": ["P", "mit", "Parkausweis", "Nr. 1864"]}}
    quote = _Index([{"record": "item", "item_id": "i-1", "path": "sign.jpg"}, rec]).quote("c-1")
    assert quote.source_text == "P / mit / Parkausweis / Nr. 1864" and quote.value == "de"
