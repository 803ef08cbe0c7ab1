"""End to end on samples_benign with the real engines and models: the clues match the manifest's truths."""
from __future__ import annotations

import json
from collections import defaultdict

import jsonschema

from clueextract.models import registry

from conftest import ROOT, SAMPLES, squash
from sample_truth import MISS_EXACT, MISS_NEAR, currency_codes, read_exactly, read_nearly, script_words

# Ground truth is every line drawn on the samples (manifest.json `lines`), not only the lines
# RapidOCR read when the samples were generated (their `rapidocr_reads`). What a default scan does
# not read today is recorded beside each line as `expected_miss` (scripts/sample_misses.py, rules in
# sample_truth.py): "scan" = not read exactly (whitespace and case aside), "scan-near" = not even
# one OCR line at difflib ratio >= 0.8. Recall is measured over every line, per script, and may
# not fall below what the manifest records minus the slack below. Measured (manifest's top-level
# `expected_miss` says where): 127 lines, 113 read exactly, 123 nearly.
# Another CPU or a new wheel moves a borderline line (a price sign read as a near variant):
# each script may miss one line more, or 5 % of its lines if that is more...
OCR_SLACK_LINES, OCR_SLACK_SHARE = 1, 0.05
# ... and over all scripts, recall stays at or above these (5 lines below the measured 0.89 / 0.97).
MIN_RECALL_EXACT, MIN_RECALL_NEAR = 0.85, 0.93


def _ocr(clues: list[dict]) -> list[str]:
    return [c["value"] for c in clues if c["kind"] == "ocr_text"]


def test_every_image_done_and_non_media_skipped(by_path, manifest):
    for entry in manifest["items"]:
        it, _ = by_path[entry["path"]]
        assert it["status"] == "done", (entry["path"], it["error"])
        assert it["media_type"] == "image" and len(it["sha256"]) == 64 and len(it["md5"]) == 32
    man = by_path["manifest.json"][0]
    assert man["status"] == "skipped" and "unsupported content" in man["error"]


def _recall_per_script(by_path, manifest) -> dict[str, dict]:
    """Per script: lines, the manifest's expected misses and this scan's misses (exact, near)."""
    out: dict[str, dict] = defaultdict(lambda: {"lines": 0, "known": {MISS_EXACT: 0, MISS_NEAR: 0},
                                                "missed": {MISS_EXACT: [], MISS_NEAR: []}})
    for entry in manifest["items"]:
        ocr = _ocr(by_path[entry["path"]][1])
        for line in entry["lines"]:
            st = out[line["script"]]
            st["lines"] += 1
            for level in line["expected_miss"]:
                st["known"][level] += 1
            for level, read in ((MISS_EXACT, read_exactly), (MISS_NEAR, read_nearly)):
                if not read(line["text"], ocr):
                    st["missed"][level].append((entry["path"], line["text"]))
    return out


def test_ocr_recall_over_every_manifest_line_per_script(by_path, manifest):
    stats = _recall_per_script(by_path, manifest)
    assert set(stats) == {"Latn", "Hani", "Jpan", "Zyyy", "Thai", "Hang", "Arab", "Deva", "Cyrl"}
    n = sum(st["lines"] for st in stats.values())
    assert n >= 120
    worse = []
    for script, st in stats.items():
        slack = max(OCR_SLACK_LINES, OCR_SLACK_SHARE * st["lines"])
        for level in (MISS_EXACT, MISS_NEAR):
            floor = 1 - (st["known"][level] + slack) / st["lines"]  # the stated threshold for this script
            recall = 1 - len(st["missed"][level]) / st["lines"]
            if recall < floor:
                why = f"recall {recall:.2f} < {floor:.2f} ({st['known'][level]} of {st['lines']} expected misses)"
                worse.append((script, level, why, st["missed"][level]))
    assert not worse, worse
    for level, floor in ((MISS_EXACT, MIN_RECALL_EXACT), (MISS_NEAR, MIN_RECALL_NEAR)):
        missed = [m for st in stats.values() for m in st["missed"][level]]
        assert 1 - len(missed) / n >= floor, (level, len(missed), n, missed)


def test_expected_misses_are_the_truth_kept_not_dropped(manifest):
    """The manifests keep every line, text and spoken word they hold, read or not: each carries
    its recorded expected misses (scripts/sample_misses.py writes them from a scan; the
    generators carry them over for unchanged truth), a near miss is also an exact miss, a
    span's missed words are words of its script, and the lines RapidOCR alone could not read
    at generation are all still there."""
    rerun = "no expected_miss: run scripts/sample_misses.py on a scan of samples_benign"
    lines = [ln for e in manifest["items"] for ln in e["lines"]]
    assert all("expected_miss" in d for e in manifest["items"] for d in e["lines"] + e["currencies"]), rerun
    assert all(set(ln["expected_miss"]) <= {MISS_EXACT, MISS_NEAR} for ln in lines)
    assert all(MISS_EXACT in ln["expected_miss"] for ln in lines if MISS_NEAR in ln["expected_miss"])
    assert sum(not ln["rapidocr_reads"] for ln in lines) >= 30
    assert sum(bool(ln["expected_miss"]) for ln in lines) <= 0.15 * len(lines)  # 14 of 127 measured
    video = json.loads((SAMPLES / "manifest_video.json").read_text(encoding="utf-8"))
    assert all(t.get("expected_miss") in ([], [MISS_EXACT]) for it in video["items"] for t in it["texts"]), rerun
    audio = json.loads((SAMPLES / "manifest_audio.json").read_text(encoding="utf-8"))
    spans = [sp for it in audio["items"] for st in it["streams"] for sp in st["spans"]]
    assert all("expected_miss" in sp for sp in spans), rerun
    assert all(set(sp["expected_miss"]) <= set(script_words(sp)) for sp in spans)
    assert sum(len(sp["expected_miss"]) for sp in spans) <= 0.3 * sum(len(script_words(sp)) for sp in spans)  # 98/390


def test_specific_texts(by_path):
    def seen(path):
        return _ocr(by_path[path][1])

    # whitespace- and case-insensitive: a box split or joined differently is the same reading
    assert read_exactly("Menu du jour", seen("paris_cafe/menu_board.jpg"))
    assert read_exactly("www.padaeng-fruit.co.th", seen("bangkok_market/receipt.png"))
    assert read_exactly("ラーメン", seen("tokyo_station/ramen_shop_sign.jpg"))


def test_exif_orientation_is_applied(by_path, manifest):
    rotated = [e for e in manifest["items"] if e["orientation"] not in (1, None)]
    assert rotated
    for entry in rotated:  # every line, whatever its script, read exactly (measured: all)
        ocr = _ocr(by_path[entry["path"]][1])
        assert all(read_exactly(line["text"], ocr) for line in entry["lines"]), entry["path"]


def test_text_language_of_read_lines(by_path, manifest):
    """Precision before recall (issue 15): a line's language may be left open where the script
    is shared and the words do not decide it ('PA DAENG FRUIT SHOP', 'Soi Sukhumvit 11'), but a
    language that is named must be right. Measured (2-core AMD EPYC, after 28e40e6): of 61
    read lines of 2+ words, 38 named, 37 right ('内容量 500ml' named zh, not ja); before the
    abstention rule, 55 of 62 right and every line named."""
    total, named, wrong = 0, 0, []
    for entry in manifest["items"]:
        _, clues = by_path[entry["path"]]
        ocr = [c for c in clues if c["kind"] == "ocr_text"]
        for line in entry["lines"]:
            if not line["language"] or len(line["text"].split()) < 2:
                continue
            match = [c for c in ocr if squash(c["value"]) == squash(line["text"])]
            if not match:
                continue
            total += 1
            if match[0]["language"] is None:
                continue
            named += 1
            if match[0]["language"] != line["language"]:
                wrong.append((line["text"], line["language"], match[0]["language"]))
    assert total >= 20
    assert named >= 0.45 * total, (named, total)  # measured 38 of 61 (0.62)
    assert len(wrong) <= 0.1 * named, wrong       # measured 1 of 38


def test_phone_regions(by_path, manifest):
    checked = 0
    for entry in manifest["items"]:  # every phone drawn (measured: all 17 found)
        _, clues = by_path[entry["path"]]
        phones = [c for c in clues if c["kind"] == "phone"]
        for ph in entry["phones"]:
            checked += 1
            if ph["international"]:
                hit = [c for c in phones if c["normalized"] == ph["e164"]]
                assert hit, (entry["path"], ph, [c["value"] for c in phones])
                top = max(hit[0]["countries"], key=lambda v: v["weight"])
                assert top["country"] == ph["region"] and top["weight"] >= 0.8
            else:
                hit = [c for c in phones if ph["region"] in c["extra"].get("valid_in", [])]
                assert hit, (entry["path"], ph, [c["value"] for c in phones])
                assert all(v["weight"] < 0.5 for v in hit[0]["countries"])  # only a weak vote
    assert checked >= 15


# Currency amounts drawn on the samples whose currency no clue names are the manifest's expected
# misses (`expected_miss` of each currency; measured: the baht, won and rouble amounts on lines
# Tesseract reads nearly but not exactly, '฿120', '₩4,500', '450 ₽', '1 500 руб.'). One more may go
# on another CPU.
CURRENCY_SLACK = 1


def test_domains_emails_and_currencies(by_path, manifest):
    n_dom = n_cur = known = 0
    missed = []
    for entry in manifest["items"]:
        _, clues = by_path[entry["path"]]
        norm = {c["kind"]: set() for c in clues}
        for c in clues:
            norm[c["kind"]].add(c["normalized"])
        mail_domains = {e.split("@")[1] for e in norm.get("email", set())}
        for d in entry["domains"]:  # every domain and e-mail drawn (measured: all found)
            n_dom += 1  # a domain seen only inside an e-mail address counts once, on the e-mail clue
            assert d.lower() in norm.get("domain", set()) | mail_domains, (entry["path"], d)
        for e in entry["emails"]:
            assert e.lower() in norm.get("email", set()), (entry["path"], e)
        for cur in entry["currencies"]:  # every amount drawn, read today or not
            n_cur += 1
            known += bool(cur["expected_miss"])
            if cur["code"] not in currency_codes(clues):  # '£' may also be FKP/GIP/SHP
                missed.append((entry["path"], cur["text"]))
    assert n_dom >= 5 and n_cur >= 30 and known <= 0.15 * n_cur
    assert 1 - len(missed) / n_cur >= 1 - (known + CURRENCY_SLACK) / n_cur, missed  # recall, stated floor
    receipt = by_path["bangkok_market/receipt.png"][1]
    dom = next(c for c in receipt if c["kind"] == "domain")
    assert max(dom["countries"], key=lambda v: v["weight"])["country"] == "TH"


def test_gps_timezone_and_device_from_exif(by_path, manifest):
    with_exif = [e for e in manifest["items"] if e["exif"]]
    assert len(with_exif) >= 8
    for entry in with_exif:
        ex = entry["exif"]
        _, clues = by_path[entry["path"]]
        kinds = {c["kind"]: c for c in clues}
        gps = kinds["gps"]
        top = max(gps["countries"], key=lambda v: v["weight"])
        assert top["country"] == ex["gps_country"] == entry["country"]
        assert gps["extra"]["admin1"] == ex["gps_admin1"]
        tz = kinds["timezone"]
        assert tz["value"] == ex["offset"] and entry["country"] in tz["extra"]["countries"]
        assert ex["model"].lower() in kinds["device"]["normalized"]


def test_every_record_validates_against_the_schema(samples_records):
    schema = json.loads((ROOT / "clueextract" / "schema" / "clues.schema.json").read_text())
    validator = jsonschema.Draft202012Validator(schema)
    kinds = set()
    for rec in samples_records:
        errors = list(validator.iter_errors(rec))
        assert not errors, (rec, [e.message for e in errors])
        kinds.add(rec["record"])
    assert {"run", "item", "clue", "assessment"} <= kinds


def test_provenance_on_every_clue(samples_records):
    pinned = {m.name: m.sha256 for m in registry()}
    run = samples_records[0]
    assert run["record"] == "run" and run["tool_version"].startswith("clueextract ") and len(run["config_hash"]) == 64
    for rec in samples_records:
        if rec["record"] != "clue":
            continue
        src = rec["source"]
        assert src["stage"] and src["engine"] and rec["tool_version"]
        if rec["kind"] == "ocr_text" and src["engine"].startswith("rapidocr"):
            assert pinned[src["model"]] == src["model_sha256"]
        elif rec["kind"] == "ocr_text":  # Tesseract: traineddata named, hashed, listed in the run record
            assert src["engine"].startswith("tesseract") and len(src["model_sha256"]) == 64
            assert all(part in run["engines"]["ocr"]["traineddata"] for part in src["model"].split("+"))
        for vote in rec["countries"]:
            assert vote["reason"] and 0 <= vote["weight"] <= 1


def test_summary_reads_well(samples_case, manifest):
    from clueextract.export.summary_md import (
        md as escaped,  # evidence text is escaped as the summary escapes it
    )

    md = (samples_case / "summary.md").read_text(encoding="utf-8")
    for series in {e["series"] for e in manifest["items"]}:
        assert f"## Series: {escaped(series)}\n" in md
    assert "Thailand" in md and "EXIF GPS" in md and "why:" in md  # the content itself: test_summaries.py
    assert "<img" not in md and "![" not in md  # text only


def test_non_latin_scripts_are_read_through_tesseract_routing(by_path, manifest):
    """Thai, Hangul, Arabic, Devanagari and Cyrillic lines (RapidOCR alone cannot read them):
    their recall against the manifest's expected misses is in
    test_ocr_recall_over_every_manifest_line_per_script; here, that routing reads each of these
    scripts at all - at least half of its lines nearly (measured: 8/9, 6/6, 5/5, 4/6, 4/5) -
    and that the Thai sign is read by Tesseract and its language found."""
    stats = _recall_per_script(by_path, manifest)
    routed = ("Thai", "Hang", "Arab", "Deva", "Cyrl")
    assert sum(stats[s]["lines"] for s in routed) >= 20
    for script in routed:
        st = stats[script]
        assert len(st["missed"][MISS_NEAR]) <= st["lines"] / 2, (script, st["missed"][MISS_NEAR])
    thai = by_path["bangkok_market/fruit_stall_sign.jpg"][1]
    assert any(c["kind"] == "text_language" and c["value"] == "th" for c in thai)
    assert any(c["kind"] == "ocr_text" and c["source"]["engine"].startswith("tesseract") for c in thai)
