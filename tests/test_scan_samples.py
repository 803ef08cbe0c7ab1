"""End to end on samples_benign with the real engines and models: the clues match the manifest's truths."""
from __future__ import annotations

import json
from collections import defaultdict

import jsonschema

from clueextract.models import registry

from conftest import ROOT, squash


def _readable(entry: dict) -> list[str]:
    return [ln["text"] for ln in entry["lines"] if ln.get("rapidocr_reads")]


def _on_readable_line(text: str, entry: dict) -> bool:
    return any(squash(text) in squash(line) for line in _readable(entry))


def test_every_image_done_and_non_media_skipped(by_path, manifest):
    for entry in manifest["items"]:
        it, _ = by_path[entry["path"]]
        assert it["status"] == "done", (entry["path"], it["error"])
        assert it["media_type"] == "image" and len(it["sha256"]) == 64 and len(it["md5"]) == 32
    man = by_path["manifest.json"][0]
    assert man["status"] == "skipped" and "unsupported content" in man["error"]


def test_ocr_reads_the_manifest_lines(by_path, manifest):
    expected = missed = 0
    misses = []
    for entry in manifest["items"]:
        _, clues = by_path[entry["path"]]
        seen = squash("".join(c["value"] for c in clues if c["kind"] == "ocr_text"))
        for line in _readable(entry):
            expected += 1
            if squash(line) not in seen:
                missed += 1
                misses.append((entry["path"], line))
    assert expected >= 60
    assert missed / expected <= 0.05, misses


def test_specific_texts(by_path):
    def texts(path):
        return [c["value"] for c in by_path[path][1] if c["kind"] == "ocr_text"]

    assert "Menu du jour" in texts("paris_cafe/menu_board.jpg")
    assert any("www.padaeng-fruit.co.th" in t for t in texts("bangkok_market/receipt.png"))
    assert any("ラーメン" in t for t in texts("tokyo_station/ramen_shop_sign.jpg"))


def test_exif_orientation_is_applied(by_path, manifest):
    rotated = [e for e in manifest["items"] if e["orientation"] not in (1, None)]
    assert rotated
    for entry in rotated:
        it, clues = by_path[entry["path"]]
        seen = squash("".join(c["value"] for c in clues if c["kind"] == "ocr_text"))
        assert all(squash(line) in seen for line in _readable(entry)), entry["path"]


def test_text_language_of_readable_lines(by_path, manifest):
    total, right, wrong = 0, 0, []
    for entry in manifest["items"]:
        _, clues = by_path[entry["path"]]
        ocr = [c for c in clues if c["kind"] == "ocr_text"]
        for line in entry["lines"]:
            if not line.get("rapidocr_reads") or not line["language"] or len(line["text"].split()) < 2:
                continue
            match = [c for c in ocr if squash(c["value"]) == squash(line["text"])]
            if not match:
                continue
            total += 1
            if match[0]["language"] == line["language"]:
                right += 1
            else:
                wrong.append((line["text"], line["language"], match[0]["language"]))
    assert total >= 20
    assert right / total >= 0.8, wrong


def test_phone_regions(by_path, manifest):
    checked = 0
    for entry in manifest["items"]:
        _, clues = by_path[entry["path"]]
        phones = [c for c in clues if c["kind"] == "phone"]
        for ph in entry["phones"]:
            if not _on_readable_line(ph["text"], entry):
                continue
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
    assert checked >= 10


def test_domains_emails_and_currencies(by_path, manifest):
    n_dom = n_cur = 0
    for entry in manifest["items"]:
        _, clues = by_path[entry["path"]]
        norm = {c["kind"]: set() for c in clues}
        for c in clues:
            norm[c["kind"]].add(c["normalized"])
        mail_domains = {e.split("@")[1] for e in norm.get("email", set())}
        for d in entry["domains"]:
            if _on_readable_line(d, entry):
                n_dom += 1  # a domain seen only inside an e-mail address counts once, on the e-mail clue
                assert d.lower() in norm.get("domain", set()) | mail_domains, (entry["path"], d)
        for e in entry["emails"]:
            if _on_readable_line(e, entry):
                assert e.lower() in norm.get("email", set()), (entry["path"], e)
        for cur in entry["currencies"]:
            if _on_readable_line(cur["text"], entry):
                n_cur += 1
                readings = {code for n in norm.get("currency", set()) for code in n.split("|")}
                assert cur["code"] in readings, (entry["path"], cur)  # '£' may also be FKP/GIP/SHP
    assert n_dom >= 5 and n_cur >= 5
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
    md = (samples_case / "summary.md").read_text(encoding="utf-8")
    for series in {e["series"] for e in manifest["items"]}:
        assert f"## Series: {series.replace('_', chr(92) + '_')}\n" in md
    assert "Thailand" in md and "EXIF GPS" in md and "why:" in md
    assert "<img" not in md and "![" not in md  # text only


def test_non_latin_scripts_are_read_through_tesseract_routing(by_path, manifest):
    """Thai, Hangul, Arabic, Devanagari and Cyrillic lines (RapidOCR alone cannot read them)."""
    import difflib

    total, read, misses = 0, 0, []
    per_script: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for entry in manifest["items"]:
        _, clues = by_path[entry["path"]]
        ocr = [c for c in clues if c["kind"] == "ocr_text"]
        for line in entry["lines"]:
            if line["script"] not in ("Thai", "Hang", "Arab", "Deva", "Cyrl"):
                continue
            best = max((difflib.SequenceMatcher(None, squash(line["text"]), squash(c["value"])).ratio()
                        for c in ocr), default=0.0)
            total += 1
            per_script[line["script"]][1] += 1
            if best >= 0.8:
                read += 1
                per_script[line["script"]][0] += 1
            else:
                misses.append((entry["path"], line["text"], round(best, 2)))
    assert total >= 20 and all(n >= 2 for _, n in per_script.values())
    assert read / total >= 0.8, (dict(per_script), misses)
    thai = by_path["bangkok_market/fruit_stall_sign.jpg"][1]
    assert any(c["kind"] == "text_language" and c["value"] == "th" for c in thai)
    assert any(c["kind"] == "ocr_text" and c["source"]["engine"].startswith("tesseract") for c in thai)
