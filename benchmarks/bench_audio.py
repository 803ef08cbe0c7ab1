"""Speech: the scan's audio stage against a warm plain faster-whisper transcribe(), side by side.

Per clip, the same model object (so the same threads) runs clueextract's audio stage
(decode, VAD, chunk pass, window pass where unsure, transcription; text clues left out)
and a plain `WhisperModel.transcribe(audio, beam_size=1, temperature=0, vad_filter=True)`
after the same PyAV decoding, interleaved A B A B (--reps) so that a shared CPU's load
falls on both alike. Reported: per-clip and summed seconds, the ratio stage / plain, the
stage's chunk-pass chunks, window-pass chunks (win) and transcribed chunks (tr), and
whether its language spans match the truth (every span's language, edges within 2 s);
plain's single language is shown beside. Ratios: of mean wall times, of the fastest of
the --reps runs (the run least disturbed by other work on a shared CPU), and of CPU
seconds of this process (both paths run in it). Below each set: where the CPU seconds go,
per path (every CTranslate2 call counted by kind: padded 30 s encoder passes, unpadded
window passes, detect_language, greedy and beam decoding; the rest is PyAV decoding, VAD,
features and Python), and whether the stage gave the same clues on every rep.

Sets, reported separately:
- real: every recording in ../shared/realdev/aud and eval/real/aud (deduplicated by SHA-256;
  its one language from the sets' MANIFEST.tsv: exactly one span of it is right),
  plus a real code-switched recording built here with PyAV: the English LibriVox clip
  repeated for ~30 s, then the German interview for ~30 s (DESIGN.md's case);
- samples: samples_benign/manifest_audio.json (espeak speech, spans from the manifest).

Goal (issue 17): real set summed ratio <= 0.7 with every span.
Usage: python benchmarks/bench_audio.py [--reps N] [--set real|samples|all] [--profile CLIP|switch]
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import tempfile
import time
import wave
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from clueextract.audio.asr import DecodingOptions  # noqa: E402
from clueextract.audio.decode import RATE, DecodeReport, blocks, probe  # noqa: E402
from clueextract.audio.stage import AudioStage  # noqa: E402
from clueextract.config import default_packs_dir  # noqa: E402
from clueextract.packs import Candidates, select  # noqa: E402
from clueextract.process import thread_budget  # noqa: E402
from clueextract.records import ItemResult  # noqa: E402

SAMPLES = ROOT / "samples_benign"
REAL_DIRS = (ROOT.parent / "shared" / "realdev" / "aud", ROOT / "eval" / "real" / "aud")
SWITCH_PARTS = ("xx_en_librivox_sense_sensibility_0870.wav", "xx_de_interview_missale_1962.mp3")


class CallLog:
    """Stands in for the CTranslate2 Whisper inside a WhisperModel: forwards everything,
    and counts encode / detect_language / generate calls of the path now running, with their
    batch items and CPU seconds (process time: both paths run in this process)."""

    def __init__(self, inner):
        self._inner = inner
        self.path = "stage"
        self.table: dict[tuple[str, str], list[float]] = {}

    def __getattr__(self, name):
        fn = getattr(self._inner, name)
        if name not in ("encode", "generate", "detect_language"):
            return fn

        def counted(*args, **kw):
            c = time.process_time()
            out = fn(*args, **kw)
            shape = tuple(args[0].shape)
            if name == "encode":
                kind = "encoder, padded 30 s" if shape[-1] >= 3000 else "encoder, unpadded window"
            elif name == "detect_language":
                kind = "detect_language"
            else:
                kind = f"decoder, beam {kw.get('beam_size', 1)}" if kw.get("beam_size", 1) > 1 else "decoder, greedy"
            row = self.table.setdefault((self.path, kind), [0, 0, 0.0])
            row[0] += 1
            row[1] += shape[0]
            row[2] += time.process_time() - c
            return out
        return counted

    def report(self, cpu: dict[str, float]) -> None:
        kinds = sorted({k for _, k in self.table})
        print(f"  where the CPU s go (all reps): {'':22} {'stage calls/items/cpu s':>24} {'plain calls/items/cpu s':>24}")
        for kind in kinds:
            cells = []
            for path in ("stage", "plain"):
                n, items, sec = self.table.get((path, kind), [0, 0, 0.0])
                cells.append(f"{n:5d} {items:5d} {sec:8.2f}" if n else f"{'-':>20}")
            print(f"  {kind:54} {cells[0]:>24} {cells[1]:>24}")
        rest = [cpu[p] - sum(v[2] for (q, _), v in self.table.items() if q == p) for p in ("stage", "plain")]
        print(f"  {'rest (PyAV decoding, VAD, features, Python)':54} {rest[0]:24.2f} {rest[1]:24.2f}")
        print(f"  {'total':54} {cpu['stage']:24.2f} {cpu['plain']:24.2f}")
        self.table.clear()


def _clues(res: ItemResult) -> list:
    return [(c.kind, c.value, c.language, c.confidence, json.dumps(c.locator, sort_keys=True),
             json.dumps(c.extra, sort_keys=True, default=str)) for c in res.clues]


class _NoText:
    def extract(self, clue, spoken_language=None):
        return []


def decode(path: Path) -> list[np.ndarray]:
    """16 kHz mono float32 of every audio stream (the stage's own decoder)."""
    with open(path, "rb") as f:
        streams, _ = probe(f)
        return [np.concatenate(list(blocks(f, st.index, 600.0, DecodeReport()))) for st in streams]


def code_switched(first: Path, second: Path, each_s: float, out: Path) -> tuple[float, float, float]:
    """Two real recordings, each repeated (0.6 s pauses) to about each_s, one after the other,
    as a 16-bit WAV; returns (speech start of the first, switch time, end)."""
    gap = np.zeros(int(0.6 * RATE), np.float32)

    def fill(x: np.ndarray) -> np.ndarray:
        parts, n = [], 0
        while n < each_s * RATE:
            parts += [x, gap]
            n += len(x) + len(gap)
        return np.concatenate(parts)

    a, b = fill(decode(first)[0]), fill(decode(second)[0])
    pcm = (np.clip(np.concatenate([a, b]), -1, 1) * 32767).astype("<i2")
    with wave.open(str(out), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(pcm.tobytes())
    return 0.0, len(a) / RATE, (len(a) + len(b)) / RATE


def manifest_languages() -> dict[str, str]:
    """File name -> its one labelled language, from the two real sets' MANIFEST.tsv."""
    out = {}
    for d in REAL_DIRS:
        tsv = d.parent / "MANIFEST.tsv"
        if tsv.is_file():
            rows = [line.split("\t") for line in tsv.read_text(encoding="utf-8").splitlines()]
            col = rows[0].index("languages")
            out.update({Path(r[0]).name: r[col] for r in rows[1:] if len(r) > col and r[0].startswith("aud/")})
    return out


def real_clips(tmp: Path) -> list[tuple[Path, object]]:
    """(path, truth): the labelled language (one span of it) or the spans of a built recording."""
    seen, clips = set(), []
    langs = manifest_languages()
    for d in REAL_DIRS:
        for p in sorted(d.glob("*")) if d.is_dir() else []:
            h = hashlib.sha256(p.read_bytes()).hexdigest()
            if h not in seen and langs.get(p.name, "").isalpha():
                seen.add(h)
                clips.append((p, langs[p.name]))
    have = {p.name: p for p, _ in clips}
    if all(n in have for n in SWITCH_PARTS):
        out = tmp / "real_en30_de30.wav"
        _, switch, end = code_switched(have[SWITCH_PARTS[0]], have[SWITCH_PARTS[1]], 29.5, out)
        clips.append((out, [("en", 0.0, switch), ("de", switch, end)]))
    return clips


def spans_ok(found: list[tuple[str, float, float]], truth) -> bool:
    """Every span's language, in order, and its edges within 2 s (for a one-language clip
    named by its file, exactly one span of that language)."""
    if isinstance(truth, str):
        return [f[0] for f in found] == [truth]
    if len(found) != len(truth):
        return False
    # a recording's first speech and last speech bound its spans: VAD edges, not the file's
    return all(f[0] == t[0] and (k == 0 or abs(f[1] - t[1]) <= 2.0)
               and (k == len(truth) - 1 or abs(f[2] - t[2]) <= 2.0) for k, (f, t) in enumerate(zip(found, truth)))


def run_stage(stage: AudioStage, path: Path) -> tuple[float, float, ItemResult]:
    """(wall s, CPU s of this process, result)."""
    res = ItemResult()
    t, c = time.perf_counter(), time.process_time()
    with open(path, "rb") as f:
        stage.run(f, res, _NoText())
    return time.perf_counter() - t, time.process_time() - c, res


def run_plain(model, path: Path) -> tuple[float, float, list[str]]:
    t, c = time.perf_counter(), time.process_time()
    langs = []
    for audio in decode(path):
        segments, info = model.transcribe(audio, beam_size=1, temperature=0.0, vad_filter=True)
        list(segments)
        langs.append(info.language)
    return time.perf_counter() - t, time.process_time() - c, langs


def bench_set(title: str, stage: AudioStage, clips, reps: int) -> tuple[float, float, bool]:
    print(f"\n{title}: stage vs plain transcribe(), A B x{reps} interleaved per clip; mean wall s, ratio of means, "
          f"ratio of the fastest runs, ratio of CPU s")
    print(f"{'clip':40} {'dur s':>6} {'stage s':>8} {'plain s':>8} {'ratio':>6} {'min r':>6} {'cpu r':>6} {'chunks':>6} "
          f"{'win':>4} {'tr':>3}  spans | plain | ok")
    tot_s = tot_p = cpu_s = cpu_p = min_s = min_p = 0.0
    all_ok = same = True
    log = stage.model.model if isinstance(stage.model.model, CallLog) else None
    for path, truth in clips:
        ts, tp, c_s, c_p = [], [], 0.0, 0.0
        outputs = []
        for _ in range(reps):
            if log:
                log.path = "stage"
            s, cs, res = run_stage(stage, path)
            outputs.append(_clues(res))
            if log:
                log.path = "plain"
            p, cp, plain_langs = run_plain(stage.model, path)
            ts.append(s)
            tp.append(p)
            c_s, c_p = c_s + cs, c_p + cp
        cpu_s, cpu_p = cpu_s + c_s, cpu_p + c_p
        min_s, min_p = min_s + min(ts), min_p + min(tp)
        found = [(c.value, c.locator["start_s"], c.locator["end_s"], c.locator["stream"]) for c in res.clues
                 if c.kind == "spoken_language"]
        ok = truth(found) if callable(truth) else spans_ok([f[:3] for f in found], truth)
        all_ok &= ok
        same &= all(o == outputs[0] for o in outputs)
        speech = res.info.get("speech", [])
        chunks = sum(s["chunks"] for s in speech)
        win = sum(s["window_pass_chunks"] for s in speech)
        tr = sum(s["transcribed_chunks"] for s in speech)
        dur = sum(res.info.get("audio_decoded_s", [0.0]))
        s_mean, p_mean = sum(ts) / reps, sum(tp) / reps
        tot_s += s_mean
        tot_p += p_mean
        shown = " ".join(f"{lang}[{a:.1f}-{b:.1f}]" for lang, a, b, _ in found)
        print(f"{path.name[:40]:40} {dur:6.1f} {s_mean:8.2f} {p_mean:8.2f} {s_mean / p_mean:6.2f} "
              f"{min(ts) / min(tp):6.2f} {c_s / c_p:6.2f} "
              f"{chunks:6d} {win:4d} {tr:3d}  {shown} | {','.join(plain_langs)} | {'yes' if ok else 'NO'}", flush=True)
    print(f"{title} total: stage {tot_s:.2f} s, plain {tot_p:.2f} s, ratio {tot_s / tot_p:.2f} (goal <= 0.70); "
          f"fastest runs {min_s:.2f} s / {min_p:.2f} s = {min_s / min_p:.2f}; CPU s ratio {cpu_s / cpu_p:.2f}; "
          f"all spans right: {'yes' if all_ok else 'NO'}; same clues on every rep: {'yes' if same else 'NO'}")
    if log:
        log.report({"stage": cpu_s, "plain": cpu_p})
    return tot_s, tot_p, all_ok


def sample_clips():
    manifest = json.loads((SAMPLES / "manifest_audio.json").read_text(encoding="utf-8"))
    clips = []
    for item in manifest["items"]:
        want = [(st["index"], s["language"], s["start_s"], s["end_s"]) for st in item["streams"] for s in st["spans"]]

        def check(found, want=want):
            return len(found) == len(want) and all(
                f[3] == w[0] and f[0] == w[1] and abs(f[1] - w[2]) <= 2.0 and abs(f[2] - w[3]) <= 2.0
                for f, w in zip(sorted(found, key=lambda f: (f[3], f[1])), want))
        clips.append((SAMPLES / item["path"], check))
    return clips


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--set", choices=("real", "samples", "all"), default="all")
    ap.add_argument("--profile", help="cProfile the stage on this clip (a path, or 'switch' for the built "
                                      "English/German recording) and print the top entries")
    args = ap.parse_args()
    cand = Candidates.from_packs(select(default_packs_dir(), ["auto"]))
    stage = AudioStage("whisper-base", list(cand.speech), thread_budget(1), DecodingOptions())
    stage.model.model = CallLog(stage.model.model)  # one model for both paths, every call counted
    load0 = os.getloadavg()
    print(f"audio stage vs plain transcribe() - {stage.ident.engine}, {thread_budget(1)} threads, "
          f"load average at start {load0[0]:.1f} on {os.cpu_count()} CPUs (a shared machine: compare ratios)")
    with tempfile.TemporaryDirectory() as tmp:
        real = real_clips(Path(tmp))
        warm = real[0][0] if real else SAMPLES / "speech_berlin/weather_report.flac"
        run_stage(stage, warm)  # both paths warm before anything is timed
        run_plain(stage.model, warm)
        stage.model.model.table.clear()
        if args.profile:
            import cProfile
            import pstats

            clip = real[-1][0] if args.profile == "switch" else Path(args.profile)
            prof = cProfile.Profile()
            prof.enable()
            _, cpu, _ = run_stage(stage, clip)
            prof.disable()
            pstats.Stats(prof).sort_stats("tottime").print_stats(15)
            stage.model.model.report({"stage": cpu, "plain": 0.0})  # the CTranslate2 calls inside 'counted'
            return
        if args.set in ("real", "all") and real:
            bench_set("real recordings", stage, real, args.reps)
        elif args.set in ("real", "all"):
            print("real recordings: none found (../shared/realdev/aud and eval/real/aud absent); left out")
        if args.set in ("samples", "all"):
            bench_set("samples_benign speech", stage, sample_clips(), args.reps)
    print(f"load average at end {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
