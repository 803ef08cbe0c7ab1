"""summary.md: what a regional expert reads first. Text only: no imagery, no audio, no links.

First a series index (series, top three countries, desk, review status), then per series:
ranked countries with their UN M49 desk, the strongest supporting clues quoted with their
locators, competing evidence (clues for other countries only), what was set aside, languages
heard with their spans, review decisions, then each item compactly. Built from the JSONL records
through summary_model (shared with summary.html). Every string read from evidence goes through md().
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Optional, TextIO

from ..store import CaseStore
from . import atomic_write
from .published import iter_records
from .summary_model import CaseView, ItemView, Limits, Quote, SeriesView, build_case_view, pct

LIMITS = Limits(support=3, against=3, discounted=3, text=5, signals=6)
_MD_SPECIAL = "\\`*_{}[]<>#|!~&"  # not ( ): with [ ] escaped no link can form
_PAST = {"confirm": "confirmed", "exclude": "excluded"}
_AUTOLINK = re.compile(r"(?i)(www)\.|(:)//|(@)")
_INTRAWORD_UNDERSCORE = re.compile(r"(?<=[^\W_])\\_(?=[^\W_])")


def md(text: object) -> str:
    """Escape text read from evidence so it cannot format, link or inject markup in the summary.

    Every Markdown-active ASCII character gets a backslash; whitespace (newlines included)
    collapses to single spaces so a value cannot start a heading, list or table row; and
    URL-like text ("www.", "://", "@") is broken with an escape so GFM renderers do not turn a
    domain, URL or e-mail read from evidence into a clickable link."""
    s = "".join("\\" + ch if ch in _MD_SPECIAL else ch for ch in str(text))
    s = _INTRAWORD_UNDERSCORE.sub("_", s)  # CommonMark: '_' between letters never emphasises ('bangkok_market')
    s = _AUTOLINK.sub(lambda m: f"{m.group(1)}\\." if m.group(1) else ("\\://" if m.group(2) else "\\@"), s)
    return " ".join(s.split())


def _w(x: Optional[float]) -> str:
    return "" if x is None else f"{x:.2f}"


def _stream(stream: object) -> str:
    return "" if stream is None else f"audio stream {md(stream)}, "


def _quote(q: Quote, with_country: bool = False) -> str:
    head = f"{q.kind_title}: “{md(q.value)}”"
    if q.source_text:
        head += f" in “{md(q.source_text)}”"
    loc = f"{md(q.file)}" + (f", {md(q.where)}" if q.where else "")
    line = f"{head} — {loc}"
    if with_country and q.countries:
        shown = ", ".join(f"**{md(cc)}** {md(name)}" for cc, name in q.country_names[:4])
        more = f" +{len(q.countries) - 4} more" if len(q.countries) > 4 else ""
        line = f"{shown}{more} ← {line}"
    if q.weight is not None:
        line += f" (weight {_w(q.weight)})"
    if q.repeats:
        line += f" (+{q.repeats} more like it)"
    if q.reason:
        line += f"; why: {md(q.reason)}"
    return line


def _series(s: SeriesView) -> list[str]:
    c = s.counts
    out = [f"## Series: {md(s.name)}", ""]
    counts = ", ".join(f"{k} {c.get(k, 0)}" for k in ("done", "error", "skipped", "known") if c.get(k) or k == "done")
    extra = f", duplicates {c['duplicate']}" if c.get("duplicate") else ""
    out.append(f"Items: {sum(c.get(k, 0) for k in c if k not in ('known', 'duplicate'))} ({counts}{extra}) · "
               f"clues weighed: {s.clue_count} · method: {md(s.method or 'none')}")
    out.append("")
    out += [f"Review: {_status_line(s)}", ""]
    if s.leader_excluded:
        r = s.leader_excluded
        out += [f"> **EXPERT EXCLUDED THE TOP-RANKED COUNTRY {md(r.country)} ({md(r.name)})** — {md(r.reviewer)}, "
                f"{md(r.at)}" + (f": {md(r.note)}" if r.note else ""), ""]
    if not s.ranked:
        out += ["No country evidence in this series.", ""]
    else:
        if s.weak:
            out += [f"**No country stands out:** only weak or conflicting clues; the first row has "
                    f"{pct(s.ranked[0].probability)}, and {pct(s.elsewhere)} is left to countries no clue names.", ""]
        out += ["| # | country | probability | desk (UN M49 sub-region) | clues | review |", "|---|---|---|---|---|---|"]
        for r in s.ranked:
            desk = f"{md(r.desk.label)} ({r.desk.code})" if r.desk else "no M49 region"
            rev = _review_cell(r)
            out.append(f"| {r.rank} | **{md(r.country)}** {md(r.name)} | {pct(r.probability)} | {desk} | {r.n_clues} | {rev} |")
        if s.more_countries:
            out.append(f"\n{s.more_countries} more countries with weaker evidence are in clues.jsonl.")
        out.append("")
        for r in s.ranked:
            if not r.support:
                continue
            out.append(f"**Why {md(r.country)} {md(r.name)}:**")
            out += [f"- {_quote(q)}" for q in r.support]
            out.append("")
        out.append("**Competing evidence** (clues that point to other countries and not to the leader):")
        out += [f"- {_quote(q, with_country=True)}" for q in s.against] or ["- none: no clue votes only for other countries"]
        out.append("")
        if s.discounted:
            out.append("**Set aside:**")
            out += [f"- {_quote(q)}" for q in s.discounted]
            out.append("")
        if s.derived:
            out += [f"_Derived from clue votes (the assessment record carries no list): {', '.join(s.derived)}._", ""]
    if s.languages:
        out.append("**Languages heard:**")
        out += [f"- {md(h.name)} (`{md(h.code)}`) — {md(h.file)}, {_stream(h.stream)}{h.span}"
                + (f" (confidence {h.confidence:.2f})" if h.confidence is not None else "") for h in s.languages]
        out.append("")
    if s.reviews:
        out.append("**Review decisions** (oldest first; the latest per country stands):")
        out += [f"- {md(r.at)} {md(r.reviewer)}: **{md(r.decision)} {md(r.country)}** {md(r.name)}"
                + (f" — “{md(r.note)}”" if r.note else "") for r in s.reviews]
        out.append("")
    for it in s.items:
        out += _item(it)
    if s.not_read:
        out += ["**Not read:**", ""]
        out += [f"- {md(it.path)} — {it.status}: {md(it.error or 'no reason recorded')}"
                + (f" (known: {md(it.known)})" if it.known else "") for it in s.not_read]
        out.append("")
    return out


def _review_cell(r) -> str:
    if r.state == "disputed":
        return "**disputed**"
    if r.decision is None:
        return ""
    past = _PAST.get(r.decision.decision, md(r.decision.decision))
    return f"{past} by {md(r.decision.reviewer)}"


def _status_line(s: SeriesView) -> str:
    if s.status == "pending":
        return "pending (no decision yet)"
    line = md(s.decision.summary())
    return f"**DISPUTED** — {line}" if s.status == "disputed" else f"{s.status} — {line}"


def _index(view: CaseView) -> list[str]:
    """The case at a glance: one row per series, so a desk finds its series without scrolling."""
    out = ["## Series index", "", "| series | top countries | desk of the leader | review | items |", "|---|---|---|---|---|"]
    for s in view.series:
        top = ", ".join(f"{md(r.country)} {pct(r.probability)}" for r in s.ranked[:3]) or "no country evidence"
        top += " (no country stands out)" if s.weak else ""
        desk = md(s.ranked[0].desk.label) if s.ranked and s.ranked[0].desk else ""
        review = {"pending": "pending", "disputed": "**disputed**"}.get(s.status, s.status)
        if s.status in ("confirmed", "excluded") or s.status == "disputed":
            review += " " + ", ".join(md(cc) for cc in (s.decision.confirmed or s.decision.excluded or s.decision.disputed))
        n = sum(v for k, v in s.counts.items() if k not in ("known", "duplicate"))
        out.append(f"| {md(s.name)} | {top} | {desk} | {review.strip()} | {n} |")
    return out + [""]


def _item(it: ItemView) -> list[str]:
    meta = f"{it.media_type} · {it.size or 0:,} bytes"
    if it.sha256:
        meta += f" · sha256 `{it.sha256[:16]}…`"
    if it.top:
        meta += " · " + ", ".join(f"{md(cc)} {pct(p)}" for cc, p in it.top)
    lines = [f"### {md(it.path)}", "", meta]
    if it.known:
        lines.append(f"Known file: {md(it.known)}")
    if it.duplicate_of:
        lines.append(f"Same content as {md(it.duplicate_of)}: processed once, clues listed there.")
    lines.append("")
    for q in it.text:
        lines.append(f"- {q.kind_title}: “{md(q.value)}” ({md(q.where) or 'whole file'})")
    if it.text_total > len(it.text):
        lines.append(f"- … {it.text_total - len(it.text)} more text lines in clues.jsonl")
    for g in it.signals:
        value = f"“{md(g.value)}”" + (f" = {md(g.normalized)}" if g.normalized and g.normalized != g.value else "")
        times = f" ×{g.count}" if g.count > 1 else ""
        votes = ", ".join(f"{md(cc)} {w:.2f}" for cc, w in g.votes) + (f" +{g.n_votes - len(g.votes)} more" if g.n_votes > len(g.votes) else "")
        lines.append(f"- {g.kind_title}: {value}{times} ({md(g.where) or 'whole file'})" + (f" → {votes}" if votes else ""))
        if g.why:
            lines.append(f"  - why: {md(g.why)}")
    if it.signals_total > len(it.signals):
        lines.append(f"- … {it.signals_total - len(it.signals)} more clues in clues.jsonl")
    if it.text or it.signals:
        lines.append("")
    return lines


def render_md(view: CaseView) -> str:
    out = [f"# clueextract summary — case {md(view.case_name)}", ""]
    out.append("> This report contains text only: no imagery, no audio and no links. Every clue names the file and "
               "the place in it (box, frame time, audio span or field) where it was found.")
    out.append("")
    out.append(f"- Tool: {md(view.tool_version or 'unknown')} · config hash `{view.config_hash or 'unknown'}`")
    if view.evidence:
        out.append(f"- Evidence: {', '.join(md(e) for e in view.evidence)}"
                   + (f" · packs: {', '.join(md(p) for p in view.packs)}" if view.packs else ""))
    out.append(f"- Items: {view.n_items} (" + ", ".join(f"{k} {v}" for k, v in view.counts.items()) +
               f") · clues: {view.n_clues} · series: {len(view.series)}")
    out.append(f"- Ranking method: {md(', '.join(view.methods) or 'none')} · desks: {md(view.m49_source)}")
    out.append("")
    out += _index(view)
    for s in view.series:
        out += _series(s)
    return "\n".join(out).rstrip("\n") + "\n"


def dump_summary_md(store: CaseStore, out: TextIO) -> None:
    out.write(render_md(build_case_view(iter_records(store), store.case_dir.resolve().name, LIMITS)))


def write_summary_md(store: CaseStore, path: Path) -> None:
    atomic_write(path, lambda f: dump_summary_md(store, f))

