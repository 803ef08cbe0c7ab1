"""The same text read on several selected frames becomes one clue with its times on screen.

Readings of one sign differ a little from frame to frame (OCR noise, angle); readings
whose squashed forms match, or are near-identical (difflib ratio >= 0.9), are one text.
The clue keeps the most confident reading, its box, every frame time it was read at,
and the union of the view intervals of those frames (first and last time on screen).
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass, field

from ..ocr.base import OcrLine

SIMILAR = 0.9


@dataclass
class SeenText:
    best: OcrLine
    times: list[float] = field(default_factory=list)
    intervals: list[tuple[float, float]] = field(default_factory=list)
    readings: set[str] = field(default_factory=set)

    @property
    def first_s(self) -> float:
        return min(a for a, _ in self.intervals)

    @property
    def last_s(self) -> float:
        return max(b for _, b in self.intervals)

    def merged_intervals(self) -> list[list[float]]:
        out: list[list[float]] = []
        for a, b in sorted(self.intervals):
            if out and a <= out[-1][1] + 0.05:
                out[-1][1] = max(out[-1][1], b)
            else:
                out.append([round(a, 3), round(b, 3)])
        return [[round(a, 3), round(b, 3)] for a, b in out]


def _key(line: OcrLine) -> str:
    if line.unread:  # no text: one entry per unread script
        return f"\x00unread:{line.script[0] if line.script else ''}"
    return "".join(line.text.split()).casefold()


def merge(frames: list[tuple[float, list[tuple[float, float]], list[OcrLine]]]) -> list[SeenText]:
    """frames: (frame time, its view intervals, OCR lines) in time order."""
    seen: list[SeenText] = []
    keys: list[str] = []
    for t, intervals, lines in frames:
        for line in lines:
            k = _key(line)
            if not k:
                continue
            idx = next((i for i, other in enumerate(keys) if other == k), None)
            if idx is None and len(k) >= 4 and not line.unread:
                idx = next((i for i, other in enumerate(keys) if abs(len(other) - len(k)) <= 2
                            and difflib.SequenceMatcher(None, other, k).ratio() >= SIMILAR), None)
            if idx is None:
                seen.append(SeenText(line))
                keys.append(k)
                idx = len(seen) - 1
            s = seen[idx]
            if line.confidence > s.best.confidence:
                s.best = line
            if t not in s.times:
                s.times.append(t)
                s.intervals.extend(intervals)
            s.readings.add(line.text)
    return seen
