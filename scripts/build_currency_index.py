#!/usr/bin/env python3
"""Build clueextract/data/currency_index.json from babel's CLDR locale data.

Why: babel has no "symbol -> ISO 4217 code" lookup, and walking all ~1,000 CLDR locales
at run time costs seconds. This script does it once, ahead of time, and writes a small,
versioned, deterministic JSON file (sorted keys, no timestamps; same babel version ->
byte-identical output) that clueextract/text/currency.py loads offline.

What goes in:
- symbols: every currency symbol any CLDR locale uses (NFKC-normalised, so the
  full-width "￥" and "¥" are one key), merged with HAND_TABLE below (symbols CLDR does
  not list or lists for only one of their currencies: "円", "元", "RMB", "원", "kr", "Rs" ...),
  each mapped to the ISO codes it can mean. A symbol with one code is unique; with
  several it is ambiguous ("ambiguous" lists them). Where a symbol means both current and
  withdrawn currencies, the withdrawn ones are dropped ("historic_dropped").
- by_language: for ambiguous symbols, which codes each language uses the symbol for as
  its *own territory's* currency (ja_JP: "￥" = JPY; zh_Hans_CN: "¥" = CNY; en_AU: "$" =
  AUD), so a known text language can narrow the reading.
- territories: ISO 3166-1 territories where each currency is legal tender on AS_OF
  (babel.numbers.get_territory_currencies(..., tender=True)), with TERRITORY_CORRECTIONS
  for changes newer than babel's CLDR data.
- former_territories: for currencies no longer tender anywhere (BGN, HRK, DEM ...), the
  territories that used them, so an old price tag still points somewhere (weakly).
- codes: the ISO codes matched as text ("THB 250"); only currencies tender on AS_OF.
- names: English currency names for readable reasons.

Usage: python scripts/build_currency_index.py [--out PATH]
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import unicodedata
from collections import defaultdict
from pathlib import Path

import babel
import pycountry
from babel import Locale, localedata
from babel.core import get_cldr_version, get_global
from babel.numbers import get_currency_name, get_territory_currencies

# Legal tender is evaluated on this date. Pinned (not "today") so a rebuild is
# reproducible; move it forward when babel/CLDR is upgraded.
AS_OF = dt.date(2026, 11, 1)

DEFAULT_OUT = Path(__file__).resolve().parent.parent / "clueextract" / "data" / "currency_index.json"

# Symbols CLDR lacks, or lists for fewer currencies than they are written for on signs,
# receipts and price tags. Merged (union) with what the locale data says.
HAND_TABLE: dict[str, list[str]] = {
    "$": ["HKD", "USD"],
    "US$": ["USD"], "HK$": ["HKD"], "NT$": ["TWD"], "S$": ["SGD"], "A$": ["AUD"],
    "NZ$": ["NZD"], "RD$": ["DOP"], "MOP$": ["MOP"], "R$": ["BRL"], "Mex$": ["MXN"],
    "¥": ["CNY", "JPY"],
    "円": ["JPY"],
    "元": ["CNY", "HKD", "MOP", "TWD"],   # written after amounts in CN, TW, HK, MO
    "人民币": ["CNY"], "人民幣": ["CNY"], "RMB": ["CNY"],
    "₩": ["KPW", "KRW"], "원": ["KPW", "KRW"],  # both Koreas write won this way
    "Rp": ["IDR"], "Rp.": ["IDR"],
    "RM": ["MYR"],
    "kr": ["DKK", "ISK", "NOK", "SEK"], "kr.": ["DKK", "ISK"],
    "zł": ["PLN"],
    "₱": ["PHP"],
    "Bs": ["BOB", "VES"], "Bs.": ["BOB", "VES"], "Bs.S": ["VES"],
    "Rs": ["INR", "LKR", "MUR", "NPR", "PKR", "SCR"], "Rs.": ["INR", "LKR", "MUR", "NPR", "PKR", "SCR"],
    "₹": ["INR"],
    "฿": ["THB"], "บาท": ["THB"],
    "₫": ["VND"], "đ": ["VND"], "VNĐ": ["VND"],
    "₭": ["LAK"], "ກີບ": ["LAK"],
    "៛": ["KHR"],
    "Ks": ["MMK"],
    "₺": ["TRY"], "TL": ["TRY"],
    "₽": ["RUB"], "руб": ["BYN", "RUB"], "руб.": ["BYN", "RUB"],
    "₴": ["UAH"], "грн": ["UAH"], "грн.": ["UAH"],
    "₸": ["KZT"],
    "Ft": ["HUF"],
    "Kč": ["CZK"],
    "lei": ["MDL", "RON"],
    "₪": ["ILS"],
    "₦": ["NGN"],
    "KSh": ["KES"], "Ksh": ["KES"], "TSh": ["TZS"], "USh": ["UGX"],
    "₵": ["GHS"], "GH₵": ["GHS"],
    "S/": ["PEN"], "S/.": ["PEN"],
    "₡": ["CRC"],
    "Fr.": ["CHF"], "SFr.": ["CHF"],
    "€": ["EUR"],
    "E£": ["EGP"],
}

# Currency changes newer than babel's CLDR data: territory -> currencies tender on AS_OF.
TERRITORY_CORRECTIONS: dict[str, list[str]] = {
    "BG": ["EUR"],  # Bulgaria adopted the euro on 2026-01-01; BGN stopped being tender 2026-02-01
}


# ISO codes that are also everyday (upper-case) words or brand names on signs: "TOP 10",
# "ALL 50% OFF", "CUP 2", "AMD 5". They count only when written after an amount ("250 ALL").
WORD_CODES = ("ALL", "AMD", "ANG", "BAM", "BOB", "CAD", "CUP", "DOP", "ERN", "GEL", "MAD",
              "MOP", "NIO", "PEN", "SAR", "SOS", "TOP", "TRY")


def nfkc(s: str) -> str:
    """NFKC (full-width "￥" -> "¥") without invisible direction/zero-width marks."""
    s = unicodedata.normalize("NFKC", s)
    return "".join(ch for ch in s if unicodedata.category(ch) != "Cf").strip()


def usable_symbol(sym: str) -> bool:
    """Drop symbols that would match ordinary text: empty ones, ones with digits or
    line breaks, the generic "¤", and single letters ("R", "K", "L", "р.", "ر" ...)."""
    if not sym or any(ch.isdigit() or (ch.isspace() and ch != " ") for ch in sym):
        return False
    core = sym.rstrip(".")
    if len(core) == 1:
        # Keep true currency signs ("$", "€", "₩") and CJK unit characters ("円", "元");
        # drop lone letters of spaced scripts and the generic "¤".
        if core == "¤":
            return False
        if core.isalpha() and not unicodedata.name(core, "").startswith("CJK"):
            return False
    return True


def iso_territories() -> list[str]:
    return sorted(c.alpha_2 for c in pycountry.countries)


def build() -> dict:
    territories: dict[str, set[str]] = defaultdict(set)
    local_currency: dict[str, list[str]] = {}
    for terr in iso_territories():
        codes = TERRITORY_CORRECTIONS.get(terr) or get_territory_currencies(terr, start_date=AS_OF, tender=True)
        local_currency[terr] = list(codes)
        for code in codes:
            territories[code].add(terr)

    former: dict[str, set[str]] = defaultdict(set)
    for terr, rows in get_global("territory_currencies").items():
        if terr not in local_currency:
            continue
        for code, _start, end, tender in rows:
            if tender and code not in territories and (end is None or dt.date(*end) <= AS_OF):
                former[code].add(terr)
    for terr in TERRITORY_CORRECTIONS:
        for code in get_territory_currencies(terr, start_date=AS_OF, tender=True):
            if code not in territories:
                former[code].add(terr)

    likely = get_global("likely_subtags")
    raw_symbols: dict[str, set[str]] = defaultdict(set)
    aliases: dict[str, str] = {}
    by_language: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    excluded: set[str] = set()
    for ident in sorted(localedata.locale_identifiers()):
        loc = Locale.parse(ident)
        home: str | None = loc.territory
        if home is None:
            full = likely.get(loc.language)
            home = full.split("_")[-1] if full else None
        own = set(local_currency.get(home, ())) if home else set()
        for code, sym in sorted(loc.currency_symbols.items()):
            if not sym or sym == code:
                continue
            key = nfkc(sym)
            if not usable_symbol(key):
                excluded.add(key)
                continue
            raw_symbols[key].add(code)
            if sym != key:
                aliases[sym] = key
            if code in own:
                by_language[key][loc.language].add(code)
    for sym, hand_codes in HAND_TABLE.items():
        key = nfkc(sym)
        raw_symbols[key].update(hand_codes)
        if sym != key:
            aliases[sym] = key

    symbols: dict[str, list[str]] = {}
    historic_dropped: dict[str, list[str]] = {}
    for sym, meant in raw_symbols.items():
        current = {c for c in meant if c in territories}
        if current and current != meant:
            historic_dropped[sym] = sorted(meant - current)
            meant = current
        symbols[sym] = sorted(meant)
    ambiguous = sorted(s for s, c in symbols.items() if len(c) > 1)
    lang_table = {
        sym: {lang: sorted(set(codes) & set(symbols[sym])) for lang, codes in sorted(by_language[sym].items())
              if set(codes) & set(symbols[sym])}
        for sym in ambiguous if sym in by_language
    }
    all_codes = set(territories) | set(former) | {c for cs in symbols.values() for c in cs}
    names = {c: get_currency_name(c, locale="en") for c in sorted(all_codes)}
    return {
        "_doc": ("Currency symbol/code index for clueextract.text.currency, generated by "
                 "scripts/build_currency_index.py from babel's CLDR data plus a reviewed hand table. "
                 "Do not edit by hand: change the script and rebuild."),
        "generator": "scripts/build_currency_index.py",
        "babel_version": babel.__version__,
        "cldr_version": str(get_cldr_version()),
        "as_of": AS_OF.isoformat(),
        "symbols": symbols,
        "ambiguous": ambiguous,
        "aliases": dict(sorted(aliases.items())),
        "by_language": lang_table,
        "territories": {c: sorted(t) for c, t in sorted(territories.items())},
        "former_territories": {c: sorted(t) for c, t in sorted(former.items())},
        "codes": sorted(territories),
        "word_codes": sorted(c for c in WORD_CODES if c in territories),
        "names": names,
        "hand_table": {k: sorted(v) for k, v in sorted(HAND_TABLE.items())},
        "territory_corrections": TERRITORY_CORRECTIONS,
        "excluded_symbols": sorted(excluded),
        "historic_dropped": dict(sorted(historic_dropped.items())),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = ap.parse_args(argv)
    data = build()
    text = json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    print(f"wrote {args.out} ({len(text.encode())} bytes, {len(data['symbols'])} symbols, "
          f"{len(data['ambiguous'])} ambiguous, {len(data['codes'])} current codes)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
