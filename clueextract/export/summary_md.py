"""summary.md: what an expert reads first. Text only: no imagery, no audio."""
from __future__ import annotations

import os
from collections import defaultdict
from pathlib import Path

from ..countries import country_name
from ..store import CaseStore
from .records import iter_records

KIND_ORDER = ["gps", "timezone", "device", "spoken_language", "speech_segment", "ocr_text", "text_language",
              "script", "phone", "domain", "email", "currency", "postal_code", "place", "brand", "organization",
              "legal_form", "address_term", "dialect_marker", "person"]
KIND_TITLE = {"gps": "GPS position", "timezone": "Time-zone offset", "device": "Camera / device",
              "ocr_text": "Text read (OCR)", "text_language": "Language of text", "script": "Writing system",
              "phone": "Phone numbers", "domain": "Web domains", "email": "E-mail addresses",
              "currency": "Currency", "spoken_language": "Spoken language", "speech_segment": "Speech"}


def md(text: object) -> str:
    """Escape text read from evidence so it cannot format or inject markup in the summary."""
    s = str(text).replace("\\", "\\\\")
    for ch in "`*_{}[]<>#|!":
        s = s.replace(ch, "\\" + ch)
    return " ".join(s.split())


def where(loc: dict) -> str:
    parts = []
    if "field" in loc:
        parts.append(loc["field"])
    if "bbox" in loc:
        x0, y0, x1, y1 = loc["bbox"]
        parts.append(f"box {x0},{y0}–{x1},{y1}")
    if "frame_time_s" in loc:
        times = loc["frame_time_s"] if isinstance(loc["frame_time_s"], list) else [loc["frame_time_s"]]
        shown = ", ".join(f"{t:.1f}" for t in times[:5]) + (" …" if len(times) > 5 else "")
        parts.append(f"read at {shown} s")
    if "start_s" in loc:
        span = f"{loc['start_s']:.1f}–{loc.get('end_s', loc['start_s']):.1f} s"
        parts.append(f"on screen {span}" if "frame_time_s" in loc else span)
    if "stream" in loc:
        parts.append(f"audio stream {loc['stream']}")
    return "; ".join(parts)


def votes(countries: list[dict]) -> str:
    if not countries:
        return ""
    top = sorted(countries, key=lambda v: -v["weight"])[:4]
    more = f" +{len(countries) - 4} more" if len(countries) > 4 else ""
    return " → " + ", ".join(f"{v['country']} {v['weight']:.2f}" for v in top) + more


def tally_line(ranked: list[dict], n: int = 6) -> str:
    if not ranked:
        return "no country evidence"
    return " · ".join(f"**{r['country']}** {country_name(r['country'])} {r['score']:.2f} ({r['probability']:.0%}, "
                      f"{len(r['clue_ids'])} clue{'' if len(r['clue_ids']) == 1 else 's'})" for r in ranked[:n])


def write_summary_md(store: CaseStore, path: Path) -> None:
    recs = list(iter_records(store))
    run = next((r for r in recs if r["record"] == "run"), None)
    items = [r for r in recs if r["record"] == "item"]
    clues = defaultdict(list)
    for r in recs:
        if r["record"] == "clue":
            clues[r["item_id"]].append(r)
    series_assess = {r["series"]: r for r in recs if r["record"] == "assessment" and r["scope"] == "series"}
    counts = defaultdict(int)
    for it in items:
        counts[it["status"]] += 1
    last = store.last_run()
    out = [f"# clueextract summary — case `{md(store.case_dir.name)}`", ""]
    out.append("> Text only: this summary shows no imagery and plays no audio. Every clue names the file and the "
               "place in it where it was found.")
    out.append("")
    if run:
        out.append(f"- Tool: {run['tool_version']} · config hash `{run['config_hash'][:16]}` · "
                   f"run {last['run_id']} {last['status']} ({last['started_at']} → {last['finished_at'] or '…'})")
        out.append(f"- Evidence: {', '.join(md(e) for e in run['evidence'])} · packs: "
                   f"{', '.join(run['engines'].get('packs', {}))}")
    out.append(f"- Items: {len(items)} (" + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())) +
               f") · clues: {sum(len(v) for v in clues.values())}")
    out.append("- Country lists below are a plain tally of clue weights, not yet a calibrated ranking.")
    out.append("")
    by_series = defaultdict(list)
    for it in items:
        by_series[it["series"]].append(it)
    for name in sorted(by_series):
        out += [f"## Series `{md(name)}`", "", "Countries: " + tally_line(series_assess.get(name, {}).get("countries", [])), ""]
        for it in by_series[name]:
            out += _item_section(it, clues)
    bad = [it for it in items if it["status"] != "done"]
    if bad:
        out += ["## Skipped and failed items", "", "| path | status | reason |", "|---|---|---|"]
        out += [f"| {md(it['path'])} | {it['status']} | {md(it['error'] or '')} |" for it in bad]
        out.append("")
    tmp = path.with_suffix(".md.tmp")
    tmp.write_text("\n".join(out) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def _item_section(it: dict, clues: dict) -> list[str]:
    head = f"### {md(it['path'])}"
    meta = f"{it['media_type']} `{it['mime'] or '?'}` · {it['size'] or 0:,} bytes · {it['status']}"
    if it["sha256"]:
        meta += f" · sha256 `{it['sha256'][:16]}…`"
    lines = [head, "", meta]
    if it["duplicate_of"]:
        lines.append(f"Same content as item `{it['duplicate_of']}`: processed once, clues listed there.")
    if it["error"]:
        lines.append(f"Reason: {md(it['error'])}")
    lines.append("")
    by_kind = defaultdict(list)
    for c in clues.get(it["item_id"], []):
        by_kind[c["kind"]].append(c)
    for kind in sorted(by_kind, key=lambda k: KIND_ORDER.index(k) if k in KIND_ORDER else 99):
        lines.append(f"- **{KIND_TITLE.get(kind, kind)}**")
        for c in by_kind[kind]:
            detail = f"“{md(c['value'])}”"
            if c["normalized"] and c["normalized"] != c["value"] and kind not in ("ocr_text", "speech_segment"):
                detail += f" = {md(c['normalized'])}"
            lang = f" [{c['language']}]" if c["language"] and kind == "ocr_text" else ""
            loc = where(c["locator"])
            lines.append(f"  - {detail}{lang} ({c['confidence']:.2f}{'; ' + loc if loc else ''}){votes(c['countries'])}")
            reasons = sorted(c["countries"], key=lambda v: -v["weight"])[:1]
            if reasons and kind not in ("ocr_text",):
                lines.append(f"    - why: {md(reasons[0]['reason'])}")
    if by_kind:
        lines.append("")
    return lines
