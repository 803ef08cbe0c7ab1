from __future__ import annotations

import json
from pathlib import Path
from typing import TextIO

from ..store import CaseStore
from . import atomic_write
from .published import iter_records


def dump_jsonl(store: CaseStore, out: TextIO) -> None:
    for rec in iter_records(store):
        out.write(json.dumps(rec, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n")


def write_jsonl(store: CaseStore, path: Path) -> None:
    """Write atomically (temp file + rename) so a reader never sees half a file."""
    atomic_write(path, lambda f: dump_jsonl(store, f))
