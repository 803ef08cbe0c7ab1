"""Small helpers over ISO 3166 data (pycountry) used in human-readable reasons."""
from __future__ import annotations

from functools import lru_cache

import pycountry


@lru_cache(maxsize=None)
def country_name(alpha2: str) -> str:
    c = pycountry.countries.get(alpha_2=alpha2.upper())
    if c is None:
        return alpha2.upper()
    return getattr(c, "common_name", None) or c.name


def is_country(alpha2: str) -> bool:
    return pycountry.countries.get(alpha_2=alpha2.upper()) is not None


def split_vote(strength: float, n: int) -> float:
    """Weight for each of n countries that a signal is equally consistent with:
    a clue that fits many countries says little about any one of them."""
    return strength / max(1, n)
