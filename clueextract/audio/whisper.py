"""Whisper (CTranslate2 / faster-whisper) loaded from the local model directory only.

The model is a verified file from the registry (Whisper base, assembled from its wheels)
or a lab's larger CTranslate2 Whisper placed in the model directory. CUDA is used when
CTranslate2 sees a GPU *and* a probe run of the model on it works, CPU int8 otherwise.
Nothing is fetched: the hub is switched off before faster-whisper is imported and only a
local path is ever passed to it.

Why a probe: CTranslate2's wheels are built for CUDA 12 and load cuBLAS/cuDNN only at the
first forward pass. On a GPU machine with another CUDA (measured on an H200 with CUDA 13:
see the README's GPU section) the model loads on the GPU and every audio item then fails
with "Library libcublas.so.12 is not found", or the process aborts inside cuDNN, where no
exception can be caught. The probe runs one encoder pass in a child process, so neither can
take a worker down. It runs once per process and only where a GPU is seen: 0.8 s where CUDA
failed, 20 s where it worked (the H200 with CUDA 12's cuBLAS added: the first load of cuBLAS
and cuDNN), after which one 30 s window took 0.003 s to encode against 0.39 s on CPU.
To keep a scan off the GPU, hide it: CUDA_VISIBLE_DEVICES="".
"""
from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
from dataclasses import dataclass
from functools import lru_cache
from importlib.metadata import version
from pathlib import Path
from typing import Optional

from ..config import default_model_dir
from ..models import ModelError, registry, sha256_file, verified_path

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AsrIdentity:
    name: str
    path: str
    sha256: str
    device: str
    compute_type: str
    engine: str


# One encoder pass of the model on the GPU, in a child process (see the module docstring).
_PROBE = """
import json, sys
import numpy as np
import ctranslate2
folder = sys.argv[1]
m = ctranslate2.models.Whisper(folder, device="cuda", compute_type="float16")
feats = np.zeros((1, m.n_mels, 3000), dtype=np.float32)
out = m.encode(ctranslate2.StorageView.from_array(feats))
print(json.dumps({"ok": True, "shape": list(out.shape)}))
"""
PROBE_TIMEOUT_S = 300


@lru_cache(maxsize=None)
def cuda_probe(folder: str) -> tuple[bool, str]:
    """(True, detail) when the model at ``folder`` runs an encoder pass on CUDA in a child
    process; (False, the child's last error line or how it died) otherwise."""
    try:
        r = subprocess.run([sys.executable, "-c", _PROBE, folder], capture_output=True, text=True,
                           timeout=PROBE_TIMEOUT_S, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        return False, f"CUDA probe did not finish in {PROBE_TIMEOUT_S} s"
    if r.returncode == 0 and '"ok": true' in r.stdout:
        return True, "an encoder pass ran on CUDA"
    lines = [ln.strip() for ln in (r.stderr or "").splitlines() if ln.strip()]
    last = lines[-1] if lines else ""
    if r.returncode < 0:
        return False, f"CUDA probe killed by {signal.Signals(-r.returncode).name}" + (f" ({last})" if last else "")
    return False, last or f"CUDA probe exited with status {r.returncode}"


def cuda_devices() -> int:
    import ctranslate2  # noqa: PLC0415 (doctor and the driver read device facts without loading CTranslate2, +100 ms)

    try:
        return ctranslate2.get_cuda_device_count()
    except Exception:  # a broken CUDA install must not stop a CPU scan
        return 0


def pick_device(folder: Path) -> tuple[str, str, str]:
    """(device, compute type, why) for the model at ``folder``."""
    n = cuda_devices()
    if n == 0:
        return "cpu", "int8", "CTranslate2 sees no CUDA device"
    ok, detail = cuda_probe(str(folder))
    if ok:
        return "cuda", "float16", f"{n} CUDA device(s); {detail}"
    why = f"{n} CUDA device(s) seen but not usable, CPU used instead: {detail}"
    log.warning("ASR: %s", why)
    return "cpu", "int8", why


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
    from faster_whisper import WhisperModel  # noqa: PLC0415 (faster-whisper +560 ms: loaded when a model is)

    folder, sha = resolve(name, model_dir)
    device, compute, _ = pick_device(folder)
    model = WhisperModel(str(folder), device=device, compute_type=compute, cpu_threads=cpu_threads(threads),
                         num_workers=1, local_files_only=True)
    ident = AsrIdentity(name, str(folder), sha, device, compute,
                        f"faster-whisper {version('faster-whisper')} (ctranslate2 {version('ctranslate2')}, "
                        f"{device} {compute})")
    return model, ident
