"""CSV of clues, one row per clue with its item's path and best country vote (for spreadsheets)."""
from __future__ import annotations

import csv
from pathlib import Path

from ..store import CaseStore
from .records import iter_records

COLUMNS = ["series", "path", "item_id", "clue_id", "kind", "value", "normalized", "confidence", "language",
           "engine", "model", "locator", "countries"]


def write_csv(store: CaseStore, path: Path) -> None:
    recs = list(iter_records(store))
    items = {r["item_id"]: r for r in recs if r["record"] == "item"}
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(COLUMNS)
        for c in (r for r in recs if r["record"] == "clue"):
            it = items[c["item_id"]]
            loc = ";".join(f"{k}={v}" for k, v in sorted(c["locator"].items()))
            cc = ";".join(f"{v['country']}:{v['weight']}" for v in c["countries"])
            w.writerow([it["series"], it["path"], c["item_id"], c["clue_id"], c["kind"], c["value"], c["normalized"],
                        c["confidence"], c["language"] or "", c["source"]["engine"], c["source"]["model"] or "",
                        loc, cc])
