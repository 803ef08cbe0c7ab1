"""ICSE-style hash CSV reader: `parse_icse(bytes) -> list[KnownHash]`.

There is no published standard for the CSV hash lists units pass around (exports
from ICSE, Griffeye, national databases, spreadsheets): columns are found by header
name, compared without case, spaces or punctuation, so "MD5", "md5 hash", "Hash (MD5)",
"Victim Identified", "VictimIdentified" and "Status" are all recognised. Separators
are comma, semicolon, tab or pipe (whichever the header line uses most); a UTF-8 BOM
or a BOM-marked UTF-16 file (Excel's "Unicode text") is read; text that is not UTF-8
is read as Windows-1252, the usual spreadsheet fallback (hashes are ASCII either way).
A file whose first line is itself a hash is read as a bare list, one hash a line.
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from typing import Iterator, Optional

from .known import (HASH_LENGTHS, KnownHash, KnownHashError, clean_text, hash_kind, norm_category, norm_flag,
                    norm_hash)

_NORM = re.compile(r"[^a-z0-9]")
ALIASES: dict[str, set[str]] = {
    "md5": {"md5", "md5hash", "hashmd5", "md5sum", "md5value", "md5checksum"},
    "sha1": {"sha1", "sha1hash", "hashsha1", "sha1sum", "sha1value"},
    "sha256": {"sha256", "sha256hash", "hashsha256", "sha256sum", "sha256value", "sha2", "sha2256"},
    "hash": {"hash", "hashvalue", "hashes", "filehash", "value", "digest"},
    "series": {"series", "seriesname", "seriesid", "seriestitle", "serie", "serien", "victimseries", "seriesidentifier"},
    "category": {"category", "cat", "categorie", "categoria", "kategorie", "classification", "class",
                 "vicscategory", "projectviccategory", "categoryid"},
    "victim": {"victimidentified", "identified", "isidentified", "victimisidentified", "status", "victimstatus",
               "identificationstatus", "identifiedvictim", "victimidentification"},
    "media_id": {"mediaid", "id", "icseid", "imageid", "fileid", "recordid"},
}
# looser rules, used only for a column no exact alias claimed
_CONTAINS = [("sha256", "sha256"), ("sha1", "sha1"), ("md5", "md5"), ("series", "series"),
             ("categor", "category"), ("identified", "victim")]
_DELIMS = (",", ";", "\t", "|")


@dataclass(frozen=True)
class Columns:
    """Which column index holds which field (None: absent)."""
    md5: Optional[int] = None
    sha1: Optional[int] = None
    sha256: Optional[int] = None
    hash: Optional[int] = None
    series: Optional[int] = None
    category: Optional[int] = None
    victim: Optional[int] = None
    media_id: Optional[int] = None

    @property
    def has_hash(self) -> bool:
        return any(i is not None for i in (self.md5, self.sha1, self.sha256, self.hash))


def detect_columns(header: list[str]) -> Columns:
    """Map header names to fields: exact aliases first, then 'contains' rules."""
    norm = [_NORM.sub("", h.lower()) for h in header]
    found: dict[str, int] = {}
    for i, h in enumerate(norm):
        for field, names in ALIASES.items():
            if h in names and field not in found:
                found[field] = i
    claimed = set(found.values())
    for i, h in enumerate(norm):
        if i in claimed or h.startswith("parent"):
            continue
        for needle, field in _CONTAINS:
            if needle in h and field not in found:
                found[field] = i
                claimed.add(i)
                break
    return Columns(**found)


def decode_csv(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _delimiter(line: str) -> str:
    counts = {d: line.count(d) for d in _DELIMS}
    best = max(_DELIMS, key=lambda d: counts[d])
    return best if counts[best] else ","


# csv's own field_size_limit is process-wide and other libraries raise it (reverse_geocoder sets
# it to sys.maxsize on import), so the limit on one field is checked here, not left to csv.
FIELD_LIMIT = 131_072


def _rows(text: str, delim: str) -> Iterator[tuple[int, list[str]]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delim, strict=False)
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as e:
            raise _LineError(reader.line_num, f"not valid CSV ({e})") from None
        if any(len(c) > FIELD_LIMIT for c in row):
            raise _LineError(reader.line_num, f"not valid CSV (a field longer than {FIELD_LIMIT} characters: "
                                              "an unclosed quote?)")
        if not row or all(not c.strip() for c in row) or row[0].lstrip().startswith("#"):
            continue
        yield reader.line_num, row


class _LineError(Exception):
    def __init__(self, line: int, msg: str):
        super().__init__(msg)
        self.line, self.msg = line, msg


def parse_icse(data: bytes, name: str = "<csv>") -> list[KnownHash]:
    """Every row with a hash. Raises KnownHashError naming the file and line (never anything else)."""
    text = decode_csv(data).replace("\x00", "")
    first = next((ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")), None)
    if first is None:
        raise KnownHashError(f"{name}: empty hash list (no header, no hashes)")
    delim = _delimiter(first)
    try:
        rows = _rows(text, delim)
        line, header = next(rows, (0, []))
        if header and hash_kind(header[0]) is not None:      # no header: a bare list of hashes
            return [_bare(line, header, name)] + [_bare(n, r, name) for n, r in rows]
        cols = detect_columns(header)
        if not cols.has_hash:
            shown = ", ".join(repr(clean_text(h, 40) or "") for h in header[:12])
            raise KnownHashError(f"{name}: line {line}: no MD5, SHA1, SHA256 or Hash column in the header "
                                 f"(found {shown})")
        return [_row(n, r, cols, name) for n, r in rows]
    except _LineError as e:
        raise KnownHashError(f"{name}: line {e.line}: {e.msg}") from None


def _cell(row: list[str], i: Optional[int]) -> Optional[str]:
    return row[i] if i is not None and i < len(row) else None


def _bare(line: int, row: list[str], name: str) -> KnownHash:
    where = f"{name}: line {line}"
    value = row[0].strip()
    kind = hash_kind(value)
    if kind is None:
        raise KnownHashError(f"{where}: {clean_text(value, 80)!r} is not an MD5, SHA1 or SHA256 hash")
    return KnownHash(**{kind: value.lower()}, where=f"line {line}")


def _row(line: int, row: list[str], cols: Columns, name: str) -> KnownHash:
    where = f"{name}: line {line}"
    h = {k: norm_hash(_cell(row, getattr(cols, k)), k, where) for k in HASH_LENGTHS}
    generic = (_cell(row, cols.hash) or "").strip()
    if generic:
        kind = hash_kind(generic)
        if kind is None:
            raise KnownHashError(f"{where}: hash {clean_text(generic, 80)!r} is not an MD5, SHA1 or SHA256 hash")
        h[kind] = h[kind] or generic.lower()
    if not any(h.values()):
        raise KnownHashError(f"{where}: no hash in this row")
    return KnownHash(md5=h["md5"], sha1=h["sha1"], sha256=h["sha256"], series=clean_text(_cell(row, cols.series)),
                     category=norm_category(_cell(row, cols.category)),
                     victim_identified=norm_flag(_cell(row, cols.victim)),
                     media_id=clean_text(_cell(row, cols.media_id), 64), where=f"line {line}")
