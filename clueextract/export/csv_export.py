"""CSV for spreadsheets: one row per clue (`--what clues`, the default) or one row per ranked
country of each series with the experts' decisions (`--what series`).

Every cell is safe to open in a spreadsheet. Text read from seized media is attacker-controlled:
an image reading `=1+1` or `=HYPERLINK(...)` would become a live formula (CSV injection,
CWE-1236). Following OWASP's rule, a cell that begins with `=`, `+`, `-`, `@`, a tab or a
carriage return is written with a leading apostrophe: `'=1+1`. A phone number keeps its `+`
and stays readable as text: `'+66 2 123 4567` (a spreadsheet shows the apostrophe; strip one
leading `'` to get the value back, or read the raw values from clues.jsonl). `bom=True` starts
the file with a UTF-8 byte-order mark, so Excel on Windows reads Thai, Arabic or CJK text as
UTF-8 instead of the machine's code page.
"""
from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path
from typing import Any, Iterable, TextIO

from ..countries import country_name
from ..regions import desk_for
from ..review import series_state
from ..store import CaseStore
from . import atomic_write
from .published import iter_records
from .summary_model import TOP_RANKED

CLUE_COLUMNS = ["series", "path", "item_id", "sha256", "md5", "clue_id", "kind", "value", "normalized", "confidence",
                "language", "engine", "model", "locator", "countries", "series_review_status", "series_review"]
SERIES_COLUMNS = ["series", "review_status", "rank", "country", "country_name", "probability", "score", "clues",
                  "desk", "desk_code", "review_state", "decisions", "last_decided_at", "items"]
COLUMNS = CLUE_COLUMNS  # the per-clue table (the name older callers import)
WHAT = ("clues", "series")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> str:
    """The cell as text, with a leading apostrophe where a spreadsheet would read a formula."""
    s = "" if value is None else str(value)
    return "'" + s if s.startswith(FORMULA_START) else s


def _writer(out: TextIO, bom: bool):
    if bom:
        out.write("\ufeff")
    w = csv.writer(out)
    return lambda row: w.writerow([safe_cell(v) for v in row])


def dump_csv(store: CaseStore, out: TextIO, what: str = "clues", bom: bool = False) -> None:
    if what not in WHAT:
        raise ValueError(f"what must be one of {', '.join(WHAT)}")
    recs = list(iter_records(store))
    reviews: dict[str, list] = defaultdict(list)
    for r in recs:
        if r["record"] == "review":
            reviews[r["series"]].append(r)
    (_clues if what == "clues" else _series)(recs, reviews, _writer(out, bom))


def write_csv(store: CaseStore, path: Path, what: str = "clues", bom: bool = False) -> None:
    atomic_write(path, lambda f: dump_csv(store, f, what, bom), newline="")


def _clues(recs: list[dict], reviews: dict[str, list], row) -> None:
    items = {r["item_id"]: r for r in recs if r["record"] == "item"}
    states = {name: series_state(rs) for name, rs in reviews.items()}
    row(CLUE_COLUMNS)
    for c in (r for r in recs if r["record"] == "clue"):
        it = items[c["item_id"]]
        st = states.get(it["series"]) or series_state([])
        loc = ";".join(f"{k}={v}" for k, v in sorted(c["locator"].items()))
        cc = ";".join(f"{v['country']}:{v['weight']}" for v in c["countries"])
        row([it["series"], it["path"], c["item_id"], it["sha256"] or "", it["md5"] or "", c["clue_id"], c["kind"],
             c["value"], c["normalized"], c["confidence"], c["language"] or "", c["source"]["engine"],
             c["source"]["model"] or "", loc, cc, st.status, st.summary()])


def _series(recs: list[dict], reviews: dict[str, list], row) -> None:
    """Per series: its ranked countries (the top TOP_RANKED, as the summaries list them, and every
    country someone decided on), each with its decisions."""
    n_items: dict[str, int] = defaultdict(int)
    for r in recs:
        if r["record"] == "item":
            n_items[r["series"]] += 1
    row(SERIES_COLUMNS)
    for a in (r for r in recs if r["record"] == "assessment" and r["scope"] == "series"):
        name = a["series"]
        st = series_state(reviews.get(name, []))
        ranked = {c["country"]: (i + 1, c) for i, c in enumerate(a["countries"])}
        shown = [c["country"] for c in a["countries"][:TOP_RANKED]]
        shown += [cc for cc in st.countries if cc not in shown]
        if not shown:
            row([name, st.status, "", "", "", "", "", 0, "", "", "", "", "", n_items[name]])
        for cc in shown:
            rank, c = ranked.get(cc, ("", {}))
            desk = desk_for(cc)
            d = st.countries.get(cc)
            decisions = "; ".join(f"{r['decision']} by {r['reviewer']} {r['at']}" + (f": {r['note']}" if r["note"] else "")
                                  for r in _log_for(st.log, cc))
            row([name, st.status, rank, cc, country_name(cc), _num(c.get("probability")), _num(c.get("score")),
                 len(c.get("clue_ids") or []), desk.label if desk else "", desk.code if desk else "",
                 d.state if d else "", decisions, max((r["at"] for r in _log_for(st.log, cc)), default=""),
                 n_items[name]])


def _log_for(log: Iterable[dict], country: str) -> list[dict]:
    return [r for r in log if r["country"] == country]


def _num(x: Any) -> str:
    return "" if x is None else f"{x:.4f}".rstrip("0").rstrip(".")
