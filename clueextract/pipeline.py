"""The processing stages, in the order they run on an item: one table the processor is built from.

docs/ARCHITECTURE.md draws how an item flows through it. Each stage declares

- `name`: what a clue's `source.stage` says (the OCR and speech stages name themselves so;
  the text stage's clues say "text"),
- `media`: the media types it runs on (the processor runs, for an item, the stages whose
  `media` hold its media type, in table order; an item no stage takes is recorded skipped),
- `kinds`: the clue kinds it produces (tests/test_pipeline.py: every kind of kinds.py has one
  producing stage, and no stage names a kind the table lacks),
- `settings`: its settings class, a frozen dataclass documented field by field, made from the
  flat ScanConfig by `from_config` (the one place a ScanConfig field reaches a stage),
- `version`: bump it when the stage's code changes what it outputs for the same input and
  settings. The config hash holds every stage's version (config.py), not its source files, so
  a resumed scan re-processes an item exactly when a stage that reads it changed.

The order is part of the output: clue ids hash an item's clues with their position
(records.Clue.assign_id), and the position follows this table. The text stage is not a step of
its own in that order: it reads each text clue (an OCR line, a speech segment) the moment the
stage before it produced one, its clues following that line, and once more per item at the end
(`finish_item`: what needs all of an item's lines).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Optional

if TYPE_CHECKING:
    from .config import ScanConfig


@dataclass(frozen=True)
class InputSettings:
    """How evidence is read before any stage sees it (the processor and ingest).

    Attributes:
        max_file_bytes: larger files are recorded as skipped at ingest, and refused if one grew
            past it before processing.
        max_image_pixels: decompression-bomb guard: an image whose declared width x height is
            larger is an error before it is decoded (media/image.py).
    """

    max_file_bytes: int = 2_000_000_000
    max_image_pixels: int = 80_000_000

    @classmethod
    def from_config(cls, c: ScanConfig) -> InputSettings:
        return cls(max_file_bytes=c.max_file_bytes, max_image_pixels=c.max_image_pixels)


@dataclass(frozen=True)
class MetadataSettings:
    """Metadata (EXIF/XMP of images, container tags of videos) has no settings: it reads every
    tag it knows. The class exists so that every stage has one."""

    @classmethod
    def from_config(cls, c: ScanConfig) -> MetadataSettings:
        return cls()


@dataclass(frozen=True)
class OcrSettings:
    """Scene-text reading of images and of a video's selected frames (ocr/, video/).

    Attributes:
        engine: "auto" (RapidOCR finds boxes, a script classifier routes each to RapidOCR or the
            packs' Tesseract models), "rapidocr" (RapidOCR alone) or "easyocr" (optional extra).
        min_confidence: lines read below this confidence are dropped (RapidOCR's text_score and
            the router's scores).
        max_side: images are downscaled so their longer side is at most this before detection.
        video_max_frames: most frames of one video read by OCR (video/frames.py picks them).
    """

    engine: str = "auto"
    min_confidence: float = 0.5
    max_side: int = 2000
    video_max_frames: int = 60

    @classmethod
    def from_config(cls, c: ScanConfig) -> OcrSettings:
        return cls(engine=c.ocr_engine, min_confidence=c.ocr_min_confidence, max_side=c.ocr_max_side,
                   video_max_frames=c.video_max_frames)


@dataclass(frozen=True)
class SpeechSettings:
    """Speech of audio files and of videos' audio streams (audio/): VAD, spoken-language spans
    over the whole track, then Whisper transcription per span.

    Attributes:
        asr_model: a model registry name (clueextract/data/models.json) or a CTranslate2 Whisper
            folder in the model directory.
        asr_beam_size: 1 is greedy; a wider beam only where a pass fails, never sampling.
        block_s: seconds of decoded audio held in memory at once.
        max_chunk_s: longest speech chunk transcribed at once (Whisper's window is 30 s).
        lid_window_s: longest speech window for spoken-language identification.
        lid_switch_prob: prior probability of a language change between windows.
        lid_chunk_certainty: a chunk less sure of its language than this gets the window pass.
        vad_min_silence_ms: a pause at least this long separates speech segments.
    """

    asr_model: str = "whisper-base"
    asr_beam_size: int = 1
    block_s: float = 120.0
    max_chunk_s: float = 28.0
    lid_window_s: float = 8.0
    lid_switch_prob: float = 0.15
    lid_chunk_certainty: float = 0.6
    vad_min_silence_ms: int = 300

    @classmethod
    def from_config(cls, c: ScanConfig) -> SpeechSettings:
        return cls(asr_model=c.asr_model, asr_beam_size=c.asr_beam_size, block_s=c.audio_block_s,
                   max_chunk_s=c.audio_max_chunk_s, lid_window_s=c.lid_window_s, lid_switch_prob=c.lid_switch_prob,
                   lid_chunk_certainty=c.lid_chunk_certainty, vad_min_silence_ms=c.vad_min_silence_ms)


@dataclass(frozen=True)
class TextSettings:
    """Clues read from text (text/, entities/): language and script, phones, domains, currency,
    registration numbers, plates, places, brands and pack terms.

    Attributes:
        langid_backend: short-text language identifier, "lingua" (measured best on short sign
            strings) or "langdetect".
    The active language packs (ScanConfig.packs) set the candidate languages and regions; they
    are hashed into the configuration by their file's SHA-256.
    """

    langid_backend: str = "lingua"

    @classmethod
    def from_config(cls, c: ScanConfig) -> TextSettings:
        return cls(langid_backend=c.langid_backend)


@dataclass(frozen=True)
class Stage:
    name: str
    media: tuple[str, ...]
    kinds: tuple[str, ...]
    settings: type[Any]  # a settings dataclass with from_config(ScanConfig)
    version: str
    about: str

    def settings_for(self, config: ScanConfig) -> Any:
        return self.settings.from_config(config)


STAGES: tuple[Stage, ...] = (
    Stage("metadata", ("image", "video"), ("gps", "timezone", "device"), MetadataSettings, "1",
          "EXIF/XMP of an image (after it decoded), container tags of a video; an error here is noted, "
          "the item goes on"),
    # 2: Tesseract's second pass only for a likely script; a video's unchanged boxes read once;
    # 3: detection at the image's own size too, spelling tests for Thai/Lao/Greek/Cyrillic, vie on a
    # Vietnamese image's Latin boxes, a lone weak box among another script's dropped; 4: no Tesseract
    # reading for a script the classifier barely names beside a confident RapidOCR line; 5: in a Vietnamese
    # image RapidOCR's chosen line takes vie's tone letters where only letters it cannot write differ;
    # 6: a strong reading of a script other boxes show strongly, or a confident RapidOCR one of a script
    # other boxes show unmistakably, weighs at least shown_support; 7: a script no other box reads
    # plausibly, where another shows in shown_boxes boxes, is at most unshown_cap likely; 8: no Tesseract
    # reading beside a confident line of Latin words where no routed script reaches latin_skip
    Stage("ocr", ("image", "video"), ("ocr_text", "script"), OcrSettings, "8",
          "text lines of the image or of a video's selected frames; each line goes to the text stage at once; "
          "a box in a script no pack reads is a `script` clue"),
    Stage("speech", ("video", "audio"), ("speech_segment", "spoken_language"), SpeechSettings, "1",
          "spoken-language spans over the whole track, then transcript segments; each goes to the text stage"),
    Stage("text", ("image", "video", "audio"),
          ("text_language", "script", "place", "brand", "organization", "person", "phone", "domain", "email",
           "currency", "postal_code", "legal_form", "address_term", "dialect_marker", "registration_number",
           # 2: places in a script their country does not write; 3: brands naming a street; 4: or another business;
           # 5: three boxes on a row tried as a plate before two; '·' and '•' between words cut tokens;
           # 6: brands: capitals of a longer name, OCR-repaired matches outside the packs, short names in capitals;
           # 7: a postal code needs its place on the same line, near it; 8: short lines' language read together;
           # 9: 'KM' is Bosnian marks only with cents; 10: a shared place name narrowed by the postcode beside it;
           # 11: a short line repeated by a video's frames joins once; 12: ... no parent line, the box around theirs;
           # 13: a short undotted legal form of a language the item does not show is set aside; 14: Saudi plates
           "licence_plate"), TextSettings, "14",
          "clues read from each text clue as it is produced, then once per item (finish_item)"),
)

BY_NAME: dict[str, Stage] = {s.name: s for s in STAGES}
MEDIA_STEPS = ("metadata", "ocr", "speech")  # the stages the processor steps through; text is called by them


def steps_for(media_type: str) -> tuple[Stage, ...]:
    """The stages the processor steps through for an item of this media type, in order
    (empty: nothing reads it, the item is recorded skipped)."""
    return tuple(s for s in STAGES if s.name in MEDIA_STEPS and media_type in s.media)


def stage_versions() -> dict[str, str]:
    return {s.name: s.version for s in STAGES}


def settings_of(config: ScanConfig) -> dict[str, Any]:
    """Every stage's settings (and the input settings) as made from one ScanConfig."""
    out: dict[str, Any] = {"input": InputSettings.from_config(config)}
    out.update({s.name: s.settings_for(config) for s in STAGES})
    return out


def find(name: str) -> Optional[Stage]:
    return BY_NAME.get(name)
