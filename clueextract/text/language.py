"""Text language identification for short sign-like strings, script first.

Why script first: a statistical detector on a two-word sign is easily fooled, while
the Unicode script of the letters is certain. Thai, Hangul, kana, Greek, Hebrew,
Georgian ... each belong to one language, so they are decided without a model.
Only within scripts shared by many languages (Latin, Cyrillic, Arabic, Devanagari,
Han) is a statistical backend asked, and only to choose among the *candidate*
languages (those of the active language packs) written in that script. That keeps
memory small (lingua with all 75 languages costs ~1.25 GB) and accuracy high: a
detector cannot confuse Indonesian with Slovak when Slovak is not a candidate.

Backends: lingua-language-detector 2.1.1 (default; see benchmarks/langid_compare.py
for the measurement behind that) or langdetect 1.0.9, seeded and restricted to the
candidates through its prior map (its output is otherwise random across runs).

A candidate the backend cannot score (lingua has no Nepali) is not silently dropped:
words only that language writes (data/language_markers.json: Nepali छ, यो, पसल,
-नुहोस् ...) decide it; without them the backend's pick among the other candidates is
capped at UNSCORED_CAP and the unscored language is listed as an alternative. Measured
on 60 short sign texts written for the purpose (20 each Nepali, Hindi, Marathi; the
strings are in tests/test_packs_new_scripts.py): lingua alone (hi, mr) 0/20 Nepali,
17/20 Hindi, 20/20 Marathi; langdetect with the three as candidates 18/20, 17/20, 18/20
but 4 of 40 Hindi/Marathi texts called Nepali at 0.7-1.0 ("नगर निगम दिल्ली", "डाकघर");
markers then lingua: 14/20 Nepali, 17/20, 20/20, no Hindi or Marathi text called Nepali.
Of the texts lingua then calls Hindi, 17 of 20 are Hindi (3 are Nepali without markers),
which is what the 0.8 cap says.
"""
from __future__ import annotations

import hashlib
import importlib.metadata
import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, Optional

import regex
from babel.core import get_global

from clueextract import loadclock
from clueextract.records import Clue, Source
from clueextract.text.base import TextContext
from clueextract.text.langcheck import box_conflict, doubt, strip_addresses
from clueextract.text.langcountries import countries_for_language, country_languages
from clueextract.text.script import ENGINE as SCRIPT_ENGINE, dominant_script, script_counts, words_in_script

MARKERS_FILE = Path(__file__).resolve().parent.parent / "data" / "language_markers.json"

BACKENDS = ("lingua", "langdetect")
MIN_LETTERS = 3
# One Han character or Hangul syllable is a morpheme or a syllable: "약국" and
# "药店" are whole words ("pharmacy") in two letters.
MIN_LETTERS_SYLLABIC = 2
_SYLLABIC = frozenset({"Hang", "Hani", "Jpan", "Yiii"})
# Scripts shared by many languages: the statistical backend chooses among candidates.
AMBIGUOUS_SCRIPTS = ("Latn", "Cyrl", "Arab", "Deva", "Hani")
# When no candidate uses a non-Latin ambiguous script, still name the likely
# language from this short list (cheap to load); for Latin, say nothing.
FALLBACK = {"Cyrl": ("ru", "uk", "bg", "sr", "mk", "be", "kk", "mn"), "Arab": ("ar", "fa", "ur"),
            "Deva": ("hi", "mr", "ne"), "Hani": ("zh", "ja")}
# Scripts that decide the language by themselves.
SCRIPT_LANGUAGE = {
    "Thai": "th", "Hang": "ko", "Jpan": "ja", "Hira": "ja", "Kana": "ja", "Grek": "el",
    "Hebr": "he", "Geor": "ka", "Armn": "hy", "Laoo": "lo", "Khmr": "km", "Mymr": "my",
    "Sinh": "si", "Ethi": "am", "Thaa": "dv", "Gujr": "gu", "Guru": "pa", "Taml": "ta",
    "Telu": "te", "Knda": "kn", "Mlym": "ml", "Orya": "or", "Beng": "bn", "Tibt": "bo",
    "Bopo": "zh", "Mong": "mn", "Cher": "chr", "Cans": "iu", "Tfng": "zgh", "Yiii": "ii",
    "Syrc": "syr", "Olck": "sat",
}
SCRIPT_CONFIDENCE = 0.95  # Thai letters are Thai language (rarely Pali, Isan, Northern Thai)
SINGLE_CANDIDATE_CONFIDENCE = 0.6  # only one candidate uses the script: untested alternative
MARKER_CONFIDENCE = 0.85  # a word only this language writes (language_markers.json)
UNSCORED_CAP = 0.8  # the backend's pick when a candidate it cannot score may still be the language
LANGUAGE_STRENGTH = 0.3  # total country-vote strength of a confident language clue
# Kana-free Han text: lingua's rule engine (and langdetect) call it Chinese with
# certainty, yet kanji-only Japanese signs are common (禁煙, 非常口, 駐車場). Cap the
# Chinese confidence when Japanese is a candidate, and decide Japanese outright when
# a character appears in a form only Japanese uses (shinjitai/kokuji that differ from
# both Simplified and Traditional Chinese: 薬 not 药/藥, 営 not 营/營, 駅, 円 ...).
HAN_ONLY_CONFIDENCE = 0.8
JAPANESE_ONLY_HAN = frozenset(
    "薬営駅円売読広図発鉄楽県険験桜歩渋沢辺変黒込働畑々総軽転伝価関済経実庁気"
)
# Letters only Vietnamese uses among the Latin-script languages lingua knows (ơ, ư and
# the stacked tone/vowel marks of U+1EA0-U+1EF9, less Yoruba's ẹ/ọ). lingua 2.1.1 does
# not use them as a rule: "Chợ hải sản" came out German, "Rửa xe" Portuguese.
VIETNAMESE_ONLY = frozenset("ƠơƯư" + "".join(
    chr(c) for c in range(0x1EA0, 0x1EFA) if c not in (0x1EB8, 0x1EB9, 0x1ECC, 0x1ECD)))
# Scripts a language is also written in, beyond CLDR's likely script.
_EXTRA_SCRIPTS = {"ja": ("Hani",), "sr": ("Latn",), "pa": ("Arab",), "uz": ("Cyrl",),
                  "az": ("Cyrl",), "kk": ("Latn",), "ms": ("Arab",), "mn": ("Mong",)}
_SCRIPT_NORMAL = {"Hans": "Hani", "Hant": "Hani", "Kore": "Hang"}
_CODE_NORMAL = {"iw": "he", "in": "id", "fil": "tl", "zh-cn": "zh", "zh-tw": "zh", "no": "nb"}


@dataclass
class LanguageGuess:
    """A language decision: ISO 639-1 (else 639-3) code, confidence 0..1, up to
    three runner-ups, and how it was decided ("script", "lingua", "langdetect")."""

    code: str
    confidence: float
    alternatives: list[tuple[str, float]] = field(default_factory=list)
    method: str = "script"  # "script", "words" (language_markers.json), or the backend's name
    script: Optional[str] = None  # the dominant ISO 15924 script of the text


def normalize_code(code: str) -> str:
    """Canonical language code: lower-case base, legacy and CLDR aliases folded
    ('zh_Hant' -> 'zh', 'fil' -> 'tl', 'iw' -> 'he')."""
    code = code.strip().lower().replace("_", "-")
    code = _CODE_NORMAL.get(code, code)
    return _CODE_NORMAL.get(code.split("-")[0], code.split("-")[0])


def language_scripts(code: str) -> frozenset[str]:
    """Scripts a language is written in: CLDR likely script plus known second scripts."""
    likely = get_global("likely_subtags").get(code, "")
    parts = likely.split("_")
    scripts = {p for p in parts[1:] if len(p) == 4}
    scripts = {_SCRIPT_NORMAL.get(s, s) for s in scripts}
    if "Jpan" in scripts:
        scripts.add("Hani")
    scripts.update(_EXTRA_SCRIPTS.get(code, ()))
    return frozenset(scripts)


@lru_cache(maxsize=512)
def country_scripts(cc: str) -> frozenset[str]:
    """Scripts a country writes: those of its languages (langcountries.country_languages)."""
    out: set[str] = set()
    for lang in country_languages(cc):
        out |= language_scripts(lang)
    return frozenset(out)


@lru_cache(maxsize=1)
def language_markers() -> tuple[dict[str, Any], str]:
    """(parsed language_markers.json, its SHA-256)."""
    raw = MARKERS_FILE.read_bytes()
    return json.loads(raw), hashlib.sha256(raw).hexdigest()


def marked_language(text: str, script: str, codes: Iterable[str]) -> Optional[str]:
    """The one language among `codes` whose marker words (language_markers.json) `text`
    holds for `script`, or None (no marker, or markers of two languages)."""
    data, _ = language_markers()
    words = [w for w in words_in_script(text, script).split() if w]
    hits = set()
    for code in codes:
        entry = data["languages"].get(code)
        if entry is None or entry["script"] != script:
            continue
        vocab = frozenset(entry["words"])
        if any(w in vocab or any(w.endswith(e) and len(w) > len(e) for e in entry["endings"]) for w in words):
            hits.add(code)
    return hits.pop() if len(hits) == 1 else None


def _version(dist: str) -> str:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


class _Lingua:
    """One lingua detector per script group, built from that group's candidates only."""

    def __init__(self, preload: bool) -> None:
        import lingua  # noqa: PLC0415 (lingua ~0.1 s: only when this backend is chosen)

        self._lingua = lingua
        self._preload = preload
        self.engine = f"lingua {_version('lingua-language-detector')}"
        self._by_code = {lang.iso_code_639_1.name.lower(): lang for lang in lingua.Language.all()}
        self._detectors: dict[tuple[str, ...], object] = {}
        self._used: set[tuple[str, ...]] = set()  # groups whose models a call has loaded

    def supported(self, codes: Iterable[str]) -> list[str]:
        return sorted(c for c in codes if c in self._by_code)

    def prepare(self, codes: tuple[str, ...]) -> None:
        if len(codes) >= 2 and codes not in self._detectors:
            builder = self._lingua.LanguageDetectorBuilder.from_languages(*(self._by_code[c] for c in codes))
            if self._preload:
                builder = builder.with_preloaded_language_models()
            self._detectors[codes] = builder.build()

    def rank(self, text: str, codes: tuple[str, ...]) -> list[tuple[str, float]]:
        self.prepare(codes)
        detector = self._detectors[codes]
        if codes in self._used or self._preload:
            values = detector.compute_language_confidence_values(text)
        else:  # lingua loads the group's models on its first call (11 Latin-script languages: ~3 s)
            with loadclock.loading(f"lingua models ({', '.join(codes)})"):
                values = detector.compute_language_confidence_values(text)
            self._used.add(codes)
        return [(v.language.iso_code_639_1.name.lower(), float(v.value)) for v in values]


class _LangDetect:
    """langdetect with a private, seeded factory; candidates enforced by prior map."""

    def __init__(self) -> None:
        from langdetect.detector_factory import PROFILES_DIRECTORY, DetectorFactory  # noqa: PLC0415 (langdetect: optional backend)

        self._factory = DetectorFactory()
        self._factory.load_profile(PROFILES_DIRECTORY)
        self._factory.set_seed(0)  # langdetect samples n-grams at random: seed or lose determinism
        self.engine = f"langdetect {_version('langdetect')}"
        self._raw: dict[str, list[str]] = {}  # "zh" -> ["zh-cn", "zh-tw"]
        for raw in self._factory.get_lang_list():
            self._raw.setdefault(normalize_code(raw), []).append(raw)

    def supported(self, codes: Iterable[str]) -> list[str]:
        return sorted(c for c in codes if c in self._raw)

    def prepare(self, codes: tuple[str, ...]) -> None:
        return None

    def rank(self, text: str, codes: tuple[str, ...]) -> list[tuple[str, float]]:
        from langdetect.lang_detect_exception import LangDetectException  # noqa: PLC0415 (as above)

        prior = {raw: 1.0 for code in codes for raw in self._raw[code]}
        detector = self._factory.create()
        detector.set_prior_map(prior)
        detector.append(text.lower())  # its n-gram profiles are lower-case text; signs are often CAPS
        try:
            probs = detector.get_probabilities()
        except LangDetectException:  # no usable features
            return []
        merged: dict[str, float] = {}
        for p in probs:
            code = normalize_code(p.lang)
            merged[code] = merged.get(code, 0.0) + float(p.prob)
        return sorted(merged.items(), key=lambda kv: -kv[1])


class LanguageIdentifier:
    """Build once per worker; `identify()` many short strings.

    candidates: ISO 639-1 codes the case may contain (from the active language packs);
    "zh" covers Simplified and Traditional. backend: "lingua" (default) or "langdetect".
    preload: load lingua's models now instead of on first use (steadier latency). Models are
    not loaded in a background thread: lingua 2.1.1 holds the GIL while it loads (11 Latin-script
    languages: 1.5 CPU s, 230 MB), so such a load overlapped nothing (text/extract.py)."""

    def __init__(self, candidates: Iterable[str], backend: str = "lingua", preload: bool = False) -> None:
        if backend not in BACKENDS:
            raise ValueError(f"unknown language-ID backend {backend!r}; choose from {BACKENDS}")
        self.candidates = tuple(sorted({normalize_code(c) for c in candidates if c and c.strip()}))
        self.backend = backend
        self._impl: _Lingua | _LangDetect = _Lingua(preload) if backend == "lingua" else _LangDetect()
        self.engine = self._impl.engine
        self._groups: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {}
        for script in AMBIGUOUS_SCRIPTS:
            users = tuple(c for c in self.candidates if script in language_scripts(c))
            pool = users or FALLBACK.get(script, ())
            supported = tuple(self._impl.supported(pool))
            unscored = tuple(c for c in users if c not in supported)  # e.g. Nepali for lingua
            self._groups[script] = (users, supported, unscored)
            self._impl.prepare(supported)

    def identify(self, text: str) -> Optional[LanguageGuess]:
        """The language of `text`, or None (fewer than 3 letters - 2 for Han/Hangul/kana -
        or no language to choose for its script).

        Order: the dominant script decides alone when it belongs to one language
        (Thai, Hangul, kana, Greek ...; regardless of candidates, since the letters
        are certain); Vietnamese-only letters decide Vietnamese; otherwise the
        candidates written in that script are asked through the backend. One such
        candidate only: it is returned at confidence 0.6 (nothing was compared). No
        candidate: the FALLBACK list for Cyrillic/Arabic/Devanagari/Han, None for
        Latin. Confidence is the backend's probability times the script's share of
        the letters. A candidate the backend cannot score (Nepali for lingua) is decided
        by its marker words when the text holds one; otherwise it caps the backend's
        answer at UNSCORED_CAP and is listed among the alternatives."""
        counts = script_counts(text)
        total = sum(counts.values())
        if not total:
            return None
        script, n = dominant_script(counts)
        if n < (MIN_LETTERS_SYLLABIC if script in _SYLLABIC else MIN_LETTERS):
            return None
        share = n / total
        others = [(SCRIPT_LANGUAGE[s], round(SCRIPT_CONFIDENCE * c / total, 4))
                  for s, c in counts.most_common() if s != script and s in SCRIPT_LANGUAGE]
        if script not in AMBIGUOUS_SCRIPTS:
            code = SCRIPT_LANGUAGE.get(script)
            if code is None:
                return None
            users = [c for c in self.candidates if script in language_scripts(c)]
            if code not in users and len(users) == 1:
                code = users[0]  # e.g. Assamese pack and Bengali-Assamese script
            return LanguageGuess(code, round(SCRIPT_CONFIDENCE * share, 4), others[:3], "script", script)
        if script == "Latn" and any(ch in VIETNAMESE_ONLY for ch in text):
            return LanguageGuess("vi", round(SCRIPT_CONFIDENCE * share, 4), others[:3], "script", script)
        users, supported, unscored = self._groups[script]
        if unscored:
            marked = marked_language(text, script, unscored)
            if marked is not None:
                rest = [c for c in users if c != marked]
                alts = [(c, round((1 - MARKER_CONFIDENCE) * share / len(rest), 4)) for c in rest[:3]]
                return LanguageGuess(marked, round(MARKER_CONFIDENCE * share, 4), (alts + others)[:3], "words", script)
        # what the unscored candidates keep when the backend names another language
        unscored_alts = [(c, round((1 - UNSCORED_CAP) * share / len(unscored), 4)) for c in unscored]
        if len(supported) < 2:
            pool = supported or users
            if len(pool) != 1:
                return None
            alts = [a for a in unscored_alts if a[0] != pool[0]]
            conf = min(SINGLE_CANDIDATE_CONFIDENCE, UNSCORED_CAP) if alts else SINGLE_CANDIDATE_CONFIDENCE
            return LanguageGuess(pool[0], round(conf * share, 4), (alts + others)[:3], "script", script)
        han_ja = script == "Hani" and "ja" in supported and "zh" in supported
        if han_ja and any(ch in JAPANESE_ONLY_HAN for ch in text):
            return LanguageGuess("ja", round(HAN_ONLY_CONFIDENCE * share, 4),
                                 [("zh", round((1 - HAN_ONLY_CONFIDENCE) * share, 4))], "script")
        part = words_in_script(text, script) if share < 1.0 else text
        ranked = [(c, p) for c, p in self._impl.rank(part, supported) if p > 0]
        if not ranked:
            return None
        if han_ja and ranked[0][0] == "zh" and ranked[0][1] > HAN_ONLY_CONFIDENCE:
            ranked = [("zh", HAN_ONLY_CONFIDENCE), ("ja", 1 - HAN_ONLY_CONFIDENCE)] + [
                r for r in ranked[1:] if r[0] != "ja"]
        code, p = ranked[0]
        alts = [(c, round(q * share, 4)) for c, q in ranked[1:4] if q >= 0.01]
        if unscored:
            p = min(p, UNSCORED_CAP)
            alts = sorted(alts + unscored_alts, key=lambda a: -a[1])
        return LanguageGuess(code, round(p * share, 4), (alts + others)[:3], self.backend, script)


def held_back(guess: LanguageGuess, text: str, box_script: Optional[dict[str, Any]] = None) -> Optional[str]:
    """Why `guess` is not made a clue (clueextract/text/langcheck.py), or None.

    The letters decide a script of one language, Vietnamese tone letters, marker words and
    Japanese-only kanji; every other guess in a shared script (the backend's, or the only
    candidate's) must pass langcheck.doubt. Any guess must fit the OCR box's script."""
    why = box_conflict(guess.code, language_scripts(guess.code), box_script)
    if why:
        return why
    by_letters = guess.method == "words" or (guess.code == "vi" and any(ch in VIETNAMESE_ONLY for ch in text))
    if by_letters or guess.script not in AMBIGUOUS_SCRIPTS:
        return None
    # CLDR's shares, not the script's entry: the margin rule was fitted on them, and a wrong
    # Devanagari language (Hindi for Marathi) moves no country that the script does not already
    votes = countries_for_language(guess.code, 1.0)
    concentration = votes[0].weight if votes else 0.0
    return doubt(guess.code, guess.script, guess.confidence, guess.alternatives, text, concentration)


def language_clue(text: str, ctx: TextContext, identifier: LanguageIdentifier,
                  box_script: Optional[dict[str, Any]] = None) -> Optional[Clue]:
    """A `text_language` clue with weak CLDR country votes, or None: also when the guess is
    too uncertain to be evidence (`held_back`). URLs, e-mail addresses and file names are
    left out of the text first. box_script: the OCR line's script as the line-script
    classifier named it ({"class": "Latn", "p": 0.93}), when known."""
    text = strip_addresses(text)
    guess = identifier.identify(text)
    if guess is None or held_back(guess, text, box_script):
        return None
    engine = SCRIPT_ENGINE if guess.method in ("script", "words") else identifier.engine
    model, sha = (MARKERS_FILE.name, language_markers()[1]) if guess.method == "words" else (None, None)
    return Clue(
        kind="text_language",
        value=guess.code,
        normalized=guess.code,
        confidence=guess.confidence,
        source=Source(stage="text", engine=engine, model=model, model_sha256=sha),
        locator=dict(ctx.locator),
        language=guess.code,
        countries=countries_for_language(guess.code, LANGUAGE_STRENGTH * guess.confidence, script=guess.script),
        extra={"alternatives": [[c, p] for c, p in guess.alternatives], "method": guess.method},
    )


_KANA = regex.compile(r"[\p{Script=Hiragana}\p{Script=Katakana}]")


def set_aside_han_in_japanese_items(clues: list[Clue]) -> int:
    """Item pass: in an item with a line holding kana, a Chinese guess for a kana-free Han
    line ('専門', '(五十音順)' on a Japanese magazine page) is most likely Japanese kanji; its
    votes are set aside (listed, not counted). Returns how many."""
    if not any(c.kind == "ocr_text" and _KANA.search(c.value) for c in clues):
        return 0
    n = 0
    for c in clues:
        if c.kind == "text_language" and c.value == "zh" and c.countries:
            c.set_aside("a Han line without kana in an item whose other lines are Japanese: "
                        "most likely Japanese kanji, not Chinese")
            n += 1
    return n
