"""End to end on samples_benign with the real engines and models: the clues match the manifest's truths."""
from __future__ import annotations

import json
from collections import defaultdict

import jsonschema

from clueextract.models import registry

from conftest import ROOT, squash


# Ground truth is every line drawn on the samples (manifest.json), not only the lines RapidOCR
# read when the samples were generated (their `rapidocr_reads`): what no engine reads today is
# kept as an expected miss, so recall is measured and a loss shows. A line counts as read
# exactly when its text (whitespace and case aside) is inside the item's OCR text, and as read
# nearly when one OCR line is at least NEAR similar to it (difflib ratio). Misses per script,
# (not exact, not even near), measured on the samples scan at cf73aac with the 21 packs of
# then (2-core AMD EPYC): 127 lines, 114 exact, 125 near.
NEAR = 0.8
OCR_MISSES = {"Latn": (1, 0), "Hani": (0, 0), "Jpan": (0, 0), "Zyyy": (0, 0), "Thai": (3, 1),
              "Hang": (2, 0), "Arab": (3, 0), "Deva": (2, 1), "Cyrl": (1, 0)}
# Another CPU or a new wheel moves a borderline line (a price sign read as a near variant):
# each script may miss one line more, or 5 % of its lines if that is more.
OCR_SLACK_LINES, OCR_SLACK_SHARE = 1, 0.05


def _ocr(clues: list[dict]) -> list[str]:
    return [c["value"] for c in clues if c["kind"] == "ocr_text"]


def _read_exactly(text: str, ocr: list[str]) -> bool:
    return squash(text) in squash("".join(ocr))


def _read_nearly(text: str, ocr: list[str]) -> bool:
    import difflib

    return _read_exactly(text, ocr) or any(
        difflib.SequenceMatcher(None, squash(text), squash(o)).ratio() >= NEAR for o in ocr)


def test_every_image_done_and_non_media_skipped(by_path, manifest):
    for entry in manifest["items"]:
        it, _ = by_path[entry["path"]]
        assert it["status"] == "done", (entry["path"], it["error"])
        assert it["media_type"] == "image" and len(it["sha256"]) == 64 and len(it["md5"]) == 32
    man = by_path["manifest.json"][0]
    assert man["status"] == "skipped" and "unsupported content" in man["error"]


def test_ocr_reads_every_manifest_line_with_known_misses_per_script(by_path, manifest):
    lines: dict[str, int] = defaultdict(int)
    exact: dict[str, list] = defaultdict(list)
    near: dict[str, list] = defaultdict(list)
    for entry in manifest["items"]:
        ocr = _ocr(by_path[entry["path"]][1])
        for line in entry["lines"]:
            lines[line["script"]] += 1
            if not _read_exactly(line["text"], ocr):
                exact[line["script"]].append((entry["path"], line["text"]))
            if not _read_nearly(line["text"], ocr):
                near[line["script"]].append((entry["path"], line["text"]))
    assert set(lines) == set(OCR_MISSES) and sum(lines.values()) >= 120
    worse = []
    for script, n in lines.items():
        slack = max(OCR_SLACK_LINES, OCR_SLACK_SHARE * n)
        for missed, known in ((exact[script], OCR_MISSES[script][0]), (near[script], OCR_MISSES[script][1])):
            if len(missed) > known + slack:
                worse.append((script, f"{len(missed)} of {n} missed, {known} known", missed))
    assert not worse, worse


def test_specific_texts(by_path):
    def seen(path):
        return _ocr(by_path[path][1])

    # whitespace- and case-insensitive: a box split or joined differently is the same reading
    assert _read_exactly("Menu du jour", seen("paris_cafe/menu_board.jpg"))
    assert _read_exactly("www.padaeng-fruit.co.th", seen("bangkok_market/receipt.png"))
    assert _read_exactly("ラーメン", seen("tokyo_station/ramen_shop_sign.jpg"))


def test_exif_orientation_is_applied(by_path, manifest):
    rotated = [e for e in manifest["items"] if e["orientation"] not in (1, None)]
    assert rotated
    for entry in rotated:  # every line, whatever its script, read exactly (measured: all)
        ocr = _ocr(by_path[entry["path"]][1])
        assert all(_read_exactly(line["text"], ocr) for line in entry["lines"]), entry["path"]


def test_text_language_of_read_lines(by_path, manifest):
    total, right, wrong = 0, 0, []
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
            if match[0]["language"] == line["language"]:
                right += 1
            else:
                wrong.append((line["text"], line["language"], match[0]["language"]))
    assert total >= 20
    assert right / total >= 0.8, wrong  # measured 55 of 62 (0.89)


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


# Currency amounts drawn on the samples whose currency no clue names, measured at cf73aac: the
# baht, won and rouble signs on lines Tesseract reads nearly but not exactly ('฿120', '₩4,500',
# '450 ₽'). One more may go on another CPU.
CURRENCY_MISSES, CURRENCY_SLACK = 3, 1


def test_domains_emails_and_currencies(by_path, manifest):
    n_dom = n_cur = 0
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
        for cur in entry["currencies"]:
            n_cur += 1
            readings = {code for n in norm.get("currency", set()) for code in n.split("|")}
            if cur["code"] not in readings:  # '£' may also be FKP/GIP/SHP
                missed.append((entry["path"], cur))
    assert n_dom >= 5 and n_cur >= 30
    assert len(missed) <= CURRENCY_MISSES + CURRENCY_SLACK, missed
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
    from clueextract.export.summary_md import md as escaped  # evidence text is escaped as the summary escapes it

    md = (samples_case / "summary.md").read_text(encoding="utf-8")
    for series in {e["series"] for e in manifest["items"]}:
        assert f"## Series: {escaped(series)}\n" in md
    assert "Thailand" in md and "EXIF GPS" in md and "why:" in md  # the content itself: test_summaries.py
    assert "<img" not in md and "![" not in md  # text only


def test_non_latin_scripts_are_read_through_tesseract_routing(by_path, manifest):
    """Thai, Hangul, Arabic, Devanagari and Cyrillic lines (RapidOCR alone cannot read them):
    their recall is in test_ocr_reads_every_manifest_line_with_known_misses_per_script; here,
    that the Thai sign is read by Tesseract and its language found."""
    non_latin = [line for e in manifest["items"] for line in e["lines"]
                 if line["script"] in ("Thai", "Hang", "Arab", "Deva", "Cyrl")]
    assert len(non_latin) >= 20 and all(OCR_MISSES[s][1] <= 1 for s in ("Thai", "Hang", "Arab", "Deva", "Cyrl"))
    thai = by_path["bangkok_market/fruit_stall_sign.jpg"][1]
    assert any(c["kind"] == "text_language" and c["value"] == "th" for c in thai)
    assert any(c["kind"] == "ocr_text" and c["source"]["engine"].startswith("tesseract") for c in thai)
