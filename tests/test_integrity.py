"""Evidence integrity: every file is hashed at ingest, re-verified before decoding (the same open
descriptor is then read) and hashed again after."""
from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest

from clueextract.process import Job, _recheck
from clueextract.records import ItemResult

SAMPLE = Path(__file__).resolve().parent.parent / "samples_benign" / "london_corner_shop" / "shop_sign.jpg"


def _job(path: Path, sha: str) -> Job:
    return Job("i-0000000000000000", str(path), sha, "image", "image/jpeg")


def test_recheck_after_processing_passes_for_unchanged_file(tmp_path):
    f = tmp_path / "a.jpg"
    shutil.copy(SAMPLE, f)
    r = ItemResult()
    _recheck(_job(f, hashlib.sha256(f.read_bytes()).hexdigest()), r)
    assert r.status == "done" and r.info["rehash_after"] == "ok"


def test_file_changed_during_processing_is_an_error_and_clues_are_kept(tmp_path):
    f = tmp_path / "a.jpg"
    shutil.copy(SAMPLE, f)
    sha = hashlib.sha256(f.read_bytes()).hexdigest()
    r = ItemResult(clues=["kept"])  # whatever was read before stays
    with open(f, "ab") as w:  # the file grows while "being processed"
        w.write(b"\0")
    _recheck(_job(f, sha), r)
    assert r.status == "error" and "changed while it was processed" in r.error
    assert r.info["rehash_after"] == "changed" and r.clues == ["kept"]


def test_file_gone_during_processing_is_an_error(tmp_path):
    f = tmp_path / "a.jpg"
    shutil.copy(SAMPLE, f)
    sha = hashlib.sha256(f.read_bytes()).hexdigest()
    f.unlink()
    r = ItemResult()
    _recheck(_job(f, sha), r)
    assert r.status == "error" and "cannot re-read" in r.error


# -- before decoding: the bytes read are the bytes hashed at ingest ------------------------------
@pytest.fixture(scope="module")
def processor():
    """A real Processor (RapidOCR, Tesseract routing, text extractors) for English."""
    from clueextract.config import ScanConfig
    from clueextract.packs import Candidates, select
    from clueextract.process import Processor

    config = ScanConfig(packs=("en",))
    return Processor(config, Candidates.from_packs(select(config.resolved_packs_dir(), config.packs)), threads=1)


def test_unchanged_file_is_processed(tmp_path, processor):
    f = tmp_path / "a.jpg"
    shutil.copy(SAMPLE, f)
    r = processor.process(_job(f, hashlib.sha256(f.read_bytes()).hexdigest()))
    assert r.status == "done" and r.info["rehash_after"] == "ok"
    assert any(c.kind == "ocr_text" for c in r.clues)  # the control: this file is read


def test_file_changed_between_ingest_and_processing_is_not_processed(tmp_path, processor):
    f = tmp_path / "a.jpg"
    shutil.copy(SAMPLE, f)
    at_ingest = hashlib.sha256(f.read_bytes()).hexdigest()
    with open(f, "r+b") as w:  # same size, one byte different: swapped after it was hashed
        w.seek(200)
        b = w.read(1)
        w.seek(200)
        w.write(bytes([b[0] ^ 0xFF]))
    r = processor.process(_job(f, at_ingest))
    assert r.status == "error", r.error
    assert "content changed since it was hashed" in r.error and r.error.endswith("not processed")
    assert hashlib.sha256(f.read_bytes()).hexdigest() in r.error  # the hash it has now is recorded
    assert r.clues == [] and "ocr_seconds" not in r.info and "rehash_after" not in r.info  # nothing decoded


def test_shipped_bytes_are_checked_the_same_way(tmp_path, processor):
    """Ray ships the bytes to a worker that cannot open the path: they are verified too."""
    data = SAMPLE.read_bytes()
    r = processor.process(_job(SAMPLE, hashlib.sha256(data).hexdigest()), data=data[:-1] + b"\0")
    assert r.status == "error" and "content changed since it was hashed" in r.error and r.clues == []


def test_file_grown_past_the_size_limit_is_not_read(tmp_path):
    from clueextract.process import EvidenceChanged, _open_verified

    f = tmp_path / "a.jpg"
    shutil.copy(SAMPLE, f)
    sha = hashlib.sha256(f.read_bytes()).hexdigest()
    with _open_verified(str(f), sha, limit=f.stat().st_size) as opened:  # at the limit: read
        assert hashlib.sha256(opened.read()).hexdigest() == sha
    with pytest.raises(EvidenceChanged, match="larger than the"):
        with _open_verified(str(f), sha, limit=f.stat().st_size - 1):
            pass
