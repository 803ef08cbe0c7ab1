"""Byte-level builders of hostile media (synthetic, made at run time; nothing hostile is committed).

Why hand-built bytes: the encoders refuse to write what an attacker writes (a FLAC that
declares 1 Hz, an Opus header with 255 channels, a JPEG that claims 65500 x 65500), so these
builders write or patch the few header fields that matter and fix up the checksums (FLAC
CRC-8/CRC-16, Ogg page CRC, PNG chunk CRC) so the demuxers believe them.

Used by scripts/make_hostile_corpus.py (the corpus) and the fuzz seeds.
"""
from __future__ import annotations

import io
import struct
import sys
import zipfile
import zlib
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from hostile import png_chunk  # noqa: E402  (the test builders; reused, not copied)

# ----------------------------------------------------------------------------- images


def png_with_text(png: bytes, key: str, text: str) -> bytes:
    """The same PNG with a tEXt chunk after IHDR (changes the hash, not the pixels)."""
    ihdr_end = 8 + 8 + 13 + 4
    chunk = png_chunk(b"tEXt", key.encode("latin-1") + b"\x00" + text.encode("latin-1", "replace"))
    return png[:ihdr_end] + chunk + png[ihdr_end:]


def png_zlib_bomb(width: int, height: int) -> bytes:
    """A valid all-black RGB PNG whose IDAT inflates about 1000:1 (width*height*3 bytes decoded)."""
    row = b"\x00" * (width * 3 + 1)
    comp = zlib.compressobj(9)
    parts = [comp.compress(row) for _ in range(height)] + [comp.flush()]
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", b"".join(parts)) + \
        png_chunk(b"IEND", b"")


def png_ztxt_bomb(png: bytes, inflated: int = 64 << 20) -> bytes:
    """A good PNG carrying a zTXt chunk that inflates to `inflated` bytes of text."""
    comp = zlib.compressobj(9)
    block = b"A" * (1 << 20)
    body = b"".join(comp.compress(block) for _ in range(inflated >> 20)) + comp.flush()
    ihdr_end = 8 + 8 + 13 + 4
    return png[:ihdr_end] + png_chunk(b"zTXt", b"Comment\x00\x00" + body) + png[ihdr_end:]


def jpeg_with_size(jpeg: bytes, width: int, height: int) -> bytes:
    """The JPEG with its start-of-frame marker claiming another size (the scan data is unchanged)."""
    data = bytearray(jpeg)
    for marker in (b"\xff\xc0", b"\xff\xc2", b"\xff\xc1"):
        i = data.find(marker)
        if i > 0:
            struct.pack_into(">HH", data, i + 5, height, width)
            return bytes(data)
    raise ValueError("no SOF marker")


def jpeg_with_comment(jpeg: bytes, text: bytes) -> bytes:
    """The JPEG with a COM segment after SOI (changes the hash, not the pixels)."""
    return jpeg[:2] + b"\xff\xfe" + struct.pack(">H", len(text) + 2) + text + jpeg[2:]


def exif_loop_jpeg(jpeg: bytes) -> bytes:
    """A JPEG whose EXIF IFD0 points to itself as next IFD, Exif IFD and GPS IFD (a loop),
    with a tag whose count claims 2^31 values."""
    ifd_off = 8
    entries = [(0x010F, 2, 0x7FFFFFFF, ifd_off),   # Make: ASCII, absurd count, offset into itself
               (0x8769, 4, 1, ifd_off),            # Exif IFD -> IFD0
               (0x8825, 4, 1, ifd_off)]            # GPS IFD -> IFD0
    ifd = struct.pack("<H", len(entries)) + b"".join(struct.pack("<HHII", *e) for e in entries)
    tiff = b"II*\x00" + struct.pack("<I", ifd_off) + ifd + struct.pack("<I", ifd_off)
    app1 = b"Exif\x00\x00" + tiff
    return jpeg[:2] + b"\xff\xe1" + struct.pack(">H", len(app1) + 2) + app1 + jpeg[2:]


def jpeg_zip_polyglot(jpeg: bytes) -> bytes:
    """A valid JPEG that is also a valid ZIP (the archive is appended; offsets are absolute)."""
    buf = io.BytesIO(jpeg)
    buf.seek(0, io.SEEK_END)
    with zipfile.ZipFile(buf, "a", zipfile.ZIP_DEFLATED) as z:
        z.writestr("readme.txt", "A benign archive hidden after the image data.\n")
    return buf.getvalue()


def png_html_polyglot(png: bytes) -> bytes:
    """A valid PNG that a browser would also render as HTML (markup in a tEXt chunk and after IEND)."""
    html = "<html><body><h1>benign polyglot</h1><script>/* inert */</script></body></html>"
    return png_with_text(png, "Comment", html) + html.encode()


def webp_huge_canvas(width: int = 1 << 24, height: int = 1 << 24) -> bytes:
    """A WebP extended-format header declaring a width x height canvas (max 2^24 each)."""
    vp8x = bytes([0, 0, 0, 0]) + (width - 1).to_bytes(3, "little") + (height - 1).to_bytes(3, "little")
    body = b"WEBP" + b"VP8X" + struct.pack("<I", len(vp8x)) + vp8x
    return b"RIFF" + struct.pack("<I", len(body)) + body


def gif_huge_screen(width: int = 65535, height: int = 65535) -> bytes:
    """A GIF whose screen and only frame claim 65535 x 65535, with a few bytes of LZW data."""
    head = b"GIF89a" + struct.pack("<HHBBB", width, height, 0x80, 0, 0) + b"\x00\x00\x00\xff\xff\xff"
    frame = b"\x2c" + struct.pack("<HHHHB", 0, 0, width, height, 0) + b"\x02\x02\x44\x01\x00"
    return head + frame + b"\x3b"


def tiff_huge(width: int = 100_000, height: int = 100_000) -> bytes:
    """A little-endian TIFF whose IFD declares width x height, 8-bit grey, one tiny strip."""
    entries = [(256, 4, 1, width), (257, 4, 1, height), (258, 3, 1, 8), (259, 3, 1, 1), (262, 3, 1, 1),
               (273, 4, 1, 0), (278, 4, 1, height), (279, 4, 1, 16)]
    ifd_off = 8
    strip_off = ifd_off + 2 + 12 * len(entries) + 4
    entries[5] = (273, 4, 1, strip_off)
    ifd = struct.pack("<H", len(entries)) + b"".join(struct.pack("<HHII", *e) for e in entries) + b"\x00" * 4
    return b"II*\x00" + struct.pack("<I", ifd_off) + ifd + b"\x80" * 16


def tiff_ifd_loop() -> bytes:
    """A small valid TIFF whose first IFD names itself as the next IFD (an endless page chain)."""
    data = bytearray(tiff_huge(4, 4))
    n = struct.unpack_from("<H", data, 8)[0]
    struct.pack_into("<I", data, 8 + 2 + 12 * n, 8)
    return bytes(data)


def encode(img: Image.Image, fmt: str, **kw) -> bytes:
    buf = io.BytesIO()
    img.save(buf, fmt, **kw)
    return buf.getvalue()


# ----------------------------------------------------------------------------- FLAC


def _crc8(data: bytes) -> int:
    c = 0
    for b in data:
        c ^= b
        for _ in range(8):
            c = ((c << 1) ^ 0x07) & 0xFF if c & 0x80 else (c << 1) & 0xFF
    return c


def _crc16(data: bytes) -> int:
    c = 0
    for b in data:
        c ^= b << 8
        for _ in range(8):
            c = ((c << 1) ^ 0x8005) & 0xFFFF if c & 0x8000 else (c << 1) & 0xFFFF
    return c


def _utf8_number(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    if n < 0x800:
        return bytes([0xC0 | n >> 6, 0x80 | n & 0x3F])
    if n < 0x10000:
        return bytes([0xE0 | n >> 12, 0x80 | (n >> 6) & 0x3F, 0x80 | n & 0x3F])
    return bytes([0xF0 | n >> 18, 0x80 | (n >> 12) & 0x3F, 0x80 | (n >> 6) & 0x3F, 0x80 | n & 0x3F])


def flac_constant(rate: int, channels: int, frames: int, block: int = 65535, total: int | None = None) -> bytes:
    """A valid FLAC of `frames` silent frames of `block` samples each (CONSTANT subframes: 13 bytes
    a frame per channel, so 65535 samples cost about 13 bytes). `total` overrides the sample
    count STREAMINFO declares (up to 2^36 - 1)."""
    bps = 16
    total = frames * block if total is None else total
    info = struct.pack(">HH", block, block) + b"\x00" * 6
    info += ((rate << 44) | ((channels - 1) << 41) | ((bps - 1) << 36) | total).to_bytes(8, "big") + b"\x00" * 16
    out = [b"fLaC", bytes([0x80]), len(info).to_bytes(3, "big"), info]
    for i in range(frames):
        head = b"\xff\xf8" + bytes([0x70, (channels - 1) << 4]) + _utf8_number(i) + struct.pack(">H", block - 1)
        head += bytes([_crc8(head)])
        body = head + b"\x00\x00\x00" * channels
        out.append(body + struct.pack(">H", _crc16(body)))
    return b"".join(out)


# ----------------------------------------------------------------------------- WAV / MP3 / Ogg


def wav_header_only(channels: int, rate: int, bits: int = 16, data: bytes = b"") -> bytes:
    """A PCM WAV with any fmt fields (absurd channel counts and rates included)."""
    align = max(1, channels * bits // 8) & 0xFFFF
    fmt = struct.pack("<HHIIHH", 1, channels & 0xFFFF, rate & 0xFFFFFFFF, (rate * align) & 0xFFFFFFFF, align, bits)
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"data" + struct.pack("<I", len(data)) + data
    return b"RIFF" + struct.pack("<I", len(body)) + body


def encode_audio(codec: str, fmt: str, seconds: float, rate: int = 48000, layout: str = "mono",
                 tone_hz: float = 440.0, pcm: np.ndarray | None = None) -> bytes:
    """A short tone (or the given mono int16 `pcm`) encoded with PyAV (FFmpeg in the wheel)."""
    buf = io.BytesIO()
    with av.open(buf, "w", format=fmt) as c:
        s = c.add_stream(codec, rate=rate, layout=layout)
        n_ch = s.codec_context.channels
        step = 960 if codec in ("libopus", "opus") else 1152 if codec in ("mp3", "libmp3lame") else 1024
        if pcm is None:
            t = np.arange(int(seconds * rate)) / rate
            pcm = (np.sin(2 * np.pi * tone_hz * t) * 3000).astype(np.int16)
        total = len(pcm)
        for i in range(0, total, step):
            chunk = pcm[i:i + step]
            frame = av.AudioFrame.from_ndarray(np.tile(chunk, n_ch).reshape(1, -1), format="s16", layout=layout)
            frame.sample_rate = rate
            frame.pts = i
            frame.time_base = Fraction(1, rate)
            for p in s.encode(frame):
                c.mux(p)
        for p in s.encode():
            c.mux(p)
    return buf.getvalue()


_OGG_CRC_TABLE = []
for _i in range(256):
    _r = _i << 24
    for _ in range(8):
        _r = ((_r << 1) ^ 0x04C11DB7) & 0xFFFFFFFF if _r & 0x80000000 else (_r << 1) & 0xFFFFFFFF
    _OGG_CRC_TABLE.append(_r)


def _ogg_crc(page: bytes) -> int:
    c = 0
    for b in page:
        c = ((c << 8) & 0xFFFFFFFF) ^ _OGG_CRC_TABLE[((c >> 24) & 0xFF) ^ b]
    return c


def ogg_pages(data: bytes) -> list[bytearray]:
    pages, i = [], 0
    while i + 27 <= len(data) and data[i:i + 4] == b"OggS":
        nseg = data[i + 26]
        size = 27 + nseg + sum(data[i + 27:i + 27 + nseg])
        pages.append(bytearray(data[i:i + size]))
        i += size
    return pages


def ogg_join(pages: list[bytearray]) -> bytes:
    """Pages with their CRC recomputed (after a field was patched)."""
    out = []
    for p in pages:
        struct.pack_into("<I", p, 22, 0)
        struct.pack_into("<I", p, 22, _ogg_crc(bytes(p)))
        out.append(bytes(p))
    return b"".join(out)


def opus_patched(ogg: bytes, channels: int | None = None, last_granule: int | None = None,
                 rate: int | None = None) -> bytes:
    """An Ogg Opus file with its OpusHead channel count / input rate, or its last page's
    granule position (what the demuxer reads the duration from), rewritten."""
    pages = ogg_pages(ogg)
    head = pages[0]
    off = 27 + head[26]
    assert head[off:off + 8] == b"OpusHead"
    if channels is not None:
        head[off + 9] = channels & 0xFF
    if rate is not None:
        struct.pack_into("<I", head, off + 12, rate)
    if last_granule is not None:
        struct.pack_into("<q", pages[-1], 6, last_granule)
    return ogg_join(pages)


def mp3_xing_frames(mp3: bytes, frames: int = 0xFFFFFFFF) -> bytes:
    """The MP3 with its Xing/Info header claiming `frames` frames (a declared duration of days)."""
    data = bytearray(mp3)
    for tag in (b"Xing", b"Info"):
        i = data.find(tag)
        if i >= 0:
            flags = struct.unpack_from(">I", data, i + 4)[0]
            if flags & 1:
                struct.pack_into(">I", data, i + 8, frames)
                return bytes(data)
    raise ValueError("no Xing/Info header with a frame count")


# ----------------------------------------------------------------------------- video


def mp4_absurd_duration(mp4: bytes) -> bytes:
    """The MP4 with its movie header (mvhd) claiming 2^32 - 1 seconds (136 years)."""
    data = bytearray(mp4)
    i = data.find(b"mvhd")
    if i < 0 or data[i + 4] != 0:
        raise ValueError("no version-0 mvhd")
    struct.pack_into(">II", data, i + 4 + 4 + 8, 1, 0xFFFFFFFF)  # timescale 1, duration max
    return bytes(data)


def write_video(path: Path, codec: str, width: int, height: int, frames: int, fps: int = 5,
                jump_after: int | None = None, jump_s: float = 0.0, options: dict | None = None) -> None:
    """Flat grey frames with a small changing corner (cheap to encode at any size). With
    `jump_after`, every packet after that many is stamped `jump_s` seconds later (an absurd
    timestamp gap, hence an absurd duration, written the way a hostile muxer would)."""
    pix = "yuvj420p" if codec == "mjpeg" else "yuv420p"
    with av.open(str(path), "w") as c:
        s = c.add_stream(codec, rate=fps, options=options or {})
        s.width, s.height, s.pix_fmt = width, height, pix
        img = np.full((height, width, 3), 128, dtype=np.uint8)
        muxed = 0

        def mux(packets) -> None:
            nonlocal muxed
            for p in packets:
                if jump_after is not None and muxed >= jump_after and p.time_base:
                    shift = int(jump_s / p.time_base)
                    p.pts, p.dts = (p.pts or 0) + shift, (p.dts or 0) + shift
                c.mux(p)
                muxed += 1

        for i in range(frames):
            img[: max(1, height // 8), : max(1, width // 8)] = (i * 37) % 256
            f = av.VideoFrame.from_ndarray(img, format="rgb24")
            f.pts = i
            mux(s.encode(f))
        mux(s.encode())


def patch_all_sof(data: bytes, width: int, height: int) -> bytes:
    """Every baseline JPEG start-of-frame in `data` (e.g. MJPEG video frames) set to width x height."""
    out = bytearray(data)
    i = out.find(b"\xff\xc0\x00\x11\x08")
    while i >= 0:
        struct.pack_into(">HH", out, i + 5, height, width)
        i = out.find(b"\xff\xc0\x00\x11\x08", i + 9)
    return bytes(out)
