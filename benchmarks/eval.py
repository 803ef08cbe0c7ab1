"""Accuracy report for `make eval`: synthetic samples and the real set's tune and check parts side by side.

Parts and their scans (each a case folder that `make eval` fills first; a re-run resumes):
  samples     samples_benign/ (synthetic, manifests samples_benign/manifest*.json)   -> eval-case/
  real-tune   eval/real/MANIFEST.tsv rows with split=tune (tune on these only)      -> eval-real-tune/
  real-check  eval/real/MANIFEST.tsv rows with split=check (targets are stated here) -> eval-real-check/
Rows with where=shared live in ../shared/realdev/ and are left out (with a note) where it is absent.

Printed per part:
- OCR word recall per script, mean word recall per image and the share of images with >= 70 % of their
  key words read (matching rule: benchmarks/eval_metrics.py, eval/real/README.md);
- the share of kept ocr_text lines whose letters are mostly in a script the item does not show;
- jurisdiction top-1 / top-3 per item and per series (real set: series = truth country + media kind),
  with all clues and with text + speech only; only items whose content pins a country count;
- per clue kind: of the items where the kind voted, how often its own top country is right;
- reliability: items binned by the top country's probability against the share right;
- place and brand clues: counts here, every clue in <case>/place_brand_clues.tsv for judging by hand;
- seconds per image (median, p90) from the scan's item info.
Countries are re-assessed from the stored clues with today's evidence model (clueextract.assess), so
a change to the model is measured without a rescan.

    python benchmarks/eval.py [--samples-case eval-case] [--tune-case eval-real-tune]
                              [--check-case eval-real-check] [--parts samples,real-tune,real-check] [--json]
    python benchmarks/eval.py --list real-tune      # the files of a part, one a line (for the scan)
"""
from __future__ import annotations

import argparse
import csv
import json
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from eval_metrics import (DIGITS, OcrText, expand_scripts, key_words, main_script,  # noqa: E402
                          quantile, reliability)

from clueextract.assess import assess  # noqa: E402
from clueextract.export.published import iter_records  # noqa: E402
from clueextract.store import CaseStore  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
REAL = ROOT / "eval" / "real"
SHARED = ROOT.parent / "shared" / "realdev"
METADATA_KINDS = {"gps", "timezone", "device"}
PARTS = ("samples", "real-tune", "real-check")
ENTITY_KINDS = ("place", "brand", "organization")


@dataclass
class Unit:
    name: str
    media: str                      # image | video | audio
    truth: str | None               # ISO country where the content pins one
    series: str | None
    key_text: str
    scripts: set[str] | None        # Unicode scripts the item shows (None: unknown)
    clues: list[dict] = field(default_factory=list)
    seconds: float | None = None
    scanned: bool = False


def manifest_rows() -> list[dict]:
    with open(REAL / "MANIFEST.tsv", encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))


def real_path(row: dict) -> Path:
    return (REAL if row["where"] == "repo" else SHARED) / row["file"]


def real_truth(part: str) -> tuple[list[dict], list[str]]:
    """Manifest rows of a real part whose file is here, and the files left out."""
    split = part.split("-", 1)[1]
    rows, absent = [], []
    for r in manifest_rows():
        if r["split"] != split:
            continue
        (rows if real_path(r).is_file() else absent).append(r)
    return rows, [r["file"] for r in absent]


def sample_truth(samples: Path) -> dict[str, dict]:
    out = {}
    for m in sorted(samples.glob("manifest*.json")):
        for it in json.loads(m.read_text(encoding="utf-8"))["items"]:
            texts = it.get("lines") or it.get("texts") or []
            captions = (it.get("video") or {}).get("caption") or []  # speech clips with a still picture
            texts = texts + [{"text": c, "script": main_script(c) or ""} for c in captions]
            media = it.get("media_type") or ("video" if "texts" in it else "image")
            out[it["path"]] = {"country": it.get("country"), "series": it.get("series"), "media": media,
                               "key_text": " / ".join(t["text"] for t in texts),
                               "scripts": expand_scripts(t.get("script", "") for t in texts) if texts else None}
    return out


def load_case(case: Path):
    """Items (records), clues by item id and the scan's seconds per item id."""
    store = CaseStore(case)
    try:
        recs = list(iter_records(store))
        seconds = {}
        for row in store.items():
            info = json.loads(row["info_json"]) if row["info_json"] else {}
            seconds[row["item_id"]] = info.get("seconds")
    finally:
        store.close()
    items = [r for r in recs if r["record"] == "item"]
    clues = defaultdict(list)
    for r in recs:
        if r["record"] == "clue":
            clues[r["item_id"]].append(r)
    return items, clues, seconds


def build_units(part: str, case: Path, samples: Path) -> tuple[list[Unit], list[str]]:
    units: dict[str, Unit] = {}
    by_key: dict[str, str] = {}
    notes: list[str] = []
    if part == "samples":
        for path, t in sample_truth(samples).items():
            units[path] = Unit(path, t["media"], t["country"], t["series"], t["key_text"],
                               t["scripts"] if t["media"] != "audio" else None)
            by_key[path] = path
    else:
        rows, absent = real_truth(part)
        if absent:
            notes.append(f"{len(absent)} files of {part} not here (../shared/realdev absent?), left out")
        for r in rows:
            cc = None if r["country_iso2"] == "-" else r["country_iso2"]
            units[r["file"]] = Unit(r["file"], r["kind"], cc, f"{cc}/{r['kind']}" if cc else None,
                                    r["key_text"] if r["kind"] != "audio" else "",
                                    expand_scripts(r["scripts"].split(",")) if r["kind"] != "audio" else None)
            by_key[r["sha256"]] = r["file"]
    if not (case / "case.sqlite").exists():
        notes.append(f"no scan in {case}: run `make eval` (or the scan it prints) first")
        return list(units.values()), notes
    items, clues, seconds = load_case(case)
    for it in items:
        name = by_key.get(it["path"] if part == "samples" else it["sha256"])
        if name is None or name not in units:
            continue
        u = units[name]
        u.scanned = it["status"] == "done"
        u.clues = clues.get(it["duplicate_of"] or it["item_id"], [])
        u.seconds = seconds.get(it["item_id"])
    missing = [u.name for u in units.values() if not u.scanned]
    if missing:
        notes.append(f"{len(missing)} items not scanned (or failed), e.g. {missing[:3]}")
    return list(units.values()), notes


def ranked(clues: list[dict]) -> list[dict]:
    return assess(clues)["countries"]


def ocr_metrics(units: list[Unit]) -> dict:
    per_script: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    recalls = []
    for u in units:
        if u.media == "audio" or not u.scanned:
            continue
        words = key_words(u.key_text)
        if not words:
            continue
        ocr = OcrText(c["value"] for c in u.clues if c["kind"] == "ocr_text")
        found = 0
        for script, w in words:
            ok = ocr.has(script, w)
            per_script[script][0] += ok
            per_script[script][1] += 1
            found += ok
        recalls.append(found / len(words))
    return {"per_script": {s: tuple(v) for s, v in per_script.items()},
            "images": len(recalls),
            "mean_recall": sum(recalls) / len(recalls) if recalls else None,
            "share_ge70": sum(r >= 0.7 for r in recalls) / len(recalls) if recalls else None}


def foreign_lines(units: list[Unit]) -> dict:
    n = bad = 0
    examples = []
    for u in units:
        if u.scripts is None or not u.scanned:
            continue
        for c in u.clues:
            if c["kind"] != "ocr_text":
                continue
            s = main_script(c["value"])
            if s is None:
                continue
            n += 1
            if s not in u.scripts:
                bad += 1
                examples.append((u.name, s, c["value"]))
    return {"lines": n, "foreign": bad, "share": bad / n if n else None, "examples": examples}


def jurisdiction(units: list[Unit], keep) -> dict:
    def score(groups: dict[str, tuple[str, list[dict]]]) -> dict:
        top1 = top3 = covered = 0
        for truth, clues in groups.values():
            r = [c["country"] for c in ranked([c for c in clues if keep(c)])]
            covered += bool(r)
            top1 += r[:1] == [truth]
            top3 += truth in r[:3]
        n = len(groups)
        return {"n": n, "covered": covered, "top1": top1 / n if n else None, "top3": top3 / n if n else None}
    items = {u.name: (u.truth, u.clues) for u in units if u.truth and u.scanned}
    series: dict[str, tuple[str, list[dict]]] = {}
    for u in units:
        if u.truth and u.scanned and u.series:
            series.setdefault(u.series, (u.truth, []))[1].extend(u.clues)
    return {"item": score(items), "series": score(series)}


def kind_precision(units: list[Unit]) -> dict[str, tuple[int, int]]:
    out: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for u in units:
        if not (u.truth and u.scanned):
            continue
        kinds = {c["kind"] for c in u.clues if c.get("countries")}
        for k in kinds:
            r = ranked([c for c in u.clues if c["kind"] == k])
            if r:
                out[k][0] += 1
                out[k][1] += r[0]["country"] == u.truth
    return {k: tuple(v) for k, v in out.items()}


def calibration(units: list[Unit]) -> dict:
    pairs = []
    for u in units:
        if u.truth and u.scanned:
            r = ranked(u.clues)
            if r:
                pairs.append((float(r[0]["probability"]), r[0]["country"] == u.truth))
    high = [ok for p, ok in pairs if p >= 0.8]
    return {"bins": reliability(pairs), "covered": len(pairs),
            "high_n": len(high), "high_right": sum(high) / len(high) if high else None}


def entity_rows(part: str, units: list[Unit]) -> list[dict]:
    rows = []
    for u in units:
        for c in u.clues:
            if c["kind"] in ENTITY_KINDS:
                top = max(c.get("countries") or [], key=lambda v: v["weight"], default=None)
                rows.append({"part": part, "item": u.name, "truth": u.truth or "-", "kind": c["kind"],
                             "value": c["value"], "normalized": c["normalized"], "confidence": c["confidence"],
                             "top_country": top["country"] if top else "-",
                             "reason": top["reason"] if top else "", "judgement": ""})
    return rows


def judged() -> dict[tuple[str, ...], tuple[str, str]]:
    """eval/real/judged_entities.tsv: (file, kind, value, normalized, top country) -> (judgement, why),
    judged by eye: right when the text names that place (or brand) and the clue's top country is
    the country of the one meant."""
    path = REAL / "judged_entities.tsv"
    if not path.exists():
        return {}
    with open(path, encoding="utf-8", newline="") as f:
        return {(r["file"], r["kind"], r["value"], r["normalized"], r["top_country"]): (r["judgement"], r["why"])
                for r in csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE, escapechar="\\")}


def judged_precision(ents: list[dict]) -> dict:
    """Per entity group (place; brand and organisation), the clues judged right / judged, how many
    are not judged yet, and the wrong ones."""
    table = judged()
    out: dict[str, dict] = {}
    for group, kinds in (("place", ("place",)), ("brand", ("brand", "organization"))):
        rows = [e for e in ents if e["kind"] in kinds]
        verdicts = [table.get((e["item"], e["kind"], e["value"], e["normalized"], e["top_country"])) for e in rows]
        out[group] = {"right": sum(v is not None and v[0] == "right" for v in verdicts),
                      "judged": sum(v is not None for v in verdicts),
                      "unjudged": sum(v is None for v in verdicts),
                      "wrong": [(e["item"], e["value"], e["top_country"], v[1]) for e, v in zip(rows, verdicts)
                                if v is not None and v[0] == "wrong"]}
    return out


def timing(units: list[Unit]) -> dict:
    s = [u.seconds for u in units if u.media == "image" and u.seconds is not None]
    return {"images": len(s), "median": quantile(s, 0.5), "p90": quantile(s, 0.9)}


def evaluate(part: str, case: Path, samples: Path) -> dict:
    units, notes = build_units(part, case, samples)
    ents = entity_rows(part, units)
    if (case / "case.sqlite").exists():
        with open(case / "place_brand_clues.tsv", "w", encoding="utf-8", newline="") as f:
            cols = ["part", "item", "truth", "kind", "value", "normalized", "confidence", "top_country",
                    "reason", "judgement"]
            w = csv.DictWriter(f, cols, delimiter="\t", lineterminator="\n")
            w.writeheader()
            w.writerows(ents)
    return {"part": part, "case": str(case), "notes": notes, "units": len(units),
            "with_truth": sum(bool(u.truth) for u in units), "ocr": ocr_metrics(units),
            "foreign": foreign_lines(units),
            "all": jurisdiction(units, lambda c: True),
            "text": jurisdiction(units, lambda c: c["kind"] not in METADATA_KINDS),
            "kinds": kind_precision(units), "calibration": calibration(units),
            "entities": {k: sum(e["kind"] == k for e in ents) for k in ENTITY_KINDS},
            "entity_right": {k: sum(e["kind"] == k and e["top_country"] == e["truth"] for e in ents)
                             for k in ENTITY_KINDS},
            "judged": judged_precision(ents) if part != "samples" else None,
            "timing": timing(units)}


def fmt(v, pct=True, n=None) -> str:
    if v is None:
        return "-"
    s = f"{v:.0%}" if pct else f"{v:.2f}"
    return f"{s} ({n})" if n is not None else s


def report(results: list[dict]) -> None:
    w = 20
    head = f"{'':46}" + "".join(f"{r['part']:>{w}}" for r in results)

    def line(label, cells):
        print(f"{label:46}" + "".join(f"{c:>{w}}" for c in cells))
    print(head)
    line("items (with a truth country)", [f"{r['units']} ({r['with_truth']})" for r in results])
    print("\nOCR word recall per script (words read / key words)")
    scripts = sorted({s for r in results for s in r["ocr"]["per_script"]}, key=lambda s: (s == DIGITS, s))
    for s in scripts:
        cells = []
        for r in results:
            f_, t = r["ocr"]["per_script"].get(s, (0, 0))
            cells.append(f"{f_ / t:.0%} ({f_}/{t})" if t else "-")
        line(f"  {s}", cells)
    line("  mean word recall per image", [fmt(r["ocr"]["mean_recall"], False, r["ocr"]["images"]) for r in results])
    line("  images with >= 70 % of key words", [fmt(r["ocr"]["share_ge70"]) for r in results])
    line("lines in a script the item does not show",
         [f"{fmt(r['foreign']['share'])} ({r['foreign']['foreign']}/{r['foreign']['lines']})" for r in results])
    print("\nJurisdiction (items whose content pins a country)")
    for key, label in (("all", "all clues"), ("text", "text + speech only")):
        for scope in ("item", "series"):
            line(f"  {label}, per {scope}: top-1 / top-3",
                 [f"{fmt(r[key][scope]['top1'])} / {fmt(r[key][scope]['top3'])}" for r in results])
        line(f"  {label}, covered items", [f"{r[key]['item']['covered']}/{r[key]['item']['n']}" for r in results])
    print("\nPer clue kind: its own top country right / items where it voted")
    for k in sorted({k for r in results for k in r["kinds"]}):
        cells = []
        for r in results:
            cov, right = r["kinds"].get(k, (0, 0))
            cells.append(f"{right / cov:.0%} ({right}/{cov})" if cov else "-")
        line(f"  {k}", cells)
    print("\nReliability: top-country probability -> share right (items)")
    for i, (label, _, _) in enumerate(results[0]["calibration"]["bins"]):
        line(f"  p {label}", [fmt(r["calibration"]["bins"][i][2], True, r["calibration"]["bins"][i][1])
                              for r in results])
    line("  of items with top p >= 0.8, right", [fmt(r["calibration"]["high_right"], True,
                                                     r["calibration"]["high_n"]) for r in results])
    print("\nPlace, brand and organisation clues (top country = truth / clues; judge them in <case>/place_brand_clues.tsv)")
    for k in ENTITY_KINDS:
        line(f"  {k}", [f"{r['entity_right'][k]}/{r['entities'][k]}" for r in results])
    print("Judged by eye (eval/real/judged_entities.tsv): right / judged clues (not judged yet)")
    for g in ("place", "brand"):
        line(f"  {g}{' and organization' if g == 'brand' else ''}",
             [f"{j[g]['right']}/{j[g]['judged']} ({j[g]['unjudged']})" if (j := r.get("judged")) else "-"
              for r in results])
    line("seconds per image: median / p90",
         [f"{fmt(r['timing']['median'], False)} / {fmt(r['timing']['p90'], False)}" for r in results])
    for r in results:
        for n in r["notes"]:
            print(f"note [{r['part']}]: {n}")
    for r in results:
        wrong = [w for g in ("place", "brand") for w in (r.get("judged") or {}).get(g, {}).get("wrong", [])]
        if wrong:
            print(f"\nplace and brand clues judged wrong [{r['part']}]:")
            for name, value, top, why in wrong:
                print(f"  {name}: {value!r} -> {top}: {why}")
    for r in results:
        ex = r["foreign"]["examples"][:8]
        if ex:
            print(f"\nlines in a script the item does not show [{r['part']}], first {len(ex)}:")
            for name, s, text in ex:
                print(f"  {name}: {s} {text!r}")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--samples", type=Path, default=ROOT / "samples_benign")
    ap.add_argument("--samples-case", "--case", type=Path, default=Path("eval-case"))
    ap.add_argument("--tune-case", type=Path, default=Path("eval-real-tune"))
    ap.add_argument("--check-case", type=Path, default=Path("eval-real-check"))
    ap.add_argument("--parts", default=",".join(PARTS), help="comma-separated: " + ",".join(PARTS))
    ap.add_argument("--list", choices=["real-tune", "real-check"], help="print the files of a part and exit")
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args(argv)
    if a.list:
        rows, absent = real_truth(a.list)
        for r in rows:
            print(real_path(r))
        if absent:
            print(f"eval.py: {len(absent)} files of {a.list} in ../shared/realdev are absent; left out",
                  file=sys.stderr)
        return 0
    cases = {"samples": a.samples_case, "real-tune": a.tune_case, "real-check": a.check_case}
    parts = [p.strip() for p in a.parts.split(",") if p.strip()]
    bad = [p for p in parts if p not in cases]
    if bad:
        ap.error(f"unknown part(s) {bad}; choose from {list(PARTS)}")
    results = [evaluate(p, cases[p], a.samples) for p in parts]
    if a.json:
        for r in results:
            r["foreign"]["examples"] = r["foreign"]["examples"][:50]
        print(json.dumps(results, indent=1, ensure_ascii=False, default=str))
        return 0
    report(results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
