"""Expert review decisions: appended to the case store, never overwritten."""
from __future__ import annotations

import time

from .store import CaseStore


def add_review(store: CaseStore, series: str, country: str, decision: str, reviewer: str, note: str | None) -> None:
    if decision not in ("confirm", "exclude"):
        raise ValueError("decision must be confirm or exclude")
    known = {r[0] for r in store.db.execute("SELECT DISTINCT series FROM items")}
    if series not in known:
        raise ValueError(f"no series {series!r} in this case (known: {', '.join(sorted(known)) or 'none'})")
    with store.transaction():
        store.db.execute("INSERT INTO reviews (series, country, decision, reviewer, note, at) VALUES (?,?,?,?,?,?)",
                         (series, country, decision, reviewer, note, time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())))
