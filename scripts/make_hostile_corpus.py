"""Generate the hostile corpus: every media type broken every way we know, beside good files.

    python scripts/make_hostile_corpus.py OUT_DIR      # writes OUT_DIR/evidence and OUT_DIR/expected.json

Why: a case folder of seized media holds whatever a phone, a broken disk or an adversary left
there. A scan must record every file with a status and a reason and go on, with memory
bounded, and still fully process the good files beside the bad ones. tests/test_hostile_corpus.py
scans this corpus through the CLI and checks exactly that against `expected.json`.

Everything is generated from benign bytes (samples_benign/ and synthetic tones / grey frames):
zero-byte, truncated, mislabelled and polyglot files; decompression bombs in images (declared
dimensions, zlib, zTXt) and in audio/video (FLAC / WAV / Opus / MP3 / MP4 / MKV headers that
declare or decode to absurd durations, channels, sample rates or frame sizes); folders nested
200 deep and past PATH_MAX; symlink loops and links to /dev/null; FIFOs, a socket, a character
device (when allowed); names that are not UTF-8 or are 255 bytes long.

The byte builders live in scripts/hostile_media.py; tests/hostile.py and tests/audio_tools.py
(the builders the other bad-input tests use) are imported, not copied.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import stat
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT / "tests"))

import hostile_media as hm  # noqa: E402
import numpy as np  # noqa: E402
from audio_tools import corrupt_middle, decode_pcm, lying_wav, video_only_mp4  # noqa: E402
from hostile import bomb_png, build_bad_corpus  # noqa: E402

SAMPLES = ROOT / "samples_benign"
DEPTH = 200                  # nested folders
LONG_NAME = 255              # bytes: the usual file-name limit (NAME_MAX)
FINISHED = ("done", "error", "skipped")


@dataclass(frozen=True)
class Expect:
    """What a scan must record for one path (the item record's `path`, display form)."""

    what: str                          # what the file is, for messages
    status: tuple[str, ...] = FINISHED  # acceptable statuses
    reason: str | None = None          # words expected in the recorded error (case-insensitive)
    ocr: tuple[str, ...] = ()          # good images: lines the OCR must read
    speech: str | None = None          # good audio: the spoken language
    words: tuple[str, ...] = ()        # good audio: any of these in the transcript
    media_type: str | None = None      # the type content sniffing must find
    regular: bool = True               # a regular file (False: link, FIFO, socket, device, folder)


GOOD_JPEG = ("london_corner_shop/shop_sign.jpg",
             ("Primrose Corner Shop", "Milk 2 pints £1.65", "Tel. 020 7946 0123"))
GOOD_PNG = ("paris_cafe/jazz_flyer.png", ("Soirée jazz", "au Café des Étoiles", "Entrée libre"))
GOOD_SPEECH = ("speech_london/shop_directions.flac", 10.5, "en", ("station", "river"))  # first 10.5 s


class Corpus:
    """Writes files under one evidence root and records what the scan must say about each."""

    def __init__(self, root: Path):
        self.root = root
        self.expected: dict[str, Expect] = {}
        self.unreachable: set[str] = set()  # regular files no walker can reach (recorded via their folder)

    def put(self, rel: str, data: bytes, expect: Expect) -> Path:
        p = self.root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)
        self.expected[rel] = expect
        return p

    def put_raw(self, rel: bytes, data: bytes, expect: Expect) -> None:
        """A file whose name is raw bytes (not UTF-8); keyed by the scan's display form."""
        full = os.fsencode(self.root) + b"/" + rel
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "wb") as f:
            f.write(data)
        self.expected[rel.decode("utf-8", "backslashreplace")] = expect


def _half(path: Path, fmt: str) -> bytes:
    """A half-size re-encode of a sample (for the wrapped / renamed variants: same text, faster OCR)."""
    from PIL import Image

    img = Image.open(path).convert("RGB")
    return hm.encode(img.resize((img.width // 2, img.height // 2), Image.LANCZOS), fmt, **({"quality": 92} if
                                                                                        fmt == "JPEG" else {}))


def _good(c: Corpus) -> tuple[bytes, bytes]:
    """Good files beside the bad ones, with what the scan must read from them."""
    jpeg = (SAMPLES / GOOD_JPEG[0]).read_bytes()
    png = (SAMPLES / GOOD_PNG[0]).read_bytes()
    c.put("good/shop_sign.jpg", jpeg, Expect("good JPEG", ("done",), ocr=GOOD_JPEG[1], media_type="image"))
    c.put("good/jazz_flyer.png", png, Expect("good PNG", ("done",), ocr=GOOD_PNG[1], media_type="image"))
    speech = SAMPLES / GOOD_SPEECH[0]
    pcm = decode_pcm(speech, 16000)[: int(16000 * GOOD_SPEECH[1])]
    c.put("good/directions_10s.flac", hm.encode_audio("flac", "flac", 0, 16000, pcm=pcm),
          Expect("good speech (FLAC, 10.5 s)", ("done",), speech=GOOD_SPEECH[2], words=GOOD_SPEECH[3],
                 media_type="audio"))
    # good content under hostile names or wrappers: still fully processed
    half_jpeg, half_png = _half(SAMPLES / GOOD_JPEG[0], "JPEG"), _half(SAMPLES / GOOD_PNG[0], "PNG")
    read_jpeg, read_png = GOOD_JPEG[1][:1], GOOD_PNG[1][:1]
    c.put("mislabelled/flyer_is_png.jpg", hm.png_with_text(half_png, "Note", "mislabelled"),
          Expect("PNG named .jpg", ("done",), ocr=read_png, media_type="image"))
    c.put("mislabelled/jpeg_named.txt", hm.jpeg_with_comment(half_jpeg, b"named txt"),
          Expect("JPEG named .txt", ("done",), ocr=read_jpeg, media_type="image"))
    c.put("polyglot/jpeg_and_zip.jpg", hm.jpeg_zip_polyglot(half_jpeg),
          Expect("valid JPEG that is also a ZIP", ("done",), ocr=read_jpeg, media_type="image"))
    c.put("polyglot/png_and_html.png", hm.png_html_polyglot(half_png),
          Expect("valid PNG that is also HTML", ("done",), ocr=read_png, media_type="image"))
    c.put("images/exif_loop.jpg", hm.exif_loop_jpeg(half_jpeg),
          Expect("JPEG whose EXIF IFDs point to themselves", ("done",), ocr=read_jpeg, media_type="image"))
    return jpeg, png


def _images(c: Corpus, jpeg: bytes, png: bytes) -> None:
    from PIL import Image

    small = Image.open(SAMPLES / GOOD_PNG[0]).convert("RGB").resize((180, 250))
    webp, gif, tiff = hm.encode(small, "WEBP"), hm.encode(small, "GIF"), hm.encode(small, "TIFF")
    bomb = "decompression-bomb guard"
    for fmt, data in (("jpg", jpeg), ("png", png), ("webp", webp), ("gif", gif), ("tiff", tiff)):
        c.put(f"images/empty.{fmt}", b"", Expect(f"zero-byte .{fmt}", ("skipped",), "empty file"))
        cut = len(data) // 2 if fmt != "tiff" else len(data) * 3 // 4
        c.put(f"images/truncated.{fmt}", data[:cut], Expect(f"truncated {fmt}", ("error",), "cannot decode image",
                                                            media_type="image"))
    c.put("images/header_claims_65500x65500.jpg", hm.jpeg_with_size(jpeg, 65500, 65500),
          Expect("JPEG whose SOF claims 65500x65500", ("error",), bomb))
    c.put("images/declares_100000x100000.png", bomb_png(), Expect("PNG declaring 100000x100000", ("error",), bomb))
    c.put("images/zlib_bomb_8900x8900.png", hm.png_zlib_bomb(8900, 8900),
          Expect("230 KB PNG inflating to 238 MB (79 MP, just under the pixel limit)", ("done",), media_type="image"))
    c.put("images/ztxt_bomb.png", hm.png_ztxt_bomb(png),
          Expect("PNG with a zTXt chunk inflating to 64 MB", ("error",), "too large", media_type="image"))
    c.put("images/canvas_16M_x_16M.webp", hm.webp_huge_canvas(), Expect("WebP canvas 2^24 x 2^24", ("error",), bomb))
    c.put("images/screen_65535.gif", hm.gif_huge_screen(), Expect("GIF declaring 65535x65535", ("error",), bomb))
    c.put("images/declares_100000x100000.tiff", hm.tiff_huge(), Expect("TIFF declaring 100000x100000", ("error",), bomb))
    c.put("images/ifd_loop.tiff", hm.tiff_ifd_loop(), Expect("TIFF whose IFD chain loops", ("done", "error")))
    c.put("images/sliver_20000x1.png", hm.encode(Image.new("RGB", (20000, 1), (200, 30, 30)), "PNG"),
          Expect("20000x1 image (once a 20 GB OCR tensor)", ("done",), media_type="image"))
    c.put("images/one_pixel.gif", hm.encode(Image.new("L", (1, 1), 0), "GIF"), Expect("1x1 GIF", ("done",)))
    c.put("mislabelled/text_named.jpg", b"A plain text note, named like a photo.\n" * 4,
          Expect("text named .jpg", ("skipped",), "plain text"))
    c.put("mislabelled/random_named.mp4", bytes(range(256)) * 64,
          Expect("binary noise named .mp4", ("skipped",), "not a recognised media format"))


def _audio(c: Corpus) -> None:
    flac = (SAMPLES / "speech_london" / "shop_directions.flac").read_bytes()
    wav = (SAMPLES / "speech_bologna" / "bookshop_answerphone.wav").read_bytes()
    mp3 = (SAMPLES / "speech_lyon" / "weather_report.mp3").read_bytes()
    ogg = (SAMPLES / "speech_madrid" / "tortilla_recipe.ogg").read_bytes()
    for fmt, data in (("wav", wav), ("flac", flac), ("mp3", mp3), ("ogg", ogg)):
        c.put(f"audio/empty.{fmt}", b"", Expect(f"zero-byte .{fmt}", ("skipped",), "empty file"))
        c.put(f"audio/truncated.{fmt}", data[:6000], Expect(f"truncated {fmt} (first 6000 bytes)", media_type="audio"))
    tone = hm.encode_audio("pcm_s16le", "wav", 1.0, 16000)
    c.put("audio/corrupt_middle.mp3", corrupt_middle(hm.encode_audio("libmp3lame", "mp3", 5.0, 16000)),
          Expect("MP3 with garbage in the middle", media_type="audio"))
    c.put("audio/wav_header_only.wav", wav[:44], Expect("WAV header, no samples", media_type="audio"))
    c.put("audio/lying_size.wav", lying_wav(np.zeros(16000, dtype=np.int16), 16000),
          Expect("WAV whose sizes claim 2 GB more than the file holds", media_type="audio"))
    c.put("audio/wav_65535_channels.wav", hm.wav_header_only(65535, 16000, data=b"\x00" * 4096),
          Expect("WAV declaring 65535 channels", ("error", "done")))
    c.put("audio/wav_rate_4GHz.wav", hm.wav_header_only(1, 0xFFFFFFFF, data=b"\x00" * 4096),
          Expect("WAV declaring a 4.29 GHz sample rate", ("error",), "cannot open as audio"))
    low = "below 1000 hz"
    c.put("audio/wav_rate_1Hz.wav", hm.wav_header_only(1, 1, data=tone[44:4044]),
          Expect("WAV declaring 1 Hz: 2000 samples = 33 minutes", ("error",), low))
    c.put("audio/flac_1Hz.flac", hm.flac_constant(1, 1, 1),
          Expect("55-byte FLAC: 65535 samples at 1 Hz (1e9 samples, 4 GB, once resampled)", ("error",), low))
    c.put("audio/flac_8Hz.flac", hm.flac_constant(8, 1, 3),
          Expect("81-byte FLAC at 8 Hz: 6.8 hours of audio once resampled", ("error",), low))
    c.put("audio/flac_declares_49_days.flac", hm.flac_constant(16000, 1, 2, total=2 ** 36 - 1),
          Expect("68-byte FLAC whose STREAMINFO declares 2^36 samples (49 days)", ("done",), media_type="audio"))
    c.put("audio/flac_8ch_655kHz.flac", hm.flac_constant(655350, 8, 3),
          Expect("FLAC at the format's maxima: 8 channels, 655350 Hz", ("done",), media_type="audio"))
    c.put("audio/flac_10min_silence.flac", hm.flac_constant(16000, 1, 150),
          Expect("2 KB FLAC decoding to 10 minutes of silence", ("done",), media_type="audio"))
    opus = hm.encode_audio("libopus", "ogg", 1.0)
    c.put("audio/opus_255_channels.ogg", hm.opus_patched(opus, channels=255),
          Expect("Opus header declaring 255 channels", ("done", "error")))
    c.put("audio/opus_granule_2e62.ogg", hm.opus_patched(opus, last_granule=2 ** 62),
          Expect("Opus whose last granule declares 3 million years", ("done", "error")))
    c.put("audio/mp3_xing_4G_frames.mp3", hm.mp3_xing_frames(hm.encode_audio("libmp3lame", "mp3", 1.0, 16000)),
          Expect("MP3 whose Xing header claims 2^32 frames", ("done", "error")))
    c.put("mislabelled/wav_named.mp4", tone, Expect("WAV named .mp4", ("done",), media_type="audio"))


def _video(c: Corpus, tmp: Path) -> None:
    mp4 = (SAMPLES / "video_tokyo_slideshow" / "slideshow.mp4").read_bytes()
    mkv = (SAMPLES / "video_shanghai_captions" / "captions.mkv").read_bytes()
    for fmt in ("mp4", "mkv"):
        c.put(f"video/empty.{fmt}", b"", Expect(f"zero-byte .{fmt}", ("skipped",), "empty file"))
    c.put("video/truncated.mp4", mp4[: len(mp4) * 2 // 5], Expect("MP4 cut before its index", ("error",), "cannot open"))
    c.put("video/header_only.mp4", mp4[:1024], Expect("first 1 KB of an MP4", ("error",), "cannot open"))
    c.put("video/truncated.mkv", mkv[:20000], Expect("first 20 KB of an MKV", media_type="video"))

    def made(name: str, build) -> bytes:
        p = tmp / name
        build(p)
        return p.read_bytes()

    plain = made("plain.mp4", video_only_mp4)
    c.put("video/declares_136_years.mp4", hm.mp4_absurd_duration(plain),
          Expect("MP4 whose movie header declares 2^32-1 s", ("done",), media_type="video"))
    c.put("video/timestamp_jump_115_days.mkv",
          made("jump.mkv", lambda p: hm.write_video(p, "mpeg4", 64, 48, 6, jump_after=3, jump_s=1e7)),
          Expect("MKV whose timestamps jump 10^7 s mid-file", ("done", "error"), media_type="video"))
    mjpeg = made("mj.mkv", lambda p: hm.write_video(p, "mjpeg", 64, 48, 5))
    c.put("video/frames_claim_16000x16000.mkv", hm.patch_all_sof(mjpeg, 16000, 16000),
          Expect("MJPEG frames whose headers claim 16000x16000", ("error",), "corrupt", media_type="video"))
    c.put("video/sliver_16384x16.mp4",
          made("sliver.mp4", lambda p: hm.write_video(p, "libx264", 16384, 16, 2, options={"preset": "ultrafast"})),
          Expect("H.264 at 16384x16", ("done",), media_type="video"))
    c.put("video/1000fps.mkv", made("fast.mkv", lambda p: hm.write_video(p, "mpeg4", 32, 32, 3000, fps=1000)),
          Expect("3000 frames at 1000 fps", ("done",), media_type="video"))


def _names_and_folders(c: Corpus, jpeg: bytes, png: bytes) -> None:
    dup = Expect("good image copy (deduplicated)", ("done",), media_type="image")
    deep = "/".join(["d"] * DEPTH)
    c.put(f"deep/{deep}/bottom.png", png, dup)
    c.put(f"deep/{deep}/note.txt", b"the bottom of a 200-deep folder chain\n", Expect("text", ("skipped",), "text/plain"))
    c.put("names/" + "n" * (LONG_NAME - 4) + ".jpg", jpeg, dup)
    c.put("names/" + "é" * ((LONG_NAME - 5) // 2) + ".png", png, dup)
    c.put("names/" + "ก" * ((LONG_NAME - 4) // 3) + ".jpg", jpeg, dup)
    c.put("names/line\nbreak\tand tab.png", png, dup)
    c.put_raw(b"names/" + b"\xff" * (LONG_NAME - 4) + b".png", png, dup)
    c.put_raw(b"names/latin1-\xe9t\xe9.jpg", jpeg, dup)
    c.put_raw(b"names/dir-\xfe\xff/inside.png", png, dup)
    c.put_raw(b"names/bad\xc3(utf8.wav", b"", Expect("zero-byte, non-UTF-8 name", ("skipped",), "empty file"))
    # a chain of 250-byte folder names longer than PATH_MAX (4096 bytes), made through folder fds
    parts = [f"{i:02d}" + "p" * 248 for i in range(20)]
    fd = os.open(c.root, os.O_RDONLY)
    try:
        for name in parts:
            os.mkdir(name, dir_fd=fd)
            nfd = os.open(name, os.O_RDONLY, dir_fd=fd)
            os.close(fd)
            fd = nfd
        wfd = os.open("beyond_path_max.png", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd)
        os.write(wfd, png)
        os.close(wfd)
    finally:
        os.close(fd)
    # the first folder whose absolute path passes PATH_MAX cannot be listed: it is what gets recorded
    length, k = len(os.fsencode(os.path.abspath(c.root))), 0
    while length + 1 + len(parts[k]) < 4096:
        length += 1 + len(parts[k])
        k += 1
    c.expected["/".join(parts[:k + 1])] = Expect("folder whose path is longer than PATH_MAX", ("error",),
                                                "name too long", regular=False)
    c.unreachable.add("/".join(parts) + "/beyond_path_max.png")


def _special(c: Corpus) -> None:
    sp = c.root / "special"
    sp.mkdir(parents=True, exist_ok=True)
    link = Expect("symbolic link", ("skipped",), "symbolic link", regular=False)
    (sp / "loop").symlink_to(".", target_is_directory=True)
    (sp / "up").symlink_to("..", target_is_directory=True)
    (sp / "self.jpg").symlink_to("self.jpg")
    (sp / "ping.mp4").symlink_to("pong.mp4")
    (sp / "pong.mp4").symlink_to("ping.mp4")
    (sp / "devnull.wav").symlink_to("/dev/null")
    (sp / "dangling.png").symlink_to("missing.png")
    for n in ("loop", "up", "self.jpg", "ping.mp4", "pong.mp4", "devnull.wav", "dangling.png"):
        c.expected[f"special/{n}"] = link
    os.mkfifo(sp / "pipe.mp3")
    c.expected["special/pipe.mp3"] = Expect("FIFO", ("skipped",), "FIFO", regular=False)
    cwd = os.getcwd()
    try:  # sockets are bound by relative name: AF_UNIX paths are limited to 107 bytes
        os.chdir(sp)
        s = socket.socket(socket.AF_UNIX)
        s.bind("socket.wav")
        s.close()
    finally:
        os.chdir(cwd)
    c.expected["special/socket.wav"] = Expect("socket", ("skipped",), "socket", regular=False)
    try:  # a character device like /dev/null (needs CAP_MKNOD; not every machine grants it)
        os.mknod(sp / "chardev.jpg", stat.S_IFCHR | 0o600, os.makedev(1, 3))
        c.expected["special/chardev.jpg"] = Expect("character device", ("skipped",), "device file", regular=False)
    except (PermissionError, OSError):
        pass
    locked = sp / "locked_dir"
    locked.mkdir()
    (locked / "hidden.jpg").write_bytes(b"")
    locked.chmod(0)
    # the scan must run without permission overrides (tests drop root's CAP_DAC_* with setpriv)
    c.expected["special/locked_dir"] = Expect("mode-000 folder", ("error",), "permission denied", regular=False)
    c.unreachable.add("special/locked_dir/hidden.jpg")


def build(out: Path) -> Corpus:
    """Write the corpus into out/evidence and its expectations into out/expected.json."""
    evidence = out / "evidence"
    if evidence.exists():
        raise SystemExit(f"{evidence} exists; remove it first")
    tmp = out / "build-tmp"
    tmp.mkdir(parents=True, exist_ok=True)
    c = Corpus(evidence)
    jpeg, png = _good(c)
    _images(c, jpeg, png)
    _audio(c)
    _video(c, tmp)
    _names_and_folders(c, jpeg, png)
    _special(c)
    made = build_bad_corpus(evidence / "basic", jpeg)  # the set tests/test_bad_inputs.py checks in detail
    for rel, what in made.items():
        c.expected[f"basic/{rel}"] = Expect(what, regular="symlink" not in what)
    shutil.rmtree(tmp)
    doc = {"expected": {k: asdict(v) for k, v in sorted(c.expected.items())}, "unreachable": sorted(c.unreachable)}
    (out / "expected.json").write_text(json.dumps(doc, ensure_ascii=False, indent=1), encoding="utf-8")
    return c


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out", type=Path, help="folder to create (evidence/ and expected.json go inside)")
    args = ap.parse_args()
    corpus = build(args.out)
    print(f"{len(corpus.expected)} paths written under {args.out / 'evidence'}; expectations in {args.out / 'expected.json'}")


if __name__ == "__main__":
    main()
