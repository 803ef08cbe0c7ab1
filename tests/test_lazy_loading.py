"""Start-up mechanisms (issue 17, a fast start): what a scan loads, and that the prebuilt or
cached forms of the read-only indexes give exactly what building them does. No timings here
(benchmarks/bench_startup.py measures them)."""
from __future__ import annotations

import gc
import json
import subprocess
import sys
from pathlib import Path

import pytest

from clueextract.entities import brand_tables
from clueextract.entities.brands import BrandIndex, BrandMatcher, nsi_tables_built, tables_header
from clueextract.packs import PackError, load_pack, select, validate_file

ROOT = Path(__file__).resolve().parent.parent


# ---- brand tables ---------------------------------------------------------------------------
def test_prebuilt_brand_tables_are_the_built_ones():
    """The committed data/brand_tables.json.gz is current: pinned, made for this index and this
    spaCy, and equal to the tables built from the index now (else run
    scripts/build_brand_tables.py and pin its SHA-256)."""
    index = BrandIndex.load()
    prebuilt = brand_tables.load_prebuilt(tables_header(index))
    assert prebuilt is not None, "brand_tables.json.gz does not fit the index, spaCy or TABLES_SHA256"
    built = nsi_tables_built(index)
    assert prebuilt.to_json() == built.to_json()
    assert len(built.seq) > 30_000 and len(built.skel) > 20_000


def test_brand_tables_that_do_not_fit_are_not_used(tmp_path):
    index = BrandIndex.load()
    head = tables_header(index)
    data = brand_tables.TABLES_PATH.read_bytes()
    assert brand_tables.load_prebuilt({**head, "spacy": "spacy 0.0"}) is None  # other tokenizer
    assert brand_tables.load_prebuilt({**head, "brands_sha256": "0" * 64}) is None  # other index
    copy = tmp_path / "t.json.gz"
    copy.write_bytes(data[:-1] + bytes([data[-1] ^ 1]))
    assert brand_tables.load_prebuilt(head, copy) is None  # not the pinned file


def test_pack_brands_join_the_prebuilt_tables():
    """A pack brand is found although the prebuilt tables hold NSI names only; the matcher's
    tables are its own copy (a matcher without packs does not see them)."""
    from clueextract.text.base import TextContext

    ctx = TextContext(locator={}, language=None)
    packs = select(ROOT / "language_packs", ["th"])
    with_th = BrandMatcher(packs)
    bare = BrandMatcher(())
    assert [c.extra["pack"] for c in with_th.find("Big C Supercenter", ctx)] == ["th"]
    assert all(c.extra["pack"] is None for c in bare.find("Big C Supercenter", ctx))
    assert "big c" in with_th.targets and with_th.targets["big c"].origin == "pack"


# ---- language packs -------------------------------------------------------------------------
def test_packs_are_parsed_once_per_content(tmp_path):
    src = ROOT / "language_packs" / "th.yaml"
    p = tmp_path / "th.yaml"
    p.write_bytes(src.read_bytes())
    a, b = load_pack(p), load_pack(p)
    assert a.data is b.data  # the second load reused the first parse
    p.write_text(src.read_text(encoding="utf-8").replace("name: Thai", "name: Thai (edited)", 1),
                 encoding="utf-8")
    c = load_pack(p)
    assert c.data is not a.data and c.name == "Thai (edited)"  # changed content: parsed again


@pytest.mark.parametrize("text,problem", [
    ("code: xx\na: &x [1]\nb: *x\n", "alias *x not allowed"),
    ("[" * 101 + "]" * 101, "nesting too deep"),
    ("[" * 100_000 + "]" * 100_000, "nesting too deep"),  # libyaml would recurse in C
    ("".join(" " * i + "a:\n" for i in range(150)), "nesting too deep"),
])
def test_pack_yaml_refused_before_it_is_composed(tmp_path, text, problem):
    p = tmp_path / "xx.yaml"
    p.write_text(text, encoding="utf-8")
    problems = validate_file(p)
    assert len(problems) == 1 and problem in problems[0] and str(p) in problems[0]
    with pytest.raises(PackError, match="cannot read as YAML"):
        load_pack(p)


# ---- what an image-only scan imports ----------------------------------------------------------
NOT_FOR_IMAGES = ("faster_whisper", "ctranslate2", "av", "torch", "easyocr", "ray", "langdetect")

_SCAN_AND_LIST = r"""
import json, sys
from clueextract.api import scan
report = scan([sys.argv[1]], sys.argv[2])
print(json.dumps({"counts": report.counts, "modules": sorted(m for m in sys.modules if "." not in m)}))
"""


def test_image_only_scan_loads_no_speech_torch_or_ray(tmp_path):
    """An image-only scan (in-process, one worker) never imports the speech stack (faster-whisper,
    CTranslate2, PyAV), PyTorch/EasyOCR (the default engine is RapidOCR + Tesseract), Ray or the
    langdetect backend; it does read the image and run the text passes."""
    evidence = tmp_path / "ev"
    evidence.mkdir()
    (evidence / "bakery_sign.jpg").write_bytes((ROOT / "samples_benign" / "berlin_shop" / "bakery_sign.jpg").read_bytes())
    proc = subprocess.run([sys.executable, "-c", _SCAN_AND_LIST, str(evidence), str(tmp_path / "case")],
                          capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["counts"]["done"] == 1 and out["counts"]["clues"] > 0
    loaded = set(out["modules"])
    assert {"rapidocr", "lingua", "spacy"} <= loaded  # it did run OCR, language ID and entities
    assert not loaded.intersection(NOT_FOR_IMAGES), sorted(loaded.intersection(NOT_FOR_IMAGES))


_IMPORTS_AFTER = r"""
import json, sys
from clueextract.entities.precision import NameCheck
from clueextract.text.base import TextContext
from clueextract.text.phones import find_phones
check = NameCheck([("de", ["Latn"]), ("ru", ["Cyrl"])])
before = {m: m in sys.modules for m in ("wordfreq", "phonenumbers.geocoder", "phonenumbers.carrier")}
clues = find_phones("Tel. +49 30 901820", TextContext(locator={}, language=None))
from clueextract.entities.wordfreqs import zipf
zipf("haus", "de")
after = {m: m in sys.modules for m in before}
print(json.dumps({"before": before, "after": after, "by_script": check.by_script,
                  "geocoder": [c.extra.get("geocoder") for c in clues]}))
"""


def test_word_lists_and_phone_tables_load_on_first_use():
    """A worker's matchers start without wordfreq and phonenumbers' geocoder/carrier tables;
    the first lookup that needs them imports them."""
    proc = subprocess.run([sys.executable, "-c", _IMPORTS_AFTER], capture_output=True, text=True, timeout=300,
                          cwd=ROOT)
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert not any(out["before"].values()), out["before"]
    assert all(out["after"].values()), out["after"]
    assert out["by_script"] == {"Latn": ["de"], "Cyrl": ["ru"]}
    assert out["geocoder"] == ["Berlin"]


def test_wordfreq_languages_as_wordfreq_lists_them():
    import wordfreq

    from clueextract.entities.wordfreqs import wordfreq_languages

    assert wordfreq_languages() == frozenset(wordfreq.available_languages("small"))
    assert {"de", "en", "ru", "ja"} <= wordfreq_languages()


# ---- entity matchers built beside the worker's other work -------------------------------------
LINES = ["Indomaret Jalan Sudirman Jakarta", "Big C Supercenter Rama IV", "Bäckerei Müller GmbH, München",
         "Hop Inn, Sheffield Road", "Farmacia Tienda Calle 5 de Mayo, Ciudad de México"]


def _clues(extractor, lines):
    from clueextract.records import Clue, Source
    from clueextract.text.base import TextContext

    out, texts = [], []
    for i, line in enumerate(lines):
        ctx = TextContext(locator={"bbox": [0, i, 1, i + 1]}, language=None)
        texts.append(Clue(kind="ocr_text", value=line, normalized=line.casefold(), confidence=0.9,
                          source=Source("ocr", "test", None, None), locator=dict(ctx.locator)))
        out += extractor.find(line, ctx)
    out += extractor.finish_item(texts + out)
    return [(c.kind, c.value, c.normalized, round(c.confidence, 4), [(v.country, round(v.weight, 4)) for v in c.countries])
            for c in out]


def test_entities_built_in_the_background_find_the_same():
    from clueextract.entities.extract import EntityExtractor

    packs = select(ROOT / "language_packs", ["auto"])
    back = EntityExtractor(packs, background=True)
    try:
        assert back._loading is not None and back._loading.name == "entities-load"
        got = _clues(back, LINES)
        assert back._loading is None  # the first find waited for it
    finally:
        back._ready()
        gc.unfreeze()  # the worker's freeze (gcpause.freeze_loaded), not wanted in the test process
    assert got == _clues(EntityExtractor(packs), LINES)
    assert {k for k, *_ in got} >= {"brand", "place"}


_FREEZE = r"""
import gc, json, sys
from pathlib import Path
from clueextract.entities.extract import EntityExtractor
from clueextract.packs import select
packs = select(Path("language_packs"), ["de"])
in_place = EntityExtractor(packs)
frozen_in_place = gc.get_freeze_count()
worker = EntityExtractor(packs, background=True)
worker.finish_item([])
print(json.dumps([frozen_in_place, gc.get_freeze_count(), gc.isenabled()]))
"""


def test_worker_indexes_frozen_out_of_the_collector():
    """Built for a worker (background), the loaded indexes go to the collector's permanent
    generation; built in place (tests, tools) nothing is frozen; the collector stays on."""
    proc = subprocess.run([sys.executable, "-c", _FREEZE], capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr[-3000:]
    in_place, worker, enabled = json.loads(proc.stdout.strip().splitlines()[-1])
    assert in_place == 0 and worker > 100_000 and enabled


def test_entities_refused_index_raises_at_first_use(tmp_path, monkeypatch):
    """A brand index that fails its SHA-256 check stops the extractor: at construction when built
    in place, at the first find when built in the background (never half-used)."""
    import clueextract.entities.brands as brands
    from clueextract.entities.extract import EntityExtractor
    from clueextract.text.base import TextContext

    tampered = tmp_path / "brands.json.gz"
    tampered.write_bytes(brands.INDEX_PATH.read_bytes()[:-8] + b"\0" * 8)
    monkeypatch.setattr(brands, "INDEX_PATH", tampered)
    with pytest.raises(brands.BrandIndexError, match="SHA-256"):
        EntityExtractor(())
    back = EntityExtractor((), background=True)
    with pytest.raises(brands.BrandIndexError, match="SHA-256"):
        back.find("Indomaret", TextContext(locator={}, language=None))
    with pytest.raises(brands.BrandIndexError):
        back.finish_item([])


def test_driver_and_extractor_modules_do_not_import_spacy():
    """The scan's driver reads the entity configuration (process.entities_identity) and a worker
    imports the extractor without importing spaCy; the matchers' thread imports it."""
    code = ("import sys; from clueextract.process import entities_identity; entities_identity(); "
            "import clueextract.entities.extract, clueextract.entities.context, clueextract.entities.layout; "
            "print('spacy' in sys.modules)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.strip().splitlines()[-1] == "False"


def test_a_refused_index_stops_the_extractor_at_its_start(monkeypatch):
    """The matchers are built in a background thread; the pinned index files are checked before
    it starts, so a tampered brand index or gazetteer fails the worker's start (forced here by
    pinning another hash), not each item's text later."""
    from clueextract.entities import extract, gazetteer, pins
    from clueextract.entities.brands import BrandIndexError
    from clueextract.entities.gazetteer import GazetteerError

    extract.verify_index_files()  # the shipped files pass
    monkeypatch.setattr(pins, "BRAND_INDEX_SHA256", "0" * 64)
    with pytest.raises(BrandIndexError, match="SHA-256"):
        extract.EntityExtractor([], background=True)
    monkeypatch.undo()
    monkeypatch.setattr(gazetteer, "EXPECTED_SHA256", "0" * 64)
    with pytest.raises(GazetteerError, match="SHA-256"):
        extract.EntityExtractor([], background=True)


_RAPIDOCR_IMPORT = r"""
import json
from omegaconf import OmegaConf
before = OmegaConf.load
from clueextract.ocr.rapid import _import_rapidocr
RapidOCR = _import_rapidocr()
from rapidocr.inference_engine.base import InferSession
from rapidocr.utils import model_resolver
print(json.dumps({"shared": InferSession.model_info is model_resolver._MODEL_CONFIG,
                  "restored": OmegaConf.load is before,
                  "routes": bool(model_resolver.MODEL_ROUTES), "again": _import_rapidocr() is RapidOCR}))
"""


def test_rapidocr_parses_its_model_table_once_and_omegaconf_is_given_back():
    """RapidOCR's import parses default_models.yaml once (its two readers share the result);
    OmegaConf.load is OmegaConf's own afterwards. (OCR results: the engine tests.)"""
    proc = subprocess.run([sys.executable, "-c", _RAPIDOCR_IMPORT], capture_output=True, text=True, timeout=300,
                          cwd=ROOT)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert json.loads(proc.stdout.strip().splitlines()[-1]) == {"shared": True, "restored": True, "routes": True,
                                                                 "again": True}
