"""The cyclic garbage collector and the read-only indexes.

Loading the read-only indexes (brands, brand tables, gazetteer) with the cyclic garbage
collector paused: they are hundreds of thousands of new containers that live as long as the
worker, and every few thousand allocations the collector walks them all again. Measured on the
brand matcher and place matcher start: 0.95 -> 0.53 CPU s. Nested use is fine; the collector
is switched back on only by the outermost block that switched it off.

Once a worker has loaded them, `freeze_loaded` moves every object alive then into the
collector's permanent generation: later full collections no longer walk the indexes, and
neither does the collection at interpreter exit, which took 0.7-1.0 s of a one-image scan's
wall time (0.15 s after; measured after the last atexit handler). Those objects are still
freed by reference counting; only reference cycles among them (garbage pending at that
moment) are never collected: a one-time, bounded cost per process."""
from __future__ import annotations

import gc
from contextlib import contextmanager
from typing import Iterator


@contextmanager
def paused_gc() -> Iterator[None]:
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()


def freeze_loaded() -> None:
    """gc.freeze(), after a worker's indexes are loaded (see the module docstring)."""
    gc.freeze()
