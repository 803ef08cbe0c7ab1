"""Language packs: every shipped pack is valid data, and a few regional facts stay true.

The packs are hand-authored data that experts review; these tests keep them loadable,
internally consistent (real ISO codes, weights in range, no term listed twice) and guard
facts other code and reviewers rely on (Sdn Bhd points to Malaysia, ซอย to Thailand …).
"""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pycountry
import pytest
import yaml

from clueextract.packs import PackError, load_pack, validate_file

ROOT = Path(__file__).resolve().parent.parent
PACKS_DIR = ROOT / "language_packs"
PACK_FILES = sorted(PACKS_DIR.glob("*.yaml"))
KINDS = ("address_terms", "legal_forms", "dialect_markers", "brands")
EXPECTED = {"en", "es", "pt", "fr", "de", "it", "ru", "uk", "ar", "fa", "hi", "th", "vi", "id", "ms", "fil",
            "zh-Hans", "zh-Hant", "ja", "ko", "tr",
            "el", "he", "bn", "ta", "te", "kn", "ml", "gu", "pa", "or", "si", "mr", "ne", "ur", "km", "lo", "my",
            "ka", "hy", "am"}
# Tesseract traineddata names: 3-letter ISO 639-2/3 code with optional suffix (chi_sim, aze_cyrl), or script/Name.
TESSDATA_NAME = re.compile(r"^([a-z]{3}(_[a-z]+)*|script/[A-Z][A-Za-z_]+)$")


def entries(pack_data: dict):
    """(kind, entry) for every regional entry of a pack."""
    for kind in KINDS:
        for e in pack_data["regional"].get(kind, []):
            yield kind, e


def find(pack_code: str, text: str) -> dict:
    """The entry whose term or a variant is `text` (exact), else a failing assertion."""
    data = load_pack(PACKS_DIR / f"{pack_code}.yaml").data
    for _, e in entries(data):
        if text == e["term"] or text in e.get("variants", []):
            return e
    raise AssertionError(f"{pack_code}: no entry with term or variant {text!r}")


def strongest(entry: dict) -> str:
    return max(entry["countries"], key=lambda c: c["weight"])["country"]


def weight(entry: dict, cc: str) -> float:
    return next((c["weight"] for c in entry["countries"] if c["country"] == cc), 0.0)


def test_all_expected_packs_are_shipped():
    assert EXPECTED <= {p.stem for p in PACK_FILES}  # more packs may be added; none of these may go


@pytest.mark.parametrize("path", PACK_FILES, ids=lambda p: p.stem)
def test_pack_validates_and_code_matches_file_name(path):
    assert validate_file(path) == []
    pack = load_pack(path)
    assert pack.code == path.stem
    assert pack.data.get("reviewed_by") is None  # filled only by a named regional reviewer


@pytest.mark.parametrize("path", PACK_FILES, ids=lambda p: p.stem)
def test_country_codes_are_real_iso_3166(path):
    data = load_pack(path).data
    codes = list(data["countries"]) + [c["country"] for _, e in entries(data) for c in e["countries"]]
    unknown = sorted({cc for cc in codes if pycountry.countries.get(alpha_2=cc) is None})
    assert not unknown, f"{path.name}: not ISO 3166-1 alpha-2: {unknown}"


@pytest.mark.parametrize("path", PACK_FILES, ids=lambda p: p.stem)
def test_ocr_names_look_like_traineddata(path):
    tess = load_pack(path).data["ocr"].get("tesseract", [])
    assert tess, f"{path.name}: no Tesseract language"
    assert all(TESSDATA_NAME.match(t) for t in tess), tess


@pytest.mark.parametrize("path", PACK_FILES, ids=lambda p: p.stem)
def test_a_named_traineddata_is_installed(path):
    """Where Tesseract's data is installed (found the way the scan finds it: TESSDATA_PREFIX,
    then the usual system folders), at least one model each pack names must be there."""
    from clueextract.ocr.tesseract import find_tessdata

    installed = find_tessdata()
    if installed is None:
        pytest.skip("no Tesseract traineddata found (scripts/install_system_deps.sh --ocr installs it)")
    tess = load_pack(path).data["ocr"].get("tesseract", [])
    assert any((installed / f"{t}.traineddata").is_file() for t in tess), f"{path.name}: none of {tess} in {installed}"


@pytest.mark.parametrize("path", PACK_FILES, ids=lambda p: p.stem)
def test_regional_entries_are_consistent(path):
    data = load_pack(path).data
    seen: dict[str, str] = {}
    total = 0
    for kind, e in entries(data):
        total += 1
        assert e["term"].strip() == e["term"] and e["term"], e
        assert e.get("note"), f"{path.name}: {e['term']!r} has no note"
        ccs = [c["country"] for c in e["countries"]]
        assert len(ccs) == len(set(ccs)), f"{path.name}: {e['term']!r} lists a country twice"
        weights = [c["weight"] for c in e["countries"]]
        assert all(0 <= w <= 1 for w in weights), (e["term"], weights)
        # Shared terms split their strength: one term never claims more than certainty in total.
        assert sum(weights) <= 1.0 + 1e-9, f"{path.name}: {e['term']!r} weights sum to {sum(weights)}"
        for s in [e["term"], *e.get("variants", [])]:
            key = s.lower()  # lower(), not casefold(): 'Straße' and 'Strasse' are different evidence
            assert key not in seen, f"{path.name}: {s!r} ({kind}) duplicates an entry in {seen[key]}"
            seen[key] = kind
    assert 8 <= total <= 60, f"{path.name}: {total} regional entries"  # hand-kept lists, not dumps


def test_no_term_is_listed_in_two_packs():
    """A term in two packs would be counted twice when both packs are active."""
    owner: dict[str, str] = {}
    for path in PACK_FILES:
        for _, e in entries(load_pack(path).data):
            for s in [e["term"], *e.get("variants", [])]:
                assert owner.setdefault(s.lower(), path.stem) == path.stem, f"{s!r} in {owner[s.lower()]} and {path.stem}"


@pytest.mark.parametrize("pack,text,country", [
    ("ms", "Sdn Bhd", "MY"),
    ("ms", "Sdn. Bhd.", "MY"),
    ("fil", "Brgy.", "PH"),
    ("th", "ซอย", "TH"),
    ("es", "S.A. de C.V.", "MX"),
    ("es", "Colonia", "MX"),
    ("en", "Pte Ltd", "SG"),
    ("en", "Eircode", "IE"),
    ("de", "GmbH", "DE"),
    ("de", "Grüezi", "CH"),
    ("de", "Migros", "CH"),
    ("it", "S.r.l.", "IT"),
    ("ru", "ООО", "RU"),
    ("ru", "ТОО", "KZ"),
    ("uk", "ТОВ", "UA"),
    ("uk", "АТБ", "UA"),
    ("pt", "ônibus", "BR"),
    ("pt", "autocarro", "PT"),
    ("fr", "dépanneur", "CA"),
    ("id", "Jl.", "ID"),
    ("id", "Indomaret", "ID"),
    ("ms", "kereta", "MY"),
    ("fa", "ولسوالی", "AF"),
    ("ko", "아빠트", "KP"),
    ("zh-Hant", "郵遞區號", "TW"),
    ("zh-Hans", "组屋", "SG"),
])
def test_regional_facts(pack, text, country):
    assert strongest(find(pack, text)) == country


def test_weights_reflect_specificity():
    gmbh = find("de", "GmbH")
    assert weight(gmbh, "DE") > weight(gmbh, "AT") > weight(gmbh, "CH") > 0
    calle = find("es", "Calle")  # used everywhere Spanish is spoken: no country gets much
    assert len(calle["countries"]) >= 8 and max(c["weight"] for c in calle["countries"]) <= 0.2
    assert weight(find("de", "Migros"), "TR") > 0  # Migros Türk
    assert weight(find("en", "ZIP code"), "US") > weight(find("en", "ZIP code"), "PH") > 0
    assert weight(find("en", "colour"), "GB") > weight(find("en", "colour"), "US")
    assert weight(find("en", "color"), "US") > weight(find("en", "color"), "GB")
    assert weight(find("ms", "Sdn Bhd"), "BN") > 0
    assert weight(find("ms", "kereta"), "ID") == 0  # 'kereta' means train in Indonesian


def _broken_copy(tmp_path: Path, mutate) -> Path:
    dst = tmp_path / "ms.yaml"
    shutil.copy(PACKS_DIR / "ms.yaml", dst)
    data = yaml.safe_load(dst.read_text(encoding="utf-8"))
    mutate(data)
    dst.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return dst


def test_bad_weight_is_refused_naming_file_and_field(tmp_path):
    def bad_weight(d):
        d["regional"]["legal_forms"][0]["countries"][0]["weight"] = 1.5

    path = _broken_copy(tmp_path, bad_weight)
    problems = validate_file(path)
    assert problems and all(str(path) in p for p in problems)
    assert any("regional/legal_forms/0/countries/0/weight" in p and "1.5" in p for p in problems), problems
    with pytest.raises(PackError, match=r"regional/legal_forms/0/countries/0/weight"):
        load_pack(path)


def test_unknown_field_is_refused_naming_file_and_field(tmp_path):
    def unknown_field(d):
        d["regional"]["brands"][0]["strength"] = 0.9

    path = _broken_copy(tmp_path, unknown_field)
    problems = validate_file(path)
    assert any(str(path) in p and "regional/brands/0" in p and "'strength'" in p for p in problems), problems
    with pytest.raises(PackError, match="strength"):
        load_pack(path)


def test_unquoted_norway_code_is_caught(tmp_path):
    """YAML 1.1 reads a bare NO as false; the schema must refuse it rather than lose Norway."""
    path = tmp_path / "de.yaml"
    text = (PACKS_DIR / "de.yaml").read_text(encoding="utf-8").replace('country: "NO"', "country: NO")
    assert "country: NO" in text
    path.write_text(text, encoding="utf-8")
    assert any("country" in p and "False" in p for p in validate_file(path))
