"""A video's boxes already read: a box of a later frame that shows the same pixels in the same
place takes the earlier box's decision instead of being read again.

Why: the frame selector (video/frames.py) picks a frame per *view*, and a view changes when
anything in the picture does (a car, a pan, a flicker), while captions, overlays, station boards
and shop signs stay put. The samples' station video had 29 views of the same three lines:
29 recognitions of each, 7.3 s of its 10.2 s. Detection still runs on every selected frame
(a line that appears, moves or changes is found); only the recognisers, the script classifier
and Tesseract are spared for a box that matches.

A match needs both:
- place: the boxes' bounding rectangles overlap by at least `min_iou` (intersection over union;
  the detector's boxes around the same line move by a few pixels from frame to frame);
- pixels: the earlier box's rectangle grown by half its height on every side (so a word added
  beside the line shows), which must hold the new box, shows the same pixels as then: grey
  levels at most `max_diff` apart on average in *every* vertical strip half the box's height
  wide, so one changed character of a long line (a clock's minute, a price) is a different
  box, not a near-match (on thumbnails 16 px high a changed digit of a 600 px line was lost).
The memory holds the boxes of the frames read so far of one item and is dropped with it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional, Sequence

import cv2
import numpy as np


@dataclass(frozen=True)
class ReuseRules:
    min_iou: float = 0.8       # bounding rectangles overlapping this much are the same place
    max_diff: float = 6.0      # mean grey-level difference allowed in every strip of the box's surroundings

    def to_json(self) -> dict:
        return {"min_iou": self.min_iou, "max_diff": self.max_diff}


def region(image: np.ndarray, rect: tuple[int, int, int, int]) -> np.ndarray:
    """The image's pixels inside `rect` (x0, y0, x1, y1) as grey levels (float32), full size."""
    x0, y0, x1, y1 = rect
    a = np.asarray(image)[max(0, y0):max(y0 + 1, y1), max(0, x0):max(x0 + 1, x1)]
    return (cv2.cvtColor(a, cv2.COLOR_RGB2GRAY) if a.ndim == 3 else a).astype(np.float32)


def rect_of(polygon: Sequence[Sequence[float]]) -> tuple[int, int, int, int]:
    xs, ys = [p[0] for p in polygon], [p[1] for p in polygon]
    return int(min(xs)), int(min(ys)), int(round(max(xs))), int(round(max(ys)))


def iou(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> float:
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def same_pixels(a: np.ndarray, b: np.ndarray, max_diff: float) -> bool:
    """Same size and every vertical strip (half the height wide, at least 8 px) within max_diff
    grey levels on average."""
    if a.shape != b.shape:
        return False
    diff = np.abs(a - b)
    step = max(8, diff.shape[0] // 2)
    return all(float(diff[:, x:x + step].mean()) <= max_diff for x in range(0, diff.shape[1], step))


@dataclass
class BoxMemory:
    """What the frames read so far of one item showed: (box rectangle, the rectangle around it,
    its pixels then, decision)."""

    rules: ReuseRules = field(default_factory=ReuseRules)
    boxes: list[tuple[tuple[int, int, int, int], tuple[int, int, int, int], np.ndarray, object]] = field(
        default_factory=list)
    reused: int = 0
    read: int = 0

    def find(self, image: np.ndarray, polygon: Sequence[Sequence[float]]) -> Optional[object]:
        """The decision of an earlier box at about the same place whose surroundings `image` still
        shows unchanged, or None."""
        rect = rect_of(polygon)
        for other, around, then, decision in self.boxes:
            if (iou(rect, other) >= self.rules.min_iou and _inside(rect, around)
                    and same_pixels(region(image, around), then, self.rules.max_diff)):
                return decision
        return None

    def add(self, image: np.ndarray, polygon: Sequence[Sequence[float]], decision: object) -> None:
        rect = rect_of(polygon)
        x0, y0, x1, y1 = rect
        pad = max(4, (y1 - y0) // 2)
        h, w = np.asarray(image).shape[:2]
        around = (max(0, x0 - pad), max(0, y0 - pad), min(w, x1 + pad), min(h, y1 + pad))
        self.boxes.append((rect, around, region(image, around), decision))


def _inside(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> bool:
    return a[0] >= b[0] and a[1] >= b[1] and a[2] <= b[2] and a[3] <= b[3]
