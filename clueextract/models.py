"""Model registry: where each model file lives and the SHA-256 it must have.

Nothing is ever downloaded: a model is either inside an installed package or in the
local model directory, and it is refused unless its hash matches the pinned one.
"""
from __future__ import annotations

import hashlib
import importlib.util
import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Optional

from .config import default_model_dir

_REGISTRY = Path(__file__).parent / "data" / "models.json"


class ModelError(RuntimeError):
    pass


@dataclass(frozen=True)
class ModelSpec:
    name: str
    engine: str
    role: str
    package: Optional[str]
    relpath: str
    sha256: str
    license: str = ""

    def path(self, model_dir: Optional[Path] = None) -> Optional[Path]:
        if self.package:
            spec = importlib.util.find_spec(self.package)
            if spec is None or not spec.submodule_search_locations:
                return None
            return Path(list(spec.submodule_search_locations)[0]) / self.relpath
        return (model_dir or default_model_dir()) / self.relpath


@lru_cache(maxsize=1)
def registry() -> tuple[ModelSpec, ...]:
    data = json.loads(_REGISTRY.read_text(encoding="utf-8"))
    return tuple(ModelSpec(**m) for m in data["models"])


def spec(name: str) -> ModelSpec:
    for m in registry():
        if m.name == name:
            return m
    raise ModelError(f"unknown model {name!r}")


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


@lru_cache(maxsize=None)
def _verified(path: str, size: int, mtime_ns: int, expected: str) -> str:
    actual = sha256_file(Path(path))
    if actual != expected:
        raise ModelError(f"model file {path} has SHA-256 {actual}, expected {expected}: refusing to load it")
    return actual


def verified_path(name: str, model_dir: Optional[Path] = None) -> Path:
    """Path of a model file whose SHA-256 matches the registry (checked once per process)."""
    m = spec(name)
    p = m.path(model_dir)
    if p is None or not p.is_file():
        where = f"package {m.package}" if m.package else f"model directory {model_dir or default_model_dir()}"
        raise ModelError(f"model {name} not found in {where} (expected {m.relpath})")
    st = p.stat()
    _verified(str(p), st.st_size, st.st_mtime_ns, m.sha256)
    return p


def status(model_dir: Optional[Path] = None) -> list[dict]:
    """Every registered model with its location, size and verification result."""
    out = []
    for m in registry():
        p = m.path(model_dir)
        row = {"name": m.name, "engine": m.engine, "role": m.role, "source": m.package or "model dir",
               "path": str(p) if p else None, "sha256": m.sha256, "license": m.license}
        if p is None or not p.is_file():
            row.update(size=None, ok=False, problem="missing")
        else:
            row["size"] = p.stat().st_size
            try:
                verified_path(m.name, model_dir)
                row.update(ok=True, problem=None)
            except ModelError as e:
                row.update(ok=False, problem=str(e))
        out.append(row)
    return out
