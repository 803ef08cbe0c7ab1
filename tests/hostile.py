"""Builders for bad input, generated at test time (nothing hostile is committed)."""
from __future__ import annotations

import io
import os
import struct
import zlib
from pathlib import Path

from PIL import Image


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def bomb_png(width: int = 100_000, height: int = 100_000) -> bytes:
    """A tiny PNG whose header declares a huge image (a decompression bomb's shape)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + \
        png_chunk(b"IEND", b"")


def good_jpeg(text_color=(0, 0, 0)) -> bytes:
    img = Image.new("RGB", (64, 48), (240, 240, 240))
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=90)
    return buf.getvalue()


def build_bad_corpus(root: Path, good_image: bytes) -> dict[str, str]:
    """Create the bad inputs under root; returns {relative path: what it is}."""
    root.mkdir(parents=True, exist_ok=True)
    made: dict[str, str] = {}

    def put(name: str, data: bytes, what: str) -> Path:
        p = root / name
        p.write_bytes(data)
        made[name] = what
        return p

    png = io.BytesIO()
    Image.new("RGB", (300, 200), (10, 120, 200)).save(png, "PNG")
    put("empty.jpg", b"", "zero-byte file")
    put("truncated.jpg", good_image[: len(good_image) * 6 // 10], "truncated JPEG")
    put("truncated.png", png.getvalue()[: len(png.getvalue()) // 2], "truncated PNG")
    put("notes.jpg", b"This is a plain text file that only pretends to be a JPEG.\n" * 5, "text named .jpg")
    put("bomb.png", bomb_png(), "decompression bomb")
    put("good.jpg", good_image, "a good image beside the bad ones")
    raw_name = os.fsencode(str(root)) + b"/caf\xe9-menu.jpg"  # Latin-1 byte: not valid UTF-8
    with open(raw_name, "wb") as f:
        f.write(good_image)
    made["caf\\xe9-menu.jpg"] = "non-UTF-8 file name (good content)"
    unreadable = put("unreadable.jpg", good_image, "unreadable file")
    unreadable.chmod(0)
    (root / "loop").symlink_to(".", target_is_directory=True)
    made["loop"] = "symlink loop (folder linking to itself)"
    (root / "a.jpg").symlink_to("b.jpg")
    (root / "b.jpg").symlink_to("a.jpg")
    made["a.jpg"] = made["b.jpg"] = "symlink cycle between two names"
    return made
