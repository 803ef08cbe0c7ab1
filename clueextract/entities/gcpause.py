"""Loading the read-only indexes (brands, brand tables, gazetteer) with the cyclic garbage
collector paused: they are hundreds of thousands of new containers that live as long as the
worker, and every few thousand allocations the collector walks them all again. Measured on the
brand matcher and place matcher start: 0.95 -> 0.53 CPU s. Nested use is fine; the collector
is switched back on only by the outermost block that switched it off."""
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
