"""Prices in OCR text ("฿120", "12,50 €", "THB 250", "1200円") -> `currency` clues.

Why it works this way:
- babel (CLDR) knows each locale's currency symbols and where each currency is legal
  tender, but has no symbol -> code lookup, and walking its ~1,000 locales takes seconds.
  scripts/build_currency_index.py does that once, ahead of time, into the versioned
  data/currency_index.json that this module loads (offline, ~ms).
- Only a symbol or ISO code ADJACENT to an amount counts. A bare "USD" or "EUR" in a word
  is not a price; codes that are also everyday words ("TOP 10", "ALL 50% OFF") count only
  after the amount. Letter symbols in spaced scripts ("kr", "Rs", "RM") must not touch
  other letters; symbols in unspaced scripts ("円", "บาท", "원") may.
- Ambiguous symbols ("$", "¥", "kr", "£") keep all their readings unless the text
  language narrows them (CLDR: ja uses "￥" for JPY, zh uses "¥" for CNY), and the vote is
  split across every territory of every remaining reading.
- Country votes: a fixed total strength split across the territories where the
  currency is legal tender (split_vote): THB -> Thailand alone (~0.6), EUR -> ~36
  territories, each thin. Withdrawn currencies (BGN, HRK) still vote, more weakly, for
  the territories that used them.
"""
from __future__ import annotations

import hashlib
import json
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any, Optional

import babel
import regex

from clueextract.countries import country_name, split_vote
from clueextract.records import Clue, CountryVote, Source
from clueextract.text.base import TextContext

CURRENT_STRENGTH = 0.6   # total vote of a currency, split across its territories
FORMER_STRENGTH = 0.3    # a withdrawn currency (old price tag) points less firmly
# Symbols that are also units of length after a number: a price only with cents ("12,50 KM" is
# Bosnian marks; "421 KM" on a Brazilian receipt's road address, a kilometre marker, is not).
UNIT_LIKE = frozenset({"KM"})
_CENTS = regex.compile(r"[.,]\d{2}$")
_LANG_ALIASES = {"tl": "fil", "iw": "he", "in": "id", "nb": "no", "ji": "yi"}

_SP = r"[ \u00a0\u202f]?"
_AMOUNT = (r"(?:\d{1,3}(?:(?:[,.'\u00a0\u202f]|[ ](?=\d{3}(?!\d)))\d{3})+(?:[.,]\d{1,2})?"
           r"|\d+(?:[.,]\d{1,2})?)(?:[.,]-{1,2})?(?!\d|%|[.,]\d)")
# Letters of scripts written without spaces between words: no boundary needed there.
_UNSPACED = regex.compile(r"[\p{Han}\p{Hiragana}\p{Katakana}\p{Hangul}\p{Thai}\p{Lao}"
                          r"\p{Khmer}\p{Myanmar}\p{Tibetan}]")


@dataclass(frozen=True)
class _Index:
    data: dict[str, Any]
    sha256: str
    spellings: tuple[str, ...]  # every symbol, alias and ISO code: the literals a price pattern holds


def _guard_needed(ch: str) -> bool:
    return unicodedata.category(ch)[0] in ("L", "M") and not _UNSPACED.match(ch)


def _compile(data: dict[str, Any]) -> Any:
    spellings = set(data["symbols"]) | set(data["aliases"])
    pre_parts, post_parts = [], []
    for sym in sorted(spellings, key=lambda s: (-len(s), s)):
        esc = regex.escape(sym)
        pre_parts.append((r"(?<![\p{L}\p{M}\p{N}])" if _guard_needed(sym[0]) else "") + esc)
        post_parts.append(esc + (r"(?![\p{L}\p{M}\p{N}])" if _guard_needed(sym[-1]) else ""))
    words = set(data["word_codes"])
    codes = sorted(data["codes"])
    pre_codes = "|".join(c for c in codes if c not in words)
    post_codes = "|".join(codes)
    pre = rf"(?:(?<![\p{{L}}\p{{N}}])(?:{pre_codes})(?![\p{{L}}])|{'|'.join(pre_parts)})"
    post = rf"(?:(?:{post_codes})(?![\p{{L}}\p{{N}}])|{'|'.join(post_parts)})"
    return regex.compile(
        rf"(?P<pre>{pre}){_SP}(?P<amt1>{_AMOUNT})(?:{_SP}(?P<post1>{post}))?"
        rf"|(?<![\d.,])(?P<amt2>{_AMOUNT}){_SP}(?P<post2>{post})",
        regex.VERSION1,
    )


@lru_cache(maxsize=1)
def _index() -> _Index:
    raw = resources.files("clueextract.data").joinpath("currency_index.json").read_bytes()
    data = json.loads(raw)
    spellings = set(data["symbols"]) | set(data["aliases"]) | set(data["codes"])
    return _Index(data=data, sha256=hashlib.sha256(raw).hexdigest(), spellings=tuple(sorted(spellings)))


@lru_cache(maxsize=1)
def _pattern() -> Any:
    """The compiled price pattern (~60 ms to compile: built on the first line that may hold a price)."""
    return _compile(_index().data)


@lru_cache(maxsize=1)
def _source() -> Source:
    return Source(stage="text", engine=f"babel {babel.__version__}",
                  model="currency_index.json", model_sha256=_index().sha256)


def _codes_for(sym: str, data: dict[str, Any]) -> tuple[str, list[str]]:
    """(index key, ISO codes) for a matched symbol or ISO code."""
    if sym in data["territories"] and sym.isupper() and sym.isascii() and len(sym) == 3:
        return sym, [sym]
    key = data["aliases"].get(sym, sym)
    return key, list(data["symbols"].get(key, []))


def _narrow_by_language(key: str, codes: list[str], language: Optional[str],
                        data: dict[str, Any]) -> tuple[list[str], bool]:
    if len(codes) < 2 or not language:
        return codes, False
    lang = regex.split(r"[-_]", language.lower())[0]
    table = data["by_language"].get(key, {})
    preferred = table.get(lang) or table.get(_LANG_ALIASES.get(lang, ""), [])
    narrowed = [c for c in codes if c in preferred]
    return (narrowed, True) if narrowed else (codes, False)


def _votes(shown: str, codes: list[str], data: dict[str, Any]) -> list[CountryVote]:
    names = data["names"]
    where: dict[str, list[str]] = {}
    former = False
    for code in codes:
        for terr in data["territories"].get(code, []):
            where.setdefault(terr, []).append(code)
    if not where:  # only withdrawn currencies: vote for where they were used
        former = True
        for code in codes:
            for terr in data["former_territories"].get(code, []):
                where.setdefault(terr, []).append(code)
    if not where:
        return []
    weight = split_vote(FORMER_STRENGTH if former else CURRENT_STRENGTH, len(where))
    also = ""
    if len(codes) > 1:
        listed = ", ".join(codes[:8]) + (f" and {len(codes) - 8} more" if len(codes) > 8 else "")
        also = f"; '{shown}' can mean {listed}"
    votes = []
    for terr in sorted(where):
        cur = " / ".join(f"{c} ({names.get(c, c)})" for c in where[terr])
        if former:
            text = f"{cur} was the currency of {country_name(terr)} (no longer legal tender)"
        elif len(where) == 1:
            text = f"{cur} is legal tender only in {country_name(terr)}"
        else:
            text = (f"{cur} is legal tender in {country_name(terr)}; the price fits {len(where)} "
                    f"territories in all, so it is only consistent with each")
        votes.append(CountryVote(terr, weight, f"price written with '{shown}': {text}{also}"))
    return votes


def find_currencies(text: str, ctx: TextContext) -> list[Clue]:
    """Every currency symbol/code written next to an amount, one clue per price."""
    if not text or not any(ch.isdigit() for ch in text):
        return []
    idx = _index()
    # Every alternative of the pattern's symbol and code groups is one of these literals, so a
    # line holding none of them holds no price: most lines, and the pattern is not compiled.
    if not any(s in text for s in idx.spellings):
        return []
    data = idx.data
    clues: list[Clue] = []
    for m in _pattern().finditer(text):
        amount = m.group("amt1") or m.group("amt2")
        written = [s for s in (m.group("pre"), m.group("post1") or m.group("post2")) if s]
        keyed = [_codes_for(s, data) for s in written]
        codes = keyed[0][1]
        if len(keyed) == 2:
            both = [c for c in codes if c in keyed[1][1]]
            codes = both or sorted(set(codes) | set(keyed[1][1]))
        if not codes:
            continue
        # The most specific written form names the clue ("$12 USD" -> USD, symbol "$").
        key = keyed[0][0]
        all_readings = sorted(codes)
        codes, by_lang = _narrow_by_language(key, sorted(codes), ctx.language, data)
        symbol = written[0]
        if symbol in UNIT_LIKE and not _CENTS.search(amount):
            continue
        is_code = all(s in data["territories"] for s in written)
        loc = dict(ctx.locator)
        loc["span"] = [m.start(), m.end()]
        extra: dict[str, Any] = {"amount": amount, "codes": codes, "symbol": symbol}
        if len(all_readings) > 1:
            extra["ambiguous"] = True
            extra["all_readings"] = all_readings
            extra["narrowed_by_language"] = by_lang
        if not any(c in data["territories"] for c in codes):
            extra["former_currency"] = True
        clues.append(Clue(
            kind="currency", value=m.group(0), normalized="|".join(codes),
            confidence=0.8 if (is_code or symbol.isascii() and symbol.isalpha()) else 0.9,
            source=_source(), locator=loc, language=ctx.language,
            countries=_votes(symbol, codes, data),
            extra=extra,
        ))
    return clues
