"""Audio stage vs a plain WhisperModel.transcribe() on the same files, same model, one run.

For every speech sample in samples_benign/manifest_audio.json, all audio streams: wall
time of clueextract's audio stage (decode, VAD, per-span language ID, transcription) and
of plain transcribe() calls (the same PyAV decoding, then transcribe() per stream with the
same model and beam size, temperature 0), the ratio, and the language spans each finds
against the manifest truth.
Target: every span found at no more than 1.3x the plain call's wall time.
"""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from clueextract.audio.asr import DecodingOptions  # noqa: E402
from clueextract.audio.stage import AudioStage  # noqa: E402
from clueextract.packs import Candidates, select  # noqa: E402
from clueextract.config import default_packs_dir  # noqa: E402
from clueextract.process import thread_budget  # noqa: E402
from clueextract.records import ItemResult  # noqa: E402

SAMPLES = ROOT / "samples_benign"


class _NoText:
    def extract(self, clue, spoken_language=None):
        return []


def spans_ok(found: list[tuple[str, float, float]], truth: list[dict], tol: float = 2.0) -> bool:
    if len(found) != len(truth):
        return False
    return all(f[0] == t["language"] and abs(f[1] - t["start_s"]) <= tol and abs(f[2] - t["end_s"]) <= tol
               for f, t in zip(found, truth))


def plain(model, path: Path, opts: DecodingOptions) -> list[str]:
    """What a plain call does: decode each audio stream, transcribe() it; the languages it reports."""
    import numpy as np

    from clueextract.audio.decode import DecodeReport, blocks, probe

    langs = []
    with open(path, "rb") as f:
        streams, _ = probe(f)
        for st in streams:
            audio = np.concatenate(list(blocks(f, st.index, 600.0, DecodeReport())))
            segments, info = model.transcribe(audio, beam_size=opts.beam_size, temperature=0.0)
            list(segments)
            langs.append(info.language)
    return langs


def main() -> None:
    manifest = json.loads((SAMPLES / "manifest_audio.json").read_text(encoding="utf-8"))
    cand = Candidates.from_packs(select(default_packs_dir(), ["auto"]))
    opts = DecodingOptions()
    stage = AudioStage("whisper-base", list(cand.speech), thread_budget(1), opts)
    model = stage.model
    # warm both paths once so neither pays first-call costs in the table
    first = SAMPLES / manifest["items"][0]["path"]
    with open(first, "rb") as f:
        stage.run(f, ItemResult(), _NoText())
    plain(model, first, opts)

    print(f"audio stage vs plain transcribe() — {stage.ident.engine}, beam {opts.beam_size}")
    print(f"{'file':44} {'dur s':>6} {'stage s':>8} {'plain s':>8} {'ratio':>6}  spans(stage) | plain language | truth ok")
    tot_stage = tot_plain = 0.0
    all_ok = True
    for item in manifest["items"]:
        path = SAMPLES / item["path"]
        res = ItemResult()
        t = time.perf_counter()
        with open(path, "rb") as f:
            stage.run(f, res, _NoText())
        stage_s = time.perf_counter() - t
        t = time.perf_counter()
        plain_langs = plain(model, path, opts)
        plain_s = time.perf_counter() - t
        found, ok = [], True
        for stream in item["streams"]:
            got = [(c.value, c.locator["start_s"], c.locator["end_s"]) for c in res.clues
                   if c.kind == "spoken_language" and c.locator.get("stream") == stream["index"]]
            ok &= spans_ok(got, stream["spans"])
            found += got
        all_ok &= ok
        tot_stage += stage_s
        tot_plain += plain_s
        shown = " ".join(f"{lang}[{a:.1f}-{b:.1f}]" for lang, a, b in found)
        print(f"{item['path']:44} {item.get('duration_s', 0):6.1f} {stage_s:8.2f} {plain_s:8.2f} "
              f"{stage_s / plain_s:6.2f}  {shown} | {','.join(plain_langs)} | {'yes' if ok else 'NO'}")
    print(f"total: stage {tot_stage:.2f} s, plain {tot_plain:.2f} s, ratio {tot_stage / tot_plain:.2f} "
          f"(target <= 1.30); all spans within 2 s: {'yes' if all_ok else 'no'}")


if __name__ == "__main__":
    main()
