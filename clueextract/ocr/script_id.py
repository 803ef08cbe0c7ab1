"""Line-script identification: the writing system of a detected text box, decided before
any recogniser reads it.

Why: a recogniser reads every crop as text of its own script. Tesseract's Thai model turned
logos, textures, blurred receipt lines and Kannada or Odia signs into Thai-looking strings at
confidence 0.56-0.73, its Russian model read Greek as Cyrillic, and RapidOCR reads Thai as
confident Latin garbage ("Ins. 02 123 4567" at 0.94 for "โทร. 02 123 4567"). Letting every
script's model read every box and keeping the best-scoring reading therefore invents text,
and costs one recognition per script of the active packs for each box. Tesseract's own
orientation-and-script detection (osd) was tried on the detector's line crops first: it
needs far more characters than a line holds and answered nothing for 31 of 36 real crops
(tiled 3-10 times, at 32-64 px), and the rest were wrong as often as right.

So a small convolutional classifier (clueextract/data/script_id.onnx, about 0.5 M weights,
trained by scripts/train_script_id.py on text rendered from CLDR strings in every script
with 2,000+ fonts and camera-like degradation) looks at the grey line crop and gives a
probability per class: one per ISO 15924 script it knows, `Viet` for Latin with Vietnamese
letters (RapidOCR drops them, Tesseract `vie` keeps them), `Zyyy` for lines of digits and
punctuation only, and `none` for crops that hold no text (textures, logos, edges). The
router then reads a box only with the recognisers of its script (router.py).

Input: the crop as grey levels, dark text on a light ground (inverted when the border is
darker than the middle, the rule of tesseract.prepare_line), contrast stretched between the
2nd and 98th percentile, scaled to 32 px high. Crops wider than 256 px are read in windows
(stride 192) whose probabilities are averaged; narrower ones are padded with their ground.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any, Sequence

import numpy as np
from PIL import Image

from ..models import spec, verified_path

MODEL = "script-id"
INPUT_H, INPUT_W, STRIDE = 32, 256, 192
MIN_W = 8


@lru_cache(maxsize=1)
def classes() -> tuple[str, ...]:
    """The classifier's output classes in order (data/script_id.json, written by the training script)."""
    meta = json.loads(resources.files("clueextract.data").joinpath("script_id.json").read_text(encoding="utf-8"))
    return tuple(meta["classes"])


def normalise(crop: np.ndarray, height: int = INPUT_H) -> np.ndarray:
    """A line crop (RGB or grey uint8) as float32 grey levels in [0, 1], `height` px high,
    dark text on a light ground, contrast stretched. Shared with the training script."""
    a = np.asarray(crop)
    if a.ndim == 3:
        a = (a[..., 0].astype(np.float32) * 0.299 + a[..., 1] * 0.587 + a[..., 2] * 0.114)
    a = a.astype(np.float32)
    h, w = a.shape[:2]
    if h < 1 or w < 1:
        return np.full((height, MIN_W), 1.0, dtype=np.float32)
    new_w = max(MIN_W, int(round(w * height / h)))
    img = Image.fromarray(np.clip(a, 0, 255).astype(np.uint8))
    img = img.resize((new_w, height), Image.Resampling.BILINEAR if new_w * h < w * height else Image.Resampling.BICUBIC)
    g = np.asarray(img, dtype=np.float32)
    border = np.concatenate([g[0], g[-1], g[:, 0], g[:, -1]])
    if np.median(border) < 128 and np.median(border) <= np.median(g):
        g = 255.0 - g
    lo, hi = np.percentile(g, 2), np.percentile(g, 98)
    if hi - lo < 1.0:
        return np.full_like(g, 1.0)
    return np.clip((g - lo) / (hi - lo), 0.0, 1.0)


def windows(line: np.ndarray, width: int = INPUT_W, stride: int = STRIDE) -> list[np.ndarray]:
    """Fixed-width windows of a normalised line; the last one is padded with the line's ground."""
    h, w = line.shape
    ground = float(np.median(np.concatenate([line[0], line[-1]])))
    starts = [0] if w <= width else list(range(0, w - width, stride)) + [w - width]
    out = []
    for s in starts:
        part = line[:, s:s + width]
        if part.shape[1] < width:
            pad = np.full((h, width - part.shape[1]), ground, dtype=np.float32)
            part = np.concatenate([part, pad], axis=1)
        out.append(part)
    return out


@dataclass(frozen=True)
class ScriptGuess:
    """The classifier's probabilities for one crop, best first."""

    ranked: tuple[tuple[str, float], ...]

    @property
    def script(self) -> str:
        return self.ranked[0][0]

    @property
    def p(self) -> float:
        return self.ranked[0][1]

    def prob(self, cls: str) -> float:
        return next((p for c, p in self.ranked if c == cls), 0.0)

    def top(self, n: int = 3) -> list[tuple[str, float]]:
        return [(c, round(p, 4)) for c, p in self.ranked[:n]]


class ScriptIdentifier:
    """The line-script classifier on onnxruntime (CPU), verified by SHA-256 before it loads."""

    def __init__(self, threads: int = 1):
        import onnxruntime as ort  # noqa: PLC0415 (heavy: onnxruntime, +19 ms at import)

        opts = ort.SessionOptions()
        opts.intra_op_num_threads = max(1, threads)
        opts.inter_op_num_threads = 1
        opts.log_severity_level = 3
        self._session = ort.InferenceSession(str(verified_path(MODEL)), sess_options=opts,
                                             providers=["CPUExecutionProvider"])
        self._input = self._session.get_inputs()[0].name
        self.classes = classes()

    def identity(self) -> dict[str, Any]:
        return {"model": MODEL, "sha256": spec(MODEL).sha256, "classes": len(self.classes),
                "input": [INPUT_H, INPUT_W, STRIDE]}

    def classify(self, crops: Sequence[np.ndarray], batch: int = 64) -> list[ScriptGuess]:
        """One guess per crop, the windows of all crops run in batches."""
        owner: list[int] = []
        tiles: list[np.ndarray] = []
        for i, crop in enumerate(crops):
            for win in windows(normalise(crop)):
                owner.append(i)
                tiles.append(win)
        if not tiles:
            return []
        logits = np.concatenate([
            self._session.run(None, {self._input: np.stack(tiles[s:s + batch])[:, None, :, :]})[0]
            for s in range(0, len(tiles), batch)])
        logits = logits - logits.max(axis=1, keepdims=True)
        probs = np.exp(logits)
        probs /= probs.sum(axis=1, keepdims=True)
        sums = np.zeros((len(crops), probs.shape[1]), dtype=np.float64)
        counts = np.zeros(len(crops))
        for i, p in zip(owner, probs):
            sums[i] += p
            counts[i] += 1
        out = []
        for i in range(len(crops)):
            p = sums[i] / max(1.0, counts[i])
            order = np.argsort(-p)
            out.append(ScriptGuess(tuple((self.classes[k], float(p[k])) for k in order)))
        return out
