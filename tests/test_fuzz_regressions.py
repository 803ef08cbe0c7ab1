"""Replay the fuzzing inputs without libFuzzer: every seed under fuzz/corpus/<harness>/ and
every crash found so far under fuzz/regressions/<harness>/ goes through the harness's own
`check`, which lets only the parser's clear errors through. Any other exception (the bug
the input once triggered) fails the test named after the file.

`make fuzz` (fuzz/run.py) finds new crashes; their inputs are added under
fuzz/regressions/<harness>/ once fixed, and this module keeps them fixed.
"""
from __future__ import annotations

import importlib.util
import sys
import time
import warnings
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FUZZ = ROOT / "fuzz"
if str(FUZZ) not in sys.path:
    sys.path.insert(0, str(FUZZ))  # the harnesses import their neighbour _harness.py


def _load_run():
    """fuzz/run.py under a name of its own (a bare `import run` could pick up another module)."""
    spec = importlib.util.spec_from_file_location("clueextract_fuzz_run", FUZZ / "run.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


HARNESSES = tuple(_load_run().HARNESSES)


def _inputs(kind: str) -> list:
    out = []
    for name in HARNESSES:
        folder = FUZZ / kind / name
        if folder.is_dir():
            for p in sorted(folder.iterdir()):
                if p.is_file() and not p.name.startswith("."):
                    out.append(pytest.param(name, p, id=f"{name}/{p.name}"))
    return out


SEEDS = _inputs("corpus")
REGRESSIONS = _inputs("regressions")


@pytest.fixture(autouse=True)
def _pillow_limit():
    """decode_image sets Pillow's global decompression-bomb limit; give the next test the old one."""
    from PIL import Image

    before = Image.MAX_IMAGE_PIXELS
    yield
    Image.MAX_IMAGE_PIXELS = before


# One input taking longer than this is a hang or a blow-up (run.py gives libFuzzer -timeout=30; real inputs
# here take milliseconds once the harness is warm, the alias bomb in fuzz_packs took 11 s before its fix).
# CPU time of this process, not wall-clock: a loaded shared runner stretches the wall-clock tenfold
# (measured on the 2-core build machine at a load average of 16) but not the work an input costs.
TIME_LIMIT_S = 5.0
_warm: set[str] = set()


def _check(name: str):
    return __import__(name).check


def _replay(name: str, path: Path) -> None:
    check = _check(name)
    data = path.read_bytes()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Pillow/PyAV warn about the corrupt data they skip: expected here
        if name not in _warm:  # first call loads models (lingua, gazetteer): not the input's time
            check(b"\x00")
            _warm.add(name)
        t = time.process_time()
        check(data)  # anything but the parser's clear error propagates and fails the test
        took = time.process_time() - t
    assert took < TIME_LIMIT_S, f"{name} took {took:.1f} CPU s on {path.name} (limit {TIME_LIMIT_S} s): a hang or blow-up"


@pytest.mark.parametrize("name", HARNESSES)
def test_every_harness_has_seeds(name: str) -> None:
    folder = FUZZ / "corpus" / name
    assert (FUZZ / f"{name}.py").is_file(), f"fuzz/{name}.py is listed in run.HARNESSES but missing"
    assert folder.is_dir() and any(p.is_file() and not p.name.startswith(".") for p in folder.iterdir()), \
        f"fuzz/corpus/{name}/ has no seeds (python fuzz/make_seeds.py writes them)"
    assert callable(_check(name))


def test_regression_folders_name_known_harnesses() -> None:
    folder = FUZZ / "regressions"
    unknown = sorted(p.name for p in folder.iterdir() if p.is_dir() and p.name not in HARNESSES) \
        if folder.is_dir() else []
    assert not unknown, f"fuzz/regressions/ holds folders for unknown harnesses: {unknown}"


@pytest.mark.parametrize(("name", "path"), SEEDS)
def test_seed(name: str, path: Path) -> None:
    _replay(name, path)


@pytest.mark.parametrize(("name", "path"), REGRESSIONS)
def test_regression(name: str, path: Path) -> None:
    _replay(name, path)
