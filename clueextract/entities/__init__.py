"""Entity clues found in text: places, brands, organisations, legal forms, address words,
postal codes and dialect markers (gazetteer, brand index and language-pack terms)."""
