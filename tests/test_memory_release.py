"""A worker's memory: freed heap pages go back to the OS after each item (glibc malloc_trim),
large blocks are mappings of their own (the worker's mallopt settings), and RapidOCR's
onnxruntime arena gives back what each run took."""
from __future__ import annotations

import os
import platform
import subprocess
import sys

import pytest

from clueextract.memory import ARENA_MAX, MMAP_THRESHOLD, release_freed_memory

_glibc = pytest.mark.skipif(platform.system() != "Linux" or platform.libc_ver()[0] != "glibc",
                            reason="mallopt and malloc_trim are glibc's; elsewhere these are no-ops")


def _rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS"):
                return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


@_glibc
def test_trim_returns_a_fragmented_heap_to_the_os():
    # 300k blocks of 1 KB (malloc, not Python's small-object arena), every 50th kept:
    # the heap top stays in use, so glibc keeps the freed pages in between until trimmed.
    blocks = [bytearray(1024) for _ in range(300_000)]
    kept = blocks[::50]
    del blocks
    before = _rss_mb()
    assert release_freed_memory() is True
    after = _rss_mb()
    assert before - after > 100, (before, after)
    assert len(kept) == 6000


# Blocks of 24 MB, allocated and freed three times: under glibc's defaults the first free
# raises the mmap threshold above that size, so the next blocks come from the heap, whose
# top is kept (below the trim threshold, which follows the mmap threshold up): 24 MB stay
# in the process after every block is freed. With a worker's tuning (a fixed 4 MB
# threshold) each block is a mapping of its own and goes back to the OS when freed.
_PROBE = r"""
import ctypes, sys
from clueextract.memory import tune_allocator

def rss_mb():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096 / 2**20

set_up = tune_allocator() if sys.argv[1] == "tuned" else {}
libc = ctypes.CDLL("libc.so.6")
libc.malloc.restype, libc.malloc.argtypes = ctypes.c_void_p, [ctypes.c_size_t]
libc.free.argtypes = [ctypes.c_void_p]
size = 24 << 20
start = rss_mb()
for _ in range(3):
    p = libc.malloc(size)
    ctypes.memset(p, 1, size)
    libc.free(p)
print(sorted(set_up.items()), round(rss_mb() - start, 1))
"""


def _probe(mode: str) -> tuple[str, float]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MALLOC_", "GLIBC_TUNABLES"))}
    out = subprocess.run([sys.executable, "-c", _PROBE, mode], capture_output=True, text=True, env=env, check=True)
    settings, kept = out.stdout.rsplit(" ", 1)
    return settings, float(kept)


@_glibc
def test_worker_allocator_gives_large_freed_blocks_back_at_once():
    settings, kept = _probe("tuned")
    assert settings == str(sorted({"arena_max": ARENA_MAX, "mmap_threshold": MMAP_THRESHOLD}.items()))
    assert kept < 2, kept
    _, kept_default = _probe("default")  # the behaviour the tuning removes: the block stays
    assert kept_default > 20, kept_default


@_glibc
def test_allocator_settings_the_user_exported_win():
    env = {**os.environ, "MALLOC_MMAP_THRESHOLD_": "1048576", "MALLOC_ARENA_MAX": "4"}
    out = subprocess.run([sys.executable, "-c", "from clueextract.memory import tune_allocator; print(tune_allocator())"],
                         capture_output=True, text=True, env=env, check=True)
    assert out.stdout.strip() == "{}"


def test_rapidocr_sessions_shrink_their_arena_after_each_run_and_compute_the_same():
    import numpy as np
    import onnxruntime as ort
    from PIL import Image

    from clueextract.models import verified_path
    from clueextract.ocr.rapid import DET, RapidOcrEngine, _ShrinkingSession
    from conftest import SAMPLES

    engine = RapidOcrEngine(threads=1)
    rgb = np.asarray(Image.open(SAMPLES / "berlin_shop" / "bakery_sign.jpg").convert("RGB"))
    assert engine.read(rgb), "the bakery sign has text"
    ocr = engine._ocr
    sessions = {"det": ocr.text_det, "cls": ocr.text_cls, "rec": ocr.text_rec}
    for name, model in sessions.items():
        assert isinstance(model.session.session, _ShrinkingSession), name
        assert model.session.session._run_options.get_run_config_entry(
            "memory.enable_memory_arena_shrinkage") == "cpu:0", name
    # the arena changes where buffers live, not what is computed: same detector map as a
    # session without one (RapidOCR's own setting)
    opts = ort.SessionOptions()
    opts.enable_cpu_mem_arena = False
    opts.intra_op_num_threads = 1
    plain = ort.InferenceSession(str(verified_path(DET)), opts, providers=["CPUExecutionProvider"])
    x = np.random.default_rng(7).random((1, 3, 736, 1120), dtype=np.float32)
    name = plain.get_inputs()[0].name
    wrapped = ocr.text_det.session.session
    assert np.array_equal(wrapped.run(None, {name: x})[0], plain.run(None, {name: x})[0])
