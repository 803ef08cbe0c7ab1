"""Exports that land, and the CLI/API contract around them (issue 19, first-use report):

- VICS: IPED's hash-set form by default (first key @odata.context ending /2.0.xml/Default/$metadata#Media,
  Media directly in value[], nothing else), the case form on request; decisions in both (an excluded
  country never tagged, a confirmed one tagged with reviewer and date in Comments); the tool's own
  export read back by --known-hashes matches every item of a real scan.
- CSV: cells that would be formulas are neutralised (a phone keeps its '+'), hashes and decisions are
  columns, --what series, --bom.
- Export failures are one line and exit 2; a read-only case exports; --quiet is silent; empty
  reviewers are refused; the Python API makes the CLI's path checks; counts always have every key;
  the scan lock file does not outlive a scan; help and messages read well in a pipe.
"""
from __future__ import annotations

import csv
import io
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from clueextract import TOOL
from clueextract.export.csv_export import safe_cell
from clueextract.export.summary_md import render_md
from clueextract.export.published import iter_records
from clueextract.export.summary_model import build_case_view, pct
from clueextract.review import ReviewError, add_review
from clueextract.store import CaseStore

from conftest import ROOT, read_jsonl, run_cli
from test_serve import _item, _ocr, build_case

HASHSET = "http://github.com/VICSDATAMODEL/ProjectVic/DataModels/2.0.xml/Default/$metadata#Media"


def _decide(case: Path, *decisions: tuple[str, str, str, str]) -> None:
    store = CaseStore(case)
    for series, cc, decision, who in decisions:
        add_review(store, series, cc, decision, who, None)
    store.close()


def _media(doc: dict) -> list[dict]:
    return doc["value"] if doc["@odata.context"].endswith("#Media") else doc["value"][0]["Media"]


# -- VICS ----------------------------------------------------------------------------------------------

def test_vics_hashset_by_default_case_form_on_request_and_decisions_in_both(tmp_path):
    case = build_case(tmp_path / "case")
    _decide(case, ("speech_london", "UZ", "exclude", "ana"), ("speech_london", "GB", "confirm", "ana"),
            ("bangkok_market", "TH", "confirm", "ben"), ("berlin_shop", "DE", "confirm", "ana"),
            ("berlin_shop", "AT", "confirm", "ben"))
    text = run_cli("export", str(case), "--format", "vics").stdout
    assert text.startswith('{\n "@odata.context": "' + HASHSET + '",\n "value": [')  # IPED reads the first key
    hashset = json.loads(text)
    assert list(hashset) == ["@odata.context", "value"] and all("MD5" in m and "Media" not in m
                                                                  for m in hashset["value"])
    out = tmp_path / "case.vics.json"
    run_cli("export", str(case), "--format", "vics", "--vics-form", "case", "-o", str(out))
    case_form = json.loads(out.read_text(encoding="utf-8"))
    assert case_form["@odata.context"].endswith("/2.0.xml/CUSTOM/$metadata#Cases")
    assert _media(case_form) == hashset["value"]  # the same Media in both forms
    by_file = {m["RelativeFilePath"].split("/", 1)[1]: m for m in hashset["value"]}
    london = by_file["speech_london/shop_directions.flac"]
    tags = london["Tags"].split(";")
    assert "country:UZ" not in tags and tags[:3] == ["clueextract", "review:confirmed", "country:GB"]
    assert "UZ 24%" not in london["Comments"] and "(excluded by expert)" in london["Comments"]
    assert re.search(r"review of series 'speech_london': confirmed GB \(ana \d{4}-\d\d-\d\d\); "
                     r"excluded UZ \(ana \d{4}-\d\d-\d\d\)", london["Comments"])
    bangkok = by_file["bangkok_market/fruit_stall_sign.jpg"]
    assert "country:TH" in bangkok["Tags"].split(";") and "confirmed TH (ben " in bangkok["Comments"]
    berlin = by_file["berlin_shop/bakery.jpg"]
    assert "review:disputed" in berlin["Tags"].split(";") and "country:DE" in berlin["Tags"].split(";")
    pending = by_file[next(k for k in by_file if k.startswith("evil_"))]
    assert "review:pending" in pending["Tags"].split(";") and "review of series" not in pending["Comments"]
    with pytest.raises(subprocess.CalledProcessError):
        subprocess.run([*__import__("conftest").CLI, "export", str(case), "--format", "vics", "--vics-form", "x"],
                       check=True, capture_output=True, cwd=ROOT)


@pytest.mark.slow  # three CLI scans (16 CPU s, 40-200 s wall on the shared 2-core machine)
def test_own_vics_export_read_back_by_known_hashes_matches_every_item(tmp_path, small_evidence):
    """A real scan, its VICS export (the default form), and a scan of the same evidence against it:
    every file is known (matched by hash), skipped, reported by an item event, and marked in the
    jsonl; the case form matches too."""
    case = tmp_path / "case"
    run_cli("scan", str(small_evidence), "--case", str(case), "--packs", "en,th,fr", "--quiet")
    assert not (case / ".scan.lock").exists()  # the lock file does not outlive the scan
    items = [r for r in read_jsonl(case / "clues.jsonl") if r["record"] == "item"]
    assert len(items) == 3 and all(r["status"] == "done" for r in items)
    for form in ("hashset", "case"):
        vics = tmp_path / f"own-{form}.json"
        run_cli("export", str(case), "--format", "vics", "--vics-form", form, "-o", str(vics))
        again = tmp_path / f"again-{form}"
        proc = run_cli("scan", str(small_evidence), "--case", str(again), "--known-hashes", str(vics), "--log-json")
        events = [json.loads(line) for line in proc.stderr.splitlines() if line.startswith("{")]
        skipped = {e["path"]: e for e in events if e["event"] == "item"}
        assert set(skipped) == {r["path"] for r in items}
        assert all(e["status"] == "skipped" and e["known"][0]["list"] == vics.name for e in skipped.values())
        back = {r["path"]: r for r in read_jsonl(again / "clues.jsonl") if r["record"] == "item"}
        for r in items:
            hit = back[r["path"]]
            assert hit["status"] == "skipped" and hit["known"][0]["matched_on"] in ("sha1", "md5")
            assert hit["known"][0]["series"] == r["series"]
        assert next(e for e in events if e["event"] == "run_end")["counts"]["skipped"] == 3


# -- CSV -------------------------------------------------------------------------------------------------

def test_csv_neutralises_formulas_keeps_a_phone_readable_and_carries_hashes_and_decisions(tmp_path):
    case = build_case(tmp_path / "case")
    store = CaseStore(case)
    run_id = store.begin_run(TOOL, {"test": True}, "c" * 64, {}, ["evidence"])
    texts = ["=HYPERLINK(\"http://x\")", "+66 2 123 4567", "-2+3", "@SUM(A1)", "\tTAB", "\rCR", "plain"]
    _item(store, "evidence", "=cmd|' /C calc'!A0", "x.jpg", "image", run_id,  # a folder name is evidence too
          [_ocr(t, [0, 0, 1, 1]) for t in texts])
    store.close()
    _decide(case, ("speech_london", "UZ", "exclude", "ana"))
    out = tmp_path / "clues.csv"
    run_cli("export", str(case), "--format", "csv", "-o", str(out))
    with open(out, encoding="utf-8", newline="") as f:  # a value's own CR is kept (quoted by the csv module)
        rows = list(csv.DictReader(f))
    assert {"sha256", "md5", "series_review_status", "series_review"} <= set(rows[0])
    values = [r["value"] for r in rows if r["series"] == "'=cmd|' /C calc'!A0"]
    assert values == ["'=HYPERLINK(\"http://x\")", "'+66 2 123 4567", "'-2+3", "'@SUM(A1)", "'\tTAB", "'\rCR", "plain"]
    assert {r["path"] for r in rows if r["series"] == "'=cmd|' /C calc'!A0"} == {"'=cmd|' /C calc'!A0/x.jpg"}
    for r in rows:  # no cell anywhere starts a formula
        assert not any(v.startswith(("=", "+", "-", "@", "\t", "\r")) for v in r.values()), r
        assert re.fullmatch(r"[0-9a-f]{64}", r["sha256"]) and re.fullmatch(r"[0-9a-f]{32}", r["md5"])
    london = [r for r in rows if r["series"] == "speech_london"]
    assert {r["series_review_status"] for r in london} == {"excluded"}
    assert all(re.fullmatch(r"excluded UZ \(ana \d{4}-\d\d-\d\d\)", r["series_review"]) for r in london)
    assert safe_cell("+66 2 123 4567") == "'+66 2 123 4567" and safe_cell(0.5) == "0.5" and safe_cell(None) == ""


def test_csv_series_table_with_decisions_and_an_optional_bom(tmp_path):
    case = build_case(tmp_path / "case")
    _decide(case, ("speech_london", "UZ", "exclude", "ana"), ("speech_london", "GB", "confirm", "ben"))
    out = tmp_path / "series.csv"
    run_cli("export", str(case), "--format", "csv", "--what", "series", "--bom", "-o", str(out))
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbfseries,review_status,rank,country")
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    london = {r["country"]: r for r in rows if r["series"] == "speech_london"}
    assert london["UZ"]["rank"] == "1" and london["UZ"]["review_state"] == "excluded"
    assert london["UZ"]["decisions"].startswith("exclude by ana ")
    assert london["GB"]["review_state"] == "confirmed" and london["GB"]["review_status"] == "confirmed"
    assert london["GB"]["desk"] == "Northern Europe" and float(london["GB"]["probability"]) > 0
    assert {r["series"] for r in rows} >= {"bangkok_market", "berlin_shop", "speech_london"}
    assert run_cli("export", str(case), "--format", "csv").stdout.startswith("series,path,item_id,sha256,md5,")


# -- export failures, read-only cases ------------------------------------------------------------------------

def test_export_failures_are_one_line_and_exit_2(tmp_path):
    case = build_case(tmp_path / "case")
    for target, why in ((tmp_path / "missing" / "x.csv", "No such file or directory"),
                        (tmp_path, "it is a directory")):
        proc = run_cli("export", str(case), "--format", "csv", "-o", str(target), check=False)
        assert proc.returncode == 2, proc.stderr
        assert proc.stderr.count("\n") == 1 and proc.stderr.startswith("error: cannot write") and why in proc.stderr
        assert "Traceback" not in proc.stderr
    assert not list(tmp_path.glob(".*.tmp")) and not list(case.glob(".export*"))
    proc = run_cli("export", str(tmp_path / "nope"), check=False)
    assert proc.returncode == 2 and "is not a case folder" in proc.stderr


def _unshare_ok() -> bool:
    return shutil.which("unshare") is not None and subprocess.run(
        ["unshare", "-rm", "true"], capture_output=True).returncode == 0


@pytest.mark.skipif(not _unshare_ok(), reason="needs unshare -rm (user and mount namespaces) for a read-only mount")
def test_read_only_case_exports_and_refuses_a_review_clearly(tmp_path):
    """The case folder is bind-mounted read-only (as a case on write-protected media): export to
    stdout works and writes nothing; a target on it fails in one line; a review is refused in one line."""
    case = build_case(tmp_path / "case")
    _decide(case, ("speech_london", "GB", "confirm", "ana"))
    before = sorted(p.name for p in case.iterdir())
    cli = " ".join(f"'{a}'" for a in __import__("conftest").CLI)
    script = (f"mount --bind -o ro '{case}' '{case}' && "
              f"{cli} export '{case}' --format jsonl > '{tmp_path}/out.jsonl' && echo EXPORT-OK; "
              f"{cli} export '{case}' --format csv -o '{case}/x.csv'; echo rc=$?; "
              f"{cli} review '{case}' --series speech_london --confirm GB --reviewer ben; echo rc=$?")
    proc = subprocess.run(["unshare", "-rm", "sh", "-c", script], capture_output=True, text=True, cwd=ROOT,
                          timeout=300)
    assert "EXPORT-OK" in proc.stdout, proc.stderr
    recs = read_jsonl(tmp_path / "out.jsonl")
    assert [r["country"] for r in recs if r["record"] == "review"] == ["GB"]
    assert proc.stdout.count("rc=2") == 2, proc.stdout + proc.stderr
    errors = [line for line in proc.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 2 and "Read-only file system" in errors[0] and "cannot be written" in errors[1]
    assert "Traceback" not in proc.stderr
    assert sorted(p.name for p in case.iterdir()) == before


def test_export_to_stdout_writes_nothing_into_the_case(tmp_path):
    case = build_case(tmp_path / "case")
    before = {p.name: p.stat().st_mtime_ns for p in case.iterdir()}
    for fmt in ("jsonl", "csv", "md", "html", "vics"):
        assert run_cli("export", str(case), "--format", fmt).stdout
    assert {p.name: p.stat().st_mtime_ns for p in case.iterdir()} == before


# -- review and scan arguments, the API ------------------------------------------------------------------------

def test_review_refuses_an_empty_reviewer_and_suggests_a_country_code(tmp_path):
    case = build_case(tmp_path / "case")
    for who in ("", "   "):
        proc = run_cli("review", str(case), "--series", "berlin_shop", "--confirm", "DE", "--reviewer", who,
                       check=False)
        assert proc.returncode == 2 and "may not be empty" in proc.stderr
    proc = run_cli("review", str(case), "--series", "berlin_shop", "--confirm", "germany", "--reviewer", "ana",
                   check=False)
    assert proc.returncode == 2 and "did you mean DE (Germany)?" in proc.stderr
    store = CaseStore(case)
    with pytest.raises(ReviewError, match="may not be empty"):
        add_review(store, "berlin_shop", "DE", "confirm", " \t", None)
    assert store.reviews() == []
    store.close()
    run_cli("review", str(case), "--series", "berlin_shop", "--confirm", "DE", "--reviewer", "ana")
    proc = run_cli("review", str(case), "--series", "berlin_shop", "--confirm", "AT", "--reviewer", "ben")
    assert "warning: reviewers disagree on series berlin_shop" in proc.stderr


def _text_only_evidence(tmp_path: Path) -> Path:
    ev = tmp_path / "ev"
    ev.mkdir()
    (ev / "notes.txt").write_text("not media\n", encoding="utf-8")
    return ev


def test_quiet_is_silent_quiet_with_log_json_is_refused_and_the_lock_goes(tmp_path):
    ev = _text_only_evidence(tmp_path)
    proc = run_cli("scan", str(ev), "--case", str(tmp_path / "c"), "--quiet")
    assert proc.stdout == "" and proc.stderr == ""
    assert not (tmp_path / "c" / ".scan.lock").exists() and (tmp_path / "c" / "case.sqlite").exists()
    proc = run_cli("scan", str(ev), "--case", str(tmp_path / "c2"), "--quiet", "--log-json", check=False)
    assert proc.returncode == 2 and "exclude each other" in proc.stderr and not (tmp_path / "c2").exists()


def test_bad_pack_leaves_no_case_folder_and_errors_are_one_line(tmp_path):
    ev = _text_only_evidence(tmp_path)
    packs = ",".join(f"zz{i}" for i in range(30))
    proc = run_cli("scan", str(ev), "--case", str(tmp_path / "c"), "--packs", packs, check=False,
                   prefix=("env", "COLUMNS=40"))
    assert proc.returncode == 2 and "unknown language pack" in proc.stderr
    assert proc.stderr.count("\n") == 1, proc.stderr  # not hard-wrapped at the terminal width
    assert not (tmp_path / "c").exists()


def test_api_scan_makes_the_cli_checks_and_counts_every_key(tmp_path):
    import clueextract
    from clueextract.api import CaseInsideEvidence, EvidenceNotFound
    from clueextract.config import ScanConfig
    from clueextract.packs import PackError

    ev = _text_only_evidence(tmp_path)
    with pytest.raises(CaseInsideEvidence):
        clueextract.scan([ev], case=ev / "case")
    assert not (ev / "case").exists()
    with pytest.raises(EvidenceNotFound):
        clueextract.scan([tmp_path / "no-such-folder"], case=tmp_path / "c1")
    assert isinstance(EvidenceNotFound("x"), FileNotFoundError)
    with pytest.raises(PackError):
        clueextract.scan([ev], case=tmp_path / "c2", config=ScanConfig(packs=("xx",)))
    assert not (tmp_path / "c1").exists() and not (tmp_path / "c2").exists()
    report = clueextract.scan([ev], case=tmp_path / "c3")
    assert report.counts == {"done": 0, "skipped": 1, "error": 0, "clues": 0}
    assert not (tmp_path / "c3" / ".scan.lock").exists()


def test_models_list_in_a_pipe_and_help_text():
    from clueextract.models import registry

    out = run_cli("models", "list").stdout.splitlines()
    assert out[0].split("\t") == ["name", "engine", "role", "source", "size", "sha256", "ok"]
    hashes = {line.split("\t")[0]: line.split("\t")[5] for line in out[1:]}
    assert hashes == {m.name: m.sha256 for m in registry()}  # whole hashes, nothing cut
    assert "--json" in run_cli("models", "list", "--help").stdout
    scan_help = run_cli("scan", "--help").stdout
    assert "<bool>" not in scan_help and "--quiet" in scan_help and "--process-known" in scan_help
    review_help = " ".join(run_cli("review", "--help").stdout.split())
    assert "Series name as the summaries" in review_help and "may not be empty" in review_help


# -- summaries -------------------------------------------------------------------------------------------------

def test_summary_md_has_a_series_index_status_and_no_hard_100_or_0_percent(tmp_path):
    case = build_case(tmp_path / "case")
    _decide(case, ("berlin_shop", "DE", "confirm", "ana"), ("berlin_shop", "AT", "confirm", "ben"),
            ("speech_london", "UZ", "exclude", "ana"))
    store = CaseStore(case, read_only=True)
    view = build_case_view(iter_records(store), "case")
    store.close()
    text = render_md(view)
    index = text[text.index("## Series index"):text.index("## Series: ")]
    assert "| bangkok_market | TH >99% |" in index  # one country: never '100%'
    assert "| berlin_shop |" in index and "**disputed** DE, AT" in index.replace("AT, DE", "DE, AT")
    assert "| speech_london |" in index and "| excluded UZ |" in index
    assert "100%" not in text and " 0%" not in text
    assert "Competing evidence" in text and "argues against" not in text
    assert [pct(x) for x in (1.0, 0.996, 0.994, 0.5, 0.006, 0.004, 0.0)] == [
        ">99%", ">99%", "99%", "50%", "1%", "<1%", "<1%"]
