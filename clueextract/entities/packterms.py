"""Language-pack terms in text: address words, legal-entity forms, dialect markers.

Why this way:
- The packs hold regional knowledge no library carries ("ซอย", "Brgy.", "Sdn Bhd",
  "ônibus"), each with the countries it points to, weights set by people who know the
  region, and a note. This module only finds the forms; the evidence comes from the pack,
  and the reason quotes the pack's note and names the pack.
- spaCy's PhraseMatcher on `blank("xx")` tokens (attr LOWER, i.e. `str.lower()`, as the
  pack README prescribes) matches whole tokens, so "GmbH" does not fire inside
  "GmbHaus" and "Calle" not inside "Callejón"; multi-token forms ("Sdn. Bhd.",
  "S.A. de C.V.") are tokenised the same way as the text.
- Thai, Han and kana are written without spaces and the tokenizer does not split them:
  forms in those scripts are found as substrings.
- Forms of three characters or fewer ("PT", "ซ.", "Jl.") are ambiguous alone; the pack
  README says a matcher must see a following name or number, so they only count when a
  letter or digit follows (after at most one space).
- Arabic script: one-word forms are compared after the usual normalisation (short vowels,
  shadda and tatweel removed; أ/إ/آ/ٱ -> ا, ى -> ي, ة -> ه, Persian ی/ک -> ي/ك), because
  transcripts and signs write the same word with and without them ("إحنا"/"احنا",
  "كدة"/"كده"). Arabic attaches the conjunctions and prepositions و ف ب ل to the next
  word ("وعشان", "فإحنا"), so a form of the Arabic pack of three letters or more also
  matches after one of them; the reported span is the form without the prefix. Shorter
  forms never take a prefix ("و"+"حي" is "وحي", revelation).
- A dialect marker is evidence only in the language it belongs to: Spanish "che" or
  English "color" say nothing in Italian or Spanish text. It counts when the text's
  language (the spoken language of a transcript, a confident text-language guess) is the
  pack's (its ISO codes or Whisper codes), Malay and Indonesian counting as one (one
  macrolanguage that language identification confuses, and the markers are what tells
  them apart), and Filipino markers also in English (Taglish code-switching is what they
  are for). Where the language is unknown (short OCR lines), only forms of five
  characters or more count: short forms are too often words of another language.
- A legal form of three characters or fewer written without dots ("SL", "PT", "CV", "UG")
  is as often an abbreviation of another language: "SL" heads the quantity column of
  Vietnamese receipts (so lượng), not a Spanish company. Once an item's text is known, such a
  form keeps its votes only where the item shows text in the pack's language or shows no
  confidently identified language at all; otherwise its votes are set aside
  (`extra.set_aside`, as for foreign mentions), the clue kept (`set_aside_out_of_language`).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from .nlp import blank, is_unspaced  # first: spaCy imported without PyTorch where it can be
from spacy.matcher import PhraseMatcher  # noqa: E402,I001

from ..countries import country_name
from ..hashing import file_sha256
from ..packs import Pack
from ..records import Clue, CountryVote, Source
from ..text.base import TextContext

# pack list -> clue kind
LISTS = {"address_terms": "address_term", "legal_forms": "legal_form", "dialect_markers": "dialect_marker"}
SHORT_FORM = 3  # forms this short need a following name or number
UNKNOWN_LANGUAGE_MIN = 5  # dialect-marker forms this long count where the text's language is unknown
# languages whose text a pack's dialect markers also count in (see the module docstring)
RELATED_LANGUAGES = {"ms": ("id", "ind", "zsm"), "id": ("ms", "msa", "zsm"), "tl": ("en", "eng")}


@dataclass(frozen=True)
class Term:
    form: str            # the form as listed (term or variant)
    term: str            # the entry's main term
    kind: str            # clue kind
    pack: str            # pack code
    countries: tuple[tuple[str, float], ...]
    note: str
    source: Source
    languages: tuple[str, ...] = ()  # language codes of the pack (and related ones) for dialect markers


def _pack_languages(pack: Pack) -> tuple[str, ...]:
    lang = pack.data["language"]
    codes = [lang.get("iso639_1"), lang.get("iso639_3"), *pack.data.get("speech", [])]
    codes += [c for code in list(codes) for c in RELATED_LANGUAGES.get(code or "", ())]
    return tuple(dict.fromkeys(c for c in codes if c))


def _pack_source(pack: Pack) -> Source:
    sha = file_sha256(pack.path)
    return Source("text", f"language pack {pack.code}", Path(pack.path).name, sha)


def pack_terms(packs: Iterable[Pack], lists: dict[str, str] = LISTS) -> list[Term]:
    """Every form of every entry in the given regional lists of the packs."""
    out = []
    for pack in packs:
        src = _pack_source(pack)
        langs = _pack_languages(pack)
        for list_name, kind in lists.items():
            for e in pack.data["regional"].get(list_name, []):
                votes = tuple((v["country"], float(v["weight"])) for v in e["countries"])
                for form in [e["term"], *e.get("variants", [])]:
                    out.append(Term(form, e["term"], kind, pack.code, votes, e.get("note", ""), src, langs))
    return out


# Arabic normalisation for matching (see the module docstring)
_AR_DROP = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640]")
_AR_MAP = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ة": "ه", "ی": "ي", "ک": "ك"})
_AR_LETTERS = re.compile("[\u0600-\u06ff]")
_AR_WORD = re.compile("[\u0621-\u064a\u066e-\u06d3\u06d5]+")
AR_PREFIXES = "وفبل"
AR_PREFIX_MIN = 3  # forms this long (in letters) also match after one prefix


def _ar_normalize(text: str) -> tuple[str, list[int]]:
    """The normalised text and, for each of its characters, the index it came from."""
    out, where = [], []
    for i, ch in enumerate(text):
        if _AR_DROP.match(ch):
            continue
        out.append(ch.translate(_AR_MAP))
        where.append(i)
    return "".join(out), where


def _arabic_word(form: str) -> str | None:
    """The normalised form when it is one Arabic word, else None."""
    if not _AR_LETTERS.search(form):
        return None
    norm = _ar_normalize(form)[0]
    return norm if _AR_WORD.fullmatch(norm) else None


def _followed_by_name_or_number(text: str, end: int) -> bool:
    rest = text[end:end + 2]
    if rest[:1] == " ":
        rest = rest[1:]
    return rest[:1].isalnum()


class TermMatcher:
    """Finds the forms of a list of Terms in text; built once per worker."""

    def __init__(self, terms: list[Term]):
        self.nlp = blank()
        self.matcher = PhraseMatcher(self.nlp.vocab, attr="LOWER")
        self.by_key: dict[str, list[Term]] = {}
        self.unspaced: list[tuple[str, Term]] = []
        self.arabic: dict[str, list[Term]] = {}
        for t in terms:
            word = _arabic_word(t.form)
            if word is not None:
                self.arabic.setdefault(word, []).append(t)
                continue
            if is_unspaced(t.form):
                self.unspaced.append((t.form.lower(), t))
                continue
            key = t.form.lower()
            if key not in self.by_key:
                self.by_key[key] = []
                self.matcher.add(key, [self.nlp.make_doc(t.form)])
            self.by_key[key].append(t)
        self.unspaced.sort(key=lambda p: -len(p[0]))  # longest first

    def spans(self, text: str) -> list[tuple[int, int, Term]]:
        """(start_char, end_char, term) of every form found, longest first, no overlaps."""
        found: list[tuple[int, int, Term]] = []
        doc = self.nlp.make_doc(text)
        for match_id, s, e in self.matcher(doc):
            span = doc[s:e]
            for t in self.by_key[self.nlp.vocab.strings[match_id]]:
                found.append((span.start_char, span.end_char, t))
        low = text.lower()
        if len(low) == len(text) and is_unspaced(text):  # lower() kept offsets (it does for these scripts)
            for form, t in self.unspaced:
                i = low.find(form)
                while i >= 0:
                    found.append((i, i + len(form), t))
                    i = low.find(form, i + 1)
        if self.arabic and _AR_LETTERS.search(text):
            found += self._arabic_spans(text)
        found = [f for f in found if len(f[2].form) > SHORT_FORM or _followed_by_name_or_number(text, f[1])]
        found.sort(key=lambda f: (-(f[1] - f[0]), f[0], f[2].pack, f[2].form))
        taken: list[tuple[int, int]] = []
        out = []
        for s, e, t in found:
            if any(s < te and ts < e for ts, te in taken):
                continue
            taken.append((s, e))
            out.append((s, e, t))
        out.sort(key=lambda f: (f[0], f[2].pack))
        return out

    def _arabic_spans(self, text: str) -> list[tuple[int, int, Term]]:
        norm, where = _ar_normalize(text)
        found = []
        for m in _AR_WORD.finditer(norm):
            word, start = m.group(), m.start()
            hits = [(0, t) for t in self.arabic.get(word, [])]
            if not hits and len(word) > AR_PREFIX_MIN and word[0] in AR_PREFIXES:
                hits = [(1, t) for t in self.arabic.get(word[1:], [])
                        if "ar" in t.languages and len(word) - 1 >= AR_PREFIX_MIN]
            for skip, t in hits:
                s, e = where[start + skip], where[m.end() - 1] + 1
                while e < len(text) and _AR_DROP.match(text[e]):  # the last letter's own marks
                    e += 1
                found.append((s, e, t))
        return found


class PackTermMatcher:
    """address_term / legal_form / dialect_marker clues from the active packs."""

    def __init__(self, packs: Iterable[Pack]):
        packs = list(packs)
        self.terms = TermMatcher(pack_terms(packs))
        self.languages = {p.code: _pack_languages(p) for p in packs}

    def set_aside_out_of_language(self, clues: list[Clue], min_confidence: float) -> None:
        """Set aside the votes of short undotted legal forms ("SL") of a pack whose language no
        confident text_language clue of the item names, where some language is confidently shown
        (see the module docstring). Call once per item, after its text-language clues exist."""
        shown = {c.value for c in clues if c.kind == "text_language" and c.confidence >= min_confidence}
        if not shown:
            return
        for c in clues:
            form = c.extra.get("matched", "")
            if c.kind != "legal_form" or not c.countries or len(form) > SHORT_FORM or "." in form:
                continue
            if shown.isdisjoint(self.languages.get(str(c.extra.get("pack", "")), ())):
                c.set_aside(f"'{form}' is short and the item shows no text in the language of pack "
                            f"{c.extra.get('pack')} ({', '.join(sorted(shown))} shown): probably an "
                            "abbreviation of another language, not a legal form", form)

    def find(self, text: str, ctx: TextContext) -> list[Clue]:
        out = []
        for s, e, t in self.terms.spans(text):
            if t.kind == "dialect_marker" and not _in_language(t, ctx.language):
                continue
            votes = [CountryVote(cc, w, f"'{t.term}' is {_a(_what(t.kind))} of {country_name(cc)} "
                                        f"(language pack {t.pack}: {t.note})".strip())
                     for cc, w in t.countries]
            out.append(Clue(kind=t.kind, value=text[s:e], normalized=t.term.lower(), confidence=0.9,
                            source=t.source, locator=dict(ctx.locator), language=None, countries=votes,
                            extra={"span": [s, e], "matched": t.form, "term": t.term, "pack": t.pack}))
        return out


def _in_language(t: Term, language: str | None) -> bool:
    """Whether a dialect marker counts in text of this language (see the module docstring)."""
    if language is None:
        return len(t.form) >= UNKNOWN_LANGUAGE_MIN
    return language in t.languages


def _a(noun: str) -> str:
    return ("an " if noun[:1] in "aeiou" else "a ") + noun


def _what(kind: str) -> str:
    return {"address_term": "address word", "legal_form": "legal-entity form",
            "dialect_marker": "dialect/spelling marker"}.get(kind, kind.replace("_", " "))
