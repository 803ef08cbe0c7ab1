"""Whisper (CTranslate2 / faster-whisper) loaded from the local model directory only.

The model is a verified file from the registry (Whisper base, assembled from its wheels)
or a lab's larger CTranslate2 Whisper placed in the model directory. CUDA is used when
CTranslate2 sees a GPU, CPU int8 otherwise. Nothing is fetched: the hub is switched off
before faster-whisper is imported and only a local path is ever passed to it.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Optional

from ..config import default_model_dir
from ..models import ModelError, registry, sha256_file, verified_path


@dataclass(frozen=True)
class AsrIdentity:
    name: str
    path: str
    sha256: str
    device: str
    compute_type: str
    engine: str


def pick_device() -> tuple[str, str]:
    import ctranslate2

    try:
        if ctranslate2.get_cuda_device_count() > 0:
            return "cuda", "float16"
    except Exception:  # a broken CUDA install must not stop a CPU scan
        pass
    return "cpu", "int8"


def resolve(name: str, model_dir: Optional[Path] = None) -> tuple[Path, str]:
    """Model directory and model.bin SHA-256 for a registry name or a folder in the model dir."""
    if any(m.name == name for m in registry()):
        p = verified_path(name, model_dir)
        return p.parent, next(m.sha256 for m in registry() if m.name == name)
    folder = (model_dir or default_model_dir()) / name
    if not (folder / "model.bin").is_file():
        raise ModelError(f"ASR model {name!r} is neither a registered model nor a CTranslate2 Whisper folder "
                         f"with model.bin in {model_dir or default_model_dir()}")
    return folder, sha256_file(folder / "model.bin")  # a lab's own model: its hash is recorded, not pinned


def cpu_threads(threads: int) -> int:
    """CTranslate2 threads: the budget, but never above an exported OMP_THREAD_LIMIT - its
    OpenMP asked for more threads than that limit returns wrong results, not slow ones
    (OMP_THREAD_LIMIT=1 with 2 threads: German speech identified as English, no transcript)."""
    n = max(1, threads)
    try:
        limit = int(os.environ.get("OMP_THREAD_LIMIT", "0"))
    except ValueError:
        limit = 0
    return min(n, limit) if limit > 0 else n


def load(name: str, threads: int, model_dir: Optional[Path] = None):
    from faster_whisper import WhisperModel

    folder, sha = resolve(name, model_dir)
    device, compute = pick_device()
    model = WhisperModel(str(folder), device=device, compute_type=compute, cpu_threads=cpu_threads(threads),
                         num_workers=1, local_files_only=True)
    ident = AsrIdentity(name, str(folder), sha, device, compute,
                        f"faster-whisper {version('faster-whisper')} (ctranslate2 {version('ctranslate2')}, "
                        f"{device} {compute})")
    return model, ident
