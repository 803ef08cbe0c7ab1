"""Compare text language-ID backends on short sign-like strings.

Why: DESIGN.md says the default backend is chosen by measurement, not by
reputation. This measures, on benchmarks/langid_strings.tsv (hand-written benign
sign/packaging strings, `lang<TAB>text`), with the candidate languages = the
languages in the file:

  langdetect-filtered  langdetect 1.0.9 seeded, all 55 profiles, best answer that
                       is a candidate (the "obvious" way to use it)
  langdetect-id        clueextract LanguageIdentifier(backend="langdetect"):
                       script first, then langdetect restricted by prior map
  lingua-id            clueextract LanguageIdentifier(backend="lingua"):
                       script first, then lingua built from the candidates per script
  lingua-candidates    one lingua detector from all candidates, no script step
  lingua-all           lingua with all 75 languages, no restriction

Each configuration runs in its own subprocess so that load time and peak RSS are
its own. Prints accuracy overall, per script and per language, mean ms per string
(cold = first pass incl. lazy model loading, warm = second pass), build time and
peak RSS delta, and whether langdetect is deterministic seeded and unseeded.

    .venv/bin/python benchmarks/langid_compare.py [--json OUT.json]
"""
from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
TSV = ROOT / "benchmarks" / "langid_strings.tsv"
CONFIGS = ("langdetect-filtered", "langdetect-id", "lingua-id", "lingua-candidates", "lingua-all")


def load_rows(path: Path = TSV) -> list[tuple[str, str]]:
    rows = []
    for i, line in enumerate(path.read_text(encoding="utf-8").splitlines()):
        if i == 0 or not line.strip():
            continue
        lang, text = line.split("\t")
        rows.append((lang, text))
    return rows


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux: KiB


def _make_predictor(name: str, candidates: list[str]):
    """Return predict(text) -> code | None for one configuration."""
    from clueextract.text.language import LanguageIdentifier, normalize_code

    if name in ("langdetect-filtered", "langdetect-unseeded"):
        from langdetect.detector_factory import PROFILES_DIRECTORY, DetectorFactory
        from langdetect.lang_detect_exception import LangDetectException

        factory = DetectorFactory()
        factory.load_profile(PROFILES_DIRECTORY)
        factory.set_seed(None if name == "langdetect-unseeded" else 0)

        def predict(text: str):
            d = factory.create()
            d.append(text)
            try:
                probs = d.get_probabilities()
            except LangDetectException:
                return None
            for p in probs:  # best first
                if normalize_code(p.lang) in candidates:
                    return normalize_code(p.lang)
            return None
        return predict
    if name in ("langdetect-id", "lingua-id"):
        ident = LanguageIdentifier(candidates, backend=name.split("-")[0])

        def predict(text: str):
            g = ident.identify(text)
            return g.code if g else None
        return predict
    from lingua import Language, LanguageDetectorBuilder

    if name == "lingua-all":
        det = LanguageDetectorBuilder.from_all_languages().build()
    else:
        by_code = {lang.iso_code_639_1.name.lower(): lang for lang in Language.all()}
        det = LanguageDetectorBuilder.from_languages(*(by_code[c] for c in candidates if c in by_code)).build()

    def predict(text: str):
        lang = det.detect_language_of(text)
        return lang.iso_code_639_1.name.lower() if lang else None
    return predict


def run_one(name: str) -> dict:
    """Measure one configuration in this process (called in a subprocess)."""
    from clueextract.text.script import script_profile

    rows = load_rows()
    candidates = sorted({lang for lang, _ in rows})
    import langdetect  # noqa: F401  (imports are not part of any backend's cost)
    import lingua  # noqa: F401
    import clueextract.text.language  # noqa: F401
    rss0 = _rss_mb()
    t0 = time.perf_counter()
    predict = _make_predictor(name, candidates)
    build_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    cold = [predict(text) for _, text in rows]
    cold_ms = (time.perf_counter() - t0) * 1000 / len(rows)
    t0 = time.perf_counter()
    warm = [predict(text) for _, text in rows]
    warm_ms = (time.perf_counter() - t0) * 1000 / len(rows)
    scripts = [(script_profile(t) or [("none", 0)])[0][0] for _, t in rows]
    return {
        "config": name, "n": len(rows), "candidates": candidates,
        "pred": cold, "repeat_same": cold == warm, "gold": [lang for lang, _ in rows],
        "script": scripts, "build_s": round(build_s, 3), "cold_ms": round(cold_ms, 3),
        "warm_ms": round(warm_ms, 3), "rss_delta_mb": round(_rss_mb() - rss0, 1),
    }


def _acc(pairs: list[tuple[str, str | None]]) -> float:
    return sum(g == p for g, p in pairs) / len(pairs) if pairs else float("nan")


def summarize(res: dict) -> dict:
    by_script: dict[str, list] = defaultdict(list)
    by_lang: dict[str, list] = defaultdict(list)
    for g, p, s in zip(res["gold"], res["pred"], res["script"]):
        by_script["Hani/Jpan" if s in ("Hani", "Jpan") else s].append((g, p))
        by_lang[g].append((g, p))
    return {
        "overall": _acc(list(zip(res["gold"], res["pred"]))),
        "script": {k: _acc(v) for k, v in sorted(by_script.items())},
        "lang": {k: _acc(v) for k, v in sorted(by_lang.items())},
    }


def _subprocess(name: str) -> dict:
    out = subprocess.run([sys.executable, __file__, "--one", name], capture_output=True, text=True,
                         check=True, cwd=ROOT)
    return json.loads(out.stdout)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--one", help=argparse.SUPPRESS)
    ap.add_argument("--json", type=Path, help="also write all results to this file")
    args = ap.parse_args()
    if args.one:
        print(json.dumps(run_one(args.one), ensure_ascii=False))
        return
    results = {name: _subprocess(name) for name in CONFIGS}
    # Determinism across processes: seeded twice vs unseeded twice.
    seeded_again = _subprocess("langdetect-filtered")
    unseeded = [_subprocess("langdetect-unseeded") for _ in range(2)]
    rows = load_rows()
    print(f"{len(rows)} strings, {len(results['lingua-id']['candidates'])} candidate languages: "
          + ",".join(results["lingua-id"]["candidates"]))
    summaries = {n: summarize(r) for n, r in results.items()}
    scripts = list(next(iter(summaries.values()))["script"])
    head = f"{'config':<20} {'all':>6} " + " ".join(f"{s:>9}" for s in scripts)
    head += f" {'build s':>8} {'cold ms':>8} {'warm ms':>8} {'RSS MB':>7}"
    print(head)
    for n, r in results.items():
        s = summaries[n]
        print(f"{n:<20} {s['overall']:6.1%} " + " ".join(f"{s['script'][k]:9.1%}" for k in scripts)
              + f" {r['build_s']:8.2f} {r['cold_ms']:8.2f} {r['warm_ms']:8.2f} {r['rss_delta_mb']:7.0f}")
    langs = list(next(iter(summaries.values()))["lang"])
    print("\nper language: " + " ".join(f"{lang:>5}" for lang in langs))
    for n in results:
        print(f"{n:<20}" + " ".join(f"{summaries[n]['lang'][lang]:5.0%}" for lang in langs))
    same_seeded = seeded_again["pred"] == results["langdetect-filtered"]["pred"]
    diff_unseeded = sum(a != b for a, b in zip(unseeded[0]["pred"], unseeded[1]["pred"]))
    print(f"\nlangdetect seeded=0: identical across two processes: {same_seeded}; "
          f"within a process: {results['langdetect-filtered']['repeat_same']}")
    print(f"langdetect unseeded: {diff_unseeded} of {len(rows)} answers differ between two runs; "
          f"within a process repeat identical: {unseeded[0]['repeat_same']}")
    wrong = [(g, t, p) for (g, t), p in zip(rows, results["lingua-id"]["pred"]) if g != p]
    print(f"\nlingua-id errors ({len(wrong)}): " + "; ".join(f"{t} [{g}->{p}]" for g, t, p in wrong))
    if args.json:
        args.json.write_text(json.dumps({"results": results, "summaries": summaries}, ensure_ascii=False,
                                        indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
