"""Train the line-script classifier that the OCR router asks before any recogniser reads a box
(clueextract/ocr/script_id.py explains why it exists).

Data: text lines are built from CLDR strings (Babel's locale data: territory, language, script,
currency, month and day names in every locale, a few thousand strings per script) and made-up
numbers (in the script's own digits where it has them), rendered with every installed font that
covers the script (fontconfig's charset query; Pillow with libraqm shapes Indic, Arabic, Khmer
and Myanmar text), then degraded the way a camera and the text detector degrade a sign: grounds
(flat, gradients, textures, stripes, patches of real photos), low contrast, bold strokes, blur,
noise, JPEG, low resolution, slant, slight rotation, loose or tight margins, cut-off ends.
`Viet` lines hold Vietnamese letters (ă ơ ư đ and tone marks); `Zyyy` lines are Western digits
and punctuation; `none` crops are patches of real photos where RapidOCR's detector finds no text,
textures, strokes, stripes, frames and symbols. A share of lines mixes a script with Latin and is
trained towards both classes. The real photos are the sample photos and the TUNING part of
eval/real only (never the check part), used as grounds and text-free patches, never as labels.

Reproduce (training only; nothing here is needed to run clueextract):
    scripts/install_system_deps.sh --train-fonts        # the Debian font packages it renders with
    python3.11 -m venv /tmp/tv && /tmp/tv/bin/pip install torch==2.13.0 fonttools onnx numpy \
        pillow==13.0.0 babel==2.18.0 regex rapidocr==3.10.0 onnxruntime==1.31.1 opencv-python-headless \
        pyyaml jsonschema
    /tmp/tv/bin/python scripts/train_script_id.py --out clueextract/data
then put the printed SHA-256 into clueextract/data/models.json ("script-id"). Seeds are fixed;
the same fonts, photos and library versions give the same data (torch's CPU kernels may still
move the last digits of the weights). Measured on the 2-core build machine (shared): about 4
minutes to render 61,600 crops, 6 minutes an epoch; 10 epochs.
"""
from __future__ import annotations

import argparse
import hashlib
import io
import json
import random
import subprocess
import sys
import time
import unicodedata
from collections import defaultdict
from pathlib import Path

import numpy as np
import regex
from PIL import Image, ImageDraw, ImageFilter, ImageFont

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from clueextract.ocr.script_id import INPUT_H, INPUT_W, normalise, windows  # noqa: E402


# class -> code points a font must cover to render it (fontconfig charset query)
CLASSES: dict[str, tuple[int, ...]] = {
    "Latn": (0x41, 0x61, 0xE9), "Viet": (0x1EA1, 0x1B0, 0x111, 0x1EDD), "Cyrl": (0x430, 0x416), "Grek": (0x3B1, 0x3A9),
    "Armn": (0x531, 0x561), "Geor": (0x10D0,), "Hebr": (0x5D0,), "Arab": (0x627, 0x6CC), "Syrc": (0x710,),
    "Deva": (0x905, 0x915), "Beng": (0x995,), "Guru": (0xA15,), "Gujr": (0xA95,),
    "Orya": (0xB15,), "Taml": (0xB95,), "Telu": (0xC15,), "Knda": (0xC95,), "Mlym": (0xD15,), "Sinh": (0xD85,),
    "Thai": (0xE01,), "Laoo": (0xE81,), "Tibt": (0xF40,), "Mymr": (0x1000,), "Khmr": (0x1780,), "Ethi": (0x1200,),
    "Cher": (0x13A0,), "Tfng": (0x2D30,), "Olck": (0x1C5A,), "Nkoo": (0x7CA,), "Vaii": (0xA500,),
    "Hang": (0xAC00, 0x3131), "Hani": (0x4E00, 0x570B), "Jpan": (0x3042, 0x30A2, 0x4E00),
    "Zyyy": (0x30, 0x39), "none": (),
}
_VIET = set("ăắằẳẵặâấầẩẫậđêếềểễệôốồổỗộơớờởỡợưứừửữựạảẹẻẽịỉọỏụủỵỷỹ")
_VIET |= {c.upper() for c in _VIET}
# Words of Vietnamese signs, receipts and addresses (CLDR's Vietnamese strings are mostly place names).
VIET_WORDS = """Phở Bò Tái Nạm Cơm tấm Bánh mì Cà phê sữa đá Nhà hàng Khách sạn Đường Phường Quận Huyện Tỉnh Thành phố
Trường học Ngân hàng Bệnh viện Nhà thuốc Chợ Siêu thị Cửa hàng Tiệm Sửa chữa Xe máy Công ty Trách nhiệm hữu hạn
Điện thoại Giá Mua Bán Nước mía Trà đá Bún chả Gỏi cuốn Lẩu Hải sản Gà rán Thịt nướng Hà Nội Sài Gòn Hồ Chí Minh
Đà Nẵng Huế Cần Thơ Hải Phòng Nha Trang Vũng Tàu Đắk Lắk Quảng Ninh Bình Dương Đồng Nai Giảm giá Khuyến mãi
Tổng cộng Tiền mặt Cảm ơn quý khách Hóa đơn bán lẻ Số lượng Thành tiền Mở cửa Đóng cửa Lối vào Lối ra Cấm đỗ xe
Bưu điện Việt Nam Hàng không Trung tâm Văn phòng Thuê Cho thuê nhà Nội thất Điện máy Thời trang Mỹ phẩm Tạp hóa
Gạo Thịt Cá Rau Trái cây Bia Rượu Nước ngọt Kem Bánh Kẹo Sữa chua Dầu ăn Nước mắm Muối Đường Bột ngọt Mì tôm
Trường Anh ngữ Tiếng Việt Học sinh Giáo viên Thư viện Công an Ủy ban nhân dân Xã Thị trấn Ấp Khu phố Hẻm Ngõ Ngách""".split()
_SPACELESS = {"Thai", "Laoo", "Khmr", "Mymr", "Hani", "Jpan", "Tibt"}
# Scripts with digits of their own: number lines in them belong to the script (Persian plates,
# Bengali registration numbers, Thai prices), not to `Zyyy`.
NATIVE_DIGITS = {
    "Arab": ("٠١٢٣٤٥٦٧٨٩", "۰۱۲۳۴۵۶۷۸۹"), "Deva": ("०१२३४५६७८९",), "Beng": ("০১২৩৪৫৬৭৮৯",),
    "Guru": ("੦੧੨੩੪੫੬੭੮੯",), "Gujr": ("૦૧૨૩૪૫૬૭૮૯",), "Orya": ("୦୧୨୩୪୫୬୭୮୯",), "Taml": ("௦௧௨௩௪௫௬௭௮௯",),
    "Telu": ("౦౧౨౩౪౫౬౭౮౯",), "Knda": ("೦೧೨೩೪೫೬೭೮೯",), "Mlym": ("൦൧൨൩൪൫൬൭൮൯",), "Thai": ("๐๑๒๓๔๕๖๗๘๙",),
    "Laoo": ("໐໑໒໓໔໕໖໗໘໙",), "Tibt": ("༠༡༢༣༤༥༦༧༨༩",), "Mymr": ("၀၁၂၃၄၅၆၇၈၉",), "Khmr": ("០១២៣៤៥៦៧៨៩",),
    "Nkoo": ("߀߁߂߃߄߅߆߇߈߉",), "Olck": ("᱐᱑᱒᱓᱔᱕᱖᱗᱘᱙",),
}
_BICAMERAL = {"Latn", "Viet", "Cyrl", "Grek", "Armn"}


_SCRIPTS = [c for c in CLASSES if c not in ("Viet", "Jpan", "Zyyy", "none", "Hani")]
_SCRIPT_RE = regex.compile("|".join([r"(?P<Hani>\p{Script=Han})", r"(?P<Kana>[\p{Script=Hiragana}\p{Script=Katakana}])"]
                                    + [r"(?P<%s>\p{Script=%s})" % (c, c) for c in _SCRIPTS]))
_LETTER = regex.compile(r"[\p{L}\p{M}]")


def script_of(s: str) -> str | None:
    """The one class of a string's letters (90 %+ of them), or None; kana with Han is Jpan."""
    counts: dict[str, int] = defaultdict(int)
    for ch in s:
        if _LETTER.match(ch):
            m = _SCRIPT_RE.match(ch)
            counts[m.lastgroup if m else "?"] += 1
    if not counts:
        return None
    total = sum(counts.values())
    if "Kana" in counts:
        return "Jpan" if counts["Kana"] + counts.get("Hani", 0) >= 0.9 * total else None
    best = max(counts, key=counts.__getitem__)
    return best if best != "?" and counts[best] >= 0.9 * total else None


def corpus() -> dict[str, list[str]]:
    """Strings per class from CLDR (Babel), Vietnamese sign words, made-up numbers."""
    from babel import Locale, localedata

    out: dict[str, set[str]] = defaultdict(set)
    for lid in sorted(localedata.locale_identifiers()):
        try:
            loc = Locale.parse(lid)
        except Exception:  # noqa: BLE001 - a few CLDR identifiers do not parse
            continue
        strs: list[str] = []
        for d in (loc.territories, loc.languages, loc.scripts, loc.currencies):
            strs += [str(v) for v in d.values()]
        for ctx in ("format", "stand-alone"):
            for width in ("wide", "abbreviated"):
                for table in (loc.months, loc.days):
                    try:
                        strs += [str(v) for v in table[ctx][width].values()]
                    except (KeyError, TypeError):
                        pass
        for s in strs:
            s = unicodedata.normalize("NFC", " ".join(s.split()))
            sc = script_of(s)
            if sc is None:
                continue
            if sc == "Latn" and any(ch in _VIET for ch in s):
                if lid.split("_")[0] != "vi":
                    continue  # Yoruba, Igbo ... share letters with dots below: neither Latn nor Viet
                sc = "Viet"
            out[sc].add(s)
    out["Viet"].update(VIET_WORDS)
    return {k: sorted(v) for k, v in out.items()}


def number_line(rng: random.Random) -> str:
    pats = ["+{cc} {a} {b} {c}", "{a}-{b}-{c}", "({a}) {b}-{c}", "{d}:{e}", "{d}/{e}/20{e}", "{n}.{e}",
            "${n}", "{n},{e}", "{n} {e}", "#{n}", "{a} {b}", "{n}%", "20{e}-{e}-{e}", "{n}.000", "0{a} {b} {c}"]
    f = rng.choice(pats)
    r = lambda k: str(rng.randrange(10 ** (k - 1), 10 ** k))  # noqa: E731
    return f.format(cc=rng.randint(1, 998), a=r(rng.randint(2, 3)), b=r(3), c=r(4), d=r(2), e=r(2), n=r(rng.randint(1, 5)))


def native_number(cls: str, rng: random.Random) -> str:
    digits = rng.choice(NATIVE_DIGITS[cls])
    return number_line(rng).translate(str.maketrans("0123456789", digits))


def make_text(cls: str, words: dict[str, list[str]], rng: random.Random) -> str:
    if cls == "Zyyy":
        return number_line(rng)
    if cls in NATIVE_DIGITS and rng.random() < 0.15:
        number = native_number(cls, rng)
        if rng.random() < 0.5:
            return number
        return f"{rng.choice(words[cls])} {number}"
    pool = words[cls]
    n = rng.choice([1, 1, 2, 2, 3, 4, 5])
    sep = "" if cls in _SPACELESS and rng.random() < 0.5 else " "
    text = sep.join(rng.choice(pool) for _ in range(n))
    if cls in _BICAMERAL:
        r = rng.random()
        text = text.upper() if r < 0.35 else text.title() if r < 0.5 else text
    if rng.random() < 0.15:
        text = f"{text} {number_line(rng)}" if rng.random() < 0.5 else f"{number_line(rng)} {text}"
    if len(text) > 40:
        cut = rng.randint(12, 40)
        text = text[:cut].rstrip()
    return text


def fonts_for(cps: tuple[int, ...]) -> list[str]:
    pattern = ":charset=" + " ".join(f"{c:x}" for c in cps)
    out = subprocess.run(["fc-list", pattern, "file"], capture_output=True, text=True, check=True).stdout
    files = sorted({line.split(":")[0].strip() for line in out.splitlines() if line.strip()})
    return [f for f in files if f.lower().endswith((".ttf", ".otf", ".ttc"))]


def by_family(files: list[str]) -> list[list[str]]:
    """Font files grouped by family (file name up to the first '-'), so families count equally."""
    fam: dict[str, list[str]] = defaultdict(list)
    for f in files:
        fam[Path(f).stem.split("-")[0].lower()].append(f)
    return [fam[k] for k in sorted(fam)]


_CMAPS: dict[str, frozenset[int]] = {}


def covers(font_file: str, text: str) -> bool:
    """Whether the font has a glyph for every character of the text (no tofu boxes)."""
    cmap = _CMAPS.get(font_file)
    if cmap is None:
        from fontTools.ttLib import TTFont

        try:
            cmap = frozenset((TTFont(font_file, fontNumber=0, lazy=True)["cmap"].getBestCmap() or {}).keys())
        except Exception:  # noqa: BLE001 - unreadable font: covers nothing
            cmap = frozenset()
        _CMAPS[font_file] = cmap
    return all(ord(ch) in cmap for ch in text if not ch.isspace() and unicodedata.category(ch) != "Cf")


PHOTOS: list[np.ndarray] = []  # grey photos whose patches serve as grounds (set by main)


def photo_patch(w: int, h: int, rng: random.Random) -> np.ndarray | None:
    if not PHOTOS:
        return None
    img = rng.choice(PHOTOS)
    ph, pw = img.shape
    scale = rng.uniform(0.5, 3.0) * max(h / ph, w / pw, 0.02)
    ch, cw = min(ph, max(2, int(h / scale))), min(pw, max(2, int(w / scale)))
    y, x = rng.randrange(0, ph - ch + 1), rng.randrange(0, pw - cw + 1)
    patch = Image.fromarray(img[y:y + ch, x:x + cw]).resize((w, h), Image.Resampling.BILINEAR)
    return np.asarray(patch, np.float32)


def ground(w: int, h: int, rng: random.Random, nrng: np.random.Generator) -> np.ndarray:
    """A grey ground: flat, gradient, noise texture, stripes or a patch of a photo."""
    base = rng.uniform(0, 255)
    kind = rng.random()
    if kind < 0.2:
        patch = photo_patch(w, h, rng)
        if patch is not None:
            return patch
    if kind < 0.45:
        g = np.full((h, w), base, np.float32)
    elif kind < 0.7:
        x = np.linspace(0, 1, w, dtype=np.float32)[None, :]
        y = np.linspace(0, 1, h, dtype=np.float32)[:, None]
        g = base + rng.uniform(-80, 80) * x + rng.uniform(-80, 80) * y
    elif kind < 0.9:
        small = nrng.normal(base, rng.uniform(5, 50), (max(1, h // 8), max(1, w // 8))).astype(np.float32)
        g = np.asarray(Image.fromarray(small).resize((w, h), Image.Resampling.BICUBIC), np.float32)
    else:
        period = rng.randint(3, 20)
        stripes = (np.arange(w) // period % 2).astype(np.float32)[None, :] * rng.uniform(10, 60)
        g = base + np.repeat(stripes, h, axis=0)
    return np.clip(g + nrng.normal(0, rng.uniform(0, 8), (h, w)), 0, 255).astype(np.float32)


def render(text: str, font_file: str, rng: random.Random, nrng: np.random.Generator) -> np.ndarray | None:
    size = rng.randint(18, 64)
    try:
        font = ImageFont.truetype(font_file, size, layout_engine=ImageFont.Layout.RAQM)
        box = font.getbbox(text)
    except Exception:  # noqa: BLE001 - fonts that Pillow cannot open or lay out
        return None
    tw, th = box[2] - box[0], box[3] - box[1]
    if tw < 4 or th < 4:
        return None
    pad = size
    mask = Image.new("L", (tw + 2 * pad, th + 2 * pad), 0)
    ImageDraw.Draw(mask).text((pad - box[0], pad - box[1]), text, font=font, fill=255,
                              stroke_width=rng.choice((1, 1, 2)) if rng.random() < 0.25 else 0, stroke_fill=255)
    if rng.random() < 0.3:  # slant and rotation
        shear = rng.uniform(-0.3, 0.3)
        mask = mask.transform(mask.size, Image.Transform.AFFINE, (1, shear, -shear * mask.height / 2, 0, 1, 0),
                              Image.Resampling.BILINEAR)
    if rng.random() < 0.4:
        mask = mask.rotate(rng.uniform(-4, 4), Image.Resampling.BILINEAR)
    m = np.asarray(mask, np.float32) / 255.0
    ys, xs = np.nonzero(m > 0.2)
    if ys.size == 0:
        return None
    y0, y1, x0, x1 = ys.min(), ys.max() + 1, xs.min(), xs.max() + 1
    h = y1 - y0
    my = [int(rng.uniform(0.02, 0.35) * h) for _ in range(2)]
    mx = [int(rng.uniform(-0.15, 0.6) * h) for _ in range(2)]  # negative: the detector cut an end off
    y0, y1 = max(0, y0 - my[0]), min(m.shape[0], y1 + my[1])
    x0, x1 = max(0, x0 - mx[0]), min(m.shape[1], x1 + mx[1])
    if x1 - x0 < 4 or y1 - y0 < 4:
        return None
    m = m[y0:y1, x0:x1]
    bg = ground(m.shape[1], m.shape[0], rng, nrng)
    contrast = rng.uniform(35, 220) * (1 if rng.random() < 0.5 else -1)
    ink = np.clip(np.median(bg) - contrast, 0, 255)
    img = bg * (1 - m) + ink * m
    return degrade(img, rng, nrng)


def degrade(img: np.ndarray, rng: random.Random, nrng: np.random.Generator) -> np.ndarray:
    pil = Image.fromarray(np.clip(img, 0, 255).astype(np.uint8))
    if rng.random() < 0.35:  # low resolution
        f = rng.uniform(0.25, 0.7)
        small = pil.resize((max(2, int(pil.width * f)), max(2, int(pil.height * f))), Image.Resampling.BILINEAR)
        pil = small.resize(pil.size, Image.Resampling.BILINEAR)
    if rng.random() < 0.35:
        pil = pil.filter(ImageFilter.GaussianBlur(rng.uniform(0.3, 1.6)))
    if rng.random() < 0.4:
        buf = io.BytesIO()
        pil.save(buf, "JPEG", quality=rng.randint(15, 90))
        pil = Image.open(io.BytesIO(buf.getvalue())).convert("L")
    a = np.asarray(pil, np.float32)
    if rng.random() < 0.3:
        a = a + nrng.normal(0, rng.uniform(2, 15), a.shape)
    return np.clip(a, 0, 255).astype(np.uint8)


TEXT_FREE: list[np.ndarray] = []  # patches of real photos away from every detected text box (set by main)


def load_photos(manifest: Path, samples: Path) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Grey photos (the tuning part of eval/real and the sample photos, never the check part) and
    patches of them that RapidOCR's detector finds no text in: real textures, logos, edges."""
    import csv

    import cv2

    from clueextract.ocr.rapid import RapidOcrEngine

    paths = sorted(samples.rglob("*.jpg"))
    if manifest.is_file():
        for r in csv.DictReader(manifest.open(encoding="utf-8"), delimiter="\t"):
            if r["kind"] == "image" and r["split"] == "tune":
                base = manifest.parent if r["where"] == "repo" else ROOT.parent / "shared" / "realdev"
                if (base / r["file"]).is_file():
                    paths.append(base / r["file"])
    det = RapidOcrEngine(threads=2, min_confidence=0.0)
    rng = random.Random(5)
    photos, free = [], []
    for path in paths:
        rgb = np.asarray(Image.open(path).convert("RGB"))
        scale = min(1.0, 1200 / max(rgb.shape[:2]))
        if scale < 1.0:
            rgb = np.asarray(Image.fromarray(rgb).resize((int(rgb.shape[1] * scale), int(rgb.shape[0] * scale))))
        grey = np.asarray(Image.fromarray(rgb).convert("L"))
        photos.append(grey)
        mask = np.zeros(grey.shape, np.uint8)
        for poly in det.detect(rgb):
            cv2.fillPoly(mask, [poly.astype(np.int32)], 1)
        mask = cv2.dilate(mask, np.ones((15, 15), np.uint8))
        for _ in range(60):
            h = rng.randint(16, 80)
            w = min(grey.shape[1] - 1, int(h * rng.uniform(0.8, 10)))
            if h >= grey.shape[0] or w < 8:
                continue
            y, x = rng.randrange(0, grey.shape[0] - h), rng.randrange(0, grey.shape[1] - w)
            if not mask[y:y + h, x:x + w].any():
                free.append(grey[y:y + h, x:x + w].copy())
    print(f"{len(photos)} photos for grounds, {len(free)} text-free patches")
    return photos, free


def no_text(rng: random.Random, nrng: np.random.Generator, symbol_fonts: list[str]) -> np.ndarray:
    """A crop without text: a real photo patch without text, ground alone, strokes, frames,
    stripes, blobs or a pictograph."""
    if TEXT_FREE and rng.random() < 0.4:
        return degrade(rng.choice(TEXT_FREE).astype(np.float32), rng, nrng)
    h = rng.randint(16, 80)
    w = int(h * rng.uniform(0.8, 12))
    bg = ground(w, h, rng, nrng)
    pil = Image.fromarray(bg.astype(np.uint8))
    d = ImageDraw.Draw(pil)
    ink = int(np.clip(np.median(bg) + rng.choice([-1, 1]) * rng.uniform(40, 200), 0, 255))
    kind = rng.random()
    if kind < 0.2:
        for _ in range(rng.randint(1, 6)):
            d.line([(rng.uniform(0, w), rng.uniform(0, h)) for _ in range(rng.randint(2, 5))], fill=ink,
                   width=rng.randint(1, max(1, h // 6)))
    elif kind < 0.35:
        d.rectangle([rng.randint(0, w // 4), rng.randint(0, h // 4), rng.randint(3 * w // 4, w), rng.randint(3 * h // 4, h)],
                    outline=ink, width=rng.randint(1, 4))
    elif kind < 0.5:  # barcode-like or grille
        x = 0
        while x < w:
            bw = rng.randint(1, 5)
            if rng.random() < 0.5:
                d.rectangle([x, 0, x + bw, h], fill=ink)
            x += bw + rng.randint(1, 5)
    elif kind < 0.65:
        for _ in range(rng.randint(1, 8)):
            r = rng.uniform(2, h / 2)
            cx, cy = rng.uniform(0, w), rng.uniform(0, h)
            d.ellipse([cx - r, cy - r, cx + r, cy + r], fill=ink if rng.random() < 0.5 else None, outline=ink)
    elif kind < 0.8 and symbol_fonts:
        try:
            font = ImageFont.truetype(rng.choice(symbol_fonts), int(h * 0.8))
            sym = "".join(rng.choice("★☆●◆■▲▼◀▶✓✔✕☎✈♥♦♣♠☀☂☕⚠♻⬆⬇⬅➡↑↓←→") for _ in range(rng.randint(1, 4)))
            d.text((rng.uniform(0, w / 3), 0), sym, font=font, fill=ink)
        except Exception:  # noqa: BLE001
            pass
    return degrade(np.asarray(pil, np.float32), rng, nrng)


def sample(cls: str, words, fonts, rng, nrng, symbol_fonts) -> tuple[np.ndarray, dict[str, float]] | None:
    if cls == "none":
        return no_text(rng, nrng, symbol_fonts), {"none": 1.0}
    text = make_text(cls, words, rng)
    while cls == "Viet" and not any(ch in _VIET for ch in text):  # unaccented Vietnamese is Latn
        text = make_text(cls, words, rng)
    target = {cls: 1.0}
    if cls not in ("Latn", "Zyyy") and rng.random() < 0.08:  # mixed with Latin: both
        other = make_text("Latn", words, rng)
        text = f"{text} {other}" if rng.random() < 0.5 else f"{other} {text}"
        target = {cls: 0.6, "Latn": 0.4}
    for _ in range(12):
        font_file = rng.choice(rng.choice(fonts[cls]))
        if covers(font_file, text):
            img = render(text, font_file, rng, nrng)
            return None if img is None else (img, target)
    return None


def build(n_per_class: int, seed: int, words, fonts, symbol_fonts) -> tuple[np.ndarray, np.ndarray]:
    names = list(CLASSES)
    rng, nrng = random.Random(seed), np.random.default_rng(seed)
    xs, ys = [], []
    for _ci, cls in enumerate(names):
        made = 0
        while made < n_per_class:
            s = sample(cls, words, fonts, rng, nrng, symbol_fonts)
            if s is None:
                continue
            img, target = s
            win = windows(normalise(img))
            tile = win[rng.randrange(len(win))]
            xs.append((tile * 255).astype(np.uint8))
            y = np.zeros(len(names), np.float32)
            for k, v in target.items():
                y[names.index(k)] = v
            ys.append(y)
            made += 1
        print(f"  {cls}: {made}", flush=True)
    return np.stack(xs), np.stack(ys)


def model(n_classes: int):
    import torch.nn as nn

    def block(i: int, o: int, pool) -> list:
        layers = [nn.Conv2d(i, o, 3, padding=1, bias=False), nn.BatchNorm2d(o), nn.ReLU(inplace=True)]
        return layers + ([nn.MaxPool2d(pool)] if pool else [])

    class Net(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.features = nn.Sequential(*block(1, 16, 2), *block(16, 32, 2), *block(32, 64, 2),
                                          *block(64, 96, None), *block(96, 128, (2, 1)))
            self.drop = nn.Dropout(0.2)
            self.fc = nn.Linear(256, n_classes)

        def forward(self, x):
            import torch

            f = self.features(x)
            pooled = torch.cat([f.mean(dim=(2, 3)), f.amax(dim=(2, 3))], dim=1)
            return self.fc(self.drop(pooled))

    return Net()


def train(x: np.ndarray, y: np.ndarray, epochs: int, seed: int):
    import torch

    torch.manual_seed(seed)
    net = model(y.shape[1])
    opt = torch.optim.AdamW(net.parameters(), lr=2e-3, weight_decay=1e-4)
    steps = epochs * (len(x) // 128)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=2e-3, total_steps=steps)
    gen = np.random.default_rng(seed)
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    for ep in range(epochs):
        net.train()
        order = gen.permutation(len(x))
        t0, total = time.time(), 0.0
        for s in range(0, len(order) - 127, 128):
            idx = torch.from_numpy(order[s:s + 128])
            xb = xt[idx].float().div_(255.0).unsqueeze(1)
            shift = int(gen.integers(-24, 25))  # the window moved along the line
            xb = torch.roll(xb, shifts=shift, dims=3)
            target = yt[idx] * 0.95 + 0.05 / yt.shape[1]
            loss = -(target * torch.log_softmax(net(xb), dim=1)).sum(dim=1).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total += float(loss.detach()) * len(idx)
        print(f"epoch {ep + 1}/{epochs}: loss {total / len(order):.4f} ({time.time() - t0:.0f} s)", flush=True)
    return net.eval()


def accuracy(net, x: np.ndarray, y: np.ndarray) -> tuple[float, dict[str, float]]:
    import torch

    with torch.no_grad():
        pred = np.concatenate([net(torch.from_numpy(x[s:s + 512]).float().div(255).unsqueeze(1)).argmax(1).numpy()
                               for s in range(0, len(x), 512)])
    truth = y.argmax(1)
    names = list(CLASSES)
    per = {names[c]: float((pred[truth == c] == c).mean()) for c in sorted(set(truth.tolist()))}
    return float((pred == truth).mean()), per


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", type=Path, default=ROOT / "clueextract" / "data")
    ap.add_argument("--per-class", type=int, default=1600)
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--seed", type=int, default=20261207)
    ap.add_argument("--cache", type=Path, default=Path("/tmp/script_id_data.npz"))
    ap.add_argument("--photos", type=Path, default=ROOT / "eval" / "real" / "MANIFEST.tsv",
                    help="manifest whose tuning-part images give real grounds and text-free patches")
    args = ap.parse_args()
    import torch

    words = corpus()
    fonts = {}
    for cls, cps in CLASSES.items():
        if cls == "none":
            continue
        fam = by_family(fonts_for(cps))
        if not fam:
            sys.exit(f"no installed font covers {cls}: run scripts/install_system_deps.sh --train-fonts")
        fonts[cls] = fam
        print(f"{cls}: {sum(map(len, fam))} font files in {len(fam)} families, {len(words.get(cls, []))} strings")
    symbol_fonts = fonts_for((0x2605, 0x260E))
    photos, free = load_photos(args.photos, ROOT / "samples_benign")
    PHOTOS.extend(photos)
    TEXT_FREE.extend(free)
    if args.cache.is_file():
        d = np.load(args.cache)
        x, y, vx, vy = d["x"], d["y"], d["vx"], d["vy"]
    else:
        t = time.time()
        x, y = build(args.per_class, args.seed, words, fonts, symbol_fonts)
        vx, vy = build(max(50, args.per_class // 10), args.seed + 1, words, fonts, symbol_fonts)
        np.savez_compressed(args.cache, x=x, y=y, vx=vx, vy=vy)
        print(f"rendered {len(x) + len(vx)} crops in {time.time() - t:.0f} s")
    torch.set_num_threads(max(1, torch.get_num_threads()))
    net = train(x, y, args.epochs, args.seed)
    acc, per = accuracy(net, vx, vy)
    print(f"held-out synthetic accuracy {acc:.4f}; worst: {sorted(per.items(), key=lambda kv: kv[1])[:6]}")
    onnx_path = args.out / "script_id.onnx"
    torch.onnx.export(net, torch.zeros(1, 1, INPUT_H, INPUT_W), str(onnx_path), input_names=["line"],
                      output_names=["logits"], dynamic_axes={"line": {0: "batch"}, "logits": {0: "batch"}},
                      opset_version=17, dynamo=False)
    meta = {"classes": list(CLASSES), "input": {"height": INPUT_H, "width": INPUT_W}, "seed": args.seed,
            "per_class": args.per_class, "epochs": args.epochs, "held_out_synthetic_accuracy": round(acc, 4),
            "per_class_accuracy": {k: round(v, 4) for k, v in per.items()}, "torch": torch.__version__}
    (args.out / "script_id.json").write_text(json.dumps(meta, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print("script_id.onnx SHA-256", hashlib.sha256(onnx_path.read_bytes()).hexdigest())


if __name__ == "__main__":
    main()
