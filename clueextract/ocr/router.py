"""Multi-engine OCR: RapidOCR finds the text boxes; each box is read by the engine that can read its script.

Why: RapidOCR (PP-OCR) detects text in every script, but its recogniser knows only Latin,
Chinese and Japanese: on Thai, Hangul, Arabic, Devanagari and Cyrillic it returns
confident garbage ("Ins. 02 123 4567" at 0.94 for "โทร. 02 123 4567") or nothing.
Tesseract reads those scripts when handed one line at a time. Per detected box:

1. Crop with a perspective transform from the detector's 4-point polygon. A box much
   taller than wide is vertical text, read both rotated 90° (as RapidOCR's recogniser
   expects vertical CJK) and as-is with its upright characters re-laid side by side (what
   Tesseract needs for vertical Hangul); the better reading is kept.
2. RapidOCR reads the crop. Tesseract is skipped when that reading is already certain
   (>= 3 Latin letters at >= 0.99, or >= 2 Han/kana letters at >= 0.95): most Latin and
   CJK lines. (Garbage for other scripts reached 0.96 for Latin, 0.92 for Han. The skip is
   load-bearing: without it the checks below still lost 4 of 73 Latin and 2 of 16 CJK
   sample lines to confident garbage claims, e.g. "Av. Madero" -> "Ам. Мадего".)
3. Otherwise Tesseract reads the crop once per script of the active packs that RapidOCR
   cannot read, with those packs' traineddata ("tha", "kor", "ara+fas", "hin", "rus+ukr").
4. A reading *claims* the box when >= 2 and >= 50 % of its letters are in its script and
   those words' confidence is >= 0.6 (0.45 when that script was read with confidence
   elsewhere in the same image). Tesseract's confidences do not tell scripts apart (the
   Thai model read the Hindi "मिठाई" as "โลธาร์" at 0.87), so:
   - two scripts claiming one box are settled by Tesseract itself, reading the crop with
     both models loaded, in both orders ("tha+hin", "hin+tha"): the model whose words hold
     most letters in both runs wins; if each order keeps its first model, the better
     claim wins, with +0.5 for a script read with confidence elsewhere in the image.
   - a claim against a RapidOCR Latin reading is checked once more with English beside
     the model ("tha+eng"), which splits Latin from script words: see _check_decoys
     ("Soi Sukhumvit 11" stays Latin, "от 1 500 руб." beats "OT 1 500 py6.", and
     "PHARMACY ร้านขายยา" is read as one mixed line).
   - a Cyrillic claim of Latin look-alike letters only ("ЕСР 45") loses to a confident,
     matching RapidOCR reading ("EGP 45"); a claim with no more letters than a confident
     RapidOCR Han/kana reading loses to it.
5. Without a claim, RapidOCR's reading is kept when its confidence is >= min_confidence.

RapidOCR's 0/180° classifier is used for RapidOCR's own reading only: it turned 13 of the
60 Thai/Hangul/Arabic/Devanagari sample crops upside down (none was), so Tesseract gets
the crop as detected. Each OcrLine names the engine and model that read it;
`last_decisions` keeps every candidate reading per box and why one was chosen.
"""
from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from typing import Any, Iterable, Optional, Sequence

import numpy as np

from ..text.script import char_script, script_counts
from .base import OcrLine
from .rapid import REC, RapidOcrEngine, bounded_aspect
from .tesseract import TessReading, TesseractEngine, TesseractUnavailable

log = logging.getLogger(__name__)

RAPID_SCRIPTS = frozenset({"Latn", "Hani", "Jpan", "Hira", "Kana"})
LATIN_DECOY = "eng"
VERTICAL_RATIO = 1.5            # height / width from which a box is read as vertical text
SKIP_LATIN, SKIP_CJK = 0.99, 0.95
MIN_CLAIM_LETTERS, MIN_CLAIM_SHARE = 2, 0.5
MIN_CLAIM_CONFIDENCE, CONTEXT_CLAIM_CONFIDENCE = 0.6, 0.45
STRONG_CLAIM = 0.85             # a claim this good makes its script part of the image's context
CONTEXT_BONUS = 0.5
MIXED_LETTERS, MIXED_CONFIDENCE = 3, 0.85
CJK_GUARD = 0.9                 # a RapidOCR Han/kana reading this confident needs a longer claim to lose
HOMOGLYPH_MATCH, HOMOGLYPH_RAPID = 0.7, 0.9
# Cyrillic and Greek letters drawn like Latin ones.
_LOOKALIKE_SCRIPTS = ("Cyrl", "Grek")
_LOOKALIKES = dict(zip("АВЕКМНОРСТУХаеорсухіјѕӀІЈЅΑΒΕΗΙΚΜΝΟΡΤΥΧΖοικνρτυχ",
                       "ABEKMHOPCTYXaeopcyxijslIJSABEHIKMNOPTYXZoikvptux"))


@dataclass(frozen=True)
class ScriptGroup:
    """The traineddata of all active packs written in one script RapidOCR cannot read."""

    script: str
    langs: tuple[str, ...]

    @property
    def spec(self) -> str:
        return "+".join(self.langs)

    @property
    def decoy(self) -> str:
        return "+".join(self.langs if LATIN_DECOY in self.langs else (*self.langs, LATIN_DECOY))


@dataclass
class Candidate:
    engine: str                  # "rapidocr" | "tesseract"
    lang: str                    # RapidOCR rec model name, or the Tesseract language spec
    variant: str                 # "line" | "rotated" | "restacked"
    text: str
    confidence: float
    script: Optional[str]        # dominant letter script of the text
    share: float                 # share of its letters in the scripts its engine/group is for
    score: float = 0.0           # confidence (Tesseract: of its script's words) x share
    claim: bool = False
    note: str = ""
    words: tuple[tuple[str, float, str], ...] = ()
    group: Optional[str] = None  # Tesseract: the script its traineddata is for
    in_script: int = 0           # Tesseract: letters of that script
    script_conf: float = 0.0     # Tesseract: confidence of the words holding them


@dataclass
class RouteDecision:
    polygon: tuple[tuple[int, int], ...]
    vertical: bool
    candidates: list[Candidate] = field(default_factory=list)
    chosen: Optional[Candidate] = None
    reason: str = ""
    tesseract_skipped: Optional[str] = None
    checks: list[str] = field(default_factory=list)   # contest / decoy runs and their outcome
    context: set[str] = field(default_factory=set)    # scripts read with confidence elsewhere in the image

    @property
    def engine(self) -> Optional[str]:
        return None if self.chosen is None else self.chosen.engine

    @property
    def lang(self) -> Optional[str]:
        return None if self.chosen is None else self.chosen.lang


def script_groups(packs: Iterable[Any]) -> list[ScriptGroup]:
    """Tesseract groups for the pack scripts RapidOCR cannot read, e.g. Arab -> ara+fas."""
    by_script: dict[str, list[str]] = {}
    for p in packs:
        langs = list((p.data.get("ocr") or {}).get("tesseract") or [])
        for s in p.scripts:
            if s not in RAPID_SCRIPTS and langs:
                have = by_script.setdefault(s, [])
                have += [lang for lang in langs if lang not in have]
    return [ScriptGroup(s, tuple(ls)) for s, ls in sorted(by_script.items())]


def perspective_crop(image: np.ndarray, polygon: np.ndarray) -> np.ndarray:
    """The quadrilateral `polygon` (4 points, clockwise from top-left) warped to an upright rectangle."""
    import cv2

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


def _similar(a: str, b: str) -> float:
    return SequenceMatcher(None, "".join(a.split()).casefold(), "".join(b.split()).casefold()).ratio()


class _RapidParts(RapidOcrEngine):
    """RapidOCR's detector, orientation classifier and recogniser called one step at a time.

    Its own instance (RapidOCR's call flags stick to the instance) and no score filter:
    the router needs every box, also those RapidOCR reads as empty (it drops those)."""

    def __init__(self, threads: int, max_side: int):
        super().__init__(threads=threads, min_confidence=0.0, max_side=max_side)

    def _run(self, rgb: np.ndarray, det: bool, cls: bool, rec: bool) -> Any:
        return self._ocr(np.ascontiguousarray(rgb[:, :, ::-1]), use_det=det, use_cls=cls, use_rec=rec,
                         return_word_box=False)

    def detect(self, image_rgb: np.ndarray) -> list[np.ndarray]:
        """Detected quadrilaterals (4x2 float32, clockwise from top-left) in `image_rgb`'s pixels."""
        h, w = image_rgb.shape[:2]
        scale, img = 1.0, image_rgb
        if max(h, w) > self.max_side:
            from PIL import Image

            scale = self.max_side / max(h, w)
            img = np.asarray(Image.fromarray(image_rgb).resize((max(1, round(w * scale)), max(1, round(h * scale)))))
        boxes = getattr(self._run(bounded_aspect(img), True, False, False), "boxes", None)
        return [] if boxes is None else [np.asarray(b, dtype=np.float32).reshape(4, 2) / scale for b in boxes]

    def read_crop(self, crop_rgb: np.ndarray) -> tuple[str, float]:
        """RapidOCR's reading of one crop, after its 0/180° classifier."""
        imgs = getattr(self._run(crop_rgb, False, True, False), "img_list", None)
        upright = np.ascontiguousarray(imgs[0][:, :, ::-1]) if imgs else crop_rgb
        res = self._run(upright, False, False, True)
        txts = getattr(res, "txts", None)
        return (" ".join(str(txts[0]).split()), float(res.scores[0])) if txts else ("", 0.0)


class RoutedOcr:
    """OcrEngine (see base.py): RapidOCR boxes, each read by RapidOCR or Tesseract by script."""

    name = "routed"

    def __init__(self, packs: Sequence[Any], threads: int = 1, tessdata: Optional[str] = None,
                 min_confidence: float = 0.5, max_side: int = 2000, skip_certain: bool = True):
        self.min_confidence = min_confidence
        self.skip_certain = skip_certain
        self.rapid = _RapidParts(threads, max_side)
        self.warnings: list[str] = []
        self.groups = script_groups(packs)
        self.tess: Optional[TesseractEngine] = None
        if self.groups:
            try:
                # Every traineddata a crop may be read with: each group, and each with the English decoy.
                self.tess = TesseractEngine([x for g in self.groups for x in (g.spec, g.decoy)],
                                            threads=threads, tessdata=tessdata)
            except TesseractUnavailable as e:
                self.warnings.append(f"Tesseract unavailable; {', '.join(g.script for g in self.groups)} text "
                                     f"will not be read: {e}")
        if self.tess is not None:
            for g in self.groups:
                if g.spec not in self.tess.languages:
                    self.warnings.append(f"no {', '.join(x for x in g.langs if x in self.tess.missing)} traineddata "
                                         f"in {self.tess.tessdata}: {g.script} text will not be read")
            self.groups = [g for g in self.groups if g.spec in self.tess.languages]
        self._decoy_ok = self.tess is not None and LATIN_DECOY in self.tess.available_languages()
        for w in self.warnings:
            log.warning(w)
        self._rapid_engine = f"rapidocr {self.rapid.version}"
        self._rapid_sha = self.rapid.identity()["models"][REC]
        self.last_decisions: list[RouteDecision] = []

    def identity(self) -> dict[str, Any]:
        return {"engine": "rapidocr detection; rapidocr or tesseract recognition by script",
                "rapidocr": self.rapid.identity(),
                "tesseract": self.tess.identity() if self.tess is not None else None,
                "routes": {g.script: g.spec for g in self.groups},
                "rules": {"vertical_ratio": VERTICAL_RATIO,
                          "skip": [SKIP_LATIN, SKIP_CJK] if self.skip_certain else None,
                          "claim": [MIN_CLAIM_LETTERS, MIN_CLAIM_SHARE, MIN_CLAIM_CONFIDENCE, CONTEXT_CLAIM_CONFIDENCE],
                          "context": [STRONG_CLAIM, CONTEXT_BONUS],
                          "decoy": [LATIN_DECOY, MIXED_LETTERS, MIXED_CONFIDENCE], "cjk_guard": CJK_GUARD,
                          "homoglyph": [HOMOGLYPH_MATCH, HOMOGLYPH_RAPID], "min_confidence": self.min_confidence},
                "warnings": list(self.warnings)}

    def read(self, image_rgb: np.ndarray) -> list[OcrLine]:
        h, w = image_rgb.shape[:2]
        decisions: list[RouteDecision] = []
        crops: list[dict[str, np.ndarray]] = []
        for poly in self.rapid.detect(image_rgb):
            crop = perspective_crop(image_rgb, poly)
            vertical = crop.shape[0] >= VERTICAL_RATIO * crop.shape[1]
            variants = ({"rotated": np.ascontiguousarray(np.rot90(crop)), "restacked": restack_column(crop)}
                        if vertical else {"line": crop})
            d = RouteDecision(tuple((int(round(x)), int(round(y))) for x, y in poly.tolist()), vertical)
            d.candidates = [self._rapid_candidate(k, *self.rapid.read_crop(v)) for k, v in variants.items()]
            d.tesseract_skipped = self._skip_reason(d)
            decisions.append(d)
            crops.append(variants)
        jobs = [(i, k, g.spec, g) for i, d in enumerate(decisions) if d.tesseract_skipped is None
                for k in crops[i] for g in self.groups]
        for (i, k, _, g), r in zip(jobs, self._tess(jobs, crops)):
            decisions[i].candidates.append(self._tess_candidate(k, g, r))
        self._mark_claims(decisions)
        self._settle_contests(decisions, crops)
        self._check_decoys(decisions, crops)
        lines = []
        for d in decisions:
            self._decide(d)
            if d.chosen is not None:
                lines.append(self._line(d, w, h))
        self.last_decisions = decisions
        return lines

    def _tess(self, jobs: list[tuple[int, str, str, Any]], crops: list[dict[str, np.ndarray]]) -> list[TessReading]:
        if not jobs or self.tess is None:
            return []
        return self.tess.read_many([(crops[i][k], spec) for i, k, spec, _ in jobs])

    def _skip_reason(self, d: RouteDecision) -> Optional[str]:
        if not self.groups:
            return "Tesseract unavailable" if self.warnings else "no active pack needs Tesseract"
        for c in d.candidates if self.skip_certain else ():
            counts = script_counts(c.text)
            latin, cjk = counts.get("Latn", 0), sum(counts.get(s, 0) for s in ("Hani", "Jpan"))
            certain = (latin >= 3 and c.confidence >= SKIP_LATIN) or (cjk >= 2 and c.confidence >= SKIP_CJK)
            if c.share == 1.0 and certain:
                return f"RapidOCR read {sum(counts.values())} {c.script} letters at {c.confidence:.3f}"
        return None

    def _rapid_candidate(self, variant: str, text: str, conf: float) -> Candidate:
        counts = script_counts(text)
        letters = sum(counts.values())
        share = sum(n for s, n in counts.items() if s in RAPID_SCRIPTS) / letters if letters else 1.0
        script = counts.most_common(1)[0][0] if counts else None
        return Candidate("rapidocr", REC, variant, text, round(conf, 4), script, round(share, 4),
                         score=round(conf * share, 4) if text else 0.0)

    def _tess_candidate(self, variant: str, g: ScriptGroup, r: TessReading, note: str = "") -> Candidate:
        counts = script_counts(r.text)
        letters = sum(counts.values())
        in_script = counts.get(g.script, 0)
        weights = [(script_counts(word).get(g.script, 0), conf) for word, conf, _ in r.words]
        total = sum(n for n, _ in weights)
        script_conf = sum(n * conf for n, conf in weights) / total if total else 0.0
        share = in_script / letters if letters else 0.0
        return Candidate("tesseract", r.lang, variant, r.text, r.confidence,
                         counts.most_common(1)[0][0] if counts else None, round(share, 4),
                         score=round(script_conf * share, 4), note=note, words=r.words, group=g.script,
                         in_script=in_script, script_conf=round(script_conf, 4))

    def _mark_claims(self, decisions: list[RouteDecision]) -> None:
        """Which readings claim their box (rule 4); records which scripts the image holds."""
        def ok(c: Candidate, min_conf: float) -> bool:
            return c.in_script >= MIN_CLAIM_LETTERS and c.share >= MIN_CLAIM_SHARE and c.script_conf >= min_conf

        strong = []
        for d in decisions:
            best = max((c for c in d.candidates if c.group and ok(c, MIN_CLAIM_CONFIDENCE)),
                       key=lambda c: c.score, default=None)
            strong.append(best.group if best is not None and best.score >= STRONG_CLAIM else None)
        for i, d in enumerate(decisions):
            elsewhere = {g for j, g in enumerate(strong) if g and j != i}
            d.context = elsewhere
            for c in d.candidates:
                if not c.group:
                    continue
                min_conf = CONTEXT_CLAIM_CONFIDENCE if c.group in elsewhere else MIN_CLAIM_CONFIDENCE
                c.claim = ok(c, min_conf)
                c.note = (f"{c.in_script} {c.group} letters ({c.share:.0%}) at confidence {c.script_conf:.2f}"
                          + ("" if c.claim else f": no claim (needs >= {MIN_CLAIM_LETTERS} letters, "
                                                 f">= {MIN_CLAIM_SHARE:.0%}, confidence >= {min_conf})"))
        self._homoglyph_veto(decisions)

    def _homoglyph_veto(self, decisions: list[RouteDecision]) -> None:
        """Claims that a confident RapidOCR reading explains as well: Cyrillic made only of Latin
        look-alikes ("ЕСР 45" for "EGP 45"), or no more script letters than RapidOCR read Han/kana
        letters ("БА" for "税込" at 0.93; RapidOCR reads Hangul as Han garbage at up to 0.92)."""
        for d in decisions:
            rapid = self._best_rapid(d)
            counts = script_counts(rapid.text) if rapid is not None else {}
            cjk = counts.get("Hani", 0) + counts.get("Jpan", 0)
            if rapid is not None and rapid.script in ("Hani", "Jpan") and rapid.confidence >= CJK_GUARD:
                for c in d.candidates:
                    if c.claim and c.in_script <= cjk:
                        c.claim = False
                        c.note += f"; no more letters than RapidOCR's {rapid.text!r} ({rapid.confidence:.2f}): no claim"
            if rapid is None or rapid.script != "Latn" or rapid.confidence < HOMOGLYPH_RAPID:
                continue
            for c in d.candidates:
                letters = [ch for ch in c.text if c.claim and char_script(ch) == c.group]
                if (c.group in _LOOKALIKE_SCRIPTS and letters and all(ch in _LOOKALIKES for ch in letters)
                        and _similar("".join(_LOOKALIKES.get(ch, ch) for ch in c.text), rapid.text) >= HOMOGLYPH_MATCH):
                    c.claim = False
                    c.note += f"; Latin look-alike letters only, as RapidOCR's {rapid.text!r}: no claim"

    def _settle_contests(self, decisions: list[RouteDecision], crops: list[dict[str, np.ndarray]]) -> None:
        """Two scripts claim one box: Tesseract reads it with both models, in both orders."""
        jobs, contests = [], []
        for i, d in enumerate(decisions):
            best: dict[str, Candidate] = {}
            for c in sorted((c for c in d.candidates if c.claim), key=lambda c: -c.score):
                best.setdefault(c.group or "", c)
            if len(best) >= 2:
                a, b = list(best.values())[:2]
                ga, gb = (next(g for g in self.groups if g.script == c.group) for c in (a, b))
                contests.append((i, a, b))
                jobs += [(i, a.variant, f"{ga.spec}+{gb.spec}", None), (i, a.variant, f"{gb.spec}+{ga.spec}", None)]
        readings = self._tess(jobs, crops)
        for n, (i, a, b) in enumerate(contests):
            d = decisions[i]
            winners = [self._model_script(r) for r in readings[2 * n:2 * n + 2]]
            bonus = {c.group: c.score + (CONTEXT_BONUS if c.group in d.context else 0.0) for c in (a, b)}
            agreed = winners[0] == winners[1] and winners[0] in bonus
            winner = winners[0] if agreed else max(bonus, key=bonus.__getitem__)
            loser = b if winner == a.group else a
            for c in d.candidates:
                if c.claim and c.group == loser.group:
                    c.claim = False
                    c.note += f"; lost to {winner}"
            d.checks.append(f"contest {a.group} vs {b.group}: both models loaded, Tesseract kept "
                            f"{' / '.join(str(x) for x in winners)}; {winner} wins")

    def _model_script(self, r: TessReading) -> Optional[str]:
        """The script of the traineddata whose words hold most letters in a combined reading."""
        letters: dict[str, int] = {}
        for word, _, lang in r.words:
            g = next((g for g in self.groups if lang in g.langs), None)
            in_script = [ch for ch in word if g is not None and char_script(ch) == g.script]
            if g is not None and not (g.script in _LOOKALIKE_SCRIPTS and all(ch in _LOOKALIKES for ch in in_script)):
                # ("САРЕ" read for "CAFE", look-alikes only, counts for no script)
                letters[g.script] = letters.get(g.script, 0) + len(in_script)
        return max(letters, key=letters.__getitem__) if letters else None

    def _check_decoys(self, decisions: list[RouteDecision], crops: list[dict[str, np.ndarray]]) -> None:
        """A claim against a RapidOCR Latin reading: read the crop once more with English beside
        the script's model ("tha+eng"); Tesseract then picks, word by word, Latin or the script.
        - no script word left: the line is Latin ("Soi Sukhumvit 11");
        - no English word: the claim stands (Tesseract rejected Latin for every word);
        - both, >= 3 letters each, script words at >= 0.85: a mixed line ("PHARMACY ร้านขายยา"),
          that reading is chosen - not for Cyrillic, whose look-alikes made "Pasar Baru" into
          "Pasar Ваги";
        - otherwise the claim stands only if its confidence is >= RapidOCR's ("Şekersiz" read as
          Cyrillic at 0.73 loses to RapidOCR's 0.97).
        Without eng.traineddata the last rule applies to every claim against Latin."""
        jobs = []
        for i, d in enumerate(decisions):
            claim, rapid = self._best_claim(d), self._best_rapid(d)
            if (claim is not None and rapid is not None and rapid.script == "Latn"
                    and rapid.confidence >= self.min_confidence):
                g = next(g for g in self.groups if g.script == claim.group)
                jobs.append((i, claim.variant, g.decoy, g))
        readings: list[Optional[TessReading]] = list(self._tess(jobs, crops)) if self._decoy_ok else [None] * len(jobs)
        for (i, k, spec, g), r in zip(jobs, readings):
            d = decisions[i]
            claim, rapid = self._best_claim(d), self._best_rapid(d)
            assert claim is not None and rapid is not None
            latin = script_n = 0
            weighted = 0.0
            for word, conf, lang in r.words if r is not None else ():
                counts = script_counts(word)
                if lang == LATIN_DECOY:
                    latin += counts.get("Latn", 0)
                else:
                    script_n += counts.get(g.script, 0)
                    weighted += counts.get(g.script, 0) * conf
            script_conf = weighted / script_n if script_n else 0.0
            if r is not None and script_n < MIN_CLAIM_LETTERS:
                verdict = "Latin"
            elif r is not None and latin == 0:
                verdict = g.script
            elif (r is not None and g.script not in _LOOKALIKE_SCRIPTS and min(latin, script_n) >= MIXED_LETTERS
                  and script_conf >= MIXED_CONFIDENCE):
                mixed = self._tess_candidate(k, g, r, note=f"mixed line: {latin} Latin letters beside {script_n} "
                                                           f"{g.script} letters at confidence {script_conf:.2f}")
                mixed.claim, mixed.score = True, claim.score + 0.01
                d.candidates.append(mixed)
                verdict = f"mixed Latin and {g.script}"
            elif claim.script_conf >= rapid.confidence:
                verdict = f"{g.script} ({claim.script_conf:.2f} >= RapidOCR {rapid.confidence:.2f})"
            else:
                verdict = f"Latin (RapidOCR {rapid.confidence:.2f} > {g.script} {claim.script_conf:.2f})"
            if r is not None:
                d.checks.append(f"decoy {spec}: {r.text!r} -> {verdict}")
                d.candidates.append(self._tess_candidate(k, g, r, note="decoy reading"))
            if verdict.startswith("Latin"):
                for c in d.candidates:
                    if c.claim:
                        c.claim = False
                        c.note += f"; against RapidOCR's Latin {rapid.text!r} the line reads as {verdict}: no claim"

    @staticmethod
    def _best_rapid(d: RouteDecision) -> Optional[Candidate]:
        return max((c for c in d.candidates if c.engine == "rapidocr" and c.text), key=lambda c: c.score, default=None)

    @staticmethod
    def _best_claim(d: RouteDecision) -> Optional[Candidate]:
        return max((c for c in d.candidates if c.claim), key=lambda c: c.score, default=None)

    def _decide(self, d: RouteDecision) -> None:
        rapid, claim = self._best_rapid(d), self._best_claim(d)
        if claim is not None:
            d.chosen = claim
            d.reason = f"tesseract {claim.lang}: {claim.note}" + (
                f"; over RapidOCR {rapid.text!r} ({rapid.confidence:.2f})" if rapid else "")
        elif rapid is not None and rapid.confidence >= self.min_confidence and rapid.share >= 0.5:
            d.chosen = rapid
            d.reason = (f"rapidocr: {rapid.script or 'no-letter'} reading at {rapid.confidence:.2f}; "
                        + (d.tesseract_skipped or "no Tesseract claim"))
        else:
            d.reason = "no reading confident enough" + (
                f" (RapidOCR {rapid.text!r} at {rapid.confidence:.2f})" if rapid else "")

    def _line(self, d: RouteDecision, w: int, h: int) -> OcrLine:
        c = d.chosen
        assert c is not None
        xs, ys = [p[0] for p in d.polygon], [p[1] for p in d.polygon]
        bbox = (max(0, min(xs)), max(0, min(ys)), min(w, max(xs)), min(h, max(ys)))
        if c.engine == "rapidocr":
            return OcrLine(c.text, c.confidence, bbox, d.polygon, self._rapid_engine, REC, self._rapid_sha)
        assert self.tess is not None
        order = c.lang.split("+")
        used = sorted({lang for _, _, lang in c.words if lang in order}, key=order.index) or order[:1]
        model = "+".join(used)
        return OcrLine(c.text, c.confidence, bbox, d.polygon, f"tesseract {self.tess.version} ({model})", model,
                       self._models_sha(used))

    def _models_sha(self, langs: list[str]) -> str:
        """SHA-256 of the one traineddata file; for several, the SHA-256 of their
        "NAME.traineddata SHA256" lines (each file's own hash is in identity())."""
        assert self.tess is not None
        if len(langs) == 1:
            return self.tess.model_sha256(langs[0])
        manifest = "".join(f"{lang}.traineddata {self.tess.model_sha256(lang)}\n" for lang in langs)
        return hashlib.sha256(manifest.encode()).hexdigest()
