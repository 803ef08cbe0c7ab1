"""Web addresses and e-mail addresses in OCR text -> `domain` / `email` clues.

Why it works this way:
- Whether "shop.co.th" is a registrable domain (and "photo.jpg" is not) is answered by
  the Public Suffix List. tldextract bundles a snapshot of it; we construct it with
  `suffix_list_urls=()` and `cache_dir=None` so it never fetches or writes a cache
  (docs/ARCHITECTURE.md, "Measured facts"), and only ICANN suffixes count (private suffixes such as
  blogspot.com are ignored), so the registered domain is the one a registrar sold.
- Candidates come from one cheap pattern (URL with scheme, "www." host, e-mail, bare
  host); tldextract then decides. Bare hosts are the riskiest in OCR text ("today.It",
  "e.g.", "No.5", "12.50"), so they need a suffix written all lower- or all upper-case
  and a registered label of >= 2 characters. OCR spacing is tolerated only in the cheap
  spot where it is common: "www . example.de".
- The country vote comes from the suffix's last label: a ccTLD (".th", ".co.th") is
  fairly strong (~0.7: registrations under many ccTLDs need local presence, and sites
  use them to reach local customers); ccTLDs marketed as generic (".io", ".tv", ".co")
  vote weakly (~0.1); city/region TLDs (".berlin", ".tokyo") moderately (~0.5);
  generic TLDs (.com, .org, .shop ...) not at all. The hand table lives in
  data/cctld.json; ISO codes are validated with pycountry.
"""
from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from importlib import resources
from typing import Any, Optional

import pycountry
import regex
import tldextract

from clueextract.countries import country_name
from clueextract.records import Clue, CountryVote, Source
from clueextract.text.base import TextContext

CCTLD_WEIGHT = 0.7
VANITY_WEIGHT = 0.1
GEO_WEIGHT = 0.5

_LABEL = r"[\p{L}\p{N}](?:[\p{L}\p{M}\p{N}\-]{0,61}[\p{L}\p{M}\p{N}])?"
_TLD = r"(?:xn--[a-z0-9\-]{2,59}|\p{L}[\p{L}\p{M}]{1,62})"
_HOST = rf"(?:{_LABEL}\.)+{_TLD}"
_END = r"(?![\p{L}\p{M}\p{N}_\-@])"
_PATH = r"(?::\d{2,5})?(?:/[^\s<>\"'`]*)?"
_PATTERN = regex.compile(
    rf"(?P<email>(?<![\w.%+\-])[A-Za-z0-9](?:[A-Za-z0-9._%+\-]{{0,63}}[A-Za-z0-9_%+\-])?@(?P<ehost>{_HOST}){_END})"
    rf"|(?P<url>(?i:https?|ftp)://(?P<uhost>{_HOST}){_END}{_PATH})"
    rf"|(?P<www>(?<![\w.\-])(?i:www)[ ]?\.[ ]?(?P<whost>{_HOST}){_END}{_PATH})"
    rf"|(?P<bare>(?<![\w.\-@])(?P<bhost>{_HOST}){_END}(?:/[^\s<>\"'`]*)?)",
    regex.VERSION1,
)
_TRAILING = ".,;:!?)]}>'\"“”’"


@lru_cache(maxsize=1)
def _extractor() -> tldextract.TLDExtract:
    """Offline extractor: bundled PSL snapshot only, no fetch, no cache on disk."""
    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None,
                                 include_psl_private_domains=False)


@lru_cache(maxsize=1)
def _table() -> tuple[dict[str, Any], str]:
    raw = resources.files("clueextract.data").joinpath("cctld.json").read_bytes()
    return json.loads(raw), hashlib.sha256(raw).hexdigest()


@lru_cache(maxsize=1)
def _source() -> Source:
    return Source(stage="text", engine=f"tldextract {tldextract.__version__} (bundled Public Suffix List)",
                  model="cctld.json", model_sha256=_table()[1])


def suffix_votes(suffix: str) -> list[CountryVote]:
    """Country vote implied by a public suffix ("co.th", "de", "io", "ไทย", "berlin")."""
    table = _table()[0]
    last = suffix.lower().rsplit(".", 1)[-1]
    shown = f".{suffix.lower()}"
    if last in table["idn"]:
        cc = table["idn"][last]
        return [CountryVote(cc, CCTLD_WEIGHT, f"{shown} is the internationalised country-code "
                                              f"domain of {country_name(cc)}")]
    if last in table["geo"]:
        cc = table["geo"][last]
        return [CountryVote(cc, GEO_WEIGHT, f".{last} is a city/region domain operated for a place "
                                            f"in {country_name(cc)}")]
    if len(last) != 2 or not last.isascii() or not last.isalpha():
        return []  # generic TLD (.com, .org, .shop ...): no country
    if last in table["exceptions"]:
        cc = table["exceptions"][last]
        if cc is None:
            return []
    else:
        cc = last.upper()
        if pycountry.countries.get(alpha_2=cc) is None:
            return []
    if last in table["vanity"]:
        return [CountryVote(cc, VANITY_WEIGHT, f".{last} is the country-code domain of "
                                               f"{country_name(cc)}, but it is registered worldwide as a "
                                               f"generic domain ({table['vanity'][last]}), so it says little")]
    under = f" (registered under {shown})" if "." in suffix else ""
    return [CountryVote(cc, CCTLD_WEIGHT, f".{last} is the country-code domain of "
                                          f"{country_name(cc)}{under}")]


def _split(host: str) -> Optional[tldextract.tldextract.ExtractResult]:
    r = _extractor()(host)
    if not r.suffix or not r.domain or r.is_private:
        return None
    return r


def _plausible_bare(host: str, r: tldextract.tldextract.ExtractResult) -> bool:
    """Bare hosts without scheme/www/@ are where OCR'd prose looks like a domain."""
    written_suffix = host[len(host) - len(r.suffix):]
    if not (written_suffix.islower() or written_suffix.isupper() or not written_suffix.isascii()):
        return False  # "today.It", "Hello.World"
    return len(r.domain) >= 2


def find_domains_and_emails(text: str, ctx: TextContext) -> list[Clue]:
    """All e-mail addresses, URLs and bare domains in `text`, in text order."""
    if not text or "." not in text:
        return []
    clues: list[Clue] = []
    for m in _PATTERN.finditer(text):
        kind = next(name for name in ("email", "url", "www", "bare") if m.group(name) is not None)
        hgroup = {"email": "ehost", "url": "uhost", "www": "whost", "bare": "bhost"}[kind]
        host = m.group(hgroup)
        r = _split("www." + host if kind == "www" else host)
        if r is None or (kind == "bare" and not _plausible_bare(host, r)):
            continue
        start, end = m.span()
        # A path may swallow sentence punctuation ("see x.de/shop."): trim it, never the host.
        host_end = m.end(hgroup)
        while end > host_end and text[end - 1] in _TRAILING:
            end -= 1
        value = text[start:end]
        registered = f"{r.domain}.{r.suffix}".lower()
        loc = dict(ctx.locator)
        loc["span"] = [start, end]
        extra: dict[str, Any] = {"suffix": r.suffix.lower(), "subdomain": r.subdomain.lower(),
                                 "registered_domain": registered}
        if kind == "email":
            normalized = value.lower()
            conf = 0.95
        else:
            normalized = registered
            conf = 0.8 if kind == "bare" else 0.95
            extra["form"] = kind  # url | www | bare
        clues.append(Clue(kind="email" if kind == "email" else "domain", value=value,
                          normalized=normalized, confidence=conf, source=_source(),
                          locator=loc, language=ctx.language,
                          countries=suffix_votes(r.suffix), extra=extra))
    return clues
