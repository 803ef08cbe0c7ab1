"""Generate the benign synthetic video samples in ``samples_benign/video_*/`` (deterministic).

Why: frame selection and container-metadata reading need videos whose ground truth is
known exactly -- which text is on screen from when to when, and which tags the container
carries. Every frame is drawn here from text with Noto fonts (or from the benign sign
images already in ``samples_benign/``), encoded in-process with PyAV (no system ffmpeg),
and described in ``samples_benign/manifest_video.json``:

- ``video_paris_pan/street_pan.mov``: a slow, slightly shaky pan along a wide shop front
  with five French signs; QuickTime tags as an iPhone writes them (ISO 6709 location,
  make/model, creation date with UTC offset).
- ``video_tokyo_slideshow/slideshow.mp4``: street and shop signs with hard cuts, one of
  them on screen for only 0.6 s, one shown twice.
- ``video_berlin_document/document.mp4``: a German invoice filmed in portrait (stored
  landscape with a display-matrix rotation, like a phone), held still, moved, held still;
  MP4 ``location`` (the ``©xyz`` atom Android writes) and creation_time.
- ``video_shanghai_captions/captions.mkv``: burned-in Chinese/English captions that change
  every 2-2.5 s over a slowly drifting street background.

Per text the manifest lists the intervals ``[start_s, end_s)`` during which it is fully on
screen (``start_s`` = time of the first frame showing it, ``end_s`` = time the last such
frame stops being displayed), its language and script, and -- unless ``--no-ocr`` -- whether
RapidOCR (``clueextract.ocr``) reads it on the rendered frame in the middle of its first
interval (``rapidocr_reads``). Metadata truths are read back from the written file and
GPS points reverse-geocoded offline; the script fails loudly if either disagrees.

Run from the repository root::

    .venv/bin/python scripts/make_video_samples.py [--no-ocr]

Same library versions => byte-identical files (fixed seeds, x264 with fixed thread count).
Business names, numbers and domains are fictional; GPS points are public landmarks.
"""
from __future__ import annotations

import argparse
import json
import sys
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional

import av
import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont, ImageOps

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples_benign"
SEED = 20240611
FONT_LATIN = "/usr/share/fonts/truetype/noto/NotoSans-Bold.ttf"
FONT_LATIN_REG = "/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf"
FONT_CJK = "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc"
CJK_INDEX = {"ja": 0, "zh": 2}
X264 = {"crf": "27", "preset": "medium", "threads": "2"}  # fixed threads: reproducible bitstream

_fonts: dict[tuple, ImageFont.FreeTypeFont] = {}


def font(size: int, lang: Optional[str], bold: bool = True) -> ImageFont.FreeTypeFont:
    key = (size, lang, bold)
    if key not in _fonts:
        if lang in CJK_INDEX:
            _fonts[key] = ImageFont.truetype(FONT_CJK, size, index=CJK_INDEX[lang])
        else:
            _fonts[key] = ImageFont.truetype(FONT_LATIN if bold else FONT_LATIN_REG, size)
    return _fonts[key]


def script_of(text: str) -> str:
    if any(unicodedata.name(c, "").startswith(("HIRAGANA", "KATAKANA")) for c in text):
        return "Jpan"
    if any(unicodedata.name(c, "").startswith("CJK UNIFIED") for c in text):
        return "Hani"
    return "Latn"


@dataclass
class Text:
    text: str
    language: Optional[str]
    intervals: list[list[float]] = field(default_factory=list)
    note: Optional[str] = None


@dataclass
class Video:
    path: str
    country: str
    scene: str
    fps: int
    n_frames: int
    size: tuple[int, int]                 # upright (display) width, height
    render: Callable[[int], np.ndarray]   # frame index -> upright RGB
    texts: list[Text]
    rotation: int = 0                     # display rotation (counter-clockwise degrees, PyAV)
    tags: dict[str, str] = field(default_factory=dict)
    options: dict[str, str] = field(default_factory=dict)
    truth: dict = field(default_factory=dict)


# ----------------------------------------------------------------------------- drawing
def noise_texture(rng: np.random.Generator, h: int, w: int, scale: int, amp: float) -> np.ndarray:
    small = rng.normal(0, 1, (h // scale + 2, w // scale + 2)).astype(np.float32)
    return cv2.resize(small, (w, h), interpolation=cv2.INTER_CUBIC)[:h, :w] * amp


def brick_wall(rng: np.random.Generator, h: int, w: int) -> np.ndarray:
    img = np.zeros((h, w, 3), np.float32)
    img[:] = (190, 185, 178)  # mortar
    bh, bw = 22, 58
    for r in range(h // bh + 1):
        off = (bw // 2) * (r % 2)
        for c in range(-1, w // bw + 2):
            x0, y0 = c * bw + off, r * bh
            col = np.array((150, 70, 55)) * rng.uniform(0.8, 1.15) + rng.normal(0, 6, 3)
            img[y0 + 2:y0 + bh, max(0, x0 + 2):max(0, x0 + bw)] = col
    img += noise_texture(rng, h, w, 3, 6)[..., None]
    return img


def draw_sign(canvas: Image.Image, box: tuple[int, int, int, int], bg: tuple, fg: tuple,
              lines: list[tuple[str, int, Optional[str]]], origin: tuple[int, int] = (0, 0)
              ) -> list[tuple[str, Optional[str], tuple[int, int, int, int]]]:
    """A flat sign board with centred lines; returns each line's text box in canvas pixels."""
    d = ImageDraw.Draw(canvas)
    x0, y0, x1, y1 = box
    d.rectangle(box, fill=bg, outline=(40, 40, 40), width=3)
    heights = [size * 1.35 for _, size, _ in lines]
    y = y0 + ((y1 - y0) - sum(heights)) / 2
    out = []
    for (text, size, lang), hgt in zip(lines, heights):
        f = font(size, lang)
        width = f.getlength(text)
        x = x0 + ((x1 - x0) - width) / 2
        d.text((x, y + hgt * 0.8), text, font=f, fill=fg, anchor="ls")
        l, t, r, b = d.textbbox((x, y + hgt * 0.8), text, font=f, anchor="ls")
        out.append((text, lang, (int(l) + origin[0], int(t) + origin[1], int(r) + origin[0], int(b) + origin[1])))
        y += hgt
    return out


def smoothstep(x: float) -> float:
    x = min(1.0, max(0.0, x))
    return x * x * (3 - 2 * x)


def visible_intervals(frames_visible: list[bool], fps: int) -> list[list[float]]:
    out: list[list[float]] = []
    start = None
    for i, v in enumerate(frames_visible + [False]):
        if v and start is None:
            start = i
        elif not v and start is not None:
            out.append([round(start / fps, 4), round(i / fps, 4)])
            start = None
    return out


# ----------------------------------------------------------------------------- 1: pan
def paris_pan() -> Video:
    rng = np.random.default_rng([SEED, 1])
    W, H, CW, CH, fps, dur = 640, 360, 2560, 380, 15, 22.0
    wall = brick_wall(rng, CH, CW)
    wall[300:] = (120, 118, 115) + noise_texture(rng, CH - 300, CW, 4, 8)[..., None]  # pavement
    canvas = Image.fromarray(np.clip(wall, 0, 255).astype(np.uint8))
    d = ImageDraw.Draw(canvas)
    signs = [  # box, background, foreground, lines
        ((70, 40, 560, 170), (245, 236, 210), (110, 60, 20),
         [("BOULANGERIE", 44, "fr"), ("Pains · Viennoiseries", 26, "fr")]),
        ((680, 45, 1140, 165), (20, 120, 60), (255, 255, 255),
         [("Pharmacie Lafayette", 40, "fr"), ("Ouvert 7j/7", 26, "fr")]),
        ((1250, 40, 1640, 170), (170, 20, 30), (255, 230, 120),
         [("Tabac Presse", 42, "fr"), ("Loto · Journaux", 26, "fr")]),
        ((1760, 35, 2250, 175), (30, 30, 35), (240, 200, 90),
         [("Café du Marché", 42, "fr"), ("Tél. 01 42 60 12 34", 26, None)]),
        ((2310, 60, 2530, 150), (25, 60, 150), (255, 255, 255),
         [("4e Arrondissement", 18, "fr"), ("RUE DE RIVOLI", 28, "fr")]),
    ]
    boxes = []
    for box, bg, fg, lines in signs:
        x0, _, x1, _ = box
        d.rectangle((x0 + 20, 190, x1 - 20, 300), fill=(45, 50, 60), outline=(20, 20, 20), width=4)  # shop window
        boxes += draw_sign(canvas, box, bg, fg, lines)
    base = np.asarray(canvas)
    n = int(dur * fps)

    def cam(i: int) -> tuple[float, float]:
        t = i / fps
        x = smoothstep((t - 1.0) / 20.0) * (CW - W)
        y = 10 + 3.0 * np.sin(t * 2.1) + 1.5 * np.sin(t * 5.3)  # hand-held wobble
        return x, y

    def render(i: int) -> np.ndarray:
        x, y = cam(i)
        return cv2.getRectSubPix(base, (W, H), (x + W / 2, y + H / 2))

    texts = []
    for text, lang, (l, t, r, b) in boxes:
        vis = []
        for i in range(n):
            x, y = cam(i)
            vis.append(l >= x and r <= x + W - 1 and t >= y and b <= y + H - 1)
        texts.append(Text(text, lang, visible_intervals(vis, fps)))
    tags = {"com.apple.quicktime.location.ISO6709": "+48.8606+002.3376+035.000/",
            "com.apple.quicktime.make": "Apple", "com.apple.quicktime.model": "iPhone 13",
            "com.apple.quicktime.software": "17.5.1",
            "com.apple.quicktime.creationdate": "2024-07-14T10:20:30+0200",
            "creation_time": "2024-07-14T08:20:30.000000Z"}
    truth = {"gps": [48.8606, 2.3376], "altitude_m": 35.0, "gps_country": "FR", "make": "Apple",
             "model": "iPhone 13", "utc_offset": "+02:00", "local_time": "2024-07-14T10:20:30"}
    return Video("video_paris_pan/street_pan.mov", "FR", "pan", fps, n, (W, H), render, texts,
                 tags=tags, options={"movflags": "use_metadata_tags"}, truth=truth)


# ----------------------------------------------------------------------------- 2: slideshow
def tokyo_slideshow() -> Video:
    W, H, fps = 640, 360, 10
    known = {it["path"]: it for it in json.loads((SAMPLES / "manifest.json").read_text("utf-8"))["items"]}

    def photo(rel: str) -> tuple[np.ndarray, list[tuple[str, Optional[str]]]]:
        img = ImageOps.exif_transpose(Image.open(SAMPLES / rel)).convert("RGB")
        img = ImageOps.contain(img, (W, H), Image.Resampling.LANCZOS)
        frame = Image.new("RGB", (W, H), (28, 28, 30))
        frame.paste(img, ((W - img.width) // 2, (H - img.height) // 2))
        return np.asarray(frame), [(ln["text"], ln["language"]) for ln in known[rel]["lines"]]

    def board(bg: tuple, fg: tuple, lines: list[tuple[str, int, Optional[str]]], seed: int
              ) -> tuple[np.ndarray, list[tuple[str, Optional[str]]]]:
        rng = np.random.default_rng([SEED, 2, seed])
        back = np.full((H, W, 3), (96, 104, 112), np.float32) + noise_texture(rng, H, W, 8, 14)[..., None]
        img = Image.fromarray(np.clip(back, 0, 255).astype(np.uint8))
        out = draw_sign(img, (60, 50, 580, 310), bg, fg, lines)
        return np.asarray(img), [(t, lang) for t, lang, _ in out]

    slides = [
        (3.0, photo("tokyo_station/ramen_shop_sign.jpg")),
        (2.5, board((0, 90, 60), (255, 255, 255),
                    [("新宿駅 西口", 52, "ja"), ("Shinjuku Sta. West Exit", 30, "en")], 1)),
        (0.6, photo("tokyo_station/station_exit_sign.jpg")),
        (3.0, photo("tokyo_station/green_tea_label.png")),
        (2.5, board((250, 250, 245), (200, 20, 30),
                    [("コンビニ まるや", 50, "ja"), ("24時間営業", 40, "ja")], 2)),
        (2.0, photo("tokyo_station/ramen_shop_sign.jpg")),
        (2.4, board((20, 60, 140), (255, 255, 255),
                    [("道玄坂二丁目", 52, "ja"), ("Dogenzaka 2-chome", 30, "en")], 3)),
    ]
    frames: list[np.ndarray] = []
    texts: dict[str, Text] = {}
    for _k, (secs, (img, lines)) in enumerate(slides):
        start = len(frames)
        frames += [img] * round(secs * fps)
        for text, lang in lines:
            entry = texts.setdefault(text, Text(text, lang))
            entry.intervals.append([round(start / fps, 4), round(len(frames) / fps, 4)])
            if secs < 1.0:
                entry.note = f"glimpse: on screen for {secs} s only"
    return Video("video_tokyo_slideshow/slideshow.mp4", "JP", "slideshow", fps, len(frames), (W, H),
                 lambda i: frames[i], list(texts.values()))


# ----------------------------------------------------------------------------- 3: document
def berlin_document() -> Video:
    rng = np.random.default_rng([SEED, 3])
    W, H, fps, dur = 360, 640, 15, 14.0
    desk = np.full((H, W, 3), (120, 84, 52), np.float32)
    grain = noise_texture(rng, H, W // 6, 2, 18)
    desk += cv2.resize(grain, (W, H), interpolation=cv2.INTER_LINEAR)[..., None]
    desk = np.clip(desk, 0, 255).astype(np.uint8)
    PW, PH = 324, 430
    paper = Image.new("RGB", (PW, PH), (248, 247, 242))
    d = ImageDraw.Draw(paper)
    lines = [("Hausverwaltung Linde GmbH", 19, "de", True), ("Lindenallee 14, 10115 Berlin", 17, "de", False),
             ("Rechnung Nr. 2024-0117", 19, "de", True), ("Betrag: 245,80 €", 19, "de", True),
             ("Fällig am 15.04.2024", 17, "de", False), ("Tel. +49 30 98765432", 17, None, False),
             ("www.linde-hausverwaltung.de", 17, None, False)]
    y, boxes = 40.0, []
    for text, size, lang, bold in lines:
        f = font(size, lang, bold)
        d.text((18, y), text, font=f, fill=(25, 25, 30), anchor="ls")
        boxes.append((text, lang, d.textbbox((18, y), text, font=f, anchor="ls")))
        y += size * 2.6
    for k in range(3):  # ruled table lines under the text, as on a real invoice
        d.line((18, y + 10 + 14 * k, PW - 18, y + 10 + 14 * k), fill=(170, 170, 175), width=1)
    paper_np = np.asarray(paper)
    n = int(dur * fps)

    def pose(i: int) -> tuple[float, float, float]:
        t = i / fps
        s = smoothstep((t - 6.0) / 1.5)
        cx, cy, ang = 180 + 0 * s, 350 - 95 * s, -4.0 * s
        return cx + 0.8 * np.sin(t * 3.1), cy + 0.8 * np.sin(t * 2.3 + 1), ang + 0.15 * np.sin(t * 1.7)

    def matrix(i: int) -> np.ndarray:
        cx, cy, ang = pose(i)
        m = cv2.getRotationMatrix2D((PW / 2, PH / 2), ang, 1.0)
        m[:, 2] += (cx - PW / 2, cy - PH / 2)
        return m

    def render(i: int) -> np.ndarray:
        m = matrix(i)
        warped = cv2.warpAffine(paper_np, m, (W, H), flags=cv2.INTER_LINEAR)
        mask = cv2.warpAffine(np.full((PH, PW), 255, np.uint8), m, (W, H), flags=cv2.INTER_LINEAR)
        a = (mask.astype(np.float32) / 255)[..., None]
        return (warped * a + desk * (1 - a)).astype(np.uint8)

    texts = []
    for text, lang, (l, t, r, b) in boxes:
        vis = []
        for i in range(n):
            pts = np.array([[l, t, 1], [r, t, 1], [l, b, 1], [r, b, 1]], np.float32) @ matrix(i).T
            vis.append(bool(pts[:, 0].min() >= 0 and pts[:, 0].max() < W and pts[:, 1].min() >= 0
                            and pts[:, 1].max() < H))
        texts.append(Text(text, lang, visible_intervals(vis, fps)))
    tags = {"location": "+52.5163+013.3777/", "creation_time": "2024-03-05T09:15:00.000000Z"}
    truth = {"gps": [52.5163, 13.3777], "gps_country": "DE", "utc_offset": None}
    return Video("video_berlin_document/document.mp4", "DE", "document", fps, n, (W, H), render, texts,
                 rotation=-90, tags=tags, truth=truth)


# ----------------------------------------------------------------------------- 4: captions
def shanghai_captions() -> Video:
    rng = np.random.default_rng([SEED, 4])
    W, H, fps, dur = 640, 360, 15, 20.0
    CW = W + 80
    sky = np.linspace(200, 140, H)[:, None, None] * np.array([0.75, 0.85, 1.0])[None, None, :]
    scene = np.broadcast_to(sky, (H, CW, 3)).astype(np.float32).copy()
    x = 0
    while x < CW:  # buildings with window grids
        bw, bh = int(rng.integers(60, 130)), int(rng.integers(120, 300))
        col = rng.uniform(70, 170, 3)
        scene[H - bh:, x:x + bw] = col
        for wy in range(H - bh + 12, H - 20, 22):
            for wx in range(x + 8, x + bw - 12, 18):
                scene[wy:wy + 10, wx:wx + 8] = col * 0.55 if rng.random() < 0.6 else (235, 225, 160)
        x += bw + int(rng.integers(0, 12))
    scene = cv2.GaussianBlur(np.clip(scene, 0, 255).astype(np.uint8), (0, 0), 1.6)
    captions = [(0.5, 3.0, "欢迎来到上海", "zh"), (3.0, 5.5, "Welcome to Shanghai", "en"),
                (5.5, 8.0, "南京路步行街", "zh"), (8.5, 11.0, "地铁2号线 人民广场站", "zh"),
                (11.0, 13.5, "今日特价 ¥19.90", "zh"), (13.5, 16.0, "Next stop: People's Square", "en"),
                (16.0, 18.0, "电话 021-6123 4567", "zh"), (18.0, 20.0, "谢谢观看", "zh")]
    n = int(dur * fps)
    overlays: dict[int, tuple[np.ndarray, np.ndarray]] = {}
    for k, (_, _, text, lang) in enumerate(captions):
        layer = Image.new("RGBA", (W, H), (0, 0, 0, 0))
        d = ImageDraw.Draw(layer)
        f = font(28, lang)
        width = f.getlength(text)
        d.rectangle(((W - width) / 2 - 14, 292, (W + width) / 2 + 14, 342), fill=(0, 0, 0, 170))
        d.text((W / 2, 328), text, font=f, fill=(255, 255, 255, 255), anchor="ms")
        arr = np.asarray(layer).astype(np.float32)
        overlays[k] = (arr[..., :3], arr[..., 3:] / 255)

    def render(i: int) -> np.ndarray:
        t = i / fps
        x = 3.0 * t  # slow drift of the background
        bg = cv2.getRectSubPix(scene, (W, H), (x + W / 2, H / 2)).astype(np.float32)
        for k, (s, e, _, _) in enumerate(captions):
            if s <= t < e - 1e-9:
                rgb, a = overlays[k]
                bg = rgb * a + bg * (1 - a)
        return np.clip(bg, 0, 255).astype(np.uint8)

    texts = []
    for s, e, text, lang in captions:
        vis = [s <= i / fps < e - 1e-9 for i in range(n)]
        texts.append(Text(text, lang, visible_intervals(vis, fps)))
    return Video("video_shanghai_captions/captions.mkv", "CN", "captions", fps, n, (W, H), render, texts)


# ----------------------------------------------------------------------------- writing / checks
def encode(v: Video, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    # bitexact: no random Matroska segment UID / muxer version string, so reruns are identical
    with av.open(str(path), "w", options={"fflags": "+bitexact", **v.options}) as c:
        for k, val in v.tags.items():
            c.metadata[k] = val
        s = c.add_stream("libx264", rate=v.fps, options=X264)
        s.pix_fmt = "yuv420p"
        stored_w, stored_h = (v.size[1], v.size[0]) if v.rotation % 180 else v.size
        s.width, s.height = stored_w, stored_h
        if v.rotation:
            s.set_display_rotation(v.rotation)
        for i in range(v.n_frames):
            img = v.render(i)
            # store so that rotating by `rotation` degrees counter-clockwise shows it upright
            stored = np.ascontiguousarray(np.rot90(img, k=-(v.rotation // 90))) if v.rotation else img
            frame = av.VideoFrame.from_ndarray(stored, format="rgb24")
            frame.pts = i
            for p in s.encode(frame):
                c.mux(p)
        for p in s.encode():
            c.mux(p)


def check(v: Video, path: Path) -> dict:
    """Read the file back: tags, frame count, rotation, and the GPS truth's country."""
    with av.open(str(path)) as c:
        tags = dict(c.metadata)
        s = c.streams.video[0]
        first = next(c.decode(s))
        rotation = first.rotation
        count = 1 + sum(1 for _ in c.decode(s))
    for k, val in v.tags.items():
        if k != "creation_time" and tags.get(k) != val:
            sys.exit(f"{v.path}: tag {k!r} reads back as {tags.get(k)!r}, wrote {val!r}")
    if rotation != v.rotation or count != v.n_frames:
        sys.exit(f"{v.path}: rotation {rotation} / {count} frames, expected {v.rotation} / {v.n_frames}")
    if "gps" in v.truth:
        from clueextract.geo.reverse import reverse_geocode

        place = reverse_geocode(*v.truth["gps"])
        if place is None or place.country != v.truth["gps_country"]:
            sys.exit(f"{v.path}: GPS {v.truth['gps']} geocodes to {place}")
    return {k: val for k, val in tags.items() if k not in ("major_brand", "minor_version", "compatible_brands")}


def norm(s: str) -> str:
    return "".join(s.split())


def ocr_reads(engine, v: Video) -> list[bool]:
    out = []
    for t in v.texts:
        s, e = t.intervals[0]
        img = v.render(min(v.n_frames - 1, int((s + e) / 2 * v.fps)))
        txts = [norm(line.text) for line in engine.read(img)]
        joined = {"".join(txts[i:j]) for i in range(len(txts)) for j in range(i + 1, min(i + 4, len(txts)) + 1)}
        out.append(norm(t.text) in joined)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=SAMPLES)
    ap.add_argument("--no-ocr", action="store_true", help="skip the RapidOCR check (rapidocr_reads = null)")
    args = ap.parse_args()
    sys.path.insert(0, str(ROOT))  # clueextract (geocoder for the GPS check, OCR engine)
    engine = None
    if not args.no_ocr:
        from clueextract.ocr import make_engine

        engine = make_engine("rapidocr", 2)
    items = []
    for build in (paris_pan, tokyo_slideshow, berlin_document, shanghai_captions):
        v = build()
        path = args.out / v.path
        encode(v, path)
        tags = check(v, path)
        reads = ocr_reads(engine, v) if engine else [None] * len(v.texts)
        size = path.stat().st_size
        if size > 2_000_000:
            sys.exit(f"{v.path}: {size} bytes, over the 2 MB budget")
        print(f"{v.path}: {v.n_frames} frames, {size / 1e6:.2f} MB, "
              f"{sum(bool(r) for r in reads)}/{len(reads)} texts read by RapidOCR", flush=True)
        items.append({
            "path": v.path, "series": v.path.split("/")[0], "country": v.country, "scene": v.scene,
            "container": path.suffix[1:], "codec": "h264", "fps": v.fps, "frames": v.n_frames,
            "duration_s": round(v.n_frames / v.fps, 4), "width": v.size[0], "height": v.size[1],
            "rotation": v.rotation,
            "texts": [{"text": t.text, "language": t.language, "script": script_of(t.text),
                       "intervals": t.intervals, "rapidocr_reads": r, **({"note": t.note} if t.note else {})}
                      for t, r in zip(v.texts, reads)],
            "metadata": {"tags_written": v.tags, "tags_read": tags, **v.truth}})
    manifest = {"version": 1, "generator": "scripts/make_video_samples.py", "seed": SEED,
                "intervals": "[start_s, end_s): first frame showing the whole text to the end of the last one",
                "ocr_check": None if args.no_ocr else
                "clueextract RapidOCR engine on the rendered (pre-encoding) frame in the middle of the first "
                "interval; read = text (whitespace removed) equals one box or up to 4 adjacent boxes joined",
                "items": items}
    from sample_misses import carry_over  # a scan's recorded expected misses of unchanged truth stay

    carry_over(manifest, args.out / "manifest_video.json")
    (args.out / "manifest_video.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1) + "\n", "utf-8")


if __name__ == "__main__":
    main()
