"""Turn case-store rows into the published JSONL records (schema: clueextract/schema/clues.schema.json)."""
from __future__ import annotations

import json
from collections import defaultdict
from typing import Any, Iterator

from .. import __version__
from ..assess import assess
from ..deconflict.load import split_note
from ..store import CaseStore

SCHEMA_VERSION = "1.0"


def _j(s: str | None) -> Any:
    return json.loads(s) if s else None


def run_record(store: CaseStore) -> dict[str, Any] | None:
    """Provenance of the last run, without timestamps so the same input and config give the same file."""
    r = store.last_run()
    if r is None:
        return None
    return {"record": "run", "schema_version": SCHEMA_VERSION, "tool_version": r["tool_version"],
            "case_schema_version": store.schema_version(), "config": _j(r["config_json"]),
            "config_hash": r["config_hash"], "engines": _j(r["engines_json"]), "evidence": _j(r["evidence_json"])}


def item_record(row) -> dict[str, Any]:
    status = row["status"]
    error = row["error"]
    if status == "pending":  # only after an interrupted scan
        status, error = "skipped", "not processed yet: the scan was interrupted; run scan again to resume"
    rec = {"record": "item", "schema_version": SCHEMA_VERSION, "item_id": row["item_id"], "root": row["root"],
           "path": row["path"], "series": row["series"], "media_type": row["media_type"], "mime": row["mime"],
           "size": row["size"], "sha256": row["sha256"], "md5": row["md5"], "sha1": row["sha1"],
           "status": status, "error": error, "duplicate_of": row["duplicate_of"], "note": row["note"],
           "config_hash": row["config_hash"], "tool_version": f"clueextract {__version__}"}
    if row["path_b64"]:
        rec["path_b64"] = row["path_b64"]
    rec["note"], known = split_note(row["note"])  # a known-hash list match rides in the note column
    if known:
        rec["known"] = known
    return rec


def clue_record(row) -> dict[str, Any]:
    return {"record": "clue", "schema_version": SCHEMA_VERSION, "clue_id": row["clue_id"], "item_id": row["item_id"],
            "kind": row["kind"], "value": row["value"], "normalized": row["normalized"],
            "confidence": round(row["confidence"], 4), "language": row["language"],
            "source": _j(row["source_json"]), "locator": _j(row["locator_json"]),
            "countries": _j(row["countries_json"]), "extra": _j(row["extra_json"]),
            "derived_from": row["derived_from"], "tool_version": f"clueextract {__version__}"}


def iter_records(store: CaseStore) -> Iterator[dict[str, Any]]:
    run = run_record(store)
    if run:
        yield run
    items = [item_record(r) for r in store.items()]
    clues_by_item: dict[str, list[dict]] = defaultdict(list)
    for row in store.clues():
        clues_by_item[row["item_id"]].append(clue_record(row))
    for it in items:
        yield it
    for it in items:
        yield from clues_by_item.get(it["item_id"], [])
    for it in items:
        clues = clues_by_item.get(it["item_id"], [])
        if any(c["countries"] for c in clues):
            yield {"record": "assessment", "schema_version": SCHEMA_VERSION, "scope": "item",
                   "item_id": it["item_id"], **assess(clues)}
    series: dict[str, list[dict]] = defaultdict(list)
    for it in items:
        canonical = it["duplicate_of"] or it["item_id"]
        series[it["series"]].extend(clues_by_item.get(canonical, []))
    reviews = list(store.reviews())
    for name in sorted(series):
        seen, unique = set(), []
        for c in series[name]:
            if c["clue_id"] not in seen:
                seen.add(c["clue_id"])
                unique.append(c)
        body = assess(unique)
        decided = {r["country"]: r["decision"] for r in reviews if r["series"] == name}  # latest decision wins
        for row in body["countries"]:
            if row["country"] in decided:
                row["review"] = decided[row["country"]]
        yield {"record": "assessment", "schema_version": SCHEMA_VERSION, "scope": "series", "series": name, **body}
    for r in reviews:
        yield {"record": "review", "schema_version": SCHEMA_VERSION, "series": r["series"], "country": r["country"],
               "decision": r["decision"], "reviewer": r["reviewer"], "note": r["note"], "at": r["at"]}
