"""Spoken-language spans over a whole track.

Two passes, so that language ID is both fine-grained and cheap:
1. Speech (Silero VAD segments) is packed into short windows (default at most 8 s) that
   start and end at pauses. Each window's language comes from Whisper's encoder run on
   the window's own length, unpadded: CTranslate2 accepts it, and it costs about a tenth
   of a padded 30 s pass (measured 0.08 s vs 0.6-1.0 s for base on 2 cores). A Viterbi
   pass with a switch prior smooths the window sequence into tentative languages.
2. Consecutive windows of one tentative language are joined into chunks of at most ~28 s
   (the chunks a transcription needs anyway). Each chunk gets one padded encoder pass,
   which is what transcription consumes; its language probabilities (more reliable than
   the short windows', measured on espeak speech) are read from that same encoder output,
   and a second Viterbi pass over the chunks decides the spans. A false tentative switch
   costs one extra chunk, not a wrong span. Span edges are VAD edges: speakers switch at
   pauses.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Optional

import numpy as np

RATE = 16_000


@dataclass
class Unit:
    start: float                       # seconds in the track
    end: float
    audio: np.ndarray
    pauses: list[float]                # track times of pauses between VAD segments inside the unit
    features: Optional[np.ndarray] = None   # log-Mel features (chunks only)
    encoder_output: Any = None              # padded encoder output (chunks only), reused by transcription
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

    OUTSIDER_MIN = 0.5  # a language outside the packs is still reported when Whisper is this sure of it
    NEVER_OUTSIDER = frozenset({"la", "sa"})  # classical languages: Whisper's catch-alls for unclear speech

    def identify(self, unit: Unit, padded: bool) -> None:
        """Language probabilities of a unit. Unpadded: cheap, for short windows. Padded: the
        30 s encoder pass transcription needs; features and encoder output are kept for it."""
        from faster_whisper.audio import pad_or_trim

        feats = self.model.feature_extractor(unit.audio)
        if padded:
            unit.features = feats
            unit.encoder_output = encoded = self.model.encode(pad_or_trim(feats[..., :self.model.feature_extractor.nb_max_frames]))
        else:
            frames = max(2, min(feats.shape[-1] - 1, self.model.feature_extractor.nb_max_frames))
            encoded = self.model.encode(feats[..., :frames])  # cost follows the window's length
        results = self.model.model.detect_language(encoded)[0]
        raw = [(tok[2:-2], float(p)) for tok, p in results]
        unit.raw_top = [(c, round(p, 4)) for c, p in raw[:5]]
        keep = set(self.candidates)
        if raw and raw[0][1] >= self.OUTSIDER_MIN and raw[0][0] not in self.NEVER_OUTSIDER:
            keep.add(raw[0][0])  # e.g. Polish speech with no Polish pack: say so, do not force a pack language
        cand = {c: p for c, p in raw if c in keep}
        total = sum(cand.values()) or 1.0
        unit.probs = {c: p / total for c, p in cand.items()}

    def refine(self, window: Unit, depth: int = 2, min_s: float = 2.0) -> list[Unit]:
        """A window whose languages look mixed is split at the pause nearest its middle and
        each half identified on its own (a switch inside an 8 s window, kept to ~2 s)."""
        top = sorted(window.probs.values(), reverse=True) + [0.0, 0.0]
        if depth == 0 or top[0] >= 0.8 or top[1] < 0.15 or not window.pauses:
            return [window]
        mid = (window.start + window.end) / 2
        cut = min(window.pauses, key=lambda t: abs(t - mid))
        if cut - window.start < min_s or window.end - cut < min_s:
            return [window]
        k = int((cut - window.start) * RATE)
        halves = [Unit(window.start, cut, window.audio[:k], [p for p in window.pauses if p < cut]),
                  Unit(cut, window.end, window.audio[k:], [p for p in window.pauses if p > cut])]
        for h in halves:
            self.identify(h, padded=False)
        return [u for h in halves for u in self.refine(h, depth - 1, min_s)]


def smooth(units: list[Unit], switch_prob: float, previous: Optional[str] = None) -> None:
    """Viterbi over the units' language probabilities; sets unit.language."""
    if not units:
        return
    langs = sorted({c for u in units for c in u.probs} | ({previous} if previous else set()))
    stay, switch = math.log(1 - switch_prob), math.log(switch_prob)
    eps = 0.05  # no language is ever ruled out by one unit: one chunk moves the score by at most ~3 nats
    if previous:
        score = {c: (stay if c == previous else switch) for c in langs}
    else:
        score = {c: 0.0 for c in langs}
    back: list[dict[str, str]] = []
    for u in units:
        ranked = sorted(u.probs.values(), reverse=True) + [0.0, 0.0]
        # a short unit, or one whose best language barely leads, weighs less
        weight = min(2.0, u.duration / 10.0) * min(1.0, max(0.2, 2 * (ranked[0] - ranked[1])))
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


def adjust_boundaries(lid: LanguageIdentifier, chunks: list[Unit], look_s: float = 10.0,
                      min_part_s: float = 1.5, min_prob: float = 0.6) -> list[Unit]:
    """Move each language boundary to the pause where the new language really starts.

    A window that straddles a switch is labelled with its majority language, so the
    boundary can be off by most of a window. At each boundary the tail of the left chunk
    (and the head of the right one) is tested pause by pause; the parts that belong to the
    other side move across, and the two chunks are re-encoded for transcription."""
    out = list(chunks)
    for i in range(len(out) - 1):
        left, right = out[i], out[i + 1]
        if left.language == right.language:
            continue
        cut = _first_part_in(lid, left, right.language, from_end=True, look_s=look_s, min_s=min_part_s, p=min_prob)
        if cut is None:
            cut = _first_part_in(lid, right, left.language, from_end=False, look_s=look_s, min_s=min_part_s, p=min_prob)
        if cut is None:
            continue
        joined_audio, joined_start = _join(left, right)
        k = int(round((cut - joined_start) * RATE))
        pauses = left.pauses + [(left.end + right.start) / 2] + right.pauses
        new_left = Unit(left.start, cut, joined_audio[:k], [p for p in pauses if p < cut], language=left.language)
        new_right = Unit(cut, right.end, joined_audio[k:], [p for p in pauses if p > cut], language=right.language)
        for u in (new_left, new_right):
            lid.identify(u, padded=True)
            u.language = left.language if u is new_left else right.language
        out[i], out[i + 1] = new_left, new_right
    return out


def _join(a: Unit, b: Unit) -> tuple[np.ndarray, float]:
    gap = np.zeros(max(0, int(round((b.start - a.end) * RATE))), dtype=np.float32)
    return np.concatenate([a.audio, gap, b.audio]), a.start


def _first_part_in(lid: LanguageIdentifier, unit: Unit, language: str, *, from_end: bool, look_s: float,
                   min_s: float, p: float) -> Optional[float]:
    """The pause of `unit` from which (from_end) or up to which its audio is `language`."""
    if from_end:
        pauses = sorted((q for q in unit.pauses if q > unit.end - look_s), reverse=True)
    else:
        pauses = sorted(q for q in unit.pauses if q < unit.start + look_s)
    found = None
    for q in pauses:
        a, b = (q, unit.end) if from_end else (unit.start, q)
        if b - a < min_s:
            continue
        k0, k1 = int((a - unit.start) * RATE), int((b - unit.start) * RATE)
        part = Unit(a, b, unit.audio[k0:k1], [])
        lid.identify(part, padded=False)
        if part.probs.get(language, 0.0) >= p:
            found = q
        else:
            break
    if found is not None and (found - unit.start < min_s if from_end else unit.end - found < min_s):
        return None  # the whole unit would move: that is the smoothing's call, not this one's
    return found


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
            chunks.append(Unit(u.start, u.end, u.audio, list(u.pauses), language=u.language))
    return chunks
