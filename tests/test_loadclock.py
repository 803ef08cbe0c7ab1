"""First-use loads told apart from an item's work (loadclock.py): the real lingua, wordfreq and
the samples scan."""
from __future__ import annotations

import json
import sqlite3
import time

import pytest

from clueextract import loadclock
from clueextract.text import langcheck
from clueextract.text.language import LanguageIdentifier


def test_loading_adds_up_per_name() -> None:
    before = loadclock.snapshot()
    for _ in range(2):
        with loadclock.loading("test: a model"):
            time.sleep(0.01)
    got = loadclock.since(before)
    assert list(got) == ["test: a model"]
    assert got["test: a model"] >= 0.02
    assert loadclock.since(loadclock.snapshot()) == {}


def test_lingua_group_load_is_timed_once() -> None:
    """lingua loads a script group's models on the group's first call: that call is a load,
    the next ones are not."""
    ident = LanguageIdentifier(["en", "de", "fr"])
    before = loadclock.snapshot()
    assert ident.identify("Guten Morgen, wir haben heute geöffnet").code == "de"
    first = loadclock.since(before)
    assert [k for k in first if k.startswith("lingua models")] == ["lingua models (de, en, fr)"]
    before = loadclock.snapshot()
    assert ident.identify("Good morning, we are open today").code == "en"
    assert loadclock.since(before) == {}


def test_common_word_lists_build_is_timed_and_unchanged() -> None:
    """The wordfreq table is built once per process and timed as a load; the compiled patterns
    and the ASCII shortcut of fold() give the same words as the plain path."""
    langcheck.common_words.cache_clear()
    before = loadclock.snapshot()
    table = langcheck.common_words()
    assert "common-word lists (wordfreq)" in loadclock.since(before)
    script, words = table["sv"]  # Swedish: no pack, which is how Swedish is told from German
    assert script == "Latn" and "och" in words
    assert words[langcheck.fold("för")] == words["for"]  # accents folded away
    assert table["vi"][1].get("duoc")  # "được", folded
    assert table["ru"][0] == "Cyrl" and "что" in table["ru"][1]
    assert langcheck.fold("Đường") == "duong" and langcheck.fold("ÉCOLE") == "ecole"
    assert langcheck.fold("Москва") == "москва"


@pytest.mark.scan
def test_samples_scan_records_each_first_use_load_once(samples_case) -> None:
    """In one worker, every first-use load lands in exactly one item's info, within its seconds."""
    con = sqlite3.connect(f"file:{samples_case / 'case.sqlite'}?mode=ro", uri=True)
    try:
        infos = [json.loads(i) for (i,) in con.execute("SELECT info_json FROM items WHERE info_json IS NOT NULL")]
    finally:
        con.close()
    seen: dict[str, int] = {}
    for info in infos:
        loaded = info.get("loaded") or {}
        assert info.get("load_seconds", 0.0) == pytest.approx(sum(loaded.values()), abs=0.002)
        assert info.get("load_seconds", 0.0) <= info["seconds"]
        for name in loaded:
            seen[name] = seen.get(name, 0) + 1
    # the samples hold Latin-script text, speech and GPS points: these loads must show, once each
    assert any(n.startswith("lingua models (") and "en" in n for n in seen), seen
    for name in ("common-word lists (wordfreq)", "speech model whisper-base", "reverse geocoder (GeoNames cities1000)"):
        assert seen.get(name) == 1, seen
    assert all(count == 1 for count in seen.values()), seen
