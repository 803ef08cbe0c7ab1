"""Write the small, benign seed inputs of every harness into fuzz/corpus/<harness>/.

    python fuzz/make_seeds.py

Seeds start the fuzzer from valid inputs so it explores the parsers rather than their
first "not a JPEG" check. All are synthetic or cut from samples_benign/ (a few KB each):
EXIF blocks of the sample photos, tiny images and media files made with Pillow / PyAV,
sign texts from the samples manifest, trimmed language packs, the deconfliction fixtures.
The committed seeds are what this script writes; rerun it after changing it.
"""
from __future__ import annotations

import json
import re
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "fuzz" / "corpus"
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT / "tests"))

import hostile_media as hm  # noqa: E402
from PIL import Image  # noqa: E402

MAX_SEED = 16_384


def _write(harness: str, name: str, data: bytes) -> None:
    assert len(data) <= MAX_SEED, (harness, name, len(data))
    (CORPUS / harness / name).write_bytes(data)


def exif_seeds() -> None:
    for i, p in enumerate(sorted((ROOT / "samples_benign").rglob("*.jpg"))[:6]):
        img = Image.open(p)
        exif = img.info.get("exif")
        if exif:
            _write("fuzz_exif", f"exif-block-{i}", b"\x00" + exif)
            small = img.convert("RGB").resize((16, 12))
            _write("fuzz_exif", f"jpeg-with-exif-{i}", b"\x01" + hm.encode(small, "JPEG", exif=exif, quality=50))
    tiny = Image.new("RGB", (8, 6), (200, 10, 10))
    for fmt in ("PNG", "GIF", "WEBP", "TIFF", "BMP"):
        _write("fuzz_exif", f"tiny.{fmt.lower()}", b"\x01" + hm.encode(tiny, fmt))
    _write("fuzz_exif", "exif-loop", b"\x01" + hm.exif_loop_jpeg(hm.encode(tiny, "JPEG")))
    _write("fuzz_exif", "tiff-ifd-loop", b"\x01" + hm.tiff_ifd_loop())


def container_seeds() -> None:
    from audio_tools import video_only_mp4

    with tempfile.TemporaryDirectory() as tmp:
        t = Path(tmp)
        video_only_mp4(t / "v.mp4", seconds=1)
        hm.write_video(t / "v.mkv", "mpeg4", 16, 16, 3)
        seeds = {"mp4": (t / "v.mp4").read_bytes(), "mkv": (t / "v.mkv").read_bytes(),
                 "flac": hm.flac_constant(16000, 1, 2, block=256),
                 "opus.ogg": hm.encode_audio("libopus", "ogg", 0.1),
                 "mp3": hm.encode_audio("libmp3lame", "mp3", 0.2, 16000),
                 "wav": hm.encode_audio("pcm_s16le", "wav", 0.05, 8000)}
    for name, data in seeds.items():
        _write("fuzz_container", f"media.{name}", b"\x00" + data)
    tags = ["+13.7563+100.5018/", "+48.8584+002.2945+035.000/", "2025-03-14T10:22:05+0700", "Apple", "iPhone 15"]
    _write("fuzz_container", "tags", b"\x80" + "\x00".join(tags).encode())


def text_seeds() -> None:
    manifest = json.loads((ROOT / "samples_benign" / "manifest.json").read_text(encoding="utf-8"))
    lines = [ln["text"] for it in manifest["items"] for ln in it["lines"]]
    for i, text in enumerate(lines[::3][:40]):
        _write("fuzz_text_clues", f"line-{i:02d}", b"\x00" + text.encode("utf-8"))


def pack_seeds() -> None:
    for code in ("en", "th", "es"):
        text = (ROOT / "language_packs" / f"{code}.yaml").read_text(encoding="utf-8")
        text = re.sub(r"(?m)^code:.*$", "code: xx", text)
        _write("fuzz_packs", f"pack-{code}.yaml", text.encode("utf-8")[:MAX_SEED])


def deconflict_seeds() -> None:
    fix = ROOT / "tests" / "fixtures" / "known"
    for p in sorted(fix.iterdir()):
        if p.suffix == ".json" and "category" not in p.name:
            _write("fuzz_vics", p.name, p.read_bytes())
        elif p.suffix in (".csv", ".txt"):
            _write("fuzz_icse", p.name, p.read_bytes())


def main() -> None:
    for h in ("fuzz_exif", "fuzz_container", "fuzz_text_clues", "fuzz_packs", "fuzz_vics", "fuzz_icse"):
        shutil.rmtree(CORPUS / h, ignore_errors=True)
        (CORPUS / h).mkdir(parents=True)
    exif_seeds()
    container_seeds()
    text_seeds()
    pack_seeds()
    deconflict_seeds()
    for d in sorted(CORPUS.iterdir()):
        files = list(d.iterdir())
        print(f"{d.name}: {len(files)} seeds, {sum(f.stat().st_size for f in files)} bytes")


if __name__ == "__main__":
    main()
