from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional


@dataclass(frozen=True)
class TextContext:
    """Where a piece of text came from and what is already known about it.

    locator: copied onto every clue found in the text (bbox, frame time, span...).
    language: ISO 639-1/3 code of the text when known, else None.
    candidate_regions: ISO 3166-1 alpha-2 codes of the active language packs' countries;
        used where a clue is only meaningful relative to a region (local phone numbers).
    """

    locator: dict[str, Any] = field(default_factory=dict)
    language: Optional[str] = None
    candidate_regions: tuple[str, ...] = ()
