"""Seconds per image of the OCR stage on real photos: the script-first router with every pack
against the same router with the original 21 packs and against the router of an earlier commit
(one recognition per pack script per box), side by side in one run.

    python benchmarks/bench_ocr_real.py [--images DIR_OR_MANIFEST] [--base COMMIT] [--base-packs 21|all]
                                        [--part check|tune|all] [--rounds 2]

Each configuration runs in its own process over the same images (models loaded once, the
first image read twice so loading is not timed); rounds alternate the configurations
(A B C A B C) so a busy machine slows all of them alike. The earlier commit is checked out
into a temporary git worktree (default: the last commit before the script-first router).
Prints median and p90 seconds per image, and each as a ratio to the earlier router.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ORIGINAL_PACKS = ("ar", "de", "en", "es", "fa", "fil", "fr", "hi", "id", "it", "ja", "ko", "ms", "pt", "ru", "th",
                  "tr", "uk", "vi", "zh-Hans", "zh-Hant")
DEFAULT_BASE = "cf73aac"  # main before the script-first router
WORKER = r"""
import json, sys, time
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from clueextract.media.image import decode_image
from clueextract.ocr import make_engine
from clueextract.packs import select
packs = select(Path(sys.argv[1]) / "language_packs", sys.argv[2].split(","))
engine = make_engine("auto", 2, packs)
paths = json.loads(sys.argv[3])
out = {}
for i, p in enumerate(paths):
    rgb = decode_image(Path(p).read_bytes(), 200_000_000).rgb
    if i == 0:
        engine.read(rgb)  # models and specs loaded before the clock runs
    t = time.perf_counter()
    lines = engine.read(rgb)
    out[p] = [time.perf_counter() - t, len(lines)]
print(json.dumps(out))
"""


def images(where: Path, part: str = "all") -> list[str]:
    if where.suffix == ".tsv":
        import csv

        rows = list(csv.DictReader(where.open(encoding="utf-8"), delimiter="\t"))
        base = where.parent
        paths = []
        for r in rows:
            if r.get("kind", "image") != "image" or (part != "all" and r.get("split") != part):
                continue
            loc = r.get("where", "repo")
            p = (ROOT.parent / "shared" / "realdev" / r["file"]) if loc == "shared" else base / r["file"]
            if p.is_file():
                paths.append(str(p))
        return paths
    return [str(p) for p in sorted(where.rglob("*")) if p.suffix.lower() in (".jpg", ".jpeg", ".png", ".webp", ".tif")]


def run(tree: Path, packs: str, paths: list[str]) -> dict[str, list[float]]:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    proc = subprocess.run([sys.executable, "-c", WORKER, str(tree), packs, json.dumps(paths)], capture_output=True,
                          text=True, env=env, cwd=tree, timeout=3600)
    if proc.returncode != 0:
        raise SystemExit(f"OCR worker failed in {tree}:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    default = ROOT / "eval" / "real" / "MANIFEST.tsv"
    ap.add_argument("--images", type=Path, default=default if default.is_file() else ROOT.parent / "shared" / "realdev" / "img")
    ap.add_argument("--base", default=DEFAULT_BASE)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--part", choices=("all", "tune", "check"), default="check",
                    help="which part of eval/real (targets are stated on the check part)")
    ap.add_argument("--base-packs", choices=("21", "all"), default="21",
                    help="the packs the earlier commit's router runs with: the original 21, or every pack of "
                         "that commit (to compare two script-first routers with every pack)")
    args = ap.parse_args()
    paths = images(args.images, args.part)
    if not paths:
        raise SystemExit(f"no images under {args.images}")
    every = ",".join(sorted(p.stem for p in (ROOT / "language_packs").glob("*.yaml")))
    with tempfile.TemporaryDirectory(prefix="bench-ocr-") as tmp:
        base = Path(tmp) / "base"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(base), args.base], check=True,
                       capture_output=True)
        try:
            base_every = ",".join(sorted(p.stem for p in (base / "language_packs").glob("*.yaml")))
            configs = {(f"router at {args.base}, 21 packs" if args.base_packs == "21" else
                        f"router at {args.base}, all {base_every.count(',') + 1} packs"):
                       (base, ",".join(ORIGINAL_PACKS) if args.base_packs == "21" else base_every),
                       "script-first router, 21 packs": (ROOT, ",".join(ORIGINAL_PACKS)),
                       f"script-first router, all {every.count(',') + 1} packs": (ROOT, every)}
            times: dict[str, list[float]] = {k: [] for k in configs}
            for _ in range(args.rounds):
                for name, (tree, packs) in configs.items():
                    times[name] += [t for t, _ in run(tree, packs, paths).values()]
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(base)], capture_output=True)
    print(f"OCR seconds per image, {len(paths)} real images ({args.part} part), {args.rounds} rounds (2 threads):")
    ref = None
    for name, ts in times.items():
        ts = sorted(ts)
        med, p90 = statistics.median(ts), ts[int(0.9 * (len(ts) - 1))]
        ref = ref or (med, p90)
        print(f"  {name:44} median {med:6.3f} s ({med / ref[0]:4.2f}x)   p90 {p90:6.3f} s ({p90 / ref[1]:4.2f}x)")


if __name__ == "__main__":
    main()
