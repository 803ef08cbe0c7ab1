"""The brand matcher's lookup tables, the NSI part prebuilt: clueextract/data/brand_tables.json.gz.

Why: building the tables from the ~44k names of brands.json.gz tokenizes 8k names with
punctuation or digits through spaCy and computes 34k OCR skeletons, about 1.8 s in every worker
and every `scan` (measured on 2 cores, of a 5.7 s one-image scan). These depend only on the
index, spaCy's tokenizer and the code below, so they are computed ahead of time
(`python scripts/build_brand_tables.py`) and the pack brands, a few hundred names, are added at
start. The file names the index SHA-256, the spaCy version and TABLES_FORMAT it was built for,
and its own SHA-256 is pinned (TABLES_SHA256); a file that does not fit is not used: the
tables are then built here as before, with the same result (tests/test_brands.py checks the
file against a fresh build).

Tables (what BrandMatcher.find reads):
- seq:    token sequence (lower-case tokens joined by U+001F) -> name key; letter-only names
          are their words, others spaCy's tokens; on equal sequences the smallest key wins.
- first:  first token -> the longest sequence starting with it.
- substr: first character -> names matched as substrings (unspaced scripts, Hangul), longest first.
- skel:   OCR skeleton -> name keys (Latin names of >= FUZZY_MIN_LEN, no global brands).
"""
from __future__ import annotations

import gzip
import io
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Optional

TABLES_PATH = Path(__file__).resolve().parent.parent / "data" / "brand_tables.json.gz"
TABLES_SHA256 = "dd716e0a6ef6af6286a27f515a26ca4861b34c901d34af1350ab22714105fabb"
TABLES_FORMAT = 1


@dataclass
class Tables:
    seq: dict[str, str]
    first: dict[str, int]
    substr: dict[str, list[str]]
    skel: dict[str, list[str]]   # sorted

    def add(self, keys: Iterable[str], fuzzy_keys: set[str], tokenize: Callable[[list[str]], list[list[str]]],
            skeleton: Callable[[str], str], substring: Callable[[str], bool], letters_only: Callable[[str], bool],
            latin: Callable[[str], bool], fuzzy_min_len: int) -> None:
        """Add names (keys) to the tables; fuzzy_keys: those that may match by skeleton."""
        keys = sorted(set(keys))
        spaced = [k for k in keys if not substring(k)]
        simple = [k for k in spaced if letters_only(k)]
        other = [k for k in spaced if not letters_only(k)]
        for key, words in zip(simple + other, [k.split() for k in simple] + tokenize(other)):
            if words:
                s = "\x1f".join(words)
                old = self.seq.get(s)
                # (equal sequences only come from names of one kind: letter-only or not; the old
                # build kept the first of the sorted names, i.e. the smallest)
                self.seq[s] = key if old is None else min(old, key)
                self.first[words[0]] = max(self.first.get(words[0], 0), len(words))
        for k in keys:
            if substring(k):
                lst = self.substr.setdefault(k[0], [])
                if k not in lst:
                    lst.append(k)
        for lst in self.substr.values():
            lst.sort(key=lambda k: (-len(k), k))
        for k in keys:
            if k in fuzzy_keys and latin(k):
                sk = skeleton(k)
                if len(sk) >= fuzzy_min_len:
                    lst = self.skel.setdefault(sk, [])
                    if k not in lst:
                        lst.append(k)
                        lst.sort()

    def to_json(self) -> dict[str, Any]:
        return {"seq": dict(sorted(self.seq.items())), "first": dict(sorted(self.first.items())),
                "substr": dict(sorted(self.substr.items())),
                "skel": dict(sorted(self.skel.items()))}

    @classmethod
    def from_json(cls, doc: dict[str, Any]) -> "Tables":
        return cls(doc["seq"], doc["first"], doc["substr"], doc["skel"])


def header(index_sha256: str, spacy_version: str) -> dict[str, Any]:
    return {"format": TABLES_FORMAT, "brands_sha256": index_sha256, "spacy": spacy_version}


def encode(tables: Tables, head: dict[str, Any]) -> bytes:
    """The file's bytes: gzip (mtime 0, no name) of sorted compact JSON; same input, same bytes."""
    raw = json.dumps({"header": head, **tables.to_json()}, sort_keys=True, ensure_ascii=False,
                     separators=(",", ":")).encode()
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, mtime=0, compresslevel=9) as gz:
        gz.write(raw)
    return buf.getvalue()


def load_prebuilt(head: dict[str, Any], path: Path = TABLES_PATH,
                  expected_sha256: Optional[str] = TABLES_SHA256) -> Optional[Tables]:
    """The prebuilt NSI tables when the file is the pinned one and was built for this index,
    spaCy version and format; else None (the caller builds them)."""
    try:
        data = path.read_bytes()
    except OSError:
        return None
    if expected_sha256 is not None and hashlib.sha256(data).hexdigest() != expected_sha256:
        return None
    doc = json.loads(gzip.decompress(data))
    if doc.get("header") != head:
        return None
    return Tables.from_json(doc)
