"""Expert summaries (summary.md, summary.html): content on the real samples scan, escaping of
hostile evidence text, review decisions, records with optional keys missing, determinism."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from clueextract import TOOL
from clueextract.export.published import iter_records
from clueextract.export.summary_html import render_html, write_summary_html
from clueextract.export.summary_md import md, render_md, write_summary_md
from clueextract.export.summary_model import Limits, build_case_view
from clueextract.records import Clue, CountryVote, Source
from clueextract.regions import desk_for
from clueextract.review import add_review
from clueextract.store import CaseStore

from conftest import SAMPLES, run_cli

HOSTILE_OCR = "<script>alert(1)</script> [click me](javascript:alert(1)) visit https://evil.example/x"
HOSTILE_PATH = "evil/<img src=x onerror=alert(2)>.jpg"
HOSTILE_NOTE = "checked ](javascript:alert(3)) <script>alert(3)</script>"


def _html_is_inert(html: str) -> None:
    low = html.lower()
    assert "<script" not in low and "<img" not in low and "<audio" not in low and "<video" not in low
    assert "<iframe" not in low and "<object" not in low and "<embed" not in low and "<link" not in low
    assert not re.search(r"(?:https?|ftp)://", low), "no URL may appear in summary.html"
    assert all(h.startswith("#") for h in re.findall(r'href="([^"]*)"', html)), "only in-page anchors"
    assert not re.search(r"<[a-z]+[^>]*\s(?:src|on[a-z]+)=", low), "no element loads or runs anything"


def _md_is_inert(text: str) -> None:
    """Render the Markdown as a viewer would (CommonMark, raw HTML allowed): no markup from evidence."""
    rendered = MarkdownIt("commonmark", {"html": True}).render(text).lower()
    assert "<script" not in rendered and "<img" not in rendered and "<a " not in rendered
    assert not re.search(r"(?<!\\)<(?:script|img|/script)", text, re.I), "every < from evidence is escaped"
    assert not re.search(r"(?<!\\)\]\(javascript:", text, re.I), "no link can form"


# -- the real samples scan -------------------------------------------------------------------------

def _series_block(text: str, name: str) -> str:
    head = f"## Series: {md(name)}\n"
    start = text.index(head)
    end = text.find("\n## Series: ", start + len(head))
    return text[start:end if end > 0 else len(text)]


def test_thai_series_leads_with_th_quoted_clue_and_desk(samples_case):
    text = (samples_case / "summary.md").read_text(encoding="utf-8")
    block = _series_block(text, "bangkok_market")
    first_row = next(line for line in block.splitlines() if line.startswith("| 1 |"))
    assert "**TH** Thailand" in first_row and "South-eastern Asia (035)" in first_row
    why = block[block.index("**Why TH Thailand:**"):].split("\n\n")[0].splitlines()[1:]
    assert 1 <= len(why) <= 3
    # each quoted clue names its kind, the value in quotes, the file and a locator
    assert all(re.match(r"- [^:]+: “.+” .*— bangkok_market/\S+, \S", line) for line in why), why
    assert any("EXIF GPS" in line or "box " in line for line in why)
    assert "**Competing evidence** (clues that point to other countries" in block
    html = (samples_case / "summary.html").read_text(encoding="utf-8")
    sec = html[html.index("<h2>Series: bangkok_market</h2>"):]
    sec = sec[:sec.index("</section>")]
    first = sec[sec.index("<tr><td class=\"num\">1</td>"):].split("</tr>")[0]
    assert "<b>TH</b> Thailand" in first and "South-eastern Asia" in first
    link = re.search(r'<a href="#(series-bangkok_market-[0-9a-f]{6}-why-TH)"><b>TH</b> Thailand</a>', first)
    assert link and f'<h4 id="{link.group(1)}">Why TH Thailand</h4>' in sec and "bangkok_market/" in sec


def test_languages_heard_list_german_with_spans(samples_case):
    spans = json.loads((SAMPLES / "manifest_audio.json").read_text(encoding="utf-8"))["items"]
    text = (samples_case / "summary.md").read_text(encoding="utf-8")
    html = (samples_case / "summary.html").read_text(encoding="utf-8")
    german = [(it, st["index"], sp) for it in spans for st in it["streams"] for sp in st["spans"] if sp["language"] == "de"]
    assert len(german) >= 3
    found = 0
    for it, stream, sp in german:
        block = _series_block(text, it["series"])
        heard = block[block.index("**Languages heard:**"):].split("\n\n")[0]
        pat = (rf"- German \(`de`\) — {re.escape(md(it['path']))}, audio stream {stream}, "
               r"(\d+\.\d)–(\d+\.\d) s")
        for m in re.finditer(pat, heard):
            start, end = float(m.group(1)), float(m.group(2))
            # span edges within 2 s of the script's, as test_audio_samples states (Whisper's
            # language windows and the VAD's edges move a little with another CPU's kernels)
            if abs(start - sp["start_s"]) <= 2.0 and abs(end - sp["end_s"]) <= 2.0:
                found += 1
                break
        assert f"<td>German <code>de</code></td><td>{it['path']}</td>" in html
    assert found == len(german), "every German span of the speech samples is listed with its times"
    # the two-language announcement lists English before German, each with its own span
    block = _series_block(text, "speech_frankfurt_airport")
    assert block.index("- English (`en`)") < block.index("- German (`de`)")


def test_header_provenance_text_only_and_no_run_timestamps(samples_case, samples_records):
    run = samples_records[0]
    text = (samples_case / "summary.md").read_text(encoding="utf-8")
    head = text.split("\n## ", 1)[0]
    assert f"config hash `{run['config_hash']}`" in head and run["tool_version"] in head
    assert "This report contains text only" in head
    assert not re.search(r"\d{4}-\d\d-\d\dT\d\d:\d\d", head), "no run timestamps: same records, same bytes"
    store = CaseStore(samples_case)
    try:
        started, finished = store.last_run()["started_at"], store.last_run()["finished_at"]
    finally:
        store.close()
    assert started not in text and finished not in text
    html = (samples_case / "summary.html").read_text(encoding="utf-8")
    assert run["config_hash"] in html and "This report contains text only" in html
    _html_is_inert(html)
    _md_is_inert(text)
    # the skipped manifests are listed with their reason
    assert "- manifest.json — skipped: unsupported content" in text


def test_export_html_cli_matches_scan_output(samples_case, tmp_path):
    """`export --format html` (stdout and -o) gives the same bytes as the summary.html the scan wrote."""
    out = run_cli("export", str(samples_case), "--format", "html").stdout
    assert out == (samples_case / "summary.html").read_text(encoding="utf-8")
    target = tmp_path / "s.html"
    run_cli("export", str(samples_case), "--format", "html", "-o", str(target))
    assert target.read_bytes() == (samples_case / "summary.html").read_bytes()
    md_out = run_cli("export", str(samples_case), "--format", "md").stdout
    assert md_out == (samples_case / "summary.md").read_text(encoding="utf-8")


# -- a small synthetic store -----------------------------------------------------------------------

def _synthetic_store(tmp_path: Path) -> CaseStore:
    store = CaseStore(tmp_path / "case")
    run_id = store.begin_run(TOOL, {"test": True}, "c" * 64, {"packs": {"th": "1"}}, ["ev<script>"])
    base = dict(root="ev", mime="image/jpeg", size=1234, md5="m" * 32, sha1="s" * 40, status="pending")
    store.upsert_item(item_id="i-img", path=HOSTILE_PATH, series="evil_series", media_type="image",
                      sha256="a" * 64, **base)
    store.upsert_item(item_id="i-aud", path="evil/talk.wav", series="evil_series", media_type="audio",
                      sha256="b" * 64, **base)
    store.upsert_item(item_id="i-bad", path="evil/broken [x](javascript:alert(4)).png", series="evil_series",
                      media_type="image", sha256="d" * 64, **{**base, "status": "error",
                                                              "error": "cannot decode <script>alert(5)</script>"})
    src = Source("ocr", "test-engine")
    ocr = Clue("ocr_text", HOSTILE_OCR, HOSTILE_OCR, 0.9, src, {"bbox": [10, 20, 300, 60]}, language="th")
    script = Clue("script", "Thai", "Thai", 1.0, Source("text", "script"), {"bbox": [10, 20, 300, 60]},
                  countries=[CountryVote("TH", 0.6, "Thai script <b>only</b> in Thailand")], parent=ocr)
    domain = Clue("domain", "www.evil-shop.fr", "evil-shop.fr", 0.9, Source("text", "tld"), {"bbox": [10, 70, 300, 90]},
                  countries=[CountryVote("FR", 0.7, ".fr is the ccTLD of France [x](javascript:alert(6))")], parent=ocr)
    clues = [ocr, script, domain]
    for i, c in enumerate(clues):
        c.assign_id("i-img", i)
    store.commit_result("i-img", "done", None, clues, {}, "c" * 64, run_id)
    lang = Clue("spoken_language", "de", "de", 0.93, Source("audio", "whisper"), {"start_s": 0.5, "end_s": 12.25,
                "stream": 0}, language="de", countries=[CountryVote("DE", 0.06, "German is spoken in Germany")])
    seg = Clue("speech_segment", "Guten <script>Morgen</script>", "Guten Morgen", 0.8, Source("audio", "whisper"),
               {"start_s": 0.5, "end_s": 1.5, "stream": 0}, language="de")
    for i, c in enumerate([lang, seg]):
        c.assign_id("i-aud", i)
    store.commit_result("i-aud", "done", None, [lang, seg], {}, "c" * 64, run_id)
    store.finish_run(run_id, "completed", {})
    return store


def test_hostile_evidence_text_is_escaped_in_both_outputs(tmp_path):
    store = _synthetic_store(tmp_path)
    add_review(store, "evil_series", "TH", "confirm", "Dr <script>alert(7)</script>", HOSTILE_NOTE)
    md_path, html_path = tmp_path / "s.md", tmp_path / "s.html"
    write_summary_md(store, md_path)
    write_summary_html(store, html_path)
    text, html = md_path.read_text(encoding="utf-8"), html_path.read_text(encoding="utf-8")
    _md_is_inert(text)
    _html_is_inert(html)
    assert "\\<script\\>alert\\(1\\)" in text or "\\<script\\>alert(1)" in text
    assert "\\[click me\\](javascript:alert(1))" in text and "https\\://evil" in text
    assert "www\\.evil-shop.fr" in text  # a domain read from evidence does not become a link
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "&lt;img src=x onerror=alert(2)&gt;" in html
    assert "&lt;script&gt;alert(5)&lt;/script&gt;" in html and "Dr &lt;script&gt;alert(7)" in html
    assert "Thai script &lt;b&gt;only&lt;/b&gt;" in html  # reasons are escaped too
    store.close()


def test_review_decisions_and_excluded_leader_shown(tmp_path):
    store = _synthetic_store(tmp_path)
    series = [r for r in iter_records(store) if r["record"] == "assessment" and r.get("scope") == "series"]
    leader = series[0]["countries"][0]["country"]
    other = next(c["country"] for c in series[0]["countries"][1:])
    add_review(store, "evil_series", other, "confirm", "analyst-1", "sign text matches")
    add_review(store, "evil_series", leader, "exclude", "analyst-2", "border town, wrong side")
    write_summary_md(store, tmp_path / "s.md")
    write_summary_html(store, tmp_path / "s.html")
    text = (tmp_path / "s.md").read_text(encoding="utf-8")
    html = (tmp_path / "s.html").read_text(encoding="utf-8")
    assert f"> **EXPERT EXCLUDED THE TOP-RANKED COUNTRY {leader}" in text and "border town, wrong side" in text
    assert re.search(rf"- \d{{4}}-\d\d-\d\dT[\d:]+Z analyst-1: \*\*confirm {other}\*\*", text)
    assert re.search(rf"- \d{{4}}-\d\d-\d\dT[\d:]+Z analyst-2: \*\*exclude {leader}\*\*", text)
    row = next(line for line in text.splitlines() if line.startswith("| 1 |"))
    assert row.endswith("| excluded by analyst-2 |")
    assert f'<p class="alert">Expert excluded the top-ranked country {leader}' in html
    assert '<td class="exclude">exclude</td>' in html and '<td class="confirm">confirm</td>' in html
    # languages heard, the unreadable item and its reason
    assert "- German (`de`) — evil/talk.wav, audio stream 0, 0.5–12.2 s" in text or \
           "- German (`de`) — evil/talk.wav, audio stream 0, 0.5–12.3 s" in text
    assert "— error: cannot decode \\<script\\>alert(5)\\</script\\>" in text
    store.close()


def test_outputs_are_deterministic(tmp_path):
    store = _synthetic_store(tmp_path)
    add_review(store, "evil_series", "TH", "exclude", "a", None)
    for i in (1, 2):
        write_summary_md(store, tmp_path / f"s{i}.md")
        write_summary_html(store, tmp_path / f"s{i}.html")
    assert (tmp_path / "s1.md").read_bytes() == (tmp_path / "s2.md").read_bytes()
    assert (tmp_path / "s1.html").read_bytes() == (tmp_path / "s2.html").read_bytes()
    assert not list(tmp_path.glob("*.tmp"))
    store.close()


# -- records with optional keys missing ------------------------------------------------------------

def _clue(cid: str, item: str, kind: str, value: str, votes: list[tuple[str, float, str]], **loc) -> dict:
    return {"record": "clue", "clue_id": cid, "item_id": item, "kind": kind, "value": value, "normalized": value,
            "confidence": 0.9, "language": None, "locator": loc,
            "countries": [{"country": c, "weight": w, "reason": r} for c, w, r in votes]}


def _minimal_records(assessment: dict) -> list[dict]:
    return [
        {"record": "item", "item_id": "i-1", "path": "s/a.jpg", "series": "s", "media_type": "image", "status": "done"},
        {"record": "item", "item_id": "i-2", "path": "s/b.jpg", "series": "s", "media_type": "image",
         "status": "skipped", "error": "known file", "known": {"set": "NSRL"}, "duplicate_of": None},
        _clue("c-1", "i-1", "phone", "+66 2 123 4567", [("TH", 0.9, "+66 is Thailand's calling code")], bbox=[1, 2, 3, 4]),
        _clue("c-2", "i-1", "text_language", "tr", [("TR", 0.05, "Turkish")], field="EXIF comment"),
        _clue("c-3", "i-1", "timezone", "+07:00", [("TH", 0.1, "UTC+7"), ("VN", 0.1, "UTC+7")]),
        assessment,
    ]


def test_plain_tally_records_degrade_gracefully():
    """Today's assessment shape: countries[].{country, probability, score, clue_ids} only."""
    recs = _minimal_records({"record": "assessment", "scope": "series", "series": "s", "method": "plain tally",
                             "countries": [{"country": "TH", "probability": 0.8, "score": 1.0, "clue_ids": ["c-1", "c-3"]},
                                           {"country": "VN", "probability": 0.1, "score": 0.1, "clue_ids": ["c-3"]},
                                           {"country": "TR", "probability": 0.05, "score": 0.05, "clue_ids": ["c-2"]}]})
    view = build_case_view(recs, "case")
    s = view.series[0]
    assert [r.country for r in s.ranked] == ["TH", "VN", "TR"] and s.ranked[0].desk == desk_for("TH")
    assert [q.value for q in s.ranked[0].support] == ["+66 2 123 4567", "+07:00"]  # strongest first
    assert s.ranked[0].support[0].where == "box 1,2–3,4" and s.ranked[0].support[0].file == "s/a.jpg"
    assert [(q.value, q.countries) for q in s.against] == [("tr", ["TR"])]  # votes only for others
    assert s.discounted is None and s.derived == ["support", "against"] and s.counts["known"] == 1
    text, html = render_md(view), render_html(view)
    assert "_Derived from clue votes" in text and "Set aside" not in text
    assert "- s/b.jpg — skipped: known file (known: set: NSRL)" in text
    assert "**TR** Türkiye ← Language of text: “tr” — s/a.jpg, EXIF comment" in text
    assert "<h4>Set aside</h4>" not in html and "known file: set: NSRL" in html


def test_evidence_v1_records_show_support_against_and_set_aside():
    recs = _minimal_records({
        "record": "assessment", "scope": "series", "series": "s", "method": "evidence-v1", "clue_count": 3,
        "countries": [{"country": "TH", "probability": 0.81, "score": 2.3, "clue_ids": ["c-1"],
                       "support": [{"clue_id": "c-1", "kind": "phone", "value": "+66 2 123 4567", "weight": 0.9,
                                    "reason": "calling code +66"}]},
                      {"country": "AQ"}],  # no probability, no clue ids, no M49 region
        "against": [{"clue_id": "c-2", "kind": "text_language", "value": "tr", "country": "TR", "weight": 0.05,
                     "reason": "Turkish"}],
        "discounted": [{"clue_id": "c-9", "kind": "place", "value": "Paris <b>", "reason": "foreign mention"}]})
    view = build_case_view(recs, "case", Limits())
    s = view.series[0]
    assert s.derived == [] and s.clue_count == 3 and s.ranked[1].probability is None and s.ranked[1].desk is None
    text, html = render_md(view), render_html(view)
    assert "- Phone number: “+66 2 123 4567” — s/a.jpg, box 1,2–3,4 (weight 0.90); why: calling code +66" in text
    assert "| 2 | **AQ** Antarctica | – | no M49 region | 0 |  |" in text
    assert "**Set aside:**\n- Place name: “Paris \\<b\\>” — ?; why: foreign mention" in text
    assert "Paris &lt;b&gt;" in html and "foreign mention" in html and "<h4>Set aside</h4>" in html
    _html_is_inert(html)


@pytest.mark.parametrize("cc,label", [("TH", "South-eastern Asia"), ("DE", "Western Europe"),
                                      ("NG", "Sub-Saharan Africa › Western Africa"), ("US", "Northern America"),
                                      ("BR", "Latin America and the Caribbean › South America")])
def test_m49_desks(cc, label):
    assert desk_for(cc).label == label
    assert desk_for("AQ") is None and desk_for("XX") is None
