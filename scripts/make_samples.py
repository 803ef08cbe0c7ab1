"""Generate the benign multi-script sample set in ``samples_benign/`` (deterministic).

Why: clueextract needs realistic but entirely synthetic, benign test media -- shop signs,
packaging labels, street signs, flyers, receipts and price tags in many scripts, some with
camera EXIF (GPS, local time + UTC offset, make/model, orientation) -- whose ground truth is
known exactly. Every image is drawn from text with real Noto fonts onto procedurally
generated backgrounds (brick, wood, concrete, paper, painted boards, gradients) with mild
perspective, blur and noise, and described in ``samples_benign/manifest.json``.

Run from the repository root::

    .venv/bin/python scripts/make_samples.py            # render + measure RapidOCR recall
    .venv/bin/python scripts/make_samples.py --no-ocr   # render only (rapidocr_reads = null)

Needs the Debian packages ``fonts-noto-core fonts-noto-cjk`` (installed by
``scripts/install_system_deps.sh``), Pillow built with libraqm (complex-script shaping for
Thai, Arabic and Devanagari; the PyPI wheels include it), numpy, phonenumbers,
reverse_geocoder and, for the recall check, rapidocr. Same seed + same library versions =>
byte-identical files. Each manifest line carries ``rapidocr_reads``: whether RapidOCR
(PP-OCRv6 small, as shipped in the rapidocr wheel) read that line exactly, whitespace ignored,
and ``expected_miss``: what a default scan misses today (written from a scan by
scripts/sample_misses.py, carried over here for lines whose text did not change).
The generator fails loudly when a phone number is not valid for its region
(``phonenumbers.is_valid_number``), when a GPS point reverse-geocodes to another country,
or when EXIF does not read back as written. Business names, numbers, domains and e-mail
addresses are fictional; GPS points are public city-centre landmarks.
"""
from __future__ import annotations

import argparse
import json
import sys
import unicodedata
import zlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import phonenumbers
from PIL import Image, ImageDraw, ImageFilter, ImageFont, ImageOps, features
from PIL.TiffImagePlugin import IFDRational

SEED = 1234
PNG_COLORS = 96
ROOT = Path(__file__).resolve().parents[1]
FONT_ROOT = Path("/usr/share/fonts")
# face -> (bold file, regular file, ttc index)
FONT_FILES = {
    "sans": ("NotoSans-Bold.ttf", "NotoSans-Regular.ttf", 0),
    "serif": ("NotoSerif-Bold.ttf", "NotoSerif-Regular.ttf", 0),
    "thai": ("NotoSansThai-Bold.ttf", "NotoSansThai-Regular.ttf", 0),
    "arab": ("NotoSansArabic-Bold.ttf", "NotoSansArabic-Regular.ttf", 0),
    "naskh": ("NotoNaskhArabic-Bold.ttf", "NotoNaskhArabic-Regular.ttf", 0),
    "deva": ("NotoSansDevanagari-Bold.ttf", "NotoSansDevanagari-Regular.ttf", 0),
    "jp": ("NotoSansCJK-Bold.ttc", "NotoSansCJK-Regular.ttc", 0),
    "kr": ("NotoSansCJK-Bold.ttc", "NotoSansCJK-Regular.ttc", 1),
    "sc": ("NotoSansCJK-Bold.ttc", "NotoSansCJK-Regular.ttc", 2),
}
CJK_FACE = {"ja": "jp", "ko": "kr", "zh": "sc"}
SCRIPT_FACE = {"Thai": "thai", "Arab": "arab", "Deva": "deva", "Hang": "kr"}
RTL = {"Arab"}
_font_cache: dict[tuple[str, bool, int], ImageFont.FreeTypeFont] = {}
_cover_cache: dict[tuple[str, str], bool] = {}


# ----------------------------------------------------------------------------- scene data
SCRIPT_PREFIXES = (("HIRAGANA", "Jpan"), ("KATAKANA", "Jpan"), ("CJK", "Hani"), ("HANGUL", "Hang"),
                   ("THAI", "Thai"), ("CYRILLIC", "Cyrl"), ("ARABIC", "Arab"), ("DEVANAGARI", "Deva"),
                   ("LATIN", "Latn"))


def script_of(text: str) -> str:
    """ISO 15924 code of a line: Jpan if any kana, else the commonest letter script, else Zyyy."""
    counts: dict[str, int] = {}
    for ch in text:
        if ch.isalpha():
            name = unicodedata.name(ch, "")
            code = next((c for p, c in SCRIPT_PREFIXES if name.startswith(p)), "Zyyy")
            counts[code] = counts.get(code, 0) + 1
    if "Jpan" in counts:
        return "Jpan"
    return max(counts, key=lambda k: counts[k]) if counts else "Zyyy"


@dataclass(frozen=True)
class Line:
    """One visual line. A tab in `raw` splits it into a left part and a right-aligned part."""
    raw: str
    language: str | None
    scale: float = 1.0
    accent: bool = False
    face: str | None = None
    align: str | None = None
    bold: bool | None = None  # None: the style's weight

    @property
    def text(self) -> str:
        return " ".join(self.raw.split("\t"))

    @property
    def draw_text(self) -> str:
        return self.raw

    @property
    def script(self) -> str:
        return script_of(self.raw)


@dataclass(frozen=True)
class Landmark:
    name: str
    lat: float
    lon: float
    tz: str
    country: str


@dataclass(frozen=True)
class Shot:
    """Camera EXIF of a scene: where (a landmark key), local wall-clock time, camera."""
    landmark: str
    datetime: str
    make: str
    model: str


@dataclass
class Scene:
    path: str
    scene: str
    style: str
    lines: list[Line]
    phones: list[tuple[str, str]] = field(default_factory=list)  # (text as printed, region)
    domains: list[str] = field(default_factory=list)
    emails: list[str] = field(default_factory=list)
    currencies: list[tuple[str, str]] = field(default_factory=list)  # (text as printed, ISO 4217)
    exif: Shot | None = None
    orientation: int = 1
    size: tuple[int, int] = (1200, 800)
    max_px: int = 110
    warp: float = 0.03
    blur: float = 0.6
    noise: float = 2.5

    @property
    def series(self) -> str:
        return self.path.split("/")[0]


LANDMARKS = {
    "bangkok": Landmark("Grand Palace, Bangkok", 13.75, 100.4913, "Asia/Bangkok", "TH"),
    "seoul": Landmark("Gwanghwamun Square, Seoul", 37.572, 126.9769, "Asia/Seoul", "KR"),
    "tokyo": Landmark("Tokyo Station", 35.6812, 139.7671, "Asia/Tokyo", "JP"),
    "shanghai": Landmark("People's Square, Shanghai", 31.2317, 121.4726, "Asia/Shanghai", "CN"),
    "paris": Landmark("Notre-Dame de Paris", 48.853, 2.3499, "Europe/Paris", "FR"),
    "berlin": Landmark("Brandenburg Gate, Berlin", 52.5163, 13.3777, "Europe/Berlin", "DE"),
    "moscow": Landmark("Red Square, Moscow", 55.7539, 37.6208, "Europe/Moscow", "RU"),
    "cairo": Landmark("Tahrir Square, Cairo", 30.0444, 31.2357, "Africa/Cairo", "EG"),
    "delhi": Landmark("India Gate, New Delhi", 28.6129, 77.2295, "Asia/Kolkata", "IN"),
    "manila": Landmark("Rizal Park, Manila", 14.5826, 120.9787, "Asia/Manila", "PH"),
    "mexico": Landmark("Zocalo, Mexico City", 19.4326, -99.1332, "America/Mexico_City", "MX"),
    "saopaulo": Landmark("Praca da Se, Sao Paulo", -23.5503, -46.6339, "America/Sao_Paulo", "BR"),
    "london": Landmark("Trafalgar Square, London", 51.508, -0.1281, "Europe/London", "GB"),
}
SERIES_COUNTRY = {"bangkok_market": "TH", "seoul_street": "KR", "tokyo_station": "JP", "shanghai_store": "CN",
                  "paris_cafe": "FR", "berlin_shop": "DE", "moscow_kiosk": "RU", "cairo_pharmacy": "EG",
                  "delhi_bazaar": "IN", "manila_sari_sari": "PH", "mexico_city_tienda": "MX",
                  "sao_paulo_padaria": "BR", "london_corner_shop": "GB"}
L = Line
PORTRAIT, RECEIPT, SQUARE, STREET = (900, 1250), (760, 1150), (1000, 900), (1100, 700)
SCAN = dict(noise=0.0, warp=0.008, blur=0.35)  # PNG "scans": flat, small files
SCENES: list[Scene] = [
    Scene("bangkok_market/fruit_stall_sign.jpg", "shop_sign", "board_wood", [
        L("ร้านผลไม้ป้าแดง", "th", 1.2, True), L("ผลไม้สด ทุกวัน", "th"), L("มะม่วง ฿120 / กก.", "th"),
        L("โทร. 02 123 4567", "th", 0.9)],
        phones=[("02 123 4567", "TH")], currencies=[("฿120", "THB")],
        exif=Shot("bangkok", "2025:03:14 10:22:05", "Canon", "Canon EOS 90D")),
    Scene("bangkok_market/receipt.png", "receipt", "receipt", [
        L("ร้านผลไม้ป้าแดง", "th", 1.1), L("PA DAENG FRUIT SHOP", "en", 0.9), L("มะม่วง 2 กก.\t240.00", "th"),
        L("ถุงผ้า\t10.00", "th"), L("รวม\t฿250.00", "th"), L("Total\tTHB 250", "en"),
        L("Tel. +66 2 123 4567", None, 0.9), L("www.padaeng-fruit.co.th", None, 0.9)],
        phones=[("+66 2 123 4567", "TH")], domains=["padaeng-fruit.co.th"],
        currencies=[("฿250.00", "THB"), ("THB 250", "THB")], size=RECEIPT, **SCAN),
    Scene("bangkok_market/soi_street_sign.jpg", "street_sign", "street_blue", [
        L("ซอยสุขุมวิท 11", "th", 1.3), L("Soi Sukhumvit 11", "th")], size=STREET),
    Scene("seoul_street/cafe_sign.jpg", "shop_sign", "lightbox_blue", [
        L("별빛 커피", "ko", 1.4, True), L("아메리카노 ₩4,500", "ko"), L("+82 2 1234 5678", None),
        L("www.byeolbit-coffee.co.kr", None, 0.85)],
        phones=[("+82 2 1234 5678", "KR")], domains=["byeolbit-coffee.co.kr"], currencies=[("₩4,500", "KRW")],
        exif=Shot("seoul", "2024:10:03 16:45:12", "samsung", "SM-S918N")),
    Scene("seoul_street/bus_stop_sign.jpg", "street_sign", "street_blue", [
        L("광화문 정류장", "ko", 1.3), L("Gwanghwamun Bus Stop", "en"), L("문의 02-2345-6789", "ko", 0.8)],
        phones=[("02-2345-6789", "KR")], orientation=6,
        exif=Shot("seoul", "2024:10:03 17:02:40", "samsung", "SM-S918N")),
    Scene("seoul_street/apple_price_tag.png", "price_tag", "price_tag", [
        L("국산 사과", "ko", 1.2), L("1봉지 ₩12,900", "ko", 1.3, True), L("KRW 12,900", None)],
        currencies=[("₩12,900", "KRW"), ("KRW 12,900", "KRW")], size=SQUARE, **SCAN),
    Scene("tokyo_station/ramen_shop_sign.jpg", "shop_sign", "lightbox", [
        L("ラーメン 風見屋", "ja", 1.4, True), L("営業時間 11:00〜22:00", "ja"), L("醤油ラーメン 850円", "ja"),
        L("TEL 03-1234-5678", None, 0.9)],
        phones=[("03-1234-5678", "JP")], currencies=[("850円", "JPY")],
        exif=Shot("tokyo", "2024:12:05 19:30:11", "FUJIFILM", "X-T30")),
    Scene("tokyo_station/station_exit_sign.jpg", "street_sign", "street_white", [
        L("丸の内北口", "ja", 1.4), L("Marunouchi North Exit", "en"), L("地下鉄 のりかえ", "ja")], size=STREET),
    Scene("tokyo_station/green_tea_label.png", "packaging_label", "label", [
        L("やまなみ緑茶", "ja", 1.4, True), L("内容量 500ml", "ja"), L("原材料名：緑茶（国産）", "ja"),
        L("¥150（税込）", "ja"), L("yamanami-cha.co.jp", None, 0.9)],
        domains=["yamanami-cha.co.jp"], currencies=[("¥150", "JPY")], size=SQUARE, **SCAN),
    Scene("shanghai_store/convenience_store_sign.jpg", "shop_sign", "lightbox_green", [
        L("星河便利店", "zh", 1.5, True), L("营业时间 7:00-23:00", "zh"), L("矿泉水 ¥2.50", "zh"),
        L("电话 +86 21 6123 4567", "zh", 0.9)],
        phones=[("+86 21 6123 4567", "CN")], currencies=[("¥2.50", "CNY")],
        exif=Shot("shanghai", "2025:05:20 08:12:45", "Xiaomi", "Xiaomi 14")),
    Scene("shanghai_store/fruit_price_board.png", "price_tag", "label", [
        L("新鲜水果", "zh", 1.4, True), L("苹果 6.80元/斤", "zh"), L("香蕉 RMB 4.50/斤", "zh"),
        L("果篮 CNY 68", "zh")],
        currencies=[("6.80元", "CNY"), ("RMB 4.50", "CNY"), ("CNY 68", "CNY")], size=SQUARE, **SCAN),
    Scene("paris_cafe/cafe_sign.jpg", "shop_sign", "board_brick", [
        L("Café des Étoiles", "fr", 1.4, True, "serif"), L("Crêpes · Thé · Pâtisserie", "fr"),
        L("Tél. +33 1 42 68 53 00", None, 0.9)],
        phones=[("+33 1 42 68 53 00", "FR")],
        exif=Shot("paris", "2025:07:14 15:42:10", "Apple", "iPhone 14")),
    Scene("paris_cafe/menu_board.jpg", "menu_board", "chalkboard", [
        L("Menu du jour", "fr", 1.3, True, align="center"), L("Formule déjeuner\t14,90 €", "fr"),
        L("Crème brûlée\t6,50 €", "fr"), L("Café crème\t3,20 €", "fr"), L("Thé à la menthe\t4,00 €", "fr")],
        currencies=[("14,90 €", "EUR"), ("6,50 €", "EUR")], size=(1000, 1150),
        exif=Shot("paris", "2025:07:14 15:44:31", "Apple", "iPhone 14")),
    Scene("paris_cafe/jazz_flyer.png", "flyer", "flyer", [
        L("Soirée jazz", "fr", 1.5, True), L("au Café des Étoiles", "fr"), L("Vendredi 12 septembre à 20 h", "fr"),
        L("Entrée libre", "fr"), L("www.cafe-des-etoiles.fr", None, 0.9), L("contact@cafe-des-etoiles.fr", None, 0.9)],
        domains=["cafe-des-etoiles.fr"], emails=["contact@cafe-des-etoiles.fr"], size=PORTRAIT, **SCAN),
    Scene("berlin_shop/bakery_sign.jpg", "shop_sign", "board_wood", [
        L("Bäckerei Sonnenkorn", "de", 1.4, True), L("Brötchen · Brezeln · Kuchen", "de"),
        L("Tel. +49 30 12345678", None, 0.9)],
        phones=[("+49 30 12345678", "DE")],
        exif=Shot("berlin", "2025:01:18 08:05:33", "NIKON CORPORATION", "NIKON D7500")),
    Scene("berlin_shop/street_sign.jpg", "street_sign", "street_white", [
        L("Friedrichstraße", "de", 1.4), L("Bezirk Mitte", "de", 0.8)], size=STREET),
    Scene("berlin_shop/receipt.png", "receipt", "receipt", [
        L("Bäckerei Sonnenkorn GmbH", "de"), L("2 × Brezel\t2,40 €", "de"), L("1 × Roggenbrot\t4,90 €", "de"),
        L("1 × Käsekuchen\t3,00 €", "de"), L("3 × Brötchen\t2,10 €", "de"), L("Summe EUR\t12,40", "de", 1.1),
        L("MwSt. 7 %\t0,81 €", "de"), L("www.sonnenkorn-baeckerei.de", None, 0.9)],
        domains=["sonnenkorn-baeckerei.de"], currencies=[("2,40 €", "EUR"), ("EUR 12,40", "EUR")],
        size=RECEIPT, **SCAN),
    Scene("moscow_kiosk/flower_kiosk_sign.jpg", "shop_sign", "lightbox", [
        L("Цветочный двор", "ru", 1.4, True), L("Букет тюльпанов 450 ₽", "ru"), L("+7 495 123-45-67", None)],
        phones=[("+7 495 123-45-67", "RU")], currencies=[("450 ₽", "RUB")],
        exif=Shot("moscow", "2025:03:08 11:15:00", "SONY", "ILCE-7M3")),
    Scene("moscow_kiosk/delivery_flyer.jpg", "flyer", "flyer_yellow", [
        L("Скидка 20 % на все букеты", "ru", 1.2, True), L("Доставка по Москве", "ru"), L("от 1 500 руб.", "ru"),
        L("+7 916 123-45-67", None), L("www.cvetochny-dvor.ru", None, 0.9), L("zakaz@cvetochny-dvor.ru", None, 0.9)],
        phones=[("+7 916 123-45-67", "RU")], domains=["cvetochny-dvor.ru"], emails=["zakaz@cvetochny-dvor.ru"],
        currencies=[("1 500 руб.", "RUB")], size=PORTRAIT),
    Scene("cairo_pharmacy/pharmacy_sign.jpg", "shop_sign", "lightbox_green", [
        L("صيدلية النخيل", "ar", 1.4, True), L("مفتوح ٢٤ ساعة", "ar"), L("Al Nakheel Pharmacy", "en"),
        L("+20 2 2345 6789", None)],
        phones=[("+20 2 2345 6789", "EG")],
        exif=Shot("cairo", "2025:08:05 21:10:30", "samsung", "SM-A546E")),
    Scene("cairo_pharmacy/mint_tea_label.png", "packaging_label", "label", [
        L("شاي بالنعناع", "ar", 1.3, True, "naskh"), L("٢٥ كيس شاي", "ar"), L("السعر ٤٥ ج.م", "ar"),
        L("EGP 45", None)],
        currencies=[("٤٥ ج.م", "EGP"), ("EGP 45", "EGP")], size=SQUARE, **SCAN),
    Scene("delhi_bazaar/spice_shop_sign.jpg", "shop_sign", "board_brick", [
        L("सुगंध मसाला भंडार", "hi", 1.3, True), L("शुद्ध और ताज़ा मसाले", "hi"), L("हल्दी ₹250 प्रति किलो", "hi"),
        L("+91 11 2345 6789", None)],
        phones=[("+91 11 2345 6789", "IN")], currencies=[("₹250", "INR")],
        exif=Shot("delhi", "2024:11:02 12:40:18", "Apple", "iPhone 13")),
    Scene("delhi_bazaar/chai_price_board.png", "price_tag", "flyer_yellow", [
        L("चाय की दुकान", "hi", 1.3, True), L("मसाला चाय ₹20", "hi"), L("समोसा ₹15", "hi"),
        L("Family pack INR 150", "en")],
        currencies=[("₹20", "INR"), ("INR 150", "INR")], size=SQUARE, **SCAN),
    Scene("manila_sari_sari/store_sign.jpg", "shop_sign", "board_brick", [
        L("Aling Rosa Sari-Sari Store", "tl", 1.2, True), L("Bawal ang utang ngayon, bukas pwede", "tl", 0.8),
        L("Load · Yelo · Softdrinks", "tl"), L("Text 0917 555 1234", None)],
        phones=[("0917 555 1234", "PH")],
        exif=Shot("manila", "2025:02:15 14:20:07", "OPPO", "CPH2591")),
    Scene("manila_sari_sari/karinderya_flyer.jpg", "flyer", "flyer", [
        L("Bagong bukas!", "tl", 1.4, True), L("Kusina ni Rosa", "tl", 1.2), L("Lutong bahay araw-araw", "tl"),
        L("Adobo: ₱85", "tl", bold=False), L("Sinigang: ₱95", "tl", bold=False), L("Family meal PHP 350", "en"),
        L("+63 917 555 1234", None), L("order@kusinanirosa.com.ph", None, 0.9)],
        phones=[("+63 917 555 1234", "PH")], domains=["kusinanirosa.com.ph"], emails=["order@kusinanirosa.com.ph"],
        currencies=[("₱85", "PHP"), ("₱95", "PHP"), ("PHP 350", "PHP")], size=PORTRAIT),
    Scene("mexico_city_tienda/tienda_sign.jpg", "shop_sign", "board_brick", [
        L("Abarrotes La Esperanza", "es", 1.3, True), L("Tortillas · Refrescos · Dulces", "es"),
        L("Kilo de tortilla $25.00 MXN", "es"), L("Tel. +52 55 1234 5678", None, 0.9)],
        phones=[("+52 55 1234 5678", "MX")], currencies=[("$25.00 MXN", "MXN")],
        exif=Shot("mexico", "2025:04:20 13:05:44", "motorola", "moto g84 5G")),
    Scene("mexico_city_tienda/street_sign.jpg", "street_sign", "street_blue", [
        L("Av. Madero", "es", 1.4), L("Col. Centro · C.P. 06000", "es", 0.8)], size=STREET),
    Scene("sao_paulo_padaria/padaria_sign.jpg", "shop_sign", "board_wood", [
        L("Padaria Flor de Ipê", "pt", 1.3, True), L("Pão francês · Café · Salgados", "pt"),
        L("Pão de queijo R$ 4,50", "pt"), L("+55 11 3123-4567", None)],
        phones=[("+55 11 3123-4567", "BR")], currencies=[("R$ 4,50", "BRL")],
        exif=Shot("saopaulo", "2025:01:10 07:35:20", "samsung", "SM-A155M")),
    Scene("sao_paulo_padaria/promo_price_tag.png", "price_tag", "price_tag", [
        L("Promoção!", "pt", 1.2, True), L("Bolo de fubá", "pt"), L("R$ 12,90", None, 1.5, True),
        L("BRL 12,90 o quilo", "pt", 0.8), L("www.flordeipe.com.br", None, 0.8)],
        domains=["flordeipe.com.br"], currencies=[("R$ 12,90", "BRL"), ("BRL 12,90", "BRL")], size=SQUARE,
        exif=Shot("saopaulo", "2025:01:10 07:41:02", "samsung", "SM-A155M"), **SCAN),
    Scene("london_corner_shop/shop_sign.jpg", "shop_sign", "lightbox_blue", [
        L("Primrose Corner Shop", "en", 1.3, True), L("Newsagent · Off Licence · Groceries", "en"),
        L("Milk 2 pints £1.65", "en"), L("Tel. 020 7946 0123", None, 0.9)],
        phones=[("020 7946 0123", "GB")], currencies=[("£1.65", "GBP")],
        exif=Shot("london", "2024:11:30 10:12:55", "Google", "Pixel 7")),
]


# ----------------------------------------------------------------------------- fonts
def font_path(name: str) -> Path:
    hits = sorted(FONT_ROOT.rglob(name))
    if not hits:
        sys.exit(f"font {name} not found under {FONT_ROOT}: apt-get install fonts-noto-core fonts-noto-cjk")
    return hits[0]


def get_font(face: str, bold: bool, size: int) -> ImageFont.FreeTypeFont:
    key = (face, bold, size)
    if key not in _font_cache:
        b, r, idx = FONT_FILES[face]
        _font_cache[key] = ImageFont.truetype(str(font_path(b if bold else r)), size, index=idx,
                                              layout_engine=ImageFont.Layout.RAQM)
    return _font_cache[key]


def covers(face: str, ch: str) -> bool:
    """True when `face` has a glyph for `ch` (its mask differs from the .notdef box of U+E000)."""
    key = (face, ch)
    if key not in _cover_cache:
        f = get_font(face, True, 40)
        m, nd = f.getmask(ch), f.getmask("\ue000")
        _cover_cache[key] = (m.size, bytes(m)) != (nd.size, bytes(nd))
    return _cover_cache[key]


def font_chain(script: str, lang: str | None, face: str | None) -> list[str]:
    """Preferred faces for a line, then per-script fallbacks for symbols/digits."""
    cjk = CJK_FACE.get(lang or "", "sc") if script in ("Jpan", "Hani") else None
    first = face or SCRIPT_FACE.get(script) or cjk or "sans"
    return [first] + [f for f in ("sans", "thai", CJK_FACE.get(lang or "", "jp"), "deva", "arab") if f != first]


def runs(text: str, chain: list[str]) -> list[tuple[str, str]]:
    """Split text into (face, substring) runs, each char in the first face that covers it."""
    out: list[tuple[str, str]] = []
    for ch in text:
        if out and (ch.isspace() or unicodedata.category(ch)[0] == "M"):
            face: str | None = out[-1][0]  # spaces and combining marks stay with their base
        else:
            face = next((f for f in chain if covers(f, ch)), None)
        if face is None:
            sys.exit(f"no font covers {ch!r} (U+{ord(ch):04X}) in {text!r}")
        if out and out[-1][0] == face:
            out[-1] = (face, out[-1][1] + ch)
        else:
            out.append((face, ch))
    return out


def measure(text: str, chain: list[str], bold: bool, size: int, script: str) -> float:
    if script in RTL:
        return get_font(chain[0], bold, size).getlength(text, direction="rtl")
    return sum(get_font(f, bold, size).getlength(t) for f, t in runs(text, chain))


def draw_text(draw: ImageDraw.ImageDraw, x: float, base: float, text: str, chain: list[str],
              bold: bool, size: int, fill: tuple[int, ...], script: str) -> None:
    """Draw one line starting at x on baseline `base` with per-script font fallback."""
    if script in RTL:
        if any(not covers(chain[0], c) for c in text):
            sys.exit(f"RTL line must be covered by {chain[0]}: {text!r}")
        draw.text((x, base), text, font=get_font(chain[0], bold, size), fill=fill, anchor="ls", direction="rtl")
        return
    for face, t in runs(text, chain):
        f = get_font(face, bold, size)
        draw.text((x, base), t, font=f, fill=fill, anchor="ls")
        x += f.getlength(t)


# ----------------------------------------------------------------------------- textures
def smooth(rng: np.random.Generator, h: int, w: int, cy: int, cx: int) -> np.ndarray:
    """Low-frequency noise in 0..1 (a random grid upsampled bicubically)."""
    g = rng.random((max(cy, 2), max(cx, 2))).astype(np.float32)
    return np.clip(np.asarray(Image.fromarray(g, "F").resize((w, h), Image.BICUBIC)), 0, 1)


def texture(kind: str, rng: np.random.Generator, h: int, w: int, color: tuple[int, int, int]) -> np.ndarray:
    """An HxWx3 float texture of `kind` tinted by `color`."""
    c = np.array(color, np.float32)
    if kind == "brick":
        out = np.empty((h, w, 3), np.float32)
        out[:] = (190, 184, 172)
        bh = int(rng.integers(36, 50)); bw = int(bh * 2.4)
        for row, y in enumerate(range(0, h, bh)):
            for x in range(-(bw // 2) * (row % 2), w, bw):
                out[y + 3:y + bh - 2, max(x + 3, 0):max(x + bw - 2, 0)] = c + rng.normal(0, 14, 3)
        return out * (0.82 + 0.3 * smooth(rng, h, w, 5, 7))[..., None]
    if kind == "wood":
        grain = smooth(rng, h, w, h // 5, 3) * 0.22 + smooth(rng, h, w, h // 40, 2) * 0.12
        seams = np.ones((h, 1), np.float32)
        plank = int(rng.integers(90, 140))
        seams[np.arange(h) % plank < 3] = 0.6
        return c * (0.8 + grain)[..., None] * seams[..., None]
    if kind == "concrete":
        return c * (0.82 + 0.25 * smooth(rng, h, w, 6, 9) + 0.06 * smooth(rng, h, w, h // 8, w // 8))[..., None]
    if kind == "painted":
        return c * (0.94 + 0.08 * smooth(rng, h, w, h // 6, 4))[..., None]
    if kind == "paper":
        return c * (0.965 + 0.035 * smooth(rng, h, w, 5, 5))[..., None]
    if kind == "chalk":
        return c * (0.9 + 0.25 * smooth(rng, h, w, 8, 12))[..., None]
    if kind in ("gradient", "metal"):
        t = np.linspace(0, 1, h, dtype=np.float32)[:, None] * np.ones((1, w), np.float32)
        top = c * (1.18 if kind == "gradient" else 1.08)
        return top * (1 - t[..., None] * (0.35 if kind == "gradient" else 0.16))
    raise ValueError(kind)


# Each style: background texture/colour, panel texture/colour, ink, accent, frame colour, panel
# rectangle (fractions of canvas), alignment, bold, corner radius.
STYLES: dict[str, dict] = {
    "board_brick": dict(bg=("brick", (150, 62, 45)), panel=("painted", (246, 226, 120)), ink=(40, 30, 20),
                        accent=(175, 20, 20), frame=(70, 45, 25), box=(0.07, 0.09, 0.93, 0.91)),
    "board_wood": dict(bg=("concrete", (170, 168, 160)), panel=("wood", (150, 100, 60)), ink=(252, 246, 230),
                       accent=(255, 224, 120), frame=(70, 40, 20), box=(0.05, 0.08, 0.95, 0.92)),
    "lightbox": dict(bg=("concrete", (120, 120, 125)), panel=("gradient", (200, 30, 40)), ink=(255, 255, 255),
                     accent=(255, 240, 170), frame=(40, 40, 45), box=(0.04, 0.1, 0.96, 0.9)),
    "lightbox_blue": dict(bg=("brick", (120, 95, 80)), panel=("gradient", (20, 70, 150)), ink=(255, 255, 255),
                          accent=(255, 220, 90), frame=(30, 30, 35), box=(0.05, 0.1, 0.95, 0.9)),
    "lightbox_green": dict(bg=("concrete", (150, 150, 140)), panel=("gradient", (0, 120, 80)), ink=(255, 255, 255),
                           accent=(255, 255, 200), frame=(235, 235, 235), box=(0.05, 0.08, 0.95, 0.92)),
    "chalkboard": dict(bg=("wood", (120, 80, 50)), panel=("chalk", (40, 56, 48)), ink=(240, 240, 232),
                       accent=(255, 230, 150), frame=(95, 60, 35), box=(0.08, 0.07, 0.92, 0.93), align="split"),
    "street_blue": dict(bg=("gradient", (150, 185, 220)), panel=("metal", (25, 70, 150)), ink=(255, 255, 255),
                        accent=(255, 255, 255), frame=(245, 245, 245), box=(0.06, 0.22, 0.94, 0.78), radius=24),
    "street_white": dict(bg=("gradient", (170, 195, 215)), panel=("metal", (236, 236, 230)), ink=(20, 20, 20),
                         accent=(20, 20, 20), frame=(25, 25, 25), box=(0.08, 0.27, 0.92, 0.73), radius=10),
    "street_green": dict(bg=("gradient", (160, 190, 210)), panel=("metal", (0, 110, 70)), ink=(255, 255, 255),
                         accent=(255, 255, 255), frame=(245, 245, 245), box=(0.06, 0.15, 0.94, 0.85), radius=20),
    "flyer": dict(bg=("concrete", (140, 135, 125)), panel=("paper", (250, 247, 238)), ink=(30, 30, 40),
                  accent=(190, 40, 90), frame=(220, 215, 205), box=(0.1, 0.05, 0.9, 0.95)),
    "flyer_yellow": dict(bg=("brick", (160, 80, 55)), panel=("paper", (255, 236, 110)), ink=(25, 25, 30),
                         accent=(200, 30, 30), frame=(230, 210, 90), box=(0.08, 0.05, 0.92, 0.95)),
    "receipt": dict(bg=("wood", (165, 120, 80)), panel=("paper", (248, 247, 242)), ink=(35, 35, 40),
                    accent=(35, 35, 40), frame=(225, 225, 220), box=(0.16, 0.03, 0.84, 0.97), align="split",
                    bold=False, uniform=True),
    "label": dict(bg=("gradient", (215, 225, 205)), panel=("paper", (252, 252, 246)), ink=(20, 60, 30),
                  accent=(150, 30, 30), frame=(40, 110, 60), box=(0.07, 0.08, 0.93, 0.92), radius=30),
    "price_tag": dict(bg=("concrete", (205, 205, 200)), panel=("painted", (255, 214, 30)), ink=(20, 20, 20),
                      accent=(200, 20, 20), frame=(200, 20, 20), box=(0.08, 0.1, 0.92, 0.9), radius=18),
}
LINE_HEIGHT = {"Thai": 1.75, "Deva": 1.7, "Arab": 1.8}


def render(scene: Scene, rng: np.random.Generator) -> Image.Image:
    """Draw the upright scene: background, framed panel, text lines, then camera effects."""
    st = STYLES[scene.style]
    w, h = scene.size
    canvas = texture(st["bg"][0], rng, h, w, st["bg"][1])
    x0, y0, x1, y1 = (int(round(v)) for v in np.array(st["box"]) * (w, h, w, h))
    img = Image.fromarray(np.clip(canvas, 0, 255).astype(np.uint8), "RGB")
    shadow = Image.new("L", (w, h), 0)
    radius = st.get("radius", 6)
    ImageDraw.Draw(shadow).rounded_rectangle((x0 + 8, y0 + 10, x1 + 8, y1 + 10), radius, fill=110)
    img.paste((0, 0, 0), (0, 0), shadow.filter(ImageFilter.GaussianBlur(9)))
    fw = max(6, (x1 - x0) // 70)
    mask = Image.new("L", (w, h), 0)
    ImageDraw.Draw(mask).rounded_rectangle((x0, y0, x1, y1), radius, fill=255)
    img.paste(st["frame"], (0, 0), mask)
    inner = (x0 + fw, y0 + fw, x1 - fw, y1 - fw)
    panel = texture(st["panel"][0], rng, inner[3] - inner[1], inner[2] - inner[0], st["panel"][1])
    pmask = Image.new("L", (w, h), 0)
    ImageDraw.Draw(pmask).rounded_rectangle(inner, max(radius - fw, 0), fill=255)
    img.paste(Image.fromarray(np.clip(panel, 0, 255).astype(np.uint8), "RGB"), (inner[0], inner[1]),
              pmask.crop(inner))
    draw_lines(img, scene, st, inner)
    return camera(img, rng, scene)


def draw_lines(img: Image.Image, scene: Scene, st: dict, inner: tuple[int, int, int, int]) -> None:
    style_bold = st.get("bold", True)
    pad_x, pad_y = (inner[2] - inner[0]) * 0.06, (inner[3] - inner[1]) * 0.06
    box_w, box_h = inner[2] - inner[0] - 2 * pad_x, inner[3] - inner[1] - 2 * pad_y
    lines = scene.lines
    units = sum(ln.scale * LINE_HEIGHT.get(ln.script, 1.45) for ln in lines)
    base = min(box_h / units, scene.max_px)
    layer = Image.new("RGBA", img.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)

    def fit(base: float) -> list[tuple[int, list[str]]]:
        out = []
        for ln in lines:
            chain = font_chain(ln.script, ln.language, ln.face)
            size = int(base * ln.scale)
            bold = style_bold if ln.bold is None else ln.bold
            while size > 12 and measure(ln.draw_text.replace("\t", "    "), chain, bold, size, ln.script) > box_w:
                size -= 2
            out.append((size, chain))
        if st.get("uniform"):  # receipts: one type size for every line
            k = min(s / ln.scale for (s, _), ln in zip(out, lines))
            out = [(int(k * ln.scale), c) for (_, c), ln in zip(out, lines)]
        return out

    def height(sz: list[tuple[int, list[str]]]) -> float:
        return sum(s * LINE_HEIGHT.get(ln.script, 1.45) for (s, _), ln in zip(sz, lines))

    sizes = fit(base)
    for _ in range(8):  # grow lines that are not width-limited until the panel is filled
        used = height(sizes)
        if used > box_h * 0.97 or base >= scene.max_px:
            break
        nb = min(base * min(1.25, box_h / used), scene.max_px)
        cand = fit(nb)
        if height(cand) > box_h:
            break
        base, sizes = nb, cand
    used = height(sizes)
    y = inner[1] + pad_y + (box_h - used) / 2
    for ln, (size, chain) in zip(lines, sizes):
        lh = size * LINE_HEIGHT.get(ln.script, 1.45)
        baseline = y + lh * 0.72
        fill = st["accent"] if ln.accent else st["ink"]
        bold = style_bold if ln.bold is None else ln.bold
        align = ln.align or st.get("align", "center")
        if "\t" in ln.draw_text:
            left, right = ln.draw_text.split("\t")
            draw_text(draw, inner[0] + pad_x, baseline, left, chain, bold, size, fill, ln.script)
            rw = measure(right, chain, bold, size, ln.script)
            draw_text(draw, inner[2] - pad_x - rw, baseline, right, chain, bold, size, fill, ln.script)
        else:
            tw = measure(ln.draw_text, chain, bold, size, ln.script)
            x = {"center": inner[0] + (inner[2] - inner[0] - tw) / 2, "left": inner[0] + pad_x,
                 "split": inner[0] + pad_x, "right": inner[2] - pad_x - tw}[align]
            draw_text(draw, x, baseline, ln.draw_text, chain, bold, size, fill, ln.script)
        y += lh
    if st["panel"][0] == "chalk":  # chalk: slightly broken strokes
        a = np.asarray(layer, np.float32)
        rng = np.random.default_rng(zlib.crc32(scene.path.encode()))
        a[..., 3] *= 0.8 + 0.2 * rng.random(a.shape[:2], dtype=np.float32)
        layer = Image.fromarray(a.astype(np.uint8), "RGBA")
    img.alpha_composite(layer) if img.mode == "RGBA" else img.paste(layer, (0, 0), layer)


def perspective_coeffs(dst: list[tuple[float, float]], src: list[tuple[float, float]]) -> list[float]:
    """Coefficients mapping output points `dst` to input points `src` for Image.PERSPECTIVE."""
    a, b = [], []
    for (x, y), (u, v) in zip(dst, src):
        a.append([x, y, 1, 0, 0, 0, -u * x, -u * y]); b.append(u)
        a.append([0, 0, 0, x, y, 1, -v * x, -v * y]); b.append(v)
    return [float(c) for c in np.linalg.solve(np.array(a, float), np.array(b, float))]


def camera(img: Image.Image, rng: np.random.Generator, scene: Scene) -> Image.Image:
    """Mild perspective, uneven light, blur and sensor noise (milder for 'scan' PNGs)."""
    w, h = img.size
    k = scene.warp
    src = [(rng.uniform(0, k) * w, rng.uniform(0, k) * h), (w - rng.uniform(0, k) * w, rng.uniform(0, k) * h),
           (w - rng.uniform(0, k) * w, h - rng.uniform(0, k) * h), (rng.uniform(0, k) * w, h - rng.uniform(0, k) * h)]
    img = img.transform((w, h), Image.PERSPECTIVE, perspective_coeffs([(0, 0), (w, 0), (w, h), (0, h)], src),
                        Image.BICUBIC)
    a = np.asarray(img, np.float32)
    light = 0.88 + 0.18 * smooth(rng, h, w, 3, 3)
    a = a * light[..., None]
    img = Image.fromarray(np.clip(a, 0, 255).astype(np.uint8), "RGB")
    img = img.filter(ImageFilter.GaussianBlur(scene.blur))
    if scene.noise:
        a = np.asarray(img, np.float32) + rng.normal(0, scene.noise, (h, w, 1)).astype(np.float32)
        img = Image.fromarray(np.clip(a, 0, 255).astype(np.uint8), "RGB")
    return img


# ----------------------------------------------------------------------------- EXIF
def dms(value: float) -> tuple[IFDRational, IFDRational, IFDRational]:
    v = abs(value)
    d = int(v); m = int((v - d) * 60); s = round((v - d - m / 60) * 3600 * 10000)
    return IFDRational(d, 1), IFDRational(m, 1), IFDRational(s, 10000)


def build_exif(scene: Scene) -> tuple[Image.Exif | None, dict | None]:
    """EXIF (IFD0 + Exif IFD + GPS IFD) and its manifest record; offset from the zone's rules."""
    ex = Image.Exif()
    if scene.orientation != 1:
        ex[0x0112] = scene.orientation
    if scene.exif is None:
        return (ex if scene.orientation != 1 else None), None
    lm = LANDMARKS[scene.exif.landmark]
    lat, lon = lm.lat, lm.lon
    local = datetime.strptime(scene.exif.datetime, "%Y:%m:%d %H:%M:%S")
    off = local.replace(tzinfo=ZoneInfo(lm.tz)).utcoffset() or timedelta(0)
    mins = int(off.total_seconds() // 60)
    offset = f"{'+' if mins >= 0 else '-'}{abs(mins) // 60:02d}:{abs(mins) % 60:02d}"
    utc = local - off
    ex[0x010F], ex[0x0110], ex[0x0132] = scene.exif.make, scene.exif.model, scene.exif.datetime
    e = ex.get_ifd(0x8769)
    e[0x9000] = b"0232"
    e[0x9003] = e[0x9004] = scene.exif.datetime
    e[0x9010] = e[0x9011] = e[0x9012] = offset
    g = ex.get_ifd(0x8825)
    g[0x0000] = b"\x02\x03\x00\x00"
    g[0x0001], g[0x0002] = ("N" if lat >= 0 else "S"), dms(lat)
    g[0x0003], g[0x0004] = ("E" if lon >= 0 else "W"), dms(lon)
    g[0x0007] = (IFDRational(utc.hour, 1), IFDRational(utc.minute, 1), IFDRational(utc.second, 1))
    g[0x001D] = utc.strftime("%Y:%m:%d")
    import reverse_geocoder  # local import: only needed here

    hit = reverse_geocoder.RGeocoder(mode=1, verbose=False).query([(lat, lon)])[0]
    country = SERIES_COUNTRY[scene.series]
    if hit["cc"] != country or lm.country != country:
        sys.exit(f"{scene.path}: GPS {lat},{lon} geocodes to {hit['cc']}, scene is {country}")
    rec = {"gps": [lat, lon], "gps_country": hit["cc"], "gps_admin1": hit["admin1"], "gps_landmark": lm.name,
           "datetime": scene.exif.datetime, "offset": offset, "tz": lm.tz,
           "make": scene.exif.make, "model": scene.exif.model}
    return ex, rec


def check_exif(path: Path, rec: dict | None, orientation: int) -> None:
    """Read EXIF back with Pillow and fail loudly on any mismatch."""
    ex = Image.open(path).getexif()
    if ex.get(0x0112, 1) != orientation:
        sys.exit(f"{path}: orientation {ex.get(0x0112)} != {orientation}")
    if rec is None:
        if 0x8825 in ex or 0x010F in ex:
            sys.exit(f"{path}: unexpected EXIF")
        return
    g, e = ex.get_ifd(0x8825), ex.get_ifd(0x8769)

    def deg(t: tuple, ref: str) -> float:
        return (float(t[0]) + float(t[1]) / 60 + float(t[2]) / 3600) * (-1 if ref in "SW" else 1)

    ok = (abs(deg(g[2], g[1]) - rec["gps"][0]) < 1e-6 and abs(deg(g[4], g[3]) - rec["gps"][1]) < 1e-6
          and e.get(0x9003) == rec["datetime"] and e.get(0x9011) == rec["offset"] and e.get(0x9010) == rec["offset"]
          and ex.get(0x010F) == rec["make"] and ex.get(0x0110) == rec["model"])
    if not ok:
        sys.exit(f"{path}: EXIF read-back mismatch: gps={dict(g)} exif={dict(e)}")


# ----------------------------------------------------------------------------- checks + OCR
def check_entities(scene: Scene) -> list[dict]:
    """Every phone/domain/e-mail/currency must appear on a line; phones must be valid."""
    texts = [ln.text for ln in scene.lines]
    for s in [p for p, _ in scene.phones] + scene.domains + scene.emails + [c for c, _ in scene.currencies]:
        if not any(s in t for t in texts):
            sys.exit(f"{scene.path}: {s!r} is on no line")
    phones = []
    for text, region in scene.phones:
        num = phonenumbers.parse(text, region)
        if not phonenumbers.is_valid_number(num) or phonenumbers.region_code_for_number(num) != region:
            sys.exit(f"{scene.path}: {text!r} is not a valid {region} number")
        phones.append({"text": text, "e164": phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.E164),
                       "region": region, "international": text.startswith("+")})
    return phones


def norm(s: str) -> str:
    return "".join(s.split())


def ocr_reads(engine, path: Path, scene: Scene) -> tuple[list[bool], list[str]]:
    """Which lines RapidOCR reads exactly (whitespace removed), as one box or adjacent boxes."""
    img = ImageOps.exif_transpose(Image.open(path)).convert("RGB")
    res = engine(img)
    txts = [norm(t) for t in (res.txts or ())]
    joined = {"".join(txts[i:j]) for i in range(len(txts)) for j in range(i + 1, min(i + 4, len(txts)) + 1)}
    return [norm(ln.text) in joined for ln in scene.lines], list(res.txts or ())


def make_engine():
    from rapidocr import RapidOCR

    import rapidocr
    p = Path(rapidocr.__file__).parent / "models"
    return RapidOCR(params={"Global.log_level": "warning", "Det.model_path": str(p / "PP-OCRv6_det_small.onnx"),
                            "Rec.model_path": str(p / "PP-OCRv6_rec_small.onnx"),
                            "Cls.model_path": str(p / "ch_ppocr_mobile_v2.0_cls_mobile.onnx"),
                            "EngineConfig.onnxruntime.intra_op_num_threads": 2})


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=ROOT / "samples_benign")
    ap.add_argument("--no-ocr", action="store_true", help="skip the RapidOCR recall measurement")
    ap.add_argument("--only", help="render only scenes whose path contains this (manifest not written)")
    args = ap.parse_args()
    if not features.check("raqm"):
        sys.exit("Pillow lacks libraqm: Thai/Arabic/Devanagari cannot be shaped")
    engine = None if args.no_ocr else make_engine()
    items = []
    for scene in SCENES:
        if args.only and args.only not in scene.path:
            continue
        rng = np.random.default_rng([SEED, zlib.crc32(scene.path.encode())])
        phones = check_entities(scene)
        img = render(scene, rng)
        if scene.orientation == 6:  # store rotated 90 deg CCW; a reader applying EXIF sees it upright
            img = img.transpose(Image.ROTATE_90)
        elif scene.orientation != 1:
            raise ValueError("only orientation 1 and 6 are generated")
        exif, rec = build_exif(scene)
        path = args.out / scene.path
        path.parent.mkdir(parents=True, exist_ok=True)
        kw: dict = {"exif": exif.tobytes()} if exif is not None else {}
        if path.suffix == ".png":
            # palette PNG (a flat "scan"/export): keeps the sample set small; no dithering, deterministic
            img = img.quantize(colors=PNG_COLORS, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
            img.save(path, "PNG", optimize=True, **kw)
        else:
            img.save(path, "JPEG", quality=85, optimize=True, **kw)
        check_exif(path, rec, scene.orientation)
        reads, seen = ocr_reads(engine, path, scene) if engine else ([None] * len(scene.lines), [])
        verdict = f"{sum(bool(r) for r in reads)}/{len(reads)} lines read by RapidOCR" if engine else "OCR skipped"
        print(f"{scene.path}: {verdict}; OCR={seen}", flush=True)
        items.append({
            "path": scene.path, "series": scene.series, "country": SERIES_COUNTRY[scene.series],
            "scene": scene.scene, "format": "png" if path.suffix == ".png" else "jpeg",
            "orientation": scene.orientation,
            "lines": [{"text": ln.text, "language": ln.language, "script": ln.script, "rapidocr_reads": r}
                      for ln, r in zip(scene.lines, reads)],
            "phones": phones, "domains": scene.domains, "emails": scene.emails,
            "currencies": [{"text": t, "code": c} for t, c in scene.currencies], "exif": rec})
    if args.only:
        return
    written = {args.out / s.path for s in SCENES}
    for stale in sorted(p for p in args.out.rglob("*") if p.suffix in (".jpg", ".png") and p not in written):
        print(f"removing stale {stale}")
        stale.unlink()
    manifest = {"version": 1, "generator": "scripts/make_samples.py", "seed": SEED,
                "ocr_check": None if args.no_ocr else
                "RapidOCR PP-OCRv6 small det/rec on the EXIF-transposed image; a line is read when its text "
                "(whitespace removed) equals one box or up to 4 adjacent boxes joined",
                "items": items}
    from sample_misses import carry_over  # a scan's recorded expected misses of unchanged truth stay

    carry_over(manifest, args.out / "manifest.json")
    (args.out / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1) + "\n", "utf-8")
    print(f"{len(items)} images written to {args.out}")


if __name__ == "__main__":
    main()
