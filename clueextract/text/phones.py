"""Phone numbers in OCR text or transcripts -> `phone` clues with country votes.

Why it works this way:
- libphonenumber (the `phonenumbers` port) carries offline numbering-plan metadata for
  every region, plus a geocoder and carrier tables, so "is this a valid number, and
  where" is answered from maintained data, not from our own patterns. Its
  `PhoneNumberMatcher` finds the candidates (it tolerates spaces, dots, dashes and
  parentheses and already refuses slash dates, time stamps and page ranges).
- A number written with its country calling code ("+63 917 555 1234", "0066 2 123 4567")
  is strong, specific evidence: it names one numbering plan. We vote ~0.9 for the
  region libphonenumber assigns to it. Shared calling codes (+1 NANP, +7 RU/KZ, +44
  GB/GG/IM/JE ...) are resolved with `region_code_for_number`, and the reason says the
  code is shared. A number that is only *possible* (right length, no known range) gets
  a lower weight and confidence. The leading international prefix `00` is rewritten to
  `+` offset-preserving ("00" -> " +"), so the reported span points into the original text.
- What is not a phone number never becomes one (issue 15: on the real tuning set 9 of 19
  phone clues were dates, amounts, IDs or fragments): a candidate inside a date or a time
  (2013-06-29, 16-08-2020, 2026-02-1515:55, 12/15/20, 19:19; the matcher's own date rules
  miss dashed and glued dates), one that touches further digits ("2204101" inside a longer
  run, "12.50" cut from "1,212.50"), an amount (1,250.00), a run with a one-digit group
  after the first ("2.3 8 3200", a table row), and any number after an identifier's label
  (MST, VAT, Invoice, No., the labels of data/registration.json; data/phone_labels.json).
- A number written without a calling code ("0917 555 1234") is valid in many numbering
  plans at once: on the real tuning set with all packs active, 2 to 17 of the 95 candidate
  regions, and the truth was never picked by validity alone (a Taiwanese 03-4815529 is valid
  in 15 regions; Bruneian, Fijian and Luxembourgish 7-digit plans take any 7-digit fragment).
  It votes only where something narrows it to at most MAX_LOCAL_REGIONS (3) regions: a label
  in a language of few countries before it ("電話" Chinese/Japanese, "ĐT" Vietnamese, "โทร"
  Thai; a generic "Tel" says it is a phone, not where), the line's language when that
  language is spoken in at most LANGUAGE_MAX_TERRITORIES countries (English, Spanish,
  French, Arabic, Russian are written in dozens, so they narrow nothing), or, once per item
  (`place_local_numbers`), the item's other clues: the number then votes for the regions
  among the item's top CONTEXT_TOP countries where it is valid. Three, because a number
  valid in one to three plausible regions still says something (0.1 each at least), while
  past that the split vote is noise. Without any of these it votes only when valid in at
  most 3 regions and written with their trunk prefix or after a phone label. Otherwise the
  clue is kept as a fact (the number, where it would be valid) with no vote: `extra.held`.
  The total strength stays LOCAL_TOTAL_STRENGTH, split over the regions left.
"""
from __future__ import annotations

import hashlib
import json
import re
from collections import defaultdict
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, Optional

import phonenumbers
import regex
from phonenumbers import Leniency, PhoneNumberMatcher, PhoneNumberType

from clueextract.countries import country_name, split_vote
from clueextract.records import Clue, CountryVote, Source
from clueextract.text.base import TextContext
from clueextract.text.langcountries import language_name, language_territories

DATA = Path(__file__).resolve().parent.parent / "data"
LABELS_FILE = DATA / "phone_labels.json"

# Regions tried for numbers written without a calling code when the caller gives no
# candidate regions (no language packs active). A spread of populous regions on every
# continent, so a local number is reported as "consistent with" something rather than
# silently dropped.
DEFAULT_LOCAL_REGIONS: tuple[str, ...] = (
    "US", "MX", "BR", "AR", "CO", "GB", "DE", "FR", "ES", "IT", "PL", "RU", "TR", "EG",
    "NG", "ZA", "KE", "IN", "PK", "BD", "CN", "JP", "KR", "VN", "TH", "PH", "ID", "MY", "AU",
)

MIN_DIGITS = 7
INTL_WEIGHT_VALID = 0.9       # "+CC" number, valid in its region
INTL_WEIGHT_POSSIBLE = 0.6    # "+CC" number of plausible length, no known number range
INTL_CONF_VALID = 0.95
INTL_CONF_POSSIBLE = 0.6
LOCAL_TOTAL_STRENGTH = 0.3    # split across the regions a local number is narrowed to
LOCAL_CONFIDENCE = 0.7
MAX_LOCAL_REGIONS = 3         # a local number votes only when narrowed to this many regions
LANGUAGE_MAX_TERRITORIES = 8  # a language narrows a local number only if spoken in this few countries
_OFFICIAL = ("official", "de_facto_official", "official_regional")
CONTEXT_TOP = 3               # item pass: the item's top countries a local number may vote for

# "00" international prefix at the start of a token, followed by a calling-code digit.
_IDD_00 = re.compile(r"(?<![\w+])00(?=[ \t.\-]?[1-9])")
# Dates and times, also glued to what follows ("2026-02-1515:55:1" on a video overlay).
_DATE_TIME = re.compile(
    r"(?<!\d)(?:(?:19|20)\d\d[-./](?:0?[1-9]|1[0-2])[-./](?:0?[1-9]|[12]\d|3[01])"
    r"|(?:0?[1-9]|[12]\d|3[01])[-./](?:0?[1-9]|1[0-2])[-./](?:19|20)\d\d"
    r"|(?:0?[1-9]|1[0-2])[-./](?:0?[1-9]|[12]\d|3[01])[-./](?:19|20)\d\d"
    r"|(?:0?[1-9]|[12]\d|3[01])[-./](?:0?[1-9]|1[0-2])[-./]\d\d(?![-./ ]?\d)"
    r"|(?:[01]?\d|2[0-3])[:h][0-5]\d(?::[0-5]\d)?(?!\d))")
_AMOUNT = re.compile(r"\d{1,3}(?:[,. \u00a0]\d{3})+[.,]\d{2}|\d+[.,]\d{1,2}")
_LETTER = regex.compile(r"\p{L}")
_UNSPACED = regex.compile(r"[\p{Han}\p{Hiragana}\p{Katakana}\p{Thai}\p{Lao}\p{Khmer}\p{Myanmar}]")
_LABEL_REACH = 40  # characters of digits and punctuation a label may stand before the number

_TYPE_NAMES = {
    PhoneNumberType.FIXED_LINE: "fixed_line",
    PhoneNumberType.MOBILE: "mobile",
    PhoneNumberType.FIXED_LINE_OR_MOBILE: "fixed_line_or_mobile",
    PhoneNumberType.TOLL_FREE: "toll_free",
    PhoneNumberType.PREMIUM_RATE: "premium_rate",
    PhoneNumberType.SHARED_COST: "shared_cost",
    PhoneNumberType.VOIP: "voip",
    PhoneNumberType.PERSONAL_NUMBER: "personal_number",
    PhoneNumberType.PAGER: "pager",
    PhoneNumberType.UAN: "uan",
    PhoneNumberType.VOICEMAIL: "voicemail",
    PhoneNumberType.UNKNOWN: "unknown",
}


@lru_cache(maxsize=1)
def _labels() -> tuple[list[tuple[str, tuple[str, ...]]], list[str], str]:
    """(phone labels with their languages, identifier labels, SHA-256 of phone_labels.json);
    labels casefolded, trailing punctuation removed, longest first."""
    raw = LABELS_FILE.read_bytes()
    data = json.loads(raw)
    phone = {}
    for group in data["phone"]:
        for lab in group["labels"]:
            phone.setdefault(_norm_label(lab), tuple(group["languages"]))
    other = set(_norm_label(x) for x in data["not_phone"])
    reg = json.loads((DATA / "registration.json").read_text(encoding="utf-8"))
    other.update(_norm_label(x) for s in reg["schemes"] for x in s.get("labels", []))
    other.discard("")
    return (sorted(phone.items(), key=lambda kv: -len(kv[0])),
            sorted((o for o in other if o not in phone), key=len, reverse=True),
            hashlib.sha256(raw).hexdigest())


def _norm_label(label: str) -> str:
    return regex.sub(r"[^\p{L}\p{M}\p{N}]+$", "", label.strip()).casefold()


@lru_cache(maxsize=1)
def _source() -> Source:
    return Source(stage="text", engine=f"phonenumbers {phonenumbers.__version__}",
                  model=f"libphonenumber metadata + {LABELS_FILE.name}", model_sha256=_labels()[2])


def _digits(s: str) -> str:
    return "".join(ch for ch in s if ch.isdigit())


def _rewrite_idd(text: str) -> tuple[str, set[int]]:
    """Replace each leading "00" prefix with " +" (same length, offsets unchanged).
    Returns the new text and the positions where a rewrite happened."""
    starts = {m.start() for m in _IDD_00.finditer(text)}
    if not starts:
        return text, starts
    chars = list(text)
    for s in starts:
        chars[s], chars[s + 1] = " ", "+"
    return "".join(chars), starts


def _locator(ctx: TextContext, start: int, end: int) -> dict[str, Any]:
    loc = dict(ctx.locator)
    loc["span"] = [start, end]
    return loc


def label_before(text: str, start: int) -> Optional[tuple[str, str, tuple[str, ...]]]:
    """The label written before position `start` ("phone" or "not_phone", the label, its
    languages), looking back over digits, other numbers and punctuation to the nearest word."""
    j = start
    while j > 0 and not _LETTER.match(text[j - 1]) and start - j < _LABEL_REACH:
        j -= 1
    if j == 0 or not _LETTER.match(text[j - 1]):
        return None
    head = text[:j].casefold()
    phone, other, _ = _labels()
    for lab, langs in phone:
        if _ends_with_word(head, lab):
            return "phone", lab, langs
    for lab in other:
        if _ends_with_word(head, lab):
            return "not_phone", lab, ()
    return None


def _ends_with_word(head: str, label: str) -> bool:
    if not head.endswith(label):
        return False
    i = len(head) - len(label)
    if i == 0 or _UNSPACED.match(label[0]):
        return True
    return not _LETTER.match(head[i - 1])


def not_a_phone(text: str, start: int, end: int, local: bool,
                dates: Iterable[tuple[int, int]] = ()) -> Optional[str]:
    """Why the digits at text[start:end] are not a telephone number, or None."""
    raw = text[start:end]
    if any(start < e and s < end for s, e in dates):
        return "part of a date or time"
    before, after = text[max(0, start - 2):start], text[end:end + 2]
    if before[-1:].isdigit() or (len(before) == 2 and before[1] in ".,-/" and before[0].isdigit()):
        return "continues a longer number"
    if after[:1].isdigit() or (len(after) == 2 and after[0] in ".,-/:" and after[1].isdigit()):
        return "continues into a longer number"
    if _AMOUNT.fullmatch(raw.strip("() ")):
        return "an amount"
    groups = re.findall(r"\d+", raw)
    if local and any(len(g) == 1 for g in groups[1:]):
        return "a one-digit group: a table row or a list of numbers"
    label = label_before(text, start)
    if label is not None and label[0] == "not_phone":
        return f"after the identifier label '{label[1]}'"
    return None


def _international_clue(text: str, start: int, end: int, num: phonenumbers.PhoneNumber,
                        ctx: TextContext) -> Optional[Clue]:
    if len(str(num.national_number)) < MIN_DIGITS - 1 or len(_digits(text[start:end])) < MIN_DIGITS:
        return None
    valid = phonenumbers.is_valid_number(num)
    if not valid and not phonenumbers.is_possible_number(num):
        return None
    cc = int(num.country_code or 0)
    sharing = [r for r in phonenumbers.region_codes_for_country_code(cc) if r != "001"]
    region = phonenumbers.region_code_for_number(num) if valid else None
    if region is None and len(sharing) == 1:
        region = sharing[0]
    votes: list[CountryVote] = []
    from phonenumbers import carrier, geocoder  # noqa: PLC0415 (heavy: their tables, 0.2 to 0.4 s at import; only for a valid number)

    place = geocoder.description_for_number(num, "en") if valid else ""
    if region and region != "001":
        weight = INTL_WEIGHT_VALID if valid else INTL_WEIGHT_POSSIBLE
        validity = "a valid" if valid else "a possible (not known-valid)"
        where = f" ({place})" if place and place != country_name(region) else ""
        if len(sharing) > 1:
            listed = ", ".join(sharing[:8]) + ("…" if len(sharing) > 8 else "")
            reason = (f"+{cc} is a calling code shared by {len(sharing)} regions ({listed}); "
                      f"libphonenumber's number ranges place this {validity[2:]} number in "
                      f"{country_name(region)}{where}")
        else:
            reason = (f"+{cc} is the country calling code of {country_name(region)}; "
                      f"{validity} number there{where}")
        votes.append(CountryVote(region, weight, reason))
    elif sharing:
        # Possible-only number under a shared code: consistent with each sharing region.
        w = split_vote(INTL_WEIGHT_POSSIBLE, len(sharing))
        for r in sharing:
            votes.append(CountryVote(r, w, f"+{cc} is a calling code shared by {len(sharing)} "
                                           f"regions; the number is not in a known range of any one"))
    ntype = _TYPE_NAMES.get(phonenumbers.number_type(num), "unknown") if valid else "unknown"
    extra: dict[str, Any] = {
        "region": region,
        "type": ntype,
        "geocoder": place or None,
        "international": True,
        "valid": valid,
        "calling_code": cc,
    }
    carrier_name = carrier.name_for_number(num, "en") if valid else ""
    if carrier_name:
        extra["carrier"] = carrier_name  # original carrier of the range; numbers get ported
    return Clue(
        kind="phone", value=text[start:end],
        normalized=phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.E164),
        confidence=INTL_CONF_VALID if valid else INTL_CONF_POSSIBLE,
        source=_source(), locator=_locator(ctx, start, end), language=ctx.language,
        countries=votes, extra=extra,
    )


def _language_regions(codes: Iterable[str]) -> Optional[set[str]]:
    """Countries where these languages have an official status, nationally or regionally
    (CLDR; signs and labels are written there: Chinese in CN/TW/HK/MO/SG, not in Brunei where
    11 % speak it), or None when that is too many to narrow anything (LANGUAGE_MAX_TERRITORIES)."""
    out: set[str] = set()
    for code in codes:
        out.update(r[0] for r in language_territories(code) if r[2] in _OFFICIAL)
    return out if out and len(out) <= LANGUAGE_MAX_TERRITORIES else None


def _trunk_written(raw: str, num: phonenumbers.PhoneNumber, region: str) -> bool:
    """The number is written with the region's national (trunk) prefix, as dialled inside it."""
    meta = phonenumbers.PhoneMetadata.metadata_for_region(region)
    prefix = meta.national_prefix if meta is not None else None
    nsn = phonenumbers.national_significant_number(num)
    return bool(prefix) and _digits(raw) == prefix + nsn


def _local_votes(regions: list[str], why: str) -> list[CountryVote]:
    w = split_vote(LOCAL_TOTAL_STRENGTH, len(regions))
    also = f" (of the regions tried, only {', '.join(regions)})" if len(regions) > 1 else ""
    return [CountryVote(r, w, f"written without a country code; a valid national number in "
                              f"{country_name(r)}{also}, {why}") for r in regions]


def _local_clue(text: str, start: int, end: int, valid_in: dict[str, phonenumbers.PhoneNumber],
                ctx: TextContext) -> Clue:
    raw = text[start:end]
    regions = sorted(valid_in)
    label = label_before(text, start)
    phone_label = label if label is not None and label[0] == "phone" else None
    narrowed, why = regions, []
    if phone_label and phone_label[2]:
        lab_regions = _language_regions(phone_label[2])
        if lab_regions is not None:
            narrowed = [r for r in narrowed if r in lab_regions]
            why.append(f"after the label '{phone_label[1]}' ({'/'.join(map(language_name, phone_label[2]))})")
    base = narrowed  # what the item pass narrows further (the line's language may be a foreign one)
    if ctx.language and narrowed:
        lang_regions = _language_regions([ctx.language])
        if lang_regions is not None and any(r in lang_regions for r in narrowed):
            narrowed = [r for r in narrowed if r in lang_regions]
            why.append(f"on a line in {language_name(ctx.language)}")
    shaped = phone_label is not None or all(_trunk_written(raw, valid_in[r], r) for r in narrowed)
    extra: dict[str, Any] = {
        "valid_in": regions,
        "international": False,
        "e164_by_region": {r: phonenumbers.format_number(n, phonenumbers.PhoneNumberFormat.E164)
                           for r, n in sorted(valid_in.items())},
        "type_by_region": {r: _TYPE_NAMES.get(phonenumbers.number_type(n), "unknown")
                           for r, n in sorted(valid_in.items())},
        "narrow_base": base,
    }
    if phone_label:
        extra["label"] = phone_label[1]
    votes: list[CountryVote] = []
    if narrowed and len(narrowed) <= MAX_LOCAL_REGIONS and (why or shaped):
        votes = _local_votes(narrowed, " and ".join(why) if why else
                             "written as dialled there" if phone_label is None else
                             f"after the label '{phone_label[1]}'")
    else:
        extra["held"] = (f"valid in {len(regions)} of the regions tried ({', '.join(regions[:10])}"
                         f"{'…' if len(regions) > 10 else ''}); nothing narrows it to "
                         f"{MAX_LOCAL_REGIONS} or fewer" if narrowed else
                         f"not valid where '{phone_label[1] if phone_label else ''}' is written")
    return Clue(
        kind="phone", value=raw, normalized=_digits(raw),
        confidence=LOCAL_CONFIDENCE, source=_source(), locator=_locator(ctx, start, end),
        language=ctx.language, countries=votes, extra=extra,
    )


def _overlaps(span: tuple[int, int], taken: list[tuple[int, int]]) -> bool:
    return any(span[0] < e and s < span[1] for s, e in taken)


def find_phones(text: str, ctx: TextContext) -> list[Clue]:
    """All phone numbers in `text`, one clue per span, in text order."""
    if not text or sum(ch.isdigit() for ch in text) < MIN_DIGITS:
        return []
    work, rewritten = _rewrite_idd(text)
    dates = [(m.start(), m.end()) for m in _DATE_TIME.finditer(text)]
    clues: list[tuple[int, Clue]] = []
    taken: list[tuple[int, int]] = []

    # 1) International numbers ("+CC ..." and rewritten "00CC ..."): region-independent.
    for m in PhoneNumberMatcher(work, "ZZ", leniency=Leniency.POSSIBLE):
        start = m.start - 1 if (m.start - 1) in rewritten else m.start
        if not_a_phone(text, start, m.end, local=False, dates=dates):
            continue
        clue = _international_clue(text, start, m.end, m.number, ctx)
        if clue is not None:
            clues.append((start, clue))
            taken.append((start, m.end))

    # 2) Numbers without a calling code: try each candidate region, keep valid ones.
    regions = [r for r in (ctx.candidate_regions or DEFAULT_LOCAL_REGIONS)
               if r in phonenumbers.SUPPORTED_REGIONS]
    by_span: dict[tuple[int, int], dict[str, phonenumbers.PhoneNumber]] = {}
    for region in dict.fromkeys(regions):
        cc = phonenumbers.country_code_for_region(region)
        for m in PhoneNumberMatcher(work, region, leniency=Leniency.VALID):
            span = (m.start, m.end)
            if "+" in m.raw_string or _overlaps(span, taken) or m.number.country_code != cc:
                continue  # international (handled above) or dialled via another IDD
            if len(_digits(m.raw_string)) < MIN_DIGITS:
                continue
            if phonenumbers.is_valid_number_for_region(m.number, region):
                by_span.setdefault(span, {})[region] = m.number
    # Different regions may cut different spans from the same digits: longest wins.
    for span in sorted(by_span, key=lambda s: (-(s[1] - s[0]), s[0])):
        if _overlaps(span, taken):
            continue
        taken.append(span)  # a refused span also hides the shorter cuts of the same digits
        if not_a_phone(text, span[0], span[1], local=True, dates=dates):
            continue
        clues.append((span[0], _local_clue(text, span[0], span[1], by_span[span], ctx)))
    return [c for _, c in sorted(clues, key=lambda x: x[0])]


def place_local_numbers(clues: list[Clue]) -> int:
    """Item pass: a local number that is held, or split over several regions, votes for the
    regions among the item's CONTEXT_TOP leading countries (by its other clues' votes, the
    best vote of each kind per country summed) where it is valid. Changes the clues in place;
    returns how many it placed."""
    local = [c for c in clues if c.kind == "phone" and c.extra.get("international") is False
             and (c.extra.get("held") or len(c.countries) > 1)]
    if not local:
        return 0
    best: dict[tuple[str, str], float] = defaultdict(float)
    for c in clues:
        if c.kind == "phone" and c.extra.get("international") is False:
            continue  # local numbers do not vouch for each other
        for v in c.countries:
            best[(c.kind, v.country)] = max(best[(c.kind, v.country)], v.weight)
    score: dict[str, float] = defaultdict(float)
    for (_, cc), w in best.items():
        score[cc] += w
    top = [cc for cc in sorted(score, key=lambda k: (-score[k], k)) if score[cc] > 0][:CONTEXT_TOP]
    placed = 0
    for c in local:
        base = c.extra.get("narrow_base") or c.extra.get("valid_in") or []
        regions = [r for r in base if r in top]
        if not regions or len(regions) > MAX_LOCAL_REGIONS or (c.countries and len(regions) >= len(c.countries)):
            continue
        names = ", ".join(country_name(r) for r in top)
        c.countries = _local_votes(regions, f"among the countries the item's other clues point to ({names})")
        c.extra.pop("held", None)
        c.extra["placed_by_item"] = top
        placed += 1
    return placed
