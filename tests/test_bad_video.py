"""Bad video in a scan: recorded with a reason, partial results kept, the scan goes on."""
from __future__ import annotations

import pytest

from audio_tools import corrupt_middle
from conftest import SAMPLES, read_jsonl, run_cli

SLIDES = SAMPLES / "video_tokyo_slideshow" / "slideshow.mp4"
CAPTIONS = SAMPLES / "video_shanghai_captions" / "captions.mkv"


@pytest.fixture(scope="module")
def bad_video_scan(tmp_path_factory):
    root = tmp_path_factory.mktemp("badvideo")
    ev = root / "evidence"
    ev.mkdir()
    data = SLIDES.read_bytes()
    mkv = CAPTIONS.read_bytes()
    (ev / "truncated.mp4").write_bytes(data[: len(data) * 2 // 5])   # its index (moov) is at the end: lost
    (ev / "truncated.mkv").write_bytes(mkv[: len(mkv) * 3 // 5])     # streamable: the first part survives
    (ev / "header_only.mp4").write_bytes(data[:1024])
    (ev / "corrupt_middle.mkv").write_bytes(corrupt_middle(mkv, 0.4, 0.55))
    (ev / "good.mp4").write_bytes(data)
    proc = run_cli("scan", str(ev), "--case", str(root / "case"), "--packs", "ja,zh-Hans,en", "--quiet", check=False)
    recs = read_jsonl(root / "case" / "clues.jsonl")
    items = {r["path"]: r for r in recs if r["record"] == "item"}
    ocr = {p: [c["value"] for c in recs if c["record"] == "clue" and c["kind"] == "ocr_text"
               and c["item_id"] == it["item_id"]] for p, it in items.items()}
    return proc, items, ocr


def test_scan_finishes_and_records_everything(bad_video_scan):
    proc, items, _ = bad_video_scan
    assert proc.returncode == 0, proc.stderr
    assert set(items) == {"truncated.mp4", "truncated.mkv", "header_only.mp4", "corrupt_middle.mkv", "good.mp4"}
    for name, it in items.items():
        assert it["status"] in ("done", "error", "skipped")
        if it["status"] != "done":
            assert it["error"], name


def test_partial_results_are_kept(bad_video_scan):
    _, items, ocr = bad_video_scan
    assert items["truncated.mp4"]["status"] == "error" and "cannot open" in items["truncated.mp4"]["error"]
    assert ocr["truncated.mkv"]                                        # captions before the cut
    assert ocr["corrupt_middle.mkv"]                                   # captions around the damage
    assert ocr["good.mp4"] and not ocr["truncated.mp4"] and not ocr["header_only.mp4"]
