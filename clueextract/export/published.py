"""Turn case-store rows into the published JSONL records (schema: clueextract/schema/clues.schema.json).

Named "published" so that it is not taken for clueextract/records.py, the typed records the
pipeline passes between stages (docs/ARCHITECTURE.md, "Where each concept lives")."""
from __future__ import annotations

import json
from collections import defaultdict
from typing import Any, Iterable, Iterator

from .. import __version__
from ..assess import assess
from ..deconflict.load import known_of, note_of
from ..review import series_state
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
    rec["note"], known = note_of(row), known_of(row)
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
    yield from _records(items, items, clues_by_item, list(store.reviews()))


def series_records(store: CaseStore, series: str) -> list[dict[str, Any]]:
    """The records of one series, exactly as iter_records gives them (same series assessment:
    same clues in the same order), read through the store's per-series queries: the run record,
    the series' items (and the items holding the content of its duplicates), their clues, item
    and series assessments, and the series' decisions. For the review application."""
    rows = store.series_items(series)
    items = [item_record(r) for r in rows]
    own = {it["item_id"] for it in items}
    holders = sorted({it["duplicate_of"] for it in items if it["duplicate_of"]} - own)
    others = [item_record(r) for r in (store.get_item(i) for i in holders) if r is not None]
    clues_by_item: dict[str, list[dict]] = defaultdict(list)
    for row in store.clues_of(own | set(holders)):
        clues_by_item[row["item_id"]].append(clue_record(row))
    run = run_record(store)
    return ([run] if run else []) + list(_records(items + others, items, clues_by_item, store.reviews(series)))


def series_clues(items: Iterable[dict], clues_by_item: dict[str, list[dict]]) -> dict[str, list[dict]]:
    """Each series' clues for its assessment: every item's own clues, or those of the item holding
    its content, once each, in item order (items sorted as the store lists them)."""
    series: dict[str, list[dict]] = defaultdict(list)
    seen: dict[str, set] = defaultdict(set)
    for it in items:
        for c in clues_by_item.get(it["duplicate_of"] or it["item_id"], []):
            if c["clue_id"] not in seen[it["series"]]:
                seen[it["series"]].add(c["clue_id"])
                series[it["series"]].append(c)
        series.setdefault(it["series"], [])
    return series


def series_assessment(name: str, clues: list[dict], reviews: Iterable[Any]) -> dict[str, Any]:
    """The series `assessment` record: the evidence model over its clues, and the decisions:
    each ranked country's latest decision (`review`) and its state (`review_state`: confirmed,
    excluded or disputed, see clueextract.review), and the series' `review_status`."""
    reviews = list(reviews)
    body = assess(clues)
    decided = {r["country"]: r["decision"] for r in reviews}  # latest decision wins
    state = series_state(reviews)
    for row in body["countries"]:
        if row["country"] in decided:
            row["review"] = decided[row["country"]]
        if state.state_of(row["country"]):
            row["review_state"] = state.state_of(row["country"])
    return {"record": "assessment", "schema_version": SCHEMA_VERSION, "scope": "series", "series": name, **body,
            "review_status": state.status}


def review_record(r) -> dict[str, Any]:
    return {"record": "review", "schema_version": SCHEMA_VERSION, "series": r["series"], "country": r["country"],
            "decision": r["decision"], "reviewer": r["reviewer"], "note": r["note"], "at": r["at"]}


def _records(items: list[dict], in_series: list[dict], clues_by_item: dict[str, list[dict]],
             reviews: list) -> Iterator[dict[str, Any]]:
    for it in items:
        yield it
    for it in items:
        yield from clues_by_item.get(it["item_id"], [])
    for it in items:
        clues = clues_by_item.get(it["item_id"], [])
        if any(c["countries"] for c in clues):
            yield {"record": "assessment", "schema_version": SCHEMA_VERSION, "scope": "item",
                   "item_id": it["item_id"], **assess(clues)}
    by_series: dict[str, list] = defaultdict(list)
    for r in reviews:
        by_series[r["series"]].append(r)
    series = series_clues(in_series, clues_by_item)
    for name in sorted(series):
        yield series_assessment(name, series[name], by_series.get(name, []))
    for r in reviews:
        yield review_record(r)
