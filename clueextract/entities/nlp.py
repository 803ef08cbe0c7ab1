"""The one spaCy pipeline every matcher shares: `spacy.blank("xx")` (multi-language
tokenizer, no model, nothing downloaded), and the test for text whose words are not
separated by spaces (Thai, Han, kana, Lao, Khmer, Myanmar), where matchers must look
for substrings because the tokenizer does not split words."""
from __future__ import annotations

from functools import lru_cache

import regex
import spacy
from spacy.language import Language

ENGINE = f"spacy {spacy.__version__}"

_UNSPACED = regex.compile(r"[\p{Script=Thai}\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}"
                          r"\p{Script=Lao}\p{Script=Khmer}\p{Script=Myanmar}]")


@lru_cache(maxsize=1)
def blank() -> Language:
    """The shared blank multi-language pipeline (tokenizer only)."""
    return spacy.blank("xx")


def is_unspaced(text: str) -> bool:
    """True when the text contains a script written without spaces between words."""
    return _UNSPACED.search(text) is not None
