"""make bench: the review application (clueextract serve) on a large case.

Generates a case of 1,000 series and 50,000 clues (synthetic records written straight into a
case store through its API, as a scan writes them: 3 items and 50 clues per series, OCR lines
with phone numbers, places, scripts, languages and brands voting for a home country and rivals),
starts the real `clueextract serve` process on it and times, over loopback with one keep-alive
client, the p50/p95/max of: the queue page, a filtered search (text + desk), a series page, and
recording a decision (POST until the server answers). Goal: p95 under 300 ms for each page on
2 cores. Also the server's start (index built from the store) and its RSS.

    python benchmarks/bench_serve.py [--series 1000] [--clues-per-series 50] [--requests 60]
"""
from __future__ import annotations

import argparse
import hashlib
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from clueextract import TOOL  # noqa: E402
from clueextract.records import Clue, CountryVote, Source  # noqa: E402
from clueextract.store import CaseStore  # noqa: E402

HOMES = [("TH", "th", "Thai", "+66 2 {n}", "Bangkok"), ("DE", "de", "Latn", "+49 30 {n}", "Berlin"),
         ("FR", "fr", "Latn", "+33 1 {n}", "Lyon"), ("JP", "ja", "Jpan", "+81 3 {n}", "Osaka"),
         ("BR", "pt", "Latn", "+55 11 {n}", "Recife"), ("MX", "es", "Latn", "+52 55 {n}", "Puebla"),
         ("KR", "ko", "Hang", "+82 2 {n}", "Busan"), ("RU", "ru", "Cyrl", "+7 495 {n}", "Kazan"),
         ("IN", "hi", "Deva", "+91 11 {n}", "Pune"), ("EG", "ar", "Arab", "+20 2 {n}", "Giza"),
         ("PH", "fil", "Latn", "+63 2 {n}", "Cebu"), ("NG", "en", "Latn", "+234 1 {n}", "Lagos"),
         ("VN", "vi", "Latn", "+84 24 {n}", "Hue"), ("TR", "tr", "Latn", "+90 212 {n}", "Izmir"),
         ("ID", "id", "Latn", "+62 21 {n}", "Bandung"), ("PL", "pl", "Latn", "+48 22 {n}", "Gdansk")]
RIVALS = ["US", "GB", "AU", "CA", "ES", "IT", "AT", "CH", "BE", "CN", "TW", "MY", "SG", "AR", "PT", "UA"]
WORDS = ["market", "fresh", "fruit", "open", "daily", "street", "pharmacy", "bakery", "station", "exit", "price",
         "sale", "hotel", "coffee", "bank", "taxi", "bus", "noodles", "rice", "fish", "school", "garden"]
SRC_OCR, SRC_TEXT = Source("ocr", "bench-ocr", "bench-model", "0" * 64), Source("text", "bench-text")


def generate(case: Path, n_series: int, clues_per_series: int, seed: int = 19) -> int:
    rng = random.Random(seed)
    store = CaseStore(case)
    run_id = store.begin_run(TOOL, {"bench": True}, "b" * 64, {"packs": {}}, ["evidence"])
    total = 0
    per_item = clues_per_series // 3
    for s in range(n_series):
        cc, lang, script, phone, city = HOMES[s % len(HOMES)]
        series = f"series_{s:04d}_{city.lower()}"
        for i in range(3):
            want = per_item + (clues_per_series - 3 * per_item if i == 0 else 0)
            name = f"{series}/img_{i}.jpg"
            data = name.encode()
            item_id = "i-" + hashlib.sha256(name.encode()).hexdigest()[:16]
            store.upsert_item(item_id=item_id, root="evidence", path=name, path_b64=None, series=series,
                              media_type="image", mime="image/jpeg", size=100_000 + s, mtime_ns=0,
                              sha256=hashlib.sha256(data).hexdigest(), md5=hashlib.md5(data).hexdigest(),
                              sha1=hashlib.sha1(data).hexdigest(), status="pending", error=None, note=None,
                              duplicate_of=None, config_hash="b" * 64, run_id=run_id, info_json=None)
            clues: list[Clue] = []
            while len(clues) < want:
                words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(2, 5)))
                box = [rng.randint(0, 500), rng.randint(0, 500), rng.randint(500, 999), rng.randint(500, 999)]
                line = Clue("ocr_text", f"{words} {city}", f"{words} {city}", 0.9, SRC_OCR, {"bbox": box}, language=lang)
                derived = [
                    Clue("text_language", lang, lang, 0.8, SRC_TEXT, {"bbox": box}, language=lang, parent=line,
                         countries=[CountryVote(cc, 0.3, f"{lang} is spoken in {cc}"),
                                    CountryVote(rng.choice(RIVALS), 0.1, "also spoken there")]),
                    Clue("script", script, script, 1.0, SRC_TEXT, {"bbox": box}, parent=line,
                         countries=[CountryVote(cc, 0.4, f"{script} script points to {cc}")]),
                    Clue("place", city, city, 0.7, SRC_TEXT, {"bbox": box}, parent=line,
                         countries=[CountryVote(cc, 0.6, f"{city} is a city in {cc}"),
                                    CountryVote(rng.choice(RIVALS), 0.2, f"a smaller {city} elsewhere")]),
                    Clue("phone", phone.format(n=rng.randint(1000000, 9999999)), phone.format(n=0), 0.9, SRC_TEXT,
                         {"bbox": box}, parent=line, countries=[CountryVote(cc, 0.9, f"calling code of {cc}")]),
                    Clue("brand", f"Brand{rng.randint(1, 300)}", "brand", 0.6, SRC_TEXT, {"bbox": box}, parent=line,
                         countries=[CountryVote(rng.choice(RIVALS), 0.5, "a regional chain")]),
                ]
                clues += [line] + derived[: max(0, want - len(clues) - 1)]
            clues = clues[:want]
            for k, c in enumerate(clues):
                c.assign_id(item_id, k)
            store.commit_result(item_id, "done", None, clues, {}, "b" * 64, run_id)
            total += len(clues)
    store.finish_run(run_id, "completed", store.counts())
    store.close()
    return total


def _stats(xs: list[float]) -> str:
    xs = sorted(xs)
    p95 = xs[min(len(xs) - 1, int(round(0.95 * (len(xs) - 1))))]
    return f"p50 {statistics.median(xs) * 1000:7.1f} ms   p95 {p95 * 1000:7.1f} ms   max {xs[-1] * 1000:7.1f} ms"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--series", type=int, default=1000)
    ap.add_argument("--clues-per-series", type=int, default=50)
    ap.add_argument("--requests", type=int, default=60)
    args = ap.parse_args()
    import httpx
    import psutil

    with tempfile.TemporaryDirectory() as tmp:
        case = Path(tmp) / "case"
        t = time.perf_counter()
        n = generate(case, args.series, args.clues_per_series)
        print(f"{TOOL} serve bench: {args.series} series, {n} clues written in {time.perf_counter() - t:.1f} s "
              f"({(case / 'case.sqlite').stat().st_size / 1e6:.0f} MB store)")
        t = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-m", "clueextract", "serve", str(case), "--port", "0"],
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, cwd=ROOT)
        try:
            url = proc.stdout.readline().strip()
            base = url.split("/?")[0]
            with httpx.Client(base_url=base, timeout=60) as client:
                client.get(url.replace(base, ""))  # the token becomes the cookie
                start = time.perf_counter() - t
                rng = random.Random(7)
                names = [f"series_{s:04d}_{HOMES[s % len(HOMES)][4].lower()}" for s in range(args.series)]

                def timed(fn) -> list[float]:
                    for _ in range(3):
                        fn()
                    out = []
                    for _ in range(args.requests):
                        t0 = time.perf_counter()
                        r = fn()
                        out.append(time.perf_counter() - t0)
                        assert r.status_code in (200, 303), r.status_code
                    return out

                queue = timed(lambda: client.get("/"))
                search = timed(lambda: client.get("/", params={"q": rng.choice(WORDS) + " " + rng.choice(
                    [h[4] for h in HOMES]), "desk": "035"}))
                search_text = timed(lambda: client.get("/", params={"q": rng.choice(WORDS)}))
                series = timed(lambda: client.get("/series", params={"name": rng.choice(names)}))
                csrf = __import__("re").search(r'name="csrf" value="([0-9a-f]+)"',
                                               client.get("/series", params={"name": names[0]}).text).group(1)
                decide = timed(lambda: client.post("/review", data={
                    "series": rng.choice(names), "country": rng.choice(["TH", "DE", "FR"]),
                    "decision": rng.choice(["confirm", "exclude"]), "reviewer": "bench", "csrf": csrf}))
                queue_after = timed(lambda: client.get("/", params={"status": "confirmed"}))
            rss = psutil.Process(proc.pid).memory_info().rss / 1e6
        finally:
            proc.terminate()
            proc.communicate(timeout=30)
    rows = [("queue page (100 of 1,000 series)", queue), ("filtered search (text + desk)", search),
            ("search over all clue text", search_text), ("series page", series),
            ("record a decision (POST, 303)", decide), ("queue, status filter, after decisions", queue_after)]
    w = max(len(k) for k, _ in rows)
    for k, xs in rows:
        print(f"  {k:<{w}}  {_stats(xs)}")
    print(f"  {'server start (index built) s':<{w}}  {start:.2f}")
    print(f"  {'server RSS MB':<{w}}  {rss:.0f}")


if __name__ == "__main__":
    main()
