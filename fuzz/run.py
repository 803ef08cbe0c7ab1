"""make fuzz: run every atheris harness for a time budget; crashes land in fuzz/crashes/<harness>/.

    python fuzz/run.py [HARNESS ...]          # FUZZ_SECONDS per harness (default 60)

Each harness runs as its own libFuzzer process: seeds from fuzz/corpus/<harness>/ (read,
never written: new inputs go to a temporary working corpus), tokens from
fuzz/dicts/<harness>.dict when there is one, `-timeout` per input and
`-rss_limit_mb` so a hang or a memory bomb is reported as a crash too (timeout-*, oom-*
files). libFuzzer stops a harness at its first crash; fix it, add the input under
fuzz/regressions/<harness>/ (tests/test_fuzz_regressions.py replays them) and run again.
Exit status 1 when any harness crashed.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

FUZZ = Path(__file__).resolve().parent
HARNESSES = ("fuzz_exif", "fuzz_container", "fuzz_text_clues", "fuzz_packs", "fuzz_vics", "fuzz_icse")
TIMEOUT_S = int(os.environ.get("FUZZ_TIMEOUT", "30"))   # one input running longer is a crash (hang)
RSS_LIMIT_MB = int(os.environ.get("FUZZ_RSS_MB", "3072"))


def fuzz_one(name: str, seconds: int, work: Path) -> dict:
    crashes = FUZZ / "crashes" / name
    crashes.mkdir(parents=True, exist_ok=True)
    before = {p.name for p in crashes.iterdir()}
    corpus = work / name
    corpus.mkdir()
    log = work / f"{name}.log"
    cmd = [sys.executable, str(FUZZ / f"{name}.py"), f"-max_total_time={seconds}", f"-timeout={TIMEOUT_S}",
           f"-rss_limit_mb={RSS_LIMIT_MB}", f"-artifact_prefix={crashes}/", "-print_final_stats=1",
           "-max_len=65536"]
    tokens = FUZZ / "dicts" / f"{name}.dict"   # optional libFuzzer dictionary: syntax the mutations should use
    if tokens.is_file():
        cmd.append(f"-dict={tokens}")
    cmd += [str(corpus), str(FUZZ / "corpus" / name)]
    t = time.monotonic()
    limit = seconds + TIMEOUT_S + 300
    with open(log, "w") as out:
        try:
            rc = subprocess.call(cmd, stdout=out, stderr=subprocess.STDOUT, cwd=FUZZ,
                                 env={**os.environ, "FUZZ_SCRATCH": str(work)}, timeout=limit)
        except subprocess.TimeoutExpired:  # libFuzzer itself stuck (a hang its -timeout could not interrupt)
            rc = -9
            out.write(f"\n==run.py== ERROR: harness still running {limit} s after start: killed (hang)\n")
    text = log.read_text(errors="replace")
    new = sorted(p for p in crashes.iterdir() if p.name not in before and not p.name.startswith("."))
    execs = re.findall(r"stat::number_of_executed_units:\s*(\d+)", text)
    cov = re.findall(r"cov: (\d+) ft: (\d+)", text)
    # "=== Uncaught Python exception: ===" (atheris), "==123== ERROR: libFuzzer: timeout after 30 seconds",
    # "... out-of-memory (used: ...)", "... deadly signal" (libFuzzer), then the exception line itself
    why = re.findall(r"^(=+[\w.]*=* ?(?:Uncaught Python exception|.*(?:timeout|out-of-memory|deadly signal|hang)).*)$|"
                     r"^(\w+(?:Error|Exception|Exit|Interrupt|Iteration)(?:: .*)?)$", text, re.M)
    return {"name": name, "rc": rc, "seconds": round(time.monotonic() - t, 1), "execs": int(execs[-1]) if execs else 0,
            "cov": cov[-1][0] if cov else "?", "ft": cov[-1][1] if cov else "?", "crashes": new,
            "why": [a or b for a, b in why][:3], "log_tail": text[-3000:] if new or (rc not in (0,)) else ""}


def main() -> int:
    names = sys.argv[1:] or list(HARNESSES)
    unknown = [n for n in names if n not in HARNESSES]
    if unknown:
        print(f"unknown harness(es): {', '.join(unknown)}; known: {', '.join(HARNESSES)}")
        return 2
    seconds = int(os.environ.get("FUZZ_SECONDS", "60"))
    print(f"fuzzing {len(names)} harness(es), {seconds} s each (FUZZ_SECONDS), per-input timeout {TIMEOUT_S} s, "
          f"RSS limit {RSS_LIMIT_MB} MB")
    results = []
    with tempfile.TemporaryDirectory(prefix="clueextract-fuzz-") as tmp:
        for name in names:
            r = fuzz_one(name, seconds, Path(tmp))
            results.append(r)
            status = f"{len(r['crashes'])} CRASH(ES)" if r["crashes"] else ("ok" if r["rc"] == 0 else f"rc={r['rc']}")
            print(f"  {name:<16} {r['seconds']:>6.1f} s  {r['execs']:>8} execs  cov {r['cov']:>5}  ft {r['ft']:>6}  {status}",
                  flush=True)
            for c in r["crashes"]:
                print(f"      {c.relative_to(FUZZ.parent)}")
            for w in r["why"]:
                print(f"      {w[:200]}")
            if r["log_tail"] and not r["crashes"]:
                print("      " + r["log_tail"][-1500:].replace("\n", "\n      "))
    bad = [r for r in results if r["crashes"] or r["rc"] != 0]
    print(f"{len(bad)} of {len(results)} harness(es) found problems" if bad else "no crashes")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
