"""Per-worker processing of one evidence item: decode, OCR, metadata, text clues.

A Processor is built once per worker process (models load once) and turns an item
(path + expected hash + media type) into an ItemResult. It never raises for bad
input: every failure becomes a recorded error, and clues found before it are kept.
"""
from __future__ import annotations

import hashlib
import os
import time
from dataclasses import dataclass
from typing import Any, Optional

from . import TOOL
from .config import ScanConfig
from .ingest.hashing import read_bytes
from .records import Clue, ItemResult, Source


@dataclass(frozen=True)
class Job:
    item_id: str
    abs_path: str
    sha256: str
    media_type: str
    mime: Optional[str]


def thread_budget(workers: int) -> int:
    """Threads each worker may give its inference runtime so workers do not oversubscribe cores."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, cores // max(1, workers))


def engines_identity(config: ScanConfig, languages: list[str], regions: list[str]) -> dict[str, Any]:
    """Versions of every engine and library, and pinned hashes of every model, that shape
    the output — without loading any model (the main process hashes this into the config)."""
    from importlib.metadata import version

    from .models import registry

    libs = ["rapidocr", "onnxruntime", "lingua-language-detector", "langdetect", "phonenumbers", "babel",
            "pycountry", "tldextract", "reverse-geocoder", "pillow", "tzdata", "regex"]
    data_dir = os.path.join(os.path.dirname(__file__), "data")
    data = {n: hashlib.sha256(open(os.path.join(data_dir, n), "rb").read()).hexdigest()
            for n in sorted(os.listdir(data_dir)) if n.endswith(".json")}
    return {"tool": TOOL, "libraries": {n: version(n) for n in libs},
            "models": {m.name: m.sha256 for m in registry() if m.engine == config.ocr_engine},
            "data": data, "candidate_languages": languages, "candidate_regions": regions}


class Processor:
    def __init__(self, config: ScanConfig, languages: list[str], regions: list[str], threads: int = 1):
        from .ocr import make_engine
        from .text.extract import TextClueExtractor

        self.config = config
        self.ocr = make_engine(config.ocr_engine, threads)
        self.text = TextClueExtractor(languages, regions, backend=config.langid_backend)

    def process(self, job: Job) -> ItemResult:
        result = ItemResult()
        t0 = time.perf_counter()
        try:
            data = read_bytes(job.abs_path, self.config.max_file_bytes)
            actual = hashlib.sha256(data).hexdigest()
            if actual != job.sha256:
                raise RuntimeError(f"content changed since it was hashed (SHA-256 now {actual}); not processed")
            if job.media_type == "image":
                self._image(data, result)
            else:
                result.status = "skipped"
                result.error = f"{job.media_type} content ({job.mime}) is not processed by this version"
        except Exception as e:  # bad input must never stop a scan: record it, keep what was found
            result.status = "error"
            result.error = f"{type(e).__name__}: {e}" if not _is_clear(e) else str(e)
        result.info["seconds"] = round(time.perf_counter() - t0, 4)
        for ordinal, clue in enumerate(result.clues):  # ids follow content + position: same input, same ids
            clue.assign_id(job.sha256, ordinal)
        return result

    def _image(self, data: bytes, result: ItemResult) -> None:
        from .media.image import decode_image
        from .metadata.exif import exif_clues

        img = decode_image(data, self.config.max_image_pixels)
        result.info.update(img.info)
        try:
            result.clues.extend(exif_clues(img.raw))
        except Exception as e:  # metadata is a bonus; a bad EXIF block must not cost the OCR
            result.info["metadata_error"] = f"{type(e).__name__}: {e}"
        t = time.perf_counter()
        lines = self.ocr.read(img.rgb)
        result.info["ocr_seconds"] = round(time.perf_counter() - t, 4)
        for line in lines:
            ocr = Clue(kind="ocr_text", value=line.text, normalized=" ".join(line.text.split()).casefold(),
                       confidence=line.confidence,
                       source=Source("ocr", line.engine, line.model, line.model_sha256),
                       locator={"bbox": list(line.bbox)})
            result.clues.append(ocr)
            result.clues.extend(self.text.extract(ocr))


def _is_clear(e: Exception) -> bool:
    from .media.image import ImageDecodeError

    return isinstance(e, (ImageDecodeError, RuntimeError))
