"""Container-metadata clues: real files written and read back by PyAV, real offline geocoder and tzdata."""
from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Optional

import av
import numpy as np
import pytest

from clueextract.geo.reverse import dataset_sha256
from clueextract.metadata.container import container_clues, parse_iso6709, tag_clues
from clueextract.metadata.exif import MAX_TEXT_CHARS

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples_benign"
MANIFEST = {it["scene"]: it for it in
            json.loads((SAMPLES / "manifest_video.json").read_text(encoding="utf-8"))["items"]}


def clip(tags: dict[str, str], *, fmt: str = "mp4", movflags: Optional[str] = None,
         stream_tags: Optional[dict[str, str]] = None) -> bytes:
    """A 3-frame clip carrying the given container (and stream) tags."""
    buf = io.BytesIO()
    with av.open(buf, "w", format=fmt, options={"movflags": movflags} if movflags else {}) as c:
        for k, v in tags.items():
            c.metadata[k] = v
        s = c.add_stream("mpeg4", rate=10)
        s.width, s.height, s.pix_fmt = 64, 48, "yuv420p"
        for k, v in (stream_tags or {}).items():
            s.metadata[k] = v
        for _ in range(3):
            for p in s.encode(av.VideoFrame.from_ndarray(np.zeros((48, 64, 3), np.uint8), format="rgb24")):
                c.mux(p)
        for p in s.encode():
            c.mux(p)
    return buf.getvalue()


def by_kind(clues) -> dict[str, list]:
    out: dict[str, list] = {}
    for c in clues:
        out.setdefault(c.kind, []).append(c)
    return out


# ----------------------------------------------------------------------------- samples

def test_iphone_style_quicktime_tags_give_gps_timezone_and_device() -> None:
    truth = MANIFEST["pan"]["metadata"]
    with open(SAMPLES / MANIFEST["pan"]["path"], "rb") as f:
        clues = by_kind(container_clues(f))
    (gps,) = clues["gps"]
    assert gps.locator == {"field": "container com.apple.quicktime.location.ISO6709"}
    assert (gps.extra["lat"], gps.extra["lon"]) == tuple(truth["gps"]) and gps.extra["altitude"] == 35.0
    assert [(v.country, v.weight) for v in gps.countries] == [(truth["gps_country"], 0.9)]
    assert "Paris" in gps.countries[0].reason and gps.source.model_sha256 == dataset_sha256()
    (tz,) = clues["timezone"]
    assert tz.normalized == "UTC+02:00" and tz.locator == {"field": "container com.apple.quicktime.creationdate"}
    assert "FR" in [v.country for v in tz.countries] and "GB" not in [v.country for v in tz.countries]  # July: CEST
    assert tz.extra["datetime"] == truth["local_time"]
    (dev,) = clues["device"]
    assert dev.value == "Apple iPhone 13" and dev.extra["software"] == "17.5.1" and dev.countries == []


def test_android_style_mp4_location_atom_gives_gps_and_utc_creation_time_gives_no_timezone() -> None:
    with open(SAMPLES / MANIFEST["document"]["path"], "rb") as f:
        clues = by_kind(container_clues(f))
    (gps,) = clues["gps"]
    assert gps.locator == {"field": "container location"} and gps.extra["also_in"] == ["location-eng"]
    assert [v.country for v in gps.countries] == ["DE"]
    assert "timezone" not in clues  # creation_time "...Z" is UTC by definition, not a local offset


def test_files_without_such_tags_give_no_clues() -> None:
    for scene in ("slideshow", "captions"):
        with open(SAMPLES / MANIFEST[scene]["path"], "rb") as f:
            assert container_clues(f) == [], scene


# ----------------------------------------------------------------------------- generated files

def test_bangkok_location_written_by_pyav_reads_back_as_thailand() -> None:
    clues = by_kind(container_clues(io.BytesIO(clip({"location": "+13.7563+100.5018/"}))))
    (gps,) = clues["gps"]
    assert gps.value == "13.756300,100.501800"
    assert [(v.country, v.weight) for v in gps.countries] == [("TH", 0.9)]
    assert "Bangkok" in gps.countries[0].reason


def test_android_mdta_keys_and_stream_level_offset() -> None:
    data = clip({"com.android.manufacturer": "Google", "com.android.model": "Pixel 8",
                 "com.android.version": "14"}, fmt="mov", movflags="use_metadata_tags",
                stream_tags={"creation_time": "2024-01-10T10:00:00-0500"})
    with av.open(io.BytesIO(data)) as c:  # precondition: the muxer really wrote the tags
        assert c.metadata.get("com.android.model") == "Pixel 8"
    clues = by_kind(container_clues(io.BytesIO(data)))
    (dev,) = clues["device"]
    assert dev.value == "Google Pixel 8" and dev.extra["software"] == "14"


def test_offset_on_a_stream_tag_is_located_on_that_stream() -> None:
    clues = by_kind(tag_clues([(None, {"encoder": "Lavf62"}), (0, {"creation_time": "2024-01-10T10:00:00-0500"})]))
    (tz,) = clues["timezone"]
    assert tz.locator == {"field": "container creation_time", "stream": 0}
    codes = [v.country for v in tz.countries]
    assert "US" in codes and "CA" in codes and "GB" not in codes
    assert "device" not in clues  # FFmpeg's own muxer tag says nothing about the camera


@pytest.mark.parametrize("text,expected", [
    ("+13.7563+100.5018/", (13.7563, 100.5018, None)),
    ("+48.8584+002.2945+035.000/", (48.8584, 2.2945, 35.0)),
    ("-33.8688+151.2093/", (-33.8688, 151.2093, None)),
    ("+4851.504+00217.670/", (48.8584, 2.29450, None)),          # degrees + minutes
    ("+485130.24+0021740.20/", (48.85840, 2.29450, None)),       # degrees + minutes + seconds
    ("+40.7128-074.0060+010.5CRSWGS_84/", (40.7128, -74.006, 10.5)),
    ("+91.0000+000.0000/", None), ("+45.0+181.0/", None), ("+4861.0+00217.0/", None),
    ("+nan+nan/", None), ("", None), ("garbage", None), ("+1" * 100, None),
])
def test_iso6709_forms(text: str, expected) -> None:
    got = parse_iso6709(text)
    if expected is None:
        assert got is None
    else:
        assert got is not None
        assert got[0] == pytest.approx(expected[0], abs=1e-4) and got[1] == pytest.approx(expected[1], abs=1e-4)
        assert got[2] == expected[2]


def test_null_island_and_open_sea_are_kept_without_a_vote() -> None:
    clues = tag_clues([(None, {"location": "+00.0000+000.0000/"}),
                       (0, {"location": "-40.0000-030.0000/"})])  # South Atlantic
    gps = {c.value: c for c in clues if c.kind == "gps"}
    assert gps["0.000000,0.000000"].countries == [] and "Null Island" in gps["0.000000,0.000000"].extra["no_vote_reason"]
    assert gps["-40.000000,-30.000000"].countries == []
    assert gps["-40.000000,-30.000000"].locator == {"field": "container location", "stream": 0}


def test_hostile_tags_never_raise_and_bad_values_are_skipped() -> None:
    hostile = {
        "location": "+999.0+999.0/", "com.apple.quicktime.location.ISO6709": "\x00" * 10_000,
        "com.apple.quicktime.creationdate": "2024-13-45T99:99:99+9999", "date": "2024-02-30T10:00:00+0700",
        "creation_time": "2024-05-01T10:00:00+25:00",
        "make": "A" * 1_000_000, "model": "\ud800bad surrogate", "x" * 10_000: "y",
        "encoder": b"\xff\xfe\x00bytes",
    }
    clues = by_kind(tag_clues([(None, hostile), (None, {i: i for i in range(5000)}), ("nonsense", None)]))  # type: ignore[list-item]
    assert "gps" not in clues and "timezone" not in clues
    (dev,) = clues["device"]
    assert len(dev.value) <= MAX_TEXT_CHARS
    assert tag_clues("not a list of scopes") == []  # type: ignore[arg-type]


def test_unreadable_files_give_no_clues() -> None:
    tagged = clip({"location": "+13.7+100.5/"})
    assert container_clues(io.BytesIO(tagged))  # the whole file does carry a clue
    for data in (b"", b"\x00" * 1000, bytes(range(256)) * 40, tagged[: len(tagged) // 2]):
        assert container_clues(io.BytesIO(data)) == []
