"""Decoding streams audio in bounded blocks: a long file is never held whole."""
from __future__ import annotations

import tracemalloc

from clueextract.audio.decode import RATE, DecodeReport, blocks, probe

from audio_tools import flac_noise


def test_long_file_is_decoded_in_bounded_blocks(tmp_path):
    path = tmp_path / "long.flac"
    flac_noise(path, seconds=600)  # 10 minutes: 38 MB as float32 if held whole
    with open(path, "rb") as f:
        streams, fmt = probe(f)
        assert len(streams) == 1 and streams[0].sample_rate == 16000 and fmt["audio_streams"] == 1
        report = DecodeReport()
        tracemalloc.start()
        sizes = [len(b) for b in blocks(f, 0, 30.0, report)]
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    assert max(sizes) <= 30 * RATE and len(sizes) == 20
    assert abs(report.seconds - 600) < 0.1 and not report.errors
    assert peak < 12 * 2**20, f"decoding peak {peak / 2**20:.1f} MB: audio is being accumulated"
