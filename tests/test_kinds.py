"""The one table of clue kinds (clueextract/kinds.py) against everything else that names kinds:
the JSON Schema of clues.jsonl, the evidence model's kind_factor, and the lists the summaries,
the VICS export and the entity overlap rule use (which must come from the table, not repeat it).
These are the invariants of docs/ARCHITECTURE.md's recipe "Add a clue kind"."""
from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from clueextract import kinds
from clueextract.kinds import KINDS, ClueKind, table_mismatches

ROOT = Path(__file__).resolve().parent.parent


def _schema_kinds() -> list[str]:
    schema = json.loads((ROOT / "clueextract" / "schema" / "clues.schema.json").read_text(encoding="utf-8"))
    return schema["$defs"]["clue"]["properties"]["kind"]["enum"]


def _kind_factor() -> dict[str, float]:
    model = json.loads((ROOT / "clueextract" / "data" / "evidence_model.json").read_text(encoding="utf-8"))
    return model["kind_factor"]


def test_the_shipped_schema_and_evidence_model_agree_with_the_table():
    assert table_mismatches(KINDS, _schema_kinds(), _kind_factor()) == []


def test_a_kind_added_to_the_table_only_is_reported():
    extra = KINDS + (ClueKind("tram_stop", "Tram stop", "the network's country", key=len(kinds.KEY_KINDS)),)
    problems = table_mismatches(extra, _schema_kinds(), _kind_factor())
    assert problems == ["tram_stop: in the kinds table, not in the JSON Schema's clue kind enum",
                        "tram_stop: in the kinds table, no kind_factor in the evidence model"]


def test_a_kind_in_the_schema_or_model_but_not_the_table_is_reported():
    fewer = tuple(k for k in KINDS if k.name != "currency")
    problems = table_mismatches(fewer, _schema_kinds(), _kind_factor())
    assert "currency: in the JSON Schema's clue kind enum, not in the kinds table" in problems
    assert "currency: a kind_factor in the evidence model for a kind the table lacks" in problems


def test_ranks_with_a_gap_or_a_repeat_are_reported():
    bumped = tuple(dataclasses.replace(k, key=k.key + 1) if k.key else k for k in KINDS)  # 0, 2, 3, ...
    assert any("`key` ranks" in p for p in table_mismatches(bumped, _schema_kinds(), _kind_factor()))
    twice = tuple(dataclasses.replace(k, span=0) if k.span is not None else k for k in KINDS)
    assert any("`span` ranks" in p for p in table_mismatches(twice, _schema_kinds(), _kind_factor()))


def test_every_list_of_kinds_comes_from_the_table():
    from clueextract.entities import extract
    from clueextract.export import summary_model, vics
    from clueextract.records import CLUE_KINDS

    assert CLUE_KINDS is kinds.CLUE_KINDS
    assert summary_model.KIND_ORDER is kinds.SUMMARY_ORDER and summary_model.TEXT_KINDS is kinds.TEXT_KINDS
    assert summary_model.KIND_TITLE is kinds.KIND_TITLE
    assert vics.KEY_KINDS is kinds.KEY_KINDS
    assert extract.KIND_PRIORITY is kinds.SPAN_PRIORITY


def test_the_orders_the_outputs_rely_on():
    # summaries: text kinds last and quoted apart; VICS: GPS first, script last; overlaps: brand first
    assert kinds.SUMMARY_ORDER[0] == "gps" and set(kinds.TEXT_KINDS) == {"ocr_text", "speech_segment"}
    assert set(kinds.SUMMARY_ORDER) | set(kinds.TEXT_KINDS) == set(kinds.CLUE_KINDS)
    assert kinds.KEY_KINDS[0] == "gps" and kinds.KEY_KINDS[-1] == "script"
    assert kinds.SPAN_PRIORITY == ("brand", "legal_form", "address_term", "dialect_marker", "place", "organization")
    assert all(kinds.kind_title(k) == kinds.KIND_TITLE[k] for k in kinds.CLUE_KINDS)
    assert kinds.kind_title("tram_stop") == "tram stop"  # a kind from a newer store is spelled out
