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
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from spacy.matcher import PhraseMatcher

from ..countries import country_name
from ..packs import Pack
from ..records import Clue, CountryVote, Source
from ..text.base import TextContext
from .nlp import blank, is_unspaced

# pack list -> clue kind
LISTS = {"address_terms": "address_term", "legal_forms": "legal_form", "dialect_markers": "dialect_marker"}
SHORT_FORM = 3  # forms this short need a following name or number


@dataclass(frozen=True)
class Term:
    form: str            # the form as listed (term or variant)
    term: str            # the entry's main term
    kind: str            # clue kind
    pack: str            # pack code
    countries: tuple[tuple[str, float], ...]
    note: str
    source: Source


def _pack_source(pack: Pack) -> Source:
    sha = hashlib.sha256(Path(pack.path).read_bytes()).hexdigest()
    return Source("text", f"language pack {pack.code}", Path(pack.path).name, sha)


def pack_terms(packs: Iterable[Pack], lists: dict[str, str] = LISTS) -> list[Term]:
    """Every form of every entry in the given regional lists of the packs."""
    out = []
    for pack in packs:
        src = _pack_source(pack)
        for list_name, kind in lists.items():
            for e in pack.data["regional"].get(list_name, []):
                votes = tuple((v["country"], float(v["weight"])) for v in e["countries"])
                for form in [e["term"], *e.get("variants", [])]:
                    out.append(Term(form, e["term"], kind, pack.code, votes, e.get("note", ""), src))
    return out


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
        for t in terms:
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


class PackTermMatcher:
    """address_term / legal_form / dialect_marker clues from the active packs."""

    def __init__(self, packs: Iterable[Pack]):
        self.terms = TermMatcher(pack_terms(packs))

    def find(self, text: str, ctx: TextContext) -> list[Clue]:
        out = []
        for s, e, t in self.terms.spans(text):
            votes = [CountryVote(cc, w, f"'{t.term}' is {_a(_what(t.kind))} of {country_name(cc)} "
                                        f"(language pack {t.pack}: {t.note})".strip())
                     for cc, w in t.countries]
            out.append(Clue(kind=t.kind, value=text[s:e], normalized=t.term.lower(), confidence=0.9,
                            source=t.source, locator=dict(ctx.locator), language=None, countries=votes,
                            extra={"span": [s, e], "matched": t.form, "term": t.term, "pack": t.pack}))
        return out


def _a(noun: str) -> str:
    return ("an " if noun[:1] in "aeiou" else "a ") + noun


def _what(kind: str) -> str:
    return {"address_term": "address word", "legal_form": "legal-entity form",
            "dialect_marker": "dialect/spelling marker"}.get(kind, kind.replace("_", " "))
