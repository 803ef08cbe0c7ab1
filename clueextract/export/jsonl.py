from __future__ import annotations

import json
import os
from pathlib import Path

from ..store import CaseStore
from .records import iter_records


def write_jsonl(store: CaseStore, path: Path) -> None:
    """Write atomically (temp file + rename) so a reader never sees half a file."""
    tmp = path.with_suffix(path.suffix + ".tmp")
    with open(tmp, "w", encoding="utf-8", newline="\n") as f:
        for rec in iter_records(store):
            f.write(json.dumps(rec, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n")
    os.replace(tmp, path)
