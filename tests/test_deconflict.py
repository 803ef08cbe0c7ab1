"""Deconfliction: VICS / ICSE-style hash lists are read, matching evidence is marked with
the list's series and skipped (or processed with --process-known), and the case exports
as a VICS 2.0 list that the same reader reads back."""
from __future__ import annotations

import hashlib
import json
import random
import shutil
from pathlib import Path

import jsonschema
import pytest

from clueextract.deconflict import (KnownHashError, load_category_map, load_known, parse_icse, parse_list,
                                    parse_vics)
from clueextract.deconflict.load import _LOADED

from conftest import ROOT, read_jsonl, run_cli, squash

FIX = Path(__file__).parent / "fixtures" / "known"
SCHEMA = json.loads((ROOT / "clueextract" / "schema" / "clues.schema.json").read_text(encoding="utf-8"))


def _hashes(p: Path) -> tuple[str, str, str]:
    d = p.read_bytes()
    return hashlib.md5(d).hexdigest(), hashlib.sha1(d).hexdigest(), hashlib.sha256(d).hexdigest()


def _sample_hashes(rel: str) -> tuple[str, str, str]:
    return _hashes(ROOT / "samples_benign" / rel)


# -- readers ------------------------------------------------------------------------
def test_vics_case_form_reads_media_with_series_category_and_flag():
    entries = parse_vics((FIX / "vics_case_v2.json").read_bytes(), "vics_case_v2.json")
    assert len(entries) == 8
    first, second = entries[0], entries[1]
    md5, sha1, _ = _sample_hashes("berlin_shop/bakery_sign.jpg")
    assert (first.md5, first.sha1) == (md5, sha1)                      # upper-case hex normalised
    assert (first.series, first.category, first.victim_identified) == ("Synthetic Series Alpha", 4, True)
    assert first.media_id == "1" and first.where == "Media entry 1"
    assert (second.series, second.category, second.victim_identified) == ("Synthetic Series Beta", 0, False)
    assert entries[2].category is None and entries[2].victim_identified is None


def test_vics_hash_set_form_with_bom_and_v13_alternative_hashes():
    hs = parse_vics((FIX / "vics_hashset_v2_bom.json").read_bytes())
    assert len(hs) == 7 and hs[0].series == "Synthetic Series Gamma" and hs[0].victim_identified is True
    assert hs[0].md5 == _sample_hashes("london_corner_shop/shop_sign.jpg")[0]
    v13 = parse_vics((FIX / "vics_v13.json").read_bytes())
    md5, sha1, _ = _sample_hashes("berlin_shop/bakery_sign.jpg")
    assert (v13[0].md5, v13[0].sha1) == (md5, sha1)                   # SHA-1 from AlternativeHashes
    assert v13[1].series is None                                      # "" is no series


def test_vics_utf16_is_read():
    data = (FIX / "vics_case_v2.json").read_text(encoding="utf-8").encode("utf-16")
    assert len(parse_vics(data)) == 8


def test_icse_csv_header_spellings_delimiters_bom():
    comma = parse_icse((FIX / "icse_comma.csv").read_bytes(), "icse_comma.csv")
    assert len(comma) == 3
    md5, sha1, _ = _sample_hashes("berlin_shop/street_sign.jpg")
    assert (comma[0].md5, comma[0].sha1, comma[0].series, comma[0].category, comma[0].victim_identified,
            comma[0].media_id, comma[0].where) == (md5, sha1, "Synthetic Series Beta", 4, True, "ICSE-1", "line 2")
    assert comma[1].series == "Series, with comma" and comma[1].victim_identified is False
    assert comma[2].md5 == comma[2].md5.lower() and comma[2].series is None

    semi = parse_icse((FIX / "icse_semicolon_bom.csv").read_bytes())
    gamma = _sample_hashes("london_corner_shop/shop_sign.jpg")
    assert (semi[0].md5, semi[0].sha256, semi[0].category, semi[0].victim_identified) == (gamma[0], gamma[2], 4, True)
    assert (semi[1].series, semi[1].category, semi[1].victim_identified) == ("Série synthétique", 4, False)
    assert semi[2].md5 is None and semi[2].sha256 and semi[2].where == "line 5"   # line numbers count the comment


def test_icse_bare_list_and_tab_and_cp1252():
    bare = parse_icse((FIX / "bare_hashes.txt").read_bytes())
    assert [bool(e.sha256) for e in bare] == [True, False, False] and bare[1].sha1 and bare[2].md5
    md5 = "ab" * 16
    tab = parse_icse(f"Series\tmd5sum\tVictimIdentified\nCafé\t{md5}\tTRUE\n".encode("cp1252"))
    assert (tab[0].md5, tab[0].series, tab[0].victim_identified) == (md5, "Café", True)


def test_format_is_sniffed_by_content_not_name(tmp_path):
    fmt, entries = parse_list((FIX / "icse_comma.csv").read_bytes(), "list.json")
    assert fmt == "icse-csv" and len(entries) == 3
    fmt, entries = parse_list((FIX / "vics_v13.json").read_bytes(), "list.csv")
    assert fmt == "vics" and len(entries) == 3


@pytest.mark.parametrize("data, where", [
    (b'{"value": [{"Media": [{"MD5": "abc"}]}]}', "Media entry 1: MD5 'abc' is not 32 hexadecimal digits"),
    (b'{\n  "value": [\n    {"MD5": "' + b"a" * 32 + b'",}\n]}', "line 3, column"),
    (b'{"value": 5}', 'no "value" list'),
    (b"[1, 2]", "top level must be an object"),
    (b'{"value": [{"Media": [{"Category": 1}]}]}', "Media entry 1 has no MD5, SHA1 or SHA256"),
    (b"[" * 100_000 + b"]" * 100_000, "nesting too deep"),
    (b'{"value": [{"MD5": "' + b"a" * 32 + b'", "Series": "\xff"}]}', "line 1: not valid UTF-8"),
    (b"md5,series\n" + b"a" * 32 + b",x\nnot-a-hash,y\n", "line 3: MD5 'not-a-hash' is not 32 hexadecimal digits"),
    (b"name;size\nfoo;1\n", "line 1: no MD5, SHA1, SHA256 or Hash column in the header"),
    (b"hash,series\n" + b"a" * 31 + b",x\n", "line 2: hash '" + "a" * 31 + "' is not an MD5"),
    (b"md5,series\n,only series\n", "line 2: no hash in this row"),
    (b"md5\n\"" + b"a" * 200_000 + b"\n", "line 2: not valid CSV"),
    (b"# only a comment\n\n", "empty hash list"),
    (b'{"value": []}', "no hash entries found"),
])
def test_malformed_lists_give_a_clear_error_naming_file_and_place(data, where):
    with pytest.raises(KnownHashError) as e:
        parse_list(data, "bad-list.x")
    msg = str(e.value)
    assert msg.startswith("bad-list.x: ") and where in msg and "Traceback" not in msg


def test_unclosed_quote_is_refused_even_after_a_library_raised_csvs_field_limit():
    """reverse_geocoder sets csv.field_size_limit(sys.maxsize) on import (the scan imports it);
    CI caught the reader then swallowing the rest of the file into one field."""
    import csv
    import sys

    old = csv.field_size_limit(sys.maxsize)
    try:
        with pytest.raises(KnownHashError, match="line 2: not valid CSV"):
            parse_list(b'md5\n"' + b"a" * 200_000 + b"\n", "bad-list.x")
    finally:
        csv.field_size_limit(old)


def test_parsers_raise_only_known_hash_error_on_mutated_input():
    """A cheap, deterministic mutation fuzz over every fixture (the atheris harness can reuse the parsers)."""
    rnd = random.Random(6)
    seeds = [p.read_bytes() for p in sorted(FIX.iterdir()) if p.suffix in (".json", ".csv", ".txt")]
    refused = parsed = 0
    for seed in seeds:
        for _ in range(150):
            b = bytearray(seed)
            for _ in range(rnd.randint(1, 8)):
                op, i = rnd.random(), rnd.randrange(len(b) or 1)
                if op < 0.4 and b:
                    b[i] = rnd.randrange(256)
                elif op < 0.7:
                    b[i:i] = bytes(rnd.choice([b'"', b"{", b"[", b",", b";", b"\n", b"\x00", b"\xff", b"\r"]))
                else:
                    del b[i:i + rnd.randint(1, 40)]
            for parse in (parse_vics, parse_icse, parse_list):
                try:
                    out = parse(bytes(b), "m")
                    out = out[1] if isinstance(out, tuple) else out
                except KnownHashError as e:
                    assert str(e).startswith("m: ")
                    refused += 1
                else:
                    assert all(e.md5 or e.sha1 or e.sha256 for e in out)
                    parsed += 1
    # the mutations reach both ends: clear refusals, and lists still read (every entry with a hash)
    assert refused >= 1000 and parsed >= 50, (refused, parsed)  # measured 3052 and 98 (seed 6)


# -- the set, the mapping ---------------------------------------------------------
def test_set_matches_by_any_hash_and_override_mapping_changes_labels(tmp_path):
    ks = load_known([FIX / "vics_case_v2.json", FIX / "icse_semicolon_bom.csv"])
    md5, sha1, sha256 = _sample_hashes("berlin_shop/bakery_sign.jpg")
    by_sha1 = ks.match(sha256="0" * 64, md5="1" * 32, sha1=sha1)
    assert [(m.source.name, m.matched_on, m.entry.series) for m in by_sha1] == [
        ("vics_case_v2.json", "sha1", "Synthetic Series Alpha")]
    gamma = _sample_hashes("london_corner_shop/shop_sign.jpg")
    assert [m.matched_on for m in ks.match(md5=gamma[0], sha1=gamma[1], sha256=gamma[2])] == ["sha256"]  # once
    assert ks.match_record(by_sha1[0])["category_label"] == "Comparison images"
    assert ks.match(sha256="f" * 64, md5="f" * 32, sha1="f" * 40) == []

    dhs = load_known([FIX / "vics_case_v2.json"], category_map=FIX / "category_map_dhs.json")
    rec = dhs.match_record(dhs.match(md5=md5)[0])
    assert rec["category_label"] == "Exemplar / comparison"
    labels, ident = load_category_map(None)
    assert labels["0"] == "Non-pertinent" and ident["name"] == "default"
    wrapped = tmp_path / "wrapped.json"
    wrapped.write_text(json.dumps({"scheme": "Unit X", "categories": {"CAT-4": "x", "a": "Letter A"}}))
    labels, ident = load_category_map(wrapped)
    assert labels == {"CAT-4": "x", "A": "Letter A"} and ident["scheme"] == "Unit X"
    bad = tmp_path / "bad.json"
    bad.write_text('{"1": ""}')
    with pytest.raises(KnownHashError, match="bad.json: category '1'"):
        load_category_map(bad)


def test_size_cap_refuses_without_reading_everything(tmp_path):
    big = tmp_path / "big.csv"
    big.write_bytes(b"md5\n" + (b"a" * 32 + b"\n") * 2000)
    with pytest.raises(KnownHashError, match=r"big.csv: hash list of 66,004 bytes is larger than the limit of 1,000"):
        load_known([big], max_bytes=1000)
    assert len(load_known([big])) == 2000


# -- scan, export -----------------------------------------------------------------
def _vics_list(path: Path, entries: list[dict]) -> Path:
    doc = {"@odata.context": "http://github.com/VICSDATAMODEL/ProjectVic/DataModels/2.0.xml/US/$metadata#Media",
           "value": entries}
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


@pytest.fixture()
def two_images(small_evidence) -> Path:
    """Two of the small sample images: the first will be on the list."""
    for p in sorted(small_evidence.iterdir())[2:]:
        p.unlink()
    return small_evidence


@pytest.mark.slow  # CLI scans (12-14 CPU s)
def test_scan_marks_known_item_skips_it_and_exports_vics(two_images, tmp_path):
    known_file, other = sorted(two_images.iterdir())
    md5, sha1, _ = _hashes(known_file)
    lst = _vics_list(tmp_path / "unit-list.json", [
        {"MediaID": 7, "MD5": md5.upper(), "SHA1": sha1.upper(), "Category": 4, "Series": "Synthetic Series Alpha",
         "VictimIdentified": "true"},
        {"MediaID": 8, "MD5": "0" * 32, "Category": 0}])
    case = tmp_path / "case"
    run_cli("scan", str(two_images), "--case", str(case), "--known-hashes", str(lst), "--quiet")
    recs = read_jsonl(case / "clues.jsonl")
    validator = jsonschema.Draft202012Validator(SCHEMA)
    assert not [e.message for r in recs for e in validator.iter_errors(r)]
    items = {r["path"]: r for r in recs if r["record"] == "item"}
    hit, miss = items[known_file.name], items[other.name]
    assert hit["status"] == "skipped"
    assert hit["error"] == ("known: series 'Synthetic Series Alpha' in unit-list.json, category 4 (Comparison images), "
                            "victim identified: yes")
    assert hit["known"] == [{"list": "unit-list.json", "list_sha256": hashlib.sha256(lst.read_bytes()).hexdigest(),
                             "format": "vics", "matched_on": "sha1", "series": "Synthetic Series Alpha",
                             "category": 4, "category_label": "Comparison images", "victim_identified": True,
                             "media_id": "7", "where": "Media entry 1"}]
    clue_items = {r["item_id"] for r in recs if r["record"] == "clue"}
    assert hit["item_id"] not in clue_items                 # not OCR'd
    assert miss["status"] == "done" and "known" not in miss and miss["item_id"] in clue_items
    run = next(r for r in recs if r["record"] == "run")
    assert run["config"]["extra"]["known_hashes"]["lists"][0]["sha256"] == hit["known"][0]["list_sha256"]

    out = tmp_path / "case.vics.json"
    run_cli("export", str(case), "--format", "vics", "--vics-form", "case", "-o", str(out))
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["@odata.context"].endswith("/2.0.xml/CUSTOM/$metadata#Cases")
    media = {m["RelativeFilePath"]: m for m in doc["value"][0]["Media"]}
    root = two_images.name
    m_hit, m_miss = media[f"{root}/{known_file.name}"], media[f"{root}/{other.name}"]
    assert (m_hit["MD5"], m_hit["SHA1"]) == (md5.upper(), sha1.upper())
    assert (m_hit["Series"], m_hit["Category"], m_hit["VictimIdentified"]) == ("Synthetic Series Alpha", 4, "true")
    assert "known: series 'Synthetic Series Alpha'" in m_hit["Comments"] and "known-hash" in m_hit["Tags"].split(";")
    assert m_miss["Series"] == miss["series"] and "Category" not in m_miss
    assessment = next(r for r in recs if r["record"] == "assessment" and r.get("item_id") == miss["item_id"])
    top = assessment["countries"][0]["country"]
    assert f"top countries {top} " in m_miss["Comments"] and "key clues: " in m_miss["Comments"]
    assert f"country:{top}" in m_miss["Tags"].split(";")
    # our own reader reads the export back: hashes, series
    back = {e.md5: e for e in parse_vics(out.read_bytes(), out.name)}
    assert back[md5].series == "Synthetic Series Alpha" and back[md5].category == 4 and back[md5].victim_identified
    assert back[miss["md5"]].sha1 == miss["sha1"] and back[miss["md5"]].series == miss["series"]


@pytest.mark.slow  # CLI scans (12-14 CPU s)
def test_process_known_processes_and_still_marks(two_images, tmp_path):
    known_file = sorted(two_images.iterdir())[0]
    sorted(two_images.iterdir())[1].unlink()
    _, _, sha256 = _hashes(known_file)
    lst = tmp_path / "icse.csv"
    lst.write_text(f"SHA256;Series;Category;Status\n{sha256};Synthetic Series Beta;4;Unidentified\n", encoding="utf-8")
    case = tmp_path / "case"
    run_cli("scan", str(two_images), "--case", str(case), "--known-hashes", str(lst), "--process-known",
            "--category-map", str(FIX / "category_map_dhs.json"), "--quiet")
    recs = read_jsonl(case / "clues.jsonl")
    item = next(r for r in recs if r["record"] == "item")
    assert item["status"] == "done" and item["error"] is None
    assert any(r["record"] == "clue" and r["item_id"] == item["item_id"] for r in recs)
    assert item["known"][0]["series"] == "Synthetic Series Beta" and item["known"][0]["matched_on"] == "sha256"
    assert item["known"][0]["victim_identified"] is False
    assert item["known"][0]["category_label"] == "Exemplar / comparison"   # the override mapping was used


def test_cli_refuses_malformed_list_naming_the_file(tmp_path, small_evidence):
    bad = tmp_path / "broken-list.json"
    bad.write_text('{"value": [{"MD5": "not a hash"}]}', encoding="utf-8")
    proc = run_cli("scan", str(small_evidence), "--case", str(tmp_path / "case"), "--known-hashes", str(bad),
                   check=False)
    assert proc.returncode == 2
    assert squash("broken-list.json: Media entry 1: MD5 'not a hash' is not 32 hexadecimal digits") in squash(proc.stderr)
    assert "traceback" not in proc.stderr.casefold()
    assert not (tmp_path / "case").exists()                 # refused before anything was written
    proc = run_cli("scan", str(small_evidence), "--case", str(tmp_path / "case"), "--category-map",
                   str(FIX / "category_map_dhs.json"), check=False)
    assert proc.returncode == 2 and "--known-hashes" in proc.stderr


def test_loaded_sets_are_found_by_configuration(tmp_path):
    from clueextract.config import ScanConfig
    from clueextract.deconflict import config_extra, for_config

    ks = load_known([FIX / "icse_comma.csv"], process_known=True)
    cfg = ScanConfig(extra=config_extra(ks))
    assert for_config(cfg) is ks and for_config(ScanConfig()) is None
    assert cfg.config_hash({}) != ScanConfig(extra=config_extra(load_known([FIX / "icse_comma.csv"]))).config_hash({})
    _LOADED.clear()
    with pytest.raises(KnownHashError, match="not loaded in this process"):
        for_config(cfg)


def test_api_scan_all_known_processes_nothing_and_resumes(small_evidence, tmp_path):
    from clueextract import scan
    from clueextract.config import ScanConfig
    from clueextract.deconflict import config_extra

    files = sorted(small_evidence.iterdir())
    rows = "\n".join(f"{_hashes(p)[0]},Synthetic Series {i}" for i, p in enumerate(files))
    shutil.copy2(files[0], small_evidence / "copy.jpg")   # not named on the list: marked by its content
    lst = tmp_path / "all.csv"
    lst.write_text("md5,series\n" + rows + "\n", encoding="utf-8")
    config = ScanConfig(extra=config_extra(load_known([lst])))
    case = tmp_path / "case"
    first = scan([small_evidence], case=case, config=config)
    assert first.processed == 0 and first.counts.get("skipped") == 4 and first.counts["clues"] == 0
    items = [r for r in read_jsonl(case / "clues.jsonl") if r["record"] == "item"]
    assert all(r["known"][0]["list"] == "all.csv" and r["error"].startswith("known: series 'Synthetic Series ")
               and r["note"] is None for r in items)
    again = scan([small_evidence], case=case, config=config)
    assert again.resumed == 4 and again.processed == 0
