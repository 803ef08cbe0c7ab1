"""Fuzz the EXIF reader (clueextract.metadata.exif) and the image decoder in front of it.

Input byte 0 picks the path:
- even: the rest is an EXIF block (TIFF header + IFDs) attached to an image, read by
  `exif_clues`, which must never raise (a bad field is skipped, the others still count);
- odd: the rest is a whole image file for `decode_image` (its clear error is
  ImageDecodeError), then `exif_clues` on what it decoded.
Plus the small parsers on the same bytes as text: `parse_offset`, `clean_text`.
"""
from __future__ import annotations

from _harness import run

MAX_PIXELS = 4_000_000  # per-input bound: bigger declared images are refused quickly (the guard is tested too)


def check(data: bytes) -> None:
    from PIL import Image

    from clueextract.media.image import ImageDecodeError, decode_image
    from clueextract.metadata.exif import clean_text, exif_clues, parse_offset

    if not data:
        return
    body = data[1:]
    if data[0] % 2 == 0:
        img = Image.new("RGB", (1, 1))
        img.info["exif"] = body if body.startswith(b"Exif") else b"Exif\x00\x00" + body
        exif_clues(img)
    else:
        try:
            decoded = decode_image(body, MAX_PIXELS)
        except ImageDecodeError:
            return
        exif_clues(decoded.raw)
    text = body[:64].decode("latin-1")
    parse_offset(text)
    clean_text(text)
    clean_text(body[:256])


if __name__ == "__main__":
    run(check, ["clueextract.metadata.exif", "clueextract.media.image"])
