#!/usr/bin/env python3
"""Build clueextract/data/brand_tables.json.gz, the brand matcher's lookup tables for the names
of clueextract/data/brands.json.gz, ahead of time (see clueextract/entities/brand_tables.py for
why and what they hold). Run it after rebuilding the brand index or upgrading spaCy, then put
the SHA-256 it prints into brand_tables.TABLES_SHA256. Same index, same spaCy: same bytes.

    python scripts/build_brand_tables.py [--out PATH]
"""
from __future__ import annotations

import argparse
import hashlib
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from clueextract.entities import brand_tables  # noqa: E402
from clueextract.entities.brands import BrandIndex, nsi_tables_built, tables_header  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", type=Path, default=brand_tables.TABLES_PATH)
    args = ap.parse_args()
    index = BrandIndex.load()
    data = brand_tables.encode(nsi_tables_built(index), tables_header(index))
    args.out.write_bytes(data)
    print(f"{args.out}: {len(data):,} bytes, SHA-256 {hashlib.sha256(data).hexdigest()}")


if __name__ == "__main__":
    main()
