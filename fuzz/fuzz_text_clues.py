"""Fuzz the text-clue extractors on arbitrary Unicode: script, language (lingua, for a
mixed set of candidate languages), phones, domains/e-mails, currency and the entity
matchers (pack terms, brands, places), through the same `TextClueExtractor.extract` the
scan calls for every OCR line and transcript segment.
None of them has an expected error: any exception is a bug.
"""
from __future__ import annotations

from _harness import run

LANGUAGES = ["en", "fr", "de", "es", "th", "ja", "zh", "ko", "ru", "ar", "hi", "tl"]
REGIONS = ["GB", "FR", "DE", "ES", "MX", "TH", "JP", "CN", "KR", "RU", "EG", "IN", "PH"]
SPOKEN = [None, None, "en", "fr", "ja", "th", "xx"]
_EXTRACTOR = None


def _extractor():
    global _EXTRACTOR
    if _EXTRACTOR is None:
        from clueextract.text.extract import TextClueExtractor

        _EXTRACTOR = TextClueExtractor(LANGUAGES, REGIONS)
    return _EXTRACTOR


def check(data: bytes) -> None:
    import atheris

    from clueextract.records import Clue, Source

    fdp = atheris.FuzzedDataProvider(data)
    spoken = SPOKEN[fdp.ConsumeIntInRange(0, len(SPOKEN) - 1)]
    text = fdp.ConsumeUnicodeNoSurrogates(400)
    kind = "speech_segment" if spoken else "ocr_text"
    clue = Clue(kind=kind, value=text, normalized=" ".join(text.split()).casefold(), confidence=0.9,
                source=Source("ocr", "fuzz"), locator={"bbox": [0, 0, 1, 1]})
    for c in _extractor().extract(clue, spoken_language=spoken):
        c.content_key()  # the canonical JSON every clue id is made from: must serialise


if __name__ == "__main__":
    run(check, ["clueextract.text.extract", "clueextract.text.script", "clueextract.text.language",
                "clueextract.text.phones", "clueextract.text.domains", "clueextract.text.currency",
                "clueextract.text.langcountries", "clueextract.entities.extract", "clueextract.entities.brands",
                "clueextract.entities.places"])
