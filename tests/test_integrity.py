"""Evidence integrity: every file is hashed at ingest, re-verified before decoding and hashed again after."""
from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

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
