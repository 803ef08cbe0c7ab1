"""Line crops from the detector's boxes: perspective-corrected, and vertical text re-laid.

A box much taller than wide (height >= VERTICAL_RATIO x width) is vertical text. It is read
both rotated 90 degrees (as RapidOCR's recogniser expects vertical CJK) and as-is with its
upright characters re-laid side by side (what Tesseract and the script classifier need:
vertical Hangul read rotated came out as noise).
"""
from __future__ import annotations

import cv2
import numpy as np

VERTICAL_RATIO = 1.5            # height / width from which a box is read as vertical text


def perspective_crop(image: np.ndarray, polygon: np.ndarray) -> np.ndarray:
    """The quadrilateral `polygon` (4 points, clockwise from top-left) warped to an upright rectangle."""
    pts = np.asarray(polygon, dtype=np.float32).reshape(4, 2)
    w = max(1, int(round(max(np.linalg.norm(pts[0] - pts[1]), np.linalg.norm(pts[2] - pts[3])))))
    h = max(1, int(round(max(np.linalg.norm(pts[0] - pts[3]), np.linalg.norm(pts[1] - pts[2])))))
    m = cv2.getPerspectiveTransform(pts, np.float32([[0, 0], [w, 0], [w, h], [0, h]]))
    return cv2.warpPerspective(image, m, (w, h), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REPLICATE)


def restack_column(crop: np.ndarray) -> np.ndarray:
    """A column of upright characters (RGB) re-laid as a horizontal line, same order.

    Characters are cut at rows without ink; pieces closer than one character width (二, 三)
    stay one character; runs of touching characters are cut into squares."""
    gray = crop.astype(np.float32).mean(axis=2)
    border = np.concatenate([gray[0], gray[-1], gray[:, 0], gray[:, -1]])
    ink = np.abs(gray - np.median(border)) > max(40.0, 0.35 * float(np.ptp(gray)))
    cols = np.flatnonzero(ink.any(axis=0))
    rows = ink.sum(axis=1) > max(1, int(0.02 * gray.shape[1]))
    if cols.size == 0 or not rows.any():
        return crop
    char_w = max(4, int(cols[-1] - cols[0] + 1))
    edges = np.flatnonzero(np.diff(np.concatenate([[0], rows.astype(np.int8), [0]])))
    cells: list[list[int]] = []
    for a, b in zip(edges[::2], edges[1::2]):
        if cells and b - cells[-1][0] <= 1.15 * char_w:
            cells[-1][1] = int(b)
        else:
            cells.append([int(a), int(b)])
    pieces = []
    for a, b in cells:
        n = int(round((b - a) / char_w)) if b - a > 1.5 * char_w else 1
        pieces += [(a + (b - a) * i // n, a + (b - a) * (i + 1) // n) for i in range(n)]
    pad = max(2, char_w // 8)
    height = max(b - a for a, b in pieces) + 2 * pad
    fill = np.median(crop.reshape(-1, crop.shape[2]), axis=0).astype(crop.dtype)
    # Cells keep only the inked columns and a thin margin, so the re-laid characters are
    # as close as in a horizontal line (wider gaps read as word spaces).
    x0, x1 = max(0, int(cols[0]) - pad // 2), min(crop.shape[1], int(cols[-1]) + 1 + pad // 2)
    out = []
    for a, b in pieces:
        cell = crop[max(0, a - pad):b + pad, x0:x1]
        canvas = np.empty((height, x1 - x0, crop.shape[2]), dtype=crop.dtype)
        canvas[...] = fill
        top = (height - cell.shape[0]) // 2
        canvas[top:top + cell.shape[0]] = cell
        out.append(canvas)
    return np.ascontiguousarray(np.concatenate(out, axis=1))


def line_variants(image: np.ndarray, polygon: np.ndarray) -> tuple[bool, dict[str, np.ndarray]]:
    """(vertical, {variant name: RGB crop}) for one detected box: "line" for horizontal text;
    "rotated" and "restacked" for vertical text."""
    crop = perspective_crop(image, polygon)
    if crop.shape[0] >= VERTICAL_RATIO * crop.shape[1]:
        return True, {"rotated": np.ascontiguousarray(np.rot90(crop)), "restacked": restack_column(crop)}
    return False, {"line": crop}
