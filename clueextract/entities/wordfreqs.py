"""Word frequencies (wordfreq) and the languages of a country's own people (CLDR), for
deciding whether a matched place or brand name is an ordinary word (precision.py).

`wordfreq` 3.1.1 ships its word lists inside the wheel and reads them from there; nothing is
ever downloaded (tests/test_entities_precision.py runs the lookups under the network audit
hook). The "small" lists (words of frequency >= 1e-6, Zipf >= 3: the range that matters here)
cost about 3-5 MB per language loaded, once per worker, on first use. Chinese, Japanese and
Korean are tokenized by wordfreq with jieba/MeCab, which are not installed: names in those
languages are looked up whole (Chinese through wordfreq's own Traditional->Simplified map,
its Chinese list being Simplified).
"""
from __future__ import annotations

import gzip
import importlib.util
import math
from functools import lru_cache
from pathlib import Path
from typing import Any, Optional

import regex

_SCRIPT_OF = (("Hang", regex.compile(r"\p{Script=Hangul}")),
              ("Jpan", regex.compile(r"[\p{Script=Hiragana}\p{Script=Katakana}]")),
              ("Hani", regex.compile(r"\p{Script=Han}")),
              ("Latn", regex.compile(r"\p{Script=Latin}")),
              ("Cyrl", regex.compile(r"\p{Script=Cyrillic}")),
              ("Grek", regex.compile(r"\p{Script=Greek}")),
              ("Arab", regex.compile(r"\p{Script=Arabic}")),
              ("Hebr", regex.compile(r"\p{Script=Hebrew}")),
              ("Deva", regex.compile(r"\p{Script=Devanagari}")),
              ("Beng", regex.compile(r"\p{Script=Bengali}")),
              ("Taml", regex.compile(r"\p{Script=Tamil}")),
              ("Thai", regex.compile(r"\p{Script=Thai}")))
_WHOLE_KEY = frozenset({"ja", "ko", "zh"})  # wordfreq tokenizes these with MeCab/jieba: look up whole keys


@lru_cache(maxsize=1)
def _wordfreq() -> Any:
    import wordfreq  # noqa: PLC0415 (wordfreq +54 ms: on first lookup)

    return wordfreq


@lru_cache(maxsize=1)
def _simplified_map() -> dict[int, str]:
    """wordfreq's own Traditional -> Simplified character map (its Chinese list is Simplified).
    Read from the data file directly: wordfreq.chinese imports jieba, which is not installed."""
    import msgpack  # noqa: PLC0415 (as above)
    from wordfreq.util import data_path  # noqa: PLC0415 (as above)

    with gzip.open(data_path("_chinese_mapping.msgpack.gz")) as f:
        return msgpack.load(f, raw=False, strict_map_key=False)


@lru_cache(maxsize=1024)
def home_languages(cc: str, min_percent: float) -> frozenset[str]:
    """Languages of a country's own people (CLDR via babel): official, or spoken by at
    least `min_percent` % of the population."""
    from babel.languages import get_territory_language_info  # noqa: PLC0415 (babel's territory table: on first use)

    out: set[str] = set()
    try:
        info = get_territory_language_info(cc)
    except Exception:  # an unknown code: no home language
        info = {}
    for lang, d in info.items():
        if d.get("official_status") in ("official", "de_facto_official") or \
                d.get("population_percent", 0) >= min_percent:
            out.add(lang.split("_")[0])
    if "zh" in out:
        out.add("yue")
    if "tl" in out or "fil" in out:
        out.update(("tl", "fil"))
    return frozenset(out)


@lru_cache(maxsize=1)
def wordfreq_languages() -> frozenset[str]:
    """The languages of wordfreq's "small" lists, read from its data folder the way
    wordfreq.available_languages("small") reads them, without importing wordfreq: the
    matchers ask this when a worker starts, and the import (langcodes with it) costs about
    0.3 s that a worker whose text holds no place or brand name never needs."""
    spec = importlib.util.find_spec("wordfreq")
    if spec is None or not spec.submodule_search_locations:
        return frozenset(_wordfreq().available_languages("small"))
    out = set()
    for path in (Path(spec.submodule_search_locations[0]) / "data").glob("*.msgpack.gz"):
        if not path.name.startswith("_"):
            name, lang = path.name.split(".")[0].split("_")
            if name == "small":
                out.add(lang)
    return frozenset(out)


@lru_cache(maxsize=65536)
def zipf(word: str, lang: str, wordlist: str = "small") -> float:
    """Zipf frequency of `word` (a normalised name) in `lang`; 0.0 when unknown."""
    if lang not in wordfreq_languages():
        return 0.0
    wf = _wordfreq()
    if lang in _WHOLE_KEY:
        key = word.translate(_simplified_map()) if lang == "zh" else word
        freq = wf.get_frequency_dict(lang, wordlist).get(key.casefold(), 0.0)
    else:
        freq = wf.word_frequency(word, lang, wordlist=wordlist)
    return round(math.log10(freq) + 9, 2) if freq > 0 else 0.0


def name_script(name: str) -> Optional[str]:
    """ISO 15924 code of the first script found in `name` (kana before Han: Japanese)."""
    for code, rx in _SCRIPT_OF:
        if rx.search(name):
            return code
    return None
