"""Scan configuration, and the configuration hash that decides whether a resumed scan may
reuse an item's earlier results: same evidence + same config hash = same clues.

ScanConfig is the flat form users and pipelines set (CLI options, the API, the run record);
each field reaches its stage through that stage's settings class (pipeline.py), and a field no
stage, ingest or the executor reads does not exist.

The hash covers what *processing* depends on, and nothing else:
- the result-affecting settings (`result_affecting()`: all but workers, threads, packs_dir);
- the tool version and every stage's version (pipeline.STAGES; a stage's version is bumped
  when its code changes its output: source files are not hashed);
- the versions of the libraries the stages call, the pinned SHA-256 of the models they load
  (models.json, Tesseract traineddata, an optional NER model), the SHA-256 of every data file
  they read (clueextract/data, process.data_identity) and of each active language pack;
- the known-hash lists (by SHA-256, in `extra`), because matching happens at ingest.
It leaves out what only exports read: the evidence model (data/evidence_model.json,
assess/model.py), UN M49 desks (data/m49.json, regions.py), the summaries' templates.
Assessments and summaries are recomputed from the stored clues at every export, so retuning a
`kind_factor` re-ranks a case without re-reading one file (tests/test_config_hash.py).
"""
from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Optional


def default_packs_dir() -> Path:
    env = os.environ.get("CLUEEXTRACT_PACKS")
    if env:
        return Path(env)
    return Path(__file__).resolve().parent.parent / "language_packs"


def default_model_dir() -> Path:
    env = os.environ.get("CLUEEXTRACT_MODEL_DIR")
    if env:
        return Path(env)
    return Path.home() / ".local" / "share" / "clueextract" / "models"


@dataclass(frozen=True)
class ScanConfig:
    packs: tuple[str, ...] = ("auto",)        # pack codes, or ("auto",) for every installed pack
    series_by: str = "folder"                 # "folder" | "none"
    workers: int = 1
    threads: Optional[int] = None             # per worker; None: the cores shared evenly (process.thread_budget)
    ocr_engine: str = "auto"                  # auto (RapidOCR + Tesseract routing) | rapidocr | easyocr
    ocr_min_confidence: float = 0.5           # lines below are dropped (RapidOCR text_score)
    ocr_max_side: int = 2000                  # images are downscaled to this before detection
    max_image_pixels: int = 80_000_000        # decompression-bomb guard (declared width*height)
    max_file_bytes: int = 2_000_000_000       # larger files are recorded as skipped
    langid_backend: str = "lingua"
    video_max_frames: int = 60                # cap on frames read (OCR) per video
    asr_model: str = "whisper-base"           # registry name, or a CTranslate2 Whisper folder in the model dir
    asr_beam_size: int = 1                    # greedy; a wider beam where a pass fails, never sampling (audio.asr)
    audio_block_s: float = 120.0              # decoded audio held at once (memory bound)
    audio_max_chunk_s: float = 28.0           # longest speech chunk transcribed at once (Whisper's window is 30 s)
    lid_window_s: float = 8.0                 # longest speech window for spoken-language ID
    lid_switch_prob: float = 0.15             # prior probability of a language change between windows
    lid_chunk_certainty: float = 0.6          # a speech chunk less sure of its language gets the window pass (audio.spans)
    vad_min_silence_ms: int = 300             # pause that separates speech segments
    packs_dir: Optional[str] = None
    extra: dict[str, Any] = field(default_factory=dict)  # e.g. "known_hashes": lists' names + SHA-256 (deconflict)

    def result_affecting(self) -> dict[str, Any]:
        """Settings that change what a scan outputs (workers, threads and paths do not)."""
        d = asdict(self)
        for k in ("workers", "threads", "packs_dir"):
            d.pop(k)
        return d

    def config_hash(self, engines: dict[str, Any]) -> str:
        """Hash of the result-affecting settings plus `engines` (process.engines_identity: tool,
        stage, library versions, model and data hashes; the scan adds the packs' hashes)."""
        blob = json.dumps({"config": self.result_affecting(), "engines": engines},
                          sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return hashlib.sha256(blob.encode()).hexdigest()

    def resolved_packs_dir(self) -> Path:
        return Path(self.packs_dir) if self.packs_dir else default_packs_dir()
