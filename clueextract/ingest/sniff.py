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


def sniff(head: bytes, name: str) -> Sniff:
    kind = filetype.guess(head) if head else None
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
