"""Seconds a worker spends loading models and indexes on first use, told apart from an item's work.

Why: a worker loads what an item needs when the first such item arrives (lingua's models of a
script group, the Whisper model, the entity indexes built in the background), so the first item
of each kind carries a load of 0.5-4 s that the next one does not. An item's `seconds` keeps
all of it; `load_seconds` (and `loaded`, by what) in the item's info says how much of it was
such a load, so that a per-item cost (seconds per image, per second of footage) can be read
beyond the fixed cost, and the fixed cost itself is visible where it is paid.

Only first-use loads are timed here: a Tesseract model the cache evicted and reads again is the
item's own work.
"""
from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_spent: dict[str, float] = {}
_times: dict[str, int] = {}


@contextmanager
def loading(what: str) -> Iterator[None]:
    """Time the block as a first-use load of `what` (added up per name)."""
    t = time.perf_counter()
    try:
        yield
    finally:
        spent = time.perf_counter() - t
        with _lock:
            _spent[what] = _spent.get(what, 0.0) + spent
            _times[what] = _times.get(what, 0) + 1


def snapshot() -> dict[str, tuple[float, int]]:
    """Seconds spent so far in this process, and how many loads, per name."""
    with _lock:
        return {k: (v, _times[k]) for k, v in _spent.items()}


def since(before: dict[str, tuple[float, int]]) -> dict[str, float]:
    """The loads after `before` (a snapshot), seconds per name, rounded to the millisecond."""
    now = snapshot()
    return {k: round(v - before.get(k, (0.0, 0))[0], 3) for k, (v, n) in sorted(now.items())
            if n > before.get(k, (0.0, 0))[1]}
