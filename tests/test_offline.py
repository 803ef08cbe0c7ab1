"""Offline from day one: a full scan opens no network connection."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest

from conftest import NETWORK_COUNTER, SAMPLES, read_jsonl


def test_full_samples_scan_makes_no_network_attempt(samples_case, samples_records):
    """The session's scan of every sample (images, video, speech; every stage in one process)
    ran under tests/tools/count_network.py's audit hook: zero connects, lookups or requests."""
    assert json.loads((samples_case.parent / "network.json").read_text()) == []
    items = [r for r in samples_records if r["record"] == "item"]
    assert {"image", "video", "audio"} <= {r["media_type"] for r in items}
    media = [r for r in items if r["media_type"] != "other"]  # the manifests are skipped as text
    assert all(r["status"] == "done" for r in media), [(r["path"], r["error"]) for r in media if r["status"] != "done"]


def test_the_counter_counts(tmp_path):
    """The audit hook really sees an attempt, so an empty count means something."""
    counts = tmp_path / "net.json"
    code = "import socket\ntry:\n    socket.getaddrinfo('localhost', 80)\nexcept OSError:\n    pass\n"
    subprocess.run([sys.executable, str(NETWORK_COUNTER), str(counts), "-c", code], check=True, timeout=60)
    assert [e[0] for e in json.loads(counts.read_text())] == ["socket.getaddrinfo"]


def _netns_prefix() -> tuple[str, ...] | None:
    if not shutil.which("unshare"):
        return None
    for prefix in (("unshare", "-n"), ("unshare", "-rn")):
        if subprocess.run([*prefix, "true"], capture_output=True).returncode == 0:
            return prefix
    return None


RUNS = {  # engine -> evidence: images (RapidOCR + Tesseract routing, entities), a video (frames and its
    # audio track), speech (VAD, language spans, ASR); the EasyOCR engine on one image
    "auto": ["bangkok_market/soi_street_sign.jpg", "video_tokyo_slideshow/slideshow.mp4",
             "speech_london/shop_directions.flac"],
    "easyocr": ["london_corner_shop/shop_sign.jpg"],
}


@pytest.mark.slow
@pytest.mark.parametrize("engine", ["auto", pytest.param("easyocr", marks=pytest.mark.torch)])
def test_full_scan_with_every_engine_counts_zero_network_attempts(tmp_path, engine):
    """Inside a network-less namespace, an audit hook counts every connect / name lookup /
    URL request of a scan with each OCR engine: zero attempts."""
    if engine == "easyocr":  # before anything runs: a skip here means nothing was checked
        pytest.importorskip("easyocr", reason="the optional EasyOCR engine is not installed")
    prefix = _netns_prefix()
    if prefix is None:
        pytest.skip("no network namespaces here (unshare -n / -rn refused); the audit-hook samples scan still runs")
    # prove the namespace really has no network before trusting the result
    probe = subprocess.run([*prefix, "python3", "-c",
                            "import socket; s=socket.socket(); s.settimeout(2); s.connect(('1.1.1.1', 53))"],
                           capture_output=True, text=True)
    assert probe.returncode != 0
    case, counts = tmp_path / "case", tmp_path / "net.json"
    proc = subprocess.run([*prefix, sys.executable, str(NETWORK_COUNTER), str(counts), "scan",
                           *[str(SAMPLES / e) for e in RUNS[engine]], "--case", str(case), "--quiet",
                           "--ocr-engine", engine], capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert json.loads(counts.read_text()) == [], f"network attempts with --ocr-engine {engine}"
    recs = read_jsonl(case / "clues.jsonl")
    items = [r for r in recs if r["record"] == "item"]
    assert {r["status"] for r in items} == {"done"}, [r["error"] for r in items]
    kinds = {r["kind"] for r in recs if r["record"] == "clue"}
    assert {"ocr_text", "speech_segment", "spoken_language"} <= kinds if engine == "auto" else "ocr_text" in kinds
