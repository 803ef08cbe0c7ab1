"""Pick the few frames of a video worth reading: one sharp frame per distinct, stable view.

Why: OCR costs 0.3-2.5 s a frame, so reading every frame (or even one a second) of a case's
videos is out of reach, and a sign on screen for half a second is exactly what 1-fps
sampling misses. Every frame is decoded (PyAV, FFmpeg inside the wheel) but only analysed
as a small grey copy (``analysis_width`` px on the long side); the full-resolution frame is
kept only for the current view's best candidate and for the views already selected, so
memory stays bounded however long the video is (at most ``max_frames`` + 1 frames of at most
``max_side`` px: 60 x 1920x1080 RGB = 373 MB in the worst case; lower either to save more).

How a *view* is found (all on the blurred grey analysis copy -- the luma plane resized by
OpenCV -- about 1 ms a frame on top of decoding; the measurements are in :mod:`.analysis`):
- the shift of the current frame against the view's first frame (its *anchor*) is measured
  by phase correlation; the anchor is compared with the current frame after undoing that
  shift, block by block (``block`` px squares, mean absolute difference after removing a
  global brightness change). A block over ``change_threshold`` is a new view: a hard cut,
  a caption or sign that appears, changes or goes, a zoom. Comparing with the anchor, not
  only the previous frame, catches slow dissolves and fades as well as cuts.
- a camera move counts too: once the content has shifted by ``pan_fraction`` of the frame
  since the anchor, a new view starts, so a slow pan along a shop front yields a view per
  quarter frame and every sign narrower than half the frame is whole in a selected frame.
- views shorter than ``min_view_s`` (the inside of a cross-fade) are dropped; a view that
  looks like an earlier selected one (pHash within ``dup_hash_bits`` *and* no changed block)
  is merged into it (its interval is added to ``also_seen``), not read twice.
- within a view the sharpest, steadiest frame is kept: variance of the Laplacian divided by
  (1 + camera speed), so a frame from the end of a pan beats one taken mid-swing.
- more than ``max_frames`` views: the lower-scored of the two selected views closest in time
  is dropped, repeatedly, so what is kept stays spread over the video (``stats.capped``).

Measured (2-core build machine, loaded): the four 640x360 samples (72 s of video, 1000
frames) take 10-30 ms per video second and give 29 frames where 1-fps sampling gives 72, and
RapidOCR reads all 43 manifest texts on them; a 1080p30 pan takes ~65 ms per video second,
two thirds of it decoding.

Bad input never raises: unreadable file, no video stream, corrupt packets, a demuxer that
gives up mid-file, absurd frame rates or timestamps, 4K frames. What was found before the
trouble is returned and the trouble is listed in ``stats.errors``. ``max_decoded_frames``
and ``max_wall_s`` bound the work a hostile file can cause.
"""
from __future__ import annotations

import math
import time
from collections import deque
from dataclasses import asdict, dataclass, field
from typing import Any, BinaryIO, Optional

import av
import cv2
import numpy as np

from clueextract.video.analysis import (Orientation, PhaseCorrelator, analysis_size, block_change, grey_copy,
                                         orientation, phash, sharpness, upright)

MAX_BAD_PACKETS = 200
MAX_ERRORS_LISTED = 20


@dataclass
class SelectedFrame:
    """One selected frame: upright RGB (uint8, H x W x 3) and the view it stands for."""

    time_s: float                 # presentation time, seconds from the start of the file
    start_s: float                # the stable view this frame represents: [start_s, end_s)
    end_s: float
    image: np.ndarray = field(repr=False)
    sharpness: float              # variance of the Laplacian on the analysis copy
    phash: str                    # 64-bit DCT perceptual hash, 16 hex digits
    view_index: int               # ordinal of the view among all views found
    reason: str                   # why the view started: "start", "change" or "pan"
    also_seen: list[tuple[float, float]] = field(default_factory=list)  # merged look-alike views

    @property
    def intervals(self) -> list[tuple[float, float]]:
        """Every stretch of the video this frame stands for (its view, then merged look-alikes)."""
        return [(self.start_s, self.end_s), *self.also_seen]

    def to_json(self) -> dict[str, Any]:
        """Everything but the pixels (for item info / logs)."""
        return {"time_s": self.time_s, "start_s": self.start_s, "end_s": self.end_s,
                "also_seen": [list(iv) for iv in self.also_seen], "sharpness": self.sharpness,
                "phash": self.phash, "view_index": self.view_index, "reason": self.reason,
                "size": [int(self.image.shape[1]), int(self.image.shape[0])]}


@dataclass
class SelectionStats:
    frames_decoded: int = 0
    frames_analysed: int = 0
    views_found: int = 0
    views_short: int = 0          # shorter than min_view_s (transitions), dropped
    views_duplicate: int = 0      # merged into an earlier look-alike selected view
    views_dropped_by_cap: int = 0
    frames_selected: int = 0
    capped: bool = False
    duration_s: Optional[float] = None
    fps: Optional[float] = None
    rotation: int = 0             # display rotation, counter-clockwise degrees (undone, with any mirroring)
    width: Optional[int] = None   # upright display size of the decoded frames
    height: Optional[int] = None
    codec: Optional[str] = None
    stream_index: Optional[int] = None
    bad_packets: int = 0
    time_anomalies: int = 0       # frames without pts or going back in time
    gaps: list[tuple[float, float]] = field(default_factory=list)  # stretches with frames missing
    stopped_early: Optional[str] = None
    elapsed_s: float = 0.0
    errors: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class FrameSelection:
    frames: list[SelectedFrame]
    stats: SelectionStats


# ----------------------------------------------------------------------------- selection

@dataclass
class _View:
    index: int
    start: float
    reason: str
    anchor: np.ndarray
    anchor_corr: Optional[np.ndarray] = None  # half-size windowed anchor (phase correlation)
    shift: tuple[float, float] = (0.0, 0.0)  # current frame's shift against the anchor
    speed: float = 0.0            # analysis px per analysed frame
    best_score: float = -1.0      # sharpness / (1 + speed)
    best_sharp: float = 0.0
    best_time: float = 0.0
    best_frame: Any = None        # av.VideoFrame (only this view's best is held)
    best_grey: Optional[np.ndarray] = None


@dataclass
class _Kept:
    frame: SelectedFrame
    blur: np.ndarray              # blurred analysis copy, for look-alike checks
    hash: int
    score: float                  # for the cap: view length (<= 10 s) x sqrt(quality)
    quality: float                # sharpness / (1 + speed) of the frame


class _Selector:
    def __init__(self, *, max_frames: int, max_side: int, change_threshold: float, pan_fraction: float,
                 min_view_s: float, dup_hash_bits: int, block: int, stats: SelectionStats) -> None:
        self.max_frames = max(1, int(max_frames))
        self.max_side = max_side
        self.change_threshold = change_threshold
        self.pan_fraction = pan_fraction
        self.min_view_s = min_view_s
        self.dup_hash_bits = dup_hash_bits
        self.block = block
        self.stats = stats
        self.kept: list[_Kept] = []
        self.view: Optional[_View] = None
        self.corr = PhaseCorrelator()
        self.rotation_tag = 0            # counter-clockwise degrees from the old "rotate" tag
        self.orient: Orientation = (False, False, False)
        self.sar = 1.0

    def feed(self, t: float, grey: np.ndarray, frame: av.VideoFrame) -> None:
        blur = cv2.GaussianBlur(grey.astype(np.float32), (0, 0), 1.0)
        v = self.view
        if v is None or v.anchor.shape != blur.shape:
            self._start(t, blur, "start" if v is None else "change")
        else:
            h, w = blur.shape
            if v.anchor_corr is None:
                v.anchor_corr = self.corr.prepare(v.anchor)
            dx, dy = self.corr.shift(v.anchor_corr, self.corr.prepare(blur))
            change = block_change(v.anchor, blur, (dx, dy), self.block)
            if change > self.change_threshold:
                # confirm with a full-size shift estimate before calling it a change: the
                # half-size one can be ~0.5 px off, enough to light up sharp text edges
                dx, dy = self.corr.fine_shift(v.anchor, blur)
                change = block_change(v.anchor, blur, (dx, dy), self.block)
            if change > self.change_threshold:
                self._start(t, blur, "change")
            elif max(abs(dx) / w, abs(dy) / h) > self.pan_fraction:
                self._start(t, blur, "pan")
            else:
                # steadiness: a frame taken while the camera moves is likely motion-blurred
                v.speed = math.hypot(dx - v.shift[0], dy - v.shift[1])
                v.shift = (dx, dy)
        v = self.view
        assert v is not None
        s = sharpness(grey)
        score = s / (1.0 + v.speed)
        if score > v.best_score:
            v.best_score, v.best_sharp, v.best_time, v.best_frame, v.best_grey = score, s, t, frame, grey

    def _start(self, t: float, blur: np.ndarray, reason: str) -> None:
        speed = 0.0
        if self.view is not None:
            speed = self.view.speed  # the camera keeps its pace across a pan boundary
            self._finish(t)
        self.stats.views_found += 1
        self.view = _View(self.stats.views_found - 1, t, reason, blur, speed=speed)

    def finish(self, end: float) -> None:
        if self.view is not None:
            self._finish(end, last=True)
            self.view = None

    def _finish(self, end: float, last: bool = False) -> None:
        v = self.view
        self.view = None
        if v is None or v.best_frame is None or v.best_grey is None:
            return
        only = last and not self.kept
        if end - v.start < self.min_view_s and not only:
            self.stats.views_short += 1
            return
        h = phash(v.best_grey)
        blur = cv2.GaussianBlur(v.best_grey.astype(np.float32), (0, 0), 1.0)
        score = min(end - v.start, 10.0) * math.sqrt(max(v.best_score, 0.0) + 1.0)
        for i, k in enumerate(self.kept):
            if bin(h ^ k.hash).count("1") <= self.dup_hash_bits and k.blur.shape == blur.shape:
                if self._same(k.blur, blur):
                    self.stats.views_duplicate += 1
                    if v.best_score <= 1.25 * k.quality:  # clearly better, or keep the first
                        k.frame.also_seen.append((round(v.start, 4), round(end, 4)))
                        k.score += score
                        return
                    # the look-alike is steadier/sharper: it represents both views
                    old = k.frame
                    del self.kept[i]
                    also = sorted([*old.also_seen, (old.start_s, old.end_s)])
                    score += k.score
                    break
        else:
            also = []
        try:
            image = self._full(v.best_frame)
        except Exception as exc:  # noqa: BLE001 - a frame that will not convert: lose only it
            self._error(f"frame at {v.best_time:.3f}s could not be converted: {exc}")
            return
        sel = SelectedFrame(time_s=round(v.best_time, 4), start_s=round(v.start, 4), end_s=round(end, 4),
                            image=image, sharpness=round(v.best_sharp, 2), phash=f"{h:016x}",
                            view_index=v.index, reason=v.reason, also_seen=also)
        self.kept.append(_Kept(sel, blur, h, score, v.best_score))
        self.kept.sort(key=lambda k: k.frame.time_s)
        if len(self.kept) > self.max_frames:
            self._evict()

    def _evict(self) -> None:
        """Drop the lower-scored of the two kept frames closest in time (keeps coverage even)."""
        gaps = [self.kept[i + 1].frame.time_s - self.kept[i].frame.time_s for i in range(len(self.kept) - 1)]
        i = int(np.argmin(gaps))
        drop = i if self.kept[i].score < self.kept[i + 1].score else i + 1
        del self.kept[drop]
        self.stats.views_dropped_by_cap += 1
        self.stats.capped = True

    def _same(self, a: np.ndarray, b: np.ndarray) -> bool:
        return block_change(a, b, self.corr.fine_shift(a, b), self.block) <= self.change_threshold

    def _full(self, frame: av.VideoFrame) -> np.ndarray:
        w, h = frame.width, frame.height
        dw = max(1, round(w * self.sar))
        scale = min(1.0, self.max_side / max(dw, h))
        ow, oh = max(2, round(dw * scale)), max(2, round(h * scale))
        if (ow, oh) == (w, h):
            rgb = frame.to_ndarray(format="rgb24")
        else:
            rgb = frame.to_ndarray(format="rgb24", width=ow, height=oh, interpolation="AREA")
        return upright(rgb, self.orient)

    def _error(self, msg: str) -> None:
        if len(self.stats.errors) < MAX_ERRORS_LISTED:
            self.stats.errors.append(msg)


def _frame_duration(frame: av.VideoFrame) -> Optional[float]:
    """How long this frame is shown (packet duration), when the container says and it is sane."""
    try:
        if frame.duration and frame.time_base:
            d = float(frame.duration * frame.time_base)
            return d if 0 < d <= 10.0 else None
    except (TypeError, ValueError, ZeroDivisionError, OverflowError):
        pass
    return None


def _pick_stream(container: av.container.InputContainer) -> Optional[av.video.stream.VideoStream]:
    """The main video stream: not an attached picture (cover art), default disposition first."""
    candidates = []
    for s in container.streams.video:
        disp = int(getattr(s, "disposition", 0) or 0)
        if disp & int(av.stream.Disposition.attached_pic):
            continue
        candidates.append((0 if disp & int(av.stream.Disposition.default) else 1, s.index, s))
    return min(candidates, key=lambda c: c[:2])[2] if candidates else None



@dataclass
class _Clock:
    """Presentation times made monotonic and relative to the file start; frame display length."""

    offset: float
    nominal: float
    last: Optional[float] = None
    last_dur: float = 0.0
    declared: Optional[float] = None      # the last frame's own (packet) duration, if known
    recent: deque = field(default_factory=lambda: deque(maxlen=50))  # recent frame intervals

    def stamp(self, frame: av.VideoFrame, stats: SelectionStats) -> float:
        t = frame.time
        if t is None or not math.isfinite(t):
            stats.time_anomalies += 1
            t = (self.last + self.nominal) if self.last is not None else 0.0
        else:
            t = max(0.0, t - self.offset)
            if self.last is not None and t <= self.last:
                stats.time_anomalies += int(t < self.last)
                t = self.last + 1e-4  # duplicate / backwards pts: keep order, never reuse a time
        if self.last is not None:
            gap = t - self.last
            typical = float(np.median(self.recent)) if self.recent else self.nominal
            # frames missing, not a long still: > 2 s, > 20 typical intervals, and more than the
            # previous frame's own declared duration (a VFR still frame declares its length)
            if gap > max(2.0, 20 * typical) and gap > 1.25 * (self.declared or 0.0) and len(stats.gaps) < 20:
                stats.gaps.append((round(self.last, 3), round(t, 3)))
            self.recent.append(gap)
        self.declared = _frame_duration(frame)
        self.last_dur = self.declared or (min(t - self.last, 10.0) if self.last is not None else self.nominal)
        self.last = t
        return t

    @property
    def end(self) -> float:
        return (self.last + (self.last_dur or self.nominal)) if self.last is not None else 0.0


def _probe(container: av.container.InputContainer, stream: av.video.stream.VideoStream, stats: SelectionStats,
           sel: _Selector, threads: int) -> _Clock:
    """Fill the stream facts into stats/selector and return the clock for its frames."""
    stats.stream_index = stream.index
    ctx = stream.codec_context
    stats.codec = ctx.name if ctx is not None else None
    stream.thread_type = "AUTO"
    if threads:
        stream.thread_count = threads
    rate = stream.average_rate or stream.guessed_rate or stream.base_rate
    fps = float(rate) if rate else None
    stats.fps = round(fps, 3) if fps and math.isfinite(fps) and 0 < fps < 1e6 else None
    if stream.duration and stream.time_base:
        stats.duration_s = round(float(stream.duration * stream.time_base), 3)
    elif container.duration:
        stats.duration_s = round(container.duration / 1e6, 3)
    try:  # the pre-2023 FFmpeg "rotate" tag (clockwise); newer files carry a display matrix
        sel.rotation_tag = -int(float((stream.metadata or {}).get("rotate", 0)))
    except (TypeError, ValueError, OverflowError):
        sel.rotation_tag = 0
    sar = stream.sample_aspect_ratio
    sel.sar = float(sar) if sar and 0.1 < float(sar) < 10 else 1.0
    offset = max(0.0, (container.start_time or 0) / 1e6)  # MPEG-TS starts at ~1.4 s: count from 0
    return _Clock(offset=offset, nominal=(1.0 / stats.fps) if stats.fps else 0.04)


def _decode(container: av.container.InputContainer, stream: av.video.stream.VideoStream, sel: _Selector,
            clock: _Clock, stats: SelectionStats, *, analysis_width: int, max_analysis_fps: float,
            max_decoded_frames: int, deadline: float) -> None:
    """Decode every frame, feed the analysed ones to the selector; stop at a cap. May raise."""
    min_gap = 1.0 / max_analysis_fps if max_analysis_fps > 0 else 0.0
    last_analysed: Optional[float] = None
    first = True
    for packet in container.demux(stream):
        if time.monotonic() > deadline:
            stats.stopped_early = f"time cap reached at {clock.end:.2f}s"
            return
        try:
            frames = packet.decode()
        except (av.error.FFmpegError, ValueError) as exc:
            stats.bad_packets += 1
            if stats.bad_packets == 1:
                sel._error(f"corrupt packet near {clock.end:.2f}s: {exc}")
            if stats.bad_packets > MAX_BAD_PACKETS:
                stats.stopped_early = f"more than {MAX_BAD_PACKETS} corrupt packets"
                return
            continue
        for frame in frames:
            if stats.frames_decoded >= max_decoded_frames:
                stats.stopped_early = f"decoded-frame cap {max_decoded_frames} reached at {clock.end:.2f}s"
                return
            stats.frames_decoded += 1
            t = clock.stamp(frame, stats)
            if last_analysed is not None and t - last_analysed < min_gap:
                continue
            if first:
                first = False
                sel.orient = orientation(frame, sel.rotation_tag)
                stats.rotation = int(frame.rotation) or sel.rotation_tag
                sw, sh = round(frame.width * sel.sar), frame.height
                stats.width, stats.height = (sh, sw) if sel.orient[0] else (sw, sh)
            aw, ah = analysis_size(frame.width, frame.height, sel.sar, analysis_width)
            sel.feed(t, upright(grey_copy(frame, aw, ah), sel.orient), frame)
            last_analysed = t
            stats.frames_analysed += 1


def select_frames(f: BinaryIO, *, max_frames: int = 60, analysis_width: int = 320, max_side: int = 1920,
                  change_threshold: float = 16.0, pan_fraction: float = 0.25, min_view_s: float = 0.3,
                  dup_hash_bits: int = 6, max_analysis_fps: float = 30.0, max_decoded_frames: int = 500_000,
                  max_wall_s: float = 900.0, threads: int = 0) -> FrameSelection:
    """One sharp, upright RGB frame per distinct stable view of ``f``'s main video stream.

    ``f`` is an open, seekable binary file. ``analysis_width``: long side (px) of the grey copy
    used for detection; ``max_side``: long side cap of the returned frames; ``max_frames``: cap
    on frames returned. ``max_analysis_fps``: frames closer together than this are decoded but
    not analysed (bounds the cost of 1000-fps files). ``max_decoded_frames`` / ``max_wall_s``:
    hard stop. ``threads``: decoder threads (0 = FFmpeg's choice). Never raises.
    """
    started = time.monotonic()
    stats = SelectionStats()
    sel = _Selector(max_frames=max_frames, max_side=max_side, change_threshold=change_threshold,
                    pan_fraction=pan_fraction, min_view_s=min_view_s, dup_hash_bits=dup_hash_bits,
                    block=max(8, analysis_width // 20), stats=stats)
    clock: Optional[_Clock] = None
    container = None
    try:
        f.seek(0)
        container = av.open(f, mode="r", metadata_errors="ignore")
        stream = _pick_stream(container)
        if stream is None:
            stats.errors.append("no video stream")
        else:
            clock = _probe(container, stream, stats, sel, threads)
            try:
                _decode(container, stream, sel, clock, stats, analysis_width=analysis_width,
                        max_analysis_fps=max_analysis_fps, max_decoded_frames=max_decoded_frames,
                        deadline=started + max_wall_s)
            except Exception as exc:  # noqa: BLE001 - demuxer gave up (truncated, corrupt): keep the views
                sel._error(f"decoding stopped near {clock.end:.2f}s: {type(exc).__name__}: {exc}")
            _wrap_up(sel, clock, stats)
    except Exception as exc:  # noqa: BLE001 - never raise: unreadable file, or a bug on hostile input
        what = "cannot open as video" if container is None else "frame selection failed"
        sel._error(f"{what}: {type(exc).__name__}: {exc}")
    finally:
        if container is not None:
            try:
                container.close()
            except Exception:  # noqa: BLE001
                pass
    frames_out = [k.frame for k in sel.kept]
    stats.frames_selected = len(frames_out)
    stats.elapsed_s = round(time.monotonic() - started, 3)
    return FrameSelection(frames_out, stats)


def _wrap_up(sel: _Selector, clock: _Clock, stats: SelectionStats) -> None:
    """Close the last view, settle the duration, and say what went wrong (if anything)."""
    if stats.stopped_early:
        sel._error(f"stopped early: {stats.stopped_early}")
    if stats.bad_packets > 1:
        sel._error(f"{stats.bad_packets} corrupt packets skipped in all")
    for a, b in stats.gaps[:3]:
        sel._error(f"no frames between {a:.2f}s and {b:.2f}s (corrupt or missing data?)")
    if stats.frames_decoded == 0 and not stats.errors:
        sel._error("no decodable video frames")
    if clock.last is None:
        return
    end, declared = clock.end, stats.duration_s
    if declared is None or declared <= 0 or declared > 1e7 or end > declared:
        stats.duration_s = round(end, 3)  # missing, absurd, or frames beyond the header's claim
    elif not stats.stopped_early and end < declared - max(1.0, 0.05 * declared):
        sel._error(f"video ended at {end:.2f}s of a declared {declared:.2f}s (truncated file?)")
    sel.finish(end)
