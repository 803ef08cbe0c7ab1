"""Stream audio out of any container PyAV can open, as 16 kHz mono float32 blocks.

Blocks are yielded as they fill, so memory stays flat however long the file is.
Corrupt packets are skipped and counted; if the demuxer itself fails, what was decoded
so far is kept and the failure is reported to the caller through DecodeReport.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import BinaryIO, Iterator, Optional

import av
import numpy as np

RATE = 16_000
MAX_BAD_PACKETS = 200
# Below this no speech survives (Nyquist 500 Hz), and resampling to RATE multiplies the
# samples: a 55-byte FLAC of 65535 samples at 1 Hz asks for 1e9 samples (4 GB) in one call,
# one at 8 Hz decodes to 18 hours of audio per 13-byte frame (hostile corpus, measured).
MIN_SOURCE_RATE = 1_000


@dataclass(frozen=True)
class StreamInfo:
    index: int              # position among the container's audio streams (0-based)
    container_index: int    # index among all streams
    codec: str
    sample_rate: int
    channels: int
    duration_s: Optional[float]
    language_tag: Optional[str]  # container metadata (e.g. 'eng'), if any


@dataclass
class DecodeReport:
    samples: int = 0
    bad_packets: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def seconds(self) -> float:
        return self.samples / RATE


def probe(f: BinaryIO) -> tuple[list[StreamInfo], dict]:
    """Audio streams of a container and its format-level facts."""
    f.seek(0)
    with av.open(f, mode="r", metadata_errors="ignore") as c:
        streams = []
        for i, s in enumerate(c.streams.audio):
            ctx = s.codec_context
            dur = float(s.duration * s.time_base) if s.duration and s.time_base else None
            streams.append(StreamInfo(i, s.index, ctx.name if ctx else "?", (ctx.sample_rate if ctx else 0) or 0,
                                      (ctx.channels if ctx else 0) or 0, dur, (s.metadata or {}).get("language")))
        fmt = {"format": c.format.name, "duration_s": (c.duration / 1e6) if c.duration else None,
               "video_streams": len(c.streams.video), "audio_streams": len(c.streams.audio)}
    return streams, fmt


def blocks(f: BinaryIO, audio_index: int, block_s: float, report: DecodeReport) -> Iterator[np.ndarray]:
    """16 kHz mono float32 blocks of about block_s seconds from one audio stream."""
    f.seek(0)
    target = int(block_s * RATE)
    pending: list[np.ndarray] = []
    have = 0
    with av.open(f, mode="r", metadata_errors="ignore") as c:
        stream = c.streams.audio[audio_index]
        resampler = av.AudioResampler(format="flt", layout="mono", rate=RATE)
        packets = c.demux(stream)
        while True:
            try:
                packet = next(packets)
            except StopIteration:
                break
            except av.FFmpegError as e:  # the demuxer cannot go on: keep what we have
                report.errors.append(f"container read failed after {report.seconds:.1f} s of audio: {e}")
                break
            try:
                frames = packet.decode()
            except av.FFmpegError as e:
                report.bad_packets += 1
                if report.bad_packets >= MAX_BAD_PACKETS:
                    report.errors.append(f"gave up after {report.bad_packets} undecodable packets: {e}")
                    break
                continue
            for frame in frames:
                for out in _resample(resampler, frame, report):
                    pending.append(out)
                    have += len(out)
                    report.samples += len(out)
            while have >= target:
                buf = np.concatenate(pending)
                yield buf[:target]
                rest = buf[target:]
                pending, have = ([rest] if len(rest) else []), len(rest)
        for out in _resample(resampler, None, report):
            pending.append(out)
            report.samples += len(out)
    if pending:
        buf = np.concatenate(pending)
        if len(buf):
            yield buf
    if report.bad_packets and not report.errors:
        report.errors.append(f"{report.bad_packets} corrupt packet(s) skipped")


def _resample(resampler: av.AudioResampler, frame, report: DecodeReport) -> list[np.ndarray]:
    if frame is not None and frame.sample_rate < MIN_SOURCE_RATE:
        report.bad_packets += 1
        if len(report.errors) < 5:
            report.errors.append(f"resampling failed: a frame declares {frame.sample_rate} Hz, below "
                                 f"{MIN_SOURCE_RATE} Hz; not decoded (no speech fits, and the upsampling would explode)")
        return []
    try:
        outs = resampler.resample(frame)
    except (av.FFmpegError, ValueError) as e:
        report.bad_packets += 1
        if len(report.errors) < 5:
            report.errors.append(f"resampling failed: {e}")
        return []
    return [o.to_ndarray().reshape(-1).astype(np.float32, copy=False) for o in outs]
