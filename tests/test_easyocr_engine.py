"""EasyOCR engine: real weights, real sample images, no network.

Skipped as a whole only when EasyOCR itself is not installed (it is an optional extra
that pulls in PyTorch). Everything else that goes wrong - weights missing, hash not
pinned, hash mismatch - is a failure, because that is exactly what the engine must get
right before a lab relies on it.
"""
from __future__ import annotations

import os
import shutil
import socket
import unicodedata
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("easyocr", reason="easyocr is not installed (optional engine: pip install 'clueextract[easyocr]')")
pytestmark = pytest.mark.torch  # PyTorch: not in make check

from PIL import Image  # noqa: E402

from clueextract.models import ModelError, sha256_file, spec  # noqa: E402
from clueextract.ocr.easyocr_engine import EasyOcrEngine  # noqa: E402

SAMPLES = Path(__file__).resolve().parent.parent / "samples_benign"


def fold(text: str) -> str:
    """Accent-, case- and space-insensitive form: EasyOCR's English weights have no
    accented letters ("Crème brûlée" comes back as "Creme brulee")."""
    decomposed = unicodedata.normalize("NFKD", text)
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).casefold().split())


def squash(text: str) -> str:
    """fold() without spaces: a line split into two boxes, or two joined, reads the same."""
    return "".join(fold(text).split())


def close(text: str, truth: str) -> bool:
    """The recogniser's reading of a given crop, within one character in ten of the truth:
    another CPU's or torch build's kernels can change a character of a borderline glyph."""
    import difflib

    return difflib.SequenceMatcher(None, squash(text), squash(truth)).ratio() >= 0.9


def load(rel: str) -> np.ndarray:
    with Image.open(SAMPLES / rel) as im:
        return np.asarray(im.convert("RGB"))


@pytest.fixture(scope="module")
def guarded():
    """One engine for the module, built and used while every way out to the network raises."""
    attempts: list[tuple] = []

    def refuse(*args, **kwargs):
        attempts.append(args)
        raise OSError("network disabled by test")

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(socket.socket, "connect", refuse)
        mp.setattr(socket.socket, "connect_ex", refuse)
        mp.setattr(socket, "getaddrinfo", refuse)
        mp.setattr(socket, "create_connection", refuse)
        engine = EasyOcrEngine(threads=2)
        yield engine, attempts


@pytest.fixture(scope="module")
def menu_lines(guarded):
    engine, _ = guarded
    return load("paris_cafe/menu_board.jpg"), engine.read(load("paris_cafe/menu_board.jpg"))


def test_reads_french_menu_accent_insensitively(guarded, menu_lines):
    _, attempts = guarded
    _, lines = menu_lines
    texts = [fold(line.text) for line in lines]
    joined = squash(" ".join(texts))
    for truth in ("Menu du jour", "Formule déjeuner", "Crème brûlée", "Café crème"):
        assert squash(truth) in joined, (truth, texts)
    assert "14,90" in joined, texts
    assert attempts == []


def test_reads_english_shop_sign(guarded):
    engine, attempts = guarded
    img = load("london_corner_shop/shop_sign.jpg")
    lines = engine.read(img)
    joined = squash(" ".join(line.text for line in lines))
    for truth in ("Primrose Corner Shop", "Newsagent", "Groceries", "020 7946 0123"):
        assert squash(truth) in joined, (truth, joined)
    assert attempts == []


def test_lines_carry_provenance_and_sane_geometry(guarded, menu_lines):
    engine, _ = guarded
    img, lines = menu_lines
    h, w = img.shape[:2]
    rec = spec("english_g2")
    assert rec.sha256 == sha256_file(engine.weights_dir / "english_g2.pth")
    ident = engine.identity()
    assert ident["engine"].startswith("easyocr ") and ident["engine"] != "easyocr unknown"
    assert ident["models"] == {"craft_mlt_25k": spec("craft_mlt_25k").sha256, "english_g2": rec.sha256}
    assert lines
    for line in lines:
        assert line.engine == ident["engine"]
        assert (line.model, line.model_sha256) == ("english_g2", rec.sha256)
        assert engine.min_confidence <= line.confidence <= 1.0
        x0, y0, x1, y1 = line.bbox
        assert 0 <= x0 < x1 <= w and 0 <= y0 < y1 <= h
        assert len(line.polygon) == 4
        assert line.text == " ".join(line.text.split()) and line.text


def test_read_line_recognises_a_given_crop(guarded, menu_lines):
    """The crop comes from the engine's own box for "Crème brûlée", padded a little,
    the way another detector's box would arrive; only the recogniser runs."""
    engine, attempts = guarded
    img, lines = menu_lines
    box = next(line.bbox for line in lines if close(line.text, "Crème brûlée"))
    x0, y0, x1, y1 = box
    crop = img[max(0, y0 - 6):y1 + 6, max(0, x0 - 6):x1 + 6]
    text, conf = engine.read_line(crop)
    assert close(text, "Crème brûlée"), text
    assert 0.5 < conf <= 1.0
    assert engine.read_line(np.zeros((1, 1, 3), np.uint8)) == ("", 0.0)
    assert attempts == []


def test_weights_with_wrong_hash_are_refused(tmp_path):
    """A model directory copy whose detector differs by one byte is refused before EasyOCR loads anything."""
    d = tmp_path / "easyocr"
    d.mkdir()
    src = spec("english_g2").path().parent
    shutil.copyfile(src / "english_g2.pth", d / "english_g2.pth")
    data = bytearray((src / "craft_mlt_25k.pth").read_bytes())
    data[-1] ^= 0xFF
    (d / "craft_mlt_25k.pth").write_bytes(bytes(data))
    with pytest.raises(ModelError, match="craft_mlt_25k.pth has SHA-256"):
        EasyOcrEngine(threads=1, model_dir=tmp_path)


def test_local_model_directory_is_used(tmp_path):
    d = tmp_path / "easyocr"
    d.mkdir()
    src = spec("english_g2").path().parent
    for name in ("craft_mlt_25k.pth", "english_g2.pth"):
        try:
            os.link(src / name, d / name)
        except OSError:
            shutil.copyfile(src / name, d / name)
    engine = EasyOcrEngine(threads=1, model_dir=tmp_path)
    assert engine.weights_dir == d
    text, _ = engine.read_line(load("london_corner_shop/shop_sign.jpg")[150:282, 130:1100])  # the sign's name
    assert close(text, "Primrose Corner Shop"), text


def test_missing_weights_and_unpinned_languages_are_clear_errors(tmp_path):
    with pytest.raises(ModelError, match="not found"):
        EasyOcrEngine(threads=1, model_dir=tmp_path)
    with pytest.raises(ModelError, match="not pinned"):
        EasyOcrEngine(threads=1, languages=("th", "en"))
