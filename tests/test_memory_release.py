"""Freed heap pages go back to the OS after each item (glibc malloc_trim)."""
from __future__ import annotations

import platform

import pytest

from clueextract.process import release_freed_memory


def _rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS"):
                return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


@pytest.mark.skipif(platform.system() != "Linux" or platform.libc_ver()[0] != "glibc",
                    reason="malloc_trim is glibc's; elsewhere release_freed_memory is a no-op")
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
