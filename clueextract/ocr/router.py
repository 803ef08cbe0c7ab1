"""Multi-engine OCR, script first: RapidOCR finds the text boxes, a classifier names each box's
script, and only the recognisers of that script read it.

Composed of parts, none reaching into another (as doctr composes a detector and a recogniser):
- detector: RapidOCR's PP-OCR detector (RapidOcrEngine.detect);
- crops: perspective-corrected line crops, vertical text re-laid (crops.py);
- script identifier: a small classifier over the grey crop (script_id.py), one batch for all boxes;
- line recognisers: RapidOCR's recogniser for Latin, Han, kana and digit lines (batched), and
  Tesseract per script with the traineddata the active packs name (tesseract.py); Vietnamese
  lines (`Viet`) go to Tesseract `vie`, which keeps the tone letters RapidOCR's dictionary lacks;
- a plausibility test on every Tesseract reading (plausible.py);
- the routing rules (RoutingRules: every number, recorded in the engine identity) and the
  script prior (data/script_prior.json).

Before, every box was read once per script of the active packs and the best-scoring reading
won: a recognition per pack script for each box, and a script model's invented text could win
("ยดเพด" on a logo, Greek read as Cyrillic, Kannada as Thai). Now, per box:
1. RapidOCR reads every box (batched) and the classifier gives class probabilities; where
   RapidOCR's orientation classifier turned a line upside down, the turned crop is kept only
   if it looks more like text (RoutedOcr._classify).
2. Context adjusts them (RoutedOcr._context): how common each script is, Greek-only letters in a
   confident RapidOCR reading, and the scripts of the image's other boxes.
3. Tesseract reads the box with the routed scripts among its likely classes, two at most
   (English beside the first where Latin is likely too: "PHARMACY ร้านขายยา"); none when
   RapidOCR is certain of a Latin/Han/kana line the classifier also calls so, or confident
   of a line of Latin words no routed script is likely for (_plain_latin). In a Vietnamese
   image (_viet_image) vie also reads the boxes RapidOCR read as Latin. A box costs one or
   two Tesseract recognitions whatever the number of packs (and a binarised second pass of an
   unsure reading only where its script is at least `retry_min` likely: _retry).
4. Each reading is scored: a plausible Tesseract reading by its script's probability (the
   probability of scripts whose reading failed the test moves to the others; at least
   `shown_support` for a strong reading of a script that `shown_boxes` other boxes of the image
   show strongly) times its confidence; RapidOCR's by the probability of the classes it reads
   times its score, with a floor for a certain reading (>= 3 Latin letters at >= 0.99, >= 2
   Han/kana at >= 0.95), where no script it cannot read dominates for a confident one, and
   `shown_support` for one from `shown_rapid` up all in a script that `shown_boxes` other boxes
   show unmistakably (the classifier, trained on rendered fonts, called a Tokyo shop sign's
   'ソフマップ' Hebrew at 0.76 among a dozen certain Han and kana lines); a Tesseract reading of a
   script no other box reads plausibly, where `shown_boxes` boxes show another script
   unmistakably, is at most `unshown_cap` likely unless the classifier gives it `unshown_sure`.
   A Cyrillic, Greek or Armenian reading made of Latin look-alikes ("ЕСР 45", "ТЕЕЕМОВК") where
   RapidOCR read Latin gives its probability to RapidOCR's reading, unless another box shows
   that script in letters no Latin one looks like. The best score from `min_score` up is kept;
   below it the box is dropped.
   In a Vietnamese image, a RapidOCR reading that wins takes vie's tone letters where the two
   differ only in letters RapidOCR's dictionary cannot write ('Bánh gao' -> 'Bánh gạo'; _complete).
5. A box in a script that no active pack reads (Kannada with no kn pack, Tibetan) is not read
   by another script's model: it becomes an unread line naming its script when the classifier
   is at least `unread_sure`, and is dropped otherwise.

`last_decisions` keeps, per box, the classifier's probabilities (raw and in context), every
reading with its plausibility verdict, what was set aside and why one reading was chosen.
"""
from __future__ import annotations

import dataclasses
import functools
import hashlib
import logging
from typing import Any, Optional, Sequence

import numpy as np

from ..text.script import char_script, script_counts
from . import plausible
from .base import OcrLine
from .crops import VERTICAL_RATIO, line_variants
from .rapid import REC, RapidOcrEngine
from .routing import (GREEK_ONLY, LOOKALIKE_SCRIPTS, LOOKALIKES, VIET_CHARS, VIET_LETTERS, LATIN_DECOY, RAPID_CLASSES,
                      RAPID_SCRIPTS, SIBLINGS, VIET, Reading, RouteDecision, RoutingRules, ScriptRoute,
                      COMPLETED, complete, digit_share, similar, skeleton, text_p, script_prior, script_routes)
from .reuse import BoxMemory, ReuseRules
from .script_id import MODEL as SCRIPT_MODEL
from .script_id import ScriptGuess, ScriptIdentifier
from .tesseract import TessReading, TesseractEngine, TesseractUnavailable

__all__ = ["RoutedOcr", "RoutingRules", "ScriptRoute", "Reading", "RouteDecision", "script_routes", "script_prior",
           "RAPID_CLASSES", "RAPID_SCRIPTS", "SIBLINGS", "VIET", "LATIN_DECOY"]

log = logging.getLogger(__name__)


class RoutedOcr:
    """OcrEngine (see base.py): detector, script identifier, recognisers per script, rules."""

    name = "routed"

    def __init__(self, packs: Sequence[Any], threads: int = 1, tessdata: Optional[str] = None,
                 min_confidence: float = 0.5, max_side: int = 2000, rules: Optional[RoutingRules] = None):
        self.rules = rules or RoutingRules(min_confidence=min_confidence)
        self.reuse = ReuseRules()
        self.rapid = RapidOcrEngine(threads=threads, min_confidence=0.0, max_side=max_side)
        self.scripts = ScriptIdentifier(threads=threads)
        self.warnings: list[str] = []
        self.routes = script_routes(packs)
        self.tess: Optional[TesseractEngine] = None
        if self.routes:
            try:
                self.tess = TesseractEngine([x for r in self.routes for x in (r.spec, r.mixed)],
                                            threads=threads, tessdata=tessdata)
            except TesseractUnavailable as e:
                self.warnings.append(f"Tesseract unavailable; {', '.join(r.script for r in self.routes)} text "
                                     f"will not be read: {e}")
        if self.tess is not None:
            for r in self.routes:
                if r.spec not in self.tess.languages:
                    self.warnings.append(f"no {', '.join(x for x in r.langs if x in self.tess.missing)} traineddata "
                                         f"in {self.tess.tessdata}: {r.script} text will not be read")
            self.routes = [r for r in self.routes if r.spec in self.tess.languages]
        else:
            self.routes = []
        self._by_script = {r.script: r for r in self.routes}
        self.prior = script_prior()
        self._mixed_ok = self.tess is not None and LATIN_DECOY in self.tess.available_languages()
        for w in self.warnings:
            log.warning(w)
        self._rapid_engine = f"rapidocr {self.rapid.version}"
        self._rapid_sha = self.rapid.identity()["models"][REC]
        self.last_decisions: list[RouteDecision] = []
        self._strong: dict[str, int] = {}
        self._tops: dict[str, int] = {}
        self._shown: dict[str, int] = {}
        self._readable: dict[str, int] = {}
        self._viet = False

    @functools.cached_property
    def _cannot_write(self) -> frozenset[str]:
        """The Vietnamese letters RapidOCR's dictionary lacks (it drops them or writes another
        letter); read when first needed, not at start-up, where it would load the recogniser early."""
        written = self.rapid.characters()
        return frozenset(c for c in VIET_CHARS + VIET_CHARS.upper() if c not in written)

    def identity(self) -> dict[str, Any]:
        return {"engine": "rapidocr detection; script identification; rapidocr or tesseract recognition by script",
                "rapidocr": self.rapid.identity(), "script_id": self.scripts.identity(),
                "tesseract": self.tess.identity() if self.tess is not None else None,
                "routes": {r.script: r.spec for r in self.routes}, "vertical_ratio": VERTICAL_RATIO,
                "rules": self.rules.to_json(), "script_prior": self.prior, "video_box_reuse": self.reuse.to_json(),
                "warnings": list(self.warnings)}

    # -- reading ---------------------------------------------------------------------------

    def read_frames(self, images: Sequence[np.ndarray]) -> tuple[list[list[OcrLine]], dict[str, int]]:
        """The lines of each of a video's selected frames, in order, with one memory of their boxes
        (reuse.py): a box showing again at the same place with the same pixels is not read again.
        Also returns how many boxes were read and how many reused."""
        memory = BoxMemory(self.reuse)
        lines = [self.read(image, memory) for image in images]
        return lines, {"read": memory.read, "reused": memory.reused}

    def read(self, image_rgb: np.ndarray, memory: Optional[BoxMemory] = None) -> list[OcrLine]:
        """The image's lines. `memory`: the boxes of a video's earlier frames; a box at the same
        place with the same pixels takes its earlier decision, unread again (reuse.py)."""
        h, w = image_rgb.shape[:2]
        decisions: list[RouteDecision] = []
        crops: list[dict[str, np.ndarray]] = []
        # a video's frames: one detection each (they repeat; the second pass is for still images)
        for poly in self.rapid.detect(image_rgb, second_pass=False if memory is not None else None):
            vertical, variants = line_variants(image_rgb, poly)
            decisions.append(RouteDecision(tuple((int(round(x)), int(round(y))) for x, y in poly.tolist()), vertical))
            crops.append(variants)
        if not decisions:
            self.last_decisions = []
            return []
        fresh = list(range(len(decisions)))
        if memory is not None:
            fresh = []
            for i, d in enumerate(decisions):
                earlier = memory.find(image_rgb, d.polygon)
                if earlier is None:
                    fresh.append(i)
                else:  # the earlier box's readings and decision, at this frame's place
                    decisions[i] = dataclasses.replace(earlier, polygon=d.polygon)
        flat = [(i, k) for i in fresh for k in crops[i]]
        turned = set()
        for (i, k), (text, conf, flip) in zip(flat, self.rapid.recognise([crops[i][k] for i, k in flat])):
            decisions[i].readings.append(Reading("rapidocr", REC, k, text, round(conf, 4)))
            if flip and k == "line":
                turned.add(i)
        self._classify([decisions[i] for i in fresh], [crops[i] for i in fresh],
                       [j for j, i in enumerate(fresh) if i in turned])
        self._context(decisions)  # a reused box gives the others context; its own decision stands
        self._read_tesseract(decisions, crops, [(i, spec, self._retry(decisions[i], spec))
                                                for i in fresh for spec in self._tesseract_specs(decisions[i])])
        self._viet = self._viet_image(decisions)
        if self._viet:  # a Vietnamese image: its Latin boxes are read by vie too (see _viet_image)
            spec = self._by_script[VIET].spec
            self._read_tesseract(decisions, crops, [(i, spec, False) for i in fresh if self._latin_box(decisions[i])
                                                    and not any(r.lang == spec for r in decisions[i].readings)])
        self._strong = self._strong_scripts(decisions)
        self._shown = self._shown_scripts(decisions)
        self._readable = self._readable_scripts(decisions)
        self._tops = self._top_scripts(decisions)
        for i in fresh:
            self._decide(decisions[i])
        lines = [self._line(d, w, h) for d in decisions if d.chosen is not None or d.unread]
        if memory is not None:
            for i in fresh:
                memory.add(image_rgb, decisions[i].polygon, decisions[i])
            memory.read += len(fresh)
            memory.reused += len(decisions) - len(fresh)
        self.last_decisions = decisions
        return lines

    def _classify(self, decisions: list[RouteDecision], crops: list[dict[str, np.ndarray]], turned: list[int]) -> None:
        """The script classifier on every box; where RapidOCR's orientation classifier turned a line
        upside down, on both ways, and the turned crop is kept (for Tesseract too) when it looks
        more like text of some script. (RapidOCR's orientation classifier alone turned 13 of 60
        upright Thai, Hangul, Arabic and Devanagari sample crops; an upside-down Vietnamese
        receipt read as Cyrillic without the turn.)"""
        if not decisions:
            return
        keys = [self._upright(c) for c in crops]
        flipped = [np.ascontiguousarray(np.rot90(crops[i]["line"], 2)) for i in turned]
        guesses = self.scripts.classify([c[k] for c, k in zip(crops, keys)] + flipped)
        for d, g in zip(decisions, guesses):
            d.guess = g
        for i, g in zip(turned, guesses[len(crops):]):
            if text_p(g) >= text_p(decisions[i].guess) + self.rules.flip_margin:
                decisions[i].guess, decisions[i].flipped = g, True
                crops[i]["line"] = flipped[turned.index(i)]

    @staticmethod
    def _upright(variants: dict[str, np.ndarray]) -> str:
        """The variant the classifier and Tesseract see: upright characters on a horizontal line."""
        return "line" if "line" in variants else "restacked"

    def _tesseract_specs(self, d: RouteDecision) -> list[str]:
        """The Tesseract specs that read a box (two at most): the routed scripts among the
        classifier's classes from `try_min` up, best first, with English beside the first when
        Latin is likely too; none when RapidOCR is certain of a Latin/Han/kana line the classifier
        also calls Latin/Han/kana/digits."""
        g, rules = d.adjusted or d.guess, self.rules
        assert g is not None
        rapid = d.rapid()
        if self._certain(rapid) and g.script in RAPID_CLASSES:
            return []
        routed = max((p for c, p in g.ranked if c in self._by_script), default=0.0)
        if self._certain(rapid) and routed < rules.certain_skip:
            return []  # no routed script likely enough to outscore a certain RapidOCR reading (_rapid_score's floor)
        if rapid is not None and rapid.confidence >= rules.confident_rapid and self._rapid_ok(rapid) \
                and routed < rules.confident_skip:
            return []  # a confident RapidOCR line and no routed script the classifier names at confident_skip
        if self._plain_latin(rapid, g) and routed < rules.latin_skip:
            return []  # a confident line of Latin words, no routed script likely, nothing Greek, Cyrillic or Vietnamese
        scripts: list[str] = []
        for cls, p in g.ranked:
            if p < rules.try_min:
                break
            if cls in self._by_script:
                scripts.append(cls)
        if len(scripts) == 1:  # a free slot: the likeliest sibling of the one script
            sibling = max((x for x in SIBLINGS.get(scripts[0], ()) if x in self._by_script), key=g.prob, default=None)
            if sibling is not None:
                scripts.append(sibling)
        specs: list[str] = []
        for cls in scripts[:rules.max_tesseract]:
            route = self._by_script[cls]
            mixed = not specs and cls != VIET and g.prob("Latn") >= rules.mixed_second and self._mixed_ok
            specs.append(route.mixed if mixed else route.spec)
        return specs

    def _read_tesseract(self, decisions: list[RouteDecision], crops: list[dict[str, np.ndarray]],
                        jobs: list[tuple[int, str, bool]]) -> None:
        """Tesseract reads box i's upright crop with `spec` (binarised second pass or not) for each
        (i, spec, retry), in one batch; each reading is checked and added to box i's readings."""
        if not jobs or self.tess is None:
            return
        readings = self.tess.read_many([(crops[i][self._upright(crops[i])], spec, retry) for i, spec, retry in jobs])
        for (i, spec, _), r in zip(jobs, readings):
            decisions[i].readings.append(self._tess_reading(spec, self._upright(crops[i]), r))

    def _retry(self, d: RouteDecision, spec: str) -> bool:
        """Whether Tesseract reads the box once more, binarised, when its first reading is unsure:
        only where the spec's script is at least `retry_min` likely with the scripts whose
        probability _decide hands it (its siblings; Latin for Vietnamese). On eval/real's tuning
        part two in three readings were retried (512 of 781 jobs: 1293 calls) and 13 retried
        readings became a box's line, each in a script at least 0.57 likely so counted. With the
        rule: 277 retries, 1058 calls, the same 13 lines and the same clues."""
        g = d.adjusted or d.guess
        assert g is not None
        script = self._route_of(spec).script
        family = SIBLINGS.get(script, ()) + (("Latn",) if script == VIET else ())  # as _decide counts them
        return g.prob(script) + sum(g.prob(x) for x in family) >= self.rules.retry_min

    def _tess_reading(self, spec: str, variant: str, r: TessReading) -> Reading:
        script = self._route_of(spec).script
        also = frozenset({"Latn"}) if spec != self._by_script[script].spec else frozenset()
        check_script = "Latn" if script == VIET else script
        verdict = plausible.check(r.text, r.words, check_script, self.rules.plausibility, also)
        return Reading("tesseract", spec, variant, r.text, r.confidence, r.words, verdict)

    def _adds_tone_letters(self, r: Reading, rapid: Optional[Reading], closeness: float) -> bool:
        """A plausible vie reading that is RapidOCR's reading (without accents, this closely) with
        Vietnamese letters added."""
        return (r.verdict is not None and r.verdict.ok and rapid is not None and bool(VIET_LETTERS.search(r.text))
                and similar(skeleton(r.text), skeleton(rapid.text)) >= closeness)

    def _viet_image(self, decisions: list[RouteDecision]) -> bool:
        """Whether the image is Vietnamese: `viet_image_boxes` of its boxes or more have a vie reading
        that adds tone letters to RapidOCR's. The classifier calls many Vietnamese lines Latin, and
        RapidOCR reads them without their tone letters ('TRUONG' for 'TRƯỜNG'); in such an image
        Tesseract vie reads the Latin boxes too (_decide prefers it where it only adds letters).
        On eval/real, 7 of 14 Vietnamese images and none of the 96 others reach 4 such boxes (a
        Swedish book page reaches 3). Measured (the router alone over both parts): the check part's
        exam paper 9 -> 12 of 34 key words, nothing else changed; 72 more Tesseract readings and
        0.5-1.0 s more over the 14 Vietnamese images."""
        if self.tess is None or VIET not in self._by_script or len(decisions) < self.rules.viet_image_boxes:
            return False
        spec = self._by_script[VIET].spec
        n = sum(any(r.lang == spec and self._adds_tone_letters(r, d.rapid(), self.rules.viet_skeleton)
                    for r in d.readings) for d in decisions)
        return n >= self.rules.viet_image_boxes

    def _latin_box(self, d: RouteDecision) -> bool:
        """A box RapidOCR read as Latin (two letters or more, mostly Latin)."""
        rapid = d.rapid()
        if rapid is None or not self._rapid_ok(rapid):
            return False
        counts = script_counts(rapid.text)
        return counts.get("Latn", 0) >= 2 and counts.most_common(1)[0][0] == "Latn"

    def _route_of(self, spec: str) -> ScriptRoute:
        return next(rt for rt in self.routes if spec in (rt.spec, rt.mixed))

    # -- deciding --------------------------------------------------------------------------

    def _context(self, decisions: list[RouteDecision]) -> None:
        """The classifier's probabilities for each box, adjusted by what is known beside the crop:
        1. how common each script is (data/script_prior.json: the classifier was trained on every
           script equally often, and its rare classes drew odd real crops);
        2. Greek letters that only Greek writes in a confident RapidOCR reading (its dictionary
           holds the Greek alphabet: "NPOΣOXH" for "ΠΡΟΣΟΧΗ" is Greek however the crop looks);
        3. scripts seen elsewhere in the image: each box's probabilities are multiplied by
           (1 + context_weight x the other boxes' mean script distribution) and renormalised
           (digits and `none` are left as they are). A Thai sign's lines lean on each other where
           one alone hesitates between Thai and Lao."""
        rules = self.rules
        for d in decisions:
            assert d.guess is not None
            raw = {c: p * self.prior.get(c, 1.0) for c, p in d.guess.ranked}
            rapid = d.rapid()
            if rapid is not None and rapid.confidence >= rules.greek_rapid and len(GREEK_ONLY.findall(rapid.text)) >= 1:
                raw["Grek"] = raw.get("Grek", 0.0) + rules.greek_boost
            total = sum(raw.values())
            d.adjusted = ScriptGuess(tuple(sorted(((c, v / total) for c, v in raw.items()), key=lambda kv: -kv[1])))
        dists = []
        for d in decisions:
            assert d.adjusted is not None
            text = {c: p for c, p in d.adjusted.ranked if c not in ("none", "Zyyy")}
            total = sum(text.values())
            dists.append({c: p / total for c, p in text.items()} if total > 0 else {})
        # the other boxes' mean distribution: all boxes' sum less the box's own (linear, not
        # quadratic: a dense page has 150-200 boxes)
        totals: dict[str, float] = {}
        for x in dists:
            for c, p in x.items():
                totals[c] = totals.get(c, 0.0) + p
        n_text = sum(1 for x in dists if x)
        for d, own in zip(decisions, dists):
            n_others = n_text - (1 if own else 0)
            if n_others == 0 or rules.context_weight <= 0:
                continue
            seen = {c: (t - own.get(c, 0.0)) / n_others for c, t in totals.items()}
            assert d.adjusted is not None
            raw = {c: p * (1.0 + rules.context_weight * seen.get(c, 0.0)) for c, p in d.adjusted.ranked}
            total = sum(raw.values())
            d.adjusted = ScriptGuess(tuple(sorted(((c, v / total) for c, v in raw.items()), key=lambda kv: -kv[1])))

    def _certain(self, r: Optional[Reading]) -> bool:
        if r is None:
            return False
        counts = script_counts(r.text)
        letters = sum(counts.values())
        latin, cjk = counts.get("Latn", 0), counts.get("Hani", 0) + counts.get("Jpan", 0)
        if letters == 0 or (latin + cjk) < letters:
            return False
        return (latin >= 3 and r.confidence >= self.rules.certain_latin) or (cjk >= 2 and r.confidence >= self.rules.certain_cjk)

    def _plain_latin(self, r: Optional[Reading], g: ScriptGuess) -> bool:
        """A confident RapidOCR line of Latin words (3+ letters, as many as its digits: 'Ins.02 123
        4567' for a Thai 'โทร.' phone line is not), with no Greek-only or Vietnamese letter, where
        the classifier gives look-alike scripts under `latin_skip_lookalike` and Viet under
        `latin_skip_viet`: on the real tuning part Tesseract's readings of such boxes changed no
        kept line (147 of its 875 readings; 121 of 1322 on the check part)."""
        rules = self.rules
        if r is None or r.confidence < rules.confident_rapid or GREEK_ONLY.search(r.text) or VIET_LETTERS.search(r.text):
            return False
        counts = script_counts(r.text)
        letters = sum(counts.values())
        return (letters >= 3 and counts.get("Latn", 0) == letters and letters >= sum(ch.isdigit() for ch in r.text)
                and max(g.prob(x) for x in LOOKALIKE_SCRIPTS) < rules.latin_skip_lookalike
                and g.prob(VIET) < rules.latin_skip_viet)

    def _rapid_ok(self, r: Optional[Reading]) -> bool:
        """A RapidOCR reading that may be kept: score from min_confidence, letters mostly of its scripts."""
        if r is None or r.confidence < self.rules.min_confidence:
            return False
        counts = script_counts(r.text)
        letters = sum(counts.values())
        return not letters or sum(n for s, n in counts.items() if s in RAPID_SCRIPTS) / letters >= 0.5

    def _decide(self, d: RouteDecision) -> None:
        """Every reading gets a score, the probability of its script times its confidence; the best
        from `min_score` up is kept (the module docstring gives the cases)."""
        g, rules = d.adjusted or d.guess, self.rules
        assert g is not None
        rapid = d.rapid()
        d.script = g.script
        tess = [r for r in d.readings if r.engine == "tesseract" and r.verdict is not None]
        # A script whose reading failed the plausibility test is less likely than the classifier
        # thought: the other scripts' probabilities are renormalised without it.
        failed = ({self._route_of(r.lang).script for r in tess if not r.verdict.ok}
                  - {self._route_of(r.lang).script for r in tess if r.verdict.ok})
        passed = {self._route_of(r.lang).script for r in tess if r.verdict.ok}
        # A failed script's probability goes to its plausible sibling; the others' is renormalised.
        inherit = {s: sum(g.prob(x) for x in SIBLINGS.get(s, ()) if x in failed) for s in passed}
        handed = {x for s in passed for x in SIBLINGS.get(s, ()) if x in failed}
        rest = max(1e-6, 1.0 - sum(g.prob(c) for c in failed - handed))
        scored: list[tuple[float, Reading, str]] = []
        latin_too = 0.0  # probability of scripts whose reading is Latin look-alikes of RapidOCR's
        for r in tess:
            script = self._route_of(r.lang).script
            if not r.verdict.ok:
                d.notes.append(f"tesseract {r.lang}: {r.verdict.why}")
                continue
            if script == VIET:
                if rapid is not None and similar(skeleton(r.text), skeleton(rapid.text)) < rules.viet_skeleton:
                    d.notes.append(f"vie {r.text!r} does not match RapidOCR's {rapid.text!r}")
                    continue
                p = (g.prob(VIET) + (g.prob("Latn") if VIET_LETTERS.search(r.text) else 0.0)) / rest
                if self._viet and self._adds_tone_letters(r, rapid, rules.viet_latin_skeleton):
                    assert rapid is not None  # RapidOCR's letters with tone letters added, in a Vietnamese image
                    p = (g.prob(VIET) + sum(g.prob(c) for c in RAPID_CLASSES)) / rest
                    scored.append((p * r.verdict.confidence, r, f"tesseract {r.lang} adds tone letters to RapidOCR's "
                                   f"{rapid.text!r} in a Vietnamese image, {r.verdict.confidence:.2f} x {p:.2f}"))
                    continue
            elif self._homoglyphs(d, r, rapid, script):
                assert rapid is not None
                d.notes.append(f"{script} {r.text!r}: Latin look-alikes, as RapidOCR's {rapid.text!r}")
                latin_too += g.prob(script)
                continue
            else:
                p = (g.prob(script) + inherit.get(script, 0.0) + g.prob("Zyyy") * digit_share(r.text)) / rest
                if self._shown_elsewhere(r, script) and p < rules.shown_support:
                    p = rules.shown_support
                elif self._unshown(d, script) and g.prob(script) < rules.unshown_sure and p > rules.unshown_cap:
                    d.notes.append(f"{script} {r.text!r}: no other box reads {script}, {self._busy(script)} show "
                                   f"another script: {p:.2f} capped at {rules.unshown_cap}")
                    p = rules.unshown_cap
                lone = self._tops.get(script, 0) - (g.script == script) == 0
                if lone and p < rules.lone_script:
                    d.notes.append(f"{script} {r.text!r}: the only {script} box of the image at {p:.2f} "
                                   f"(needs {rules.lone_script})")
                    continue
                if lone and not self._is_strong(r, script) and (busy := self._busy(script)) >= rules.lone_busy:
                    d.notes.append(f"{script} {r.text!r}: the only {script} box among {busy} of "
                                   f"another script, and not a strong reading")
                    continue
            scored.append((p * r.verdict.confidence, r, f"tesseract {r.lang} {r.verdict.why} x {script} {p:.2f}"))
        if rapid is not None and self._rapid_ok(rapid):
            scored.append(self._rapid_score(g, rapid, latin_too))
        best = max(scored, key=lambda t: t[0], default=None)
        if best is not None and best[0] >= rules.min_score:
            d.chosen, d.reason = best[1], f"{best[2]} = {best[0]:.2f}"
            if self._viet and best[1] is rapid:
                self._complete(d, rapid, tess)
            if best[1].engine == "tesseract":
                d.script = self._route_of(best[1].lang).script
            return
        d.chosen = None
        why = f"best {best[2]} = {best[0]:.2f} < {rules.min_score}" if best else "no plausible reading"
        if (g.script not in self._by_script and g.script not in RAPID_CLASSES and g.script not in (VIET, "none")
                and g.p >= rules.unread_sure):
            d.unread = True
            d.reason = f"{g.script} ({g.p:.2f}): no active pack reads this script; recorded unread ({why})"
        else:
            d.reason = f"{g.script} ({g.p:.2f}): {why}"

    def _complete(self, d: RouteDecision, rapid: Reading, tess: list[Reading]) -> None:
        """In a Vietnamese image, RapidOCR's chosen reading takes the tone letters of a plausible vie
        reading of the same letters (routing.complete): RapidOCR's confidence vouches for the
        letters both read, vie adds what RapidOCR's dictionary cannot write ('Bánh gao one one ngot'
        -> 'Bánh gạo one one ngọt'; 'Ch Sùi Phú Th Gia Lam' and vie's 'Chợ Sùi Phu Thị Gia Lâm' ->
        'Chợ Sùi Phú Thị Gia Lâm'). Its confidence is the lower of the two; its source names both
        models. Any other difference (a digit, a letter RapidOCR can write) keeps RapidOCR's reading."""
        spec = self._by_script[VIET].spec
        for r in tess:
            if r.lang != spec or r.verdict is None or not r.verdict.ok:
                continue
            text = complete(rapid.text, r.text, self._cannot_write)
            if text is not None:
                d.chosen = Reading(COMPLETED, f"{rapid.lang}+{spec}", rapid.variant, text,
                                   min(rapid.confidence, r.confidence), r.words, r.verdict)
                d.script = VIET
                d.reason += f"; completed by vie's {r.text!r} ({r.confidence:.2f})"
                return

    def _rapid_score(self, g: ScriptGuess, rapid: Reading, latin_too: float) -> tuple[float, Reading, str]:
        """RapidOCR's reading weighs the probability of the classes it reads (and of scripts whose
        reading turned out to be its Latin in look-alike letters), at least a floor when it is
        confident and no script it cannot read dominates; no floor for one character."""
        rules = self.rules
        mass = sum(g.prob(c) for c in RAPID_CLASSES) + rules.viet_in_rapid * g.prob(VIET) + latin_too
        other = max((p for c, p in g.ranked if c not in RAPID_CLASSES and c not in (VIET, "none")), default=0.0)
        floor = 0.0
        if sum(ch.isalnum() for ch in rapid.text) < 2:
            floor = 0.0  # "T" read for a Hebrew letter at 1.00
        elif self._certain(rapid):
            floor = rules.certain_floor
        elif other < rules.dominant and rapid.confidence >= rules.confident_rapid:
            floor = rules.confident_floor
        if floor < rules.shown_support and self._rapid_shown_elsewhere(rapid):
            floor = rules.shown_support
        why = f"rapidocr {rapid.confidence:.2f} x Latin/Han/kana/digits {mass:.2f}" + (
            f" (floor {floor})" if floor > mass else "")
        return max(mass, floor) * rapid.confidence, rapid, why

    def _shown_scripts(self, decisions: list[RouteDecision]) -> dict[str, int]:
        """Per script, how many boxes show it unmistakably: a strong Tesseract reading of it (see
        _strong_scripts) or a certain RapidOCR reading (Latin, or Han/kana)."""
        shown = dict(self._strong)
        for d in decisions:
            rapid = d.rapid()
            if rapid is not None and self._certain(rapid):
                top = "Latn" if script_counts(rapid.text).get("Latn", 0) >= 3 else "Hani"
                shown[top] = shown.get(top, 0) + 1
        return shown

    def _busy(self, script: str) -> int:
        """The most boxes that one script other than `script` is shown in (see _shown_scripts)."""
        return max((n for c, n in self._shown.items() if c != script), default=0)

    @staticmethod
    def _top_scripts(decisions: list[RouteDecision]) -> dict[str, int]:
        """How many boxes of the image each class is the most likely one for (in context)."""
        tops: dict[str, int] = {}
        for d in decisions:
            g = d.adjusted or d.guess
            if g is not None:
                tops[g.script] = tops.get(g.script, 0) + 1
        return tops

    def _strong_scripts(self, decisions: list[RouteDecision]) -> dict[str, int]:
        """Per script, how many boxes have a plausible reading at `strong_confidence` with >= 3
        letters that look like no Latin letter: where another box shows the script so, a line of
        look-alike letters may be that script too."""
        strong: dict[str, int] = {}
        for d in decisions:
            for script in {self._route_of(r.lang).script for r in d.readings if r.engine == "tesseract"
                           and self._is_strong(r, self._route_of(r.lang).script)}:
                strong[script] = strong.get(script, 0) + 1
        return strong

    def _shown_elsewhere(self, r: Reading, script: str) -> bool:
        """A strong reading of a script that at least `shown_boxes` other boxes of the image show
        strongly (_strong_scripts): the image's readings vouch for the script where the classifier,
        trained on rendered fonts, hesitates over a painted sign's crop ('की छूट' read by hin at 0.93
        beside three strong Devanagari lines, the crop called Gurmukhi 0.59, Devanagari 0.26)."""
        return self._is_strong(r, script) and self._strong.get(script, 0) - 1 >= self.rules.shown_boxes

    def _unshown(self, box: RouteDecision, script: str) -> bool:
        """No other box of the image has a plausible reading of `script`, and another script
        shows unmistakably in `shown_boxes` boxes (_shown_scripts): a lone line of a script the
        rest of the image does not read is more likely invented ('ไว้ไฮทบ์' read by tha at 0.79
        from an Italian chalkboard's 'Menú')."""
        own = int(script in self._plausible_scripts(box))
        return self._readable.get(script, 0) - own == 0 and self._busy(script) >= self.rules.shown_boxes

    def _plausible_scripts(self, d: RouteDecision) -> set[str]:
        """The routed scripts a box has a plausible Tesseract reading of."""
        return {self._route_of(r.lang).script for r in d.readings
                if r.engine == "tesseract" and r.verdict is not None and r.verdict.ok}

    def _readable_scripts(self, decisions: list[RouteDecision]) -> dict[str, int]:
        """Per routed script, how many boxes have a plausible Tesseract reading of it."""
        out: dict[str, int] = {}
        for d in decisions:
            for script in self._plausible_scripts(d):
                out[script] = out.get(script, 0) + 1
        return out

    def _rapid_shown_elsewhere(self, rapid: Reading) -> bool:
        """A RapidOCR reading from `shown_rapid` up whose letters (2 or more) are all Latin, or all
        Han and kana, in an image where `shown_boxes` other boxes show that script unmistakably
        (_shown_scripts: certain RapidOCR readings)."""
        if rapid.confidence < self.rules.shown_rapid:
            return False
        counts = script_counts(rapid.text)
        letters = sum(counts.values())
        cjk = counts.get("Hani", 0) + counts.get("Jpan", 0)
        script = "Latn" if counts.get("Latn", 0) == letters else "Hani" if cjk == letters else None
        if script is None or letters < 2:
            return False
        own = int(self._certain(rapid))
        return self._shown.get(script, 0) - own >= self.rules.shown_boxes

    def _is_strong(self, r: Reading, script: str) -> bool:
        """A plausible reading at `strong_confidence` with 3+ letters of its script that look like no
        Latin letter, which are most of its letters (a mixed spec's 'Daurna ts de дтоєр ту Ниїзе
        Mans Stella' for a Dutch newspaper line shows no Cyrillic)."""
        if r.verdict is None or not r.verdict.ok or r.verdict.confidence < self.rules.strong_confidence:
            return False
        scripts = [char_script(ch) for ch in r.text]
        own = sum(s == script for s in scripts)
        letters = sum(s is not None for s in scripts)
        return sum(s == script and ch not in LOOKALIKES for s, ch in zip(scripts, r.text)) >= 3 and 2 * own > letters

    def _homoglyphs(self, box: RouteDecision, reading: Reading, rapid: Optional[Reading], script: str) -> bool:
        """A Cyrillic, Greek or Armenian reading made (almost) only of letters that look Latin ("ТЕЕЕМОВК" for
        "TELEWORK", "ЕСР 45" for "EGP 45") where RapidOCR read Latin: Latin, unless the image
        shows that script elsewhere in letters no Latin one looks like."""
        own = int(any(r is reading for r in box.readings) and self._is_strong(reading, script))
        if rapid is None or script not in LOOKALIKE_SCRIPTS or self._strong.get(script, 0) - own > 0:
            return False
        if rapid.confidence < self.rules.min_confidence:
            return False
        counts = script_counts(rapid.text)
        if not counts or counts.most_common(1)[0][0] != "Latn":
            return False
        letters = [ch for ch in reading.text if char_script(ch) == script]
        return bool(letters) and sum(ch in LOOKALIKES for ch in letters) >= self.rules.lookalike_share * len(letters)

    # -- output ----------------------------------------------------------------------------

    def _line(self, d: RouteDecision, w: int, h: int) -> OcrLine:
        xs, ys = [p[0] for p in d.polygon], [p[1] for p in d.polygon]
        bbox = (max(0, min(xs)), max(0, min(ys)), min(w, max(xs)), min(h, max(ys)))
        g = d.adjusted or d.guess
        assert g is not None and d.script is not None
        box_script = (d.script, round(g.prob(d.script), 4))
        c = d.chosen
        if c is None:  # unread: a script no active pack reads
            return OcrLine("", round(g.p, 4), bbox, d.polygon, f"script-id ({SCRIPT_MODEL})", SCRIPT_MODEL,
                           self.scripts.identity()["sha256"], script=box_script, unread=True)
        if c.engine == "rapidocr":
            return OcrLine(c.text, c.confidence, bbox, d.polygon, self._rapid_engine, REC, self._rapid_sha,
                           script=box_script)
        assert self.tess is not None
        if c.engine == COMPLETED:  # RapidOCR's letters, vie's tone letters (_complete): both models named
            rec, spec = c.lang.split("+", 1)
            manifest = f"{rec} {self._rapid_sha}\n{spec}.traineddata {self.tess.model_sha256(spec)}\n"
            return OcrLine(c.text, c.confidence, bbox, d.polygon,
                           f"{self._rapid_engine} + tesseract {self.tess.version} ({spec} tone letters)", c.lang,
                           hashlib.sha256(manifest.encode()).hexdigest(), script=box_script)
        order = c.lang.split("+")
        used = sorted({lang for _, _, lang in c.words if lang in order}, key=order.index) or order[:1]
        model = "+".join(used)
        return OcrLine(c.text, c.confidence, bbox, d.polygon, f"tesseract {self.tess.version} ({model})", model,
                       self._models_sha(used), script=box_script)

    def _models_sha(self, langs: list[str]) -> str:
        """SHA-256 of the one traineddata file; for several, the SHA-256 of their
        "NAME.traineddata SHA256" lines (each file's own hash is in identity())."""
        assert self.tess is not None
        if len(langs) == 1:
            return self.tess.model_sha256(langs[0])
        manifest = "".join(f"{lang}.traineddata {self.tess.model_sha256(lang)}\n" for lang in langs)
        return hashlib.sha256(manifest.encode()).hexdigest()
