"""Phone numbers in OCR text or transcripts -> `phone` clues with country votes.

Why it works this way:
- libphonenumber (the `phonenumbers` port) carries offline numbering-plan metadata for
  every region, plus a geocoder and carrier tables, so "is this a valid number, and
  where" is answered from maintained data, not from our own patterns.
- A number written with its country calling code ("+63 917 555 1234", "0066 2 123 4567")
  is strong, specific evidence: it names one numbering plan. We vote ~0.9 for the
  region libphonenumber assigns to it. Shared calling codes (+1 NANP, +7 RU/KZ, +44
  GB/GG/IM/JE ...) are resolved with `region_code_for_number`, and the reason says the
  code is shared. A number that is only *possible* (right length, no known range) gets
  a lower weight and confidence.
- A number written without a calling code ("0917 555 1234") is valid in many numbering
  plans at once (DESIGN.md: 7 of 18 regions tried). It is only "consistent with" the
  regions where it is valid, so it gets one small total strength split across them
  (`split_vote`), never a strong vote.
- OCR text is noisy. `PhoneNumberMatcher` already tolerates spaces, dots, dashes and
  parentheses and rejects dates, times and slash-separated runs; we add the rewrite of a
  leading international prefix `00` to `+` (done offset-preserving, "00" -> " +", so the
  reported span still points into the original text), and we require >= 7 digits and a
  valid (local) or at least possible (international) number, which keeps prices ("12.50"),
  dates ("2025-03-14"), times, years and short digit runs out.
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Any, Optional

import phonenumbers
from phonenumbers import Leniency, PhoneNumberMatcher, PhoneNumberType, carrier, geocoder

from clueextract.countries import country_name, split_vote
from clueextract.records import Clue, CountryVote, Source
from clueextract.text.base import TextContext

# Regions tried for numbers written without a calling code when the caller gives no
# candidate regions (no language packs active). A spread of populous regions on every
# continent, so a local number is reported as "consistent with" something rather than
# silently dropped; with so many regions the split vote stays weak, which is the point.
DEFAULT_LOCAL_REGIONS: tuple[str, ...] = (
    "US", "MX", "BR", "AR", "CO", "GB", "DE", "FR", "ES", "IT", "PL", "RU", "TR", "EG",
    "NG", "ZA", "KE", "IN", "PK", "BD", "CN", "JP", "KR", "VN", "TH", "PH", "ID", "MY", "AU",
)

MIN_DIGITS = 7
INTL_WEIGHT_VALID = 0.9       # "+CC" number, valid in its region
INTL_WEIGHT_POSSIBLE = 0.6    # "+CC" number of plausible length, no known number range
INTL_CONF_VALID = 0.95
INTL_CONF_POSSIBLE = 0.6
LOCAL_TOTAL_STRENGTH = 0.3    # split across every region where a local number is valid
LOCAL_CONFIDENCE = 0.7

# "00" international prefix at the start of a token, followed by a calling-code digit.
_IDD_00 = re.compile(r"(?<![\w+])00(?=[ \t.\-]?[1-9])")

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
def _source() -> Source:
    return Source(stage="text", engine=f"phonenumbers {phonenumbers.__version__}",
                  model="libphonenumber metadata", model_sha256=None)


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


def _local_clue(text: str, start: int, end: int, valid_in: dict[str, phonenumbers.PhoneNumber],
                ctx: TextContext) -> Clue:
    regions = sorted(valid_in)
    w = split_vote(LOCAL_TOTAL_STRENGTH, len(regions))
    also = ", ".join(regions)
    votes = [CountryVote(r, w, f"written without a country code; a valid national number in "
                               f"{country_name(r)} (valid in {len(regions)} of the regions tried: "
                               f"{also}), so only consistent with it")
             for r in regions]
    return Clue(
        kind="phone", value=text[start:end], normalized=_digits(text[start:end]),
        confidence=LOCAL_CONFIDENCE, source=_source(), locator=_locator(ctx, start, end),
        language=ctx.language, countries=votes,
        extra={
            "valid_in": regions,
            "international": False,
            "e164_by_region": {r: phonenumbers.format_number(n, phonenumbers.PhoneNumberFormat.E164)
                               for r, n in sorted(valid_in.items())},
            "type_by_region": {r: _TYPE_NAMES.get(phonenumbers.number_type(n), "unknown")
                               for r, n in sorted(valid_in.items())},
        },
    )


def _overlaps(span: tuple[int, int], taken: list[tuple[int, int]]) -> bool:
    return any(span[0] < e and s < span[1] for s, e in taken)


def find_phones(text: str, ctx: TextContext) -> list[Clue]:
    """All phone numbers in `text`, one clue per span, in text order."""
    if not text or sum(ch.isdigit() for ch in text) < MIN_DIGITS:
        return []
    work, rewritten = _rewrite_idd(text)
    clues: list[tuple[int, Clue]] = []
    taken: list[tuple[int, int]] = []

    # 1) International numbers ("+CC ..." and rewritten "00CC ..."): region-independent.
    for m in PhoneNumberMatcher(work, "ZZ", leniency=Leniency.POSSIBLE):
        start = m.start - 1 if (m.start - 1) in rewritten else m.start
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
        taken.append(span)
        clues.append((span[0], _local_clue(text, span[0], span[1], by_span[span], ctx)))
    return [c for _, c in sorted(clues, key=lambda x: x[0])]
