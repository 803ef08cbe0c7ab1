"""What the review queue knows about every series, built from the case store and kept in memory.

The queue, the filters and the search run over one small entry per series (top countries,
clue kinds, languages, the text of its clues and file names); the series page reads its one
series from the store (records.series_records) into the same view model the summaries use
(summary_model), so the browser shows exactly what summary.md and clues.jsonl say.

The store is read through one read-only connection. SQLite's `PRAGMA data_version` tells when
another connection (a running scan, a review) has committed: only then are the series whose
items or clues changed rebuilt (a signature per series: item counts by status, clue count and
the newest clue's rowid), so the queue keeps up with a scan without re-reading 50,000 clues
for every page. Decisions are re-read whenever the review log grows.
"""
from __future__ import annotations

import json
import threading
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Optional

from ..countries import country_name
from ..export.published import item_record, series_assessment, series_clues, series_records
from ..export.summary_model import Limits, SeriesView, build_case_view, kind_title, where
from ..regions import desk_for, m49_name
from ..review import STATUSES, SeriesDecision, series_state
from ..store import CaseStore
from ..text.langcountries import language_name

TOP = 3                 # a series belongs to the desks (and country filter) of its top three countries
RANKED = 5              # countries kept per series for the queue
PER_PAGE = 100
STATUS_ORDER = {"pending": 0, "disputed": 1, "excluded": 2, "confirmed": 3}
LIMITS = Limits(support=5, against=8, discounted=8, text=40, signals=40)
MAX_CLUES_PER_COUNTRY = 200
BULK = 20               # more changed series than this: read all clues in one pass
PENDING = series_state([])


@dataclass
class SeriesEntry:
    name: str
    counts: dict[str, int]
    clue_count: int
    ranked: list[tuple[str, float]]                 # (country, probability), best first
    kinds: frozenset
    languages: frozenset
    texts: list[tuple[str, str, str]]              # (casefolded, value, kind), distinct
    paths: list[str]
    signature: tuple
    top: list[tuple[str, float]] = field(default_factory=list)
    desk_codes: frozenset = frozenset()
    haystack: str = ""                             # every casefolded text and path, for a quick 'no match'

    def __post_init__(self) -> None:
        self.top = self.ranked[:TOP]
        codes = set()
        for cc, _ in self.top:
            d = desk_for(cc)
            if d:
                codes |= {d.sub_region_code, d.code}
        self.desk_codes = frozenset(codes)
        self.haystack = "\n".join([cf for cf, _, _ in self.texts] + self.paths)

    @property
    def n_items(self) -> int:
        return sum(self.counts.values())

    def desks(self) -> frozenset:
        return self.desk_codes


@dataclass
class Row:
    entry: SeriesEntry
    decision: SeriesDecision
    matches: list[tuple[str, str]] = field(default_factory=list)   # (kind title, value) samples
    n_matches: int = 0

    @property
    def status(self) -> str:
        return self.decision.status


@dataclass
class Queue:
    rows: list[Row]
    total: int
    page: int
    pages: int
    status_counts: dict[str, int]
    desks: list[tuple[str, str, int]]       # (code, label, series)
    countries: list[tuple[str, str]]
    kinds: list[tuple[str, str]]
    languages: list[tuple[str, str]]


@dataclass
class ClueRow:
    clue_id: str
    kind: str
    value: str
    file: str
    where: str
    weight: float
    reason: str
    source_text: Optional[str]
    set_aside: Optional[str]

    @property
    def kind_title(self) -> str:
        return kind_title(self.kind)


@dataclass
class Transcript:
    file: str
    stream: Any
    start_s: Optional[float]
    end_s: Optional[float]
    language: Optional[str]
    text: str

    @property
    def span(self) -> str:
        if self.start_s is None:
            return ""
        return f"{self.start_s:.1f}–{(self.end_s if self.end_s is not None else self.start_s):.1f} s"


@dataclass
class SeriesPage:
    view: SeriesView
    decision: SeriesDecision
    clues_by_country: dict[str, list[ClueRow]]
    more_by_country: dict[str, int]
    transcripts: list[Transcript]
    items_total: int


class CaseIndex:
    def __init__(self, case_dir: str | Path):
        self.case_dir = Path(case_dir)
        self.case_name = self.case_dir.resolve().name
        self.store = CaseStore(case_dir, read_only=True, check_same_thread=False)
        self.lock = threading.RLock()
        self.entries: dict[str, SeriesEntry] = {}
        self.decisions: dict[str, SeriesDecision] = {}
        self._version: Optional[int] = None
        self._reviews_seen = -1
        self._facets: Optional[dict] = None
        self.refresh()

    def close(self) -> None:
        with self.lock:
            self.store.close()

    # -- keeping up with the store ------------------------------------------------------------
    def refresh(self) -> None:
        with self.lock:
            version = self.store.data_version()
            if version != self._version:
                self._version = version
                self._rebuild_changed()
            n = self.store.review_count()
            if n != self._reviews_seen:
                self._reviews_seen = n
                by_series: dict[str, list] = defaultdict(list)
                for r in self.store.reviews():
                    by_series[r["series"]].append(r)
                self.decisions = {name: series_state(rs) for name, rs in by_series.items()}

    def _signatures(self) -> dict[str, tuple]:
        db = self.store.db
        items = {r[0]: tuple(r[1:]) for r in db.execute(
            "SELECT series, COUNT(*), SUM(status='done'), SUM(status='error'), SUM(status='skipped'), "
            "SUM(status='pending'), MAX(rowid) FROM items GROUP BY series")}
        clues = {r[0]: tuple(r[1:]) for r in db.execute(
            "SELECT i.series, COUNT(c.rowid), MAX(c.rowid) FROM items i "
            "JOIN clues c ON c.item_id = COALESCE(i.duplicate_of, i.item_id) GROUP BY i.series")}
        return {name: sig + clues.get(name, (0, 0)) for name, sig in items.items()}

    def _rebuild_changed(self) -> None:
        sigs = self._signatures()
        changed = [n for n, s in sigs.items() if n not in self.entries or self.entries[n].signature != s]
        for gone in set(self.entries) - set(sigs):
            del self.entries[gone]
            self._facets = None
        if not changed:
            return
        self._facets = None
        if len(changed) > BULK:
            items = [item_record(r) for r in self.store.items()]
            by_item: dict[str, list[dict]] = defaultdict(list)
            for row in self.store.clues():
                by_item[row["item_id"]].append(_ranking_record(row))
            clues = series_clues(items, by_item)
            grouped: dict[str, list[dict]] = defaultdict(list)
            for it in items:
                grouped[it["series"]].append(it)
            for name in changed:
                self.entries[name] = _entry(name, grouped.get(name, []), clues.get(name, []), sigs[name])
            return
        for name in changed:
            recs = series_records(self.store, name)
            items = [r for r in recs if r["record"] == "item" and r["series"] == name]
            by_item: dict[str, list[dict]] = defaultdict(list)
            for r in recs:
                if r["record"] == "clue":
                    by_item[r["item_id"]].append(r)
            self.entries[name] = _entry(name, items, series_clues(items, by_item).get(name, []), sigs[name])

    # -- the queue -------------------------------------------------------------------------------
    def decision(self, name: str) -> SeriesDecision:
        return self.decisions.get(name) or series_state([])

    def queue(self, q: str = "", country: str = "", kind: str = "", lang: str = "", desk: str = "",
              status: str = "", page: int = 1, per_page: int = PER_PAGE) -> Queue:
        self.refresh()
        with self.lock:
            entries = sorted(self.entries.values(), key=lambda e: e.name)
            decisions = dict(self.decisions)
        country, needle = country.strip().upper(), " ".join(q.split()).casefold()
        base: list[Row] = []
        for e in entries:
            if country and country not in {cc for cc, _ in e.top}:
                continue
            if kind and kind not in e.kinds:
                continue
            if lang and lang not in e.languages:
                continue
            row = Row(e, decisions.get(e.name) or PENDING)
            if needle and not _search(row, needle):
                continue
            base.append(row)
        desk_counts: Counter = Counter()
        for r in base:
            for code in r.entry.desks():
                desk_counts[code] += 1
        if desk:
            base = [r for r in base if desk in r.entry.desks()]
        status_counts = {s: 0 for s in STATUSES}
        for r in base:
            status_counts[r.status] += 1
        rows = [r for r in base if not status or r.status == status]
        rows.sort(key=lambda r: (STATUS_ORDER.get(r.status, 9), r.entry.name))
        pages = max(1, -(-len(rows) // per_page))
        page = min(max(1, page), pages)
        return Queue(rows=rows[(page - 1) * per_page: page * per_page], total=len(rows), page=page, pages=pages,
                     status_counts=status_counts, desks=_desks(desk_counts), **self.facets())

    def facets(self) -> dict[str, list[tuple[str, str]]]:
        """The choices of the filter lists (every country among the top three, kind and language
        in the case); rebuilt only when a series changed."""
        with self.lock:
            if self._facets is None:
                entries = list(self.entries.values())
                countries = sorted({cc for e in entries for cc, _ in e.top})
                kinds = sorted({k for e in entries for k in e.kinds})
                langs = sorted({x for e in entries for x in e.languages})
                self._facets = {"countries": [(cc, country_name(cc)) for cc in countries],
                                "kinds": [(k, kind_title(k)) for k in kinds],
                                "languages": [(x, language_name(x)) for x in langs]}
            return self._facets

    def desk_choices(self) -> list[tuple[str, str, int]]:
        counts: Counter = Counter()
        with self.lock:
            for e in self.entries.values():
                for code in e.desks():
                    counts[code] += 1
        return _desks(counts)

    # -- one series -----------------------------------------------------------------------------
    def series_names(self) -> list[str]:
        with self.lock:
            return sorted(self.entries)

    def series_page(self, name: str) -> Optional[SeriesPage]:
        self.refresh()
        with self.lock:
            if name not in self.entries:
                return None
            recs = series_records(self.store, name)
            decision = self.decision(name)
        view = next((s for s in build_case_view(recs, self.case_name, LIMITS).series if s.name == name), None)
        if view is None:
            return None
        items = {r["item_id"]: r for r in recs if r["record"] == "item"}
        own = [it for it in items.values() if it["series"] == name]
        clues = series_clues(own, _by_item(recs)).get(name, [])
        by_id = {c["clue_id"]: c for c in clues}
        per: dict[str, list[ClueRow]] = defaultdict(list)
        for c in clues:
            aside = (c.get("extra") or {}).get("set_aside")
            parent = by_id.get(c.get("derived_from") or "")
            for v in c.get("countries") or []:
                per[v["country"]].append(ClueRow(
                    clue_id=c["clue_id"], kind=c["kind"], value=c["value"],
                    file=items.get(c["item_id"], {}).get("path", "?"), where=where(c.get("locator")),
                    weight=float(v.get("weight") or 0), reason=v.get("reason") or "",
                    source_text=parent["value"] if parent and parent["value"] != c["value"] else None,
                    set_aside=(aside or {}).get("reason") if aside else None))
        shown = {r.country for r in view.ranked} | set(decision.countries)
        clues_by_country, more = {}, {}
        for cc in shown:
            rows = sorted(per.get(cc, []), key=lambda r: (-r.weight, r.file, r.clue_id))
            clues_by_country[cc] = rows[:MAX_CLUES_PER_COUNTRY]
            more[cc] = max(0, len(rows) - MAX_CLUES_PER_COUNTRY)
        transcripts = sorted((Transcript(file=items.get(c["item_id"], {}).get("path", "?"),
                                         stream=(c.get("locator") or {}).get("stream"),
                                         start_s=_num((c.get("locator") or {}).get("start_s")),
                                         end_s=_num((c.get("locator") or {}).get("end_s")),
                                         language=c.get("language"), text=c["value"])
                              for c in clues if c["kind"] == "speech_segment"),
                             key=lambda t: (t.file, str(t.stream), t.start_s or 0.0))
        return SeriesPage(view=view, decision=decision, clues_by_country=clues_by_country, more_by_country=more,
                          transcripts=transcripts, items_total=len(own))

    def decision_log(self) -> list[dict]:
        """Every decision in the case, newest first."""
        self.refresh()
        with self.lock:
            rows = self.store.db.execute("SELECT * FROM reviews ORDER BY review_id DESC").fetchall()
        return [dict(r) for r in rows]


def _ranking_record(row) -> dict[str, Any]:
    """A clue record with what the queue needs (the evidence model's inputs, text, kind, language):
    records.clue_record without the source and locator JSON, whose decoding was half of the time to
    index 50,000 clues. The series page reads full records (series_records)."""
    extra = row["extra_json"]
    return {"clue_id": row["clue_id"], "item_id": row["item_id"], "kind": row["kind"], "value": row["value"],
            "normalized": row["normalized"], "confidence": row["confidence"], "language": row["language"],
            "countries": json.loads(row["countries_json"]), "extra": json.loads(extra) if extra != "{}" else {},
            "locator": {}, "derived_from": row["derived_from"]}


def _by_item(recs: Iterable[dict]) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = defaultdict(list)
    for r in recs:
        if r["record"] == "clue":
            out[r["item_id"]].append(r)
    return out


def _num(x: Any) -> Optional[float]:
    return float(x) if isinstance(x, (int, float)) and not isinstance(x, bool) else None


def _entry(name: str, items: list[dict], clues: list[dict], signature: tuple) -> SeriesEntry:
    a = series_assessment(name, clues, [])
    counts = Counter(it["status"] for it in items)
    langs = {c["language"] for c in clues if c.get("language")}
    langs |= {c["normalized"] for c in clues if c["kind"] in ("spoken_language", "text_language") and c["normalized"]}
    texts, seen = [], set()
    for c in clues:
        for v in {c["value"], c["normalized"]}:
            key = (" ".join(str(v).split()).casefold(), c["kind"])
            if key[0] and key not in seen:
                seen.add(key)
                texts.append((key[0], str(v), c["kind"]))
    return SeriesEntry(name=name, counts=dict(counts), clue_count=len(clues),
                       ranked=[(r["country"], r["probability"]) for r in a["countries"][:RANKED]],
                       kinds=frozenset(c["kind"] for c in clues), languages=frozenset(langs), texts=texts,
                       paths=sorted({it["path"].casefold() for it in items}), signature=signature)


def _search(row: Row, needle: str) -> bool:
    """Clue text (value or normalised), file names, the series name, or a ranked country (code or
    name). Records how many texts matched and the first three."""
    e = row.entry
    countries = [cc for cc, _ in e.ranked
                 if needle == cc.casefold() or (len(needle) > 2 and needle in country_name(cc).casefold())]
    if needle not in e.haystack and not countries and needle not in e.name.casefold():
        return False
    texts = [t for t in e.texts if needle in t[0]]
    files = [p for p in e.paths if needle in p] if needle in e.haystack else []
    row.n_matches = len(texts) + len(files) + len(countries)
    shown = [(kind_title(kind), value) for _, value, kind in texts[:3]] + [("File", p) for p in files[:3]]
    row.matches = (shown + [("Country", f"{cc} {country_name(cc)}") for cc in countries])[:3]
    return True


def _desks(counts: Counter) -> list[tuple[str, str, int]]:
    out = [(code, m49_name(code) or code, n) for code, n in counts.items()]
    return sorted(out, key=lambda d: d[1])
