"""Expert review decisions: appended to the case store, never overwritten.

`add_review` is the only write path for decisions: the CLI (`clueextract review`) and the
review application (`clueextract serve`) both call it. `series_state` reads a series' decision
log into what every output shows (summaries, CSV, VICS, the review queue):

- each reviewer's latest decision on a country stands; a reviewer's new *confirm* of one
  country withdraws that reviewer's earlier confirm of another (a reviewer names one country);
- a country is *confirmed* or *excluded* when every standing decision on it says so, and
  *disputed* when reviewers disagree on it;
- a series is *disputed* when a country is, or when two countries stand confirmed (two
  reviewers who disagree); *confirmed* when exactly one country is; *excluded* when only
  exclusions stand; *pending* when nobody decided.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, Optional

from .store import CaseStore

DECISIONS = ("confirm", "exclude")
STATUSES = ("pending", "confirmed", "excluded", "disputed")
_STATE = {"confirm": "confirmed", "exclude": "excluded"}


class ReviewError(ValueError):
    """A decision that cannot be recorded (the message says why, in one line)."""


def clean_reviewer(reviewer: Optional[str]) -> str:
    """A reviewer's name as recorded: surrounding whitespace removed; empty is refused (a decision
    nobody signed is worth nothing in a case file)."""
    name = " ".join(str(reviewer or "").split())
    if not name:
        raise ReviewError("the reviewer's name may not be empty")
    return name


def add_review(store: CaseStore, series: str, country: str, decision: str, reviewer: str,
               note: Optional[str]) -> dict[str, Any]:
    """Append one decision; returns it as a `review` record. Raises ReviewError for a decision
    that is not confirm/exclude, an unknown country code or series, or an empty reviewer."""
    from .countries import is_country  # noqa: PLC0415 (+19 ms at import; export imports this module without it)

    if decision not in DECISIONS:
        raise ReviewError("decision must be confirm or exclude")
    cc = str(country or "").strip().upper()
    if len(cc) != 2 or not is_country(cc):
        raise ReviewError(f"{country!r} is not an ISO 3166-1 alpha-2 country code{did_you_mean(country)}")
    who = clean_reviewer(reviewer)
    note = (str(note).strip() or None) if note is not None else None
    if not store.has_series(series):
        known = store.series_names()
        shown = ", ".join(known[:40]) + (f" … ({len(known)} in all)" if len(known) > 40 else "")
        raise ReviewError(f"no series {series!r} in this case (known: {shown or 'none'})")
    at = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    with store.transaction():
        store.db.execute("INSERT INTO reviews (series, country, decision, reviewer, note, at) VALUES (?,?,?,?,?,?)",
                         (series, cc, decision, who, note, at))
    return {"series": series, "country": cc, "decision": decision, "reviewer": who, "note": note, "at": at}


# ISO 3166's exceptionally reserved codes people type for a country (the EU uses them)
_RESERVED = {"UK": "GB", "EL": "GR"}


def suggest_country(text: Optional[str], limit: int = 3) -> list[tuple[str, str]]:
    """(code, English name) of the countries someone probably meant by a name or alpha-3 code
    ('germany', 'DEU', 'Deutschland', 'UK'), from CLDR territory names (babel: English and a few
    major languages) and ISO 3166 (pycountry); an exact name first, else up to `limit` names that
    start with it or hold it as a word. Empty when nothing fits."""
    import pycountry  # noqa: PLC0415 (+18 ms at import; only the country search)
    from babel import Locale  # noqa: PLC0415 (+4 ms at import; only the country search)

    from .countries import country_name  # noqa: PLC0415 (+19 ms at import; export imports this module without it)

    q = " ".join(str(text or "").split()).casefold()
    if not q:
        return []
    if q.upper() in _RESERVED:
        return [(_RESERVED[q.upper()], country_name(_RESERVED[q.upper()]))]
    c = pycountry.countries.get(alpha_3=q.upper()) if len(q) == 3 else None
    if c is not None:
        return [(c.alpha_2, country_name(c.alpha_2))]
    names: dict[str, str] = {}
    for loc in ("en", "fr", "de", "es", "pt", "it", "nl", "ru", "ar", "zh", "ja", "ko", "th", "id", "tr"):
        for code, name in Locale.parse(loc).territories.items():
            if len(code) == 2 and code.isalpha() and pycountry.countries.get(alpha_2=code) is not None:
                names.setdefault(name.casefold(), code)
    for c in pycountry.countries:
        for attr in ("name", "official_name", "common_name"):
            if getattr(c, attr, None):
                names.setdefault(getattr(c, attr).casefold(), c.alpha_2)
    if q in names:
        return [(names[q], country_name(names[q]))]
    out: list[str] = []
    for n in sorted(n for n in names if n.startswith(q) or q in n.replace(",", " ").split()):
        if names[n] not in out:
            out.append(names[n])
    return [(cc, country_name(cc)) for cc in out[:limit]]


def did_you_mean(text: Optional[str]) -> str:
    """'; did you mean DE (Germany)?' or '' (for error messages)."""
    hints = suggest_country(text)
    return ("; did you mean " + " or ".join(f"{cc} ({name})" for cc, name in hints) + "?") if hints else ""


@dataclass
class CountryDecision:
    country: str
    state: str                                  # confirmed | excluded | disputed
    standing: list[dict] = field(default_factory=list)   # each reviewer's standing decision, oldest first


@dataclass
class SeriesDecision:
    status: str                                 # pending | confirmed | excluded | disputed
    countries: dict[str, CountryDecision] = field(default_factory=dict)
    log: list[dict] = field(default_factory=list)        # every decision, oldest first (append-only)

    @property
    def confirmed(self) -> list[str]:
        return sorted(cc for cc, d in self.countries.items() if d.state == "confirmed")

    @property
    def excluded(self) -> list[str]:
        return sorted(cc for cc, d in self.countries.items() if d.state == "excluded")

    @property
    def disputed(self) -> list[str]:
        return sorted(cc for cc, d in self.countries.items() if d.state == "disputed")

    def state_of(self, country: str) -> Optional[str]:
        d = self.countries.get(country)
        return d.state if d else None

    def summary(self) -> str:
        """One line for exports: 'confirmed GB (alice 2026-12-07); excluded UZ (bob 2026-12-07)'."""
        parts = []
        for cc in self.confirmed + self.excluded + self.disputed:
            d = self.countries[cc]
            who = ", ".join(f"{r['reviewer']} {_day(r['at'])}" + ("" if d.state != "disputed" else f" {r['decision']}")
                            for r in d.standing)
            parts.append(f"{d.state} {cc} ({who})")
        return "; ".join(parts)


def _day(at: Any) -> str:
    return str(at or "?")[:10]


def _get(r: Any, key: str) -> Any:
    return r[key] if isinstance(r, Mapping) or hasattr(r, "keys") else getattr(r, key)


def series_state(reviews: Iterable[Any]) -> SeriesDecision:
    """The state of one series from its decisions in the order they were recorded (store rows
    or `review` records)."""
    log = [{k: _get(r, k) for k in ("series", "country", "decision", "reviewer", "note", "at")} for r in reviews]
    standing: dict[tuple[str, str], dict] = {}
    for r in log:
        if r["decision"] == "confirm":  # a reviewer names one country: their earlier confirm of another is withdrawn
            for key in [k for k, prev in standing.items()
                        if k[0] == r["reviewer"] and k[1] != r["country"] and prev["decision"] == "confirm"]:
                del standing[key]
        standing.pop((r["reviewer"], r["country"]), None)  # re-insert: standing keeps decision order
        standing[(r["reviewer"], r["country"])] = r
    by_country: dict[str, list[dict]] = {}
    for (_, cc), r in standing.items():
        by_country.setdefault(cc, []).append(r)
    countries = {}
    for cc, rs in sorted(by_country.items()):
        kinds = {r["decision"] for r in rs}
        countries[cc] = CountryDecision(cc, _STATE[kinds.pop()] if len(kinds) == 1 else "disputed", rs)
    confirmed = [cc for cc, d in countries.items() if d.state == "confirmed"]
    if any(d.state == "disputed" for d in countries.values()) or len(confirmed) > 1:
        status = "disputed"
    elif confirmed:
        status = "confirmed"
    elif countries:
        status = "excluded"
    else:
        status = "pending"
    return SeriesDecision(status, countries, log)
