"""Resume (same config: nothing redone), dedupe (same bytes: processed once, every path listed)."""
from __future__ import annotations

import shutil
import sqlite3

import pytest

from clueextract import scan
from clueextract.config import ScanConfig
from clueextract.store import SCHEMA_VERSION, CaseStore

from conftest import read_jsonl


@pytest.mark.slow  # two in-process scans of three images (11-21 CPU s)
def test_second_scan_resumes_and_output_is_identical(small_evidence, tmp_path):
    case = tmp_path / "case"
    first = scan([small_evidence], case=case)
    out1 = (case / "clues.jsonl").read_bytes()
    assert first.processed == 3 and first.resumed == 0
    second = scan([small_evidence], case=case)
    assert second.processed == 0 and second.resumed == 3
    assert (case / "clues.jsonl").read_bytes() == out1  # same input + same config = same output
    runs = CaseStore(case).runs()
    assert [r["status"] for r in runs] == ["completed", "completed"]


@pytest.mark.slow  # two in-process scans of three images (11-21 CPU s)
def test_changed_config_reprocesses(small_evidence, tmp_path):
    case = tmp_path / "case"
    scan([small_evidence], case=case)
    again = scan([small_evidence], case=case, config=ScanConfig(ocr_min_confidence=0.6))
    assert again.processed == 3 and again.resumed == 0


@pytest.mark.slow  # two in-process scans of three images (11-21 CPU s)
def test_changed_config_sniffs_the_content_again(small_evidence, tmp_path):
    """A file an earlier version refused as 'not a recognised media format' (an untagged MPEG-2.5
    MP3, before ingest/sniff.py knew its frames) is looked at again when the configuration
    changes, not kept as refused with its stored hashes. Forced here by writing the old
    verdict into the store."""
    case = tmp_path / "case"
    scan([small_evidence], case=case)
    name = sorted(p.name for p in small_evidence.iterdir())[0]
    db = sqlite3.connect(case / "case.sqlite")
    db.execute("UPDATE items SET media_type='other', mime='application/octet-stream', status='skipped', "
               "error='unsupported content' WHERE path=?", (name,))
    db.commit()
    db.close()
    again = scan([small_evidence], case=case, config=ScanConfig(ocr_min_confidence=0.6))
    assert again.processed == 3
    items = {r["path"]: r for r in read_jsonl(case / "clues.jsonl") if r["record"] == "item"}
    assert items[name]["media_type"] == "image" and items[name]["status"] == "done", items[name]


@pytest.mark.slow  # two in-process scans of three images (11-21 CPU s)
def test_new_file_in_resumed_case_is_processed(small_evidence, tmp_path):
    case = tmp_path / "case"
    scan([small_evidence], case=case)
    src = sorted(small_evidence.iterdir())[0]
    (small_evidence / "later").mkdir()
    shutil.copy2(src, small_evidence / "later" / "new-name.jpg")
    again = scan([small_evidence], case=case)
    assert again.processed == 0 and again.resumed == 3  # same bytes as a done item: nothing to redo
    items = {r["path"]: r for r in read_jsonl(case / "clues.jsonl") if r["record"] == "item"}
    assert items["later/new-name.jpg"]["status"] == "done"
    assert items["later/new-name.jpg"]["duplicate_of"] == items[src.name]["item_id"]
    assert items["later/new-name.jpg"]["series"] == "later"


@pytest.mark.slow  # two in-process scans of three images (11-21 CPU s)
def test_identical_content_processed_once_every_path_listed(small_evidence, tmp_path):
    src = sorted(small_evidence.iterdir())[0]
    for name in ("copy-a.jpg", "copy-b.jpg"):
        shutil.copy2(src, small_evidence / name)
    case = tmp_path / "case"
    report = scan([small_evidence], case=case)
    assert report.processed == 3  # 5 paths, 3 distinct contents
    recs = read_jsonl(case / "clues.jsonl")
    items = [r for r in recs if r["record"] == "item"]
    same = [r for r in items if r["sha256"] == items[[i["path"] for i in items].index(src.name)]["sha256"]]
    assert len(same) == 3
    canonical = [r for r in same if r["duplicate_of"] is None]
    assert len(canonical) == 1
    assert all(r["duplicate_of"] == canonical[0]["item_id"] for r in same if r is not canonical[0])
    clue_items = {r["item_id"] for r in recs if r["record"] == "clue"}
    assert canonical[0]["item_id"] in clue_items
    assert not clue_items & {r["item_id"] for r in same if r is not canonical[0]}


def test_store_schema_version_and_refuses_newer(tmp_path):
    store = CaseStore(tmp_path / "c")
    assert store.schema_version() == SCHEMA_VERSION
    assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    store.close()
    db = sqlite3.connect(tmp_path / "c" / "case.sqlite")
    db.execute("UPDATE meta SET value='99' WHERE key='schema_version'")
    db.commit()
    db.close()
    try:
        CaseStore(tmp_path / "c")
    except RuntimeError as e:
        assert "newer" in str(e)
    else:
        raise AssertionError("a store from a newer clueextract must be refused")


def test_files_over_max_file_bytes_are_skipped_with_the_reason(small_evidence, tmp_path):
    sizes = {p.name: p.stat().st_size for p in small_evidence.iterdir()}
    limit = min(sizes.values()) - 1
    case = tmp_path / "case"
    report = scan([small_evidence], case=case, config=ScanConfig(max_file_bytes=limit))
    assert report.processed == 0 and report.counts["skipped"] == 3
    items = {r["path"]: r for r in read_jsonl(case / "clues.jsonl") if r["record"] == "item"}
    for name, size in sizes.items():
        assert items[name]["status"] == "skipped"
        assert items[name]["error"] == f"file of {size} bytes exceeds max_file_bytes={limit}"
        assert len(items[name]["sha256"]) == 64  # hashed and listed all the same
