"""Transcription of one chunk of speech in a given language, with guards against Whisper's
known failure modes (text on silence or music, repetition loops).

Language is given, never detected here: the plain transcribe() call decides it once from
the first 30 s and loses every later language (measured); spans.py finds it per span."""
from __future__ import annotations

import json
import math
import re
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from importlib import resources

from .spans import Unit


@dataclass(frozen=True)
class DecodingOptions:
    """Recorded in the configuration (and so in every output's config hash).

    Decoding is deterministic: greedy (or `beam_size`) at temperature 0, and where a pass
    fails Whisper's quality checks (compression ratio, mean log-probability) the unit is
    decoded again by beam search with `fallback_beam_size` beams, never by sampling.
    Whisper's usual fallback samples at temperatures 0.2-0.6, and CTranslate2 draws those
    samples from a per-thread generator seeded from the OS: the same recording gave a
    different Polish segment from one scan to the next ("...podóży", logprob -1.18 / -1.20),
    which breaks "same input + same config = same output" and makes a 2-worker or Ray scan
    differ from a 1-worker one. A fixed seed would not help: the generator's state carries
    over from item to item, so the output would depend on which worker had which items."""

    beam_size: int = 1
    fallback_beam_size: int = 5
    compression_ratio_threshold: float = 2.4
    log_prob_threshold: float = -1.0
    no_speech_threshold: float = 0.6
    condition_on_previous_text: bool = False   # the main cause of runaway repetition
    max_new_tokens: int = 220

    def to_json(self) -> dict:
        return asdict(self)


@dataclass
class Transcript:
    start: float
    end: float
    text: str
    avg_logprob: float
    no_speech_prob: float
    compression_ratio: float
    temperature: float
    beam_size: int = 1  # the beam width of the pass this segment comes from
    flags: list[str] = field(default_factory=list)
    dropped: bool = False

    @property
    def confidence(self) -> float:
        return max(0.0, min(1.0, math.exp(self.avg_logprob)))


@lru_cache(maxsize=1)
def hallucination_phrases() -> tuple[frozenset[str], frozenset[str]]:
    """(always-dropped phrases, phrases dropped only when the decoder doubted the segment)."""
    raw = json.loads(resources.files("clueextract.data").joinpath("asr_hallucinations.json").read_text(encoding="utf-8"))
    return frozenset(_norm(p) for p in raw["always"]), frozenset(_norm(p) for p in raw["when_doubtful"])


def _norm(text: str) -> str:
    return re.sub(r"[\W_]+", " ", text.casefold()).strip()


def repetition_loop(text: str, n: int = 3, times: int = 3) -> bool:
    """True when some run of n words repeats `times` times in a row (a decoding loop)."""
    words = _norm(text).split()
    for size in range(1, n + 1):
        for i in range(0, max(0, len(words) - size * times + 1)):
            gram = words[i:i + size]
            if all(words[i + k * size:i + (k + 1) * size] == gram for k in range(times)):
                return True
    return False


def judge(t: Transcript, opts: DecodingOptions) -> Transcript:
    """Drop what is almost surely not speech content; flag what is doubtful."""
    norm = _norm(t.text)
    if not norm:
        t.dropped = True
        t.flags.append("empty")
        return t
    always, doubtful = hallucination_phrases()
    if norm in always or (norm in doubtful and (t.no_speech_prob > 0.3 or t.avg_logprob < -0.7)):
        t.dropped = True
        t.flags.append("known_hallucination_phrase")
    if t.compression_ratio > opts.compression_ratio_threshold or repetition_loop(t.text):
        t.dropped = True
        t.flags.append("repetition_loop")
    if t.no_speech_prob > opts.no_speech_threshold and t.avg_logprob < opts.log_prob_threshold:
        t.dropped = True
        t.flags.append("likely_no_speech")
    if t.avg_logprob < opts.log_prob_threshold and not t.dropped:
        t.flags.append("low_confidence")
    return t


class Transcriber:
    def __init__(self, model, opts: DecodingOptions):
        self.model = model
        self.opts = opts

    def transcribe(self, unit: Unit, language: str) -> list[Transcript]:
        """The unit's segments; decoded again with a wider beam when the first pass fails the
        quality checks, keeping the pass that passes (else the better mean log-probability)."""
        o = self.opts
        first = self._decode(unit, language, o.beam_size)
        if not _needs_fallback(first, o) or o.fallback_beam_size <= o.beam_size:
            return first
        second = self._decode(unit, language, o.fallback_beam_size)
        if not _needs_fallback(second, o) or _mean_logprob(second) > _mean_logprob(first):
            return second
        return first

    def _decode(self, unit: Unit, language: str, beam_size: int) -> list[Transcript]:
        from faster_whisper.tokenizer import Tokenizer
        from faster_whisper.transcribe import TranscriptionOptions, get_suppressed_tokens

        o = self.opts
        tokenizer = Tokenizer(self.model.hf_tokenizer, self.model.model.is_multilingual, task="transcribe",
                              language=language)
        options = TranscriptionOptions(
            beam_size=beam_size, best_of=5, patience=1.0, length_penalty=1.0, repetition_penalty=1.0,
            no_repeat_ngram_size=0, log_prob_threshold=o.log_prob_threshold,
            no_speech_threshold=o.no_speech_threshold, compression_ratio_threshold=o.compression_ratio_threshold,
            condition_on_previous_text=o.condition_on_previous_text, prompt_reset_on_temperature=0.5,
            temperatures=[0.0], initial_prompt=None, prefix=None, suppress_blank=True,
            suppress_tokens=get_suppressed_tokens(tokenizer, [-1]), without_timestamps=False,
            max_initial_timestamp=1.0, word_timestamps=False, prepend_punctuations="\"'“¿([{-",
            append_punctuations="\"'.。,，!！?？:：”)]}、", multilingual=False, max_new_tokens=o.max_new_tokens,
            clip_timestamps="0", hallucination_silence_threshold=None, hotwords=None)
        out = []
        features = unit.features if unit.features is not None else self.model.feature_extractor(unit.audio)
        for seg in self.model.generate_segments(features, tokenizer, options, False, unit.encoder_output):
            start = unit.start + max(0.0, float(seg.start))
            end = min(unit.end, unit.start + float(seg.end))
            out.append(judge(Transcript(round(start, 2), round(max(start, end), 2), seg.text.strip(),
                                        float(seg.avg_logprob), float(seg.no_speech_prob),
                                        float(seg.compression_ratio), float(seg.temperature), beam_size), o))
        return out


def _needs_fallback(segments: list[Transcript], opts: DecodingOptions) -> bool:
    """Whisper's own retry rule, per pass: a segment that compresses too well (a loop) or
    whose mean log-probability is under the threshold, unless it is probably not speech."""
    for t in segments:
        if t.compression_ratio > opts.compression_ratio_threshold:
            return True
        if t.avg_logprob < opts.log_prob_threshold and t.no_speech_prob <= opts.no_speech_threshold:
            return True
    return False


def _mean_logprob(segments: list[Transcript]) -> float:
    return sum(t.avg_logprob for t in segments) / len(segments) if segments else float("-inf")
