"""The test for text whose words are not separated by spaces (Thai, Han, kana, Lao, Khmer,
Myanmar), where matchers must look for substrings because no tokenizer splits the words. Kept
apart from nlp.py so that modules needing only this test do not import spaCy (about 0.5 CPU s)."""
from __future__ import annotations

import regex

_UNSPACED = regex.compile(r"[\p{Script=Thai}\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}"
                          r"\p{Script=Lao}\p{Script=Khmer}\p{Script=Myanmar}]")


def is_unspaced(text: str) -> bool:
    """True when the text contains a script written without spaces between words."""
    return _UNSPACED.search(text) is not None
