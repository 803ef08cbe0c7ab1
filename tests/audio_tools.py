"""Audio builders for tests, made with PyAV at test time (no system tools needed)."""
from __future__ import annotations

import io
import struct
import wave
from fractions import Fraction
from pathlib import Path

import av
import numpy as np


def decode_pcm(path: Path, rate: int = 16000, layout: str = "mono") -> np.ndarray:
    """int16 samples (interleaved for multi-channel) of a file's first audio stream."""
    out = []
    with av.open(str(path)) as c:
        r = av.AudioResampler(format="s16", layout=layout, rate=rate)
        for frame in c.decode(audio=0):
            out += [o.to_ndarray().reshape(-1) for o in r.resample(frame)]
        out += [o.to_ndarray().reshape(-1) for o in r.resample(None)]
    return np.concatenate(out).astype(np.int16)


def wav_bytes(pcm: np.ndarray, rate: int, channels: int = 1) -> bytes:
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(pcm.astype("<i2").tobytes())
    return buf.getvalue()


def lying_wav(pcm: np.ndarray, rate: int) -> bytes:
    """A WAV whose RIFF and data chunk sizes claim about 2 GB more than the file holds."""
    data = bytearray(wav_bytes(pcm, rate))
    struct.pack_into("<I", data, 4, 0x7FFFFFF0)
    i = data.find(b"data")
    struct.pack_into("<I", data, i + 4, 0x7FFFFFD0)
    return bytes(data)


def eight_channel(pcm: np.ndarray) -> np.ndarray:
    """Speech on channel 0 of 8 (the rest silent), interleaved."""
    frames = np.zeros((len(pcm), 8), dtype=np.int16)
    frames[:, 0] = pcm
    return frames.reshape(-1)


def video_only_mp4(path: Path, seconds: int = 2) -> None:
    with av.open(str(path), "w") as c:
        s = c.add_stream("mpeg4", rate=5)
        s.width, s.height, s.pix_fmt = 64, 48, "yuv420p"
        for i in range(seconds * 5):
            img = np.full((48, 64, 3), (i * 20) % 255, dtype=np.uint8)
            for p in s.encode(av.VideoFrame.from_ndarray(img, format="rgb24")):
                c.mux(p)
        for p in s.encode():
            c.mux(p)


def flac_noise(path: Path, seconds: int, rate: int = 16000) -> None:
    """A long, quiet noise track (FLAC) for streaming tests."""
    rng = np.random.default_rng(7)
    with av.open(str(path), "w") as c:
        s = c.add_stream("flac", rate=rate, layout="mono")
        step = rate  # one second per frame
        for i in range(seconds):
            chunk = (rng.standard_normal(step) * 30).astype(np.int16).reshape(1, -1)
            frame = av.AudioFrame.from_ndarray(chunk, format="s16", layout="mono")
            frame.sample_rate = rate
            frame.pts = i * step
            frame.time_base = Fraction(1, rate)
            for p in s.encode(frame):
                c.mux(p)
        for p in s.encode():
            c.mux(p)


def corrupt_middle(data: bytes, start: float = 0.45, end: float = 0.7) -> bytes:
    """The same bytes with a stretch in the middle overwritten by garbage."""
    rng = np.random.default_rng(3)
    a, b = int(len(data) * start), int(len(data) * end)
    return data[:a] + rng.integers(0, 256, b - a, dtype=np.uint8).tobytes() + data[b:]
