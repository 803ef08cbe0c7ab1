"""RapidOCR engine: PP-OCR detection + orientation + recognition ONNX models from the rapidocr wheel.

Small images: RapidOCR's detector enlarges an image at most MAX_DET_UPSCALE (3) times.
Its configuration (`Det.limit_type: min`, `Det.limit_side_len: 736`) scales every image
so that its short side is 736 px, also a 320 x 72 px sign: 10x, a 3264 x 736 detector
input. Text that large is split by the detector, and reading such a sign took 1.2-1.6 s.
On the 12 signs benchmarks/bench_soak.py renders (320 x 72, Pillow's bundled font, 26 px)
7 of 12 were read as one whole line; 4 were split ("Tel 020 7" / "7946" / "0123",
"Fresh I" / "Bread", "OPEN 2" / "24h", "Hotel" / "Central"). With the cap: 0.10-0.15 s
a sign and 11 of 12 whole, through RapidOcrEngine and through the router alike (the
12th, "Café", is read "Caf" either way: the recogniser drops that font's "é" from any
crop). The soak bench (200 files, --packs en, 1 worker): 0.875 -> 0.157 s median per
image, scan 152 -> 35 s, peak RSS 908 -> 590-680 MB.

Rule (_DetLimitedRapidOCR): the image the detector step is given (after RapidOCR's own
resize into [30, 2000] px, before its vertical padding) has short side s; the detector's
limit becomes min(736, int(3 * s)), still of type "min". An image with s >= 246 px is
therefore detected exactly as with RapidOCR's defaults: every sample photo (short sides
700-900 px) gives the same lines, scores and boxes as before, also through the router.
A smaller one is enlarged 3x instead of 736 / s times (vertical padding, which adds rows
to very flat images, only lowers that factor). Of the sample videos only the 320 x 240
frames of speech_zurich fall under the rule (3x instead of 3.07x): same text read.

Why 3 and not "never enlarge" (limit type "max"): the 29 sample photos with manifest
lines RapidOCR reads (96 lines), shrunk to a short side of 160 / 120 / 96 / 72 px, read
93 / 89 / 86 / 73 lines with the default, 95 / 93 / 87 / 77 with the 3x cap,
96 / 90 / 84 / 76 with 2x and 95 / 89 / 79 / 59 never enlarging: small text needs some
enlarging, and 3x read at least as many lines as the default at every size. At 480 /
360 / 240 px every variant read all 96.

Second pass at the image's own size (RapidOcrEngine.detect, what the router uses): an image
the detector enlarges (short side below 736 px) is detected a second time without enlarging,
and merge_passes keeps the first pass's boxes except where one of them holds two or more
second-pass boxes lying one above the other (lines the enlarged pass merged: the 735 x 325
Islampur station board came out as one box over its Devanagari and English lines, read
'RMAO') and adds second-pass boxes the kept ones do not cover (SECOND_PASS_MAX_OVERLAP).
On eval/real (both parts, 34 of 74 copied images enlarged) it found ISLAMPUR, ARRIVA, 大型停车场,
LIQUI MOLY, IRAN on a plate and a Chicago cab's 'OUR FOREST PRESERVE DISTRICT OF COOK': 885
instead of 876 key words on the tuning part, 538 instead of 537 on the check part, and 0.07-0.09 s
more detection per enlarged image (8.2-9.3 s against 11.4-11.5 s for the 34). Video frames are
detected once (they repeat, and their cost counts per second of video).
"""
from __future__ import annotations

import functools
import os
import sys
from importlib.metadata import version
from typing import Any

import numpy as np
from PIL import Image

from ..models import spec, verified_path
from .base import OcrLine

DET, REC, CLS = "PP-OCRv6_det_small", "PP-OCRv6_rec_small", "ch_ppocr_mobile_v2.0_cls"
MAX_ASPECT = 10  # long side / short side of what RapidOCR's detector is given
MAX_DET_UPSCALE = 3  # the detector enlarges an image at most this many times (see the module docstring)
SECOND_PASS_MAX_OVERLAP = 0.3  # a box of the own-size pass is new when at most this share of it is covered


def bounded_aspect(img: np.ndarray, max_aspect: int = MAX_ASPECT) -> np.ndarray:
    """The image padded at the bottom or right (box coordinates do not move) with its mean
    colour until long side / short side <= max_aspect; unchanged when already within.

    Why: RapidOCR caps the long side at 2000 px, then raises the short side to 30 px and its
    detector raises it to 736 px, keeping the aspect ratio. A 20000x1 PNG of a few hundred
    bytes became a 1,472,000 x 736 float32 tensor and the scan was killed at 20 GB RSS
    (hostile corpus, measured). At 10:1 the detector input is at most 7360 x 736."""
    h, w = img.shape[:2]
    if min(h, w) * max_aspect >= max(h, w):
        return img
    fill = img.reshape(-1, img.shape[2]).mean(axis=0).astype(img.dtype) if img.size else 255
    if w > h:
        pad = np.empty((-(-w // max_aspect) - h, w, img.shape[2]), dtype=img.dtype)
        pad[...] = fill
        return np.ascontiguousarray(np.concatenate([img, pad], axis=0))
    pad = np.empty((h, -(-h // max_aspect) - w, img.shape[2]), dtype=img.dtype)
    pad[...] = fill
    return np.ascontiguousarray(np.concatenate([img, pad], axis=1))


OCR_DEVICE_ENV = "CLUEEXTRACT_OCR_DEVICE"


def cuda_asked() -> bool:
    """Whether the lab asked for RapidOCR on CUDA (CLUEEXTRACT_OCR_DEVICE=cuda); see onnx_device."""
    return os.environ.get(OCR_DEVICE_ENV, "cpu").strip().lower() == "cuda"


@functools.cache
def onnx_device() -> str:
    """'cuda' when the lab asked for it (CLUEEXTRACT_OCR_DEVICE=cuda) and onnxruntime really
    runs RapidOCR's models on CUDA; 'cpu' otherwise.

    CPU by default, GPU or not. Measured on an H200 with onnxruntime-gpu 1.31.1 (CUDA 13):
    the detector alone ran a 736 px pass in 0.003 s against 0.083 s on 16 CPU cores, but
    reading the 30 sample photos end to end took 1.73 s per image on CUDA (4.27 s with
    RapidOCR's default exhaustive cuDNN search) against 0.44 s on 4 CPU threads. Every image
    and every text line has its own shape, and CUDA pays its per-shape set-up each time.
    Inputs that repeat one size (the frames of one video) are where opting in may pay.

    onnxruntime-gpu lists the CUDA provider on every machine, with or without a GPU or the
    CUDA libraries it was built for, and a session asked for it then falls back to CPU with
    a warning. So when asked, a small model (the orientation classifier) is opened once with
    CUDA first, and the provider that the session actually got decides. The device is part
    of the engine identity (and so of the configuration hash): GPU and CPU kernels may differ
    in the last digits of a score (1 of the 30 samples read differently)."""
    if not cuda_asked():
        return "cpu"
    try:
        import onnxruntime as ort  # noqa: PLC0415 (heavy: onnxruntime, +22 ms at import)

        if "CUDAExecutionProvider" not in ort.get_available_providers():
            return "cpu"
        opts = ort.SessionOptions()
        opts.log_severity_level = 3
        sess = ort.InferenceSession(str(verified_path(CLS)), sess_options=opts,
                                    providers=["CUDAExecutionProvider", "CPUExecutionProvider"])
        return "cuda" if sess.get_providers()[0] == "CUDAExecutionProvider" else "cpu"
    except Exception:  # a broken GPU install must not stop a CPU scan
        return "cpu"


def detector_limit(short_side: int, limit_type: str, limit_side_len: int,
                   max_upscale: float | None = MAX_DET_UPSCALE) -> tuple[str, int]:
    """(limit_type, limit_side_len) for RapidOCR's detector on an image whose short side is
    `short_side`, given the configured ones: with limit type "min" the short side is raised
    to at most max_upscale x itself; the configured values unchanged when that is >= them
    (s >= 246 px at 736 and 3x), for other limit types, and when max_upscale is None."""
    if max_upscale is None or limit_type != "min" or short_side < 1:
        return limit_type, limit_side_len
    return "min", min(int(limit_side_len), int(short_side * max_upscale))


class _ShrinkingSession:
    """An onnxruntime InferenceSession whose CPU memory arena gives back, at the end of every
    run, what that run took (run option memory.enable_memory_arena_shrinkage).

    Why: without an arena (RapidOCR's default) every intermediate tensor of the detector is
    a malloc of its own, and glibc keeps the freed ones in pieces it cannot reuse for the
    next shape: the detector alone, over 14 inputs of 224-1280 x 736 px (2 threads), peaked
    373-391 MB above its loaded size and kept 206-268 MB after the last run. With the arena
    (a run's tensors reuse one pool) shrunk after each run: 222 MB peak, 78 MB kept, in
    5.1-5.2 s against 5.0-5.2 s. A one-worker scan of samples_benign/ with all 21 packs
    peaked at 1520 MB against 1712 MB, every OCR clue the same. Results are bit-identical: only
    where the buffers live changes (tests/test_memory_release.py)."""

    def __init__(self, session: Any):
        import onnxruntime as ort  # noqa: PLC0415 (heavy: onnxruntime, +22 ms at import)

        self._session = session
        self._run_options = ort.RunOptions()
        if "CPUExecutionProvider" in session.get_providers():
            self._run_options.add_run_config_entry("memory.enable_memory_arena_shrinkage", "cpu:0")

    def run(self, output_names: Any, input_feed: Any, run_options: Any = None) -> Any:
        return self._session.run(output_names, input_feed, run_options or self._run_options)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._session, name)


def _shrinking(model: Any) -> Any:
    """RapidOCR's detector/classifier/recogniser with its ONNX session wrapped once (above)."""
    infer = getattr(model, "session", None)  # RapidOCR's OrtInferSession
    inner = getattr(infer, "session", None)  # onnxruntime's InferenceSession
    if inner is not None and not isinstance(inner, _ShrinkingSession) and hasattr(inner, "run"):
        infer.session = _ShrinkingSession(inner)
    return model


def _import_rapidocr() -> Any:
    """rapidocr's RapidOCR class, imported with its default_models.yaml parsed once.

    Why: two of its modules (utils.model_resolver and inference_engine.base) each parse that
    85 kB file with OmegaConf.load when imported, ~0.1 s apiece on this machine, out of a
    0.5 s import; both only read it (model routes and download URLs, which the explicit model
    paths here never reach). During the import OmegaConf.load hands a second load of the same
    file the first one's result; afterwards it is OmegaConf's own again."""
    if "rapidocr.main" in sys.modules:
        from rapidocr import RapidOCR  # noqa: PLC0415 (imported already)

        return RapidOCR
    from omegaconf import OmegaConf  # noqa: PLC0415 (rapidocr's configuration library, imported by it anyway)

    original = OmegaConf.load
    parsed: dict[str, Any] = {}

    def load_once(file_: Any) -> Any:
        if not isinstance(file_, (str, os.PathLike)):
            return original(file_)
        key = os.path.realpath(file_)
        if key not in parsed:
            parsed[key] = original(file_)
        return parsed[key]

    OmegaConf.load = load_once  # type: ignore[method-assign]
    try:
        from rapidocr import RapidOCR  # noqa: PLC0415 (heavy: RapidOCR with onnxruntime and OpenCV, +0.4 to 0.8 s at import)
    finally:
        OmegaConf.load = original  # type: ignore[method-assign]
    return RapidOCR


@functools.cache
def _det_limited_rapidocr() -> Any:
    """RapidOCR, subclassed so that its detector's limit is set per image by detector_limit
    (instance attribute max_det_upscale). One instance: one set of models in memory.

    detect_and_crop is where RapidOCR hands the image to its detector (after its own
    resize, before its vertical padding); the detector builds its resize step from its
    `limit_type` and `limit_side_len` attributes on every call (TextDetector.get_preprocess),
    so setting them just before is all it takes. The detector is created lazily, on first
    use: it is fetched through RapidOCR's own loader, as detect_and_crop itself does. The
    configured values (cfg.Det) are never changed. Both RapidOcrEngine.read and the
    router's detection (RapidOcrEngine.detect) go through here. One engine is used by one thread. Built on first use, as RapidOCR was imported
    before: importing it takes about 0.8 s (onnxruntime, OpenCV)."""
    RapidOCR = _import_rapidocr()

    class _DetLimitedRapidOCR(RapidOCR):
        max_det_upscale: float | None = MAX_DET_UPSCALE

        @property
        def det_limit_default(self) -> tuple[str, int]:
            return str(self.cfg.Det.limit_type), int(self.cfg.Det.limit_side_len)

        def _load_det_model(self):
            return _shrinking(super()._load_det_model())

        def _load_cls_model(self):
            return _shrinking(super()._load_cls_model())

        def _load_rec_model(self):
            return _shrinking(super()._load_rec_model())

        def detect_boxes(self, bgr: np.ndarray) -> Any:
            """The detector's quadrilaterals for one BGR image (its own resize and mapping back)."""
            return getattr(self(bgr, use_det=True, use_cls=False, use_rec=False, return_word_box=False), "boxes", None)

        def upright(self, bgr_crops: list[np.ndarray]) -> tuple[list[np.ndarray], list[bool]]:
            """Crops turned 180 degrees where the orientation classifier says so (batched), and
            which of them it turned."""
            if not bgr_crops:
                return [], []
            out = self._load_cls_model()(bgr_crops)
            cls = self._load_cls_model()
            turned = ["180" in label and score > cls.cls_thresh for label, score in out.cls_res]
            return list(out.img_list), turned

        def recognise(self, bgr_crops: list[np.ndarray]) -> list[tuple[str, float]]:
            """(text, score) per crop, recognised in batches of crops of similar width."""
            if not bgr_crops:
                return []
            from rapidocr.ch_ppocr_rec.typings import TextRecInput  # noqa: PLC0415 (heavy: rapidocr, loaded with RapidOCR above)

            out = self._load_rec_model()(TextRecInput(img=bgr_crops))
            return [(str(t), float(sc)) for t, sc in zip(out.txts, out.scores)]

        def detect_and_crop(self, img: np.ndarray, op_record: dict[str, Any]) -> Any:
            det = self._load_det_model()
            det.limit_type, det.limit_side_len = detector_limit(min(img.shape[:2]), *self.det_limit_default,
                                                                max_upscale=self.max_det_upscale)
            return super().detect_and_crop(img, op_record)

    return _DetLimitedRapidOCR


def _share_inside(box: np.ndarray, other: np.ndarray) -> float:
    """The share of quadrilateral `box`'s area that lies inside quadrilateral `other`."""
    import cv2  # noqa: PLC0415 (RapidOCR's own dependency, imported with it)

    area = abs(float(cv2.contourArea(box)))
    if area <= 0:
        return 0.0
    inter, _ = cv2.intersectConvexConvex(box.astype(np.float32), other.astype(np.float32))
    return max(0.0, float(inter)) / area


def merge_passes(first: list[np.ndarray], second: list[np.ndarray], max_overlap: float = 0.3,
                 inside: float = 0.7) -> list[np.ndarray]:
    """The enlarged pass's boxes (`first`) with what the own-size pass (`second`) adds: a first
    box that holds two or more second boxes lying one above the other is lines the enlarged
    pass merged, and gives way to them (a second box that another first box also covers is no
    such line: the first pass has it already); a second box that no kept box covers by more than
    `max_overlap` is text the enlarged pass missed. Everything else stays as the first pass has it."""
    kept: list[np.ndarray] = []
    for a in first:
        parts = [b for b in second if _share_inside(b, a) >= inside
                 and not any(_share_inside(b, o) > max_overlap for o in first if o is not a)]
        kept.extend(parts if _stacked(parts) else [a])
    out = list(kept)
    for b in second:
        if not any(b is k for k in kept) and not any(_share_inside(b, k) > max_overlap for k in kept):
            out.append(b)
    return out


def _stacked(boxes: list[np.ndarray]) -> bool:
    """Two or more boxes of which some lie one above the other (lines, not words of one line)."""
    if len(boxes) < 2:
        return False
    spans = sorted((float(b[:, 1].min()), float(b[:, 1].max())) for b in boxes)
    return any(lo2 >= (lo1 + hi1) / 2 for (lo1, hi1), (lo2, _) in zip(spans, spans[1:]))


class RapidOcrEngine:
    name = "rapidocr"

    def __init__(self, threads: int = 1, min_confidence: float = 0.5, max_side: int = 2000,
                 max_det_upscale: float | None = MAX_DET_UPSCALE, second_pass: bool = True):
        """max_det_upscale: see the module docstring; None keeps RapidOCR's detector limit
        for every image (its defaults: short side raised to 736 px). second_pass: detect()
        also looks at an enlarged image at its own size (the module docstring)."""
        self.version = version("rapidocr")
        self.second_pass = second_pass
        paths = {m: verified_path(m) for m in (DET, REC, CLS)}
        self.device = onnx_device()
        self.max_side = max_side
        # Explicit model paths: RapidOCR never reaches its download code, and the
        # files used are exactly the verified ones.
        self._ocr = _det_limited_rapidocr()(params={
            "Global.log_level": "error",
            "Global.text_score": min_confidence,
            "Global.max_side_len": max_side,
            "Det.model_path": str(paths[DET]),
            "Rec.model_path": str(paths[REC]),
            "Cls.model_path": str(paths[CLS]),
            "EngineConfig.onnxruntime.intra_op_num_threads": max(1, threads),
            "EngineConfig.onnxruntime.inter_op_num_threads": 1,
            # an arena, shrunk after every run (_ShrinkingSession); cpu_ep_cfg's
            # arena_extend_strategy stays RapidOCR's kSameAsRequested
            "EngineConfig.onnxruntime.enable_cpu_mem_arena": True,
            "EngineConfig.onnxruntime.use_cuda": self.device == "cuda",
            # RapidOCR's default, EXHAUSTIVE, benchmarks every cuDNN convolution algorithm for
            # each new input shape, and every image and text line has its own: on an H200 the
            # samples took 4.27 s per image on CUDA with it, 1.73 s without (onnx_device).
            "EngineConfig.onnxruntime.cuda_ep_cfg.cudnn_conv_algo_search": "HEURISTIC",
        })
        self._engine = f"rapidocr {self.version} ({self.device})"
        self._ocr.max_det_upscale = max_det_upscale
        limit_type, limit_side = self._ocr.det_limit_default
        self._detector = {"limit_type": limit_type, "limit_side_len": limit_side, "max_upscale": max_det_upscale,
                          "second_pass_at_own_size": second_pass, "second_pass_max_overlap": SECOND_PASS_MAX_OVERLAP}

    def identity(self) -> dict[str, Any]:
        return {"engine": self._engine,
                "models": {m: spec(m).sha256 for m in (DET, REC, CLS)},
                "detector": dict(self._detector)}

    def detect(self, image_rgb: np.ndarray, second_pass: bool | None = None) -> list[np.ndarray]:
        """Detected quadrilaterals (4x2 float32, clockwise from top-left) in `image_rgb`'s pixels;
        images longer than max_side are downscaled for the detector, as read() does. An image the
        detector enlarges is also detected at its own size (merge_passes) unless `second_pass`
        (default: the engine's) says not to."""
        h, w = image_rgb.shape[:2]
        scale, img = 1.0, image_rgb
        if max(h, w) > self.max_side:
            scale = self.max_side / max(h, w)
            img = np.asarray(Image.fromarray(image_rgb).resize((max(1, round(w * scale)), max(1, round(h * scale)))))
        bgr = np.ascontiguousarray(bounded_aspect(img)[:, :, ::-1])
        found = self._boxes(bgr)
        if (self.second_pass if second_pass is None else second_pass) and self._enlarged(bgr):
            # also at the image's own size: large text the enlarged pass missed (module docstring)
            upscale, self._ocr.max_det_upscale = self._ocr.max_det_upscale, 1.0
            try:
                found = merge_passes(found, self._boxes(bgr), SECOND_PASS_MAX_OVERLAP)
            finally:
                self._ocr.max_det_upscale = upscale
        return [b / scale for b in found]

    def _boxes(self, bgr: np.ndarray) -> list[np.ndarray]:
        boxes = self._ocr.detect_boxes(bgr)
        return [] if boxes is None else [np.asarray(b, dtype=np.float32).reshape(4, 2) for b in boxes]

    def _enlarged(self, bgr: np.ndarray) -> bool:
        """Whether the detector enlarges this image (its short side below the configured limit)."""
        limit_type, side = detector_limit(min(bgr.shape[:2]), *self._ocr.det_limit_default,
                                          max_upscale=self._ocr.max_det_upscale)
        return limit_type == "min" and side > min(bgr.shape[:2])

    def characters(self) -> frozenset[str]:
        """Every character the recogniser's dictionary can write."""
        return frozenset(self._ocr._load_rec_model().postprocess_op.character)

    def recognise(self, crops_rgb: list[np.ndarray]) -> list[tuple[str, float, bool]]:
        """RapidOCR's reading of each line crop (RGB), after its 0/180 degree classifier, in
        batches: (text with whitespace collapsed, score, whether the crop was turned 180
        degrees). No score filter: the caller decides."""
        bgr = [np.ascontiguousarray(c[:, :, ::-1]) for c in crops_rgb]
        upright, turned = self._ocr.upright(bgr)
        return [(" ".join(t.split()), sc, flip) for (t, sc), flip in zip(self._ocr.recognise(upright), turned)]

    def read(self, image_rgb: np.ndarray) -> list[OcrLine]:
        h, w = image_rgb.shape[:2]
        scale = 1.0
        img = image_rgb
        if max(h, w) > self.max_side:
            scale = self.max_side / max(h, w)
            img = np.asarray(Image.fromarray(image_rgb).resize((max(1, round(w * scale)), max(1, round(h * scale)))))
        res = self._ocr(np.ascontiguousarray(bounded_aspect(img)[:, :, ::-1]))  # RapidOCR takes BGR arrays
        if res.boxes is None or res.txts is None:
            return []
        rec_sha = spec(REC).sha256
        lines = []
        for box, text, score in zip(res.boxes, res.txts, res.scores):
            text = " ".join(str(text).split())
            if not text:
                continue
            pts = tuple((int(round(x / scale)), int(round(y / scale))) for x, y in np.asarray(box).tolist())
            xs, ys = [p[0] for p in pts], [p[1] for p in pts]
            bbox = (max(0, min(xs)), max(0, min(ys)), min(w, max(xs)), min(h, max(ys)))
            lines.append(OcrLine(text, float(score), bbox, pts, self._engine, REC, rec_sha))
        return lines
