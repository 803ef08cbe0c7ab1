"""Short undotted legal forms ("SL") count only where the item shows text in their pack's
language: through the real extractors (packs, lingua, gazetteer) as an OCR engine returns lines.
The Vietnamese receipt lines are those of the real tuning part's Hanoi minimart receipt
(eval/real), where the quantity column's "SL" (so lượng) voted Spain."""
from __future__ import annotations

import pytest

from clueextract.config import default_packs_dir
from clueextract.packs import Candidates, select
from clueextract.records import Clue, Source
from clueextract.text.extract import TextClueExtractor


@pytest.fixture(scope="module")
def tx() -> TextClueExtractor:
    cand = Candidates.from_packs(select(default_packs_dir(), ["auto"]))
    return TextClueExtractor(list(cand.languages), list(cand.regions), packs=cand.packs)


def read(tx: TextClueExtractor, lines: list[str]) -> list[Clue]:
    clues: list[Clue] = []
    for i, text in enumerate(lines):
        ocr = Clue("ocr_text", text, text.casefold(), 0.95, Source("ocr", "rapidocr"),
                   locator={"bbox": [10, 10 + 40 * i, 400, 40 + 40 * i]})
        clues += [ocr] + tx.extract(ocr)
    return clues + tx.finish_item(clues)


def legal_forms(clues: list[Clue]) -> list[Clue]:
    return [c for c in clues if c.kind == "legal_form"]


VIETNAMESE_RECEIPT = ["HÓA ĐƠN BÁN HÀNG", "Tên hàng", "SL DVT Đơn giá Thành tiền",
                      "Bánh gạo one one ngọt 230g", "Cảm ơn quý khách và hẹn gặp lại"]


def test_sl_on_a_vietnamese_receipt_is_kept_but_votes_nothing(tx):
    forms = legal_forms(read(tx, VIETNAMESE_RECEIPT))
    assert [c.value for c in forms] == ["SL"]
    sl = forms[0]
    assert sl.countries == []
    aside = sl.extra["set_aside"]
    assert aside["votes"][0]["country"] == "ES"
    assert "vi" in aside["reason"] and "pack es" in aside["reason"]


def test_sl_on_a_spanish_invoice_votes_spain(tx):
    """The control: the same form beside Spanish text keeps its vote."""
    lines = ["FACTURA SIMPLIFICADA", "Ferretería y suministros del norte", "Gómez Hermanos SL Calle Mayor 12",
             "Gracias por su visita, vuelva pronto"]
    forms = legal_forms(read(tx, lines))
    assert [c.value for c in forms] == ["SL"]
    assert forms[0].countries and forms[0].countries[0].country == "ES"
    assert "set_aside" not in forms[0].extra


def test_without_a_confident_language_the_form_counts(tx):
    """A lone line whose language nobody can tell: nothing speaks against the form."""
    forms = legal_forms(read(tx, ["ACME SL 0042"]))
    assert forms and forms[0].countries[0].country == "ES"


def test_dotted_and_long_forms_are_not_touched(tx):
    """'S.L.' and 'GmbH' are not abbreviations of everyday words: beside Vietnamese text they still vote."""
    forms = legal_forms(read(tx, VIETNAMESE_RECEIPT + ["Nhà phân phối: Müller GmbH", "Đại lý Gómez S.L. Madrid"]))
    assert {c.extra["matched"] for c in forms if c.countries} >= {"GmbH", "S.L."}
