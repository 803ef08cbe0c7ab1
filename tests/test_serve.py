"""clueextract serve over plain HTTP: the access token, CSRF and CSP refuse what they should, every
value is escaped, the queue's statuses, filters and search, decisions appended (two reviewers who
disagree = disputed), reads while another connection writes, no evidence file ever opened.

The case is built through the store API (the records a scan writes), so these tests need no
engine; the browser test (test_serve_browser.py) drives the same case in Chromium."""
from __future__ import annotations

import hashlib
import html.parser
import re
import shutil
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from clueextract import TOOL
from clueextract.records import Clue, CountryVote, Source
from clueextract.serve import build
from clueextract.serve.assets import AssetError, pins, verify
from clueextract.serve.security import CSP, csrf_for
from clueextract.store import CaseStore

from conftest import ROOT

HOSTILE = "<script>alert(1)</script>"
BASE = "http://127.0.0.1"


# -- a small case, written as a scan writes it -------------------------------------------------------

def _hashes(data: bytes) -> dict:
    return {"sha256": hashlib.sha256(data).hexdigest(), "md5": hashlib.md5(data).hexdigest(),
            "sha1": hashlib.sha1(data).hexdigest()}


def _item(store: CaseStore, root: str, series: str, name: str, media: str, run_id: int, clues: list[Clue],
          evidence: Path | None = None) -> str:
    data = f"{series}/{name}".encode()
    if evidence is not None:
        (evidence / series).mkdir(parents=True, exist_ok=True)
        (evidence / series / name).write_bytes(data)
    item_id = "i-" + hashlib.sha256(f"{series}/{name}".encode()).hexdigest()[:16]
    store.upsert_item(item_id=item_id, root=root, path=f"{series}/{name}", path_b64=None, series=series,
                      media_type=media, mime={"image": "image/jpeg", "audio": "audio/flac"}[media], size=len(data),
                      mtime_ns=0, status="pending", error=None, note=None, duplicate_of=None, config_hash="c" * 64,
                      run_id=run_id, info_json=None, **_hashes(data))
    for i, c in enumerate(clues):
        c.assign_id(item_id, i)
    store.commit_result(item_id, "done", None, clues, {}, "c" * 64, run_id)
    return item_id


def _ocr(text: str, box: list, votes=(), kind: str = "ocr_text", parent: Clue | None = None, language=None) -> Clue:
    return Clue(kind, text, text, 0.9, Source("ocr" if kind == "ocr_text" else "text", "test-engine"),
                {"bbox": box}, language=language, countries=[CountryVote(*v) for v in votes], parent=parent)


def build_case(case: Path, evidence: Path | None = None) -> Path:
    """Four series: a Thai market (TH leads), a London recording whose leader is the 'turn' -> Angren
    (UZ) mistake, a Berlin shop, and a series whose names and text are hostile."""
    root = evidence.name if evidence is not None else "evidence"
    store = CaseStore(case)
    run_id = store.begin_run(TOOL, {"test": True}, "c" * 64, {"packs": {"th": "1", "en": "1", "de": "1"}}, [root])
    sign = _ocr("ซอย สุขุมวิท 11 โทร. +66 2 123 4567", [10, 20, 300, 60], language="th")
    phone = _ocr("+66 2 123 4567", [10, 20, 300, 60], [("TH", 0.9, "+66 is the calling code of Thailand")],
                 kind="phone", parent=sign)
    script = _ocr("Thai", [10, 20, 300, 60], [("TH", 0.6, "Thai script is written almost only in Thailand")],
                  kind="script", parent=sign)
    addr = _ocr("ซอย", [10, 20, 300, 60], [("TH", 0.7, "'ซอย' (soi) is a Thai address word")], kind="address_term",
                parent=sign)
    _item(store, root, "bangkok_market", "fruit_stall_sign.jpg", "image", run_id, [sign, phone, script, addr], evidence)
    menu = _ocr("Sukhumvit Road", [5, 5, 200, 30], language="en")
    place = _ocr("Sukhumvit", [5, 5, 200, 30], [("TH", 0.5, "Sukhumvit is a road in Bangkok")], kind="place", parent=menu)
    _item(store, root, "bangkok_market", "menu.jpg", "image", run_id, [menu, place], evidence)

    lang = Clue("spoken_language", "en", "en", 0.97, Source("audio", "whisper"), {"start_s": 0.4, "end_s": 23.7,
                "stream": 0}, language="en", countries=[CountryVote(cc, 0.05, f"English is spoken in {cc}")
                                                      for cc in ("GB", "US", "AU", "CA")])
    seg = Clue("speech_segment", "To find our shop, turn left and walk along the river", "To find our shop, turn left",
               0.8, Source("audio", "whisper"), {"start_s": 3.2, "end_s": 10.0, "stream": 0}, language="en")
    turn = Clue("place", "turn", "turn", 0.6, Source("text", "gazetteer"), {"start_s": 3.2, "end_s": 10.0, "stream": 0},
                language="en", countries=[CountryVote("UZ", 0.45, "'turn' is the name of Angren, a city in Uzbekistan")],
                parent=seg)
    _item(store, root, "speech_london", "shop_directions.flac", "audio", run_id, [lang, seg, turn], evidence)

    shop = _ocr("Bäckerei Müller GmbH", [0, 0, 100, 20], language="de")
    legal = _ocr("GmbH", [0, 0, 100, 20], [("DE", 0.8, "GmbH is a German legal form"),
                                           ("AT", 0.6, "GmbH is an Austrian legal form")], kind="legal_form", parent=shop)
    _item(store, root, "berlin_shop", "bakery.jpg", "image", run_id, [shop, legal], evidence)

    evil = _ocr(f"=1+1 {HOSTILE} <img src=x onerror=alert(2)>", [1, 2, 3, 4], language="en")
    evil_vote = _ocr(f"evil.fr {HOSTILE}", [1, 2, 3, 4], [("FR", 0.7, f".fr is France {HOSTILE}")], kind="domain",
                     parent=evil)
    _item(store, root, f"evil_{HOSTILE}", "x.jpg", "image", run_id, [evil, evil_vote], evidence)
    store.finish_run(run_id, "completed", store.counts())
    store.close()
    return case


@pytest.fixture()
def case(tmp_path) -> Path:
    return build_case(tmp_path / "case")


def _client(case: Path, host: str = "127.0.0.1"):
    app, token = build(case, host, port=8765)
    return TestClient(app, base_url=f"http://{host}"), token


def _login(client: TestClient, token: str) -> None:
    r = client.get(f"/?token={token}", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/"
    assert client.cookies.get("clueextract_token_8765") == token


# -- the locks ---------------------------------------------------------------------------------------

def test_token_is_required_then_an_httponly_samesite_cookie(case):
    client, token = _client(case)
    for path in ("/", "/series?name=bangkok_market", "/decisions", "/static/htmx.min.js"):
        r = client.get(path, follow_redirects=False)
        assert r.status_code == 401 and "Access token required" in r.text, path
        assert r.headers["content-security-policy"] == CSP
    assert client.get("/?token=" + "x" * len(token), follow_redirects=False).status_code == 401
    client.cookies.set("clueextract_token_8765", token[:-1] + ("A" if token[-1] != "A" else "B"))
    assert client.get("/").status_code == 401  # one character off
    client.cookies.clear()
    r = client.get(f"/series?name=berlin_shop&token={token}", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/series?name=berlin_shop"  # the token leaves the URL
    cookie = r.headers["set-cookie"]
    assert cookie.startswith(f"clueextract_token_8765={token};") and "HttpOnly" in cookie
    assert "SameSite=Strict" in cookie and "Path=/" in cookie
    assert client.get("/series?name=berlin_shop").status_code == 200
    assert client.get("/static/htmx.min.js").content == verify()["htmx.min.js"]


def test_csrf_and_cross_site_posts_are_refused(case):
    client, token = _client(case)
    _login(client, token)
    form = {"series": "berlin_shop", "country": "DE", "decision": "confirm", "reviewer": "ana"}
    assert client.post("/review", data=form, follow_redirects=False).status_code == 403
    assert client.post("/review", data={**form, "csrf": "0" * 64}, follow_redirects=False).status_code == 403
    good = {**form, "csrf": csrf_for(token)}
    assert client.post("/review", data=good, headers={"origin": "http://evil.example"},
                       follow_redirects=False).status_code == 403
    assert client.post("/review", data=good, headers={"sec-fetch-site": "cross-site"},
                       follow_redirects=False).status_code == 403
    store = CaseStore(case, read_only=True)
    assert store.reviews() == []
    store.close()
    r = client.post("/review", data=good, headers={"origin": "http://127.0.0.1"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/series?name=berlin_shop")
    store = CaseStore(case, read_only=True)
    assert [(x["series"], x["country"], x["decision"], x["reviewer"]) for x in store.reviews()] == [
        ("berlin_shop", "DE", "confirm", "ana")]
    store.close()


def test_host_header_must_be_this_machine(case):
    client, token = _client(case)
    r = client.get(f"/?token={token}", headers={"host": "evil.example"}, follow_redirects=False)
    assert r.status_code == 400  # a DNS-rebinding page gets nothing, not even the cookie
    assert "set-cookie" not in r.headers


class _Elements(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.script_text = ""
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"

    def handle_endtag(self, tag):
        self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            self.script_text += data


def _assert_strict(page: str) -> None:
    p = _Elements()
    p.feed(page)
    assert not p.script_text.strip(), "no inline script"
    for tag, attrs in p.tags:
        assert tag not in ("img", "audio", "video", "iframe", "object", "embed", "style", "source", "picture"), tag
        assert "style" not in attrs, f"inline style on <{tag}>"
        assert not [a for a in attrs if a.startswith("on")], f"event handler on <{tag}>"
        if tag == "script":
            assert attrs.get("src") == "/static/htmx.min.js"
        if tag == "link":
            assert attrs.get("href") == "/static/app.css"
        for a in ("href", "src", "action"):
            if attrs.get(a):
                assert attrs[a].startswith(("/", "#")), f"<{tag} {a}={attrs[a]}> leaves the server"


def test_strict_csp_no_inline_script_or_style_and_every_value_escaped(case):
    client, token = _client(case)
    _login(client, token)
    evil = f"evil_{HOSTILE}"
    pages = [client.get("/"), client.get("/", params={"q": "<script>"}), client.get("/series", params={"name": evil}),
             client.get("/decisions")]
    client.post("/review", data={"series": evil, "country": "FR", "decision": "exclude", "reviewer": HOSTILE,
                                 "note": "<b>bold</b> \"quoted\"", "csrf": csrf_for(token)})
    pages += [client.get("/series", params={"name": evil}), client.get("/decisions")]
    for r in pages:
        assert r.status_code == 200
        csp = r.headers["content-security-policy"]
        assert "default-src 'self'" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp
        assert "img-src 'none'" in csp and "frame-ancestors 'none'" in csp
        assert r.headers["x-content-type-options"] == "nosniff" and r.headers["cache-control"] == "no-store"
        _assert_strict(r.text)
        assert HOSTILE not in r.text and "<img src=x" not in r.text and "<b>bold</b>" not in r.text
    series = pages[-2].text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in series and "&lt;b&gt;bold&lt;/b&gt;" in series
    assert "=1+1" in series  # shown as text, never a formula here


def test_assets_are_the_pinned_htmx_and_a_changed_file_stops_the_start(tmp_path):
    pin = pins()["htmx.min.js"]
    assert pin["package"] == "htmx.org" and re.fullmatch(r"2\.\d+\.\d+", pin["version"])
    data = verify()["htmx.min.js"]
    assert hashlib.sha256(data).hexdigest() == pin["sha256"] and data.startswith(b"var htmx=function()")
    static = tmp_path / "static"
    shutil.copytree(ROOT / "clueextract" / "serve" / "static", static)
    (static / "htmx.min.js").write_bytes(data + b"\n;fetch('https://cdn.example/x')")
    with pytest.raises(AssetError, match="htmx.min.js has SHA-256"):
        verify(static)
    text = (ROOT / "clueextract" / "templates" / "serve" / "base.html.j2").read_text(encoding="utf-8")
    assert not re.search(r"(?:src|href)=\"(?:https?:)?//", text), "no CDN, no external asset"


# -- the queue, the series page, decisions -----------------------------------------------------------

def _rows(page: str) -> list[str]:
    return re.findall(r'<tr data-series="([^"]*)"', page)


def _count(page: str, status: str) -> int:
    return int(re.search(rf'id="tab-{status}">{status} <span class="count">(\d+)</span>', page).group(1))


def test_queue_search_and_filters(case):
    client, token = _client(case)
    _login(client, token)
    q = client.get("/").text
    assert sorted(_rows(q)) == sorted(["bangkok_market", "berlin_shop", "speech_london",
                                       "evil_&lt;script&gt;alert(1)&lt;/script&gt;"])
    assert _count(q, "pending") == 4 and _count(q, "confirmed") == 0
    assert "South-eastern Asia" in q and "Central Asia" in q  # desks of the top three countries
    search = {"สุขุมวิท": ["bangkok_market"], "sukhumvit": ["bangkok_market"],  # clue text, any case
              "shop_directions": ["speech_london"],                                # a file name
              "uzbekistan": ["speech_london"], "de": ["berlin_shop"],              # a country name or code
              "nothing like this": []}
    for needle, want in search.items():
        assert _rows(client.get("/", params={"q": needle}).text) == want, needle
    filters = {"country": ("TH", ["bangkok_market"]), "kind": ("legal_form", ["berlin_shop"]),
               "lang": ("th", ["bangkok_market"]), "desk": ("035", ["bangkok_market"]),
               "status": ("confirmed", [])}
    for key, (value, want) in filters.items():
        assert _rows(client.get("/", params={key: value}).text) == want, key
    hit = client.get("/", params={"q": "sukhumvit"}).text
    assert "Place name: “Sukhumvit”" in hit  # what matched is shown


def test_series_page_ranks_links_clues_and_shows_what_speaks_against(case):
    client, token = _client(case)
    _login(client, token)
    page = client.get("/series", params={"name": "speech_london"}).text
    ranked = re.findall(r'<tr data-country="([A-Z]{2})">', page)
    assert ranked[0] == "UZ" and {"GB", "US"} <= set(ranked)
    assert 'href="#clues-UZ"' in page and 'id="clues-UZ"' in page and 'id="clues-GB"' in page
    section = page[page.index('id="clues-UZ"'):]
    section = section[:section.index("</section>")]
    assert "“turn”" in section and "shop_directions.flac" in section and "3.2–10.0 s" in section
    assert "the name of Angren" in section
    against = page[page.index('id="competing"'):].split("</ul>")[0]
    assert "Spoken language: <span class=\"q\">“en”</span>" in against  # rivals' evidence, named as such
    assert "Competing evidence" in page and "argues against" not in page
    assert "English <code>en</code>" in page and "0.4–23.7 s" in page  # language heard with its span
    assert "To find our shop, turn left and walk along the river" in page  # the transcript
    assert client.get("/series", params={"name": "no such series"}).status_code == 404


def test_decisions_are_appended_and_two_reviewers_who_disagree_are_a_dispute(case):
    client, token = _client(case)
    _login(client, token)
    csrf = csrf_for(token)

    def decide(country, decision, reviewer, note=""):
        return client.post("/review", data={"series": "speech_london", "country": country, "decision": decision,
                                            "reviewer": reviewer, "note": note, "csrf": csrf})

    r = decide("UZ", "exclude", "ana", "'turn' is an English verb")
    assert r.status_code == 200 and "Expert excluded the top-ranked country UZ" in r.text
    assert _count(client.get("/").text, "excluded") == 1
    decide("GB", "confirm", "ana")
    assert 'id="series-status">confirmed<' in client.get("/series", params={"name": "speech_london"}).text
    page = decide("US", "confirm", "ben", "American spelling on the sign").text
    assert 'id="series-status">disputed<' in page and 'id="dispute"' in page
    assert "confirmed GB (ana" in page and "confirmed US (ben" in page
    queue = client.get("/").text
    assert _count(queue, "disputed") == 1 and _rows(client.get("/", params={"status": "disputed"}).text) == [
        "speech_london"]
    # the log keeps every decision; a bad one is refused with the reason, nothing recorded
    bad = client.post("/review", data={"series": "speech_london", "country": "germany", "decision": "confirm",
                                       "reviewer": "ana", "csrf": csrf, "country_other": "germany"})
    assert bad.status_code == 400 and "did you mean DE (Germany)?" in bad.text
    blank = decide("GB", "confirm", "   ")
    assert blank.status_code == 400 and "may not be empty" in blank.text
    store = CaseStore(case, read_only=True)
    log = [(r["country"], r["decision"], r["reviewer"]) for r in store.reviews()]
    store.close()
    assert log == [("UZ", "exclude", "ana"), ("GB", "confirm", "ana"), ("US", "confirm", "ben")]
    history = client.get("/decisions").text
    assert history.index("ben") < history.index("'turn' is an English verb".replace("'", "&#39;"))  # newest first


def test_reads_and_decisions_while_another_connection_writes(case):
    """A scan holds the write lock for one item at a time: pages are served meanwhile (WAL), a
    decision waits for the lock and lands, and the queue shows what the scan committed."""
    client, token = _client(case)
    _login(client, token)
    writer = sqlite3.connect(case / "case.sqlite", isolation_level=None, check_same_thread=False)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("UPDATE items SET note='busy' WHERE series='berlin_shop'")
    assert client.get("/").status_code == 200
    assert client.get("/series", params={"name": "berlin_shop"}).status_code == 200
    release = threading.Timer(0.5, lambda: writer.execute("COMMIT"))
    release.start()
    r = client.post("/review", data={"series": "berlin_shop", "country": "DE", "decision": "confirm",
                                     "reviewer": "ana", "csrf": csrf_for(token)})
    release.join()
    assert r.status_code == 200 and 'id="series-status">confirmed<' in r.text
    writer.close()
    # a "scan" commits a new series through the store: the next page has it
    store = CaseStore(case)
    run_id = store.begin_run(TOOL, {"test": True}, "c" * 64, {}, ["evidence"])
    _item(store, "evidence", "seoul_street", "sign.jpg", "image", run_id,
          [_ocr("서울", [0, 0, 9, 9], [("KR", 0.8, "Hangul")], kind="script")])
    store.close()
    assert "seoul_street" in _rows(client.get("/").text)
    assert _rows(client.get("/", params={"country": "KR"}).text) == ["seoul_street"]


def test_the_server_never_opens_an_evidence_file(tmp_path):
    evidence = tmp_path / "evidence"
    case = build_case(tmp_path / "case", evidence)
    opened: list[str] = []
    watching = threading.Event()

    def hook(event, args):
        if watching.is_set() and event == "open" and isinstance(args[0], (str, bytes, Path)):
            path = str(args[0] if not isinstance(args[0], bytes) else args[0].decode(errors="replace"))
            if str(evidence) in path:
                opened.append(path)

    sys.addaudithook(hook)
    client, token = _client(case)
    watching.set()
    try:
        _login(client, token)
        for name in ("bangkok_market", "speech_london", "berlin_shop"):
            assert client.get("/series", params={"name": name}).status_code == 200
        client.get("/", params={"q": "fruit_stall"})
        client.post("/review", data={"series": "berlin_shop", "country": "DE", "decision": "confirm",
                                     "reviewer": "ana", "csrf": csrf_for(token)})
    finally:
        watching.clear()
    assert opened == []
    assert sorted(p.name for p in evidence.rglob("*") if p.is_file()) == [
        "bakery.jpg", "fruit_stall_sign.jpg", "menu.jpg", "shop_directions.flac", "x.jpg"]


def test_cli_serve_prints_the_address_and_warns_off_loopback(tmp_path):
    case = build_case(tmp_path / "case")
    for host, warned in (("127.0.0.1", False), ("0.0.0.0", True)):
        proc = subprocess.Popen([sys.executable, "-m", "clueextract", "serve", str(case), "--host", host, "--port", "0"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
        try:
            url = proc.stdout.readline().strip()
            m = re.fullmatch(r"http://([^/]+):(\d+)/\?token=([A-Za-z0-9_-]{43})", url)
            assert m, url
            import urllib.error
            import urllib.request

            with pytest.raises(urllib.error.HTTPError) as denied:
                urllib.request.urlopen(f"http://127.0.0.1:{m.group(2)}/", timeout=10)
            assert denied.value.code == 401
        finally:
            proc.terminate()
            _, err = proc.communicate(timeout=20)
        assert ("WARNING: serving on 0.0.0.0" in err) == warned, err
    proc = subprocess.run([sys.executable, "-m", "clueextract", "serve", str(tmp_path)], capture_output=True,
                          text=True, cwd=ROOT, timeout=60)
    assert proc.returncode == 2 and "is not a case folder" in proc.stderr
