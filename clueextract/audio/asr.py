"""Transcription of chunks of speech, each in a given language, decoded in batches, with
guards against Whisper's known failure modes (text on silence or music, repetition loops).

Language is given, never detected here: the plain transcribe() call decides it once from
the first 30 s and loses every later language (measured); spans.py finds it per span.

Decoding follows faster-whisper's generate_segments (temperature 0, the no-speech skip,
segments split at timestamp tokens, a window that ends inside speech continued from its
last timestamp) for a batch of chunks at once: CTranslate2's generate takes one encoder
output and one prompt per chunk, each prompt with its own language token. Batched and
one-by-one decoding gave bit-identical tokens and scores (encode.py)."""
from __future__ import annotations

import json
import math
import re
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from importlib import resources

import numpy as np

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
    # New tokens per 30 s window, at most. CTranslate2 4.x decodes min(max_length / 2,
    # max_length - prompt) tokens (whisper.cc; CTranslate2 issue #1856): faster-whisper's
    # max_length = prompt + max_new_tokens gave 111 tokens for 220, which cut every dense
    # 28 s chunk (Portuguese, Korean, Malay, Mandarin readings here: 111 of ~145 tokens) and
    # cost one more padded encoder pass for its rest. max_length is now sized so that this
    # many tokens are decoded (up to Whisper's 224, as a plain transcribe() decodes).
    max_new_tokens: int = 220
    # Chunks encoded and decoded at once. Not result-affecting (batched and one-by-one
    # results were bit-identical), so not in to_json(): larger batches only cost memory
    # (about 3 MB of encoder output per chunk for base, more for larger models).
    batch_size: int = 8

    def to_json(self) -> dict:
        d = asdict(self)
        d.pop("batch_size")
        return d

    def max_length(self, prompt_len: int, model_max: int = 448) -> int:
        """CTranslate2's max_length for max_new_tokens new tokens after a prompt (see above)."""
        return min(model_max, max(prompt_len + self.max_new_tokens, 2 * self.max_new_tokens))


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
        self._tokenizers: dict[str, tuple] = {}

    def transcribe(self, unit: Unit, language: str) -> list[Transcript]:
        """The unit's segments; decoded again with a wider beam when the first pass fails the
        quality checks, keeping the pass that passes (else the better mean log-probability)."""
        o = self.opts
        first = self._decode(unit, language, o.beam_size)
        if not _needs_fallback(first, o) or o.fallback_beam_size <= o.beam_size:
            return first
        return _keep(first, self._decode(unit, language, o.fallback_beam_size), o)

    def transcribe_batch(self, items: list[tuple[Unit, str]]) -> list[list[Transcript]]:
        """transcribe() for many (unit, language) pairs: every first pass in batches, then
        the second passes of the units that need one, in batches. Same rule, same results."""
        o = self.opts
        firsts = self._decode_batch(items, o.beam_size)
        redo = [i for i, f in enumerate(firsts) if _needs_fallback(f, o)] if o.fallback_beam_size > o.beam_size else []
        seconds = self._decode_batch([items[i] for i in redo], o.fallback_beam_size)
        out = list(firsts)
        for i, second in zip(redo, seconds):
            out[i] = _keep(firsts[i], second, o)
        return out

    def _decode(self, unit: Unit, language: str, beam_size: int) -> list[Transcript]:
        return self._decode_batch([(unit, language)], beam_size)[0]

    def _tokenizer(self, language: str):
        if language not in self._tokenizers:
            from faster_whisper.tokenizer import Tokenizer  # noqa: PLC0415 (DecodingOptions is read on image scans: faster-whisper +560 ms)
            from faster_whisper.transcribe import get_suppressed_tokens  # noqa: PLC0415 (as above)

            tok = Tokenizer(self.model.hf_tokenizer, self.model.model.is_multilingual, task="transcribe",
                            language=language)
            self._tokenizers[language] = (tok, get_suppressed_tokens(tok, [-1]))
        return self._tokenizers[language]

    def _decode_batch(self, items: list[tuple[Unit, str]], beam_size: int) -> list[list[Transcript]]:
        """One pass at `beam_size` over every unit, windows of all units decoded together."""
        from faster_whisper.audio import pad_or_trim  # noqa: PLC0415 (as above)

        from .encode import batched, encode_array, encoder_batch, storage  # noqa: PLC0415 (CTranslate2: speech only)

        m, o = self.model, self.opts
        fe = m.feature_extractor
        jobs = []
        for k, (unit, language) in enumerate(items):
            feats = unit.features if unit.features is not None else fe(unit.audio)
            jobs.append(_Job(k, unit, *self._tokenizer(language), feats))
        out: list[list[Transcript]] = [[] for _ in jobs]
        active = [j for j in jobs if j.seek < j.content_frames]
        while active:
            for j in active:
                j.size = min(fe.nb_max_frames, j.content_frames - j.seek)
            fresh = [j for j in active if j.seek > 0 or j.unit.encoder_output is None]
            for batch in batched(fresh, encoder_batch(m, o.batch_size)):  # windows after the first, or units never encoded
                x = np.stack([pad_or_trim(j.features[:, j.seek:j.seek + j.size] if j.seek > 0
                                          else j.features[..., :fe.nb_max_frames]) for j in batch])
                for j, enc in zip(batch, encode_array(m, x)):
                    j.encoded = enc
            for j in active:
                if j.seek == 0 and j.unit.encoder_output is not None:
                    j.encoded = j.unit.encoder_output
                j.prompt = m.get_prompt(j.tokenizer, j.all_tokens[j.reset_since:], without_timestamps=False)
            # one generate call per batch of equal prompt length (equal unless previous text is a prompt)
            for plen in sorted({len(j.prompt) for j in active}):
                group = [j for j in active if len(j.prompt) == plen]
                for batch in batched(group, self.opts.batch_size):
                    results = m.model.generate(
                        storage(np.stack([j.encoded for j in batch])), [j.prompt for j in batch],
                        beam_size=beam_size, patience=1.0, length_penalty=1.0, repetition_penalty=1.0,
                        no_repeat_ngram_size=0, max_length=o.max_length(plen, m.max_length), return_scores=True,
                        return_no_speech_prob=True, suppress_blank=True,
                        suppress_tokens=list(batch[0].suppress),  # the same for every language
                        max_initial_timestamp_index=int(round(1.0 / m.time_precision)))
                    for j, r in zip(batch, results):
                        out[j.index].extend(self._window(j, r, beam_size))
            active = [j for j in active if j.seek < j.content_frames]
            for j in active:
                j.encoded = None
        return out

    def _window(self, j: "_Job", result, beam_size: int) -> list[Transcript]:
        """Segments of one decoded window; advances j.seek (faster-whisper's rules)."""
        from faster_whisper.transcribe import get_compression_ratio  # noqa: PLC0415 (as above: faster-whisper, speech only)

        m, o = self.model, self.opts
        tokens = result.sequences_ids[0]
        avg_logprob = result.scores[0] * len(tokens) / (len(tokens) + 1)
        compression = get_compression_ratio(j.tokenizer.decode(tokens).strip())
        if result.no_speech_prob > o.no_speech_threshold and not avg_logprob > o.log_prob_threshold:
            j.seek += j.size  # no speech in this window: skip it
            return []
        tpf = m.feature_extractor.time_per_frame
        segments, j.seek, _ = m._split_segments_by_timestamps(
            tokenizer=j.tokenizer, tokens=tokens, time_offset=j.seek * tpf, segment_size=j.size,
            segment_duration=j.size * tpf, seek=j.seek)
        out = []
        for seg in segments:
            text = j.tokenizer.decode(seg["tokens"])
            if seg["start"] == seg["end"] or not text.strip():
                continue
            j.all_tokens.extend(seg["tokens"])
            start = j.unit.track_time(max(0.0, float(seg["start"])))
            end = min(j.unit.end, j.unit.track_time(float(seg["end"])))
            out.append(judge(Transcript(round(start, 2), round(max(start, end), 2), text.strip(), float(avg_logprob),
                                        float(result.no_speech_prob), float(compression), 0.0, beam_size), o))
        if not o.condition_on_previous_text:
            j.reset_since = len(j.all_tokens)
        return out


class _Job:
    """One unit being decoded: where it is (seek, in feature frames) and what it said so far."""

    def __init__(self, index: int, unit: Unit, tokenizer, suppress, features: np.ndarray):
        self.index, self.unit, self.tokenizer, self.suppress = index, unit, tokenizer, suppress
        self.features = features
        self.content_frames = features.shape[-1] - 1
        self.seek = 0
        self.size = 0
        self.encoded = None
        self.prompt: list[int] = []
        self.all_tokens: list[int] = []
        self.reset_since = 0


def _keep(first: list[Transcript], second: list[Transcript], opts: DecodingOptions) -> list[Transcript]:
    """Of a failing first pass and its wider-beam second pass: the second if it passes,
    else the one with the better mean log-probability."""
    if not _needs_fallback(second, opts) or _mean_logprob(second) > _mean_logprob(first):
        return second
    return first


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
