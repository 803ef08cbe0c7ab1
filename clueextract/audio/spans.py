"""Spoken-language spans over a whole track.

Speech (Silero VAD segments) is packed into short windows (default at most 8 s) that
start and end at pauses. Each window's language probabilities come from Whisper's
encoder run on the window's own length, unpadded: CTranslate2 accepts it, and it costs
about a tenth of a padded 30 s pass (measured 0.08 s vs 0.6-1.0 s for base on 2 cores),
so language ID over the whole track stays cheap. A window whose languages look mixed is
split at its middle pause and each half identified on its own. A Viterbi pass with a
switch penalty smooths the window sequence, so a single odd window does not open a span,
and consecutive windows in one language become one span whose edges are VAD edges
(speakers switch at pauses). Transcription then runs per span, in its language.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Optional

import numpy as np

RATE = 16_000


@dataclass
class Unit:
    start: float                       # seconds in the track
    end: float
    audio: np.ndarray
    pauses: list[float]                # track times of pauses between VAD segments inside the unit
    probs: dict[str, float] = field(default_factory=dict)   # over candidate languages, sums to 1
    raw_top: list[tuple[str, float]] = field(default_factory=list)  # model's own top languages
    language: Optional[str] = None     # after smoothing

    @property
    def duration(self) -> float:
        return self.end - self.start


def make_units(buf: np.ndarray, buf_start: float, segments: list[dict], max_chunk_s: float) -> list[Unit]:
    """Pack consecutive VAD segments (sample offsets in buf) into units of at most max_chunk_s."""
    units: list[Unit] = []
    limit = int(max_chunk_s * RATE)
    group: list[tuple[int, int]] = []

    def close() -> None:
        if group:
            s, e = group[0][0], group[-1][1]
            pauses = [buf_start + (a[1] + b[0]) / 2 / RATE for a, b in zip(group, group[1:])]
            units.append(Unit(buf_start + s / RATE, buf_start + e / RATE, buf[s:e], pauses))
            group.clear()

    for seg in segments:
        s, e = int(seg["start"]), int(seg["end"])
        while e - s > limit:  # continuous speech longer than a chunk: cut it
            close()
            group.append((s, s + limit))
            close()
            s += limit
        if group and e - group[0][0] > limit:
            close()
        group.append((s, e))
    close()
    return units


class LanguageIdentifier:
    """Whisper language probabilities for a unit, restricted to candidate languages."""

    def __init__(self, model, candidates: list[str]):
        from faster_whisper.tokenizer import _LANGUAGE_CODES

        self.model = model
        supported = set(_LANGUAGE_CODES)
        self.candidates = [c for c in candidates if c in supported] or sorted(supported)

    def identify(self, unit: Unit) -> None:
        feats = self.model.feature_extractor(unit.audio)
        frames = max(2, min(feats.shape[-1] - 1, self.model.feature_extractor.nb_max_frames))
        encoded = self.model.encode(feats[..., :frames])  # unpadded: cost follows the window's length
        results = self.model.model.detect_language(encoded)[0]
        raw = [(tok[2:-2], float(p)) for tok, p in results]
        unit.raw_top = [(c, round(p, 4)) for c, p in raw[:5]]
        cand = {c: p for c, p in raw if c in self.candidates}
        total = sum(cand.values()) or 1.0
        unit.probs = {c: p / total for c, p in cand.items()}

    def refine(self, unit: Unit, depth: int = 2, min_s: float = 3.0) -> list[Unit]:
        """Split a unit whose language looks mixed at the pause nearest its middle."""
        top = sorted(unit.probs.values(), reverse=True) + [0.0, 0.0]
        if depth == 0 or top[0] >= 0.8 or top[1] < 0.15 or not unit.pauses:
            return [unit]
        mid = (unit.start + unit.end) / 2
        cut = min(unit.pauses, key=lambda t: abs(t - mid))
        if cut - unit.start < min_s or unit.end - cut < min_s:
            return [unit]
        k = int((cut - unit.start) * RATE)
        halves = [Unit(unit.start, cut, unit.audio[:k], [p for p in unit.pauses if p < cut]),
                  Unit(cut, unit.end, unit.audio[k:], [p for p in unit.pauses if p > cut])]
        for h in halves:
            self.identify(h)
        if _best(halves[0]) == _best(halves[1]):
            return [unit]  # one language after all
        return [u for h in halves for u in self.refine(h, depth - 1, min_s)]


def _best(u: Unit) -> str:
    return max(u.probs.items(), key=lambda kv: (kv[1], kv[0]))[0]


def smooth(units: list[Unit], switch_prob: float, previous: Optional[str] = None) -> None:
    """Viterbi over the units' language probabilities; sets unit.language."""
    if not units:
        return
    langs = sorted({c for u in units for c in u.probs} | ({previous} if previous else set()))
    stay, switch = math.log(1 - switch_prob), math.log(switch_prob)
    eps = 1e-4
    if previous:
        score = {c: (stay if c == previous else switch) for c in langs}
    else:
        score = {c: 0.0 for c in langs}
    back: list[dict[str, str]] = []
    for u in units:
        weight = min(1.0, max(0.3, u.duration / 6.0))  # a 2 s window counts less than a 6 s one
        new, ptr = {}, {}
        for c in langs:
            prev_c, prev_s = max(((p, s + (stay if p == c else switch)) for p, s in score.items()),
                                 key=lambda kv: (kv[1], kv[0]))
            new[c] = prev_s + weight * math.log(u.probs.get(c, 0.0) + eps)
            ptr[c] = prev_c
        score = new
        back.append(ptr)
    state = max(score.items(), key=lambda kv: (kv[1], kv[0]))[0]
    for i in range(len(units) - 1, -1, -1):
        units[i].language = state
        state = back[i][state]


@dataclass
class Span:
    language: str
    start: float
    end: float
    weights: dict[str, float] = field(default_factory=dict)  # duration-weighted probabilities
    speech_s: float = 0.0
    units: int = 0

    def add(self, u: Unit) -> None:
        self.end = max(self.end, u.end)
        self.speech_s += u.duration
        self.units += 1
        for c, p in u.probs.items():
            self.weights[c] = self.weights.get(c, 0.0) + p * u.duration

    @property
    def confidence(self) -> float:
        return self.weights.get(self.language, 0.0) / self.speech_s if self.speech_s else 0.0

    def alternatives(self, n: int = 3) -> list[tuple[str, float]]:
        others = sorted(((c, w / self.speech_s) for c, w in self.weights.items() if c != self.language),
                        key=lambda kv: -kv[1])
        return [(c, round(p, 4)) for c, p in others[:n] if p >= 0.01]


def extend_spans(spans: list[Span], units: list[Unit]) -> None:
    for u in units:
        if not spans or spans[-1].language != u.language:
            spans.append(Span(u.language or "und", u.start, u.end))
        spans[-1].add(u)


def transcription_chunks(units: list[Unit], max_chunk_s: float) -> list[Unit]:
    """Consecutive same-language windows joined into chunks of at most max_chunk_s (Whisper's
    window is 30 s), each a contiguous stretch of the track, to transcribe in that language."""
    chunks: list[Unit] = []
    for u in units:
        last = chunks[-1] if chunks else None
        if last and last.language == u.language and u.end - last.start <= max_chunk_s \
                and abs(u.start - last.end) < 5.0:
            gap = np.zeros(max(0, int(round((u.start - last.end) * RATE))), dtype=np.float32)
            last.audio = np.concatenate([last.audio, gap, u.audio])
            last.pauses.append((last.end + u.start) / 2)
            last.end = u.end
        else:
            chunks.append(Unit(u.start, u.end, u.audio, list(u.pauses), dict(u.probs), language=u.language))
    return chunks
