"""Fuzz the language-pack loader: YAML text -> `load_pack` (its clear error is PackError; it
runs `validate_file`, which returns problems and must never raise, and turns them into the
PackError) -> the fields the scan reads from a valid pack (`Candidates.from_packs`, OCR
language lists). fuzz/dicts/fuzz_packs.dict gives libFuzzer YAML tokens (tags, dates, anchors).

Packs are authored data, not evidence, but `clueextract packs validate PATH` reads files
people send in; a traceback there instead of "file, field, problem" is a bug.
"""
from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

from _harness import run

# run.py points FUZZ_SCRATCH at its own temporary folder and removes it (libFuzzer's exit skips atexit)
_DIR = Path(tempfile.mkdtemp(prefix="fuzz-packs-", dir=os.environ.get("FUZZ_SCRATCH")
                             or ("/dev/shm" if os.path.isdir("/dev/shm") else None)))
atexit.register(shutil.rmtree, _DIR, ignore_errors=True)
_PATH = _DIR / "xx.yaml"  # code must equal the file name: seeds use "code: xx"


def check(data: bytes) -> None:
    from clueextract.packs import Candidates, PackError, load_pack

    _PATH.write_bytes(data)
    try:
        pack = load_pack(_PATH)  # validate_file first (PyYAML is slow: validating twice halves the exec rate)
    except PackError:
        return
    cand = Candidates.from_packs([pack])
    cand.tesseract_languages()
    _ = (pack.language, pack.scripts, pack.countries, pack.iso639_1)  # every property must read


if __name__ == "__main__":
    run(check, ["yaml", "clueextract.packs"], include=("clueextract", "yaml"))  # PyYAML's SafeLoader is Python
