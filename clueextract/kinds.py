"""The clue kinds: one table, read by everything that lists or orders kinds.

Each row says what a kind is called in the summaries, what it votes with, and where it stands
in the three orders the outputs use:

- the row order is the order of the summaries' "signals" lists (place-specific first; the text
  kinds `ocr_text` and `speech_segment` last, as the summaries quote them apart);
- `key`: the VICS export's key clues, most place-specific first (None: never a key clue);
- `span`: on equal text spans, which entity kind wins an overlap (entities/extract.py;
  None: not an entity kind).

How much a kind's votes count lives in the evidence model's data (data/evidence_model.json,
`kind_factor`, one entry per kind here); the JSON Schema's clue `kind` enum lists the same
names. tests/test_kinds.py checks both against this table, so a kind added here and not there
(or the other way round) fails a test. docs/ARCHITECTURE.md, "Add a clue kind", is the recipe.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ClueKind:
    """One clue kind.

    Attributes:
        name: the `kind` value of a clue record (never renamed within a schema major version).
        title: how the summaries name it.
        votes: what its country votes rest on, in words (empty: it never votes).
        key: rank among the VICS export's key clues (0 = most place-specific); None: not a key clue.
        span: rank on equal text spans in entity overlap resolution (0 wins); None: not an entity.
        text: a text clue that other stages read (an OCR line, a transcript segment).
    """

    name: str
    title: str
    votes: str
    key: int | None = None
    span: int | None = None
    text: bool = False


KINDS: tuple[ClueKind, ...] = (
    ClueKind("gps", "GPS position", "the country the EXIF/container coordinates fall in (reverse geocoding)", key=0),
    ClueKind("timezone", "Time-zone offset", "the countries using the recorded UTC offset at that date (tzdata)",
             key=14),
    ClueKind("device", "Camera / device", ""),
    ClueKind("spoken_language", "Spoken language", "the countries where the language is spoken (CLDR)", key=15),
    ClueKind("registration_number", "Tax / business number", "the country whose check digits it passes (stdnum)",
             key=1),
    ClueKind("licence_plate", "Licence plate", "the plate formats it matches (data/plates.json)", key=2),
    ClueKind("place", "Place name", "the gazetteer's country of the place", key=3, span=4),
    ClueKind("phone", "Phone number", "the country calling code or national plan (phonenumbers)", key=4),
    ClueKind("domain", "Web domain", "the country-code top-level domain (data/cctld.json)", key=9),
    ClueKind("email", "E-mail address", "the country-code top-level domain of its host", key=10),
    ClueKind("postal_code", "Postal code", "a postal-code format next to a place of the same country", key=5),
    ClueKind("currency", "Currency", "the countries using the currency (data/currency_index.json)", key=8),
    ClueKind("brand", "Brand", "the brand's home countries (name-suggestion-index, packs)", key=11, span=0),
    ClueKind("organization", "Organisation", "the organisation's countries (name-suggestion-index, NER)", key=12,
             span=5),
    ClueKind("legal_form", "Legal-entity suffix", "the countries of the legal form (language packs)", key=7, span=1),
    ClueKind("address_term", "Address word", "the countries of the address word (language packs)", key=6, span=2),
    ClueKind("dialect_marker", "Dialect marker", "the countries of the spelling or dialect (language packs)", key=13,
             span=3),
    ClueKind("script", "Writing system", "the countries writing the script (data/script_countries.json)", key=17),
    ClueKind("text_language", "Language of text", "the countries where the language is written (CLDR)", key=16),
    ClueKind("person", "Person", ""),
    ClueKind("ocr_text", "Text read (OCR)", "", text=True),
    ClueKind("speech_segment", "Speech", "", text=True),
)

BY_NAME: dict[str, ClueKind] = {k.name: k for k in KINDS}
CLUE_KINDS: tuple[str, ...] = tuple(k.name for k in KINDS)
TEXT_KINDS: tuple[str, ...] = tuple(k.name for k in KINDS if k.text)
# summaries: the signals of an item, in table order (text kinds are quoted apart)
SUMMARY_ORDER: tuple[str, ...] = tuple(k.name for k in KINDS if not k.text)
KIND_TITLE: dict[str, str] = {k.name: k.title for k in KINDS}
# VICS: key clues, most place-specific first
KEY_KINDS: tuple[str, ...] = tuple(k.name for k in sorted((k for k in KINDS if k.key is not None),
                                                           key=lambda k: k.key or 0))
# entities: on equal spans, the earlier kind wins (a place before an organisation: NSI lists
# operators under place names, "北海道" for Hokkaido's board of education)
SPAN_PRIORITY: tuple[str, ...] = tuple(k.name for k in sorted((k for k in KINDS if k.span is not None),
                                                               key=lambda k: k.span or 0))


def kind_title(kind: str) -> str:
    """The summaries' name for a kind; an unknown one (a newer store) is spelled out."""
    return KIND_TITLE.get(kind, kind.replace("_", " "))


def table_mismatches(kinds: tuple[ClueKind, ...], schema_kinds: list[str] | tuple[str, ...],
                     kind_factor: dict[str, object]) -> list[str]:
    """What the JSON Schema's clue `kind` enum and the evidence model's `kind_factor` get wrong
    against a kinds table, one line each (empty: they agree). tests/test_kinds.py runs it on the
    shipped files; the recipe "Add a clue kind" in docs/ARCHITECTURE.md relies on it."""
    names = [k.name for k in kinds]
    out = [f"{n}: in the kinds table, not in the JSON Schema's clue kind enum" for n in names if n not in schema_kinds]
    out += [f"{n}: in the JSON Schema's clue kind enum, not in the kinds table" for n in schema_kinds if n not in names]
    out += [f"{n}: in the kinds table, no kind_factor in the evidence model" for n in names if n not in kind_factor]
    out += [f"{n}: a kind_factor in the evidence model for a kind the table lacks" for n in kind_factor
            if n not in names]
    if len(set(names)) != len(names):
        out.append("the kinds table names a kind twice")
    for attr in ("key", "span"):
        ranks = [getattr(k, attr) for k in kinds if getattr(k, attr) is not None]
        if sorted(ranks) != list(range(len(ranks))):
            out.append(f"the `{attr}` ranks are not 0..{len(ranks) - 1} without gaps or repeats")
    return out
