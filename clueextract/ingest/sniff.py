"""Decide the media type from content (magic bytes), never from the file name."""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Optional

import filetype

# Image formats the image stage can decode (Pillow, no plugins).
DECODABLE_IMAGES = {"image/jpeg", "image/png", "image/gif", "image/webp", "image/bmp", "image/tiff",
                    "image/x-icon"}


@dataclass(frozen=True)
class Sniff:
    media_type: str       # image | video | audio | other
    mime: Optional[str]   # what the content is, e.g. image/jpeg, text/plain
    note: Optional[str] = None  # e.g. extension does not match content


def _looks_like_text(head: bytes) -> bool:
    if not head:
        return False
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as e:
        if e.start < len(head) - 4:  # a multi-byte char cut at the end of head is fine
            return False
    printable = sum(1 for b in head if b >= 32 or b in (9, 10, 13))
    return printable / len(head) > 0.95


# MPEG audio frame headers (ISO 11172-3, 13818-3 and the unofficial MPEG 2.5): filetype knows
# MP3 only by an ID3 tag or the frame starts FF F2/F3/FB, so an MPEG-2.5 8 kHz recording
# without a tag (FF E3 ..., a real public recording of eval/real) was refused as "not a media
# format". Frames are recognised by their header and confirmed by the next MPEG_FRAMES - 1
# headers at the offsets the first ones' lengths give, which random bytes do not hold.
MPEG_FRAMES = 3
_KBPS = {  # (version is 1, layer) -> bitrate index 0..14; version 2 and 2.5 share a table
    (True, 1): (0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448),
    (True, 2): (0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384),
    (True, 3): (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),
    (False, 1): (0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256),
    (False, 2): (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
    (False, 3): (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
}
_RATES = {3: (44100, 48000, 32000), 2: (22050, 24000, 16000), 0: (11025, 12000, 8000)}


def _mpeg_frame(head: bytes, at: int) -> int:
    """Length in bytes of the MPEG audio frame whose header starts at `at`, or 0 if none does."""
    if at + 4 > len(head) or head[at] != 0xFF or head[at + 1] & 0xE0 != 0xE0:
        return 0
    version, layer_bits = (head[at + 1] >> 3) & 3, (head[at + 1] >> 1) & 3
    rate_i, bitrate_i, pad = (head[at + 2] >> 2) & 3, head[at + 2] >> 4, (head[at + 2] >> 1) & 1
    if version == 1 or layer_bits == 0 or rate_i == 3 or bitrate_i in (0, 15):
        return 0
    layer = 4 - layer_bits
    kbps, rate = _KBPS[(version == 3, layer)][bitrate_i], _RATES[version][rate_i]
    if layer == 1:
        return (12 * kbps * 1000 // rate + pad) * 4
    per_frame = 72 if layer == 3 and version != 3 else 144
    return per_frame * kbps * 1000 // rate + pad


def _mpeg_audio(head: bytes) -> bool:
    at = 0
    for _ in range(MPEG_FRAMES):
        n = _mpeg_frame(head, at)
        if n == 0:
            return False
        at += n
    return True


def sniff(head: bytes, name: str) -> Sniff:
    kind = filetype.guess(head) if head else None
    if kind is None and _mpeg_audio(head):
        kind = filetype.get_type(mime="audio/mpeg")
    ext = os.path.splitext(name)[1].lower().lstrip(".")
    if kind is not None:
        mime = kind.mime
        top = mime.split("/")[0]
        media = top if top in ("image", "video", "audio") else "other"
        expected = filetype.get_type(ext=ext) if ext else None
        note = f"name ends in .{ext} but content is {mime}" if expected and expected.mime != mime else None
        return Sniff(media, mime, note)
    mime = "text/plain" if _looks_like_text(head) else "application/octet-stream"
    note = None
    guessed = filetype.get_type(ext=ext) if ext else None
    if guessed is not None:
        note = f"name ends in .{ext} but content is {'plain text' if mime == 'text/plain' else 'not a recognised media format'}"
    return Sniff("other", mime, note)
