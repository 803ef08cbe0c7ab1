"""EXIF clues: GPS position, UTC offset of the capture time, and the capturing device.

Why this stage exists: a GPS tag or a time-zone offset left in a file narrows the
jurisdiction faster than anything read from the pixels, and reading it costs nothing.

Why it is defensive everywhere: EXIF is attacker- and bug-controlled binary data (wrong
types, zero denominators, NaN, out-of-range values, garbage bytes, megabyte strings).
Every field is read on its own; a bad field is skipped and the good ones are still
returned. ``exif_clues`` never raises.

Decisions worth knowing:
- GPS out of range / NaN / zero denominator / missing hemisphere reference where the
  value is needed: no ``gps`` clue is produced at all (there is no trustworthy point).
- GPS exactly (0, 0): kept as a ``gps`` clue (it *is* in the file) but with no country
  vote and ``extra["no_vote_reason"]``: (0, 0) is what many devices write with no fix.
- GPS farther than ``MAX_PLACE_DISTANCE_KM`` from any GeoNames place: clue kept, no vote,
  ``extra["no_vote_reason"]`` says so.
- ASCII fields are cut at the first NUL (EXIF strings are NUL-terminated), must decode as
  UTF-8 (Pillow hands them over latin-1-decoded; we undo that), lose control characters
  and are capped at ``MAX_TEXT_CHARS``.
"""
from __future__ import annotations

import logging
import math
import re
import unicodedata
from datetime import datetime
from typing import Any, Mapping, Optional

import PIL
from PIL import Image

from clueextract.countries import split_vote
from clueextract.records import Clue, CountryVote, Source

log = logging.getLogger(__name__)

EXIF_IFD = 0x8769
GPS_IFD = 0x8825
# IFD0 tags
MAKE, MODEL, SOFTWARE, DATETIME = 0x010F, 0x0110, 0x0131, 0x0132
# Exif IFD tags
DATETIME_ORIGINAL, DATETIME_DIGITIZED = 0x9003, 0x9004
OFFSET_TIME, OFFSET_TIME_ORIGINAL, OFFSET_TIME_DIGITIZED = 0x9010, 0x9011, 0x9012
LENS_MAKE, LENS_MODEL = 0xA433, 0xA434
# GPS IFD tags
GPS_STATUS = 0x09
GPS_LAT_REF, GPS_LAT, GPS_LON_REF, GPS_LON = 0x01, 0x02, 0x03, 0x04
GPS_ALT_REF, GPS_ALT = 0x05, 0x06

MAX_TEXT_CHARS = 128       # real Make/Model/Software/Lens values are < 64 chars
MAX_RAW_BYTES = 1 << 20    # never even decode more than this from one field
GPS_WEIGHT = 0.9           # nearest GeoNames place ≤ 25 km away
GPS_WEIGHT_FAR = 0.7       # 25–100 km: nearest town may lie across a border or coast
GPS_NEAR_KM = 25.0
TIMEZONE_STRENGTH = 0.5    # split across the countries using the offset on that date
MAX_LISTED = 20            # countries named in one reason before "and N more"

_OFFSET_RE = re.compile(r"^([+-])(\d{2}):?(\d{2})$")
_DATETIME_RE = re.compile(r"^(\d{4})[:\-](\d{2})[:\-](\d{2})[ T](\d{2}):(\d{2}):(\d{2})")


# ---------------------------------------------------------------- value helpers

def clean_text(value: Any, limit: int = MAX_TEXT_CHARS) -> Optional[str]:
    """A clean, capped string from an EXIF ASCII value, or None when it is unusable."""
    if isinstance(value, str):
        if len(value) > MAX_RAW_BYTES:
            value = value[:MAX_RAW_BYTES]
        try:
            raw = value.encode("latin-1")  # Pillow decodes EXIF ASCII as latin-1
        except UnicodeEncodeError:
            raw = value.encode("utf-8")    # already real Unicode (set in memory)
    elif isinstance(value, (bytes, bytearray)):
        raw = bytes(value[:MAX_RAW_BYTES])
    else:
        return None
    raw = raw.split(b"\x00", 1)[0]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None  # neither ASCII nor UTF-8: garbage or hostile, skip the field
    text = "".join(ch for ch in text if unicodedata.category(ch)[0] != "C" or ch == " ")
    text = " ".join(text.split())
    if not text:
        return None
    return text[:limit].rstrip()


def _number(value: Any) -> Optional[float]:
    """A finite float from an IFDRational / (num, den) / int / float, else None."""
    try:
        if isinstance(value, bool):
            return None
        if isinstance(value, tuple) and len(value) == 2 and all(isinstance(v, int) for v in value):
            if value[1] == 0:
                return None
            result = value[0] / value[1]
        elif hasattr(value, "denominator") and hasattr(value, "numerator"):
            if value.denominator == 0:  # IFDRational(x, 0) reads as NaN
                return None
            result = float(value)
        elif isinstance(value, (int, float)):
            result = float(value)
        else:
            return None
    except (TypeError, ValueError, OverflowError, ZeroDivisionError):
        return None
    return result if math.isfinite(result) else None


def _dms(value: Any) -> Optional[float]:
    """Degrees from an EXIF (deg, min, sec) triple (also tolerates 1 or 2 parts)."""
    parts = value if isinstance(value, (tuple, list)) else (value,)
    if not 1 <= len(parts) <= 3:
        return None
    nums = [_number(p) for p in parts]
    if any(n is None or n < 0 for n in nums):
        return None
    if len(nums) > 1 and nums[1] >= 60 or len(nums) > 2 and nums[2] >= 60:
        return None
    return sum(n / (60 ** i) for i, n in enumerate(nums))  # type: ignore[operator]


def _ref(value: Any, allowed: str) -> Optional[str]:
    text = clean_text(value, 4)
    if text and text[0].upper() in allowed:
        return text[0].upper()
    return None


def _get(ifd: Mapping[int, Any], tag: int) -> Any:
    try:
        return ifd.get(tag)
    except Exception:  # noqa: BLE001 - lazily decoded hostile IFD
        return None


def _ifd(exif: Any, tag: int) -> Mapping[int, Any]:
    try:
        ifd = exif.get_ifd(tag)
        return ifd if isinstance(ifd, Mapping) else {}
    except Exception:  # noqa: BLE001 - bad offsets, truncated data, recursion
        log.debug("unreadable EXIF sub-IFD 0x%04x", tag, exc_info=True)
        return {}


def listing(codes: list[str]) -> str:
    """Country codes for a reason text: the first ``MAX_LISTED``, then "and N more"."""
    shown = ", ".join(codes[:MAX_LISTED])
    return shown + (f" and {len(codes) - MAX_LISTED} more" if len(codes) > MAX_LISTED else "")


def gps_point_clue(lat: float, lon: float, extra: dict[str, Any], locator: dict[str, Any], origin: str) -> Clue:
    """A `gps` clue for a point read from metadata (EXIF here, container tags in container.py):
    offline reverse geocoding, one strong vote for the country, no vote for 0,0 or open sea.
    origin names where the point was read, first words of the reason ("EXIF GPS")."""
    from clueextract.geo import reverse  # noqa: PLC0415 (+4 ms at import (the geo package); only photos with EXIF need it)

    value = f"{lat:.6f},{lon:.6f}"
    source = Source(stage="metadata", engine=f"reverse_geocoder {reverse.engine_version()}",
                    model=reverse.DATASET_NAME, model_sha256=None)
    votes: list[CountryVote] = []
    confidence = 0.95
    if lat == 0.0 and lon == 0.0:
        extra.update(country=None, no_vote_reason=(
            "GPS 0,0 ('Null Island' in the Gulf of Guinea) is what many devices write when "
            "they have no fix; no country inferred"))
        confidence = 0.1
    else:
        try:
            place = reverse.reverse_geocode(lat, lon)
            source = Source(stage="metadata", engine=source.engine, model=reverse.DATASET_NAME,
                            model_sha256=reverse.dataset_sha256())
        except Exception as exc:  # noqa: BLE001 - geocoder data unreadable: keep the point
            log.warning("reverse geocode failed: %s", exc)
            place = None
            extra.update(country=None, no_vote_reason=f"offline reverse geocoder unavailable: {exc}")
        if place is not None:
            extra.update(admin1=place.admin1, place=place.place,
                         distance_km=round(place.distance_km, 1), country=place.country)
            if place.country is None:
                extra["no_vote_reason"] = place.note
            else:
                where = ", ".join(x for x in (place.place, place.admin1) if x)
                weight = GPS_WEIGHT if place.distance_km <= GPS_NEAR_KM else GPS_WEIGHT_FAR
                reason = (f"{origin} {lat:.6f}, {lon:.6f} is {place.distance_km:.1f} km from "
                          f"{where} ({place.country}), offline GeoNames reverse geocode")
                if weight < GPS_WEIGHT:
                    reason += (f"; nearest place over {GPS_NEAR_KM:.0f} km away, so the point "
                               "may lie across a border or offshore")
                votes.append(CountryVote(place.country, weight, reason))
    return Clue(kind="gps", value=value, normalized=value, confidence=confidence, source=source,
                locator=locator, countries=votes, extra=extra)


# ---------------------------------------------------------------- clue builders

def _gps_clue(gps: Mapping[int, Any]) -> Optional[Clue]:
    lat_abs, lon_abs = _dms(_get(gps, GPS_LAT)), _dms(_get(gps, GPS_LON))
    lat_ref, lon_ref = _ref(_get(gps, GPS_LAT_REF), "NS"), _ref(_get(gps, GPS_LON_REF), "EW")
    if lat_abs is None or lon_abs is None:
        return None
    if lat_abs > 90 or lon_abs > 180:
        return None
    if (lat_ref is None or lon_ref is None) and (lat_abs, lon_abs) != (0.0, 0.0):
        return None  # hemisphere unknown: the sign, hence the country, would be a guess
    lat = -lat_abs if lat_ref == "S" else lat_abs
    lon = -lon_abs if lon_ref == "W" else lon_abs
    extra: dict[str, Any] = {"lat": round(lat, 6), "lon": round(lon, 6)}
    alt = _number(_get(gps, GPS_ALT))
    if alt is not None and abs(alt) < 100_000:
        alt_ref = _get(gps, GPS_ALT_REF)
        below = alt_ref in (1, b"\x01") or (isinstance(alt_ref, (bytes, bytearray)) and alt_ref[:1] == b"\x01")
        extra["altitude"] = round(-alt if below else alt, 2)
    status = _ref(_get(gps, GPS_STATUS), "AV")
    if status:
        extra["gps_status"] = status  # "V" = measurement void/interrupted per EXIF

    return gps_point_clue(lat, lon, extra, {"field": "EXIF GPS"}, "EXIF GPS")


def parse_offset(text: Optional[str]) -> Optional[int]:
    """Minutes east of UTC from ``+07:00`` / ``-0330``, or None when malformed or not a real offset."""
    m = _OFFSET_RE.match(text or "")
    if not m:
        return None
    hours, minutes = int(m.group(2)), int(m.group(3))
    if minutes >= 60:
        return None
    total = (hours * 60 + minutes) * (-1 if m.group(1) == "-" else 1)
    return total if -12 * 60 <= total <= 14 * 60 else None  # real UTC offsets span -12..+14


def _parse_datetime(text: Optional[str]) -> Optional[datetime]:
    m = _DATETIME_RE.match(text or "")
    if not m:
        return None
    try:
        when = datetime(*(int(g) for g in m.groups()))
    except ValueError:  # "0000:00:00 00:00:00", month 13, ...
        return None
    return when if 1900 <= when.year <= 2100 else None


def _timezone_clue(ifd0: Mapping[int, Any], exif_ifd: Mapping[int, Any]) -> Optional[Clue]:
    from clueextract.geo import timezones  # noqa: PLC0415 (+4 ms at import (the geo package); only photos with EXIF need it)

    dates = {
        DATETIME_ORIGINAL: _parse_datetime(clean_text(_get(exif_ifd, DATETIME_ORIGINAL), 32)),
        DATETIME_DIGITIZED: _parse_datetime(clean_text(_get(exif_ifd, DATETIME_DIGITIZED), 32)),
        DATETIME: _parse_datetime(clean_text(_get(ifd0, DATETIME), 32)),
    }
    pairs = ((OFFSET_TIME_ORIGINAL, "OffsetTimeOriginal", DATETIME_ORIGINAL),
             (OFFSET_TIME, "OffsetTime", DATETIME),
             (OFFSET_TIME_DIGITIZED, "OffsetTimeDigitized", DATETIME_DIGITIZED))
    for tag, name, date_tag in pairs:  # noqa: B007 (name is read after the loop breaks)
        raw = clean_text(_get(exif_ifd, tag), 16) or clean_text(_get(ifd0, tag), 16)
        minutes = parse_offset(raw)
        if minutes is None or raw is None:
            continue
        # the paired date first, else any other capture date in the file
        when = dates[date_tag] or next((d for d in dates.values() if d is not None), None)
        break
    else:
        return None

    sign = "-" if minutes < 0 else "+"
    normalized = f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
    countries = timezones.countries_for_offset(minutes, when)
    if when is not None:
        period = f"on {when.date().isoformat()}"
    else:
        period = (f"in January or July {timezones.REFERENCE_YEAR} (photo date unknown, "
                  "so both standard and daylight-saving time are allowed)")
    reason = (f"{normalized} was in use {period} in {len(countries)} "
              f"{'country' if len(countries) == 1 else 'countries'}: {listing(countries)} "
              f"(EXIF {name})")
    weight = split_vote(TIMEZONE_STRENGTH, len(countries))
    votes = [CountryVote(cc, weight, reason) for cc in countries]
    extra = {"offset_minutes": minutes, "datetime": when.isoformat() if when else None,
             "countries": countries, "date_known": when is not None}
    source = Source(stage="metadata", engine=f"zoneinfo tzdata {timezones.tzdata_version()}",
                    model="tzdata zone1970.tab", model_sha256=timezones.zone1970_sha256())
    return Clue(kind="timezone", value=raw, normalized=normalized, confidence=0.9,
                source=source, locator={"field": f"EXIF {name}"}, countries=votes, extra=extra)


def _device_clue(ifd0: Mapping[int, Any], exif_ifd: Mapping[int, Any]) -> Optional[Clue]:
    make, model = clean_text(_get(ifd0, MAKE)), clean_text(_get(ifd0, MODEL))
    if not make and not model:
        return None
    if make and model and model.lower().startswith(make.split()[0].lower()):
        value = model  # "Canon" + "Canon EOS 90D"; "NIKON CORPORATION" + "NIKON D750"
    else:
        value = " ".join(x for x in (make, model) if x)
    extra: dict[str, Any] = {"make": make, "model": model}
    for key, ifd, tag in (("lens_make", exif_ifd, LENS_MAKE), ("lens_model", exif_ifd, LENS_MODEL),
                          ("software", ifd0, SOFTWARE)):
        text = clean_text(_get(ifd, tag))
        if text:
            extra[key] = text
    return Clue(kind="device", value=value, normalized=value.lower(), confidence=0.9,
                source=Source(stage="metadata", engine=f"Pillow {PIL.__version__}", model=None),
                locator={"field": "EXIF Make/Model"}, countries=[], extra=extra)


# ---------------------------------------------------------------- entry point

def exif_clues(img: Image.Image) -> list[Clue]:
    """Clues from the image's EXIF (gps, timezone, device). Never raises; [] if no EXIF."""
    try:
        exif = img.getexif()
    except Exception:  # noqa: BLE001 - corrupt container/EXIF block
        log.debug("unreadable EXIF", exc_info=True)
        return []
    if not exif:
        return []
    ifd0: Mapping[int, Any] = exif
    exif_ifd = _ifd(exif, EXIF_IFD)
    gps_ifd = _ifd(exif, GPS_IFD)
    clues: list[Clue] = []
    for build in (lambda: _gps_clue(gps_ifd) if gps_ifd else None,
                  lambda: _timezone_clue(ifd0, exif_ifd),
                  lambda: _device_clue(ifd0, exif_ifd)):
        try:
            clue = build()
        except Exception:  # noqa: BLE001 - one bad field group must not lose the others
            log.debug("EXIF clue builder failed", exc_info=True)
            continue
        if clue is not None:
            clues.append(clue)
    return clues
