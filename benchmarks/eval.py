"""Jurisdiction accuracy on the samples manifest: `make eval`.

Reads the truth country of every sample (samples_benign/manifest*.json), the clues of a
case folder holding a scan of samples_benign (`clueextract scan samples_benign --case
eval-case`, which `make eval` runs first; a re-run resumes), and prints top-1 / top-3
accuracy per item and per series: with all clues, with text and speech only (no GPS,
time zone or device metadata), and with one clue kind at a time. "covered" counts the
items or series where that kind voted at all; accuracy is over all of them (no vote =
miss), so a kind that is rarely present scores low even when it is always right.

    python benchmarks/eval.py --case eval-case [--samples samples_benign] [--json]
"""
from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

from clueextract.assess import assess
from clueextract.export.records import iter_records
from clueextract.store import CaseStore

METADATA_KINDS = {"gps", "timezone", "device"}


def truths(samples: Path) -> dict[str, str]:
    out = {}
    for m in sorted(samples.glob("manifest*.json")):
        for it in json.loads(m.read_text(encoding="utf-8"))["items"]:
            if it.get("country"):
                out[it["path"]] = it["country"]
    return out


def load_case(case: Path):
    store = CaseStore(case)
    try:
        recs = list(iter_records(store))
    finally:
        store.close()
    items = {r["item_id"]: r for r in recs if r["record"] == "item"}
    clues = defaultdict(list)
    for r in recs:
        if r["record"] == "clue":
            clues[r["item_id"]].append(r)
    return items, clues


def rank(clues: list[dict]) -> list[str]:
    return [r["country"] for r in assess(clues)["countries"]]


def score(units: dict[str, tuple[str, list[dict]]], keep) -> dict[str, float]:
    n = len(units)
    top1 = top3 = covered = 0
    for truth, clues in units.values():
        chosen = [c for c in clues if keep(c)]
        ranked = rank(chosen)
        covered += bool(ranked)
        top1 += ranked[:1] == [truth]
        top3 += truth in ranked[:3]
    return {"n": n, "covered": covered, "top1": top1 / n if n else 0.0, "top3": top3 / n if n else 0.0}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--case", type=Path, required=True)
    ap.add_argument("--samples", type=Path, default=Path("samples_benign"))
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args(argv)
    truth = truths(a.samples)
    items, clues = load_case(a.case)
    by_item: dict[str, tuple[str, list[dict]]] = {}
    by_series: dict[str, tuple[str, list[dict]]] = {}
    for item_id, it in items.items():
        if it["path"] not in truth:
            continue
        own = clues.get(it["duplicate_of"] or item_id, [])
        by_item[item_id] = (truth[it["path"]], own)
        s = by_series.setdefault(it["series"], (truth[it["path"]], []))
        s[1].extend(own)
    missing = sorted(set(truth) - {it["path"] for it in items.values()})
    kinds = sorted({c["kind"] for _, cs in by_item.values() for c in cs if c["countries"]})
    rows = [("all clues", lambda c: True),
            ("text + speech only (no metadata)", lambda c: c["kind"] not in METADATA_KINDS)]
    rows += [(f"  {k} only", (lambda k: lambda c: c["kind"] == k)(k)) for k in kinds]
    table = []
    for name, keep in rows:
        table.append({"clues": name.strip(), "item": score(by_item, keep), "series": score(by_series, keep)})
    if a.json:
        print(json.dumps({"items": len(by_item), "series": len(by_series), "missing": missing, "rows": table},
                         indent=1))
        return 0
    print(f"Jurisdiction accuracy on {a.samples} ({len(by_item)} items, {len(by_series)} series with a truth country)")
    if missing:
        print(f"  not in the case: {len(missing)} samples, e.g. {missing[:3]}")
    print(f"{'clues used':36} {'items top-1':>11} {'top-3':>6} {'covered':>8} | {'series top-1':>12} {'top-3':>6} {'covered':>8}")
    for name, row in zip((r[0] for r in rows), table):
        i, s = row["item"], row["series"]
        print(f"{name:36} {i['top1']:11.0%} {i['top3']:6.0%} {i['covered']:>4}/{i['n']:<3} | "
              f"{s['top1']:12.0%} {s['top3']:6.0%} {s['covered']:>4}/{s['n']:<3}")
    wrong = [(it, t, rank(cs)[:3]) for it, (t, cs) in sorted(by_item.items()) if rank(cs)[:1] != [t]]
    if wrong:
        print("\nitems whose first country is wrong (truth, ranked):")
        for item_id, t, r in wrong:
            print(f"  {items[item_id]['path']}: {t} vs {r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
