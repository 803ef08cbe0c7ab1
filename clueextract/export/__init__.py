"""Exports regenerated from the case store: clues.jsonl, summary.md, summary.html; on request CSV and VICS.

Each format has a writer (`write_*(store, path)`: atomic, temp file in the target's folder then
rename) and a dumper (`dump_*(store, stream)`) for stdout, so exporting to stdout writes nothing
anywhere (a read-only case folder can be exported).
"""
from __future__ import annotations

import errno
import os
from importlib import import_module
from pathlib import Path
from typing import Any, Callable, TextIO

from ..store import CaseStore

# format -> (module, function); modules are imported only when their format is asked for
EXPORT_FORMATS: dict[str, tuple[str, str]] = {
    "jsonl": ("jsonl", "write_jsonl"),
    "md": ("summary_md", "write_summary_md"),
    "html": ("summary_html", "write_summary_html"),
    "csv": ("csv_export", "write_csv"),
    "vics": ("vics", "write_vics"),
}
DUMPERS: dict[str, tuple[str, str]] = {
    "jsonl": ("jsonl", "dump_jsonl"),
    "md": ("summary_md", "dump_summary_md"),
    "html": ("summary_html", "dump_summary_html"),
    "csv": ("csv_export", "dump_csv"),
    "vics": ("vics", "dump_vics"),
}
NEWLINE = {"csv": ""}  # the csv module writes its own line ends (RFC 4180: CRLF)
# regenerated at the end of every scan
CASE_OUTPUTS = {"jsonl": "clues.jsonl", "md": "summary.md", "html": "summary.html"}


def writer_for(fmt: str) -> Callable[[CaseStore, Path], None]:
    module, func = EXPORT_FORMATS[fmt]
    return getattr(import_module(f"{__name__}.{module}"), func)


def dumper_for(fmt: str) -> Callable[..., None]:
    module, func = DUMPERS[fmt]
    return getattr(import_module(f"{__name__}.{module}"), func)


def atomic_write(path: Path, dump: Callable[[TextIO], None], newline: str = "\n") -> None:
    """Write through a temp file beside `path`, then rename over it: a reader never sees half a
    file, and a failed export leaves neither a partial file nor the temp file behind."""
    path = Path(path)
    if path.is_dir():
        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(path))
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "w", encoding="utf-8", newline=newline) as f:
            dump(f)
        os.replace(tmp, path)
    except BaseException:
        try:
            tmp.unlink()
        except OSError:
            pass
        raise


def export(store: CaseStore, fmt: str, target: Path | TextIO, **options: Any) -> None:
    """Write one format to a file (atomically) or to an open text stream; `options` are the
    format's own (csv: what, bom; vics: form)."""
    dump = dumper_for(fmt)
    if isinstance(target, (str, Path)):
        atomic_write(Path(target), lambda f: dump(store, f, **options), NEWLINE.get(fmt, "\n"))
    else:
        dump(store, target, **options)


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
