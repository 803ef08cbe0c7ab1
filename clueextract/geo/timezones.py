"""UTC offset (+ date) -> the countries where that offset was in civil use.

Why: an EXIF ``OffsetTimeOriginal`` of "+07:00" says little on its own, but on a given
date only a short, checkable list of countries used it (DST matters: "+02:00" is France
in July, not in January). We answer from the IANA tz database shipped by the ``tzdata``
package — ``zone1970.tab`` (zone -> all countries it covers, e.g. Asia/Bangkok -> TH, CX,
KH, LA, VN) united with ``zone.tab`` (one row per country, so every country appears even
where its zone is a link) — and ``zoneinfo`` for the offset each zone used at a moment.
No network, no writes; the zone -> countries table is built once per process.

Antarctic zones (AQ) are left out: research stations are not a jurisdiction an expert
can act on, and they would dilute every vote.
"""
from __future__ import annotations

import os
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Optional
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import tzdata

from ..hashing import file_sha256

# When the photo date is unknown we test mid-January and mid-July of this fixed year, so
# the same input gives the same output whatever day the tool runs (docs/ARCHITECTURE.md: reproducible output).
REFERENCE_YEAR = 2025
EXCLUDED_COUNTRIES = frozenset({"AQ"})


def tzdata_dir() -> str:
    return os.path.join(os.path.dirname(os.path.abspath(tzdata.__file__)), "zoneinfo")


def tzdata_version() -> str:
    return str(getattr(tzdata, "__version__", "unknown"))


@lru_cache(maxsize=1)
def zone1970_sha256() -> str:
    return file_sha256(os.path.join(tzdata_dir(), "zone1970.tab"))


def _read_tab(name: str) -> list[tuple[list[str], str]]:
    rows: list[tuple[list[str], str]] = []
    path = os.path.join(tzdata_dir(), name)
    if not os.path.isfile(path):
        return rows
    with open(path, encoding="utf-8") as f:
        for line in f:
            if not line.strip() or line.startswith("#"):
                continue
            cols = line.rstrip("\n").split("\t")
            if len(cols) < 3:
                continue
            codes = [c.strip().upper() for c in cols[0].split(",") if len(c.strip()) == 2]
            rows.append((codes, cols[2].strip()))
    return rows


@lru_cache(maxsize=1)
def zone_countries() -> dict[str, tuple[str, ...]]:
    """Zone name -> countries it covers (zone1970.tab ∪ zone.tab), zones that load only."""
    table: dict[str, set[str]] = {}
    for name in ("zone1970.tab", "zone.tab"):
        for codes, zone in _read_tab(name):
            table.setdefault(zone, set()).update(c for c in codes if c not in EXCLUDED_COUNTRIES)
    out: dict[str, tuple[str, ...]] = {}
    for zone, codes in sorted(table.items()):
        if not codes:
            continue
        try:
            _zone(zone)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            continue
        out[zone] = tuple(sorted(codes))
    return out


@lru_cache(maxsize=None)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def _offset_minutes(zone: ZoneInfo, when: datetime) -> Optional[int]:
    try:
        if when.tzinfo is not None:
            off = when.astimezone(zone).utcoffset()
        else:  # naive = local wall-clock time in that zone (as EXIF DateTimeOriginal is)
            off = zone.utcoffset(when)
    except (OverflowError, ValueError):
        return None
    if off is None:
        return None
    return int(off // timedelta(minutes=1))


def reference_dates(when: Optional[datetime]) -> list[datetime]:
    """The moments tested: the given one, or mid-January and mid-July of REFERENCE_YEAR."""
    if when is not None:
        return [when]
    return [datetime(REFERENCE_YEAR, 1, 15, 12), datetime(REFERENCE_YEAR, 7, 15, 12)]


def countries_for_offset(offset_minutes: int, when: Optional[datetime] = None) -> list[str]:
    """Sorted alpha-2 codes of countries with at least one zone at ``offset_minutes`` from
    UTC at ``when`` (DST-aware). With ``when`` None, a country counts if it used the offset
    in mid-January or mid-July of REFERENCE_YEAR (callers should say the date was unknown).
    """
    found: set[str] = set()
    moments = reference_dates(when)
    for zone_name, codes in zone_countries().items():
        zone = _zone(zone_name)
        if any(_offset_minutes(zone, m) == offset_minutes for m in moments):
            found.update(codes)
    return sorted(found)
