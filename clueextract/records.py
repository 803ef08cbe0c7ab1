"""Typed records passed between pipeline stages.

One record type per concept (docs/ARCHITECTURE.md, "Where each concept lives"): a clue, a
country vote on a clue, what produced it (Source), and what processing one item produced
(ItemResult). Stages create these; only the processor assigns clue ids and only the store
persists them, through Clue.to_row / Clue.from_row (the one mapping between a clue and its
row). The published JSONL records are built from them in export/published.py.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, Optional, Protocol

from .kinds import CLUE_KINDS

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

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> CountryVote:
        return cls(d["country"], float(d["weight"]), d["reason"])


@dataclass(frozen=True)
class Source:
    """What produced a clue: pipeline stage, engine, model name and hash."""

    stage: str                      # "ocr", "text", "metadata", ...
    engine: str                     # "rapidocr 3.10.0", "phonenumbers 9.0.43", ...
    model: Optional[str] = None     # model file or data set name
    model_sha256: Optional[str] = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> Source:
        return cls(d["stage"], d["engine"], d.get("model"), d.get("model_sha256"))


def canonical_json(obj: Any) -> str:
    """The one JSON spelling of stored and hashed values: sorted keys, no spaces, UTF-8 as is."""
    return json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


class RowLike(Protocol):
    """A stored row: sqlite3.Row, or a dict with the same keys."""

    def __getitem__(self, key: str) -> Any: ...


# the clues table's columns, in order (store.MIGRATIONS[1])
CLUE_COLUMNS = ("clue_id", "item_id", "ordinal", "kind", "value", "normalized", "confidence", "language",
                "source_json", "locator_json", "countries_json", "extra_json", "derived_from")


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

    def content_key(self) -> str:
        """Canonical text of everything that makes this clue what it is (not its id): with the
        item and the clue's position, what its id is the hash of."""
        return canonical_json([self.kind, self.value, self.normalized, self.source.to_json(), self.locator,
                               self.derived_from])

    def assign_id(self, item_key: str, ordinal: int) -> str:
        if self.parent is not None:
            if self.parent.clue_id is None:
                raise ValueError("a parent clue must get its id before its children")
            self.derived_from = self.parent.clue_id
        digest = hashlib.sha256(f"{item_key}\x00{ordinal}\x00{self.content_key()}".encode()).hexdigest()
        self.clue_id = "c-" + digest[:20]
        return self.clue_id

    # -- persistence: the case store's clues table ---------------------------------------
    def to_row(self, item_id: str, ordinal: int) -> tuple[Any, ...]:
        """The clue as a row of the clues table (values in CLUE_COLUMNS order)."""
        return (self.clue_id, item_id, ordinal, self.kind, self.value, self.normalized, self.confidence,
                self.language, canonical_json(self.source.to_json()), canonical_json(self.locator),
                canonical_json([v.to_json() for v in self.countries]), canonical_json(self.extra), self.derived_from)

    @classmethod
    def from_row(cls, row: RowLike) -> Clue:
        """A stored clue back (a sqlite3.Row or a dict with CLUE_COLUMNS' keys)."""
        return cls(kind=row["kind"], value=row["value"], normalized=row["normalized"], confidence=row["confidence"],
                   source=Source.from_json(json.loads(row["source_json"])), locator=json.loads(row["locator_json"]),
                   language=row["language"],
                   countries=[CountryVote.from_json(v) for v in json.loads(row["countries_json"])],
                   extra=json.loads(row["extra_json"]) if row["extra_json"] else {}, clue_id=row["clue_id"],
                   derived_from=row["derived_from"])

    def set_aside(self, reason: str, phrase: Optional[str] = None) -> None:
        """Keep the clue but take back its votes: they move to `extra.set_aside` with the reason
        (and the phrase that caused it), which the evidence model and the summaries list as
        discounted ("twinned with", a Japanese item's kanji, a short legal form of another language)."""
        aside: dict[str, Any] = {"phrase": phrase} if phrase is not None else {}
        self.extra["set_aside"] = {**aside, "reason": reason, "votes": [v.to_json() for v in self.countries]}
        self.countries = []

    def to_json(self) -> dict[str, Any]:
        """The clue's fields as the published clue record carries them (export/published.py adds
        the record type, item id and versions)."""
        return {"clue_id": self.clue_id, "kind": self.kind, "value": self.value, "normalized": self.normalized,
                "confidence": round(self.confidence, 4), "language": self.language, "source": self.source.to_json(),
                "locator": self.locator, "countries": [v.to_json() for v in self.countries], "extra": self.extra,
                "derived_from": self.derived_from}


@dataclass
class ItemResult:
    """What processing one evidence item produced: its clues, or an error."""

    clues: list[Clue] = field(default_factory=list)
    error: Optional[str] = None
    status: str = "done"
    info: dict[str, Any] = field(default_factory=dict)  # e.g. image size, timings
