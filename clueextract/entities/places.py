"""Place names in OCR text or transcripts -> `place` clues with country votes.

Why it works this way:
- Names come from the offline gazetteer (gazetteer.py, built by
  scripts/build_gazetteer.py): ~300k names of ~40k places in every script.
- Spaced scripts (Latin, Cyrillic, Arabic, Hangul, Devanagari ...): the shared spaCy
  blank("xx") tokenizer cuts the text; every window of up to MAX_TOKENS tokens is looked
  up in the name dict, longest first, leftmost first, without overlaps. We do NOT build a
  spaCy PhraseMatcher (attr="LOWER") over the names: measured on the 2-core build machine,
  adding the 161k spaced-script names takes 13.6 s and +267 MB RSS in every worker, while
  the window lookup needs no build (the matcher's own init is ~0.3 s) and costs a few dict
  probes per token: median 0.08 ms per sign line over 205 lines.
  Token boundaries mean a name never matches inside a larger word ("Sale" in "Wholesale");
  a hyphen joining the window to a letter outside it ("Sari-Sari") also blocks a match.
- Unspaced scripts (Thai, Lao, Khmer, Myanmar, Han, kana): the tokenizer does not split
  words, so each run of such characters is normalised with an offset map and scanned for
  names at every position, longest first (a dict scan over n-character windows, the
  lengths being those the gazetteer holds). Short matches inside a longer run are the
  classic false positive (a 2-character Han city name inside a word), so they get a
  lower confidence, and very short non-Han matches inside a run are dropped.
- Korean attaches particles and admin suffixes to names ("서울에서", "부산역"): a Hangul
  token that is not itself a name is tried as name + a known suffix.
- OCR damage: Latin/Cyrillic windows of >= FUZZY_MIN_LEN letters that start with a
  capital (or are all capitals) are tried with look-alike digits repaired ("Bangk0k"),
  then with rapidfuzz edit distance against names of similar length and the same first
  letter ("Kuala Lumpar"), restricted to larger places. Both get a lower confidence.
- Votes: a name held by places in one country votes for it; a name shared by several
  countries splits its weight by a population prior (cities and countries: GeoNames
  population; subdivisions: a fixed prior); the active language packs' regions
  (ctx.candidate_regions) only break near-ties, never remove a country. A country's own
  name ("Deutschland", "ไทย") is a *mention* -- it often names somewhere else ("made in
  Germany", "twinned with ...") -- so it votes moderately; extra["span"] lets the
  assessment discount foreign mentions by their context.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import regex
from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from clueextract.countries import country_name
from clueextract.entities.gazetteer import Gazetteer, Place, fold, normalize, normalize_with_offsets
from clueextract.entities.gcpause import paused_gc
from clueextract.entities.nlp import blank
from clueextract.records import Clue, CountryVote, Source
from clueextract.text.base import TextContext

MAX_TOKENS = 8                # longest name, in spaCy tokens ("Saint - Denis" is 3)
FOLD_MIN_LEN = 6              # folded (accent/space-insensitive) matches: at least this long
FUZZY_MIN_LEN = 6             # letters; shorter words are too often 1 edit from a town
FUZZY_TWO_EDITS_LEN = 12     # below this many characters, at most one edit
FUZZY_MIN_POPULATION = 100_000
FUZZY_MAX_AMBIGUOUS = 3       # more equally-close names than this: no fuzzy clue
SUBDIVISION_PRIOR = 500_000   # population prior for a first-level subdivision
SUBDIVISION2_PRIOR = 100_000  # ... for a second-level one
TIE_RATIO = 1.5               # top-two priors closer than this: a near-tie
TIE_BOOST = 2.0               # prior factor for candidate regions in a near-tie
MAX_VOTES = 8
MAX_PLACES_LISTED = 10

KIND_WEIGHT = {"city": 0.65, "subdivision": 0.7, "country": 0.45}
CONF_EXACT = 0.9
CONF_FOLDED = 0.75            # matched only without diacritics / spacing
CONF_SOFT = 0.5               # a common word that is also a major place's name
CONF_SUFFIX = 0.8             # Hangul name + particle/suffix
CONF_INNER = 0.75             # unspaced: inside a longer run, >= 3 characters
CONF_INNER_SHORT = 0.5        # unspaced: 2 Han characters inside a longer run
CONF_OCR = 0.65               # look-alike digits repaired
CONF_FUZZY = 0.5              # times the similarity
LOWERCASE_FACTOR = 0.7        # a cased-script name written all in lower case

_UNSPACED_RUN = regex.compile(
    r"[\p{Script=Thai}\p{Script=Lao}\p{Script=Khmer}\p{Script=Myanmar}\p{Script=Han}"
    r"\p{Script=Hiragana}\p{Script=Katakana}\u30fc\u3005\u3006\u30f6\uff9e\uff9f]+")
_HAN_KANA = regex.compile(r"^[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\u30fc\u3005\u3006]+$")
_KANA = regex.compile(r"[\p{Script=Hiragana}\p{Script=Katakana}\u30fc]")
_HANGUL = regex.compile(r"^\p{Script=Hangul}+$")
COUNTRY_WORDS = ("ประเทศ", "ປະເທດ", "ប្រទេស", "နိုင်ငံ")  # "country" in Thai, Lao, Khmer, Burmese
_FUZZY_SCRIPT = regex.compile(r"^[\p{Script=Latin}\p{Script=Cyrillic}][\p{Script=Latin}\p{Script=Cyrillic}\p{M}' .\-]*$")
_CASED = regex.compile(r"[\p{Script=Latin}\p{Script=Cyrillic}\p{Script=Greek}]")
_CONNECTORS = {"-", "'", ".", "\u2019"}
# Glyphs OCR engines confuse with each other (lower case, after normalize()); each maps to
# its group's first member so two letters are look-alikes when they map to the same one.
_CONFUSABLE = {ch: grp[0] for grp in ("oaec", "iljtf", "uvnh", "bh", "gq", "mn", "yv", "kx",
                                      "оаес", "инй", "шщ", "ьъ") for ch in grp}
_OCR_DIGITS = str.maketrans({"0": "o", "1": "l", "5": "s", "8": "b", "|": "l", "4": "a", "3": "e"})
# Korean particles and admin/station suffixes written onto a name (longest first).
HANGUL_SUFFIXES = tuple(sorted("""특별시 광역시 특별자치시 특별자치도 도청 시청 구청 군청 공항 대학교 터미널 역 항 시 도 군 구 동 읍
 면 에서 에게 으로 까지 부터 에 의 은 는 이 가 을 를 로 와 과 행 발 점""".split(), key=len, reverse=True))


@dataclass(frozen=True)
class _Hit:
    start: int
    end: int
    key: str                 # the gazetteer name that matched
    places: tuple[Place, ...]
    how: str                 # exact | folded | soft | suffix | inner | ocr | fuzzy
    confidence: float
    similarity: float = 1.0


def _prior(p: Place) -> float:
    if p.kind == "subdivision":
        return SUBDIVISION2_PRIOR if p.type == "second-level subdivision" else SUBDIVISION_PRIOR
    return float(p.population or 1000)


class PlaceMatcher:
    """Finds gazetteer place names in text. Build once per worker (about a second)."""

    def __init__(self, gazetteer: Optional[Gazetteer] = None) -> None:
        self.gaz = gazetteer or Gazetteer.load()
        self.nlp = blank()
        self.soft = frozenset(self.gaz.header.get("soft_stoplist", ()))
        self.stop = self.gaz.stoplist
        self.source = Source(stage="text", engine=f"clueextract-gazetteer {self.gaz.version}",
                             model=self.gaz.path.name, model_sha256=self.gaz.sha256)
        # One pass over the names: lengths of unspaced-script names (for the window scan)
        # and fuzzy candidates bucketed by (first letter, length). Cheap code-point tests
        # first: this runs once per worker over ~300k names.
        with paused_gc():
            eligible = {i for i, p in enumerate(self.gaz.places) if self._fuzzy_eligible(p)}
            lengths: set[int] = set()
            buckets: dict[tuple[str, int], list[str]] = {}
            for key, ref in self.gaz.names.items():
                if ord(key[0]) < 0x530:  # Latin, Greek, Cyrillic blocks
                    if (len(key) >= FUZZY_MIN_LEN - 2 and key not in self.soft
                            and (ref in eligible if isinstance(ref, int) else any(r in eligible for r in ref))
                            and _FUZZY_SCRIPT.match(key)):
                        buckets.setdefault((key[0], len(key)), []).append(key)
                elif _UNSPACED_RUN.fullmatch(key):
                    lengths.add(len(key))
        self.unspaced_lengths = sorted(lengths, reverse=True)
        self.buckets = buckets

    @staticmethod
    def _fuzzy_eligible(p: Place) -> bool:
        if p.kind == "city":
            return (p.population or 0) >= FUZZY_MIN_POPULATION
        return p.kind == "country" or p.type != "second-level subdivision"

    # -- lookups -------------------------------------------------------------------------

    def _exact(self, span: str) -> Optional[tuple[str, list[Place], str]]:
        key = normalize(span)
        if not key:
            return None
        if key in self.soft:
            letters = [c for c in span if c.isalpha()]
            if letters and letters[0].isupper() and any(c.islower() for c in letters[1:]):
                return key, self.gaz.lookup(key), "soft"
            return None
        places = self.gaz.lookup(key)
        if places:
            return key, places, "exact"
        f = fold(key)
        # Folding drops accents, spaces and dots, so short accented words and initials fold
        # onto town names ("Tenés" -> Ténès, "S. A. de C." -> Sa Dec). Text written without
        # any accent (OCR often loses them: "Koln") may fold from 4 letters, other text
        # from FOLD_MIN_LEN.
        min_len = 4 if span.isascii() else FOLD_MIN_LEN
        words = regex.findall(r"\w+", key)
        if len(f) < min_len or f in self.stop or any(len(w) < (3 if len(words) > 1 else 2) for w in words):
            return None  # ... and syllables joined into a name ("Ba Tư Cổ" -> Batuco)
        places = self.gaz.lookup(f) + self.gaz.lookup_folded(f)
        if places:
            return f, list(dict.fromkeys(places)), "folded"
        return None

    # -- spaced scripts --------------------------------------------------------------------

    def _spaced(self, text: str, ocr_repair: bool = True) -> list[_Hit]:
        doc = self.nlp.make_doc(text)
        toks = [(t.idx, t.idx + len(t.text), t.text) for t in doc]
        ok = [not _UNSPACED_RUN.search(s) and (any(c.isalpha() for c in s) or s in _CONNECTORS)
              for _, _, s in toks]
        hits: list[_Hit] = []
        covered = [False] * len(toks)
        i = 0
        while i < len(toks):
            if not ok[i] or not any(c.isalpha() for c in toks[i][2]):
                i += 1
                continue
            j_max = i
            while j_max + 1 < len(toks) and ok[j_max + 1] and j_max + 1 - i < MAX_TOKENS:
                j_max += 1
            hit = None
            for j in range(j_max, i - 1, -1):
                if not any(c.isalpha() for c in toks[j][2]):
                    continue
                s, e = toks[i][0], toks[j][1]
                if _inside_word(text, s, e):
                    continue
                found = self._exact(text[s:e])
                if found:
                    key, places, how = found
                    conf = {"exact": CONF_EXACT, "folded": CONF_FOLDED, "soft": CONF_SOFT}[how]
                    hit = _Hit(s, e, key, tuple(places), how, conf)
                    for k in range(i, j + 1):
                        covered[k] = True
                    i = j + 1
                    break
            if hit is None:
                hit = self._hangul_suffix(toks[i])
                if hit is not None:
                    covered[i] = True
                i += 1
            if hit is not None:
                hits.append(hit)
        if ocr_repair:
            hits.extend(self._fuzzy(text, toks, ok, covered))
        return hits

    def _hangul_suffix(self, tok: tuple[int, int, str]) -> Optional[_Hit]:
        s, _, word = tok
        if not _HANGUL.match(word) or len(word) < 3:
            return None
        for suffix in HANGUL_SUFFIXES:
            if word.endswith(suffix) and len(word) - len(suffix) >= 2:
                key = normalize(word[: -len(suffix)])
                places = self.gaz.lookup(key)
                if places:
                    return _Hit(s, s + len(key), key, tuple(places), "suffix", CONF_SUFFIX)
        return None

    def _fuzzy(self, text: str, toks: list, ok: list[bool], covered: list[bool]) -> list[_Hit]:
        hits: list[_Hit] = []
        i = 0
        while i < len(toks):
            if covered[i] or not toks[i][2][:1].isalnum():
                i += 1
                continue
            hit = None
            for n in (3, 2, 1):
                j = i + n - 1
                if j >= len(toks) or any(covered[k] or not ok[k] or not toks[k][2].isalnum()
                                         for k in range(i, j + 1)):
                    continue
                s, e = toks[i][0], toks[j][1]
                if _inside_word(text, s, e) or any(
                        normalize(toks[k][2]) in self.stop for k in range(i, j + 1)):
                    continue  # "North Exit" is not an OCR error for "North East"
                hit = self._fuzzy_one(text[s:e], s, e)
                if hit is not None:
                    i = j + 1
                    break
            if hit is None:
                i += 1
            else:
                hits.append(hit)
        return hits

    def _fuzzy_one(self, span: str, s: int, e: int) -> Optional[_Hit]:
        letters = [c for c in span if c.isalpha()]
        if len(letters) < FUZZY_MIN_LEN or not span[:1].isupper() or not _CASED.search(span):
            return None
        key = normalize(span)
        if key in self.stop or fold(key) in self.stop or key in self.soft:
            return None
        digits = sum(c.isdigit() for c in span)
        if digits:
            if digits > len(letters) / 3:
                return None
            repaired = key.translate(_OCR_DIGITS)
            if any(c.isdigit() for c in repaired):
                return None
            places = self.gaz.lookup(repaired)
            if places and repaired not in self.soft and repaired not in self.stop:
                return _Hit(s, e, repaired, tuple(places), "ocr", CONF_OCR, 1.0)
            key = repaired
        if not _FUZZY_SCRIPT.match(key):
            return None
        max_d = 1 if len(key) < FUZZY_TWO_EDITS_LEN else 2
        choices: list[str] = []
        for length in range(len(key) - max_d, len(key) + max_d + 1):
            choices.extend(self.buckets.get((key[0], length), ()))
        if not choices:
            return None
        found = [(c, d) for c, d, _ in process.extract(key, choices, scorer=Levenshtein.distance,
                                                        score_cutoff=max_d, limit=None)
                 if _ocr_plausible(key, c)]
        if not found:
            return None
        best = min(d for _, d in found)
        # Equally close names: prefer one that is a place's own display name.
        names = sorted({c for c, d in found if d == best},
                       key=lambda c: (not any(normalize(p.name) == c for p in self.gaz.lookup(c)), c))
        places = list(dict.fromkeys(p for c in names for p in self.gaz.lookup(c)
                                    if self._fuzzy_eligible(p)))
        if not places or len({p.country for p in places}) > FUZZY_MAX_AMBIGUOUS and len(names) > 1:
            return None
        sim = 1.0 - best / max(len(key), len(names[0]))
        return _Hit(s, e, names[0], tuple(places), "fuzzy", CONF_FUZZY * sim, sim)

    # -- unspaced scripts ------------------------------------------------------------------

    def _unspaced(self, text: str) -> list[_Hit]:
        hits: list[_Hit] = []
        for m in _UNSPACED_RUN.finditer(text):
            norm, starts, ends, bounds = normalize_with_offsets(m.group(), m.start())
            n = len(norm)
            i = 0
            while i < n:
                if i not in bounds:
                    i += 1
                    continue
                hit = None
                for length in self.unspaced_lengths:
                    j = i + length
                    if j > n or j not in bounds:
                        continue
                    key = norm[i:j]
                    places = self.gaz.lookup(key)
                    if not places or key in self.stop or _glued_kana(norm, i, j):
                        continue
                    edge = i == 0 or j == n or norm[:i].endswith(COUNTRY_WORDS)
                    hit = self._unspaced_hit(key, places, starts[i], ends[j - 1], i == 0 and j == n, edge)
                    if hit is not None:
                        break
                if hit is not None:
                    hits.append(hit)
                    i = j
                else:
                    i += 1
        return hits

    @staticmethod
    def _unspaced_hit(key: str, places: list[Place], s: int, e: int, whole: bool,
                      edge: bool = True) -> Optional[_Hit]:
        if whole:
            return _Hit(s, e, key, tuple(places), "exact", CONF_EXACT)
        country = any(p.kind == "country" for p in places)
        if _KANA.search(key) and len(key) < 4 and not country:
            return None  # "ミリ" (Miri) inside "ファミリーマート"
        if _HAN_KANA.match(key):
            conf = CONF_INNER if len(key) >= 3 or country else CONF_INNER_SHORT
        elif len(key) >= 5 or (country and edge):
            # a short country name (Thai "ลาว", "ไทย") counts at either end of the run or after
            # the word "country" ("ประเทศลาว"): in the middle it is a syllable of another word
            # (or of OCR garbage: "ทลาวทว" read off a Hebrew page)
            conf = CONF_INNER
        else:
            return None
        return _Hit(s, e, key, tuple(places), "inner", conf)

    # -- public ----------------------------------------------------------------------------

    def find(self, text: str, ctx: TextContext, ocr_repair: bool = True) -> list[Clue]:
        """All place names in `text`, one clue per non-overlapping span, in text order.
        ocr_repair=False (speech transcripts): no look-alike-digit or edit-distance matches."""
        if not text or not text.strip():
            return []
        hits = self._unspaced(text)
        hits.extend(self._spaced(text, ocr_repair))
        hits.sort(key=lambda h: (h.start, -(h.end - h.start)))
        out: list[Clue] = []
        last_end = -1
        for h in hits:
            if h.start < last_end:
                continue
            last_end = h.end
            out.append(self._clue(text, h, ctx))
        return out

    def _clue(self, text: str, h: _Hit, ctx: TextContext) -> Clue:
        value = text[h.start:h.end]
        conf = h.confidence
        if _CASED.search(value) and not any(c.isupper() for c in value):
            conf *= LOWERCASE_FACTOR
        ranked = sorted(h.places, key=lambda p: (-_prior(p), p.country, p.name))
        best = ranked[0]
        votes, tie = self._votes(value, h, ranked, conf, ctx)
        return Clue(
            kind="place", value=value, normalized=best.name, confidence=conf,
            source=self.source, locator=dict(ctx.locator), language=None, countries=votes,
            extra={"span": [h.start, h.end], "place_kind": best.kind, "matched": h.key,
                   "fuzzy": h.how in ("fuzzy", "ocr"), "match": h.how,
                   "similarity": round(h.similarity, 3), "tie_broken_by_region": tie,
                   "places": [p.to_json() for p in ranked[:MAX_PLACES_LISTED]]},
        )

    def _votes(self, value: str, h: _Hit, ranked: list[Place], conf: float,
               ctx: TextContext) -> tuple[list[CountryVote], bool]:
        best_of: dict[str, Place] = {}
        for p in ranked:
            best_of.setdefault(p.country, p)
        prior = {c: _prior(p) for c, p in best_of.items()}
        order = sorted(prior, key=lambda c: (-prior[c], c))
        tie = False
        if len(order) > 1 and ctx.candidate_regions and prior[order[0]] < TIE_RATIO * prior[order[1]]:
            for c in order:
                if c in ctx.candidate_regions and prior[c] * TIE_RATIO >= prior[order[0]]:
                    prior[c] *= TIE_BOOST
                    tie = True
            order = sorted(prior, key=lambda c: (-prior[c], c))
        total = sum(prior.values())
        how = {"fuzzy": f"OCR-tolerant match of '{value}' to '{h.key}' "
                        f"(similarity {h.similarity:.2f}): ",
               "ocr": f"'{value}' read with look-alike digits repaired as '{h.key}': ",
               "folded": f"'{value}' matches '{h.key}' ignoring accents/spacing: ",
               "suffix": f"'{value}' (with a Korean particle/suffix after it): ",
               "inner": f"'{value}' found inside a longer run of text: "}.get(h.how, "")
        votes: list[CountryVote] = []
        for c in order[:MAX_VOTES]:
            p = best_of[c]
            share = prior[c] / total
            weight = KIND_WEIGHT[p.kind] * (conf / CONF_EXACT) * share
            if len(order) == 1:
                if p.kind == "country":
                    reason = (f"{how}'{value}' names {country_name(c)}: a mention of the country, "
                              f"which is not by itself where the text was written")
                else:
                    more = [q for q in ranked if q.country == c and q is not p]
                    also = "; ".join(q.short() for q in more[:3]) + ("; ..." if len(more) > 3 else "")
                    extra = f" (also: {also})" if more else ""
                    reason = f"{how}'{value}' is the name of {p.describe()}{extra}"
            else:
                reason = (f"{how}'{value}' names places in {len(order)} countries; {p.describe()} "
                          f"carries {share:.0%} of the population prior")
                if tie and c in ctx.candidate_regions:
                    reason += " (near-tie broken toward the active language packs' regions)"
            votes.append(CountryVote(c, weight, reason))
        return votes, tie


def _ocr_plausible(query: str, cand: str) -> bool:
    """Could OCR have turned `cand` into `query`? One word: only substitutions between
    look-alike glyphs ("Bangkak" for "Bangkok"), same length; any other single edit of a
    word is as likely another word ("Sekarang" is not "Semarang"). Several words: at least
    one of them (>= 3 letters) must be read exactly ("Kuala Lumpar" for "Kuala Lumpur")."""
    q, c = query.split(" "), cand.split(" ")
    if len(q) > 1:
        return len(q) == len(c) and any(a == b and len(a) >= 3 for a, b in zip(q, c))
    if len(query) != len(cand):
        return False
    return all(a == b or _CONFUSABLE.get(a, a) == _CONFUSABLE.get(b, b) for a, b in zip(query, cand))


_HIRA = regex.compile(r"^[\p{Script=Hiragana}\u30fc]+$")
_KATA = regex.compile(r"^[\p{Script=Katakana}\u30fc\uff9e\uff9f]+$")


def _glued_kana(run: str, i: int, j: int) -> bool:
    """True when run[i:j] is all hiragana or all katakana and the same kana touches it on
    either side: part of a longer word ("タイ" in "フルタイム", "なります" after "に")."""
    key = run[i:j]
    for rx in (_HIRA, _KATA):
        if rx.match(key):
            return bool((i > 0 and rx.match(run[i - 1])) or (j < len(run) and rx.match(run[j])))
    return False


def _inside_word(text: str, s: int, e: int) -> bool:
    """True when [s, e) is glued by a hyphen/apostrophe to a letter outside it ("Sari-Sari")."""
    if s >= 2 and text[s - 1] in "-'\u2019" and text[s - 2].isalnum():
        return True
    if e + 1 < len(text) and text[e] in "-\u2019" and text[e + 1].isalnum():
        return True
    return False


def place_clues(text: str, ctx: TextContext, matcher: Optional[PlaceMatcher] = None) -> list[Clue]:
    """Convenience: place clues with the process-wide matcher (built on first use)."""
    return (matcher or _default_matcher()).find(text, ctx)


_MATCHER: Optional[PlaceMatcher] = None


def _default_matcher() -> PlaceMatcher:
    global _MATCHER
    if _MATCHER is None:
        _MATCHER = PlaceMatcher()
    return _MATCHER
