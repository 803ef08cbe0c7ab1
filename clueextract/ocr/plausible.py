"""Is a recogniser's reading text, or did the model invent it? (No invented text.)

Why: a line recogniser always answers in its own script. Tesseract's Thai model read
Khmer, Tamil and Latin crops of real photos as runs of Thai letters, most of them one-letter
"words", at word confidences of 0.3-0.97; its Russian and Korean models read the same crops
as strings of digits and symbols at confidence 0. A reading is kept only when it passes every
test below, each a property that such garbage fails and real lines of the script have:

- agreement with the box's script: at least `min_letters` letters (or digits of its own: "۲۷ ۴۶۴"
  on a Persian plate) of the script the box was routed to, and at least `min_share` of the reading's letters in that script (in that script
  or Latin for a line read as mixed);
- confidence: the mean confidence of the words holding those letters, weighted by their
  letters, at least `min_confidence` (Tesseract's per-word confidence, tesserocr's iterator);
- well-formed words: combining marks (a Thai vowel sign, an Indic matra or virama, a
  Khmer coeng ...) cannot begin a word, so at most `max_orphan_marks` of the line's words in
  that script may start with one ("า ิ ุ"), no combining mark may follow itself ("પ્્") and,
  outside Latin, no letter may come three times in a row ("ศศศกรว");
- Thai and Lao spelling: a preposed vowel (เ แ โ ใ ไ, ເ ແ ໂ ໃ ໄ) is always followed by a
  consonant and no word begins with a following vowel (า ะ ำ, າ ະ ຳ); a word that breaks either
  counts as one beginning with a combining mark ("ເ້", "າເມ" and "(04แ6" on a Vietnamese exam
  paper read by the Lao and Thai models);
- Greek, Cyrillic and Armenian words are lower case, capitalised or all capitals: a capital
  after a small letter inside a word ("κπΑΜΕΟ" on a Swedish sticker wall) counts as an
  ill-formed word too;
- scripts written without spaces between words (Thai, Lao, Khmer, Myanmar) put spaces between
  phrases: in a reading of at least `short_token_min_tokens` space-separated tokens of the
  script, at most `max_short_token_share` may hold two letters or fewer ("ນມ ຄ ມາ ເ້ ມາຟ ມູ ປ").
- no runs of symbols: at most `max_symbol_share` of the reading's non-space characters are
  neither letters, marks nor digits ("0])%।", "#क्राछक").

The numbers are in PlausibilityRules (recorded in the router's identity, so in the
configuration hash); a failed test is named in the verdict, which the router keeps.
"""
from __future__ import annotations

import unicodedata
from dataclasses import asdict, dataclass
from functools import lru_cache
from typing import Iterable

import regex

from ..text.script import script_counts


@dataclass(frozen=True)
class PlausibilityRules:
    min_letters: int = 2            # letters of the box's script in the reading
    min_share: float = 0.6          # share of the reading's letters in that script (or Latin, mixed lines)
    min_confidence: float = 0.4     # mean word confidence of the script's words, weighted by letters
    max_orphan_marks: float = 0.25  # share of the script's words that begin with a combining mark
    max_symbol_share: float = 0.3   # share of non-space characters that are not letters, marks or digits
    max_short_token_share: float = 0.5  # unspaced scripts: share of tokens of <= 2 letters
    short_token_min_tokens: int = 4     # ... judged on readings of at least this many tokens

    def to_json(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Verdict:
    ok: bool
    why: str
    letters: int = 0
    share: float = 0.0
    confidence: float = 0.0


def _starts_with_mark(word: str) -> bool:
    return bool(word) and unicodedata.category(word[0]) in ("Mn", "Mc")


UNSPACED = frozenset({"Thai", "Laoo", "Khmr", "Mymr"})
_PREPOSED = "เแโใไເແໂໃໄ"
_FOLLOWING = "ะาำๅະາຳ"
_ILL_FORMED = {  # Thai and Lao: a preposed vowel before no consonant, a word opening with a following
    # vowel; Greek, Cyrillic, Armenian: a capital right after a small letter
    "Thai": regex.compile(r"^[%s]|[%s](?![\u0e01-\u0e2e])" % (_FOLLOWING[:4], _PREPOSED[:5])),
    "Laoo": regex.compile(r"^[%s]|[%s](?![\u0e81-\u0eae\u0edc-\u0edf])" % (_FOLLOWING[4:], _PREPOSED[5:])),
    **{sc: regex.compile(r"\p{Ll}\p{Lu}") for sc in ("Grek", "Cyrl", "Armn")},
}


def _ill_formed(word: str, script: str) -> bool:
    """A word no writer of the script produces: it begins with a combining mark, or breaks the
    script's rules in the module docstring (Thai and Lao vowels, case inside a Greek word)."""
    if _starts_with_mark(word):
        return True
    rx = _ILL_FORMED.get(script)
    return bool(rx and rx.search(word.strip("\"'“”‘’()[]{}.,;:!?-")))


def check(text: str, words: Iterable[tuple[str, float, str]], script: str, rules: PlausibilityRules,
          also: frozenset[str] = frozenset()) -> Verdict:
    """Whether a reading of a box routed to `script` is plausible text of that script.
    `words`: (word, confidence 0..1, model) from the recogniser; `also`: scripts whose letters
    also count towards the share (Latin in a line read as mixed)."""
    counts = script_counts(text)
    digits = native_digits(text, script)  # "۲۷ ۴۶۴" on a Persian plate is Arabic script too
    letters = sum(counts.values()) + digits
    in_script = counts.get(script, 0) + digits
    share = (in_script + sum(counts.get(s, 0) for s in also)) / letters if letters else 0.0
    weighted = total = 0
    for word, conf, _ in words:
        n = script_counts(word).get(script, 0) + native_digits(word, script)
        weighted += n * conf
        total += n
    # Tesseract's word iterator splits Thai and Lao lines into letter clusters (a tone mark alone is
    # one "word"), so well-formedness is judged on the text's own space-separated tokens.
    tokens = [t for t in text.split() if script_counts(t).get(script, 0)]
    script_words, orphans = len(tokens), sum(_ill_formed(t, script) for t in tokens)
    short = sum(script_counts(t).get(script, 0) <= 2 for t in tokens) if script in UNSPACED else 0
    conf = weighted / total if total else 0.0
    chars = [ch for ch in text if not ch.isspace()]
    symbols = sum(1 for ch in chars if unicodedata.category(ch)[0] not in "LMN")
    numbers = dict(letters=in_script, share=round(share, 4), confidence=round(conf, 4))
    if in_script < rules.min_letters:
        return Verdict(False, f"{in_script} {script} letters (needs {rules.min_letters})", **numbers)
    if share < rules.min_share:
        return Verdict(False, f"{share:.0%} of the letters in {script} (needs {rules.min_share:.0%})", **numbers)
    if conf < rules.min_confidence:
        return Verdict(False, f"{script} words at confidence {conf:.2f} (needs {rules.min_confidence})", **numbers)
    if script_words and orphans / script_words > rules.max_orphan_marks:
        return Verdict(False, f"{orphans} of {script_words} words are ill-formed "
                              "(a combining mark first, a misplaced vowel or capital)", **numbers)
    if script_words >= rules.short_token_min_tokens and short / script_words > rules.max_short_token_share:
        return Verdict(False, f"{short} of {script_words} {script} tokens hold two letters or fewer "
                              f"(a script written without spaces between words)", **numbers)
    doubled = _DOUBLED_MARK.search(text)
    if doubled:
        return Verdict(False, f"the combining mark {doubled.group(1)!r} twice in a row", **numbers)
    tripled = _TRIPLED_LETTER.search(text)
    if tripled and script != "Latn":
        return Verdict(False, f"the letter {tripled.group(1)!r} three times in a row", **numbers)
    if chars and symbols / len(chars) > rules.max_symbol_share:
        return Verdict(False, f"{symbols} of {len(chars)} characters are symbols", **numbers)
    return Verdict(True, f"{in_script} {script} letters ({share:.0%}) at confidence {conf:.2f}", **numbers)


_DOUBLED_MARK = regex.compile(r"(\p{M})\1")
_TRIPLED_LETTER = regex.compile(r"(\p{L})\1\1")


@lru_cache(maxsize=64)
def _digit_re(script: str) -> "regex.Pattern[str]":
    return regex.compile(r"\p{Script=%s}" % script)


def native_digits(text: str, script: str) -> int:
    """Digits of the script's own (Arabic-Indic, Devanagari, Bengali, Thai ...) in the text."""
    if script in ("Latn", "Zyyy"):
        return 0
    rx = _digit_re(script)
    return sum(1 for ch in text if unicodedata.category(ch) == "Nd" and rx.match(ch))
