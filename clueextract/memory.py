"""A worker's C heap: how glibc's malloc is set up for it, and handing freed pages back.

Both act only where the C library is glibc (Linux); elsewhere they are no-ops that say so.
"""
from __future__ import annotations

import ctypes
import os
from typing import Any

# mallopt parameter numbers (glibc's malloc.h)
_M_MMAP_THRESHOLD = -3
_M_ARENA_MAX = -8

# What a worker sets (tune_allocator): allocations of MMAP_THRESHOLD bytes or more get
# pages of their own, which go back to the OS the moment they are freed, and the threads
# of one worker (onnxruntime, the Tesseract pool, CTranslate2, PyAV) share ARENA_MAX heaps.
MMAP_THRESHOLD = 4 * 1024 * 1024
ARENA_MAX = 2

_LIBC: Any = None


def _libc() -> Any:
    global _LIBC
    if _LIBC is None:
        try:
            libc = ctypes.CDLL("libc.so.6")
            _LIBC = libc if hasattr(libc, "malloc_trim") and hasattr(libc, "mallopt") else False
        except OSError:
            _LIBC = False
    return _LIBC


def tune_allocator() -> dict[str, Any]:
    """Set glibc's malloc up for a worker process; called once, before the models load.
    Returns what was set: {} where the C library is not glibc or the user set both.

    Why: by default glibc raises its mmap threshold up to 32 MB each time a large block is
    freed, so the next large blocks (feature maps of the text detector, audio buffers,
    decoded frames) come from the heap, and a heap's freed middle cannot be handed back
    (malloc_trim returns only whole free pages, and blocks of many sizes leave it in pieces).
    Every worker thread may also get a heap of its own (up to 8 per core). Measured on
    samples_benign/ with all 21 packs: in one process (2 threads, RapidOCR without its
    arena) peak RSS 1593 and 1772 MB in two runs with glibc's defaults, 1473 MB with these
    settings, 1432 MB with a 1 MB threshold (12 % slower: every fresh mapping costs page
    faults). A one-worker CLI scan, RapidOCR's arena shrinking after each run (rapid.py):
    1520 MB with the defaults, 1471-1481 MB with these settings (three runs); a two-worker
    scan took 89 s against 85 s. The peak is the figure a lab sizes workers by, and the
    defaults leave it to chance. A value the user set through the environment
    (MALLOC_MMAP_THRESHOLD_, MALLOC_ARENA_MAX or GLIBC_TUNABLES) wins."""
    libc = _libc()
    if not libc:
        return {}
    tunables = os.environ.get("GLIBC_TUNABLES", "")
    done: dict[str, Any] = {}
    if "MALLOC_MMAP_THRESHOLD_" not in os.environ and "mmap_threshold" not in tunables:
        if libc.mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD) == 1:
            done["mmap_threshold"] = MMAP_THRESHOLD
    if "MALLOC_ARENA_MAX" not in os.environ and "arena_max" not in tunables:
        if libc.mallopt(_M_ARENA_MAX, ARENA_MAX) == 1:
            done["arena_max"] = ARENA_MAX
    return done


def release_freed_memory() -> bool:
    """Hand the heap pages freed by an item back to the OS (glibc's malloc_trim).

    Why: glibc keeps what OCR, decoding and ASR free between items, so a worker's RSS only
    ever grows. Reading samples_benign/ in one process with all 21 packs, peak RSS was
    1691 MB and 1574 MB at the end; trimming after each item (with Tesseract's spec cache
    bounded) gave 1460 MB and 1172 MB. Videos are trimmed once more between frame OCR and
    Whisper: a one-worker CLI scan of the samples then peaked at 1488 MB, against 1544 MB.
    It costs a few milliseconds per call. A no-op (False) where the C library is not glibc."""
    libc = _libc()
    if not libc:
        return False
    libc.malloc_trim(0)
    return True
