"""UN M49 regions for countries: which regional desk an expert summary routes a country to.

The data (clueextract/data/m49.json) is built ahead of time by scripts/build_m49.py from a
pinned, hash-verified copy of the UN M49 table (see that script for why no installed library
serves). Desks follow the M49 *sub-region* ("South-eastern Asia"); where M49 splits a
sub-region further (Sub-Saharan Africa, Latin America and the Caribbean, Northern Europe's
Channel Islands) the intermediate region is carried too, because "Western Africa" routes
better than "Sub-Saharan Africa".
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Optional


@dataclass(frozen=True)
class Desk:
    """A country's place in UN M49: region, sub-region and (where M49 has one) intermediate region."""

    country: str
    region_code: str
    region: str
    sub_region_code: str
    sub_region: str
    intermediate_code: Optional[str] = None
    intermediate: Optional[str] = None

    @property
    def label(self) -> str:
        """'South-eastern Asia' or 'Sub-Saharan Africa › Western Africa'."""
        return f"{self.sub_region} › {self.intermediate}" if self.intermediate else self.sub_region

    @property
    def code(self) -> str:
        """M49 code of the finest grouping in the label."""
        return self.intermediate_code or self.sub_region_code


@lru_cache(maxsize=1)
def _table() -> dict:
    with resources.files("clueextract").joinpath("data/m49.json").open(encoding="utf-8") as f:
        return json.load(f)


@lru_cache(maxsize=None)
def desk_for(country: str) -> Optional[Desk]:
    """The M49 desk of an ISO 3166-1 alpha-2 code, or None (unknown code, Antarctica)."""
    data = _table()
    entry = data["countries"].get((country or "").upper())
    if entry is None:
        return None
    names = data["names"]
    inter = entry.get("intermediate")
    return Desk(country=country.upper(), region_code=entry["region"], region=names[entry["region"]],
                sub_region_code=entry["sub_region"], sub_region=names[entry["sub_region"]],
                intermediate_code=inter, intermediate=names[inter] if inter else None)


def m49_name(code: str) -> Optional[str]:
    """Official English name of an M49 area code ('035' -> 'South-eastern Asia')."""
    return _table()["names"].get(code)


def data_source() -> dict:
    """Provenance of the M49 table (package, version, wheel hash) for reports."""
    return dict(_table()["source"])
