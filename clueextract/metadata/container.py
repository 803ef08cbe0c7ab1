"""Container-metadata clues (MP4 / QuickTime / Matroska tags, as PyAV reads them).

Why: phones write the place, the device and the local time into a video's container
(QuickTime ``com.apple.quicktime.location.ISO6709``, the MP4 ``©xyz`` atom that FFmpeg
exposes as ``location``, ``com.apple.quicktime.creationdate`` with its UTC offset,
make/model keys). Like EXIF on a photo, these narrow the jurisdiction for free.

The clues mirror :mod:`clueextract.metadata.exif` (same kinds, weights, reasons, sources),
so a GPS point means the same whether it came from a photo or a video:
- ``gps`` from an ISO 6709 string (``+13.7563+100.5018/``, ``+48.8584+002.2945+035.000/``,
  also the degree-minute(-second) forms), one clue per distinct point, reverse-geocoded
  offline; (0, 0) and points far from any place are kept without a country vote.
- ``timezone`` from a date that carries an explicit UTC offset (``...+0700``). ``Z`` is not
  a local offset (QuickTime ``creation_time`` is always UTC), so it gives no clue.
- ``device`` from make/model keys (Apple, Android and plain QuickTime spellings), with the
  software / encoder tags as detail.

Tags are attacker-controlled: every value is cleaned, capped, parsed on its own, and a bad
one is skipped; ``container_clues`` never raises. Locator: ``{"field": "container <key>"}``
(plus ``"stream": n`` for a tag on stream n rather than on the file).
"""
from __future__ import annotations

import logging
import math
import re
from datetime import datetime
from typing import Any, BinaryIO, Iterable, Mapping, Optional

import av

from clueextract.countries import split_vote
from clueextract.geo import timezones
from clueextract.metadata.exif import (gps_point_clue, MAX_TEXT_CHARS, TIMEZONE_STRENGTH,
                                       clean_text, listing, parse_offset)
from clueextract.records import Clue, CountryVote, Source

log = logging.getLogger(__name__)

MAX_TAGS = 256                 # tags looked at per file / stream (a hostile file may carry thousands)
LOCATION_KEYS = ("com.apple.quicktime.location.iso6709", "location", "©xyz", "xyz",
                 "com.android.location", "location_iso6709")
DATE_KEYS = ("com.apple.quicktime.creationdate", "date", "date_recorded", "creation_time",
             "com.android.capture.time", "date_time_original")
MAKE_KEYS = ("com.apple.quicktime.make", "com.android.manufacturer", "make", "manufacturer")
MODEL_KEYS = ("com.apple.quicktime.model", "com.android.model", "model")
SOFTWARE_KEYS = ("com.apple.quicktime.software", "com.android.version", "software")
ENCODER_KEYS = ("encoder", "encoded_by", "com.apple.quicktime.author")

_LANG_SUFFIX = re.compile(r"-[a-z]{3}$")
_ISO6709 = re.compile(r"^([+-]\d+(?:\.\d+)?)([+-]\d+(?:\.\d+)?)([+-]\d+(?:\.\d+)?)?(?:CRS[A-Za-z0-9_:.]*)?/?$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2}))?(?:[.,]\d+)?\s*"
                       r"(Z|[+-]\d{2}:?\d{2})?$")

Scope = tuple[Optional[int], Mapping[str, Any]]  # (stream index or None for the file, tags)


def _clean(value: Any, limit: int = MAX_TEXT_CHARS) -> Optional[str]:
    """A clean, capped string from a tag value (PyAV gives real Unicode; bytes also accepted)."""
    if isinstance(value, str):
        value = value[:4096].encode("utf-8", "replace")
    return clean_text(value, limit)


def _key(raw: str) -> str:
    """Tag key as looked up: lower case, language suffix (``location-eng``) removed."""
    return _LANG_SUFFIX.sub("", raw.strip().lower())


def _tags(scope: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    """(lookup key, key as written, cleaned value) for the first MAX_TAGS usable tags."""
    out: list[tuple[str, str, str]] = []
    try:
        items = list(scope.items())[:MAX_TAGS]
    except Exception:  # noqa: BLE001 - unreadable tag dictionary
        return out
    for raw_key, raw_value in items:
        if not isinstance(raw_key, str):
            continue
        name = _clean(raw_key, 80)
        value = _clean(raw_value)
        if name and value:
            out.append((_key(name), name, value))
    # "location" before its per-language copy "location-eng": the plain key names the field
    return sorted(out, key=lambda t: t[0] != t[1].lower())


def _pick(tags: list[tuple[str, str, str]], keys: Iterable[str]) -> Optional[tuple[str, str]]:
    for k in keys:
        for key, name, value in tags:
            if key == k:
                return name, value
    return None


# ----------------------------------------------------------------------------- ISO 6709

def _component(text: str, deg_digits: int) -> Optional[float]:
    """One ISO 6709 signed component: ±D.D, ±DM.M or ±DMS.S by the integer-digit count."""
    sign = -1.0 if text[0] == "-" else 1.0
    body = text[1:]
    whole, _, frac = body.partition(".")
    frac = "." + frac if frac else ""
    n = len(whole)
    try:
        if n <= deg_digits:
            value = float(whole + frac)
        elif n == deg_digits + 2:
            deg, mins = int(whole[:deg_digits]), float(whole[deg_digits:] + frac)
            if mins >= 60:
                return None
            value = deg + mins / 60
        elif n == deg_digits + 4:
            deg, mins, secs = int(whole[:deg_digits]), int(whole[deg_digits:deg_digits + 2]), \
                float(whole[deg_digits + 2:] + frac)
            if mins >= 60 or secs >= 60:
                return None
            value = deg + mins / 60 + secs / 3600
        else:
            return None
    except ValueError:
        return None
    return sign * value if math.isfinite(value) else None


def parse_iso6709(text: Optional[str]) -> Optional[tuple[float, float, Optional[float]]]:
    """(lat, lon, altitude or None) from an ISO 6709 point string, or None when unusable."""
    if not text or len(text) > 64:
        return None
    m = _ISO6709.match(text.replace(" ", ""))
    if not m:
        return None
    lat, lon = _component(m.group(1), 2), _component(m.group(2), 3)
    if lat is None or lon is None or abs(lat) > 90 or abs(lon) > 180:
        return None
    alt: Optional[float] = None
    if m.group(3):
        try:
            alt = float(m.group(3))
        except ValueError:
            alt = None
        if alt is not None and (not math.isfinite(alt) or abs(alt) > 100_000):
            alt = None
    return lat, lon, alt


# ----------------------------------------------------------------------------- clue builders

def _locator(name: str, stream: Optional[int]) -> dict[str, Any]:
    loc: dict[str, Any] = {"field": f"container {name}"}
    if stream is not None:
        loc["stream"] = stream
    return loc


def _gps_clue(lat: float, lon: float, alt: Optional[float], name: str, stream: Optional[int],
              raw: str, also: list[str]) -> Clue:
    """The EXIF gps clue's decisions (exif.gps_point_clue), for a point read from a tag."""
    extra: dict[str, Any] = {"lat": round(lat, 6), "lon": round(lon, 6), "raw": raw}
    if alt is not None:
        extra["altitude"] = round(alt, 2)
    if also:
        extra["also_in"] = also
    return gps_point_clue(lat, lon, extra, _locator(name, stream), f"Video container tag {name}:")


def _tags_by_priority(scopes: list[tuple[Optional[int], list[tuple[str, str, str]]]],
                      keys: Iterable[str]) -> Iterable[tuple[Optional[int], str, str]]:
    """(stream, tag name, value) for the tags whose key is in `keys`, per scope in `keys` order."""
    for stream, tags in scopes:
        for k in keys:
            for key, name, value in tags:
                if key == k:
                    yield stream, name, value


def _gps_clues(scopes: list[tuple[Optional[int], list[tuple[str, str, str]]]]) -> list[Clue]:
    points: dict[tuple[float, float], dict[str, Any]] = {}
    for stream, name, value in _tags_by_priority(scopes, LOCATION_KEYS):
        parsed = parse_iso6709(value)
        if parsed is None:
            continue
        lat, lon, alt = parsed
        point = (round(lat, 5), round(lon, 5))
        label = name if stream is None else f"stream {stream} {name}"
        if point in points:
            points[point]["also"].append(label)
        else:
            points[point] = {"lat": lat, "lon": lon, "alt": alt, "name": name, "stream": stream,
                             "raw": value, "also": []}
    return [_gps_clue(p["lat"], p["lon"], p["alt"], p["name"], p["stream"], p["raw"], p["also"])
            for p in points.values()]


def _parse_date(text: str) -> Optional[tuple[datetime, Optional[str]]]:
    """(local wall-clock datetime, offset text or None) from an ISO 8601 date-time."""
    m = _ISO_DATE.match(text.strip())
    if not m:
        return None
    try:
        when = datetime(*(int(g) if g else 0 for g in m.groups()[:6]))
    except ValueError:
        return None
    if not 1900 <= when.year <= 2100:
        return None
    return when, m.group(7)


def _timezone_clue(scopes: list[tuple[Optional[int], list[tuple[str, str, str]]]]) -> Optional[Clue]:
    for stream, name, value in _tags_by_priority(scopes, DATE_KEYS):
        parsed = _parse_date(value)
        if parsed is None or parsed[1] in (None, "Z"):
            continue
        when, offset = parsed
        minutes = parse_offset(offset)
        if minutes is None:
            continue
        sign = "-" if minutes < 0 else "+"
        normalized = f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
        countries = timezones.countries_for_offset(minutes, when)
        reason = (f"{normalized} was in use on {when.date().isoformat()} in {len(countries)} "
                  f"{'country' if len(countries) == 1 else 'countries'}: {listing(countries)} "
                  f"(video container tag {name})")
        weight = split_vote(TIMEZONE_STRENGTH, len(countries))
        extra = {"offset_minutes": minutes, "datetime": when.isoformat(), "countries": countries,
                 "date_known": True, "raw": value}
        source = Source(stage="metadata", engine=f"zoneinfo tzdata {timezones.tzdata_version()}",
                        model="tzdata zone1970.tab", model_sha256=timezones.zone1970_sha256())
        return Clue(kind="timezone", value=value, normalized=normalized, confidence=0.9,
                    source=source, locator=_locator(name, stream),
                    countries=[CountryVote(cc, weight, reason) for cc in countries], extra=extra)
    return None


def _device_clue(scopes: list[tuple[Optional[int], list[tuple[str, str, str]]]]) -> Optional[Clue]:
    found: dict[str, tuple[str, str, Optional[int]]] = {}
    for stream, tags in scopes:
        for field, keys in (("make", MAKE_KEYS), ("model", MODEL_KEYS), ("software", SOFTWARE_KEYS),
                            ("encoder", ENCODER_KEYS)):
            hit = _pick(tags, keys)
            if hit and field not in found:
                found[field] = (hit[0], hit[1], stream)
    make = found["make"][1] if "make" in found else None
    model = found["model"][1] if "model" in found else None
    software = found["software"][1] if "software" in found else None
    encoder = found["encoder"][1] if "encoder" in found else None
    if make and model and model.lower().startswith(make.split()[0].lower()):
        value = model
    elif make or model:
        value = " ".join(x for x in (make, model) if x)
    elif software or (encoder and not encoder.lower().startswith("lav")):
        value = software or encoder or ""   # no make/model: the recording software is the hint
    else:
        return None                          # only FFmpeg's own "Lavf" muxer tag: says nothing
    value = value[:MAX_TEXT_CHARS].rstrip()
    first = found.get("make") or found.get("model") or found.get("software") or found["encoder"]
    extra = {k: v for k, v in (("make", make), ("model", model), ("software", software), ("encoder", encoder)) if v}
    return Clue(kind="device", value=value, normalized=value.lower(),
                confidence=0.9 if (make or model) else 0.5,
                source=Source(stage="metadata", engine=f"PyAV {av.__version__}", model=None),
                locator=_locator(first[0], first[2]), countries=[], extra=extra)


# ----------------------------------------------------------------------------- entry points

def tag_clues(scopes: Iterable[Scope]) -> list[Clue]:
    """Clues from tag dictionaries: ``[(None, file_tags), (stream_index, stream_tags), ...]``.

    Never raises; a tag group that fails to parse is skipped, the others still count.
    """
    cleaned: list[tuple[Optional[int], list[tuple[str, str, str]]]] = []
    try:
        for stream, tags in list(scopes)[:64]:
            cleaned.append((stream if isinstance(stream, int) else None, _tags(tags)))
    except Exception:  # noqa: BLE001 - malformed scope list
        log.debug("unreadable container tags", exc_info=True)
    clues: list[Clue] = []
    for build in (lambda: _gps_clues(cleaned), lambda: [_timezone_clue(cleaned)], lambda: [_device_clue(cleaned)]):
        try:
            clues.extend(c for c in build() if c is not None)
        except Exception:  # noqa: BLE001 - one bad group must not lose the others
            log.debug("container clue builder failed", exc_info=True)
    return clues


def container_clues(f: BinaryIO) -> list[Clue]:
    """Clues (gps, timezone, device) from the container and stream tags of ``f``. Never raises."""
    try:
        f.seek(0)
        with av.open(f, mode="r", metadata_errors="replace") as container:
            scopes: list[Scope] = [(None, dict(container.metadata or {}))]
            for s in list(container.streams)[:32]:
                scopes.append((s.index, dict(s.metadata or {})))
    except Exception:  # noqa: BLE001 - not a container PyAV can open: no container clues
        log.debug("container metadata unreadable", exc_info=True)
        return []
    return tag_clues(scopes)
