"""The one SHA-256 of a file that is not evidence: models, data sets, traineddata, packs.

Read in 1 MiB chunks, so a 150 MB model costs 1 MiB of memory. Evidence is hashed elsewhere
(ingest/hashing.py: SHA-256, MD5 and SHA-1 in a single read-only, no-follow read).
"""
from __future__ import annotations

import hashlib
import os
from typing import Union

CHUNK = 1 << 20


def file_sha256(path: Union[str, "os.PathLike[str]"]) -> str:
    """Hex SHA-256 of a file's bytes."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(CHUNK), b""):
            h.update(chunk)
    return h.hexdigest()
