#!/usr/bin/env python3
"""Render the synthetic OCR test fixtures that need fonts the test machine may lack.

    python scripts/make_ocr_fixtures.py      # needs fonts-noto-cjk (scripts/install_system_deps.sh --samples)

tests/fixtures/vertical_sign.png: a benign shop sign with two vertical columns, Japanese
"東京駅出口" and Korean "서울약국" (Noto Sans CJK), for tests/test_ocr_routing.py's vertical-text
test. Committed so the test runs everywhere, not only where the fonts are installed.
"""
from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

ROOT = Path(__file__).resolve().parent.parent
CJK_FONT = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")


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


def main() -> None:
    out = ROOT / "tests" / "fixtures" / "vertical_sign.png"
    vertical_sign().save(out, optimize=True)
    print(f"wrote {out.relative_to(ROOT)} ({out.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
