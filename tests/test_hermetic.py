"""The test session itself: nothing outside its temp dir, the real models read through links,
and what an in-process scan changes in this process put back (tests/conftest.py)."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from conftest import CLI, ROOT, process_state


def test_home_xdg_and_scratch_are_inside_the_session_temp_dir(tmp_path_factory):
    base = tmp_path_factory.getbasetemp().resolve()
    for var in ("HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "FUZZ_SCRATCH",
                "CLUEEXTRACT_MODEL_DIR"):
        assert Path(os.environ[var]).resolve().is_relative_to(base), (var, os.environ[var])
    assert Path.home().resolve().is_relative_to(base)
    assert "CLUEEXTRACT_PACKS" not in os.environ


def test_the_model_directory_links_only_the_registrys_models():
    from clueextract.config import default_model_dir
    from clueextract.models import registry

    models = default_model_dir()
    allowed = {m.relpath.split("/")[0] for m in registry() if not m.package} | {"easyocr"}
    entries = list(models.iterdir())
    assert {e.name for e in entries} <= allowed  # no spacy/ or a lab's own folders
    for e in entries:
        assert e.is_symlink() or e.name in allowed  # a link into the real directory, or assembled here


def test_cli_children_run_in_utf8_and_see_the_same_directories():
    code = ("import os, sys; from clueextract.config import default_model_dir; "
            "print(sys.flags.utf8_mode, os.environ['LC_ALL'], os.path.expanduser('~'), default_model_dir())")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT,
                         timeout=120).stdout.split()
    assert out == ["1", "C.UTF-8", os.environ["HOME"], os.environ["CLUEEXTRACT_MODEL_DIR"]]
    assert CLI[0] == sys.executable


def test_what_an_in_process_scan_sets_is_put_back(_session_state):
    import cv2
    from PIL import Image

    from clueextract.media.image import decode_image
    from clueextract.workers.local import apply_thread_budget

    before = {k: os.environ.get(k) for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")}
    pixels, threads = Image.MAX_IMAGE_PIXELS, cv2.getNumThreads()
    with process_state(_session_state):
        for k in before:
            os.environ.pop(k, None)
        apply_thread_budget(1)  # what prepare_worker does before an in-process scan loads its models
        decode_image((ROOT / "samples_benign" / "london_corner_shop" / "shop_sign.jpg").read_bytes(), 99_999_999)
        assert os.environ["OMP_NUM_THREADS"] == "1" and cv2.getNumThreads() == 1
        assert Image.MAX_IMAGE_PIXELS == 99_999_999
    assert {k: os.environ.get(k) for k in before} == _session_state["env"] == before
    assert (Image.MAX_IMAGE_PIXELS, cv2.getNumThreads()) == (pixels, threads)
