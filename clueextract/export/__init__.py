"""Exports regenerated from the case store: clues.jsonl, summary.md, summary.html; on request CSV and VICS."""
from __future__ import annotations

from importlib import import_module
from pathlib import Path
from typing import Callable

from ..store import CaseStore

# format -> (module, function); modules are imported only when their format is asked for
EXPORT_FORMATS: dict[str, tuple[str, str]] = {
    "jsonl": ("jsonl", "write_jsonl"),
    "md": ("summary_md", "write_summary_md"),
    "html": ("summary_html", "write_summary_html"),
    "csv": ("csv_export", "write_csv"),
    "vics": ("vics", "write_vics"),
}
# regenerated at the end of every scan
CASE_OUTPUTS = {"jsonl": "clues.jsonl", "md": "summary.md", "html": "summary.html"}


def writer_for(fmt: str) -> Callable[[CaseStore, Path], None]:
    module, func = EXPORT_FORMATS[fmt]
    return getattr(import_module(f"{__name__}.{module}"), func)


def write_case_outputs(store: CaseStore) -> dict[str, Path]:
    case = store.case_dir
    out = {}
    for fmt, name in CASE_OUTPUTS.items():
        try:
            writer = writer_for(fmt)
        except (ImportError, AttributeError):  # a format not built yet in this version
            continue
        out[fmt] = case / name
        writer(store, out[fmt])
    return out
