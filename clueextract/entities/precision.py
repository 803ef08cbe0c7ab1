"""Is a matched place or brand name really a name here, or an ordinary word of the text?

Why: a gazetteer of 300k names and a brand index of 40k names hold thousands of ordinary
words ("Deal" is a town in Kent, "The Gap" a suburb of Brisbane, "turn" an alternate name
of Angren, "Halle" a German city and the German for hall, "Can Do" a Japanese shop chain,
`中間` the town Nakama). On real recordings these led the ranking (issue 15: Uzbekistan
first for a London recording). A string match alone is not evidence; this module decides,
after the matchers ran, which place/brand/organisation clues of one line count.

How:
- Commonness from `wordfreq` (wordfreqs.py): the Zipf frequency of the matched name in the languages the text may be in (a transcript:
  the spoken language; an OCR line: its identified language, else every active pack's
  language that writes the name's script; Latin names also in English). A place name is
  common when its frequency is higher than the place's population prior explains
  ("munich" is frequent in English because Munich is big; "deal" is not frequent because
  Deal is). Brands have no population: a frequency threshold decides. Every number is data:
  clueextract/data/entity_precision.json, with the measurements behind it.
- Speech transcripts get the strict rules: a common name never counts; a name in a cased
  script must be capitalised by the recogniser (or be a large place); a short name in a
  script without case needs a large place; no OCR-repair or accent-folded matches.
- Signs and labels: a common name counts only when the line says it is a name: it is the
  whole line (a name board or logo), it is capitalised inside a mixed-case line, or a
  postal code, address word, legal form or another place stands next to it. It then keeps
  a lower confidence and `extra.name_check` says why it was kept.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Optional, Sequence

import regex

from ..records import Clue, CountryVote
from ..text.base import TextContext
from ..text.langcountries import country_languages
from ..text.language import country_scripts
from .gazetteer import normalize
from .wordfreqs import home_languages, name_script, wordfreq_languages, zipf

SETTINGS_PATH = Path(__file__).resolve().parent.parent / "data" / "entity_precision.json"
CHECKED_KINDS = frozenset({"place", "brand", "organization"})
CONTEXT_KINDS = frozenset({"address_term", "legal_form"})

_CASED = regex.compile(r"[\p{Script=Latin}\p{Script=Cyrillic}\p{Script=Greek}\p{Script=Armenian}]")
_WORD = regex.compile(r"[\p{L}\p{M}][\p{L}\p{M}'\u2019.\-]*")
_POSTAL = regex.compile(r"(?<![\p{N}\p{L}])\p{N}{4,6}(?![\p{N}\p{L}])")
_SENTENCE_END = frozenset(".!?:;。！？\n")


@dataclass(frozen=True)
class OcrRules:
    also_english_for_latin: bool = True
    rescue_by_standalone: bool = True
    rescue_by_case: bool = True
    rescue_by_context: bool = True
    context_gap_chars: int = 3
    standalone_min_prior: float = 100_000
    standalone_max_zipf: float = 5.0
    noun_capitalising_languages: tuple[str, ...] = ("de", "lb")
    rescued_confidence_factor: float = 0.8


@dataclass(frozen=True)
class SpeechRules:
    min_prior_lowercase: float = 1_000_000
    uncased_min_chars: int = 3
    uncased_min_prior: float = 300_000
    brand_min_chars: int = 4
    allcaps_min_prior: float = 1_000_000
    address_word_needs_name: bool = True


@dataclass(frozen=True)
class PrecisionSettings:
    """The numbers of clueextract/data/entity_precision.json (documented there)."""

    wordlist: str = "small"
    max_common_words: int = 3
    multiword_discount: float = 0.5
    place_common_zipf: float = 3.5
    fame_margin: float = 0.7
    foreign_fame_margin: float = 1.7
    home_language_min_percent: float = 50
    short_brand_chars: int = 3
    inner_han_short_min_prior: float = 1_000_000
    short_alternate_chars: int = 3
    person_titles: frozenset[str] = frozenset()
    street_words_before: frozenset[str] = frozenset()
    street_words_after: frozenset[str] = frozenset()
    short_alternate_min_prior: float = 100_000
    place_suffixes: str = ""
    brand_common_zipf: float = 4.0
    subdivision_fame_prior: float = 2_000_000
    subdivision2_fame_prior: float = 300_000
    ocr: OcrRules = field(default_factory=OcrRules)
    speech: SpeechRules = field(default_factory=SpeechRules)
    language_aliases: dict[str, str] = field(default_factory=dict)
    default_languages_by_script: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path = SETTINGS_PATH) -> "PrecisionSettings":
        d = json.loads(Path(path).read_text(encoding="utf-8"))
        plain = {k: v for k, v in d.items() if not k.startswith("_") and k not in
                 ("version", "ocr", "speech", "language_aliases", "default_languages_by_script")}
        ocr = {k: v for k, v in d.get("ocr", {}).items() if not k.startswith("_")}
        if "noun_capitalising_languages" in ocr:
            ocr["noun_capitalising_languages"] = tuple(ocr["noun_capitalising_languages"])
        speech = {k: v for k, v in d.get("speech", {}).items() if not k.startswith("_")}
        for words in ("person_titles", "street_words_before", "street_words_after"):
            if words in plain:
                plain[words] = frozenset(t.casefold() for t in plain[words])
        return cls(**plain, ocr=OcrRules(**ocr), speech=SpeechRules(**speech),
                   language_aliases=dict(d.get("language_aliases", {})),
                   default_languages_by_script={k: tuple(v) for k, v in
                                                d.get("default_languages_by_script", {}).items()})


@lru_cache(maxsize=1)
def default_settings() -> PrecisionSettings:
    return PrecisionSettings.load()


# -- the check ------------------------------------------------------------------------------

@dataclass
class _Cand:
    clue: Clue
    start: int
    end: int
    key: str
    words: int
    common: Optional[tuple[str, float]] = None   # (language, zipf) when an ordinary word
    weak: Optional[str] = None                   # a match that needs context whatever its frequency
    exonym: Optional[str] = None                 # a place written in a script its country does not write
    other_name: Optional[str] = None             # a brand match that names a street or another business


_FRAGMENT_CASE = regex.compile(r"\p{Ll}\p{Lu}(?!\p{L})")


def exonym(clue: Clue, value: str) -> Optional[str]:
    """Why a place clue is a foreign name for the place, or None: written in a script other than
    Latin that none of its countries writes ('हमा', a Hindi OCR fragment, is Hama in Syria's
    Hindi alternate name; a Korean '도쿄' is Tokyo). Such a match is either noise in a local
    script or a mention of a place abroad, never evidence that the text is there; it is dropped.
    Country names are left to the mention rules (places.py), Latin to the other rules (pinyin
    and romanised names are written everywhere)."""
    if clue.kind != "place" or clue.extra.get("place_kind") == "country":
        return None
    script = name_script(value)
    if script in (None, "Latn"):
        return None
    wanted = {"Hani", "Jpan"} if script in ("Hani", "Jpan") else {script}
    ccs = sorted({v.country for v in clue.countries})
    if not ccs or any(wanted & country_scripts(cc) for cc in ccs):
        return None
    return f"{script} script, which {', '.join(ccs)} does not write"


class NameCheck:
    """Built once per worker from the active packs' languages; `filter` runs per line."""

    def __init__(self, pack_languages: Iterable[tuple[str, Sequence[str]]] = (),
                 settings: Optional[PrecisionSettings] = None) -> None:
        self.settings = settings or default_settings()
        by_script: dict[str, list[str]] = {}
        for lang, scripts in pack_languages:
            code = self._lang(lang)
            if code is None:
                continue
            for s in scripts:
                for key in ({"Jpan": ("Jpan", "Hani"), "Hani": ("Hani",)}.get(s, (s,))):
                    if code not in by_script.setdefault(key, []):
                        by_script[key].append(code)
        self.by_script = {k: tuple(v) for k, v in by_script.items()}

    def _lang(self, lang: Optional[str]) -> Optional[str]:
        if not lang:
            return None
        code = self.settings.language_aliases.get(lang.lower(), lang.lower())
        return code if code in wordfreq_languages() else None

    def languages(self, name: str, ctx: TextContext, speech: bool) -> tuple[str, ...]:
        """The languages whose ordinary words `name` is checked against."""
        script = name_script(name)
        code = self._lang(ctx.language)
        if script in ("Hani", "Jpan"):
            # Han names are read in Chinese and Japanese alike (the characters are shared, and
            # language identification takes a kanji-only Japanese line for Chinese)
            han = self.settings.default_languages_by_script.get(script, ())
            return tuple(dict.fromkeys(([code] if code else []) + list(han)))
        if speech or code:
            return (code,) if code else ()
        out = list(self.by_script.get(script or "", ())
                   or self.settings.default_languages_by_script.get(script or "", ()))
        if script == "Latn" and self.settings.ocr.also_english_for_latin and "en" not in out:
            out.append("en")
        return tuple(out)

    def commonness(self, key: str, words: int, langs: Iterable[str], places: Sequence[dict],
                   prior: Optional[float], brand: bool, alternate: bool = False,
                   lowercase: bool = False) -> Optional[tuple[str, float]]:
        """(language, zipf) when `key` is an ordinary word or phrase of the text, else None.

        Per checked language: a place's population prior may explain a frequent name - with
        fame_margin in a language of the place's own country, foreign_fame_margin elsewhere
        ("munich" in English) - but never a frequent *alternate* name in a foreign language
        ("turn" for Angren, "fala" for France, `中間` for Nakama), and never a name written in
        lower case ("salta" in a sentence). Where several languages are checked (an OCR line of
        unknown language) the name is judged in the language it is most frequent in."""
        s = self.settings
        if words > s.max_common_words:
            return None
        freqs = [(lang, zipf(key, lang, s.wordlist)) for lang in langs]
        if len(freqs) > 1 and name_script(key) not in ("Hani", "Jpan"):
            # language unknown: read the name in the language it is most frequent in. (Not for
            # Han: Chinese and Japanese share the characters, so a name of one country's
            # language is judged in that language: `北海道` is Japanese whatever its Chinese use.)
            freqs = [max(freqs, key=lambda x: x[1])]
        common: list[tuple[str, float]] = []
        for lang, z0 in freqs:
            z = z0 - s.multiword_discount * (words - 1)
            if not z0 or z < (s.brand_common_zipf if brand else s.place_common_zipf):
                continue
            if not brand and not lowercase:
                if any(lang in home_languages(p.get("country", ""), s.home_language_min_percent)
                       and math.log10(max(1.0, self._prior_of(p))) >= z + s.fame_margin for p in places):
                    return None  # a name in its own country's language: the text may be in it
                if not alternate and prior and math.log10(prior) >= z + s.foreign_fame_margin:
                    continue
            common.append((lang, z0))
        return max(common, key=lambda x: x[1]) if common else None

    def _prior_of(self, p: dict) -> float:
        s = self.settings
        if p.get("kind") == "subdivision":
            return s.subdivision2_fame_prior if p.get("type") == "second-level subdivision" else s.subdivision_fame_prior
        return float(p.get("population") or 0)

    def place_prior(self, clue: Clue) -> float:
        return max((self._prior_of(p) for p in clue.extra.get("places", ())), default=0.0)

    def _weak_match(self, text: str, cand: _Cand, prior: float, speech: bool) -> Optional[str]:
        """Why a match is weak by its form alone, or None: lower case in a line with capitals
        (signs), an accent-less match in a line whose accents were read ("Sänger ... über"),
        an alternate name matched only by OCR repair ("THANH TIEN" for Thanh Viễn), an
        alternate name of three letters for a small place (`ددن` in Arabic
        OCR noise is Al-Ula's old name; `دبي` for Dubai counts), or two Han characters inside a
        longer run that name no large place and are not followed by a place suffix (`裾野拡大`)."""
        c = cand.clue
        value = text[cand.start:cand.end]
        if not speech and _CASED.search(value) and not any(ch.isupper() for ch in value) \
                and any(ch.isupper() for ch in text) and not c.extra.get("pack"):
            return "written in lower case in a line with capitals"
        if c.kind != "place":
            if c.extra.get("fuzzy") and not c.extra.get("pack"):  # 'KITCHN' (kitchen) for Kitch'n, Norway
                return "an OCR-repaired match to a brand outside the language packs"
            return None
        if not speech and _FRAGMENT_CASE.search(value):
            return "a word ending in one capital after small letters ('ChíA'): an OCR fragment"
        before = _WORD.findall(text[max(0, cand.start - 40):cand.start])[-2:]
        title = next((w for w in before if w.casefold().rstrip(".") in self.settings.person_titles), None)
        if title:
            return f"a person's name (after '{title}')"  # "Herr Bertin", "Frau Doris Kalka"
        how = c.extra.get("match")
        if how == "folded" and not speech and value.isascii() and not text.isascii() \
                and any(ch.isalpha() and not ch.isascii() and _CASED.match(ch) for ch in text):
            return "matched without accents in a line whose accents were read"  # "Kalka" beside "über"
        if how in ("fuzzy", "ocr") and self._is_alternate(c):
            return "an OCR-tolerant match to an alternate name"
        if len(cand.key.replace(" ", "")) <= self.settings.short_alternate_chars and \
                prior < self.settings.short_alternate_min_prior and self._is_alternate(c):
            return "a short alternate name of a small place"
        if how == "inner" and len(cand.key) == 2 and name_script(cand.key) == "Hani" \
                and prior < self.settings.inner_han_short_min_prior:
            nxt = text[cand.end:cand.end + 1]
            if not nxt or nxt not in self.settings.place_suffixes:
                return "two Han characters inside a longer run"
        return None

    def street_name(self, text: str, cand: _Cand) -> Optional[str]:
        """Why a brand/organisation match is the name of a street, or None: a capitalised street
        word stands right before it ('Av. Madero', 'Calle Oxxo') or right after it ('Primrose
        Street'), with nothing but spaces and punctuation between (the words are data)."""
        gap = self.settings.ocr.context_gap_chars
        for m, words, where in ((_word_before(text, cand, gap), self.settings.street_words_before, "after"),
                                (_word_after(text, cand, gap), self.settings.street_words_after, "before")):
            if m is not None and m.group()[0].isupper() and m.group().casefold().rstrip(".") in words:
                return f"a street's name ({where} '{m.group()}')"
        return None

    def other_business(self, text: str, cand: _Cand) -> Optional[str]:
        """Why a brand matched by a short form of its name is another business's name, or None: the
        brand's name is longer than what matched ('Primrose' for Primrose School) and the line goes
        on with a capitalised word that is not the brand's next word ('Primrose Corner Shop', a
        London corner shop, is no US kindergarten chain)."""
        full = normalize(str(cand.clue.extra.get("brand") or cand.clue.normalized or ""))
        if not full.startswith(cand.key + " ") or cand.clue.extra.get("pack"):
            return None
        nxt = _word_after(text, cand, self.settings.ocr.context_gap_chars)
        if nxt is None or not nxt.group()[0].isupper() or normalize(nxt.group()) == full[len(cand.key) + 1:].split(" ")[0]:
            return None
        return f"another business's name ('{text[cand.start:nxt.end()]}', not {cand.clue.extra.get('brand')})"

    @staticmethod
    def _is_alternate(clue: Clue) -> bool:
        key = clue.extra.get("matched", "")
        return not any(normalize(p.get("name", "")) == key for p in clue.extra.get("places", ()))

    def filter(self, text: str, clues: list[Clue], ctx: TextContext, speech: bool = False) -> list[Clue]:
        """The clues of one line that pass; place/brand/organisation clues that fail are dropped."""
        cands: dict[int, _Cand] = {}
        for i, c in enumerate(clues):
            if c.kind not in CHECKED_KINDS or not c.extra.get("span") or c.extra.get("global"):
                continue  # (a global brand gives no vote: it only claims its span)
            s, e = c.extra["span"]
            key = c.extra.get("matched") or normalize(c.value)
            words = 1 if name_script(key) in ("Hani", "Jpan", "Thai") else max(1, len(key.split()))
            cand = _Cand(c, s, e, key, words)
            brand = c.kind != "place"
            prior = None if brand else self.place_prior(c)
            value = text[s:e]
            # on a sign, a name written in lower case is not explained by the place's size
            # ("salta" in a sentence); speech has its own lower-case rule (min_prior_lowercase)
            lowercase = not speech and bool(_CASED.search(value)) and not any(ch.isupper() for ch in value)
            alternate = not brand and self._is_alternate(c)
            langs = self.languages(key, ctx, speech)
            cand.common = self.commonness(key, words, langs, c.extra.get("places", ()), prior, brand,
                                          alternate, lowercase)
            written = normalize(value)
            if cand.common is None and written != key:  # matched without accents: "Sänger" is Sanger
                cand.common = self.commonness(written, words, langs, c.extra.get("places", ()), prior,
                                              brand, alternate, lowercase)
            if cand.common is None and brand and words == 1 and len(key) <= self.settings.short_brand_chars \
                    and _CASED.search(key):
                cand.common = ("", 0.0)  # a three-letter name is an acronym of many things: needs a sign of a name
            cand.weak = self._weak_match(text, cand, prior or 0.0, speech)
            cand.exonym = None if brand else exonym(c, value)
            cand.other_name = (self.street_name(text, cand) or self.other_business(text, cand)) if brand else None
            cands[i] = cand
        out: list[Clue] = []
        for i, c in enumerate(clues):
            cand = cands.get(i)
            if speech and c.kind == "address_term" and self.settings.speech.address_word_needs_name \
                    and not _spoken_address(text, c):
                continue
            if cand is None:
                out.append(c)
            elif cand.exonym or cand.other_name:
                continue
            elif speech:
                if self._speech_ok(text, cand):
                    out.append(c)
            elif self._ocr_ok(text, cand, clues, cands):
                out.append(c)
        return out

    # -- speech -----------------------------------------------------------------------------

    def _speech_ok(self, text: str, cand: _Cand) -> bool:
        r = self.settings.speech
        c = cand.clue
        if cand.common is not None or cand.weak is not None:
            return False
        if c.extra.get("fuzzy") or c.extra.get("match") in ("folded", "ocr", "fuzzy"):
            return False
        value = text[cand.start:cand.end]
        prior = self.place_prior(c) if c.kind == "place" else 0.0
        if _CASED.search(value):
            if c.kind != "place" and len(cand.key) < r.brand_min_chars:
                return False
            if c.kind == "place" and value.isupper() and len(value) > 1:
                return prior >= r.allcaps_min_prior  # Whisper's capitals spell letters: "VA, LAMI, GDA"
            return any(ch.isupper() for ch in value) or prior >= r.min_prior_lowercase
        if c.kind == "place":
            return len(cand.key) >= r.uncased_min_chars or prior >= r.uncased_min_prior
        return len(cand.key) >= r.uncased_min_chars

    # -- signs and labels --------------------------------------------------------------------

    def _ocr_ok(self, text: str, cand: _Cand, clues: list[Clue], cands: dict[int, _Cand]) -> bool:
        if cand.common is None and cand.weak is None:
            return True
        c = cand.clue
        if cand.common is None or (c.kind != "place" and cand.weak is not None):  # weak by form: only context
            why = self._context(text, cand, clues, cands) if self.settings.ocr.rescue_by_context else None
            if why is None:
                return False
            c.extra["name_check"] = {"weak": cand.weak, "kept_because": why}
            return True
        why = self._rescue(text, cand, clues, cands)
        if why is None:
            return False
        lang, z = cand.common
        factor = self.settings.ocr.rescued_confidence_factor
        c.confidence *= factor
        what = f"also an ordinary word in '{lang}'" if lang else "a short name, also an acronym of many things"
        c.countries = [CountryVote(v.country, round(v.weight * factor, 4), f"{v.reason} ({what}; counted because {why})")
                       for v in c.countries]
        c.extra["name_check"] = {"common_in": lang or None, "zipf": z, "kept_because": why}
        return True

    def _rescue(self, text: str, cand: _Cand, clues: list[Clue], cands: dict[int, _Cand]) -> Optional[str]:
        r = self.settings.ocr
        c = cand.clue
        alternate = c.kind == "place" and self._is_alternate(c)
        if r.rescue_by_context:
            why = self._context(text, cand, clues, cands)
            if why:
                return why
        if alternate:
            return None  # an ordinary word that is only an alternate name of a place: context only
        value = text[cand.start:cand.end]
        capitalised = not _CASED.search(value) or value[:1].isupper()
        big_enough = c.kind != "place" or self.place_prior(c) >= r.standalone_min_prior
        rare_enough = cand.words > 1 or cand.common[1] < r.standalone_max_zipf  # "BOX" alone is a word
        # alone on a line, a word of language L names a place where L is spoken ("Halle" in
        # Germany), not one abroad: a pub's "POOL" is the English word, not the Congolese department
        at_home = c.kind != "place" or not cand.common[0] or any(
            cand.common[0] in country_languages(v.country) for v in c.countries)
        if c.kind != "place" and cand.words == 1 and cand.common[0]:
            at_home = False  # one ordinary word alone on a sign is the word ('EMPIRE' in Hong Kong neon)
        short = c.kind != "place" and cand.words == 1 and len(cand.key) <= self.settings.short_brand_chars
        if short and not value.isupper():
            capitalised = False  # an acronym alone is written in capitals: 'Moe' is a word or a name, not MoE
        if r.rescue_by_standalone and capitalised and big_enough and rare_enough and at_home \
                and _standalone(text, cand.start, cand.end):
            return "it stands alone on its line"
        if short:
            return None  # a short name (acronym): a logo or a legal form, not capitals, shows a brand
        if r.rescue_by_case and self._case_marks_name(text, cand):
            return "it is capitalised inside a lower-case line"
        return None

    def _case_marks_name(self, text: str, cand: _Cand) -> bool:
        value = text[cand.start:cand.end]
        if not _CASED.search(value):
            return False
        if cand.common and cand.common[0] in self.settings.ocr.noun_capitalising_languages and cand.words == 1:
            return False  # German capitalises every noun: "Halle" says nothing
        words = _WORD.findall(value)
        if not words or not all(w[0].isupper() for w in words if len(w) > 3 or w is words[0]):
            return False
        before = text[:cand.start].rstrip()
        if not before or before[-1] in _SENTENCE_END:
            return False  # the first word of a sentence is capitalised anyway
        if self._in_longer_name(text, cand):
            return False
        others = [w for w in _WORD.findall(text[:cand.start] + " " + text[cand.end:]) if _CASED.match(w)]
        return any(w[0].islower() for w in others)  # case is informative only in a mixed-case line

    def _in_longer_name(self, text: str, cand: _Cand) -> bool:
        """The capitalised words go on past the match: it is part of a longer name, whose capitals
        say nothing about it ('Sponsored by PUNJAB NATIONAL BANK' is no Canadian National Bank,
        'te Lloyd G. Smith Boulevard' no Lloyd shoe shop). A brand's own next word continues it."""
        gap = self.settings.ocr.context_gap_chars
        prev, nxt = _word_before(text, cand, gap), _word_after(text, cand, gap)
        # only spaces between: a comma or a dash separates names ('Deal, Kent'; 'Primrose - Corner Shop')
        if prev is not None and prev.group()[0].isupper() and not text[prev.end():cand.start].strip():
            return True
        if nxt is None or not nxt.group()[0].isupper() or text[cand.end:nxt.start()].strip():
            return False
        full = normalize(str(cand.clue.extra.get("brand") or cand.clue.normalized or ""))
        return not full.startswith(f"{cand.key} {normalize(nxt.group())}")

    def _context(self, text: str, cand: _Cand, clues: list[Clue], cands: dict[int, _Cand]) -> Optional[str]:
        gap = self.settings.ocr.context_gap_chars
        lo, hi = max(0, cand.start - gap - 6), min(len(text), cand.end + gap + 6)
        for m in _POSTAL.finditer(text, lo, hi):
            if _near(text, cand.start, cand.end, m.start(), m.end(), gap):
                return f"a postal code ('{m.group()}') stands next to it"
        for i, other in enumerate(clues):
            if other is cand.clue or not other.extra.get("span"):
                continue
            s, e = other.extra["span"]
            if not _near(text, cand.start, cand.end, s, e, gap):
                continue
            if other.kind in CONTEXT_KINDS:
                what = "an address word" if other.kind == "address_term" else "a legal form"
                return f"{what} ('{other.value}') stands next to it"
            oc = cands.get(i)
            if other.kind == "place" and cand.clue.kind == "place" and oc is not None and oc.common is None \
                    and oc.weak is None:
                return f"another place ('{other.value}') stands next to it"
        return None


def _spoken_address(text: str, clue: Clue) -> bool:
    """Whether an address word of a transcript belongs to a spoken address: a number or a
    capitalised name stands right before or after it ("Jalan Ampang", "Abbey Road", "Calle 5";
    spaces only between). In running speech the word is the ordinary noun ("perumahan",
    housing, in Malay news) and says no more than the spoken language does. In a script
    without case only a number shows it."""
    span = clue.extra.get("span")
    if not span:
        return False
    s, e = span
    after = _NEXT_TOKEN.match(text, e)
    before = _PREV_TOKEN.search(text[:s])
    for m in (after, before):
        w = m.group("w") if m else ""
        if w[:1].isdigit() or (w[:1].isupper() and _CASED.match(w)):
            return True
    return False


_NEXT_TOKEN = regex.compile(r" +(?P<w>[\p{L}\p{N}][\p{L}\p{M}\p{N}]*)")
_PREV_TOKEN = regex.compile(r"(?P<w>[\p{L}\p{N}][\p{L}\p{M}\p{N}]*) +$")


def _near(text: str, s1: int, e1: int, s2: int, e2: int, gap: int) -> bool:
    """Spans next to each other, separated by at most `gap` characters that are not letters."""
    if e1 <= s2:
        between = text[e1:s2]
    elif e2 <= s1:
        between = text[e2:s1]
    else:
        return False
    return len(between) <= gap and not any(ch.isalnum() for ch in between)


def _word_before(text: str, cand: _Cand, gap: int) -> Optional[regex.Match]:
    """The word right before the match (only spaces and punctuation between, at most `gap`), or None."""
    words = list(_WORD.finditer(text, max(0, cand.start - 40), cand.start))
    m = words[-1] if words else None
    return m if m is not None and _near(text, cand.start, cand.end, m.start(), m.end(), gap) else None


def _word_after(text: str, cand: _Cand, gap: int) -> Optional[regex.Match]:
    """The word right after the match (only spaces and punctuation between, at most `gap`), or None."""
    m = _WORD.search(text, cand.end)
    return m if m is not None and _near(text, cand.start, cand.end, m.start(), m.end(), gap) else None


def _standalone(text: str, start: int, end: int) -> bool:
    """Nothing but punctuation, symbols and spaces outside the span."""
    rest = text[:start] + text[end:]
    return not any(ch.isalnum() for ch in rest)
