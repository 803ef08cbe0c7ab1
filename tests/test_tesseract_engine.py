"""Tesseract crops that hold nothing readable give no text a scan would keep, never an exception."""
from __future__ import annotations

import numpy as np
import pytest

from clueextract.ocr.tesseract import TesseractEngine, find_tessdata


@pytest.mark.skipif(find_tessdata() is None, reason="no Tesseract traineddata installed (scripts/install_system_deps.sh --ocr)")
@pytest.mark.parametrize("crop", [np.full((32, 200, 3), 255, np.uint8), np.zeros((40, 3, 3), np.uint8),
                                  np.random.default_rng(1).integers(0, 255, (30, 90, 3), dtype=np.uint8)])
def test_empty_or_noise_crops_read_as_nothing(crop):
    """A blank crop and a 3 px sliver read as nothing at all. Random noise may read as a stray
    character (measured: '0' at 0.60 with tha, at 0.24 with kor; what another CPU or Tesseract
    build reads there may differ), so what is asserted is what the user relies on: the
    router's plausibility test (ocr/plausible.py) turns every such reading away, so no clue
    is made of it."""
    from clueextract.ocr import plausible

    engine = TesseractEngine(["tha", "kor"], threads=1)
    blank = not crop.any() or crop.min() == 255 or crop.shape[1] < 8
    for lang, script in (("tha", "Thai"), ("kor", "Hang")):
        got = engine.read_line_detail(crop, lang)
        assert 0.0 <= got.confidence <= 1.0
        if blank:
            assert (got.text, got.confidence) == ("", 0.0), got
        verdict = plausible.check(got.text, got.words, script, plausible.PlausibilityRules())
        assert not verdict.ok, (lang, got.text, verdict)


@pytest.mark.skipif(find_tessdata() is None, reason="no Tesseract traineddata installed (scripts/install_system_deps.sh --ocr)")
def test_loaded_specs_are_bounded_and_a_dropped_spec_reads_the_same_when_reloaded():
    """The router's contest runs create many specs (22 on the samples with all packs, ~300 MB
    per worker): only the most recently used max_loaded stay loaded."""
    from PIL import Image, ImageDraw, ImageFont

    img = Image.new("RGB", (420, 60), "white")
    ImageDraw.Draw(img).text((10, 8), "OPEN 24 HOURS", fill="black", font=ImageFont.load_default(size=36))
    crop = np.asarray(img)
    engine = TesseractEngine(["eng"], threads=1, max_loaded=2)
    first = engine.read_line_detail(crop, "eng")
    assert "OPEN" in first.text
    for spec in ("kor+eng", "tha+eng"):
        engine.read_line_detail(crop, spec)
    assert list(engine._apis) == ["kor+eng", "tha+eng"]
    again = engine.read_line_detail(crop, "eng")
    assert (again.text, again.confidence) == (first.text, first.confidence)
    assert list(engine._apis) == ["tha+eng", "eng"]


@pytest.mark.skipif(find_tessdata() is None, reason="no Tesseract traineddata installed (scripts/install_system_deps.sh --ocr)")
@pytest.mark.parametrize("threads", [1, 2])
def test_many_lines_load_each_spec_once_and_come_back_in_job_order(threads):
    """An image whose boxes need more specs than stay loaded reads them spec after spec, so each
    loads once (in box order, alternating specs with one per thread kept were reloaded at every box);
    the readings still come back in the jobs' order, each as reading it alone gives."""
    from PIL import Image, ImageDraw, ImageFont

    def crop(text: str) -> np.ndarray:
        img = Image.new("RGB", (420, 60), "white")
        ImageDraw.Draw(img).text((10, 8), text, fill="black", font=ImageFont.load_default(size=36))
        return np.asarray(img)

    engine = TesseractEngine(["eng", "deu", "fra"], threads=threads, max_loaded=threads)  # one per thread at work
    loads: list[str] = []
    real = engine._tesserocr

    class Spy:  # the real tesserocr, with its API constructions counted
        def __getattr__(self, name):
            return getattr(real, name)

        def PyTessBaseAPI(self, **kw):  # noqa: N802 (tesserocr's name)
            loads.append(kw["lang"])
            return real.PyTessBaseAPI(**kw)

    engine._tesserocr = Spy()
    words = ["OPEN", "BROT", "PAIN", "SHOP", "WURST", "TABAC"]
    jobs = [(crop(w), spec) for w, spec in zip(words, ["eng", "deu", "fra"] * 2)]
    got = engine.read_many(jobs)
    assert sorted(loads) == ["deu", "eng", "fra"]
    assert [r.lang for r in got] == [spec for _, spec in jobs]
    assert [w in r.text for w, r in zip(words, got)] == [True] * 6
    alone = TesseractEngine(["eng", "deu", "fra"], threads=1)
    assert [(r.text, r.confidence) for r in got] == [(a.text, a.confidence) for a in
                                                      (alone.read_line_detail(c, s) for c, s in jobs)]
    engine.close()


@pytest.mark.skipif(find_tessdata() is None, reason="no Tesseract traineddata installed (scripts/install_system_deps.sh --ocr)")
def test_an_unsure_reading_is_read_again_binarised_only_when_asked():
    """A reading under retry_below gets the binarised second pass unless the job says retry=False
    (the router's boxes whose script is too unlikely for the second pass to matter)."""
    from PIL import Image, ImageDraw, ImageFont

    img = Image.new("RGB", (420, 60), (140, 140, 140))
    ImageDraw.Draw(img).text((10, 8), "OPEN 24 HOURS", fill=(110, 110, 110), font=ImageFont.load_default(size=36))
    crop = np.asarray(img)
    engine = TesseractEngine(["tha"], threads=1, retry_below=1.01)  # every reading counts as unsure
    calls: list[str] = []
    real = engine._recognise

    def counted(line, lang):
        calls.append(lang)
        return real(line, lang)

    engine._recognise = counted
    engine.read_line_detail(crop, "tha")
    assert calls == ["tha", "tha"]
    calls.clear()
    engine.read_many([(crop, "tha", False), (crop, "tha", True), (crop, "tha")])
    assert calls == ["tha"] * 5
