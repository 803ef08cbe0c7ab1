"""Bad input never stops a scan: every file gets a record and a clear reason; evidence is untouched."""
from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

import pytest

from conftest import SAMPLES, read_jsonl, run_cli
from hostile import build_bad_corpus


def _snapshot(root: Path) -> dict[bytes, tuple]:
    """Bytes hash, size and mtime of every regular file (links not followed), keyed by raw path."""
    snap = {}
    for dirpath, dirnames, filenames in os.walk(os.fsencode(root)):
        for name in filenames + dirnames:
            p = os.path.join(dirpath, name)
            st = os.lstat(p)
            if os.path.islink(p):
                snap[p] = ("link", os.readlink(p), st.st_mtime_ns)
            elif os.path.isfile(p):
                mode = st.st_mode
                os.chmod(p, 0o600)  # the snapshot itself must read the unreadable file
                try:
                    digest = hashlib.sha256(Path(os.fsdecode(p)).read_bytes()).hexdigest()
                finally:
                    os.chmod(p, mode)
                    os.utime(p, ns=(st.st_atime_ns, st.st_mtime_ns))
                snap[p] = (digest, st.st_size, st.st_mtime_ns, mode)
    return snap


def _unprivileged() -> tuple[str, ...]:
    """As root, drop the capabilities that let root read a mode-000 file, so 'unreadable' is real."""
    if os.geteuid() != 0:
        return ()
    if not shutil.which("setpriv"):
        pytest.skip("running as root without setpriv: cannot make a file unreadable to the scan")
    return ("setpriv", "--bounding-set=-dac_override,-dac_read_search")


@pytest.fixture(scope="module")
def bad_scan(tmp_path_factory):
    root = tmp_path_factory.mktemp("bad")
    evidence = root / "evidence"
    good = next(p for p in sorted(SAMPLES.rglob("*.jpg"))).read_bytes()
    made = build_bad_corpus(evidence, good)
    before = _snapshot(evidence)
    proc = run_cli("scan", str(evidence), "--case", str(root / "case"), "--quiet", prefix=_unprivileged(), check=False)
    after = _snapshot(evidence)
    records = read_jsonl(root / "case" / "clues.jsonl")
    items = {r["path"]: r for r in records if r["record"] == "item"}
    return proc, made, items, records, before, after


def test_scan_completes_with_exit_zero(bad_scan):
    proc = bad_scan[0]
    assert proc.returncode == 0, proc.stderr


def test_every_bad_file_is_recorded_with_a_clear_reason(bad_scan):
    _, made, items, *_ = bad_scan
    assert set(made) <= set(items), f"unrecorded: {set(made) - set(items)}"
    expect = {
        "empty.jpg": ("skipped", "empty file"),
        "truncated.jpg": ("error", "truncated"),
        "truncated.png": ("error", "truncated"),
        "notes.jpg": ("skipped", "plain text"),
        "bomb.png": ("error", "decompression-bomb"),
        "unreadable.jpg": ("error", "Permission denied"),
        "loop": ("skipped", "symbolic link"),
        "a.jpg": ("skipped", "symbolic link"),
        "b.jpg": ("skipped", "symbolic link"),
    }
    for path, (status, words) in expect.items():
        rec = items[path]
        assert rec["status"] == status, (path, rec)
        assert words.lower() in (rec["error"] or "").lower(), (path, rec["error"])


def test_good_files_beside_bad_ones_are_processed(bad_scan):
    _, _, items, records, *_ = bad_scan
    good = items["good.jpg"]
    odd = items["caf\\xe9-menu.jpg"]
    assert good["status"] == "done" and good["media_type"] == "image"
    # same bytes under a non-UTF-8 name: listed with its raw name, content processed once
    assert odd["status"] == "done" and "path_b64" in odd and odd["sha256"] == good["sha256"]
    first, second = sorted((odd, good), key=lambda r: r["duplicate_of"] is not None)
    assert first["duplicate_of"] is None and second["duplicate_of"] == first["item_id"]
    assert any(r["record"] == "clue" and r["item_id"] == first["item_id"] for r in records)
    assert not any(r["record"] == "clue" and r["item_id"] == second["item_id"] for r in records)


def test_evidence_bytes_sizes_and_mtimes_unchanged(bad_scan):
    *_, before, after = bad_scan
    assert before == after
