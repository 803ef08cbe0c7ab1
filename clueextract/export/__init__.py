"""Exports regenerated from the case store: clues.jsonl and summary.md."""
from __future__ import annotations

from pathlib import Path

from ..store import CaseStore
from .jsonl import write_jsonl
from .summary_md import write_summary_md


def write_case_outputs(store: CaseStore) -> dict[str, Path]:
    case = store.case_dir
    out = {"jsonl": case / "clues.jsonl", "md": case / "summary.md"}
    write_jsonl(store, out["jsonl"])
    write_summary_md(store, out["md"])
    return out
