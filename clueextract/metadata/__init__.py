"""Metadata stage: clues read from file metadata (EXIF today; XMP/container tags later)."""
from clueextract.metadata.exif import exif_clues

__all__ = ["exif_clues"]
