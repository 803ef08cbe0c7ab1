"""Media type from content: MPEG audio frames that filetype's MP3 matcher does not know."""
from __future__ import annotations

import random

import av
import numpy as np
import pytest

from clueextract.ingest.sniff import MPEG_FRAMES, _mpeg_frame, sniff

# MPEG 2.5, layer III, 8 kbps, 8 kHz, no CRC, no padding: a 72-byte frame (the header of the
# real Apollo 11 recording in eval/real, which filetype refused)
MPEG25 = bytes([0xFF, 0xE3, 0x18, 0xC4])


def frames(header: bytes, n: int) -> bytes:
    size = _mpeg_frame(header + bytes(4), 0)
    return b"".join(header + bytes(size - 4) for _ in range(n))


def test_untagged_mpeg25_frames_are_audio():
    assert _mpeg_frame(MPEG25, 0) == 72
    s = sniff(frames(MPEG25, 40), "radio.mp3")
    assert (s.media_type, s.mime, s.note) == ("audio", "audio/mpeg", None)


def test_one_header_alone_or_random_bytes_are_not_audio():
    rng = random.Random(7)
    assert sniff(frames(MPEG25, MPEG_FRAMES - 1) + bytes(72), "x.mp3").media_type == "other"
    for _ in range(200):  # a frame sync followed by noise: the next headers are not there
        head = MPEG25 + bytes(rng.getrandbits(8) for _ in range(4000))
        assert sniff(head, "x.bin").media_type == "other"


@pytest.mark.parametrize("rate", [8000, 22050, 44100])
def test_encoded_mp3_is_audio_whatever_its_header(tmp_path, rate):
    """A real MP3 from PyAV's encoder (libmp3lame) at MPEG-2.5, 2 and 1 sample rates."""
    path = tmp_path / "tone.mp3"
    with av.open(str(path), "w", format="mp3") as out:
        st = out.add_stream("mp3", rate=rate)
        t = np.arange(rate * 2) / rate
        frame = av.AudioFrame.from_ndarray((0.3 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)[None, :],
                                           format="fltp", layout="mono")
        frame.sample_rate = rate
        for p in st.encode(frame):
            out.mux(p)
        for p in st.encode(None):
            out.mux(p)
    data = path.read_bytes()
    start = 0
    if data[:3] == b"ID3":  # the tag's size: four 7-bit bytes after a 10-byte header
        start = 10 + sum(b << (7 * (3 - i)) for i, b in enumerate(data[6:10]))
    start = data.index(b"\xff", start)
    head = data[start:start + 8192]
    assert _mpeg_frame(head, 0) > 0
    assert sniff(head, "tone.mp3").media_type == "audio"
