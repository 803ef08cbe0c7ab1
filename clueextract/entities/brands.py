"""Brands and organisations in text -> `brand` / `organization` clues with country votes.

Why it works this way:
- Data: clueextract/data/brands.json.gz, built ahead of time from OpenStreetMap's
  name-suggestion-index (NSI) by scripts/build_brand_index.py (see its docstring), verified by
  SHA-256 (INDEX_SHA256) before use; plus the `regional.brands` of the active language packs.
- Pack brands take precedence over NSI on the same name: their weights were set by regional
  experts, and the reason quotes the pack's note. NSI brands get one modest total strength
  (NSI_TOTAL, 0.6) split over the countries NSI lists; a brand of more than 6 countries
  ("global": McDonald's, Shell, 7-Eleven) is recognised - its span is claimed, so no shorter
  local name inside it matches - but gives no vote and, unless report_global, no clue: it
  points nowhere, and NSI's global list holds words such as "Public" and "Reserved".
  NSI `operators/*` (post, councils, utilities) give `organization` clues, the rest `brand`.
- Matching: spaCy blank("xx") tokens, lower-cased, looked up as token sequences (what a
  PhraseMatcher(attr="LOWER") does, without its per-worker cost) for spaced scripts (whole
  tokens, so "Indomaretto" is not "Indomaret"); substrings for names in scripts written without
  spaces (Thai, Han, kana), and for Hangul names, where particles attach to the end of a word
  ("이마트에서"), with a word boundary on the left. Longest match wins, no overlaps.
- In a line that has capitals, a name matched in all lower case ("our target is ...") is
  ordinary prose, not a sign: skipped, unless the brand itself is styled in lower case.
- OCR misreads names: words not matched exactly are compared with Latin names of >= 6
  characters by their OCR skeleton (l/1/I, O/0, rn/m, vv/w, cl/d folded, diacritics, spaces and
  punctuation dropped: "Indornaret", "PAO DE ACUCAR"); skeletons of >= 10 characters may also be
  one edit away (rapidfuzz; two edits let "SuperMercadona" become "supermercado dia"). Lower
  confidence and half the weight. Short names get no free edit, so ordinary words one letter
  away from a brand ("Bakery" / "Bakers") never match.
"""
from __future__ import annotations

import bisect
import gzip
import hashlib
import json
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping, Optional, Sequence, Union

import regex
from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from clueextract.countries import country_name
from clueextract.hashing import file_sha256
from clueextract.entities import brand_tables
from clueextract.entities.gcpause import paused_gc
from clueextract.entities.nlp import ENGINE as _SPACY, blank, is_unspaced
from clueextract.entities.pins import BRAND_INDEX_PATH, BRAND_INDEX_SHA256, BrandIndexError
from clueextract.records import Clue, CountryVote, Source
from clueextract.text.base import TextContext

INDEX_PATH = BRAND_INDEX_PATH      # pinned in pins.py, which a worker checks before building matchers
INDEX_SHA256 = BRAND_INDEX_SHA256

NSI_TOTAL = 0.6          # total vote of an NSI brand, split over its countries
NSI_SHORT_TOTAL = 0.3    # ... for names of 3 characters (acronyms collide across countries)
CONF_EXACT = 0.85
CONF_SHORT = 0.6
CONF_GLOBAL = 0.8
CONF_FUZZY = 0.45
FUZZY_FACTOR = 0.5       # weight multiplier for fuzzy matches
FUZZY_MIN_LEN = 6

_FOLD = {"\u2019": "'", "\u2018": "'", "\u02bc": "'", "\uff07": "'", "`": "'", "\u00b4": "'",
         "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2212": "-"}
_HANGUL = regex.compile(r"\p{Script=Hangul}")
_LETTERS_ONLY = regex.compile(r"^[\p{L}\p{M} ]+$")
_SEP = "\x1f"
_LATIN_NAME = regex.compile(r"^[\p{Script=Latin}0-9 '&.\-]+$")
# OCR "skeleton": characters and pairs OCR confuses, folded to one form, diacritics, spaces and
# punctuation dropped ("Indornaret", "lNDOMARET", "PAO DE ACUCAR" -> the skeleton of the name).
_SKEL_PAIRS = (("rn", "m"), ("vv", "w"), ("cl", "d"))
_SKEL_CHARS = str.maketrans({"0": "o", "1": "l", "i": "l", "|": "l", "!": "l", "5": "s", "$": "s"})
_NOT_SKEL = regex.compile(r"[^\p{L}\p{N}]+")
FUZZY_EDIT_MIN = 10      # skeletons this long may also differ by one edit


def fold_char(c: str) -> str:
    """One character folded for matching, always one character (offsets stay valid):
    curly quotes and dashes to ASCII, NFKC where it yields one character (full-width Latin)."""
    if c in _FOLD:
        return _FOLD[c]
    if "\ud800" <= c <= "\udfff":
        return "\ufffd"  # a lone surrogate (bad decoding upstream) cannot be tokenized
    n = unicodedata.normalize("NFKC", c)
    return n if len(n) == 1 else c


def fold(text: str) -> str:
    return "".join(fold_char(c) for c in text)


def normalize_name(name: str) -> str:
    """The index key of a name: folded, lower case, single spaces (used by the build script too)."""
    return " ".join(fold(name).lower().split())


@dataclass(frozen=True)
class NsiEntry:
    brand: str
    countries: tuple[str, ...]
    category: str
    wikidata: Optional[str]


@dataclass
class BrandIndex:
    """The NSI brand -> country index (see scripts/build_brand_index.py for its format)."""

    path: str
    sha256: str
    header: dict[str, Any]
    entries: Sequence[NsiEntry]
    names: dict[str, list[int]]   # name key -> entry numbers
    global_names: frozenset[str]
    lowercase_styled: frozenset[str]

    @property
    def version(self) -> str:
        return str(self.header["nsi_version"])

    @classmethod
    def load(cls, path: Optional[Union[str, Path]] = None, expected_sha256: Optional[str] = None) -> "BrandIndex":
        """Load (once per process) and verify the index; a file with another hash is refused."""
        p = Path(path) if path else INDEX_PATH
        return _load(str(p), expected_sha256 or (INDEX_SHA256 if p == INDEX_PATH else None))

    def lookup(self, key: str) -> list[NsiEntry]:
        return [self.entries[i] for i in self.names.get(key, ())]


@lru_cache(maxsize=4)
def _load(path: str, expected: Optional[str]) -> BrandIndex:
    try:
        data = Path(path).read_bytes()
    except OSError as e:
        raise BrandIndexError(f"cannot read the brand index {path}: {e}") from e
    digest = hashlib.sha256(data).hexdigest()
    if expected and digest != expected:
        raise BrandIndexError(f"{path} has SHA-256 {digest}, expected {expected}: refusing to use it "
                              f"(rebuild with scripts/build_brand_index.py)")
    with paused_gc():
        doc = json.loads(gzip.decompress(data))
    header = {k: v for k, v in doc.items() if k not in ("entries", "names", "global", "lowercase_styled")}
    return BrandIndex(path, digest, header, _Entries(doc["entries"]), doc["names"],
                      frozenset(doc["global"]), frozenset(doc["lowercase_styled"]))


class _Entries(Sequence[NsiEntry]):
    """The index's entries, each made into an NsiEntry when first read (40k at load: ~0.2 s)."""

    def __init__(self, raw: list[dict[str, Any]]) -> None:
        self._raw = raw
        self._made: dict[int, NsiEntry] = {}

    def __len__(self) -> int:
        return len(self._raw)

    def __getitem__(self, i):  # type: ignore[no-untyped-def]
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self._raw)))]
        i = range(len(self._raw))[i]  # IndexError and negative indices as a list has them
        e = self._made.get(i)
        if e is None:
            r = self._raw[i]
            e = self._made[i] = NsiEntry(r["brand"], tuple(r["countries"]), r["category"], r.get("wikidata"))
        return e


@dataclass(frozen=True)
class _Target:
    """What a normalised name means: a pack brand, NSI entries, or a global brand."""

    origin: str                                   # "pack" | "nsi" | "global"
    name: str                                     # canonical brand name
    votes: tuple[tuple[str, float], ...] = ()
    entries: tuple[NsiEntry, ...] = ()
    pack: Optional[str] = None
    note: str = ""
    lowercase_styled: bool = False
    source: Optional[Source] = None


@dataclass(frozen=True)
class _Hit:
    start: int
    end: int
    key: str
    fuzzy: bool = False


@dataclass
class BrandMatcher:
    """Built once per worker from the active packs; `find` is then cheap per line."""

    packs: Iterable[Any] = field(default=(), repr=False)
    index: Optional[BrandIndex] = field(default=None, repr=False)
    fuzzy: bool = True
    report_global: bool = False   # also emit clues (with no vote) for global brands
    targets: Mapping[str, _Target] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.index = self.index or BrandIndex.load()
        self.nlp = blank()
        idx = self.index
        nsi_source = Source("text", f"name-suggestion-index {idx.version}", Path(idx.path).name, idx.sha256)
        pack_targets: dict[str, _Target] = {}
        for pack in sorted(self.packs, key=lambda p: p.code, reverse=True):  # first code wins
            src = Source("text", f"language pack {pack.code}", Path(pack.path).name, _file_sha256(pack.path))
            for b in pack.data.get("regional", {}).get("brands", []):
                votes = tuple((c["country"], float(c["weight"])) for c in b["countries"])
                for form in [b["term"], *b.get("variants", [])]:
                    styled = not any(c.isupper() for c in form)
                    t = _Target("pack", b["term"], votes, pack=pack.code, note=b.get("note", ""),
                                lowercase_styled=styled, source=src)
                    pack_targets[normalize_name(form)] = t
                    if is_unspaced(form) and " " in form:
                        pack_targets[normalize_name(form).replace(" ", "")] = t
        self.targets = _Targets(idx, nsi_source, pack_targets)
        self._build_matchers(pack_targets)

    def _build_matchers(self, pack_targets: dict[str, _Target]) -> None:
        # Token sequences of the spaced names, matched like spaCy's PhraseMatcher(attr="LOWER")
        # (the same tokenizer cuts names and text), but held in a dict: a PhraseMatcher over
        # the ~44k names costs ~13 s and ~380 MB per worker (a Doc per name), this ~1 s and
        # ~20 MB. Letter-only names tokenize as their words (checked over the whole index);
        # names with digits or punctuation go through the tokenizer. The NSI names' tables are
        # prebuilt (brand_tables.py); the pack brands are added here.
        tables = _nsi_tables(self.index)
        tables = brand_tables.Tables(dict(tables.seq), dict(tables.first),
                                     {k: list(v) for k, v in tables.substr.items()},
                                     {k: list(v) for k, v in tables.skel.items()} if self.fuzzy else {})
        _add(tables, self.nlp, pack_targets, set(pack_targets) if self.fuzzy else set())
        self._seq, self._first, self._substr, self._skel = tables.seq, tables.first, tables.substr, tables.skel
        self._skel_by_len: dict[int, list[str]] = {}
        for sk in sorted(self._skel):
            if len(sk) >= FUZZY_EDIT_MIN:
                self._skel_by_len.setdefault(len(sk), []).append(sk)

    # ---- matching -------------------------------------------------------------------------
    def find(self, text: str, ctx: TextContext, ocr_repair: bool = True) -> list[Clue]:
        """Brand and organisation clues in `text`, in text order (longest match, no overlaps).
        ocr_repair=False (speech transcripts): no OCR-skeleton matches."""
        if not text or not text.strip():
            return []
        folded = fold(text)
        has_upper = any(c.isupper() for c in text)
        hits: list[_Hit] = []
        doc = self.nlp.make_doc(folded)
        lowers = [t.lower_ for t in doc]
        for i, w in enumerate(lowers):
            for n in range(min(self._first.get(w, 0), len(lowers) - i), 0, -1):
                key = self._seq.get(_SEP.join(lowers[i:i + n]))
                if key is not None:
                    hits.append(_Hit(doc[i].idx, doc[i + n - 1].idx + len(doc[i + n - 1]), key))
        if self._substr and (is_unspaced(text) or _HANGUL.search(text)):
            hits.extend(self._substrings(folded))
        hits = [h for h in hits if _bounded(folded, h) and not _glued_katakana(folded, h)
                and self._case_ok(text, h, has_upper)]
        taken = _select(hits, self.targets)
        if self.fuzzy and ocr_repair and self._skel:
            taken = _select(taken + self._fuzzy_hits(doc, taken, has_upper), self.targets)
        return [self._clue(text, h, ctx) for h in sorted(taken, key=lambda h: h.start)
                if self.report_global or self.targets[h.key].origin != "global"]

    def _substrings(self, folded: str) -> list[_Hit]:
        low = "".join(c.lower() if len(c.lower()) == 1 else c for c in folded)
        out = []
        for i, ch in enumerate(low):
            for k in self._substr.get(ch, ()):
                if low.startswith(k, i):
                    out.append(_Hit(i, i + len(k), k))
                    break  # longest first
        return out

    def _case_ok(self, text: str, h: _Hit, has_upper: bool) -> bool:
        seg = text[h.start:h.end]
        cased = any(c.lower() != c.upper() for c in seg)
        if not cased or not has_upper or any(c.isupper() for c in seg):
            return True
        return self.targets[h.key].lowercase_styled

    def _fuzzy_hits(self, doc: Any, taken: list[_Hit], has_upper: bool) -> list[_Hit]:
        """Windows of 1-3 words not matched exactly whose OCR skeleton is a name's skeleton
        (or, for long names, one or two edits away)."""
        out = []
        text = doc.text  # (Doc.text rebuilds the string on every access)
        covered = bytearray(len(text) + 1)
        for h in taken:
            covered[h.start:h.end] = b"\x01" * (h.end - h.start)
        words = [t for t in doc if not (t.is_punct or t.is_space)]
        for n in (1, 2, 3):
            for i in range(len(words) - n + 1):
                win = words[i:i + n]
                if win[-1].i - win[0].i != n - 1:
                    continue
                start, end = win[0].idx, win[-1].idx + len(win[-1].text)
                if any(covered[start:end]):
                    continue
                seg = text[start:end]
                if normalize_name(seg) in self.targets or not _LATIN_NAME.match(normalize_name(seg)):
                    continue
                key = self._fuzzy_lookup(_skeleton(seg))
                hit = _Hit(start, end, key or "", fuzzy=True)
                if key is not None and self._case_ok(text, hit, has_upper):
                    out.append(hit)
        return out

    def _fuzzy_lookup(self, sk: str) -> Optional[str]:
        if len(sk) < FUZZY_MIN_LEN:
            return None
        keys = self._skel.get(sk)
        if keys is None and len(sk) >= FUZZY_EDIT_MIN:
            best: Optional[tuple[int, str]] = None
            for length in (len(sk) - 1, len(sk), len(sk) + 1):
                r = process.extractOne(sk, self._skel_by_len.get(length, ()), scorer=Levenshtein.distance,
                                       score_cutoff=1)
                if r is not None and (best is None or (r[1], r[0]) < best):
                    best = (r[1], r[0])
            keys = self._skel.get(best[1]) if best else None
        if not keys:
            return None
        names = {self.targets[k] for k in keys}
        return min(keys) if len(names) == 1 else None  # two different brands: too uncertain

    # ---- clues ----------------------------------------------------------------------------
    def _clue(self, text: str, h: _Hit, ctx: TextContext) -> Clue:
        t = self.targets[h.key]
        value = text[h.start:h.end]
        factor = FUZZY_FACTOR if h.fuzzy else 1.0
        read = f" (read as {value!r}, a likely OCR misreading)" if h.fuzzy else ""
        votes: list[CountryVote] = []
        if t.origin == "pack":
            for cc, w in t.votes:
                votes.append(CountryVote(cc, w * factor, f"'{t.name}' is a brand in the language pack "
                                                         f"'{t.pack}': {t.note}{read}"))
            conf = CONF_SHORT if _is_short(h.key) else CONF_EXACT
        elif t.origin == "nsi":
            cats = ", ".join(dict.fromkeys(e.category.split("/", 1)[1] for e in t.entries))
            names = " / ".join(dict.fromkeys(e.brand for e in t.entries))
            what = "an organisation" if _kind(t) == "organization" else "a brand"
            for cc, w in t.votes:
                where = (f"of {country_name(cc)}" if len(t.votes) == 1 else
                         f"present in {len(t.votes)} countries ({', '.join(c for c, _ in t.votes)}), "
                         f"weight split")
                votes.append(CountryVote(cc, w * factor, f"'{names}' is {what} {where} "
                                                         f"(name-suggestion-index: {cats}){read}"))
            conf = CONF_SHORT if _is_short(h.key) else CONF_EXACT
        else:
            conf = CONF_GLOBAL
        if h.fuzzy:
            conf = CONF_FUZZY
        first = t.entries[0] if t.entries else None
        extra: dict[str, Any] = {
            "span": [h.start, h.end], "matched": h.key, "brand": t.name,
            "category": first.category if first else None, "wikidata": first.wikidata if first else None,
            "pack": t.pack, "fuzzy": h.fuzzy, "global": t.origin == "global",
        }
        if len(t.entries) > 1:
            extra["entries"] = [{"brand": e.brand, "countries": list(e.countries), "category": e.category,
                                 "wikidata": e.wikidata} for e in t.entries]
        if t.origin == "global":
            extra["note"] = (f"'{value}' is a brand present in many countries (name-suggestion-index): "
                             f"no country vote")
        return Clue(kind=_kind(t), value=value, normalized=t.name, confidence=conf, source=t.source,
                    locator=dict(ctx.locator), language=ctx.language, countries=votes, extra=extra)


def _kind(t: _Target) -> str:
    if t.entries and all(e.category.startswith("operators/") for e in t.entries):
        return "organization"
    return "brand"


def _nsi_votes(key: str, entries: tuple[NsiEntry, ...]) -> tuple[tuple[str, float], ...]:
    countries = sorted({c for e in entries for c in e.countries})
    total = NSI_SHORT_TOTAL if _is_short(key) else NSI_TOTAL
    return tuple((c, total / len(countries)) for c in countries)


def _is_short(key: str) -> bool:
    """Three characters or fewer in a spaced script: an acronym that collides across countries
    (three Han or Hangul characters are a specific name)."""
    return len(key) <= 3 and not (is_unspaced(key) or _HANGUL.search(key))


def _bounded(text: str, h: _Hit) -> bool:
    """No match inside a word: a spaced-script name needs neighbours that are not letters or
    digits of a spaced script (on the right too, except for Hangul names, whose particles attach;
    unspaced scripts have no word boundaries, so "บิ๊กซีซูเปอร์" is fine)."""
    first, last = text[h.start], text[h.end - 1]
    if not is_unspaced(first) and h.start > 0 and _joins(text[h.start - 1]):
        return False
    if not (is_unspaced(last) or _HANGUL.match(last)) and h.end < len(text) and _joins(text[h.end]):
        return False
    return True


_KATAKANA = regex.compile(r"^[\p{Script=Katakana}\u30fc]+$")


def _glued_katakana(text: str, h: _Hit) -> bool:
    """A katakana name touching katakana on either side is part of a longer loanword
    ("シティ" in "ソラシティ")."""
    if not _KATAKANA.match(text[h.start:h.end]):
        return False
    return bool((h.start > 0 and _KATAKANA.match(text[h.start - 1]))
                or (h.end < len(text) and _KATAKANA.match(text[h.end])))


def _joins(c: str) -> bool:
    return c.isalnum() and not is_unspaced(c)


def _select(hits: list[_Hit], targets: dict[str, _Target]) -> list[_Hit]:
    """Longest first, then exact before fuzzy, pack before NSI, leftmost; no overlaps."""
    rank = {"pack": 0, "nsi": 1, "global": 2}
    starts: list[int] = []   # taken spans, sorted by start (they never overlap)
    ends: list[int] = []
    out: list[_Hit] = []
    for h in sorted(set(hits), key=lambda h: (-(h.end - h.start), h.fuzzy, rank[targets[h.key].origin],
                                              h.start, h.key)):
        i = bisect.bisect_left(starts, h.end)  # spans starting before h ends: only the last can overlap
        if i and ends[i - 1] > h.start:
            continue
        starts.insert(i, h.start)
        ends.insert(i, h.end)
        out.append(h)
    return out


def _skeleton(text: str) -> str:
    s = "".join(c for c in unicodedata.normalize("NFD", fold(text).lower()) if not unicodedata.combining(c))
    s = _NOT_SKEL.sub("", s.translate(_SKEL_CHARS))
    for pair, one in _SKEL_PAIRS:
        s = s.replace(pair, one)
    return s


@lru_cache(maxsize=64)
def _file_sha256(path: str) -> Optional[str]:
    try:
        return file_sha256(path)
    except OSError:
        return None


class _Targets(Mapping[str, _Target]):
    """Name key -> what it means: the pack brands (made at start) over the NSI names and the
    global names, whose _Target is made when the name is first looked up (making all ~44k at
    start cost ~0.6 s per worker)."""

    def __init__(self, idx: BrandIndex, source: Source, packs: dict[str, _Target]) -> None:
        self._idx = idx
        self._source = source
        self._packs = packs
        self._made: dict[str, _Target] = {}

    def __getitem__(self, key: str) -> _Target:
        t = self._packs.get(key) or self._made.get(key)
        if t is None:
            idx = self._idx
            if key in idx.names:
                ents = tuple(idx.entries[i] for i in idx.names[key])
                t = _Target("nsi", ents[0].brand, _nsi_votes(key, ents), ents,
                            lowercase_styled=key in idx.lowercase_styled, source=self._source)
            elif key in idx.global_names:
                t = _Target("global", key, source=self._source)
            else:
                raise KeyError(key)
            self._made[key] = t
        return t

    def __contains__(self, key: object) -> bool:
        return key in self._packs or key in self._idx.names or key in self._idx.global_names

    def __iter__(self) -> Iterator[str]:
        seen = set(self._idx.global_names) | set(self._idx.names)
        yield from sorted(seen)
        yield from sorted(k for k in self._packs if k not in seen)

    def __len__(self) -> int:
        return len(set(self._idx.global_names) | set(self._idx.names) | set(self._packs))


def _add(tables: "brand_tables.Tables", nlp: Any, keys: Iterable[str], fuzzy_keys: set[str]) -> None:
    tables.add(keys, fuzzy_keys, lambda names: [[t.lower_ for t in d] for d in nlp.tokenizer.pipe(names)],
               _skeleton, lambda k: bool(is_unspaced(k) or _HANGUL.search(k)),
               lambda k: bool(_LETTERS_ONLY.match(k)), lambda k: bool(_LATIN_NAME.match(k)), FUZZY_MIN_LEN)


def nsi_tables_built(index: BrandIndex) -> "brand_tables.Tables":
    """The NSI names' tables computed here (what scripts/build_brand_tables.py writes)."""
    tables = brand_tables.Tables({}, {}, {}, {})
    _add(tables, blank(), set(index.names) | set(index.global_names), set(index.names))
    return tables


def tables_header(index: BrandIndex) -> dict[str, Any]:
    return brand_tables.header(index.sha256, _SPACY)


_NSI_TABLES: dict[tuple[str, str], "brand_tables.Tables"] = {}


def _nsi_tables(index: BrandIndex) -> "brand_tables.Tables":
    """The prebuilt tables when they fit this index and spaCy, else built now (same result);
    once per index and process (callers copy before adding)."""
    key = (index.path, index.sha256)
    if key not in _NSI_TABLES:
        with paused_gc():
            _NSI_TABLES[key] = brand_tables.load_prebuilt(tables_header(index)) or nsi_tables_built(index)
    return _NSI_TABLES[key]
