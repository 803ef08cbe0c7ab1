"""VICS 2.0 export: the case as a Project VIC Media list, for the tools units already
use (IPED, Griffeye, RECON, national VICS portals) to import. Two forms, the same Media:

- ``hashset`` (the default): ``{"@odata.context": ".../ProjectVic/DataModels/2.0.xml/Default/$metadata#Media",
  "value": [Media, ...]}`` and nothing else: the form Project VIC hash sets are exchanged in. IPED
  imports only this form (iped-engine HashDBTool.readProjectVIC: the first key must be that exact
  context, the second "value", and MD5/SHA1/Category/Series/Tags are read only from objects
  directly in ``value[]``; a case form file is not recognised, so 0 records import). RECON and
  clueextract's own `--known-hashes` reader take it too. Hence the default.
- ``case``: ``{"@odata.context": ".../2.0.xml/CUSTOM/$metadata#Cases", "value": [{"CaseID",
  "CaseNumber", "SourceApplicationName", "SourceApplicationVersion", "TotalMediaFiles",
  "Media": [...]}]}``, for tools that import a case (Griffeye, RECON).

One Media entry per distinct content (VICS keys media by MD5), every path holding it in
``MediaFiles``:

- ``MD5``/``SHA1`` (upper-case hex, as VICS hash sets carry them), ``MediaSize``, ``MimeType``,
  ``RelativeFilePath`` (evidence root / path, '/'-separated, as in clues.jsonl);
- ``Series``: the series of the hash list entry that matched, else clueextract's own series
  (the review group: by default the folder);
- ``Category``, ``VictimIdentified`` (the string "true"/"false", which string-reading
  importers expect), ``IsPrecategorized``/``PrecategorizationSource`` only when a known-hash
  list supplied them — clueextract never categorises media itself;
- ``Comments``: the clue summary in words (top countries with shares, key clues, the
  known-hash note or why the item was not processed) and the experts' decisions on its series
  (``review: confirmed GB (alice 2026-12-07)``); ``Tags``: ';'-separated short tags (clueextract,
  review:<status>, country:XX, language:xx, known-hash). A country the experts excluded is never
  tagged (its share is marked "excluded by expert" in Comments); a confirmed one always is, first.

Text only (wellness): no thumbnails, no image data. Same store = same bytes.
"""
from __future__ import annotations

import json
import uuid
from collections import defaultdict
from pathlib import Path
from typing import Any, Optional, TextIO

from .. import __version__
from ..deconflict import known_of
from ..deconflict.known import message as known_message
from ..review import SeriesDecision, series_state
from ..store import CaseStore
from ..assess import assess
from ..kinds import KEY_KINDS  # most place-specific first: the order key clues are listed in
from . import atomic_write
from .published import clue_record
from .summary_model import pct

CONTEXT_CASE = "http://github.com/VICSDATAMODEL/ProjectVic/DataModels/2.0.xml/CUSTOM/$metadata#Cases"
CONTEXT_HASHSET = "http://github.com/VICSDATAMODEL/ProjectVic/DataModels/2.0.xml/Default/$metadata#Media"
CONTEXT = CONTEXT_CASE  # the form written before hash sets were the default
FORMS = ("hashset", "case")
DEFAULT_FORM = "hashset"
MAX_KEY_CLUES = 6
MAX_COMMENTS = 2000


def _clip(s: str, n: int = 40) -> str:
    s = " ".join(str(s).split())
    return s if len(s) <= n else s[: n - 1] + "…"


def key_clues(clues: list[dict[str, Any]], ranked: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """(kind, value) of the clues that carry the top country (the evidence model's support
    rows, strongest first), then other place-pointing clues, most place-specific kind first."""
    rank = {k: i for i, k in enumerate(KEY_KINDS)}
    rows = [(r["kind"], r["value"]) for r in (ranked[0].get("support") or [] if ranked else [])]

    def strength(c: dict[str, Any]) -> float:
        return max((v["weight"] for v in c["countries"]), default=0.0) * c["confidence"]

    rows += [(c["kind"], c["value"]) for c in sorted((c for c in clues if c["kind"] in rank),
                                                     key=lambda c: (rank[c["kind"]], -strength(c), c["clue_id"]))]
    picked, seen = [], set()
    for kind, value in rows:
        key = (kind, " ".join(str(value).split()).casefold())
        if kind in rank and key not in seen:
            seen.add(key)
            picked.append((kind, value))
    return picked[:MAX_KEY_CLUES]


def clue_summary(clues: list[dict[str, Any]], decision: Optional[SeriesDecision] = None) -> tuple[str, list[str]]:
    """(sentence for Comments, tags) from one item's clues and its series' review decisions."""
    decision = decision or series_state([])
    excluded = set(decision.excluded)
    review = [f"review:{decision.status}"]
    if not clues:
        return "no clues found", review + [f"country:{cc}" for cc in decision.confirmed]
    ranked = [r for i, r in enumerate(assess(clues)["countries"][:3]) if i == 0 or r["probability"] >= 0.01]
    parts = []
    if ranked:
        parts.append("top countries " + ", ".join(
            f"{r['country']} {pct(r['probability'])}" + (" (excluded by expert)" if r["country"] in excluded else "")
            for r in ranked))
    keys = key_clues(clues, ranked)
    if keys:
        parts.append("key clues: " + ", ".join(f"{kind} {_clip(value)!r}" for kind, value in keys))
    parts.append(f"{len(clues)} clue{'s' if len(clues) != 1 else ''}")
    langs = sorted({c["normalized"] for c in clues if c["kind"] in ("text_language", "spoken_language")})
    countries = decision.confirmed + [r["country"] for r in ranked
                                      if r["country"] not in excluded and r["country"] not in decision.confirmed]
    tags = review + [f"country:{cc}" for cc in countries] + [f"language:{_clip(x, 12)}" for x in langs]
    return "; ".join(parts), tags


def _case_id(store: CaseStore) -> str:
    runs = store.runs()
    seed = f"{runs[0]['started_at']}\x00{runs[0]['evidence_json']}" if runs else str(store.case_dir.resolve())
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "clueextract-case:" + seed))


def _rel(row) -> str:
    return row["path"] if row["path"] == row["root"] else f"{row['root']}/{row['path']}"


def media_entries(store: CaseStore) -> list[dict[str, Any]]:
    clues: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in store.clues():
        clues[r["item_id"]].append(clue_record(r))
    reviews: dict[str, list] = defaultdict(list)
    for r in store.reviews():
        reviews[r["series"]].append(r)
    decisions = {name: series_state(rs) for name, rs in reviews.items()}
    groups: dict[str, list] = {}
    for row in store.items():
        if row["md5"]:
            groups.setdefault(row["md5"], []).append(row)
    out = []
    for n, (md5, rows) in enumerate(groups.items(), 1):
        first = next((r for r in rows if r["duplicate_of"] is None), rows[0])
        out.append(_media(n, md5, first, rows, clues.get(first["duplicate_of"] or first["item_id"], []),
                          decisions.get(first["series"])))
    return out


def _media(n: int, md5: str, row, rows: list, clues: list[dict[str, Any]],
           decision: Optional[SeriesDecision] = None) -> dict[str, Any]:
    known = known_of(row)
    hit: Optional[dict[str, Any]] = known[0] if known else None
    comments, tags = clue_summary(clues, decision)
    if row["status"] != "done" and not clues:
        comments = ("not processed: on a known-hash list" if known and row["status"] == "skipped"
                    else f"not processed: {row['error'] or 'interrupted scan, run it again'}")
    if decision is not None and decision.status != "pending":
        comments += f"; review of series {row['series']!r}: {decision.summary()}"
    if known:
        comments += "; " + known_message(known)
        tags.append("known-hash")
    m: dict[str, Any] = {"MediaID": n, "MD5": md5.upper()}
    if row["sha1"]:
        m["SHA1"] = row["sha1"].upper()
    if hit and isinstance(hit.get("category"), int):
        m["Category"] = hit["category"]
        m["IsPrecategorized"] = "true"
        m["PrecategorizationSource"] = hit["list"]
    if hit and hit.get("victim_identified") is not None:
        m["VictimIdentified"] = "true" if hit["victim_identified"] else "false"
    m["Series"] = (hit or {}).get("series") or row["series"]
    m["Comments"] = _clip(f"clueextract {__version__}: {comments}", MAX_COMMENTS)
    m["Tags"] = ";".join(["clueextract"] + tags)
    if row["size"] is not None:
        m["MediaSize"] = row["size"]
    if row["mime"]:
        m["MimeType"] = row["mime"]
    m["RelativeFilePath"] = _rel(row)
    m["MediaFiles"] = [{"MD5": md5.upper(), "FileName": r["path"].rsplit("/", 1)[-1], "FilePath": _rel(r)}
                       for r in rows]
    return m


def vics_document(store: CaseStore, form: str = DEFAULT_FORM) -> dict[str, Any]:
    """The VICS 2.0 document in `form` (hashset | case); `@odata.context` is its first key."""
    if form not in FORMS:
        raise ValueError(f"VICS form must be one of {', '.join(FORMS)}")
    media = media_entries(store)
    if form == "hashset":
        return {"@odata.context": CONTEXT_HASHSET, "value": media}
    return {"@odata.context": CONTEXT_CASE,
            "value": [{"CaseID": _case_id(store), "CaseNumber": store.case_dir.resolve().name,
                       "SourceApplicationName": "clueextract", "SourceApplicationVersion": __version__,
                       "TotalMediaFiles": sum(len(m["MediaFiles"]) for m in media), "Media": media}]}


def dump_vics(store: CaseStore, out: TextIO, form: str = DEFAULT_FORM) -> None:
    json.dump(vics_document(store, form), out, ensure_ascii=False, indent=1)
    out.write("\n")


def write_vics(store: CaseStore, path: Path, form: str = DEFAULT_FORM) -> None:
    """Write the VICS 2.0 document atomically (temp file + rename)."""
    atomic_write(path, lambda f: dump_vics(store, f, form))
