"""Registration numbers (python-stdnum) and the wiring of every clue kind.

Valid numbers are python-stdnum's own documented examples (its docstrings) and the issue's
GSTIN; invalid ones differ from them in the check character only, so each test fails if the
check digit stops being checked.
"""
from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
import stdnum
from stdnum.in_ import gstin

from clueextract.assess import assess
from clueextract.records import CLUE_KINDS, Clue, Source
from clueextract.text.base import TextContext
from clueextract.text.registration import DATA, _table, find_registration_numbers

ROOT = Path(__file__).resolve().parent.parent
CTX = TextContext(locator={"bbox": [10, 20, 300, 44]})


def one(text: str) -> Clue:
    found = find_registration_numbers(text, CTX)
    assert len(found) == 1, (text, [c.value for c in found])
    return found[0]


def votes(c: Clue) -> dict[str, float]:
    return {v.country: v.weight for v in c.countries}


def test_gstin_names_india_and_its_state():
    c = one("GSTIN: 29AADFT3025B2ZK")                       # the number
    assert c.kind == "registration_number" and c.value == "29AADFT3025B2ZK"
    assert votes(c) == {"IN": pytest.approx(0.95)}
    assert c.extra["region"] == "IN-KA" and c.extra["region_name"] == "Karnataka"
    assert "Karnataka (IN-KA)" in c.countries[0].reason and "check digit" in c.countries[0].reason
    assert c.locator == {"bbox": [10, 20, 300, 44], "span": [7, 22]}
    assert c.source.engine == f"python-stdnum {stdnum.__version__}"
    assert one("27AAPFU0939F1ZV").extra["region"] == "IN-MH"  # stdnum's example, no label needed


def test_wrong_check_character_is_refused():
    assert gstin.is_valid("29AADFT3025B2ZK") and not gstin.is_valid("29AADFT3025B2ZL")
    for text in ("GSTIN: 29AADFT3025B2ZL", "USt-IdNr.: DE812706035", "CNPJ 16.727.230/0001-98",
                 "RUC 20512333798", "統一編號：00501504", "91110000600037341M"):
        assert find_registration_numbers(text, CTX) == [], text


@pytest.mark.parametrize("text,country,value", [
    ("USt-IdNr.: DE812706034", "DE", "DE812706034"),
    ("VAT FR 61 954 506 077", "FR", "FR 61 954 506 077"),
    ("Tax no. EL094259216", "GR", "EL094259216"),            # Greece writes EL
    ("CHE-100.155.212 MWST", "CH", "CHE-100.155.212"),
    ("16.727.230/0001-97", "BR", "16.727.230/0001-97"),       # CNPJ in its own layout
    ("CPF 390.533.447-05", "BR", "390.533.447-05"),
    ("CUIT 20-05536168-2", "AR", "20-05536168-2"),
    ("RUC 20512333797", "PE", "20512333797"),
    ("RUC: 1792060346-001", "EC", "1792060346-001"),
    ("R.F.C. GODE561231GR8", "MX", "GODE561231GR8"),
    ("统一社会信用代码：91110000600037341L", "CN", "91110000600037341L"),
    ("統一編號：00501503", "TW", "00501503"),
    ("登録番号 T5835678256246", "JP", "T5835678256246"),
    ("เลขประจำตัวผู้เสียภาษี 0994000617721", "TH", "0994000617721"),
    ("NPWP: 01.312.166.0-091.000", "ID", "01.312.166.0-091.000"),
    ("UEN 197401143C", "SG", "197401143C"),
    ("Vergi No: 4540536920", "TR", "4540536920"),
    ("ABN 83 914 571 673", "AU", "83 914 571 673"),
    ("P.IVA 00743110157", "IT", "00743110157"),
    ("NIF: B64717838", "ES", "B64717838"),
    ("NIF 501964843", "PT", "501964843"),
    ("MST: 0100233488", "VN", "0100233488"),
    ("ИНН 1234567894", "RU", "1234567894"),
    ("код ЄДРПОУ 32855961", "UA", "32855961"),
])
def test_each_scheme_names_its_country(text, country, value):
    c = one(text)
    assert c.value == value
    assert max(c.countries, key=lambda v: v.weight).country == country
    assert text[c.locator["span"][0]:c.locator["span"][1]] == value


@pytest.mark.parametrize("text", [
    "20512333797",             # a valid Peruvian RUC without its label: 11 digits are as often a phone number
    "00501503",                # a valid UBN without 統一編號
    "16727230000197",          # a valid CNPJ, neither labelled nor in its layout
    "Tel. 0994000617721",      # a valid Thai TIN after another label
    "Total R$ 16.727.230,97",  # a price
    "Rp 1.250.000",
    "Order 83 914 571 673",    # a valid ABN after an unrelated word
])
def test_numeric_numbers_need_their_label(text):
    assert find_registration_numbers(text, CTX) == []


def test_uscc_names_the_province_and_an_18_digit_id_number_is_not_a_uscc():
    c = one("91110000600037341L")
    assert votes(c) == {"CN": pytest.approx(0.9)} and c.extra["region"] == "CN-BJ"
    assert find_registration_numbers("110101199003074477", CTX) == []  # all digits: needs the label


def test_receipt_line_through_the_real_extractor_ranks_india():
    from clueextract.config import default_packs_dir
    from clueextract.packs import Candidates, select
    from clueextract.text.extract import TextClueExtractor

    cand = Candidates.from_packs(select(default_packs_dir(), ["auto"]))
    tx = TextClueExtractor(list(cand.languages), list(cand.regions), packs=cand.packs)
    line = "GSTIN : 29AADFT3025B2ZK  Ph: 080 2345 6789"
    ocr = Clue("ocr_text", line, line.casefold(), 0.93, Source("ocr", "rapidocr"), locator={"bbox": [0, 0, 600, 30]})
    clues = [ocr] + tx.extract(ocr)
    reg = [c for c in clues if c.kind == "registration_number"]
    assert [c.value for c in reg] == ["29AADFT3025B2ZK"] and reg[0].parent is ocr
    recs = [{"clue_id": f"c-{i}", "item_id": "i", "kind": c.kind, "value": c.value, "normalized": c.normalized,
             "countries": [v.to_json() for v in c.countries], "extra": c.extra, "locator": c.locator}
            for i, c in enumerate(clues)]
    body = assess(recs)
    assert body["countries"][0]["country"] == "IN"
    assert body["countries"][0]["support"][0]["kind"] == "registration_number"


def test_check_digits_reject_most_random_strings_of_each_shape():
    """The measurement in registration.py's docstring: random strings shaped like a valid example."""
    examples = {"in_gstin": "27AAPFU0939F1ZV", "br_cnpj": "16727230000197", "pe_ruc": "20512333797",
                "tw_ubn": "00501503", "cn_uscc": "91110000600037341L", "au_abn": "83914571673"}
    rng = random.Random(15)
    schemes = {s.id: s for s in _table().schemes}
    for sid, ex in examples.items():
        keep = 2 if sid == "pe_ruc" else 0
        passed = sum(schemes[sid].validate(ex[:keep] + "".join(rng.choice("0123456789") if ch.isdigit() else ch
                                                               for ch in ex[keep:])) is not None
                     for _ in range(2000))
        assert passed / 2000 < 0.15, (sid, passed)


def test_registration_data_is_consistent():
    import importlib

    d = json.loads(DATA.read_text(encoding="utf-8"))
    import pycountry
    for s in d["schemes"]:
        mod = importlib.import_module(s["module"])
        assert hasattr(mod, "validate") and s["labels"] and s["note"], s["id"]
        assert s["country"] == "prefix" or pycountry.countries.get(alpha_2=s["country"]), s["id"]
        assert s["self_identifying"] is not None or s["labels"], s["id"]
    for table in d["regions"].values():
        for name, code in table.values():
            assert pycountry.subdivisions.get(code=code) is not None, (name, code)


def test_every_clue_kind_is_in_the_schema_the_evidence_model_and_the_summaries():
    from clueextract.export.summary_model import KIND_ORDER, KIND_TITLE, TEXT_KINDS

    schema = json.loads((ROOT / "clueextract" / "schema" / "clues.schema.json").read_text(encoding="utf-8"))
    assert set(schema["$defs"]["clue"]["properties"]["kind"]["enum"]) == set(CLUE_KINDS)
    model = json.loads((ROOT / "clueextract" / "data" / "evidence_model.json").read_text(encoding="utf-8"))
    assert set(CLUE_KINDS) <= set(model["kind_factor"]), set(CLUE_KINDS) - set(model["kind_factor"])
    assert set(CLUE_KINDS) <= set(KIND_TITLE)
    assert set(CLUE_KINDS) - set(TEXT_KINDS) <= set(KIND_ORDER)
    assert model["kind_factor"]["registration_number"] >= model["kind_factor"]["licence_plate"] > 0
