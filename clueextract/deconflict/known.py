"""One record for a hash on a victim-identification list, whatever format it came in.

Units exchange hash sets (Project VIC VICS JSON, ICSE-style CSV) so that material
already seen — a known series, a victim already identified — is not worked again.
Both readers turn their format into `KnownHash`; `KnownHashSet` answers "is this
file on a list?" by SHA-256, MD5 or SHA-1 in constant time.

Values from a list are untrusted text: every field is normalised and bounded here
(hex hashes checked, control characters removed, lengths capped) so a hostile list
cannot inject newlines into notes or grow a record without bound.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Iterable, Optional, Union

HASH_LENGTHS = {"md5": 32, "sha1": 40, "sha256": 64}
MAX_TEXT = 200          # longest series / category / media id kept from a list
_HEX = re.compile(r"[0-9a-f]+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")
_CATEGORY = re.compile(r"(?i)^(?:cat(?:egory)?)?[\s\-_:#.]*([0-9a-z]{1,8})$")
_TRUE = {"true", "yes", "y", "1", "identified", "victimidentified", "known", "ja", "oui", "si", "sí"}
_FALSE = {"false", "no", "n", "0", "unidentified", "notidentified", "victimnotidentified", "unknown", "nein",
          "non"}

Category = Union[int, str]


class KnownHashError(ValueError):
    """A hash list (or category map) that cannot be used; the message names the file and where."""


@dataclass(frozen=True, slots=True)
class KnownHash:
    """One entry of a hash list. `category` is an int when the list gives a number
    (VICS), else the list's own code ("A"); `victim_identified` is None when not given.
    `where` says where the entry sits in its list (CSV line, or JSON entry number)."""
    md5: Optional[str] = None
    sha1: Optional[str] = None
    sha256: Optional[str] = None
    series: Optional[str] = None
    category: Optional[Category] = None
    victim_identified: Optional[bool] = None
    media_id: Optional[str] = None
    where: Optional[str] = None


@dataclass(frozen=True)
class HashList:
    """Identity of one loaded list (what the config hash and every match record name)."""
    name: str
    sha256: str
    format: str       # "vics" | "icse-csv"
    entries: int


@dataclass(frozen=True)
class Match:
    """A file's hash found on a list."""
    entry: KnownHash
    source: HashList
    matched_on: str   # "sha256" | "md5" | "sha1"


# -- normalisers shared by the readers --------------------------------------------
def clean_text(value: Any, limit: int = MAX_TEXT) -> Optional[str]:
    """Printable single-line text, or None for empty/absent values."""
    if value is None or isinstance(value, (dict, list, bool)):
        return None
    return _clean(str(value), limit)


@lru_cache(maxsize=1 << 16)
def _clean(value: str, limit: int) -> Optional[str]:
    # cached: lists repeat the same series / category / status on thousands of rows, and the
    # cache hands back one shared string for them (less memory for the index as well)
    s = " ".join(_CONTROL.sub(" ", value).split())
    return s[:limit] if s else None


def norm_hash(value: Any, kind: str, where: str) -> Optional[str]:
    """Lower-case hex of the right length, None when empty; KnownHashError otherwise."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise KnownHashError(f"{where}: {kind.upper()} must be text, got {type(value).__name__}")
    s = value.strip().lower()
    if not s:
        return None
    want = HASH_LENGTHS[kind]
    if len(s) != want or not _HEX.fullmatch(s):
        shown = clean_text(value, 80) or "?"
        raise KnownHashError(f"{where}: {kind.upper()} {shown!r} is not {want} hexadecimal digits")
    return s


def hash_kind(value: str) -> Optional[str]:
    """Which hash a bare hex value is, by its length."""
    s = value.strip().lower()
    for kind, n in HASH_LENGTHS.items():
        if len(s) == n and _HEX.fullmatch(s):
            return kind
    return None


def norm_category(value: Any) -> Optional[Category]:
    """VICS numbers stay ints; 'CAT-1' / 'Category 1' -> 1; 'Category A' -> 'A'; other text kept short."""
    return _norm_category(value) if isinstance(value, str) else _norm_category.__wrapped__(value)


@lru_cache(maxsize=4096)
def _norm_category(value: Any) -> Optional[Category]:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() and abs(value) < 1e9 else None
    s = clean_text(value, 64)
    if s is None:
        return None
    m = _CATEGORY.match(s)
    code = m.group(1) if m else s
    if code.isdigit() and len(code) <= 9:
        return int(code)
    return code.upper() if m else code


def norm_flag(value: Any) -> Optional[bool]:
    """VictimIdentified / status columns: bool, 'true', 'Yes', 'Identified', 1 ... or None."""
    return _norm_flag(value) if isinstance(value, str) else _norm_flag.__wrapped__(value)


@lru_cache(maxsize=4096)
def _norm_flag(value: Any) -> Optional[bool]:
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return bool(value) if value in (0, 1) else None
    s = clean_text(value, 64)
    if s is None:
        return None
    key = re.sub(r"[^a-zí]", "", s.lower())
    return True if key in _TRUE else False if key in _FALSE else None


def yes_no(flag: Optional[bool]) -> str:
    return "not given" if flag is None else "yes" if flag else "no"


# -- the set ------------------------------------------------------------------------
@dataclass
class KnownHashSet:
    """Every loaded list, indexed by hash. A hash on several lists (or twice on one)
    returns every entry, in load order, so nothing a list says is hidden."""
    lists: list[HashList] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)   # category code -> label
    category_map: Optional[dict[str, str]] = None          # {"name", "sha256", "scheme"} of the mapping used
    process_known: bool = False
    _index: dict[str, dict[str, tuple[tuple[int, KnownHash], ...]]] = field(
        default_factory=lambda: {k: {} for k in HASH_LENGTHS})

    def add(self, source: HashList, entries: Iterable[KnownHash]) -> None:
        n = len(self.lists)
        self.lists.append(source)
        for e in entries:
            item = ((n, e),)
            for kind, idx in self._index.items():
                h = getattr(e, kind)
                if h:
                    prev = idx.get(h)
                    idx[h] = item if prev is None else prev + item

    def __len__(self) -> int:
        return sum(s.entries for s in self.lists)

    def match(self, sha256: Optional[str] = None, md5: Optional[str] = None,
              sha1: Optional[str] = None) -> list[Match]:
        """Entries whose hash equals one of the file's; strongest hash first, each entry once."""
        out: list[Match] = []
        seen: set[int] = set()
        for kind, h in (("sha256", sha256), ("sha1", sha1), ("md5", md5)):
            if not h:
                continue
            for n, e in self._index[kind].get(h.lower(), ()):
                if id(e) not in seen:
                    seen.add(id(e))
                    out.append(Match(e, self.lists[n], kind))
        return out

    def label(self, category: Optional[Category]) -> Optional[str]:
        return None if category is None else self.labels.get(str(category))

    def match_record(self, m: Match) -> dict[str, Any]:
        """The JSON form of a match kept with the item (and in clues.jsonl `known`)."""
        e = m.entry
        return {"list": m.source.name, "list_sha256": m.source.sha256, "format": m.source.format,
                "matched_on": m.matched_on, "series": e.series, "category": e.category,
                "category_label": self.label(e.category), "victim_identified": e.victim_identified,
                "media_id": e.media_id, "where": e.where}

    def describe(self) -> str:
        parts = [f"{s.name} ({s.format}, {s.entries:,})" for s in self.lists]
        scheme = (self.category_map or {}).get("scheme") or (self.category_map or {}).get("name") or "none"
        return f"{len(self):,} known hashes from {', '.join(parts)}; categories: {scheme}"


def message(records: list[dict[str, Any]]) -> str:
    """One line an analyst reads: 'known: series 'X' in list.json, category 1 (label), victim identified: yes'."""
    r = records[0]
    series = f"series {r['series']!r}" if r.get("series") else "no series given"
    cat = r.get("category")
    cat_s = "category not given" if cat is None else f"category {cat}" + (
        f" ({r['category_label']})" if r.get("category_label") else "")
    more = len({x["list"] for x in records[1:]} - {r["list"]})
    tail = f" (also on {more} more list{'s' if more > 1 else ''})" if more else ""
    return (f"known: {series} in {r['list']}, {cat_s}, victim identified: {yes_no(r.get('victim_identified'))}"
            f"{tail}")
