"""An expert reviews from the browser alone: Debian's Chromium (installed by
scripts/install_system_deps.sh --browser, which make test runs) driven by Selenium against the real
`clueextract serve` process. Open the queue with the printed address, filter, open a series,
follow a country to its clues, confirm it, see the decision in the page, in `export --format
jsonl` and in the VICS export; the page runs under its CSP without a single violation.

Without /usr/bin/chromium and /usr/bin/chromedriver only these tests are skipped, with the reason."""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, run_cli
from test_serve import build_case

CHROMIUM, CHROMEDRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--window-size=1280,1600")
WAIT = 20  # seconds a page or a swap may take at most on a loaded 2-core machine (a timeout, not a timing)

pytestmark = pytest.mark.skipif(
    not (CHROMIUM.exists() and CHROMEDRIVER.exists()),
    reason="Chromium or ChromeDriver missing: install them with scripts/install_system_deps.sh --browser "
           "(Debian packages chromium, chromium-driver; make test does it)")


@pytest.fixture()
def served(tmp_path):
    """A case and the real `clueextract serve` process over it; yields (case, address with token)."""
    case = build_case(tmp_path / "case")
    proc = subprocess.Popen([sys.executable, "-m", "clueextract", "serve", str(case), "--port", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        url = proc.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:") and "?token=" in url, proc.stderr.read()
        yield case, url
    finally:
        proc.terminate()
        proc.communicate(timeout=20)


@pytest.fixture()
def browser(tmp_path):
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    opts = Options()
    opts.binary_location = str(CHROMIUM)
    for flag in FLAGS:
        opts.add_argument(flag)
    opts.add_argument(f"--user-data-dir={tmp_path / 'chromium-profile'}")
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    os.environ.setdefault("SE_AVOID_STATS", "true")  # Selenium Manager is never asked: the driver path is given
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=opts)
    driver.set_page_load_timeout(WAIT)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(tmp_path / "chromium-profile", ignore_errors=True)


def _wait(driver, condition, what: str):
    """Poll until `condition` holds; elements replaced by a swap meanwhile are looked up again."""
    from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, WAIT, ignored_exceptions=(StaleElementReferenceException, NoSuchElementException)
                         ).until(condition, message=f"waited {WAIT} s for {what}")


def _rows(driver) -> list[str]:
    from selenium.webdriver.common.by import By

    return [tr.get_attribute("data-series") for tr in driver.find_elements(By.CSS_SELECTOR, "#series-table tbody tr")]


def test_review_a_series_from_the_browser_alone(served, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    case, url = served
    base = url.split("/?")[0]
    browser.get(url)  # the printed address: the token becomes a cookie and leaves the address bar
    _wait(browser, lambda d: d.find_elements(By.ID, "series-table"), "the queue")
    assert browser.current_url == base + "/"
    assert sorted(_rows(browser))[:3] == ["bangkok_market", "berlin_shop", "evil_<script>alert(1)</script>"]
    assert browser.find_element(By.ID, "tab-pending").text == "pending 4"
    browser.execute_script("window.clueextractNoReload = 1")  # gone if a filter reloaded the whole page

    # filter: a desk, then a search; htmx swaps the table in place
    Select(browser.find_element(By.ID, "f-desk")).select_by_value("035")  # South-eastern Asia
    _wait(browser, lambda d: _rows(d) == ["bangkok_market"], "the South-eastern Asia desk")
    Select(browser.find_element(By.ID, "f-desk")).select_by_value("")
    _wait(browser, lambda d: len(_rows(d)) == 4, "all desks again")
    search = browser.find_element(By.ID, "q")
    search.send_keys("angren")  # a clue's reason is not searched; its value is
    _wait(browser, lambda d: _rows(d) == [], "no match for a word only in a reason")
    search.clear()
    search.send_keys("shop_directions")
    _wait(browser, lambda d: _rows(d) == ["speech_london"], "the file-name search")
    assert browser.execute_script("return window.clueextractNoReload") == 1
    assert "q=shop_directions" in browser.current_url  # the filtered queue has an address of its own

    # open the series, follow the leader to its clues
    browser.find_element(By.LINK_TEXT, "speech_london").click()
    _wait(browser, lambda d: d.find_elements(By.ID, "ranked"), "the series page")
    ranked = [tr.get_attribute("data-country") for tr in browser.find_elements(By.CSS_SELECTOR, "#ranked tbody tr")]
    assert ranked[0] == "UZ"
    browser.find_element(By.CSS_SELECTOR, 'a[href="#clues-UZ"]').click()
    clues = browser.find_element(By.ID, "clues-UZ").text
    assert "“turn”" in clues and "shop_directions.flac" in clues and "the name of Angren" in clues

    # exclude the leader, confirm GB: the page says so
    Select(browser.find_element(By.ID, "d-country")).select_by_value("UZ")
    browser.find_element(By.ID, "d-reviewer").send_keys("Dr Ana Costa")
    browser.find_element(By.ID, "d-note").send_keys("'turn' is an English verb here")
    browser.find_element(By.ID, "d-exclude").click()
    _wait(browser, lambda d: "excluded" in d.find_element(By.ID, "series-status").text, "the exclusion")
    Select(browser.find_element(By.ID, "d-country")).select_by_value("GB")
    assert browser.find_element(By.ID, "d-reviewer").get_attribute("value") == "Dr Ana Costa"  # remembered
    browser.find_element(By.ID, "d-confirm").click()
    _wait(browser, lambda d: d.find_element(By.ID, "series-status").text == "confirmed", "the confirmation")
    history = browser.find_element(By.ID, "history").text
    assert "Dr Ana Costa exclude UZ Uzbekistan 'turn' is an English verb here" in history
    assert "Dr Ana Costa confirm GB United Kingdom" in history
    gb_row = browser.find_element(By.CSS_SELECTOR, '#ranked tr[data-country="GB"]').text
    assert "confirmed by Dr Ana Costa" in gb_row

    # the queue shows it confirmed
    browser.find_element(By.LINK_TEXT, "Review queue").click()
    _wait(browser, lambda d: d.find_elements(By.ID, "tab-confirmed"), "the queue")
    assert browser.find_element(By.ID, "tab-confirmed").text == "confirmed 1"
    browser.find_element(By.ID, "tab-confirmed").click()
    _wait(browser, lambda d: _rows(d) == ["speech_london"], "the confirmed series")

    # no CSP violation, no script error, nothing fetched from elsewhere
    problems = [e["message"] for e in browser.get_log("browser") if e["level"] in ("SEVERE", "WARNING")]
    assert problems == [], problems

    # the decision in the exports
    recs = [json.loads(line) for line in run_cli("export", str(case), "--format", "jsonl").stdout.splitlines()]
    reviews = [(r["country"], r["decision"], r["reviewer"], r["note"]) for r in recs if r["record"] == "review"]
    assert reviews == [("UZ", "exclude", "Dr Ana Costa", "'turn' is an English verb here"),
                       ("GB", "confirm", "Dr Ana Costa", None)]
    series = next(r for r in recs if r["record"] == "assessment" and r.get("series") == "speech_london")
    assert series["review_status"] == "confirmed"
    states = {c["country"]: c.get("review_state") for c in series["countries"]}
    assert states["GB"] == "confirmed" and states["UZ"] == "excluded"
    vics = json.loads(run_cli("export", str(case), "--format", "vics").stdout)
    assert list(vics) == ["@odata.context", "value"]
    assert vics["@odata.context"].endswith("/2.0.xml/Default/$metadata#Media")
    media = next(m for m in vics["value"] if m["RelativeFilePath"].endswith("speech_london/shop_directions.flac"))
    tags = media["Tags"].split(";")
    assert "country:GB" in tags and "country:UZ" not in tags and "review:confirmed" in tags
    assert re.search(r"confirmed GB \(Dr Ana Costa \d{4}-\d\d-\d\d\)", media["Comments"])
    assert "UZ" not in [t.split(":")[1] for t in tags if t.startswith("country:")]
