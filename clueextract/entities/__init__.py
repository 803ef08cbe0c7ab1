"""Entity clues found in text: places, brands, organisations, legal forms, address words,
postal codes and dialect markers (gazetteer, brand index and language-pack terms)."""

from . import nlp as _nlp  # noqa: E402,F401  first: spaCy is imported there, without PyTorch when it can be
