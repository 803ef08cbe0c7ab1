"""Image analysis behind frame selection: pure numpy / OpenCV on grey arrays or one decoded frame.

Everything here works on the small grey *analysis copy* of a frame (``analysis_width`` px on
the long side, see :mod:`clueextract.video.frames`) or turns one decoded frame upright:
- ``grey_copy``: the small grey copy (the luma plane resized by OpenCV where possible);
- ``phash`` / ``sharpness``: 64-bit DCT perceptual hash and variance of the Laplacian;
- ``PhaseCorrelator``: the shift of one frame against another by phase correlation;
- ``block_change``: the largest block difference once that shift is undone;
- ``orientation`` / ``upright``: the display matrix (rotation and mirroring) applied exactly.
"""
from __future__ import annotations

import math

import av
import cv2
import numpy as np

# ----------------------------------------------------------------------------- image helpers


def phash(grey: np.ndarray) -> int:
    """64-bit pHash: sign of the 8x8 low-frequency DCT block (DC excluded) against its median."""
    small = cv2.resize(grey.astype(np.float32), (32, 32), interpolation=cv2.INTER_AREA)
    low = cv2.dct(small)[:8, :8].flatten()
    bits = low > np.median(low[1:])
    return int(sum(1 << i for i, b in enumerate(bits) if b))


def sharpness(grey: np.ndarray) -> float:
    return float(cv2.Laplacian(grey, cv2.CV_32F).var())


def block_change(anchor: np.ndarray, cur: np.ndarray, shift: tuple[float, float], block: int) -> float:
    """Largest block mean-abs-difference between ``cur`` and ``anchor`` moved by ``shift``.

    Only the overlap of the two frames counts (content entering at an edge during a pan is
    no change); a global brightness change (auto exposure) is removed first. Each block is
    also compared *unmoved* and the smaller difference counts, so content that stays put
    while the scene moves (burned-in captions, logos, a time stamp) is no change either.
    Returns 255 when the overlap is too small to judge.
    """
    h, w = cur.shape
    dx, dy = shift
    if abs(dx) > w * 0.6 or abs(dy) > h * 0.6:
        return 255.0
    x0, x1 = int(math.ceil(max(0.0, dx))), int(math.floor(min(w, w + dx)))
    y0, y1 = int(math.ceil(max(0.0, dy))), int(math.floor(min(h, h + dy)))
    nx, ny = (x1 - x0) // block, (y1 - y0) // block
    if nx < 1 or ny < 1:
        return 255.0
    x1, y1 = x0 + nx * block, y0 + ny * block
    here = cur[y0:y1, x0:x1]

    def absdiff(ref: np.ndarray) -> np.ndarray:
        diff = here - ref[y0:y1, x0:x1]
        return np.abs(diff - float(diff.mean()))

    diff = absdiff(anchor)
    if abs(dx) >= 0.05 or abs(dy) >= 0.05:
        m = np.float32([[1, 0, dx], [0, 1, dy]])
        moved = cv2.warpAffine(anchor, m, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        diff = np.minimum(diff, absdiff(moved))  # per pixel: a block may hold both kinds
    return float(diff.reshape(ny, block, nx, block).mean(axis=(1, 3)).max())


# ----------------------------------------------------------------------------- orientation

Orientation = tuple[bool, bool, bool]  # transpose, then mirror columns, then mirror rows
QUARTER_TURNS: tuple[Orientation, ...] = ((False, False, False), (True, False, True),
                                          (False, True, True), (True, True, False))  # k x 90° CCW


def orientation(frame: av.VideoFrame, rotate_tag_ccw: int) -> Orientation:
    """How to turn the decoded frame upright, from its display matrix (rotation *and* mirroring).

    FFmpeg maps a source pixel (x, y) to display (a·x + c·y, b·x + d·y); for right angles that
    is a signed permutation, applied exactly here. Without a matrix, the old ``rotate`` tag.
    """
    try:
        for sd in frame.side_data:
            if getattr(sd.type, "name", "") == "DISPLAYMATRIX":
                a, b, _, c, d = np.frombuffer(bytes(sd), dtype="<i4", count=5).tolist()
                if b == 0 and c == 0 and a and d:
                    return False, a < 0, d < 0
                if a == 0 and d == 0 and b and c:
                    return True, c < 0, b < 0
                return QUARTER_TURNS[round(frame.rotation / 90) % 4]  # odd angle: nearest quarter
    except Exception:  # noqa: BLE001 - malformed side data: fall back to the tag
        pass
    return QUARTER_TURNS[round(rotate_tag_ccw / 90) % 4]


def upright(img: np.ndarray, orient: Orientation) -> np.ndarray:
    """``img`` (H x W or H x W x C) turned upright by ``orient``; a view when nothing changes."""
    transpose, mirror_x, mirror_y = orient
    if transpose:
        img = img.swapaxes(0, 1)
    if mirror_x:
        img = img[:, ::-1]
    if mirror_y:
        img = img[::-1]
    return np.ascontiguousarray(img) if any(orient) else img


# ----------------------------------------------------------------------------- grey copy

LUMA_FIRST = frozenset({"yuv420p", "yuvj420p", "yuv422p", "yuvj422p", "yuv444p", "yuvj444p", "yuv440p",
                        "yuvj440p", "yuv411p", "yuv410p", "nv12", "nv21", "nv16", "nv24", "gray", "yuva420p"})


def grey_copy(frame: av.VideoFrame, width: int, height: int) -> np.ndarray:
    """Small grey copy. 8-bit planar YUV: the luma plane resized by OpenCV (several times
    cheaper than a swscale conversion); anything else: swscale to gray."""
    if frame.format.name in LUMA_FIRST:
        try:
            plane = frame.planes[0]
            luma = np.frombuffer(plane, np.uint8, count=plane.height * plane.line_size)
            luma = luma.reshape(plane.height, plane.line_size)[:, :plane.width]
            return cv2.resize(luma, (width, height), interpolation=cv2.INTER_AREA)
        except (ValueError, cv2.error):
            pass  # odd plane layout: let swscale do it
    return frame.to_ndarray(format="gray", width=width, height=height, interpolation="AREA")


def analysis_size(w: int, h: int, sar: float, long_side: int) -> tuple[int, int]:
    """Even (width, height) of the analysis copy: display aspect, long side at most ``long_side``."""
    dw = w * sar
    scale = min(1.0, long_side / max(dw, h, 1))
    return max(16, int(round(dw * scale))) // 2 * 2, max(16, int(round(h * scale))) // 2 * 2


# ----------------------------------------------------------------------------- phase correlation

class PhaseCorrelator:
    """Translation between two analysis copies by phase correlation; Hanning windows cached by size."""

    def __init__(self) -> None:
        self.windows: dict[bool, np.ndarray] = {}

    def window(self, shape: tuple[int, ...], full: bool = False) -> np.ndarray:
        win = self.windows.get(full)
        if win is None or win.shape != shape:
            win = self.windows[full] = cv2.createHanningWindow((shape[1], shape[0]), cv2.CV_32F)
        return win

    def prepare(self, blur: np.ndarray) -> np.ndarray:
        """Half-size, windowed copy for phase correlation (4x cheaper; sub-pixel accuracy stays).

        The window is applied here, not passed in: OpenCV 5.0's phaseCorrelate multiplies
        its inputs in place when given a window (measured), which would corrupt them.
        """
        h, w = blur.shape
        small = cv2.resize(blur, (max(8, w // 2), max(8, h // 2)), interpolation=cv2.INTER_AREA)
        return small * self.window(small.shape)

    def shift(self, a_corr: np.ndarray, b_corr: np.ndarray) -> tuple[float, float]:
        """Translation of ``b`` against ``a`` in analysis pixels, (0, 0) when unreliable."""
        (dx, dy), response = cv2.phaseCorrelate(a_corr, b_corr)
        if not (math.isfinite(dx) and math.isfinite(dy)) or response < 0.05:
            return 0.0, 0.0
        return 2.0 * float(dx), 2.0 * float(dy)

    def fine_shift(self, a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
        """Full-size phase correlation (4x the cost of ``shift``; used only to confirm)."""
        win = self.window(a.shape, full=True)
        (dx, dy), response = cv2.phaseCorrelate(a * win, b * win)
        if not (math.isfinite(dx) and math.isfinite(dy)) or response < 0.05:
            return 0.0, 0.0
        return float(dx), float(dy)
