"""Typed records passed between pipeline stages.

One record type per concept (see DESIGN.md): an item (one evidence file), a clue,
a country vote on a clue, and (later) assessments and review decisions. Stages
create these; only the orchestrator assigns ids and only the store persists them.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from typing import Any, Optional

CLUE_KINDS = (
    "ocr_text", "speech_segment", "spoken_language", "text_language", "script",
    "place", "brand", "organization", "person", "phone", "domain", "email",
    "currency", "postal_code", "legal_form", "address_term", "dialect_marker",
    "registration_number", "licence_plate", "gps", "timezone", "device",
)
MEDIA_TYPES = ("image", "video", "audio", "other")
ITEM_STATUSES = ("done", "error", "skipped")


@dataclass(frozen=True)
class CountryVote:
    """One clue's vote for one country: ISO 3166-1 alpha-2, weight 0-1, why."""

    country: str
    weight: float
    reason: str

    def to_json(self) -> dict[str, Any]:
        return {"country": self.country, "weight": round(self.weight, 4), "reason": self.reason}


@dataclass(frozen=True)
class Source:
    """What produced a clue: pipeline stage, engine, model identity and hash."""

    stage: str                      # "ocr", "text", "metadata", ...
    engine: str                     # "rapidocr 3.10.0", "phonenumbers 9.0.43", ...
    model: Optional[str] = None     # model file or data set name
    model_sha256: Optional[str] = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Clue:
    kind: str
    value: str
    normalized: str
    confidence: float
    source: Source
    locator: dict[str, Any] = field(default_factory=dict)
    language: Optional[str] = None
    countries: list[CountryVote] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)  # kind-specific detail (alternatives, region, ...)
    clue_id: Optional[str] = None
    derived_from: Optional[str] = None  # clue_id of the text clue this one was read from
    parent: Optional["Clue"] = field(default=None, repr=False, compare=False)  # in-memory link, set derived_from

    def __post_init__(self) -> None:
        if self.kind not in CLUE_KINDS:
            raise ValueError(f"unknown clue kind {self.kind!r}")
        self.confidence = max(0.0, min(1.0, float(self.confidence)))

    def identity(self) -> str:
        """Canonical text of everything that makes this clue what it is (not its id)."""
        return json.dumps(
            [self.kind, self.value, self.normalized, self.source.to_json(), self.locator,
             self.derived_from],
            sort_keys=True, ensure_ascii=False, separators=(",", ":"),
        )

    def assign_id(self, item_key: str, ordinal: int) -> str:
        if self.parent is not None:
            if self.parent.clue_id is None:
                raise ValueError("a parent clue must get its id before its children")
            self.derived_from = self.parent.clue_id
        digest = hashlib.sha256(f"{item_key}\x00{ordinal}\x00{self.identity()}".encode()).hexdigest()
        self.clue_id = "c-" + digest[:20]
        return self.clue_id


@dataclass
class ItemResult:
    """What processing one evidence item produced: its clues, or an error."""

    clues: list[Clue] = field(default_factory=list)
    error: Optional[str] = None
    status: str = "done"
    info: dict[str, Any] = field(default_factory=dict)  # e.g. image size, timings
