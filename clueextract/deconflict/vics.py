"""Project VIC VICS JSON reader: `parse_vics(bytes) -> list[KnownHash]`.

The shapes met in the wild (checked against public exporters and importers, see the
module tests):

- VICS 2.0 case: ``{"@odata.context": ".../VICSDATAMODEL/ProjectVic/DataModels/2.0.xml/US/$metadata#Cases",
  "value": [{"CaseID": ..., "Media": [{"MediaID", "MD5", "SHA1", "Category", "Series",
  "VictimIdentified", "RelativeFilePath", "Comments", "Tags", "MediaFiles": [...]}]}]}``
- VICS 2.0 hash set: the same context ending ``#Media`` and ``"value"`` holding Media entries directly.
- VICS 1.x: ``{"odata.metadata": ".../ICMEC/ProjectVic/DataModels/1.3.xml#Cases", "value": [{"Media": [...]}]}``,
  where SHA-1 may sit in ``"AlternativeHashes": [{"HashName": "SHA1", "HashValue": ...}]``.

Flags come as JSON booleans or as the strings "true"/"false"; ``Series`` as text or
``{"Name": ...}``; key case varies between exporters, so keys are compared without
case or punctuation. Only the fields deconfliction needs are kept while parsing
(PhotoDNA, EXIF, MediaFiles are dropped as each object closes), which keeps memory
near the size of the hash index rather than of the whole document.
"""
from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Any, Iterator, Optional

from .known import KnownHash, KnownHashError, clean_text, norm_category, norm_flag, norm_hash

_KEEP = {"odatacontext", "odatametadata", "value", "media", "cases", "md5", "sha1", "sha256", "series",
         "category", "victimidentified", "mediaid", "name", "seriesname", "alternativehashes", "hashname",
         "hashvalue"}
_KEY = re.compile(r"[^a-z0-9]")
_MEDIA_KEYS = _KEEP - {"odatacontext", "odatametadata", "value", "media", "cases"}
MAX_DEPTH_HINT = "nesting too deep"


@lru_cache(maxsize=4096)
def _kept(key: str) -> Optional[str]:
    nk = _KEY.sub("", key.lower())
    return nk if nk in _KEEP else None


def _slim(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """object_pairs_hook: normalised keys, only the fields we read."""
    out: dict[str, Any] = {}
    for k, v in pairs:
        nk = _kept(k)
        if nk is not None:
            out[nk] = v
    return out


def decode_text(data: bytes, name: str) -> str:
    """UTF-8 (with or without BOM) or BOM-marked UTF-16; a clear error naming the line otherwise."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as e:
            raise KnownHashError(f"{name}: not valid UTF-16 text at byte {e.start}") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        raise KnownHashError(f"{name}: line {line}: not valid UTF-8 text (byte {e.start})") from None


def parse_vics(data: bytes, name: str = "<vics>") -> list[KnownHash]:
    """Every Media entry of a VICS document with at least one hash. Raises KnownHashError
    (never anything else) for input that is not a usable VICS document."""
    text = decode_text(data, name)
    try:
        doc = json.loads(text, object_pairs_hook=_slim)
    except json.JSONDecodeError as e:
        raise KnownHashError(f"{name}: line {e.lineno}, column {e.colno}: not valid JSON ({e.msg})") from None
    except RecursionError:
        raise KnownHashError(f"{name}: not a VICS document (JSON {MAX_DEPTH_HINT})") from None
    except ValueError as e:  # valid JSON syntax Python refuses: an integer over sys.int_max_str_digits (4300)
        raise KnownHashError(f"{name}: not a usable VICS document ({e})") from None
    if not isinstance(doc, dict):
        raise KnownHashError(f"{name}: not a VICS document (the top level must be an object with \"value\")")
    out = [_entry(m, f"{name}: Media entry {i}") for i, m in enumerate(_media(doc, name), 1)]
    return out


def _media(doc: dict[str, Any], name: str) -> Iterator[Any]:
    value = doc.get("value", doc.get("cases"))
    if value is None and "media" in doc:          # a bare {"Media": [...]}
        value = [doc]
    if isinstance(value, dict):
        value = [value]
    if not isinstance(value, list):
        raise KnownHashError(f"{name}: not a VICS document (no \"value\" list of cases or Media)")
    for i, v in enumerate(value, 1):
        if not isinstance(v, dict):
            raise KnownHashError(f"{name}: value entry {i} is {type(v).__name__}, not an object")
        if "media" in v:                        # a case holding Media
            media = v["media"]
            if media is None:
                continue
            if not isinstance(media, list):
                raise KnownHashError(f"{name}: value entry {i}: \"Media\" is not a list")
            yield from media
        elif v.keys() & _MEDIA_KEYS:            # a hash set: Media entries directly under value
            yield v
        # else: a case object with no Media (nothing this reader keeps): nothing to yield


def _entry(m: Any, where: str) -> KnownHash:
    if not isinstance(m, dict):
        raise KnownHashError(f"{where} is {type(m).__name__}, not an object")
    md5 = norm_hash(m.get("md5"), "md5", where)
    sha1 = norm_hash(m.get("sha1"), "sha1", where)
    sha256 = norm_hash(m.get("sha256"), "sha256", where)
    alt = m.get("alternativehashes")
    if isinstance(alt, list):
        for a in alt:
            if isinstance(a, dict) and isinstance(a.get("hashname"), str):
                kind = _KEY.sub("", a["hashname"].lower())
                if kind == "sha1" and sha1 is None:
                    sha1 = norm_hash(a.get("hashvalue"), "sha1", where)
                elif kind == "sha256" and sha256 is None:
                    sha256 = norm_hash(a.get("hashvalue"), "sha256", where)
    if not (md5 or sha1 or sha256):
        raise KnownHashError(f"{where} has no MD5, SHA1 or SHA256")
    return KnownHash(md5=md5, sha1=sha1, sha256=sha256, series=_series(m.get("series")),
                     category=norm_category(m.get("category")), victim_identified=norm_flag(m.get("victimidentified")),
                     media_id=clean_text(m.get("mediaid"), 64), where=where.rsplit(": ", 1)[-1])


def _series(v: Any) -> Optional[str]:
    if isinstance(v, dict):
        v = v.get("name", v.get("seriesname"))
    if isinstance(v, list):
        v = ", ".join(s for s in (clean_text(x) for x in v) if s)
    return clean_text(v)
