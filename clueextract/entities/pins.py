"""The packaged entity indexes and their pinned SHA-256, in a module that imports nothing heavy:
a worker checks the files here before the matchers (and spaCy with them) are built in the
background (extract.verify_index_files). scripts/build_brand_index.py and
scripts/build_gazetteer.py print the hashes to put here."""
from __future__ import annotations

from pathlib import Path

DATA = Path(__file__).resolve().parent.parent / "data"
BRAND_INDEX_PATH = DATA / "brands.json.gz"
BRAND_INDEX_SHA256 = "edbd125301d348b1f7f3ab03bb75bf1b18674b52a2652abf9b5b0401c6ae3cd3"


class BrandIndexError(RuntimeError):
    pass
