"""Video frame selection: real PyAV decoding of the committed samples and of clips made here.

The samples' manifest (scripts/make_video_samples.py) says when each text is fully on
screen; selection must put a selected frame (or a merged look-alike view) inside every such
interval while reading far fewer frames than one a second. Bad inputs are generated here.
"""
from __future__ import annotations

import io
import json
import math
from fractions import Fraction
from pathlib import Path
from typing import Optional

import av
import numpy as np
import pytest

from clueextract.video import FrameSelection, select_frames

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples_benign"
MANIFEST = json.loads((SAMPLES / "manifest_video.json").read_text(encoding="utf-8"))
ITEMS = {it["scene"]: it for it in MANIFEST["items"]}


def _select(rel: str, **kw) -> FrameSelection:
    with open(SAMPLES / rel, "rb") as f:
        return select_frames(f, **kw)


@pytest.fixture(scope="module")
def selections() -> dict[str, FrameSelection]:
    return {scene: _select(it["path"]) for scene, it in ITEMS.items()}


def pattern(seed: int, w: int = 160, h: int = 96) -> np.ndarray:
    """A blocky random RGB picture: distinct per seed, easy for any codec."""
    rng = np.random.default_rng(seed)
    small = rng.integers(0, 256, (h // 16, w // 16, 3), dtype=np.uint8)
    return np.kron(small, np.ones((16, 16, 1), np.uint8))


def encode(frames: list[np.ndarray], *, fmt: str = "mp4", codec: str = "libx264", rate: int = 10,
           pts_ms: Optional[list[int]] = None, rotation: int = 0, hflip: bool = False,
           options: Optional[dict[str, str]] = None) -> bytes:
    """Encode RGB frames in memory; pts_ms gives variable frame times (milliseconds)."""
    buf = io.BytesIO()
    with av.open(buf, "w", format=fmt) as c:
        s = c.add_stream(codec, rate=rate, options=options or {})
        s.height, s.width = frames[0].shape[:2]
        s.pix_fmt = "yuv420p"
        if pts_ms is not None:
            s.time_base = s.codec_context.time_base = Fraction(1, 1000)
        if rotation or hflip:
            s.set_display_rotation(rotation, hflip=hflip)
        for i, img in enumerate(frames):
            frame = av.VideoFrame.from_ndarray(img, format="rgb24")
            if pts_ms is not None:
                frame.pts, frame.time_base = pts_ms[i], Fraction(1, 1000)
            for p in s.encode(frame):
                c.mux(p)
        for p in s.encode():
            c.mux(p)
    return buf.getvalue()


EPS = 0.002  # Matroska stores milliseconds: frame 8 at 15 fps is 0.533 s there, 0.5333 s in the manifest


def _inside(t: float, start: float, end: float) -> bool:
    return start - EPS <= t < end - EPS


def _covered(sel: FrameSelection, start: float, end: float) -> bool:
    """A selected frame lies in [start, end), or a kept view's interval spans it."""
    if any(_inside(fr.time_s, start, end) for fr in sel.frames):
        return True
    return any(a <= start + 0.05 and b >= end - 0.05 for fr in sel.frames for a, b in fr.intervals)


# ----------------------------------------------------------------------------- the samples

def test_every_text_interval_gets_a_frame_with_far_fewer_frames_than_1fps(selections) -> None:
    total_selected = total_1fps = 0
    for scene, it in ITEMS.items():
        sel = selections[scene]
        assert sel.stats.errors == [], (scene, sel.stats.errors)
        assert sel.stats.frames_decoded == it["frames"]
        assert sel.stats.duration_s == pytest.approx(it["duration_s"], abs=0.1)
        total_selected += len(sel.frames)
        total_1fps += math.ceil(it["duration_s"])
        for text in it["texts"]:
            for start, end in text["intervals"]:
                assert _covered(sel, start, end), (scene, text["text"], start, end,
                                                   [(f.time_s, f.intervals) for f in sel.frames])
        times = [f.time_s for f in sel.frames]
        assert times == sorted(times)
        for fr in sel.frames:  # upright, full size, 8-bit RGB, and inside its own view
            assert fr.image.shape == (it["height"], it["width"], 3) and fr.image.dtype == np.uint8
            assert fr.start_s <= fr.time_s < fr.end_s
    assert total_selected <= total_1fps // 2, (total_selected, total_1fps)


def test_short_glimpse_gets_its_own_frame(selections) -> None:
    glimpse = next(t for t in ITEMS["slideshow"]["texts"] if "glimpse" in (t.get("note") or ""))
    (start, end), = glimpse["intervals"]
    assert end - start == pytest.approx(0.6)
    assert any(_inside(f.time_s, start, end) for f in selections["slideshow"].frames)


def test_repeated_slide_is_read_once_and_its_second_showing_recorded(selections) -> None:
    text = next(t for t in ITEMS["slideshow"]["texts"] if len(t["intervals"]) == 2)
    (a0, a1), (b0, b1) = text["intervals"]
    holders = [f for f in selections["slideshow"].frames
               if any(abs(s - a0) < 0.05 and abs(e - a1) < 0.05 for s, e in f.intervals)
               and any(abs(s - b0) < 0.05 and abs(e - b1) < 0.05 for s, e in f.intervals)]
    assert len(holders) == 1
    assert selections["slideshow"].stats.views_duplicate == 1


def test_slow_pan_is_split_into_views_by_camera_travel(selections) -> None:
    sel = selections["pan"]
    assert sum(f.reason == "pan" for f in sel.frames) >= 6
    assert 8 <= len(sel.frames) < ITEMS["pan"]["duration_s"]


def test_phone_portrait_document_is_upright_and_still_views_only(selections) -> None:
    sel = selections["document"]
    assert sel.stats.rotation == -90 and (sel.stats.width, sel.stats.height) == (360, 640)
    assert 1 <= len(sel.frames) <= 3  # held still, moved, held still: no frames of the move itself
    assert sel.stats.views_short >= 1


def test_changing_captions_each_get_a_view(selections) -> None:
    sel = selections["captions"]
    for text in ITEMS["captions"]["texts"]:
        (start, end), = text["intervals"]
        assert any(_inside(f.time_s, start, end) for f in sel.frames), text["text"]
    assert len(sel.frames) <= len(ITEMS["captions"]["texts"]) + 2


def test_cap_keeps_frames_spread_over_the_video() -> None:
    sel = _select(ITEMS["slideshow"]["path"], max_frames=3)
    assert len(sel.frames) == 3 and sel.stats.capped and sel.stats.views_dropped_by_cap >= 2
    times = [f.time_s for f in sel.frames]
    assert times[0] < 5.0 and times[-1] > 9.0


def test_hard_caps_stop_early_and_keep_what_was_found() -> None:
    sel = _select(ITEMS["pan"]["path"], max_decoded_frames=80)
    assert sel.stats.frames_decoded == 80 and sel.stats.stopped_early
    assert sel.frames and all(f.time_s < 80 / ITEMS["pan"]["fps"] for f in sel.frames)
    assert any("stopped early" in e for e in sel.stats.errors)
    timed = _select(ITEMS["pan"]["path"], max_wall_s=0.0)
    assert timed.stats.stopped_early and "time cap" in timed.stats.stopped_early


# ----------------------------------------------------------------------------- generated clips

@pytest.mark.parametrize("rotation,hflip", [(90, False), (-90, False), (180, False), (-90, True)])
def test_display_matrix_rotation_and_mirroring_are_undone(rotation: int, hflip: bool) -> None:
    upright = np.full((96, 160, 3), 128, np.uint8)
    upright[:32, :48] = (255, 0, 0)      # red top-left
    upright[-32:, -48:] = (0, 0, 255)    # blue bottom-right
    shown = upright[:, ::-1] if hflip else upright  # the player mirrors after rotating
    stored = np.ascontiguousarray(np.rot90(shown, k=-(rotation // 90)))
    sel = select_frames(io.BytesIO(encode([stored] * 5, rotation=rotation, hflip=hflip)))
    assert sel.stats.errors == []
    img = sel.frames[0].image
    assert img.shape == (96, 160, 3)
    assert img[10, 10, 0] > 200 and img[10, 10, 2] < 60       # red stays top-left
    assert img[-10, -10, 2] > 200 and img[-10, -10, 0] < 60   # blue stays bottom-right
    assert (sel.stats.width, sel.stats.height) == (160, 96)


def test_variable_frame_rate_timestamps_come_from_pts() -> None:
    pts = [0, 400, 1300, 1350, 1400, 3000, 4700]
    seeds = [1, 1, 2, 2, 2, 3, 3]
    sel = select_frames(io.BytesIO(encode([pattern(s) for s in seeds], pts_ms=pts)))
    assert sel.stats.errors == [] and sel.stats.frames_decoded == 7
    assert [(f.start_s, f.end_s) for f in sel.frames][:2] == [(0.0, 1.3), (1.3, 3.0)]
    assert sel.frames[2].start_s == 3.0 and sel.frames[2].end_s > 4.7
    assert sel.frames[0].time_s in (0.0, 0.4) and sel.frames[1].time_s in (1.3, 1.35, 1.4)
    assert sel.frames[2].time_s in (3.0, 4.7)
    assert sel.stats.duration_s >= 4.7


def test_absurd_frame_rate_is_decoded_but_analysis_is_rate_limited() -> None:
    frames = [pattern(1 + i // 500, 64, 48) for i in range(1500)]  # 1000 fps, a new picture every 0.5 s
    sel = select_frames(io.BytesIO(encode(frames, rate=1000, codec="mpeg4")))
    assert sel.stats.errors == [] and sel.stats.frames_decoded == 1500
    assert sel.stats.fps == pytest.approx(1000) and sel.stats.duration_s == pytest.approx(1.5, abs=0.01)
    assert sel.stats.frames_analysed <= 1.5 * 30 + 2
    assert [f.start_s for f in sel.frames] == pytest.approx([0.0, 0.5, 1.0], abs=0.04)


def test_4k_frames_are_analysed_small_and_returned_capped() -> None:
    big = np.ascontiguousarray(np.kron(pattern(7, 240, 144), np.ones((16, 16, 1), np.uint8))[:2160])  # 3840x2160
    sel = select_frames(io.BytesIO(encode([big] * 3, fmt="matroska", codec="mpeg4")), max_side=1920)
    assert sel.stats.errors == [] and (sel.stats.width, sel.stats.height) == (3840, 2160)
    assert sel.frames[0].image.shape == (1080, 1920, 3)


def _truncated_mkv() -> bytes:
    data = encode([pattern(1 + i // 20) for i in range(120)], fmt="matroska")
    return data[: int(len(data) * 0.55)]


def _damaged(fmt: str) -> bytes:
    """12 s, a new picture every 2 s, a key frame every 1 s; 4 kB of noise over the file's middle."""
    data = bytearray(encode([pattern(1 + i // 20) for i in range(120)], fmt=fmt, options={"g": "10"}))
    rng = np.random.default_rng(5)
    mid = len(data) // 2
    data[mid:mid + 4000] = rng.integers(0, 256, 4000, dtype=np.uint8).tobytes()
    return bytes(data)


def _audio_only() -> bytes:
    buf = io.BytesIO()
    with av.open(buf, "w", format="wav") as c:
        s = c.add_stream("pcm_s16le", rate=8000)
        frame = av.AudioFrame.from_ndarray(np.zeros((1, 800), np.int16), format="s16", layout="mono")
        frame.sample_rate = 8000
        for p in s.encode(frame):
            c.mux(p)
        for p in s.encode():
            c.mux(p)
    return buf.getvalue()


def _no_frames() -> bytes:
    buf = io.BytesIO()
    with av.open(buf, "w", format="matroska") as c:
        s = c.add_stream("mpeg4", rate=10)
        s.width, s.height, s.pix_fmt = 64, 48, "yuv420p"
    return buf.getvalue()


@pytest.mark.parametrize("name,make,expect_frames,expect_error", [
    ("empty", lambda: b"", False, "cannot open"),
    ("garbage", lambda: bytes(range(256)) * 64, False, "cannot open"),
    ("mp4 cut before its index", lambda: encode([pattern(1)] * 20)[:3000], False, "cannot open"),
    ("mkv cut mid-stream", _truncated_mkv, True, "truncated"),
    ("mp4 with corrupt packets mid-stream", lambda: _damaged("mp4"), True, "corrupt packet"),
    ("mkv with a damaged cluster mid-stream", lambda: _damaged("matroska"), True, "no frames between"),
    ("audio only", _audio_only, False, "no video stream"),
    ("stream without a single frame", _no_frames, False, "cannot open"),
])
def test_bad_input_never_raises_and_says_why(name: str, make, expect_frames: bool, expect_error: str) -> None:
    sel = select_frames(io.BytesIO(make()))
    assert bool(sel.frames) == expect_frames, name
    assert sel.stats.errors, name
    assert any(expect_error in e for e in sel.stats.errors), (name, sel.stats.errors)
    assert sel.stats.frames_selected == len(sel.frames)


@pytest.mark.parametrize("fmt", ["mp4", "matroska"])
def test_corrupt_stream_keeps_views_on_both_sides_of_the_damage(fmt: str) -> None:
    sel = select_frames(io.BytesIO(_damaged(fmt)))
    assert sel.frames[0].time_s < 4.0 and sel.frames[-1].time_s > 8.0


def test_single_frame_video_is_one_view() -> None:
    sel = select_frames(io.BytesIO(encode([pattern(3)])))
    assert sel.stats.errors == [] and len(sel.frames) == 1
    assert sel.frames[0].time_s == 0.0 and sel.stats.duration_s == pytest.approx(0.1, abs=0.05)
