"""Record what a default scan of samples_benign misses today as `expected_miss` in the manifests.

Why: the manifests hold the truth drawn or spoken on the samples, independent of the engines
(every line of an image, every text of a clip, the whole script of a speech span). The tests
(tests/test_scan_samples.py, test_video_scan.py, test_audio_samples.py) measure recall over all
of it; what no engine reads today is written beside the truth as an expected miss, so a loss
shows and a gain can be recorded, instead of the manifests holding only what RapidOCR or
Whisper already read when the samples were made (their `rapidocr_reads` and `expect_words`
stay as the generators' records of that check).

    .venv/bin/clueextract scan samples_benign --case /tmp/samples-case --workers 1
    .venv/bin/python scripts/sample_misses.py /tmp/samples-case [--note "where it was measured"]

Writes, per image line, `expected_miss`: [] or ["scan"] (not read exactly, whitespace and case
aside) or ["scan", "scan-near"] (not even one OCR line at difflib ratio >= 0.8); per currency
amount, [] or ["scan"] (no currency clue names its code); per video
text, [] or ["scan"]; per speech span, the words of its script (4+ letters, whole words,
case-folded) that the span's transcript does not hold. The rules are tests/sample_truth.py's.
The manifests' top-level `expected_miss` says when and where it was measured.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from sample_truth import (MISS_EXACT, MISS_NEAR, currency_codes, heard_in_span, read_exactly,  # noqa: E402
                          read_nearly, script_words, video_text_read)


def by_path(case: Path) -> dict[str, tuple[dict, list[dict]]]:
    recs = [json.loads(ln) for ln in (case / "clues.jsonl").read_text(encoding="utf-8").splitlines() if ln.strip()]
    items = {r["item_id"]: r for r in recs if r["record"] == "item"}
    out = {it["path"]: (it, []) for it in items.values()}
    for r in recs:
        if r["record"] == "clue":
            out[items[r["item_id"]]["path"]][1].append(r)
    return out


def where(note: str | None) -> str:
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT, check=False).stdout.strip()
    cpu = next((ln.split(":", 1)[1].strip() for ln in Path("/proc/cpuinfo").read_text().splitlines()
                if ln.startswith("model name")), "unknown CPU") if Path("/proc/cpuinfo").exists() else "unknown CPU"
    return note or f"default scan (clueextract scan samples_benign, --workers 1) at {commit}, {cpu}, CPU int8"


def carry_over(manifest: dict, old: Path) -> None:
    """For the generators: keep the recorded expected misses of an item's line, text, currency
    or speech span whose truth did not change (same path, same text) when the samples are made
    again; anything new or changed gets none until this script runs on a fresh scan (the tests
    then say so)."""
    if not old.exists():
        return
    before = json.loads(old.read_text(encoding="utf-8"))
    if "expected_miss" not in before:
        return
    manifest["expected_miss"] = before["expected_miss"]
    items = manifest.pop("items")  # items stay last
    manifest["items"] = items
    prev = {it["path"]: it for it in before["items"]}

    def copy(new: list[dict], was: list[dict]) -> None:
        known = {(d["text"], d.get("code")): d["expected_miss"] for d in was if "expected_miss" in d}
        for d in new:
            if (d["text"], d.get("code")) in known:
                d["expected_miss"] = known[(d["text"], d.get("code"))]

    for it in items:
        was = prev.get(it["path"])
        if was is None:
            continue
        for key in ("lines", "texts", "currencies"):
            copy(it.get(key) or [], was.get(key) or [])
        for st, st_was in zip(it.get("streams") or [], was.get("streams") or []):
            copy(st["spans"], st_was["spans"])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("case", type=Path, help="case folder of a scan of samples_benign")
    ap.add_argument("--samples", type=Path, default=ROOT / "samples_benign")
    ap.add_argument("--note", help="where and how the scan ran (default: commit and CPU)")
    args = ap.parse_args()
    scanned, measured = by_path(args.case), where(args.note)

    def write(name: str, manifest: dict, rule: str) -> None:
        manifest["expected_miss"] = f"{rule} Measured on a {measured}; refreshed by scripts/sample_misses.py."
        # keep `expected_miss` right after the generator's own check description, items last
        items = manifest.pop("items")
        manifest["items"] = items
        (args.samples / name).write_text(json.dumps(manifest, ensure_ascii=False, indent=1) + "\n", "utf-8")

    path = args.samples / "manifest.json"
    m = json.loads(path.read_text(encoding="utf-8"))
    for it in m["items"]:
        ocr = [c["value"] for c in scanned[it["path"]][1] if c["kind"] == "ocr_text"]
        for ln in it["lines"]:
            ln["expected_miss"] = ([] if read_exactly(ln["text"], ocr) else
                                   [MISS_EXACT] if read_nearly(ln["text"], ocr) else [MISS_EXACT, MISS_NEAR])
        named = currency_codes(scanned[it["path"]][1])
        for cur in it["currencies"]:
            cur["expected_miss"] = [] if cur["code"] in named else [MISS_EXACT]
    write("manifest.json", m, "Per line, what a default scan does not read today: 'scan' = the line's text "
          "(whitespace and case aside) is not inside the item's OCR text; 'scan-near' = not even one OCR line "
          "is at difflib ratio >= 0.8 to it. Per currency amount, 'scan' where no currency clue names its code.")

    path = args.samples / "manifest_video.json"
    m = json.loads(path.read_text(encoding="utf-8"))
    for it in m["items"]:
        ocr = [c["value"] for c in scanned[it["path"]][1] if c["kind"] == "ocr_text"]
        for t in it["texts"]:
            t["expected_miss"] = [] if video_text_read(t["text"], ocr) else [MISS_EXACT]
    write("manifest_video.json", m, "Per text, 'scan' where no OCR clue of a default scan holds it "
          "(whitespace and case aside).")

    path = args.samples / "manifest_audio.json"
    m = json.loads(path.read_text(encoding="utf-8"))
    for it in m["items"]:
        clues = scanned[it["path"]][1]
        for st in it["streams"]:
            segs = [c for c in clues if c["kind"] == "speech_segment" and c["locator"]["stream"] == st["index"]]
            for span in st["spans"]:
                heard = heard_in_span(segs, span)
                span["expected_miss"] = [w for w in script_words(span) if w not in heard]
    write("manifest_audio.json", m, "Per span, the words of its script (`text`: 4+ letters, whole words, "
          "case-folded) that a default scan's transcript of the span does not hold.")
    print(f"expected misses written into {args.samples}/manifest*.json ({measured})")


if __name__ == "__main__":
    main()
