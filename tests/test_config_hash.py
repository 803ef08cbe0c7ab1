"""The configuration hash means what config.py says: what processing depends on, and not what
only exports read. Retuning the evidence model re-ranks a case from its stored clues without
re-reading one file; every data file the text and entity stages read is in the hash."""
from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest

from clueextract import pipeline
from clueextract.config import ScanConfig
from clueextract.packs import Candidates, select
from clueextract.process import EXPORT_ONLY_DATA, data_identity, engines_identity

from conftest import read_jsonl

PKG = Path(__file__).resolve().parent.parent / "clueextract"


def _code_strings(path: Path) -> list[str]:
    """The string literals of a module's code, docstrings left out (they may name any file)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docs = {id(n.body[0].value) for n in ast.walk(tree)
            if isinstance(n, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and n.body
            and isinstance(n.body[0], ast.Expr) and isinstance(n.body[0].value, ast.Constant)}
    return [n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)
            and id(n) not in docs]


def _identity() -> dict:
    config = ScanConfig(packs=("en",))
    return engines_identity(config, Candidates.from_packs(select(config.resolved_packs_dir(), config.packs)))


def test_export_only_data_is_read_by_exports_alone():
    """A file left out of the hash must not be read by processing: only assess/, export/, serve/
    and regions.py (the desk table) may name it (process.py and config.py name them to leave them out)."""
    readers = {"assess", "export", "serve"}
    for path in PKG.rglob("*.py"):
        rel = path.relative_to(PKG)
        if rel.parts[0] in readers or rel.as_posix() in ("regions.py", "process.py", "config.py"):
            continue
        literals = _code_strings(path)
        for name in EXPORT_ONLY_DATA:
            assert not any(name in s for s in literals), f"{rel} reads {name}, which the config hash leaves out"


def test_every_data_file_processing_reads_is_hashed():
    named = set()
    for sub in ("text", "entities", "metadata", "geo", "video", "ocr", "audio"):
        for path in (PKG / sub).rglob("*.py"):
            named |= set(re.findall(r"[\w.-]+\.(?:json\.gz|json|onnx)\b", path.read_text(encoding="utf-8")))
    shipped = {p.name for p in (PKG / "data").iterdir()}
    read = (named & shipped) - EXPORT_ONLY_DATA
    assert read, "no data file found: the scan of the sources is broken"
    assert read <= set(data_identity()), read - set(data_identity())
    assert not set(data_identity()) & EXPORT_ONLY_DATA


def test_the_hash_holds_stage_versions_not_source_files():
    ident = _identity()
    assert ident["stages"] == {s.name: s.version for s in pipeline.STAGES}
    blob = json.dumps(ident)
    assert ".py" not in blob and "routing_code" not in blob
    base = ScanConfig(packs=("en",))
    assert base.config_hash(ident) == base.config_hash(_identity())  # deterministic
    bumped = {**ident, "stages": {**ident["stages"], "text": ident["stages"]["text"] + "+1"}}
    assert base.config_hash(bumped) != base.config_hash(ident)


@pytest.mark.slow  # two in-process scans of three images, the second resumes everything
def test_retuned_evidence_model_reranks_without_reprocessing(small_evidence, tmp_path, monkeypatch):
    from clueextract import scan
    from clueextract.assess import model as evidence

    case = tmp_path / "case"
    first = scan([small_evidence], case=case, config=ScanConfig(packs=("en",)))
    assert first.processed == 3
    before = read_jsonl(case / "clues.jsonl")

    params = json.loads(evidence.DATA.read_text(encoding="utf-8"))
    voted = {c["kind"] for c in before if c["record"] == "clue" and c["countries"]}
    assert voted, "the sample images gave no voting clue: nothing to re-rank"
    params["kind_factor"] = {k: (0.0 if k in voted else f) for k, f in params["kind_factor"].items()}
    retuned = evidence.EvidenceModel(params)
    monkeypatch.setattr(evidence.EvidenceModel, "default", classmethod(lambda cls: retuned))

    again = scan([small_evidence], case=case, config=ScanConfig(packs=("en",)))
    assert again.processed == 0 and again.resumed == 3 and again.config_hash == first.config_hash
    after = read_jsonl(case / "clues.jsonl")
    clues = [r for r in before if r["record"] == "clue"]
    assert [r for r in after if r["record"] == "clue"] == clues  # the stored clues, untouched
    ranked = [r for r in after if r["record"] == "assessment" and r["scope"] == "item"]
    assert ranked and all(not r["countries"] for r in ranked)  # no kind that voted counts any more
    assert any(r["countries"] for r in before if r["record"] == "assessment")
