"""Walk evidence paths without following links, opening FIFOs or stopping on errors.

Every path met becomes an Entry, including those that cannot be processed (links,
device files, unreadable folders): nothing in the evidence goes unrecorded.
"""
from __future__ import annotations

import base64
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Optional


@dataclass(frozen=True)
class Entry:
    root: str            # label of the evidence root (its folder or file name)
    abs_path: str        # str path (surrogate-escaped where the name is not UTF-8)
    rel_path: str        # relative to the root, '/'-separated, display form
    path_b64: Optional[str]  # raw bytes of rel_path, base64, only when not valid UTF-8
    kind: str            # "file" | "link" | "special" | "error"
    size: int = 0
    mtime_ns: int = 0
    note: Optional[str] = None  # why a non-file entry is not processed


def display_path(p: str) -> tuple[str, Optional[str]]:
    """A printable form of a path plus its raw bytes (base64) when they are not UTF-8."""
    raw = os.fsencode(p)
    try:
        return raw.decode("utf-8"), None
    except UnicodeDecodeError:
        return raw.decode("utf-8", "backslashreplace"), base64.b64encode(raw).decode()


def _entry_for(root_label: str, root_dir: str, path: str) -> Entry:
    rel = os.path.relpath(path, root_dir) if root_dir else os.path.basename(path)
    rel_disp, rel_b64 = display_path(rel.replace(os.sep, "/"))
    try:
        st = os.lstat(path)
    except OSError as e:
        return Entry(root_label, path, rel_disp, rel_b64, "error", note=f"cannot stat: {e.strerror or e}")
    if stat.S_ISLNK(st.st_mode):
        try:
            target = os.readlink(path)
        except OSError:
            target = "?"
        try:
            os.stat(path)
            why = f"symbolic link to {display_path(target)[0]!r}, not followed (evidence is read where it lies)"
        except OSError as e:
            why = f"symbolic link to {display_path(target)[0]!r} that cannot be resolved ({e.strerror}); not followed"
        return Entry(root_label, path, rel_disp, rel_b64, "link", st.st_size, st.st_mtime_ns, why)
    if stat.S_ISREG(st.st_mode):
        return Entry(root_label, path, rel_disp, rel_b64, "file", st.st_size, st.st_mtime_ns)
    kind = ("FIFO" if stat.S_ISFIFO(st.st_mode) else "socket" if stat.S_ISSOCK(st.st_mode)
            else "device file" if (stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode)) else "special file")
    return Entry(root_label, path, rel_disp, rel_b64, "special", 0, st.st_mtime_ns, f"{kind}, not a regular file; not opened")


def walk(paths: list[str | os.PathLike]) -> Iterator[Entry]:
    """Yield an Entry for every path under the given evidence roots, in sorted order."""
    for given in paths:
        root = os.path.abspath(os.fspath(given))
        label = os.path.basename(root.rstrip(os.sep)) or root
        if os.path.islink(root):  # a root the analyst named explicitly is followed once
            root = os.path.realpath(root)
        if not os.path.isdir(root):
            if not os.path.lexists(root):
                disp, b64 = display_path(label)
                yield Entry(label, root, disp, b64, "error", note="evidence path does not exist")
                continue
            yield _entry_for(label, "", root)
            continue
        errors: list[OSError] = []
        for dirpath, dirnames, filenames in os.walk(root, topdown=True, onerror=errors.append, followlinks=False):
            while errors:
                e = errors.pop()
                yield _error_entry(label, root, e)
            dirnames.sort(key=os.fsencode)
            # Links to folders appear in dirnames; os.walk does not descend them. Record them.
            links = [d for d in dirnames if os.path.islink(os.path.join(dirpath, d))]
            for name in sorted(filenames + links, key=os.fsencode):
                yield _entry_for(label, root, os.path.join(dirpath, name))
        while errors:
            yield _error_entry(label, root, errors.pop())


def _error_entry(label: str, root: str, e: OSError) -> Entry:
    p = e.filename if isinstance(e.filename, str) else root
    rel = os.path.relpath(p, root).replace(os.sep, "/")
    disp, b64 = display_path(rel)
    return Entry(label, p, disp, b64, "error", note=f"cannot list folder: {e.strerror or e}")


def series_for(rel_path: str, root_label: str, series_by: str) -> str:
    """Default series: the folder holding the file (relative to the root), or the root itself."""
    if series_by == "none":
        return root_label
    parent = str(Path(rel_path).parent)
    return root_label if parent in ("", ".") else parent
