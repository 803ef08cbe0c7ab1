"""The real-media evaluation set (eval/real/MANIFEST.tsv) is what it says: every file present with the
hash the manifest records, the tune/check split follows the hash rule, required columns are filled,
scripts are ISO 15924 codes, and every file copied into the repository carries a licence that allows it.

Rows with where=shared live in ../shared/realdev/ (beside the clone in CI); they are checked when that
folder is present and skipped, with the reason, where it is not.
"""
from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
REAL = ROOT / "eval" / "real"
SHARED = ROOT.parent / "shared" / "realdev"
RESERVED = SHARED / "RESERVED.txt"
COLUMNS = ["file", "where", "sha256", "kind", "source_repo", "source_path", "licence", "languages", "scripts",
           "country_iso2", "key_text", "split", "notes"]
REQUIRED = ["file", "where", "sha256", "kind", "source_repo", "source_path", "licence", "languages", "scripts",
            "country_iso2", "split"]
# licences whose files may be redistributed inside this Apache-2.0 repository
COPYABLE = {"MIT", "MIT-0", "Apache-2.0", "BSD-2-Clause", "BSD-3-Clause", "MPL-2.0", "CC-BY-4.0", "CC-BY-2.0",
            "CC0-1.0", "PD"}
SCRIPT_CODES = {"Latn", "Cyrl", "Grek", "Arab", "Hebr", "Deva", "Beng", "Guru", "Gujr", "Orya", "Taml", "Telu",
                "Knda", "Mlym", "Sinh", "Thai", "Laoo", "Khmr", "Mymr", "Tibt", "Geor", "Armn", "Ethi", "Hans",
                "Hant", "Hani", "Jpan", "Kore", "Hang", "Thaa"}


def rows() -> list[dict]:
    with open(REAL / "MANIFEST.tsv", encoding="utf-8", newline="") as f:
        header = f.readline().rstrip("\n").split("\t")
        assert header == COLUMNS
        out = []
        for n, line in enumerate(f, start=2):
            cells = line.rstrip("\n").split("\t")
            assert len(cells) == len(COLUMNS), f"line {n}: {len(cells)} cells"
            out.append(dict(zip(COLUMNS, cells)))
    return out


ROWS = rows()


def split_rule(sha256: str) -> str:
    return "tune" if int(sha256[:8], 16) % 2 == 0 else "check"


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def test_manifest_columns_and_values():
    assert len(ROWS) >= 100
    seen = set()
    for r in ROWS:
        for c in REQUIRED:
            assert r[c].strip(), f"{r['file']}: empty {c}"
        assert (r["where"], r["file"]) not in seen, f"{r['file']} listed twice"
        seen.add((r["where"], r["file"]))
        assert r["where"] in ("repo", "shared"), r["file"]
        assert r["kind"] in ("image", "audio", "video"), r["file"]
        assert re.fullmatch(r"[0-9a-f]{64}", r["sha256"]), r["file"]
        assert r["country_iso2"] == "-" or re.fullmatch(r"[A-Z]{2}", r["country_iso2"]), r["file"]
        if r["kind"] == "audio":
            assert r["scripts"] == "-", r["file"]
        elif r["scripts"] != "-":
            assert set(r["scripts"].split(",")) <= SCRIPT_CODES, f"{r['file']}: {r['scripts']}"
        if r["kind"] != "audio" or r["country_iso2"] != "-":
            assert r["key_text"].strip(), f"{r['file']}: empty key_text"
        assert not Path(r["file"]).is_absolute() and ".." not in Path(r["file"]).parts, r["file"]


def test_split_follows_the_hash_rule_and_mixes_scripts():
    for r in ROWS:
        assert r["split"] == split_rule(r["sha256"]), r["file"]
    for part in ("tune", "check"):
        shown = {s for r in ROWS if r["split"] == part for s in r["scripts"].split(",") if s != "-"}
        # each part holds Latin, Arabic, Cyrillic and Chinese text and several more scripts besides
        assert {"Latn", "Arab", "Cyrl", "Hans"} <= shown, (part, shown)
        assert len(shown) >= 8, (part, shown)
        assert sum(r["country_iso2"] != "-" for r in ROWS if r["split"] == part) >= 25


def test_copied_files_exist_with_their_hash_and_an_allowed_licence():
    repo_rows = [r for r in ROWS if r["where"] == "repo"]
    assert len(repo_rows) >= 50
    for r in repo_rows:
        assert r["licence"] in COPYABLE, f"{r['file']}: {r['licence']} may not be copied here"
        path = REAL / r["file"]
        assert path.is_file(), r["file"]
        assert sha256_of(path) == r["sha256"], f"{r['file']}: hash differs from the manifest"
    reserved = {line.strip().lower() for line in RESERVED.read_text(encoding="utf-8").splitlines()
                if line.strip() and not line.startswith("#")} if RESERVED.is_file() else set()
    copied_reserved = [r["file"] for r in repo_rows if r["source_repo"].lower() in reserved]
    assert not copied_reserved, f"media of a RESERVED.txt repository copied here: {copied_reserved}"
    listed = {r["file"] for r in repo_rows} | {"MANIFEST.tsv", "README.md", "SOURCES.md", "judged_entities.tsv"}
    present = {p.relative_to(REAL).as_posix() for p in REAL.rglob("*") if p.is_file()}
    assert present <= listed, f"files in eval/real not in the manifest: {sorted(present - listed)}"


def test_in_place_files_exist_with_their_hash():
    shared_rows = [r for r in ROWS if r["where"] == "shared"]
    assert shared_rows
    if not SHARED.is_dir():
        pytest.skip(f"{SHARED} is absent (it sits beside the clone in CI); in-place rows not checked")
    for r in shared_rows:
        path = SHARED / r["file"]
        assert path.is_file(), r["file"]
        assert sha256_of(path) == r["sha256"], f"{r['file']}: hash differs from the manifest"


def test_judged_entities_name_manifest_files_and_say_why_when_wrong():
    """eval/real/judged_entities.tsv (place, brand and organisation clues judged by eye, read by
    benchmarks/eval.py): each row names a file of the manifest, a clue kind, a verdict, and why
    for a wrong one; a clue appears once."""
    import csv

    files = {r["file"] for r in rows()}
    with open(REAL / "judged_entities.tsv", encoding="utf-8", newline="") as f:
        judged = list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE, escapechar="\\"))
    assert judged
    keys = set()
    for r in judged:
        key = (r["file"], r["kind"], r["value"], r["normalized"], r["top_country"])
        assert key not in keys, key
        keys.add(key)
        assert r["file"] in files and r["kind"] in ("place", "brand", "organization"), r
        assert r["judgement"] in ("right", "wrong") and (r["judgement"] == "right" or r["why"]), r
        assert re.fullmatch(r"[A-Z]{2}|-", r["top_country"]), r
