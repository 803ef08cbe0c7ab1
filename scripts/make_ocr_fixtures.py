#!/usr/bin/env python3
"""Render the synthetic OCR test fixtures that need fonts the test machine may lack.

    python scripts/make_ocr_fixtures.py      # needs fonts-noto-cjk (scripts/install_system_deps.sh --samples)

tests/fixtures/vertical_sign.png: a benign shop sign with two vertical columns, Japanese
"東京駅出口" and Korean "서울약국" (Noto Sans CJK), for tests/test_ocr_routing.py's vertical-text
test. tests/fixtures/script_signs/*.png: one-line signs in scripts the routing tests need
(Kannada, Odia, Greek, Khmer, Vietnamese with its tone letters) and a textured board with no
text, for tests/test_script_routing.py (needs fonts-noto-core). Committed so the tests run
everywhere, not only where the fonts are installed.
"""
from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

ROOT = Path(__file__).resolve().parent.parent
CJK_FONT = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
NOTO = Path("/usr/share/fonts/truetype/noto")
# name -> (lines, font file): benign street and shop signs
SCRIPT_SIGNS = {
    "kannada": (["ಬೆಂಗಳೂರು ನಗರ ಬಸ್ ನಿಲ್ದಾಣ"], "NotoSansKannada-Regular.ttf"),  # Bengaluru city bus station
    "odia": (["ଭୁବନେଶ୍ୱର ରେଳ ଷ୍ଟେସନ"], "NotoSansOriya-Regular.ttf"),           # Bhubaneswar railway station
    "greek": (["ΦΑΡΜΑΚΕΙΟ", "Οδός Ερμού 25"], "NotoSans-Regular.ttf"),          # pharmacy, Ermou street
    "khmer": (["ភ្នំពេញ ផ្សារធំថ្មី"], "NotoSansKhmer-Regular.ttf"),                  # Phnom Penh, Central Market
    "vietnamese": (["Phở Bò Tái Nạm", "TRƯỜNG ANH NGỮ"], "NotoSans-Regular.ttf"),
}


def vertical_sign() -> Image.Image:
    jp = ImageFont.truetype(str(CJK_FONT), 72, index=0)
    kr = ImageFont.truetype(str(CJK_FONT), 72, index=1)
    img = Image.new("RGB", (700, 600), (245, 240, 225))
    draw = ImageDraw.Draw(img)
    for i, ch in enumerate("東京駅出口"):
        draw.text((480, 60 + 90 * i), ch, font=jp, fill=(20, 20, 20))
    for i, ch in enumerate("서울약국"):
        draw.text((180, 60 + 90 * i), ch, font=kr, fill=(20, 20, 20))
    return img


def script_sign(lines: list[str], font_file: str) -> Image.Image:
    font = ImageFont.truetype(str(NOTO / font_file), 56, layout_engine=ImageFont.Layout.RAQM)
    width = max(int(font.getlength(t)) for t in lines) + 120
    img = Image.new("RGB", (width, 110 * len(lines) + 60), (250, 246, 236))
    draw = ImageDraw.Draw(img)
    for i, text in enumerate(lines):
        draw.text((60, 40 + 110 * i), text, font=font, fill=(25, 35, 90))
    return img


def textured_board() -> Image.Image:
    """A wooden-board texture with grain and knots, no text (what script models turn into letters)."""
    import numpy as np

    rng = np.random.default_rng(7)
    h, w = 120, 640
    y = np.arange(h)[:, None]
    x = np.arange(w)[None, :]
    grain = 40 * np.sin(y / 3.0 + 4 * np.sin(x / 57.0)) + 25 * np.sin(y / 1.3 + x / 211.0)
    base = 150 + grain + rng.normal(0, 12, (h, w))
    for cx, cy, r in ((130, 55, 18), (450, 70, 24)):
        base -= 70 * np.exp(-(((x - cx) ** 2) / (2 * r * r) + ((y - cy) ** 2) / (r * r / 2)))
    rgb = np.stack([base * 1.0, base * 0.78, base * 0.55], axis=2)
    return Image.fromarray(np.clip(rgb, 0, 255).astype("uint8"))


def main() -> None:
    out = ROOT / "tests" / "fixtures" / "vertical_sign.png"
    vertical_sign().save(out, optimize=True)
    print(f"wrote {out.relative_to(ROOT)} ({out.stat().st_size} bytes)")
    folder = ROOT / "tests" / "fixtures" / "script_signs"
    folder.mkdir(exist_ok=True)
    images = {name: script_sign(lines, font) for name, (lines, font) in SCRIPT_SIGNS.items()}
    images["textured_board"] = textured_board()
    for name, img in images.items():
        path = folder / (f"{name}.jpg" if name == "textured_board" else f"{name}.png")
        img.save(path, quality=88) if path.suffix == ".jpg" else img.save(path, optimize=True)
        print(f"wrote {path.relative_to(ROOT)} ({path.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
