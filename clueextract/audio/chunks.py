"""A block of decoded audio, its VAD segments, and the chunks and windows built from them.

A chunk holds speech, not track time: a pause longer than max_pause_s inside a chunk is cut
down to max_pause_s (its two ends kept), so ~28 s of chunk is ~28 s of speech, and the
chunk's timemap takes transcript times back to the track. A plain transcribe() with VAD
drops silences the same way; measured on the Apollo 11 radio recording (89 s, 31.6 s of
speech in short bursts): 4 chunks, each a full padded encoder pass, when chunks were
contiguous track time cut at 5 s pauses; 2 now.

Chunks are balanced: the fewest chunks of at most max_chunk_s, of about equal length
(31 s of Malay news: 15 + 16 s instead of 28 + 3 s). The encoder costs the same per chunk
either way; a batch of chunks of equal length decodes in step, one of a full and a short
chunk does not.

The window pass's windows stay contiguous track audio of at most window_s (make_units).
"""
from __future__ import annotations

import numpy as np

from .spans import RATE, Unit, make_units


class Block:
    def __init__(self, buf: np.ndarray, start: float, segments: list[dict]):
        self.buf, self.start = buf, start
        self.segments = [(int(s["start"]), int(s["end"])) for s in segments]

    def time(self, sample: float) -> float:
        return self.start + sample / RATE

    def speech_s(self) -> float:
        return sum(e - s for s, e in self.segments) / RATE

    def clip(self, a: float, b: float) -> np.ndarray:
        """The block's audio between two track times, as it is."""
        return self.buf[max(0, int(round((a - self.start) * RATE))):max(0, int(round((b - self.start) * RATE)))]

    def unit(self, segs: list[tuple[int, int]], max_pause_s: float) -> Unit:
        """A chunk of these segments (sample offsets in the block), pauses over max_pause_s shortened."""
        cap = int(max_pause_s * RATE)
        pieces: list[tuple[int, int]] = []
        a = segs[0][0]
        for (_, e1), (s2, _) in zip(segs, segs[1:]):
            if s2 - e1 > cap:
                pieces.append((a, e1 + cap // 2))
                a = s2 - (cap - cap // 2)
        pieces.append((a, segs[-1][1]))
        audio = self.buf[pieces[0][0]:pieces[0][1]] if len(pieces) == 1 else \
            np.concatenate([self.buf[x:y] for x, y in pieces])
        timemap, off = [], 0
        for x, y in pieces:
            timemap.append((off / RATE, self.time(x)))
            off += y - x
        pauses = [self.time((e1 + s2) / 2) for (_, e1), (s2, _) in zip(segs, segs[1:])]
        return Unit(self.time(segs[0][0]), self.time(segs[-1][1]), audio, pauses, list(segs),
                    timemap=timemap if len(pieces) > 1 else [])

    def chunks(self, max_chunk_s: float, max_pause_s: float) -> list[Unit]:
        """All the block's speech in the fewest balanced chunks (see the module docstring)."""
        limit, cap = int(max_chunk_s * RATE), int(max_pause_s * RATE)
        if not self.segments:
            return []
        groups = _pack(self.segments, limit, cap)
        if len(groups) > 1:  # the smallest length limit that still needs no more chunks
            lo, hi = -(-_length(self.segments, cap) // len(groups)), limit
            while lo < hi:
                mid = (lo + hi) // 2
                if len(_pack(self.segments, mid, cap)) <= len(groups):
                    hi = mid
                else:
                    lo = mid + 1
            groups = _pack(self.segments, lo, cap)
        return [self.unit(g, max_pause_s) for g in groups]

    def windows(self, unit: Unit, window_s: float) -> list[Unit]:
        """The window pass's windows of a chunk: its own segments in contiguous windows."""
        return make_units(self.buf, self.start, [{"start": s, "end": e} for s, e in unit.segments], window_s)

    def split(self, left: Unit, right: Unit, cut: float, max_pause_s: float) -> tuple[Unit, Unit]:
        """Two neighbouring chunks rebuilt with their boundary at the pause `cut`."""
        segs = left.segments + right.segments
        first = [g for g in segs if self.time(g[1]) <= cut]
        return self.unit(first, max_pause_s), self.unit(segs[len(first):], max_pause_s)


def _length(segs: list[tuple[int, int]], cap: int) -> int:
    return sum(e - s for s, e in segs) + sum(min(b[0] - a[1], cap) for a, b in zip(segs, segs[1:]))


def _pack(segments: list[tuple[int, int]], limit: int, cap: int) -> list[list[tuple[int, int]]]:
    """Greedy packing in order (the fewest groups for this limit); continuous speech longer
    than the limit is cut into equal pieces first."""
    segs: list[tuple[int, int]] = []
    for s, e in segments:
        n = -(-(e - s) // limit)
        segs += [(s + (e - s) * k // n, s + (e - s) * (k + 1) // n) for k in range(n)]
    groups: list[list[tuple[int, int]]] = []
    cur: list[tuple[int, int]] = []
    n = 0
    for s, e in segs:
        add = (e - s) + (min(s - cur[-1][1], cap) if cur else 0)
        if cur and n + add > limit:
            groups.append(cur)
            cur, n = [(s, e)], e - s
        else:
            cur.append((s, e))
            n += add
    if cur:
        groups.append(cur)
    return groups
