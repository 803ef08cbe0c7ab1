"""Load hash lists and the category mapping from files; hand the set to a scan.

A list is read whole, capped at `MAX_LIST_BYTES` (a larger file is refused, never
truncated: a half-read list would silently miss matches). Measured on 500,000-entry
synthetic lists (2 shared cores): VICS JSON of 223 MB with PhotoDNA -> 15 s, peak RSS
0.93 GB (parsing keeps only the fields used, see vics.py); CSV of 46 MB -> 11 s, 0.46 GB.
Each list is identified by its SHA-256, which goes into the
scan's configuration hash through ``ScanConfig.extra["known_hashes"]`` — a changed list
means a changed configuration. The loaded set itself is not part of the configuration
(it is big, and worker processes never need it: matching happens at ingest, in the main
process), so it is kept in this process, found again by that configuration entry.
"""
from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any, Iterable, Optional

from .icse import parse_icse
from .known import HashList, KnownHashError, KnownHashSet, clean_text, message
from .vics import parse_vics

MAX_LIST_BYTES = 1 << 30          # 1 GiB: several million VICS entries; larger lists are refused, not truncated
MAX_MAP_BYTES = 1 << 20
DEFAULT_CATEGORY_MAP = Path(__file__).resolve().parent.parent / "data" / "vics_categories.json"
EXTRA_KEY = "known_hashes"
NOTE_PREFIX = '{"known":'

_LOADED: dict[str, KnownHashSet] = {}


def _read_capped(path: Path, limit: int, what: str) -> bytes:
    try:
        with open(path, "rb") as f:
            size = os.fstat(f.fileno()).st_size
            if size > limit:
                raise KnownHashError(f"{path}: {what} of {size:,} bytes is larger than the limit of {limit:,} bytes")
            data = f.read(limit + 1)
    except OSError as e:
        raise KnownHashError(f"{path}: cannot read {what}: {e.strerror or e}") from None
    if len(data) > limit:  # grew while being read, or a special file
        raise KnownHashError(f"{path}: {what} is larger than the limit of {limit:,} bytes")
    return data


def sniff_format(data: bytes) -> str:
    """'vics' when the content is JSON (first non-space character { or [), else 'icse-csv'."""
    head = data[:4096]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        head = head.decode("utf-16", errors="ignore").encode()
    head = head.removeprefix(b"\xef\xbb\xbf").lstrip()
    return "vics" if head[:1] in (b"{", b"[") else "icse-csv"


def parse_list(data: bytes, name: str) -> tuple[str, list]:
    fmt = sniff_format(data)
    entries = parse_vics(data, name) if fmt == "vics" else parse_icse(data, name)
    if not entries:
        raise KnownHashError(f"{name}: no hash entries found")
    return fmt, entries


# -- category mapping ----------------------------------------------------------------
def load_category_map(path: Optional[str | Path] = None) -> tuple[dict[str, str], dict[str, str]]:
    """(code -> label, identity) from the default mapping or a user file. A user file is
    either the default file's shape ({"categories": {...}}) or a flat {"1": "label"} object."""
    p = Path(path) if path else DEFAULT_CATEGORY_MAP
    raw = _read_capped(p, MAX_MAP_BYTES, "category map")
    try:
        doc = json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise KnownHashError(f"{p}: category map is not UTF-8 text") from None
    except json.JSONDecodeError as e:
        raise KnownHashError(f"{p}: line {e.lineno}, column {e.colno}: not valid JSON ({e.msg})") from None
    except RecursionError:
        raise KnownHashError(f"{p}: category map nesting too deep") from None
    cats = doc.get("categories", doc) if isinstance(doc, dict) else None
    if not isinstance(cats, dict) or not cats:
        raise KnownHashError(f'{p}: a category map is a JSON object of code -> label, e.g. {{"1": "label"}}, '
                             f'or {{"categories": {{...}}}}')
    labels: dict[str, str] = {}
    for k, v in cats.items():
        label = clean_text(v) if isinstance(v, str) else None
        code = clean_text(k, 16)
        if not code or not label:
            raise KnownHashError(f"{p}: category {k!r}: the label must be non-empty text")
        labels[code.upper() if not code.isdigit() else str(int(code))] = label
    ident = {"name": p.name if path else "default", "sha256": hashlib.sha256(raw).hexdigest(),
             "scheme": clean_text(doc.get("scheme")) if isinstance(doc, dict) and isinstance(doc.get("scheme"), str)
             else p.name}
    return labels, ident


# -- loading ---------------------------------------------------------------------------
def load_known(paths: Iterable[str | Path], category_map: Optional[str | Path] = None,
               process_known: bool = False, max_bytes: int = MAX_LIST_BYTES) -> KnownHashSet:
    """Read every list; KnownHashError (naming file and line) on the first unusable one.
    The set is remembered in this process for `for_config` (see `config_extra`)."""
    labels, ident = load_category_map(category_map)
    ks = KnownHashSet(labels=labels, category_map=ident, process_known=process_known)
    for p in (Path(x) for x in paths):
        data = _read_capped(p, max_bytes, "hash list")
        fmt, entries = parse_list(data, str(p))
        ks.add(HashList(p.name, hashlib.sha256(data).hexdigest(), fmt, len(entries)), entries)
    if ks.lists:
        _LOADED[_key(config_extra(ks)[EXTRA_KEY])] = ks
    return ks


def config_extra(ks: KnownHashSet) -> dict[str, Any]:
    """What goes into ScanConfig.extra: list names and SHA-256, the mapping's hash and
    --process-known, so any change to them changes the configuration hash."""
    if not ks.lists:
        return {}
    return {EXTRA_KEY: {"lists": [{"name": s.name, "sha256": s.sha256, "format": s.format, "entries": s.entries}
                                  for s in ks.lists],
                        "category_map": ks.category_map, "process_known": ks.process_known}}


def _key(spec: Any) -> str:
    return json.dumps(spec, sort_keys=True, separators=(",", ":"))


def for_config(config: Any) -> Optional[KnownHashSet]:
    """The loaded set a configuration names, or None when it names none."""
    spec = (getattr(config, "extra", None) or {}).get(EXTRA_KEY)
    if not spec:
        return None
    ks = _LOADED.get(_key(spec))
    if ks is None:
        raise KnownHashError("the scan configuration names known-hash lists that are not loaded in this process; "
                             "load them with clueextract.deconflict.load_known(...) and pass config_extra(...)")
    return ks


# -- the item's known-hash matches: their own column (store schema 4) -----------------------
def split_note(raw: Optional[str]) -> tuple[Optional[str], Optional[list[dict[str, Any]]]]:
    """(the human note, the known-hash matches) from a note written before store schema 4,
    when a match rode as JSON inside the note column. Store migration 4 moves them out with it."""
    if not raw or not raw.startswith(NOTE_PREFIX):
        return raw, None
    try:
        d = json.loads(raw)
    except ValueError:
        return raw, None
    if not isinstance(d, dict) or not isinstance(d.get("known"), list):
        return raw, None
    return d.get("note"), d["known"]


def known_of(row: Any) -> Optional[list[dict[str, Any]]]:
    """An item row's known-hash matches (None: on no list). A store of schema 3 or older opened
    read-only (exports never migrate) still carries them in its note column."""
    if "known_json" in row.keys():
        return json.loads(row["known_json"]) if row["known_json"] else None
    return split_note(row["note"])[1]


def note_of(row: Any) -> Optional[str]:
    """An item row's human note (the sniff's), without the matches an old store kept there."""
    return row["note"] if "known_json" in row.keys() else split_note(row["note"])[0]


def mark_item(config: Any, fields: dict[str, Any]) -> tuple[Optional[str], Optional[str]]:
    """Ingest hook: record a hash-list match in fields["known_json"] (kept through processing,
    which only rewrites info_json). Returns (the message to skip the item with, or None: no
    match or --process-known; the human note)."""
    note = fields.get("note")
    fields["known_json"] = None   # a match from an earlier configuration never lingers
    ks = for_config(config)
    if ks is None:
        return None, note
    matches = ks.match(sha256=fields.get("sha256"), md5=fields.get("md5"), sha1=fields.get("sha1"))
    if not matches:
        return None, note
    records = [ks.match_record(m) for m in matches]
    fields["known_json"] = json.dumps(records, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return (None if ks.process_known else message(records)), note
