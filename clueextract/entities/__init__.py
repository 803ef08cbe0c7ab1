"""Entity clues found in text: places, brands, organisations, legal forms, address words,
postal codes and dialect markers (gazetteer, brand index and language-pack terms).

spaCy is imported by the matchers that tokenize (nlp.py, which keeps PyTorch out where it can),
not by importing this package: a scan's driver reads entities.statistical for the configuration
without paying for spaCy, and a worker imports it in the thread that builds its matchers."""
