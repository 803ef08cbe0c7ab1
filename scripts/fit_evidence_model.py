"""Fit the evidence model's numbers on the TUNING part of the real set (never the check part).

    make eval EVAL_PARTS=real-tune                      # scans eval/real's tune part into eval-real-tune/
    python scripts/fit_evidence_model.py [--case eval-real-tune] [--write]

What is fitted, from the clues stored in the tune scan and the truth countries of eval/real/
MANIFEST.tsv (items whose content pins a country):
- `sharpness` (how much a score difference moves the odds) and `elsewhere` (the score that all the
  countries without a vote weigh together), which set how sure the model is;
- the `kind_factor` of every kind that voted on at least `--min-items` tune items, each pulled
  towards its hand-set value (a Gaussian prior on the log of the factor, `--prior` wide): the
  tune part holds a few dozen pinned items, too few to set 20 trust factors on their own. The
  hand-set values live in the model file's `hand_set` block, so a refit starts from them and
  not from the previous fit (no drift from fit to fit), and no fitted factor may exceed the
  GPS factor (a GPS fix stays the most trusted evidence; GPS votes on too few tune items to be
  fitted itself: one in 42), and a licence plate's none above a registration number's (CEILINGS).
The objective is the mean negative log-probability of the truth country: its probability when it
is ranked, else the `elsewhere` share divided by the ~200 countries without a vote. It is minimised
by coordinate search over a multiplicative grid, a few sweeps. `repeat_bonus` and
`same_kind_decay` stay as they are (they encode rules, not trust).

Writes (with --write) clueextract/data/evidence_model.json with the new numbers and a `fitted`
block: the part, its items, the manifest's SHA-256, the objective before and after, the date. The
report on the check part comes from `make eval` (reliability table, share right at p >= 0.8).
"""
from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import math
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from eval import build_units, manifest_rows  # noqa: E402

from clueextract.assess.model import DATA, EvidenceModel  # noqa: E402

UNVOTED = 200          # countries without a vote that share `elsewhere`
# a kind never trusted above another: a plate layout is read off a plate, a registration number
# also passes its check digits (tests/test_registration.py holds the model file to this)
CEILINGS = {"licence_plate": "registration_number"}
GRID = (0.5, 0.7, 0.85, 1.0, 1.15, 1.4, 2.0)


def objective(params: dict, items: list[tuple[str, list[dict]]], base: dict, prior: float) -> float:
    model = EvidenceModel(params)
    nll = 0.0
    for truth, clues in items:
        body = model.assess(clues)
        probs = {r["country"]: r["probability"] for r in body["countries"]}
        p = probs.get(truth)
        if p is None:
            p = body.get("elsewhere", 0.0) / UNVOTED
        nll -= math.log(max(p, 1e-6))
    penalty = sum((math.log(max(params["kind_factor"][k], 1e-3) / max(base["kind_factor"][k], 1e-3))) ** 2
                  for k in base["kind_factor"] if base["kind_factor"][k] > 0) / (2 * prior ** 2)
    return nll / max(1, len(items)) + penalty / max(1, len(items))


def fit(items, base: dict, kinds: list[str], prior: float, sweeps: int = 4) -> tuple[dict, float]:
    params = json.loads(json.dumps(base))
    params.setdefault("elsewhere", 0.5)
    params.setdefault("stands_out", 0.5)
    best = objective(params, items, base, prior)
    keys = [("sharpness", None), ("elsewhere", None)] + [("kind_factor", k) for k in kinds]
    for _ in range(sweeps):
        improved = False
        for key, sub in keys:
            current = params[key][sub] if sub else params[key]
            for f in GRID:
                trial = json.loads(json.dumps(params))
                value = round(current * f, 4)
                if key == "kind_factor" and sub != "gps":
                    value = min(value, base["kind_factor"].get("gps", value))
                if key == "kind_factor" and sub in CEILINGS:
                    value = min(value, params["kind_factor"][CEILINGS[sub]])
                if sub:
                    trial[key][sub] = value
                else:
                    trial[key] = value
                score = objective(trial, items, base, prior)
                if score < best - 1e-6:
                    best, params, improved = score, trial, True
        if not improved:
            break
    return params, best


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--case", type=Path, default=ROOT / "eval-real-tune")
    ap.add_argument("--min-items", type=int, default=3, help="kinds voting on fewer tune items keep their factor")
    ap.add_argument("--prior", type=float, default=0.5, help="width of the prior on log(kind factor)")
    ap.add_argument("--write", action="store_true", help="write clueextract/data/evidence_model.json")
    args = ap.parse_args()
    units, notes = build_units("real-tune", args.case, ROOT / "samples_benign")
    for n in notes:
        print("note:", n)
    items = [(u.truth, u.clues) for u in units if u.truth and u.scanned]
    if not items:
        print("no scanned tune items with a truth country", file=sys.stderr)
        return 2
    shipped = json.loads(DATA.read_text(encoding="utf-8"))
    shipped.pop("fitted", None)
    hand_set = shipped.get("hand_set") or dict(shipped["kind_factor"])
    base = {**shipped, "kind_factor": {**shipped["kind_factor"], **hand_set}, "hand_set": hand_set}
    voted: dict[str, int] = {}
    for _, clues in items:
        for k in {c["kind"] for c in clues if c.get("countries")}:
            voted[k] = voted.get(k, 0) + 1
    kinds = sorted(k for k, n in voted.items() if n >= args.min_items and base["kind_factor"].get(k, 0) > 0)
    start = {**base, "elsewhere": base.get("elsewhere", 0.5), "stands_out": base.get("stands_out", 0.5)}
    before = objective(start, items, base, args.prior)
    params, after = fit(items, base, kinds, args.prior)
    print(f"{len(items)} tune items with a truth country; kinds fitted: {', '.join(kinds)}")
    print(f"mean -log p(truth): {before:.3f} -> {after:.3f}")
    print(f"sharpness {base['sharpness']} -> {params['sharpness']}, elsewhere -> {params['elsewhere']}")
    for k in kinds:
        print(f"  {k:20} {base['kind_factor'][k]} -> {params['kind_factor'][k]}")
    manifest = ROOT / "eval" / "real" / "MANIFEST.tsv"
    assert all(r["split"] == "tune" for r in manifest_rows() if r["file"] in {u.name for u in units}), "tune only"
    params["version"] = base.get("version", 1) + 1
    params["method"] = f"evidence-v{params['version']}"
    params["fitted"] = {"on": "eval/real tuning part (split=tune)", "items": len(items),
                        "manifest_sha256": hashlib.sha256(manifest.read_bytes()).hexdigest(),
                        "kinds": kinds, "prior_width": args.prior, "objective": "mean -log p(truth country)",
                        "before": round(before, 4), "after": round(after, 4),
                        "date": dt.date.today().isoformat(), "script": "scripts/fit_evidence_model.py"}
    if args.write:
        DATA.write_text(json.dumps(params, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"wrote {DATA.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
