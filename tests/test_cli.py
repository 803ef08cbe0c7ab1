"""CLI contract: packs validate names the file and field, models verify, export formats, review appends."""
from __future__ import annotations

import csv
import io
import json
import shutil

import pytest
import yaml

from conftest import ROOT, read_jsonl, run_cli


def test_packs_validate_accepts_shipped_packs_and_names_the_bad_field(tmp_path):
    ok = run_cli("packs", "validate")
    assert f"{len(list((ROOT / 'language_packs').glob('*.yaml')))} pack(s) valid" in ok.stderr
    bad = tmp_path / "th.yaml"
    data = yaml.safe_load((ROOT / "language_packs" / "th.yaml").read_text(encoding="utf-8"))
    data["countries"] = ["Thailand"]
    bad.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    proc = run_cli("packs", "validate", str(bad), check=False)
    assert proc.returncode == 1
    assert str(bad) in proc.stderr and "field countries/0" in proc.stderr


def test_scan_refuses_unknown_pack_and_case_inside_evidence(tmp_path, small_evidence):
    proc = run_cli("scan", str(small_evidence), "--case", str(tmp_path / "c"), "--packs", "xx", check=False)
    assert proc.returncode == 2 and "unknown language pack" in proc.stderr
    proc = run_cli("scan", str(small_evidence), "--case", str(small_evidence / "case"), check=False)
    assert proc.returncode == 2 and "never writes into evidence" in proc.stderr
    assert not (small_evidence / "case").exists()


def test_models_list_and_verify():
    from clueextract.models import registry

    proc = run_cli("models", "verify")
    # one line per registered model: "ok  NAME SHA256" when found and verified
    rows = {parts[1]: parts for parts in (line.split() for line in proc.stderr.splitlines()) if len(parts) >= 3}
    assert set(rows) == {m.name for m in registry()}
    assert len([m for m in registry() if not m.optional]) == 6  # + the line-script classifier
    for m in registry():
        present = m.path() is not None and m.path().is_file()
        if not m.optional or present:  # the optional EasyOCR weights are verified when installed
            assert rows[m.name][0] == "ok" and rows[m.name][2] == m.sha256, rows[m.name]
        else:
            assert rows[m.name][0] == "BAD" and "missing" in " ".join(rows[m.name][3:]), rows[m.name]
    listing = json.loads(run_cli("models", "list", "--json").stdout)
    by_name = {m["name"]: m for m in listing}
    assert by_name["PP-OCRv6_rec_small"]["sha256"].startswith("6f327246b50388f3")
    assert by_name["whisper-base"]["sha256"].startswith("905e5bf8336bcc62") and by_name["whisper-base"]["ok"]
    assert by_name["whisper-base"]["size"] == 145217607 and by_name["silero_vad_v6"]["source"] == "faster_whisper"


@pytest.mark.slow  # CLI scans (10-12 CPU s)
def test_export_formats_and_review_log(tmp_path, small_evidence):
    case = tmp_path / "case"
    run_cli("scan", str(small_evidence), "--case", str(case), "--packs", "en,th,fr", "--quiet")
    series = read_jsonl(case / "clues.jsonl")[1]["series"]
    run_cli("review", str(case), "--series", series, "--confirm", "th", "--reviewer", "analyst-1", "--note", "sign text")
    run_cli("review", str(case), "--series", series, "--exclude", "FR", "--reviewer", "analyst-2")
    proc = run_cli("review", str(case), "--series", "nope", "--confirm", "TH", "--reviewer", "x", check=False)
    assert proc.returncode == 2 and "no series" in proc.stderr
    out = run_cli("export", str(case), "--format", "jsonl").stdout
    reviews = [r for r in map(__import__("json").loads, out.splitlines()) if r["record"] == "review"]
    assert [(r["country"], r["decision"], r["reviewer"]) for r in reviews] == [
        ("TH", "confirm", "analyst-1"), ("FR", "exclude", "analyst-2")]
    rows = list(csv.DictReader(io.StringIO(run_cli("export", str(case), "--format", "csv").stdout)))
    assert rows and {"kind", "value", "countries", "path"} <= set(rows[0])
    run_cli("export", str(case), "--format", "md", "-o", str(tmp_path / "s.md"))
    assert "## Series" in (tmp_path / "s.md").read_text(encoding="utf-8")
    shutil.rmtree(case)


@pytest.mark.slow  # CLI scans (10-12 CPU s)
def test_series_by_none_and_a_packs_dir_of_ones_own(tmp_path, small_evidence, monkeypatch):
    """--series-by none: every item in one series named after the evidence root, whatever its
    folder. --packs-dir: the packs come from that folder only (the run record names each pack
    with the SHA-256 of the file read). CLUEEXTRACT_PACKS points `packs list` there too."""
    import hashlib

    packs = tmp_path / "packs"
    packs.mkdir()
    shutil.copy2(ROOT / "language_packs" / "en.yaml", packs / "en.yaml")
    sub = small_evidence / "deeper" / "folder"
    sub.mkdir(parents=True)
    shutil.copy2(sorted(small_evidence.glob("*.jpg"))[0], sub / "copy.jpg")
    case = tmp_path / "case"
    run_cli("scan", str(small_evidence), "--case", str(case), "--series-by", "none", "--packs-dir", str(packs),
            "--quiet")
    recs = read_jsonl(case / "clues.jsonl")
    items = [r for r in recs if r["record"] == "item"]
    assert len(items) == 4 and {r["series"] for r in items} == {small_evidence.name}
    assert "deeper/folder/copy.jpg" in {r["path"] for r in items}
    run = recs[0]
    assert run["engines"]["packs"] == {"en": hashlib.sha256((packs / "en.yaml").read_bytes()).hexdigest()}
    assert run["engines"]["candidate_languages"] == ["en"]
    proc = run_cli("scan", str(small_evidence), "--case", str(tmp_path / "c2"), "--series-by", "drawer", check=False)
    assert proc.returncode == 2 and "--series-by must be 'folder' or 'none'" in proc.stderr
    monkeypatch.setenv("CLUEEXTRACT_PACKS", str(packs))
    listed = run_cli("packs", "list").stdout.split()
    assert "en" in listed and "th" not in listed, listed
