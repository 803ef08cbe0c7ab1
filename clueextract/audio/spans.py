"""Spoken-language spans over a whole track.

Chunk pass first, window pass only where the chunk pass is unsure (stage.py runs them):
1. Speech (Silero VAD segments) is packed into balanced chunks of at most ~28 s of speech
   (Whisper's window is 30 s; long pauses are shortened, chunks.py). Each chunk gets one
   padded encoder pass, batched (encode.py): transcription consumes that output, and the
   chunk's language is read from it (detect_language on the same output, no second encoder
   pass). Window-sized slices of the same output are read too (one batched detect_language
   call): measured on 21 real two-language mixes (28 s chunks, 10/14/18 s of one of en, de,
   fr, pt, zh, ko, ms then another), the chunk's own language was often confident (zh then
   en 14/14: zh 0.98), but its slices disagreed in every mix.
2. The cheap window pass runs only on a chunk whose top language is below the certainty
   threshold or whose slices name another language: its speech is packed into short windows
   (default at most 8 s) that start and end at pauses, each window's language comes from
   Whisper's encoder run on the window's own length, unpadded (about a tenth of a padded
   30 s pass), a window whose languages look mixed is split at a pause, and a Viterbi pass
   with a switch prior smooths the sequence. Runs of windows in one language become that
   chunk's transcription chunks; their language boundaries are moved to the pause where
   the new language really starts (adjust_boundaries), then they are encoded (batched).
3. A second Viterbi pass over all chunks, on the padded passes' languages (more reliable
   than the windows'), decides the spans: a false tentative switch costs one extra chunk,
   not a wrong span. Span edges are VAD edges: speakers switch at pauses.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Optional

import numpy as np

RATE = 16_000


@dataclass(frozen=True)
class SpanOptions:
    """How spoken-language spans are found; result-affecting (ScanConfig's audio_max_chunk_s,
    lid_window_s, lid_switch_prob and lid_chunk_certainty set them, and so the config hash).

    chunk_certainty: a chunk whose top candidate language (probabilities renormalised over
    the candidate languages) is below this, or one whose window slices name another language
    (slice_dissent), goes through the window pass. 1.01 forces the window pass everywhere (the
    design before the chunk pass: same spans, slower); 0 leaves only the slices' check."""

    max_chunk_s: float = 28.0       # most speech encoded and transcribed at once (Whisper's window is 30 s)
    max_pause_s: float = 1.0        # longer pauses inside a chunk are shortened to this (chunks.py)
    window_s: float = 8.0           # window pass: longest window, and the slices' length
    switch_prob: float = 0.15       # prior probability of a language change between units
    chunk_certainty: float = 0.6    # see above
    slice_dissent: float = 0.5      # a slice naming another language this surely marks a likely switch


@dataclass
class Unit:
    start: float                       # seconds in the track
    end: float
    audio: np.ndarray
    pauses: list[float]                # track times of pauses between VAD segments inside the unit
    segments: list[tuple[int, int]] = field(default_factory=list)  # its VAD segments (sample offsets in the block)
    features: Optional[np.ndarray] = None   # log-Mel features (chunks only)
    encoder_output: Any = None              # padded encoder output (chunks only, [1500, d] array), reused by transcription
    probs: dict[str, float] = field(default_factory=dict)   # over candidate languages, sums to 1
    raw_top: list[tuple[str, float]] = field(default_factory=list)  # model's own top languages
    language: Optional[str] = None     # after smoothing
    slices: list[tuple[float, float, str, float]] = field(default_factory=list)  # (start, end, top language, p) of
    #                                    window-sized slices of the chunk's encoder output (encode.py)
    timemap: list[tuple[float, float]] = field(default_factory=list)  # (offset in audio s, track s) where each
    #                                    piece of a chunk with shortened pauses starts; empty: audio is contiguous
    length: float = field(init=False, default=0.0)  # seconds of audio (speech and the pauses kept)

    def __post_init__(self) -> None:
        self.length = len(self.audio) / RATE if self.audio is not None else self.end - self.start

    @property
    def duration(self) -> float:
        """Seconds of audio the unit holds (its track extent where no pause was shortened)."""
        return self.length

    def track_time(self, t: float) -> float:
        """Track time of `t` seconds into the unit's audio."""
        if not self.timemap:
            return self.start + t
        off, at = next((o, a) for o, a in reversed(self.timemap) if o <= t) if t >= 0 else self.timemap[0]
        return at + (t - off)


def make_units(buf: np.ndarray, buf_start: float, segments: list[dict], max_chunk_s: float) -> list[Unit]:
    """Pack consecutive VAD segments (sample offsets in buf) into contiguous units of at most
    max_chunk_s (the window pass's windows)."""
    units: list[Unit] = []
    limit = int(max_chunk_s * RATE)
    group: list[tuple[int, int]] = []

    def close() -> None:
        if group:
            s, e = group[0][0], group[-1][1]
            pauses = [buf_start + (a[1] + b[0]) / 2 / RATE for a, b in zip(group, group[1:])]
            units.append(Unit(buf_start + s / RATE, buf_start + e / RATE, buf[s:e], pauses, list(group)))
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


class SpokenLanguageIdentifier:
    """Whisper language probabilities for a unit, restricted to candidate languages."""

    def __init__(self, model, candidates: list[str]):
        from faster_whisper.tokenizer import _LANGUAGE_CODES  # noqa: PLC0415 (asr.py reads Unit from here on image scans)

        self.model = model
        supported = set(_LANGUAGE_CODES)
        self.candidates = [c for c in candidates if c in supported] or sorted(supported)

    OUTSIDER_MIN = 0.5  # a language outside the packs is still reported when Whisper is this sure of it
    NEVER_OUTSIDER = frozenset({"la", "sa"})  # classical languages: Whisper's catch-alls for unclear speech

    def identify(self, unit: Unit) -> None:
        """Language probabilities of a short window from an encoder pass on its own length,
        unpadded: cheap, for the window pass (padded chunk passes are encode.ChunkEncoder's)."""
        feats = self.model.feature_extractor(unit.audio)
        frames = max(2, min(feats.shape[-1] - 1, self.model.feature_extractor.nb_max_frames))
        encoded = self.model.encode(feats[..., :frames])  # cost follows the window's length
        self.set_probs(unit, self.model.model.detect_language(encoded)[0])

    def set_probs(self, unit: Unit, results: list[tuple[str, float]]) -> None:
        """unit.probs and unit.raw_top from one detect_language result (tokens like '<|de|>')."""
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
        first = window.segments[0][0] if window.segments else 0
        left = [g for g in window.segments if window.start + (g[1] - first) / RATE <= cut]
        halves = [Unit(window.start, cut, window.audio[:k], [p for p in window.pauses if p < cut], left),
                  Unit(cut, window.end, window.audio[k:], [p for p in window.pauses if p > cut],
                       window.segments[len(left):])]
        for h in halves:
            self.identify(h)
        return [u for h in halves for u in self.refine(h, depth - 1, min_s)]


def chunk_is_sure(chunk: Unit, opts: SpanOptions) -> bool:
    """The chunk pass's language stands (no window pass): its top candidate language is at
    or above opts.chunk_certainty, and no slice of it names another language with at least
    opts.slice_dissent."""
    if not chunk.probs:
        return False
    lang, top = max(chunk.probs.items(), key=lambda kv: (kv[1], kv[0]))
    if top < opts.chunk_certainty:
        return False
    return not any(other != lang and p >= opts.slice_dissent for _, _, other, p in chunk.slices)


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


def adjust_boundaries(lid: SpokenLanguageIdentifier, chunks: list[Unit], block, max_pause_s: float,
                      done: Optional[set] = None, look_s: float = 10.0, min_part_s: float = 1.5,
                      min_prob: float = 0.6) -> list[Unit]:
    """Move each language boundary to the pause where the new language really starts.

    A chunk or window that straddles a switch is labelled with its majority language, so
    the boundary can be off by most of it. At each boundary the tail of the left chunk (and
    the head of the right one) is tested pause by pause (unpadded passes on the block's
    audio, `block`: chunks.Block); the parts that belong to the other side move across. The
    two new chunks come back without an encoder output: the caller encodes them (in a
    batch), keeping the languages set here. `done` holds (boundary time, left language,
    right language) of boundaries already settled, skipped, and gets the ones settled here."""
    out = list(chunks)
    done = set() if done is None else done
    for i in range(len(out) - 1):
        left, right = out[i], out[i + 1]
        key = (round(left.end, 2), left.language, right.language)
        if left.language == right.language or key in done:
            continue
        cut = _first_part_in(lid, block, left, right.language, from_end=True, look_s=look_s, min_s=min_part_s,
                             p=min_prob)
        if cut is None:
            cut = _first_part_in(lid, block, right, left.language, from_end=False, look_s=look_s, min_s=min_part_s,
                                 p=min_prob)
        if cut is not None:
            new_left, new_right = block.split(left, right, cut, max_pause_s)
            new_left.language, new_right.language = left.language, right.language
            out[i], out[i + 1] = new_left, new_right
        done.add((round(out[i].end, 2), left.language, right.language))
    return out


def _first_part_in(lid: SpokenLanguageIdentifier, block, unit: Unit, language: str, *, from_end: bool, look_s: float,
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
        part = Unit(a, b, block.clip(a, b), [])
        lid.identify(part)
        if part.probs.get(language, 0.0) >= p:
            found = q
        else:
            break
    if found is not None and (found - unit.start < min_s if from_end else unit.end - found < min_s):
        return None  # the whole unit would move: that is the smoothing's call, not this one's
    return found


def language_runs(windows: list[Unit]) -> list[tuple[Optional[str], list[tuple[int, int]]]]:
    """(language, VAD segments) of each run of consecutive windows in one language: a chunk's
    transcription chunks after the window pass (chunks.Block.unit builds them)."""
    runs: list[tuple[Optional[str], list[tuple[int, int]]]] = []
    for w in windows:
        if runs and runs[-1][0] == w.language:
            runs[-1][1].extend(w.segments)
        else:
            runs.append((w.language, list(w.segments)))
    return runs
