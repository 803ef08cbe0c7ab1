"""The audio stage for one item: every audio stream, spoken-language spans and transcripts.

Per stream, decoded audio arrives in blocks (memory stays flat); Silero VAD finds speech
in each block, a speech segment still open at a block's end is carried into the next
block, and each block's speech goes through the chunk pass (batched padded encoder passes,
languages read from them), the window pass where a chunk is unsure, smoothing (with the
previous block's last language as the prior) and batched transcription before the next
block is decoded. Spans continue across blocks while the language does (spans.py).
"""
from __future__ import annotations

from dataclasses import asdict
from typing import BinaryIO, Iterator, Optional

import av
import numpy as np
from faster_whisper.vad import VadOptions, get_speech_timestamps

from ..models import verified_path
from ..records import Clue, ItemResult, Source
from ..text.langcountries import countries_for_language
from . import whisper
from .asr import DecodingOptions, Transcriber
from .decode import RATE, DecodeReport, StreamInfo, blocks, probe
from .chunks import Block
from .encode import ChunkEncoder
from .spans import (SpokenLanguageIdentifier, Span, SpanOptions, Unit, adjust_boundaries, chunk_is_sure, extend_spans,
                    language_runs, smooth)

SPOKEN_STRENGTH = 0.35  # spoken language is a modest vote: diaspora, travellers and broadcasts are real


class AudioStage:
    def __init__(self, model_name: str, candidates: list[str], threads: int, decoding: DecodingOptions,
                 spans: Optional[SpanOptions] = None, block_s: float = 120.0, vad_min_silence_ms: int = 300):
        verified_path("silero_vad_v6")  # the VAD file inside faster-whisper, checked before use
        self.model, self.ident = whisper.load(model_name, threads)
        self.lid = SpokenLanguageIdentifier(self.model, candidates)
        self.transcriber = Transcriber(self.model, decoding)
        self.encoder = ChunkEncoder(self.model, self.lid, decoding.batch_size)
        self.spans = spans or SpanOptions()
        # Speech longer than a window is split at its last short pause (>= 98 ms, Silero's
        # max_speech_duration_s): chunks and windows then end at pauses, not inside words
        # (31 s of unbroken Malay news: cut mid-word into balanced chunks, CER 0.30 -> 0.42).
        self.vad = VadOptions(min_silence_duration_ms=vad_min_silence_ms, speech_pad_ms=150,
                              max_speech_duration_s=self.spans.window_s)
        self.block_s = block_s
        self.source = Source("audio", self.ident.engine, self.ident.name, self.ident.sha256)

    def run(self, f: BinaryIO, result: ItemResult, text_extractor) -> None:
        """Every audio stream of the open file; problems are recorded, never raised, and
        clues found before a problem are kept."""
        try:
            streams, fmt = probe(f)
        except av.FFmpegError as e:
            _record_error(result, f"cannot open as audio: {e}")
            return
        result.info["container"] = fmt
        result.info["audio_streams"] = [asdict(s) for s in streams]
        if not streams:
            result.info["audio_note"] = "no audio stream"
            return
        problems = []
        for st in streams:
            report = DecodeReport()
            try:
                self._stream(f, st, result, text_extractor, report)
            except Exception as e:  # one bad stream must not cost the others
                report.errors.append(f"failed: {type(e).__name__}: {e}")
            result.info.setdefault("audio_decoded_s", []).append(round(report.seconds, 2))
            problems += [f"audio stream {st.index}: {e}" for e in report.errors]
        if problems:
            result.info["audio_problems"] = problems
            if any("failed" in p or "gave up" in p for p in problems):
                _record_error(result, "; ".join(problems)[:2000])

    # -- one stream ----------------------------------------------------------------
    def _stream(self, f, st: StreamInfo, result: ItemResult, text_extractor, report: DecodeReport) -> None:
        spans: list[Span] = []
        dropped: list[dict] = []
        speech_s = 0.0
        counts = {"chunks": 0, "window_pass_chunks": 0, "lid_windows": 0, "transcribed_chunks": 0}
        for buf, buf_start, segments in self._speech(f, st, report):
            prior = spans[-1].language if spans else None
            block = Block(buf, buf_start, segments)
            chunks = self.languages(block, prior, counts)
            extend_spans(spans, chunks)
            speech_s += block.speech_s()
            for u, found in zip(chunks, self.transcriber.transcribe_batch([(u, u.language) for u in chunks])):
                for t in found:
                    if t.dropped:
                        dropped.append({"start_s": t.start, "end_s": t.end, "text": t.text[:200], "flags": t.flags})
                        continue
                    clue = Clue(kind="speech_segment", value=t.text, normalized=" ".join(t.text.split()).casefold(),
                                confidence=t.confidence, source=self.source, language=u.language,
                                locator={"start_s": t.start, "end_s": t.end, "stream": st.index},
                                extra={"avg_logprob": round(t.avg_logprob, 4), "no_speech_prob": round(t.no_speech_prob, 4),
                                       "compression_ratio": round(t.compression_ratio, 3), "temperature": t.temperature,
                                       "beam_size": t.beam_size, "flags": t.flags})
                    result.clues.append(clue)
                    result.clues.extend(text_extractor.extract(clue, spoken_language=u.language))
                u.features = u.encoder_output = u.audio = None  # free the block's chunks before the next block
        result.info["lid_windows"] = result.info.get("lid_windows", 0) + counts["lid_windows"]
        for sp in spans:
            result.clues.append(Clue(
                kind="spoken_language", value=sp.language, normalized=sp.language, confidence=sp.confidence,
                source=self.source, language=sp.language,
                locator={"start_s": round(sp.start, 2), "end_s": round(sp.end, 2), "stream": st.index},
                countries=countries_for_language(sp.language, SPOKEN_STRENGTH * sp.confidence),
                extra={"alternatives": [[c, p] for c, p in sp.alternatives()], "speech_s": round(sp.speech_s, 2),
                       "chunks": sp.units, "container_language_tag": st.language_tag}))
        info = result.info.setdefault("speech", [])
        info.append({"stream": st.index, "speech_s": round(speech_s, 2), "spans": len(spans), **counts,
                     "dropped_segments": dropped})

    def languages(self, block: Block, prior: Optional[str], counts: dict) -> list[Unit]:
        """The block's transcription chunks, each encoded and with its language (spans.py):
        chunk pass, window pass on the unsure chunks, boundaries at pauses, smoothing."""
        o = self.spans
        chunks = block.chunks(o.max_chunk_s, o.max_pause_s)
        counts["chunks"] += len(chunks)
        self.encoder.encode(chunks, slice_s=o.window_s)
        parts: list[list[Unit]] = []
        for c in chunks:
            if chunk_is_sure(c, o):
                parts.append([c])
                continue
            windows = []
            for w in block.windows(c, o.window_s):
                self.lid.identify(w)
                windows.extend(self.lid.refine(w))
            parts.append(windows)
            counts["window_pass_chunks"] += 1
            counts["lid_windows"] += len(windows)
        smooth([u for p in parts for u in p], o.switch_prob, prior)  # tentative languages
        units: list[Unit] = []
        for c, part in zip(chunks, parts):
            runs = language_runs(part)
            if len(runs) == 1:
                c.language = runs[0][0]
                units.append(c)  # one language after all: the chunk's own encoder output serves
                continue
            for lang, segs in runs:
                u = block.unit(segs, o.max_pause_s)
                u.language = lang
                units.append(u)
        done: set = set()
        units = adjust_boundaries(self.lid, units, block, o.max_pause_s, done)  # at tentative switches
        self.encoder.encode([u for u in units if u.encoder_output is None])
        smooth(units, o.switch_prob, prior)  # the padded passes' languages decide
        units = adjust_boundaries(self.lid, units, block, o.max_pause_s, done)  # switches the smoothing made
        self.encoder.encode([u for u in units if u.encoder_output is None])  # (languages kept)
        counts["transcribed_chunks"] += len(units)
        return units

    def _speech(self, f, st: StreamInfo, report: DecodeReport) -> Iterator[tuple[np.ndarray, float, list[dict]]]:
        """(buffer, its start time, VAD segments) per block; open speech at a block end is carried over."""
        carry = np.empty(0, dtype=np.float32)
        carry_start = 0.0
        consumed = 0
        for block, last in _with_last(blocks(f, st.index, self.block_s, report)):
            buf = np.concatenate([carry, block]) if len(carry) else block
            buf_start = carry_start
            consumed += len(block)
            segments = get_speech_timestamps(buf, self.vad) if len(buf) >= 512 else []
            cut = len(buf)
            if not last and segments and segments[-1]["end"] > len(buf) - RATE // 2 \
                    and segments[-1]["start"] > 0 and len(buf) < 3 * self.block_s * RATE:
                cut = int(segments[-1]["start"])  # still speaking at the block's end: finish it next time
                segments = segments[:-1]
            if segments:
                yield buf, buf_start, segments
            carry = buf[cut:].copy()
            carry_start = buf_start + cut / RATE


def _record_error(result: ItemResult, message: str) -> None:
    result.status = "error"
    result.error = f"{result.error}; {message}" if result.error else message


def _with_last(it) -> Iterator[tuple[object, bool]]:
    it = iter(it)
    try:
        prev = next(it)
    except StopIteration:
        return
    for item in it:
        yield prev, False
        prev = item
    yield prev, True

