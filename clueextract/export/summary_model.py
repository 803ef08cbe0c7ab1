"""What the expert summaries say, built once from the published JSONL records.

summary.md and summary.html render the same view model, so the two never disagree about
which countries lead, which clues support them or what a reviewer decided. The model is
built from `iter_records(store)` only (never SQL), so it reads exactly what pipelines read.

Assessment records are read defensively: the evidence model adds `support`, `against`,
`discounted` and `clue_count`; older "plain tally" records only carry `clue_ids`. Where a
key is missing the model derives what it can from the clue records themselves (supporting
clues from `clue_ids` and each clue's vote; "against" from clues that vote for other
countries and not at all for the leader) and says so in `SeriesView.derived`.

Values here are raw text from evidence: the renderers escape them (Markdown escaping in
summary_md.md(), Jinja autoescape in the HTML template). Nothing here formats markup.
Output is deterministic: everything is sorted, and the only times shown are those in records.
"""
from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Iterable, Optional

from ..countries import country_name
from ..kinds import KIND_TITLE as KIND_TITLE  # re-exported: readers of the summaries' titles
from ..kinds import SUMMARY_ORDER, TEXT_KINDS, kind_title
from ..regions import Desk, data_source, desk_for
from ..review import SeriesDecision, series_state
from ..text.langcountries import language_name

# the clue kinds' titles and the order of the "signals" lists come from the one table (kinds.py)
KIND_ORDER = SUMMARY_ORDER
TOP_RANKED = 5        # countries in the ranked table
TOP_EXPLAINED = 3     # countries whose supporting clues are quoted


def pct(p: Optional[float]) -> str:
    """A probability as every output writes it: whole percent, but never '100%' or '0%'
    (a softmax over the countries with votes is never certain, and '0%' beside a country whose
    clues are listed reads as a contradiction): '>99%' and '<1%' instead."""
    if p is None:
        return "–"
    if p >= 0.995:
        return ">99%"
    if p < 0.005:
        return "<1%"
    return f"{p:.0%}"


def series_anchor(name: str) -> str:
    """A stable in-page anchor for a series, from its name (not its position, which changes as
    series are added): readable letters and a short hash that keeps different names apart."""
    slug = re.sub(r"[^A-Za-z0-9_-]+", "-", name).strip("-")[:60]
    return f"series-{slug}-{hashlib.sha256(name.encode('utf-8', 'surrogatepass')).hexdigest()[:6]}"


def _num(x: Any) -> Optional[float]:
    return float(x) if isinstance(x, (int, float)) and not isinstance(x, bool) else None


def where(loc: Optional[dict]) -> str:
    """A clue's locator in words: field, box, frame times, span, audio stream (the keys present)."""
    loc = loc or {}
    parts = []
    if loc.get("field"):
        parts.append(str(loc["field"]))
    bbox = loc.get("bbox")
    if isinstance(bbox, (list, tuple)) and len(bbox) == 4 and all(_num(v) is not None for v in bbox):
        x0, y0, x1, y1 = (round(float(v)) for v in bbox)
        parts.append(f"box {x0},{y0}–{x1},{y1}")
    if "frame_time_s" in loc:
        raw = loc["frame_time_s"]
        times = [t for t in (raw if isinstance(raw, list) else [raw]) if _num(t) is not None]
        if times:
            parts.append("frame at " + ", ".join(f"{t:.1f}" for t in times[:5]) + (" …" if len(times) > 5 else "") + " s")
    start, end = _num(loc.get("start_s")), _num(loc.get("end_s"))
    if start is not None:
        span = f"{start:.1f}–{(end if end is not None else start):.1f} s"
        parts.append(f"on screen {span}" if "frame_time_s" in loc else span)
    if loc.get("stream") is not None:
        parts.append(f"audio stream {loc['stream']}")
    if loc.get("page") is not None:
        parts.append(f"page {loc['page']}")
    return "; ".join(parts)


@dataclass
class Quote:
    """One clue quoted with where it was found; `countries` is set for votes against the leader."""

    clue_id: str
    kind: str
    value: str
    file: str
    where: str
    weight: Optional[float] = None
    reason: Optional[str] = None
    countries: list[str] = field(default_factory=list)
    source_text: Optional[str] = None   # the OCR line / transcript a derived clue was read from
    repeats: int = 0                    # further clues with the same kind and value (not quoted again)

    @property
    def kind_title(self) -> str:
        return kind_title(self.kind)

    @property
    def country_names(self) -> list[tuple[str, str]]:
        return [(cc, country_name(cc)) for cc in self.countries]


@dataclass
class RankedCountry:
    rank: int
    country: str
    name: str
    probability: Optional[float]
    score: Optional[float]
    n_clues: int
    desk: Optional[Desk]
    support: list[Quote] = field(default_factory=list)
    decision: Optional["ReviewView"] = None     # the latest review decision for this country
    state: Optional[str] = None                 # confirmed | excluded | disputed (clueextract.review)


@dataclass
class HeardLanguage:
    code: str
    name: str
    file: str
    stream: Any
    start_s: Optional[float]
    end_s: Optional[float]
    confidence: Optional[float]

    @property
    def span(self) -> str:
        if self.start_s is None:
            return "span not recorded"
        return f"{self.start_s:.1f}–{(self.end_s if self.end_s is not None else self.start_s):.1f} s"


@dataclass
class ReviewView:
    country: str
    name: str
    decision: str
    reviewer: str
    note: Optional[str]
    at: str


@dataclass
class SignalGroup:
    """Clues of one kind and value in one item, listed once with how often they occur."""

    kind: str
    value: str
    normalized: Optional[str]
    count: int
    where: str
    votes: list[tuple[str, float]]
    n_votes: int
    why: Optional[str]

    @property
    def kind_title(self) -> str:
        return kind_title(self.kind)


@dataclass
class ItemView:
    item_id: str
    path: str
    media_type: str
    mime: Optional[str]
    size: Optional[int]
    status: str
    error: Optional[str]
    sha256: Optional[str]
    duplicate_of: Optional[str]     # path of the item holding the same content
    known: Optional[str]
    top: list[tuple[str, float]]
    text: list[Quote]
    text_total: int
    signals: list[SignalGroup]
    signals_total: int


@dataclass
class SeriesView:
    name: str
    counts: dict[str, int]
    method: Optional[str]
    clue_count: int
    ranked: list[RankedCountry]
    more_countries: int
    against: list[Quote]
    discounted: Optional[list[Quote]]      # None: the assessment method records no such list
    languages: list[HeardLanguage]
    reviews: list[ReviewView]
    leader_excluded: Optional[ReviewView]
    items: list[ItemView]
    not_read: list[ItemView]
    derived: list[str]                     # what the model derived because the record lacked it
    decision: SeriesDecision = field(default_factory=lambda: series_state([]))
    elsewhere: Optional[float] = None      # probability left to countries without a vote (calibrated model)
    stands_out: Optional[bool] = None      # False: no country stands out (only weak or conflicting clues)

    @property
    def weak(self) -> bool:
        """Only weak or conflicting clues: the summary says no country stands out."""
        return self.stands_out is False and bool(self.ranked)

    @property
    def status(self) -> str:
        """pending | confirmed | excluded | disputed (clueextract.review.series_state)."""
        return self.decision.status

    @property
    def anchor(self) -> str:
        return series_anchor(self.name)


@dataclass
class CaseView:
    case_name: str
    tool_version: Optional[str]
    config_hash: Optional[str]
    evidence: list[str]
    packs: list[str]
    methods: list[str]
    counts: dict[str, int]
    n_items: int
    n_clues: int
    series: list[SeriesView]
    m49_source: str


@dataclass
class Limits:
    """How much each renderer lists: Markdown stays short, HTML may say more."""

    support: int = 3
    against: int = 3
    discounted: int = 3
    text: int = 5
    signals: int = 6


class _Index:
    def __init__(self, records: Iterable[dict]):
        self.run: Optional[dict] = None
        self.items: list[dict] = []
        self.clues: dict[str, dict] = {}
        self.clues_by_item: dict[str, list[dict]] = defaultdict(list)
        self.item_assess: dict[str, dict] = {}
        self.series_assess: dict[str, dict] = {}
        self.reviews: dict[str, list[dict]] = defaultdict(list)
        for r in records:
            kind = r.get("record")
            if kind == "run":
                self.run = r
            elif kind == "item":
                self.items.append(r)
            elif kind == "clue":
                self.clues[r["clue_id"]] = r
                self.clues_by_item[r.get("item_id", "")].append(r)
            elif kind == "assessment" and r.get("scope") == "item":
                self.item_assess[r.get("item_id", "")] = r
            elif kind == "assessment" and r.get("scope") == "series":
                self.series_assess[r.get("series", "")] = r
            elif kind == "review":
                self.reviews[r.get("series", "")].append(r)
        self.path_of = {it["item_id"]: it.get("path", "?") for it in self.items}

    def quote(self, clue_id: str, entry: Optional[dict] = None, **kw: Any) -> Quote:
        """A clue quoted: fields the assessment entry carries win over the clue record's."""
        entry = entry or {}
        c = self.clues.get(clue_id, {})
        parent = self.clues.get(c.get("derived_from") or "")
        value = entry.get("value", c.get("value", ""))
        src = parent.get("value") if parent and parent.get("value") != value else None
        joined = (c.get("extra") or {}).get("joined_lines")
        if joined:  # one guess over an item's short lines (text/shortlines.py): quote them all
            src = " / ".join(str(x) for x in joined)
        item_id = entry.get("item_id") or c.get("item_id", "")
        loc = entry["locator"] if isinstance(entry.get("locator"), dict) else c.get("locator")
        repeats = entry.get("repeats")
        return Quote(clue_id=clue_id, kind=str(entry.get("kind") or c.get("kind") or "?"), value=str(value),
                     file=self.path_of.get(item_id, "?"), where=where(loc), source_text=src,
                     repeats=max(0, repeats - 1) if isinstance(repeats, int) else 0, **kw)


def _vote(clue: dict, country: str) -> Optional[dict]:
    return next((v for v in clue.get("countries") or [] if v.get("country") == country), None)


def _collapse(quotes: list[Quote], limit: int) -> list[Quote]:
    """Strongest first, one quote per kind+value, counting the repeats and merging the countries voted for."""
    kept: dict[tuple, Quote] = {}
    seen: set[str] = set()
    for q in quotes:
        key = (q.kind, " ".join(str(q.value).split()).casefold())
        if key not in kept:
            kept[key] = q
            seen.add(q.clue_id)
            continue
        first = kept[key]
        first.countries += [cc for cc in q.countries if cc not in first.countries]
        if q.clue_id not in seen:
            seen.add(q.clue_id)
            first.repeats += 1 + q.repeats
    return list(kept.values())[:limit]


def _support(idx: _Index, entry: dict, limit: int) -> tuple[list[Quote], bool]:
    cc = entry["country"]
    if isinstance(entry.get("support"), list):
        quotes = [idx.quote(str(s.get("clue_id", "")), s, weight=_num(s.get("weight")), reason=s.get("reason"))
                  for s in entry["support"] if isinstance(s, dict)]
        return _collapse(quotes, limit), False
    quotes = []
    for cid in entry.get("clue_ids") or []:
        v = _vote(idx.clues.get(cid, {}), cc) or {}
        quotes.append(idx.quote(cid, weight=_num(v.get("weight")), reason=v.get("reason")))
    quotes.sort(key=lambda q: (-(q.weight or 0.0), q.file, q.clue_id))
    return _collapse(quotes, limit), True


def _against(idx: _Index, assess: dict, leader: Optional[str], clue_ids: list[str], limit: int) -> tuple[list[Quote], bool]:
    if isinstance(assess.get("against"), list):
        quotes = [idx.quote(str(a.get("clue_id", "")), a, countries=[str(a["country"]).upper()] if a.get("country") else [],
                            weight=_num(a.get("weight")), reason=a.get("reason")) for a in assess["against"] if isinstance(a, dict)]
        return _collapse(quotes, limit), False
    if leader is None:
        return [], True
    quotes = []
    for cid in clue_ids:
        clue = idx.clues.get(cid, {})
        if _vote(clue, leader) is not None:
            continue
        for v in clue.get("countries") or []:
            quotes.append(idx.quote(cid, countries=[str(v.get("country", "?")).upper()], weight=_num(v.get("weight")),
                                    reason=v.get("reason")))
    quotes.sort(key=lambda q: (-(q.weight or 0.0), q.countries, q.file, q.clue_id))
    return _collapse(quotes, limit), True


def _review(r: dict) -> ReviewView:
    cc = str(r.get("country") or "?").upper()
    return ReviewView(country=cc, name=country_name(cc), decision=str(r.get("decision") or "?"),
                      reviewer=str(r.get("reviewer") or "?"), note=r.get("note"), at=str(r.get("at") or "?"))


def _signals(clues: list[dict]) -> list[SignalGroup]:
    groups: dict[tuple[str, str], SignalGroup] = {}
    for c in clues:
        if c.get("kind") in TEXT_KINDS:
            continue
        key = (c.get("kind", "?"), str(c.get("normalized") or c.get("value") or ""))
        votes = sorted(((v["country"], float(v.get("weight") or 0)) for v in c.get("countries") or []),
                       key=lambda cv: (-cv[1], cv[0]))
        if key in groups:
            groups[key].count += 1
            continue
        best = max(c.get("countries") or [], key=lambda v: v.get("weight") or 0, default=None)
        groups[key] = SignalGroup(kind=key[0], value=c.get("value", ""), normalized=c.get("normalized"), count=1,
                                  where=where(c.get("locator")), votes=votes[:4], n_votes=len(votes),
                                  why=best.get("reason") if best else None)
    order = {k: i for i, k in enumerate(KIND_ORDER)}
    return sorted(groups.values(), key=lambda g: (order.get(g.kind, len(order)), -max((w for _, w in g.votes), default=0)))


def _item_view(idx: _Index, it: dict, lim: Limits) -> ItemView:
    clues = idx.clues_by_item.get(it["item_id"], [])
    text = [idx.quote(c["clue_id"]) for c in clues if c.get("kind") in TEXT_KINDS]
    signals = _signals(clues)
    ranked = (idx.item_assess.get(it["item_id"]) or {}).get("countries") or []
    known = it.get("known")
    if isinstance(known, dict):
        known = ", ".join(f"{k}: {v}" for k, v in sorted(known.items()))
    dup = it.get("duplicate_of")
    return ItemView(item_id=it["item_id"], path=it.get("path", "?"), media_type=it.get("media_type", "?"),
                    mime=it.get("mime"), size=it.get("size"), status=it.get("status", "?"), error=it.get("error"),
                    sha256=it.get("sha256"), duplicate_of=idx.path_of.get(dup, dup) if dup else None,
                    known=str(known) if known else None,
                    top=[(r["country"], _num(r.get("probability")) or 0.0) for r in ranked[:3] if r.get("country")],
                    text=text[:lim.text], text_total=len(text), signals=signals[:lim.signals], signals_total=len(signals))


def _series_view(idx: _Index, name: str, items: list[dict], lim: Limits) -> SeriesView:
    assess = idx.series_assess.get(name) or {}
    entries = [e for e in assess.get("countries") or [] if e.get("country")]
    reviews = [_review(r) for r in sorted(idx.reviews.get(name, []), key=lambda r: str(r.get("at") or ""))]
    standing = {r.country: r for r in reviews}    # append-only log: the latest decision per country
    decision = series_state({"series": name, "country": r.country, "decision": r.decision, "reviewer": r.reviewer,
                             "note": r.note, "at": r.at} for r in reviews)
    derived: list[str] = []
    ranked = []
    for i, e in enumerate(entries[:TOP_RANKED]):
        support, was_derived = _support(idx, e, lim.support) if i < TOP_EXPLAINED else ([], False)
        if was_derived and support and "support" not in derived:
            derived.append("support")
        cc = e["country"].upper()
        ranked.append(RankedCountry(rank=i + 1, country=cc, name=country_name(cc), probability=_num(e.get("probability")),
                                    score=_num(e.get("score")), n_clues=len(e.get("clue_ids") or e.get("support") or []),
                                    desk=desk_for(cc), support=support, decision=standing.get(cc),
                                    state=decision.state_of(cc)))
    all_ids = sorted({cid for e in entries for cid in e.get("clue_ids") or []})
    leader = ranked[0].country if ranked else None
    against, was_derived = _against(idx, assess, leader, all_ids, lim.against)
    if was_derived and against:
        derived.append("against")
    discounted = None
    if isinstance(assess.get("discounted"), list):
        discounted = _collapse([idx.quote(str(d.get("clue_id", "")), d, reason=d.get("reason"))
                                for d in assess["discounted"] if isinstance(d, dict)], lim.discounted)
    counts: dict[str, int] = defaultdict(int)
    for it in items:
        counts[it.get("status", "?")] += 1
        counts["known"] += bool(it.get("known"))
        counts["duplicate"] += bool(it.get("duplicate_of"))
    heard = []
    for it in items:
        if it.get("duplicate_of"):
            continue   # the same content is listed once, under the item that holds its clues
        for c in idx.clues_by_item.get(it["item_id"], []):
            if c.get("kind") != "spoken_language":
                continue
            loc = c.get("locator") or {}
            code = str(c.get("value") or c.get("language") or "?")
            heard.append(HeardLanguage(code=code, name=language_name(code), file=it.get("path", "?"),
                                       stream=loc.get("stream"), start_s=_num(loc.get("start_s")),
                                       end_s=_num(loc.get("end_s")), confidence=_num(c.get("confidence"))))
    heard.sort(key=lambda h: (h.file, str(h.stream), h.start_s or 0.0, h.code))
    views = [_item_view(idx, it, lim) for it in sorted(items, key=lambda i: (i.get("path", ""), i["item_id"]))]
    top_decision = ranked[0].decision if ranked else None
    clue_count = assess.get("clue_count") if isinstance(assess.get("clue_count"), int) else len(all_ids)
    return SeriesView(name=name, counts=dict(counts), method=assess.get("method"), clue_count=clue_count,
                      ranked=ranked, more_countries=max(0, len(entries) - TOP_RANKED), against=against,
                      discounted=discounted, languages=heard, reviews=reviews,
                      leader_excluded=top_decision if top_decision and top_decision.decision == "exclude" else None,
                      items=[v for v in views if v.status == "done"],
                      not_read=[v for v in views if v.status != "done"], derived=derived, decision=decision,
                      elsewhere=_num(assess.get("elsewhere")),
                      stands_out=assess.get("stands_out") if isinstance(assess.get("stands_out"), bool) else None)


def build_case_view(records: Iterable[dict], case_name: str, limits: Optional[Limits] = None) -> CaseView:
    lim = limits or Limits()
    idx = _Index(records)
    by_series: dict[str, list[dict]] = defaultdict(list)
    for it in idx.items:
        by_series[it.get("series", "")].append(it)
    names = sorted(set(by_series) | set(idx.series_assess) | set(idx.reviews))
    run = idx.run or {}
    counts: dict[str, int] = defaultdict(int)
    for it in idx.items:
        counts[it.get("status", "?")] += 1
    src = data_source()
    methods = sorted({str(a.get("method")) for a in (*idx.series_assess.values(), *idx.item_assess.values())
                      if a.get("method")})
    return CaseView(case_name=case_name, tool_version=run.get("tool_version"), config_hash=run.get("config_hash"),
                    evidence=[str(e) for e in run.get("evidence") or []],
                    packs=sorted(((run.get("engines") or {}).get("packs") or {})),
                    methods=methods, counts=dict(sorted(counts.items())), n_items=len(idx.items),
                    n_clues=len(idx.clues), series=[_series_view(idx, n, by_series.get(n, []), lim) for n in names],
                    m49_source=f"UN M49 via {src['package']} {src['version']}")
