"""Tesseract recogniser for single text-line crops, in-process through tesserocr.

Why: RapidOCR's recogniser reads Latin, Chinese and Japanese only; on Thai, Hangul,
Arabic, Devanagari and Cyrillic it returns garbage Latin or nothing. Tesseract's LSTM
models read those scripts well *when handed one text line*: full-image Tesseract on
sign photos was measured noisy, so the router (router.py) gives it RapidOCR's detected
boxes, one crop at a time.

Choices, each measured on the detector crops of the Thai, Korean, Arabic, Hindi and
Russian images in samples_benign/ (2-core build machine, shared):
- In-process tesserocr, not one `tesseract` process per crop: on 30 crops read with their
  country's traineddata (tha, kor, ara+fas, hin, rus+ukr), same prepared images, models
  already loaded in-process: tesserocr 0.014 s/crop (0.43 s), Debian `tesseract` 5.3 CLI
  with OMP_THREAD_LIMIT=1 0.054 s/crop (1.61 s), 3.7x slower - process start and model
  load on every crop; same text on 26 of 30 crops (the CLI is 5.3.0, the wheel 5.5.4, and
  the CLI's text is not trimmed of edge marks).
  `python benchmarks/bench_ocr_engines.py --cli` repeats this.
- Page segmentation mode 13 (raw line), not 7 (single line): on 60 crops, PSM 7 returned
  nothing for three clean, large Arabic lines ("صيدلية النخيل", "٢٥ كيس شاي") - its
  layout pass discarded them - while PSM 13 read them; mean best-line similarity 0.83 vs
  0.78, 0 empty crops vs 3.
- Grayscale, dark text on a light ground, scaled to a 48 px line: 0.93 s for the 60 crops
  against 2.74 s in colour at native size, reading the same lines; through the router,
  36, 64 and 96 px lines each lost a sample line that 48 px read; padding the crop made
  PSM 13 worse.
- The wheel's bundled libtesseract is built without OpenMP, so one call uses one core;
  the GIL is released during recognition, so up to `threads` crops are recognised in
  parallel (2 threads: 0.30 s wall vs 0.55 s for the same 20 lines), each language spec
  on one worker so each model is loaded once. For labs whose tesserocr links an OpenMP
  libtesseract, OMP_NUM_THREADS (set to the worker's budget by workers.local) caps its team;
  OMP_THREAD_LIMIT is never set: it breaks CTranslate2 in the same process (workers/local.py).
- At most MAX_LOADED_SPECS language specs stay loaded, least recently used dropped first.
  The router's contest and decoy runs make specs such as "rus+ukr+ara+fas" and
  "tha+hin": reading the images of samples_benign/ with all 21 packs loaded 22 specs,
  rus+ukr alone in 7 of them, about 300 MB per worker. Creating a spec takes 0.01-0.15 s.

Tessdata is found (first that exists): the `tessdata` argument (the configuration),
$TESSDATA_PREFIX (the folder itself or its parent), then the Debian/Ubuntu, Fedora,
Homebrew and /usr/local locations. Nothing is ever downloaded.
"""
from __future__ import annotations

import os
import re
import threading
import unicodedata
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, Optional, Sequence

import numpy as np

from .. import hashing

KNOWN_TESSDATA = (
    "/usr/share/tesseract-ocr/5/tessdata",
    "/usr/share/tesseract-ocr/4.00/tessdata",
    "/usr/share/tessdata",
    "/usr/local/share/tessdata",
    "/opt/homebrew/share/tessdata",
)
LINE_HEIGHT = 48
MIN_CONTRAST = 24                 # grey levels between darkest and lightest pixel of a crop worth reading
PSM_RAW_LINE = 13
MAX_LOADED_SPECS = 8              # language specs kept loaded per engine (see the docstring)
RETRY_BELOW = 0.6                 # a reading less confident is read again binarised (read_line_detail)
_BIDI_MARKS = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069]")
# A zero-width non-joiner before a space or the end: tam, mal, tel, kan and ori put one after
# every word-final virama, which then matches no pack term, place or brand (inside a word, as
# in Persian, it is spelling and stays).
_FINAL_ZWNJ = re.compile("\u200c+(?=\\s|$)")
# ell writes polytonic breathings and the micro sign: modern Greek is monotonic.
_GREEK_POLYTONIC = {"\u0313": "", "\u0314": "", "\u0342": "\u0301", "\u0345": "", "\u00b5": "\u03bc"}


def clean_text(text: str) -> str:
    """Tesseract's text without bidi marks and word-final ZWNJ; Greek made monotonic."""
    text = _FINAL_ZWNJ.sub("", _BIDI_MARKS.sub("", text))
    if any("\u0370" <= ch <= "\u03ff" or "\u1f00" <= ch <= "\u1fff" for ch in text):
        nfd = unicodedata.normalize("NFD", text)
        text = unicodedata.normalize("NFC", "".join(_GREEK_POLYTONIC.get(ch, ch) for ch in nfd))
    return text
# A whole token of these at either end of a line is the crop's edge or border read as text
# ("| किलो", "? ताज़ा 7"); inside a line, or attached to a word ("bukas!"), it stays.
_EDGE_NOISE = re.compile(r"^(?:[|!?'\"`\[\]{}()<>_~^*#;:,.\\/=-]+\s+)+|(?:\s+[|!?'\"`\[\]{}()<>_~^*#;:,\\/=-]+)+$")


class TesseractUnavailable(RuntimeError):
    """tesserocr is not installed, or no tessdata folder with the wanted languages was found."""


@dataclass(frozen=True)
class TessReading:
    text: str                                   # the line, logical order, bidi marks removed
    confidence: float                           # mean word confidence, 0..1
    words: tuple[tuple[str, float, str], ...]   # (word, confidence 0..1, traineddata that read it)
    lang: str                                   # the language spec it ran with ("ara+fas+eng")


def _has_traineddata(folder: Path) -> bool:
    return folder.is_dir() and any(folder.glob("*.traineddata"))


def find_tessdata(explicit: Optional[str] = None) -> Optional[Path]:
    """The tessdata folder to use, or None when none is found (see the module docstring for the order)."""
    candidates: list[str] = [c for c in (explicit, os.environ.get("TESSDATA_PREFIX")) if c]
    if explicit and not _has_traineddata(Path(explicit)):
        # An explicit folder that holds no models is a configuration error, not a hint.
        raise TesseractUnavailable(f"tessdata folder {explicit} holds no *.traineddata files")
    for c in [*candidates, *KNOWN_TESSDATA]:
        for folder in (Path(c), Path(c) / "tessdata"):
            if _has_traineddata(folder):
                return folder.resolve()
    return None


@lru_cache(maxsize=256)
def _sha256(path: str, size: int, mtime_ns: int) -> str:
    """hashing.file_sha256, cached per (path, size, mtime): a traineddata is hashed once per process."""
    return hashing.file_sha256(path)


def file_sha256(path: Path) -> str:
    st = path.stat()
    return _sha256(str(path), st.st_size, st.st_mtime_ns)


def prepare_line(crop_rgb: np.ndarray, height: int = LINE_HEIGHT) -> Any:
    """Grayscale, dark text on a light ground, scaled to `height` px: the PIL image Tesseract gets."""
    from PIL import Image, ImageOps  # noqa: PLC0415 (PIL: +7 ms at import; a scan's main process imports this module for find_tessdata only)

    img = Image.fromarray(np.ascontiguousarray(crop_rgb)).convert("L")
    if img.height != height and img.height > 0:
        scale = height / img.height
        img = img.resize((max(1, round(img.width * scale)), height),
                         Image.Resampling.LANCZOS if scale < 1 else Image.Resampling.BICUBIC)
    a = np.asarray(img)
    border = np.concatenate([a[0], a[-1], a[:, 0], a[:, -1]])
    if np.median(border) < 128 and np.median(border) <= np.median(a):
        img = ImageOps.invert(img)  # light text on a dark ground (street signs)
    return img


def binarise(line: Any) -> Any:
    """The prepared grey line (PIL) thresholded by Otsu's method, dark text on white."""
    from PIL import Image  # noqa: PLC0415 (PIL: +7 ms at import; a scan's main process imports this module for find_tessdata only)

    a = np.asarray(line)
    hist = np.bincount(a.ravel(), minlength=256).astype(np.float64)
    levels = np.arange(256)
    w0 = np.cumsum(hist)
    w1 = w0[-1] - w0
    m0 = np.cumsum(hist * levels)
    mean0 = np.divide(m0, w0, out=np.zeros(256), where=w0 > 0)
    mean1 = np.divide(m0[-1] - m0, w1, out=np.zeros(256), where=w1 > 0)
    t = int(np.argmax(w0 * w1 * (mean0 - mean1) ** 2))
    out = np.where(a > t, 255, 0).astype(np.uint8)
    if out.mean() < 128:  # more ink than ground: the text was the light part
        out = 255 - out
    return Image.fromarray(out)


class TesseractEngine:
    """Recognises one text line per call; one API object per language spec per worker thread."""

    name = "tesseract"

    def __init__(self, languages: Sequence[str], threads: int = 1, tessdata: Optional[str] = None,
                 line_height: int = LINE_HEIGHT, psm: int = PSM_RAW_LINE, max_loaded: int = MAX_LOADED_SPECS,
                 retry_below: float = RETRY_BELOW):
        try:
            import tesserocr  # noqa: PLC0415 (heavy: the Tesseract library, +12 ms at import; only when Tesseract reads)
        except ImportError as e:  # pragma: no cover - depends on the installation
            raise TesseractUnavailable(f"tesserocr is not installed: {e}") from e
        folder = find_tessdata(tessdata)
        if folder is None:
            raise TesseractUnavailable(
                "no tessdata folder found: install Tesseract language data (Debian: tesseract-ocr-LANG) "
                "or set TESSDATA_PREFIX / the tessdata option")
        self._tesserocr = tesserocr
        self.tessdata = folder
        self.version = tesserocr.tesseract_version().split()[1]
        self.threads = max(1, threads)
        self.line_height = line_height
        self.psm = psm
        self.retry_below = retry_below
        have = set(self.available_languages())
        wanted = list(dict.fromkeys(languages))
        # A spec ("ara+fas+eng") can run when every traineddata it names is present.
        self.languages = [lang for lang in wanted if set(lang.split("+")) <= have]
        self.missing = sorted({p for lang in wanted for p in lang.split("+") if p not in have})
        self._apis: OrderedDict[str, Any] = OrderedDict()  # spec -> API, least recently used first
        self.max_loaded = max(1, max_loaded)
        self._lock = threading.Lock()
        self._pool: Optional[ThreadPoolExecutor] = None

    def available_languages(self) -> list[str]:
        """Traineddata names in the tessdata folder (osd, which reads no text, left out)."""
        return sorted(p.stem for p in self.tessdata.glob("*.traineddata") if p.stem != "osd")

    def model_path(self, lang: str) -> Path:
        return self.tessdata / f"{lang}.traineddata"

    def model_sha256(self, lang: str) -> str:
        return file_sha256(self.model_path(lang))

    def identity(self) -> dict[str, Any]:
        return {"engine": f"tesseract {self.version}", "tesserocr": self._tesserocr.__version__,
                "tessdata": str(self.tessdata), "psm": self.psm, "line_height": self.line_height,
                "retry_binarised_below": self.retry_below,
                "models": {f"{lang}.traineddata": self.model_sha256(lang) for lang in self._used_langs()},
                "missing": list(self.missing)}

    def _used_langs(self) -> list[str]:
        return sorted({part for lang in self.languages for part in lang.split("+")})

    def _api(self, lang: str):
        """The API object for a language spec, created on first use. One per spec, never used by
        two threads at once (read_many gives each spec to one worker)."""
        with self._lock:
            api = self._apis.get(lang)
            if api is not None:
                self._apis.move_to_end(lang)
        if api is None:
            missing = [p for p in lang.split("+") if not self.model_path(p).is_file()]
            if missing:
                raise TesseractUnavailable(f"no {', '.join(m + '.traineddata' for m in missing)} in {self.tessdata}")
            tr = self._tesserocr
            api = tr.PyTessBaseAPI(path=str(self.tessdata) + os.sep, lang=lang, psm=self.psm, oem=tr.OEM.LSTM_ONLY)
            with self._lock:
                self._apis[lang] = api
                while len(self._apis) > self.max_loaded:
                    # Only the cache's reference goes: a thread still reading with the API keeps
                    # it alive, and tesserocr frees the model when the last reference does.
                    self._apis.popitem(last=False)
        return api

    def read_line_detail(self, crop_rgb: np.ndarray, lang: str, retry: bool = True) -> TessReading:
        """Text, confidence and per-word (text, confidence, model) of one line crop (RGB uint8).

        A reading below `retry_below` is read once more from the Otsu-binarised line and the
        more confident reading kept: on the real photos of eval/real's tuning part (plates,
        station signs) binarising raised Bengali "১৯-০৭৫১" from 0.14 to 0.51 and "ঢাকা" from 0.45
        to 0.66, but lowered some clean lines, so it is a second pass, not the rule. retry=False:
        no second pass (the router's boxes whose script is too unlikely for it to matter)."""
        if crop_rgb.size == 0 or min(crop_rgb.shape[:2]) < 2:
            return TessReading("", 0.0, (), lang)
        line = prepare_line(crop_rgb, self.line_height)
        if int(np.ptp(np.asarray(line))) < MIN_CONTRAST:
            # No ink: Tesseract "reads" blank crops (31 Thai letters at 0.65 on a white strip).
            return TessReading("", 0.0, (), lang)
        first = self._recognise(line, lang)
        if not retry or first.confidence >= self.retry_below:
            return first
        second = self._recognise(binarise(line), lang)
        return second if second.confidence > first.confidence else first

    def _recognise(self, line: Any, lang: str) -> TessReading:
        tr = self._tesserocr
        api = self._api(lang)
        api.SetImage(line)
        words = []
        try:
            api.Recognize()
            text = _EDGE_NOISE.sub("", " ".join(clean_text(api.GetUTF8Text()).split()))
            it = api.GetIterator()
            if it is not None:
                for w in tr.iterate_level(it, tr.RIL.WORD):
                    wt = w.GetUTF8Text(tr.RIL.WORD)
                    if wt and wt.strip():
                        words.append((clean_text(wt), round(w.Confidence(tr.RIL.WORD) / 100.0, 4),
                                      w.WordRecognitionLanguage() or lang.split("+")[0]))
        except RuntimeError:  # tesserocr raises "No text returned" when a crop holds nothing it can read
            return TessReading("", 0.0, (), lang)
        conf = round(sum(c for _, c, _ in words) / len(words), 4) if words else 0.0
        return TessReading(text, conf if text else 0.0, tuple(words), lang)

    def read_line(self, crop_rgb: np.ndarray, lang: str) -> tuple[str, float]:
        """(text, confidence 0..1) of one line crop, read with Tesseract language spec `lang`."""
        r = self.read_line_detail(crop_rgb, lang)
        return r.text, r.confidence

    def read_many(self, jobs: Iterable[tuple[np.ndarray, str] | tuple[np.ndarray, str, bool]]) -> list[TessReading]:
        """Many (crop, lang) or (crop, lang, retry) at once (retry: read_line_detail's), results in
        job order. With threads > 1 the language specs are dealt out to `threads` workers, each
        spec to one worker, so every model is loaded once (per-thread copies cost 280 MB more
        for all 21 packs) and no API object is used by two threads at once."""
        todo: list[tuple[np.ndarray, str, bool]] = [(j[0], j[1], bool(j[2]) if len(j) > 2 else True) for j in jobs]
        specs = sorted({lang for _, lang, _ in todo})

        def work(own: list[str]) -> dict[int, TessReading]:
            # spec after spec, not in box order: the specs then load once each, however many
            # the image needs beyond the MAX_LOADED_SPECS kept (a supermarket shelf's boxes
            # needed 21 specs: 54 loads, 0.48 s, in box order)
            return {n: self.read_line_detail(c, lang, retry) for spec in own
                    for n, (c, lang, retry) in enumerate(todo) if lang == spec}

        if self.threads == 1 or len(specs) < 2:
            alone = work(specs)
            return [alone[n] for n in range(len(todo))]
        load = {s: sum(lang == s for _, lang, _ in todo) for s in specs}
        bins: list[list[str]] = [[] for _ in range(min(self.threads, len(specs)))]
        for s in sorted(specs, key=lambda s: (-load[s], s)):          # largest first, to the lightest bin
            min(bins, key=lambda b: sum(load[x] for x in b)).append(s)
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=self.threads, thread_name_prefix="tesseract")

        out: dict[int, TessReading] = {}
        for part in self._pool.map(work, bins):
            out.update(part)
        return [out[n] for n in range(len(todo))]

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None
