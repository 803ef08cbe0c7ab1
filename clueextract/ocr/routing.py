"""The router's parts that are data, not reading: the routing rules (every number it decides
with), the routes from scripts to Tesseract traineddata, the records of one box's readings and
decision, the script prior, and small text tests. RoutedOcr (router.py) composes the engines
and applies these; tests and benchmarks build rules and routes from here without an engine.
"""
from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import asdict, dataclass, field
from difflib import SequenceMatcher
from functools import lru_cache
from importlib import resources
from typing import Any, Iterable, Optional

from . import plausible
from .script_id import ScriptGuess

RAPID_CLASSES = frozenset({"Latn", "Hani", "Jpan", "Zyyy"})
RAPID_SCRIPTS = frozenset({"Latn", "Hani", "Jpan", "Hira", "Kana"})
LATIN_DECOY = "eng"
VIET = "Viet"
# Scripts the classifier confuses with each other (drawn alike): a box likely in one is read in
# the other too when a slot is free, and the probability of one whose reading fails goes to the
# other. Thai/Lao and Telugu/Kannada share letter shapes; Devanagari, Gurmukhi and Bengali the
# head-stroke.
SIBLINGS = {"Thai": ("Laoo",), "Laoo": ("Thai",), "Telu": ("Knda",), "Knda": ("Telu",),
            "Deva": ("Guru", "Beng"), "Guru": ("Deva",), "Beng": ("Deva",)}
GREEK_ONLY = re.compile("[ΓΔΘΛΞΠΣΦΨΩαβγδεζηθλμξπσςφψω]")
VIET_CHARS = "ăắằẳẵặâấầẩẫậđêếềểễệôốồổỗộơớờởỡợưứừửữựạảẹẻẽịỉọỏụủỵỷỹ"  # the letters only Vietnamese writes
VIET_LETTERS = re.compile(f"[{VIET_CHARS}]", re.IGNORECASE)
# every letter Vietnamese writes with a mark: its vowels with each of the five tones, and đ
VIET_ALPHABET = frozenset(unicodedata.normalize("NFC", v + t) for v in "aăâeêioôơuưy"
                          for t in ("", "\u0301", "\u0300", "\u0309", "\u0303", "\u0323")) | {"đ"}
COMPLETED = "rapidocr+tesseract"  # a reading of RapidOCR's completed with Tesseract vie's tone letters (complete())
# Cyrillic, Greek and Armenian letters drawn like Latin ones.
LOOKALIKE_SCRIPTS = ("Cyrl", "Grek", "Armn")
LOOKALIKES = dict(zip("АВЕКМНОРСТУХаеорсухіјѕӀІЈЅΑΒΕΗΙΚΜΝΟΡΤΥΧΖοικνρτυχՕՍՏՔօսհոց",
                       "ABEKMHOPCTYXaeopcyxijslIJSABEHIKMNOPTYXZoikvptuxOUSPouhng"))


@dataclass(frozen=True)
class RoutingRules:
    """Every number the router decides with; recorded in identity() and so in the config hash."""

    min_confidence: float = 0.5        # RapidOCR readings considered from this score (ScanConfig.ocr_min_confidence)
    certain_latin: float = 0.99        # a RapidOCR reading with >= 3 Latin letters at this score is certain
    certain_cjk: float = 0.95          # ... with >= 2 Han/kana letters
    certain_floor: float = 0.5         # a certain RapidOCR reading weighs at least this, whatever the classifier
    certain_skip: float = 0.3          # ... and is read by no Tesseract spec whose script is less likely than this
    confident_rapid: float = 0.9       # a RapidOCR reading this confident ...
    confident_floor: float = 0.35      # ... weighs at least this, unless one other script is dominant:
    confident_skip: float = 0.2        # ... and is read by no Tesseract spec whose script is less likely than this
    dominant: float = 0.5              # a script RapidOCR cannot read with this probability
    latin_skip: float = 0.5            # a confident line of Latin words: no Tesseract below this routed probability,
    latin_skip_lookalike: float = 0.3  # ... unless Cyrillic, Greek or Armenian reach this
    latin_skip_viet: float = 0.2       # ... or Viet this (router._plain_latin)
    viet_in_rapid: float = 0.5         # share of the Viet class RapidOCR's reading may claim (it drops tone letters)
    context_weight: float = 3.0        # how much the image's other boxes' scripts raise a box's (see _context)
    greek_rapid: float = 0.8           # a RapidOCR reading this confident with a Greek-only letter ...
    greek_boost: float = 0.5           # ... adds this to Greek before renormalising
    try_min: float = 0.1               # a routed script this likely gets a Tesseract reading ...
    max_tesseract: int = 2             # ... for at most this many scripts per box
    retry_min: float = 0.2             # a script (with its siblings) this likely gets Tesseract's binarised second pass
    mixed_second: float = 0.2          # Latin this likely: the first script is read with English beside it
    viet_skeleton: float = 0.6         # a vie reading must match RapidOCR's without accents this closely
    viet_image_boxes: int = 4          # boxes whose vie reading adds tone letters to RapidOCR's: a Vietnamese image ...
    viet_latin_skeleton: float = 0.8   # ... where vie also reads the Latin boxes and wins where it matches this closely
    min_score: float = 0.25            # probability x confidence a reading needs to be kept
    unread_sure: float = 0.9           # a script no active pack reads, this likely: recorded unread
    flip_margin: float = 0.1           # an upside-down crop this much more like text is read turned
    strong_confidence: float = 0.75    # a reading this confident with 3+ unmistakable letters shows its script
    lookalike_share: float = 0.85      # a Cyrillic/Greek/Armenian reading with this share of Latin look-alikes
    lone_script: float = 0.5           # a script no other box of the image is likeliest for needs this
    lone_busy: int = 5                 # ... and, where another script is likeliest for this many boxes, a strong reading
    shown_boxes: int = 2               # a strong reading of a script that this many other boxes show strongly ...
    shown_support: float = 0.5         # ... is at least this likely, whatever the classifier says of its crop
    shown_rapid: float = 0.8           # a RapidOCR reading this confident, all in a script shown so, weighs shown_support
    unshown_cap: float = 0.3           # a script no other box reads plausibly, where another shows in shown_boxes boxes, ...
    unshown_sure: float = 0.7          # ... is at most this likely unless the classifier gives it this much
    plausibility: plausible.PlausibilityRules = field(default_factory=plausible.PlausibilityRules)

    def to_json(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class ScriptRoute:
    """The traineddata that read one script's boxes, e.g. Arab -> ara+fas+urd."""

    script: str
    langs: tuple[str, ...]

    @property
    def spec(self) -> str:
        return "+".join(self.langs)

    @property
    def mixed(self) -> str:
        return "+".join(self.langs if LATIN_DECOY in self.langs else (*self.langs, LATIN_DECOY))


@dataclass
class Reading:
    engine: str                  # "rapidocr" | "tesseract" | COMPLETED (RapidOCR's letters, vie's marks)
    lang: str                    # RapidOCR rec model name, the Tesseract language spec, or both joined by "+"
    variant: str                 # "line" | "rotated" | "restacked"
    text: str
    confidence: float
    words: tuple[tuple[str, float, str], ...] = ()
    verdict: Optional[plausible.Verdict] = None


@dataclass
class RouteDecision:
    polygon: tuple[tuple[int, int], ...]
    vertical: bool
    guess: Optional[ScriptGuess] = None       # the classifier's probabilities for this box alone
    adjusted: Optional[ScriptGuess] = None    # ... with the image's other boxes as context
    readings: list[Reading] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # readings set aside, and why
    flipped: bool = False                      # read turned 180 degrees
    chosen: Optional[Reading] = None
    script: Optional[str] = None       # the box's script (classifier class) as decided
    unread: bool = False               # a script no active pack reads: recorded, not read
    reason: str = ""

    @property
    def engine(self) -> Optional[str]:
        return None if self.chosen is None else self.chosen.engine

    @property
    def lang(self) -> Optional[str]:
        return None if self.chosen is None else self.chosen.lang

    def rapid(self) -> Optional[Reading]:
        return max((r for r in self.readings if r.engine == "rapidocr" and r.text),
                   key=lambda r: r.confidence, default=None)


@lru_cache(maxsize=1)
def script_prior() -> dict[str, float]:
    """Class weights: how common each script-identifier class is in real media (data/script_prior.json)."""
    return dict(json.loads(resources.files("clueextract.data").joinpath("script_prior.json").read_text(encoding="utf-8"))["prior"])


def script_routes(packs: Iterable[Any]) -> list[ScriptRoute]:
    """Tesseract routes for the pack scripts RapidOCR cannot read (Arab -> ara+fas), and Viet -> vie
    when a pack of Vietnamese names it."""
    by_script: dict[str, list[str]] = {}
    for p in packs:
        langs = list((p.data.get("ocr") or {}).get("tesseract") or [])
        scripts = [s for s in p.scripts if s not in RAPID_SCRIPTS]
        if p.data["language"].get("iso639_3") == "vie" and "vie" in langs:
            scripts.append(VIET)
            langs = ["vie"]
        for s in scripts:
            if langs:
                have = by_script.setdefault(s, [])
                have += [lang for lang in langs if lang not in have]
    return [ScriptRoute(s, tuple(ls)) for s, ls in sorted(by_script.items())]


def digit_share(text: str) -> float:
    """Share of a reading's letters and digits that are digits (a price or phone line: the `Zyyy`
    class speaks for its digits whichever engine reads the rest)."""
    alnum = [ch for ch in text if ch.isalnum()]
    return sum(ch.isdigit() for ch in alnum) / len(alnum) if alnum else 0.0


def text_p(g: Optional[ScriptGuess]) -> float:
    """The classifier's best probability for a class of text (not `none`)."""
    return max((p for c, p in g.ranked if c != "none"), default=0.0) if g is not None else 0.0


def similar(a: str, b: str) -> float:
    return SequenceMatcher(None, "".join(a.split()).casefold(), "".join(b.split()).casefold()).ratio()


def complete(rapid_text: str, vie_text: str, cannot_write: frozenset[str]) -> Optional[str]:
    """RapidOCR's reading with the Vietnamese marks and letters that Tesseract vie read in the
    same place, or None where the two read different text.

    The readings are aligned letter by letter without accents and case. Where both read a
    letter, vie's marks are taken when RapidOCR's letter has none or vie's is one RapidOCR's
    dictionary cannot write (`cannot_write`: 'ợ', 'ị', 'ậ' ...); otherwise RapidOCR's letter
    stays ('Phú', where vie read 'Phu'). Letters only vie read are taken when RapidOCR cannot
    write them (it drops them: 'Ch' for 'Chợ'), or replace what RapidOCR wrote in their place
    ('Nuác' for 'Nước'). A letter with a mark Vietnamese never writes takes vie's Vietnamese
    letter ('Å' for 'Ă', 'Ü' for 'Ư'); spaces and punctuation only vie read are left out. Any
    other difference (a digit, a letter RapidOCR can write, a letter only RapidOCR read) means
    the engines read different text: None. None too when vie adds nothing. Spacing is RapidOCR's."""
    a, b = _letters_apart(rapid_text), _letters_apart(vie_text)
    if a is None or b is None:
        return None
    out: list[str] = []
    added = False
    for op, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        theirs, ours = rapid_text[i1:i2], vie_text[j1:j2]
        if op == "equal":
            for x, y in zip(theirs, ours):
                take = x.casefold() != y.casefold() and (skeleton(x) == x or y in cannot_write
                                                         or not_vietnamese(x) and y.casefold() in VIET_ALPHABET)
                out.append(_in_case_of(y, x) if take else x)
                added = added or take
            continue
        if op == "delete":  # RapidOCR read more than vie: only spaces may differ
            if theirs.strip():
                return None
            out.append(theirs)
            continue
        if op == "replace" and not all(ch.isalpha() for ch in theirs):
            return None
        letters = [ch for ch in ours if ch.isalnum()]
        if not letters or not all(ch in cannot_write for ch in letters):
            if letters or op == "replace":
                return None
            continue  # a space or a mark of punctuation only vie read
        out.append(_in_case_of("".join(letters), theirs) if theirs else "".join(letters))
        added = True
    return "".join(out) if added else None


def not_vietnamese(ch: str) -> bool:
    """A letter with a mark Vietnamese never writes ('Å', 'Ü', 'Ö': RapidOCR's stand-ins for 'Ă', 'Ư', 'Ô')."""
    return ch.isalpha() and skeleton(ch) != ch and ch.casefold() not in VIET_ALPHABET


def _in_case_of(letters: str, model: str) -> str:
    """`letters` in the case of `model` (RapidOCR's letters: its case is the line's)."""
    return letters.upper() if model.isupper() else letters.lower() if model.islower() else letters


def _letters_apart(text: str) -> Optional[str]:
    """`text` char by char without accents, casefolded, one char each (None if one will not)."""
    out = []
    for ch in text:
        s = skeleton(ch).casefold()
        if len(s) != 1:
            return None
        out.append(s)
    return "".join(out)


def skeleton(text: str) -> str:
    """Latin text without its accents ("Phở Bò" -> "Pho Bo"), đ as d."""
    s = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(ch for ch in s if unicodedata.category(ch) != "Mn")
