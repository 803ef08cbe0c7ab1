"""An optional statistical spaCy NER model from the local model directory.

No spaCy model is on PyPI and nothing is ever downloaded, so this is used only when a lab
puts a model folder (one `spacy.load`-able directory with meta.json) under
`<model dir>/spacy/<name>`. Its ORG entities become `organization` clues without votes of
their own (the name is evidence for the expert, not a country); GPE/LOC entities are
looked up in the gazetteer by the caller and become `place` clues when found. The model's
files are hashed (one SHA-256 over the sorted file hashes) and the hash is recorded on
every clue it produced.
"""
from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Optional

from ..hashing import file_sha256
from ..records import Clue, Source
from ..text.base import TextContext

LABELS = {"ORG": "organization", "GPE": "place", "LOC": "place"}


def tree_sha256(root: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(root.rglob("*")):
        if p.is_file():
            h.update(str(p.relative_to(root)).encode())
            h.update(bytes.fromhex(file_sha256(p)))
    return h.hexdigest()


def find_model(model_dir: Path) -> Optional[Path]:
    """The first spaCy model folder under <model dir>/spacy, or None."""
    base = Path(model_dir) / "spacy"
    if not base.is_dir():
        return None
    for p in sorted(base.iterdir()):
        if (p / "meta.json").is_file() and (p / "config.cfg").is_file():
            return p
    return None


class StatisticalNer:
    def __init__(self, path: Path):
        import spacy  # noqa: PLC0415 (spaCy ~0.5 CPU s: only with an NER model)

        self.path = Path(path)
        self.sha256 = tree_sha256(self.path)
        self.nlp = spacy.load(self.path)
        meta = self.nlp.meta
        self.source = Source("text", f"spacy {spacy.__version__}", f"{meta.get('lang')}_{meta.get('name')}-"
                             f"{meta.get('version')}", self.sha256)

    def entities(self, text: str) -> list[tuple[str, int, int, str]]:
        """(label, start_char, end_char, text) of the ORG/GPE/LOC entities."""
        doc = self.nlp(text)
        return [(e.label_, e.start_char, e.end_char, e.text) for e in doc.ents if e.label_ in LABELS]

    def organization(self, text: str, start: int, end: int, ctx: TextContext) -> Clue:
        return Clue(kind="organization", value=text[start:end], normalized=text[start:end].lower(),
                    confidence=0.5, source=self.source, locator=dict(ctx.locator),
                    extra={"span": [start, end], "label": "ORG"})
