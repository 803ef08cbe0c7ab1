"""Shared fixtures: one real scan of samples_benign per test session (real engines, real models)."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples_benign"
CLI = [sys.executable, "-m", "clueextract"]


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def run_cli(*args: str, prefix: tuple[str, ...] = (), check: bool = True, timeout: int = 600) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.run([*prefix, *CLI, *args], capture_output=True, text=True, env=env, timeout=timeout, cwd=ROOT)
    if check and proc.returncode != 0:
        raise AssertionError(f"clueextract {' '.join(args)} exited {proc.returncode}\n{proc.stdout}\n{proc.stderr}")
    return proc


@pytest.fixture(scope="session")
def manifest() -> dict:
    return json.loads((SAMPLES / "manifest.json").read_text(encoding="utf-8"))


NETWORK_COUNTER = ROOT / "tests" / "tools" / "count_network.py"


@pytest.fixture(scope="session")
def samples_case(tmp_path_factory) -> Path:
    """samples_benign scanned once through the real CLI (one process: every stage in it),
    under an audit hook that counts every network attempt into case/../network.json
    (test_offline asserts it is empty); tests read its outputs."""
    case = tmp_path_factory.mktemp("samples") / "case"
    counts = case.parent / "network.json"
    proc = subprocess.run([sys.executable, str(NETWORK_COUNTER), str(counts), "scan", str(SAMPLES), "--case", str(case),
                           "--quiet", "--workers", "1"], capture_output=True, text=True, cwd=ROOT, timeout=1800,
                          env={**os.environ, "PYTHONUNBUFFERED": "1"})
    if proc.returncode != 0:
        raise AssertionError(f"samples scan exited {proc.returncode}\n{proc.stdout}\n{proc.stderr}")
    return case


@dataclass(frozen=True)
class PickScan:
    evidence: Path   # scan_tools.PICK: six sign images in five series plus one duplicate
    case: Path       # scanned once, in-process, one worker: what every other way must equal
    jsonl: bytes
    wall_s: float


@pytest.fixture(scope="session")
def pick_scan(tmp_path_factory) -> PickScan:
    """The small evidence the worker, Ray and durability tests share, scanned once by one worker."""
    from clueextract import scan
    from clueextract.config import ScanConfig
    from scan_tools import make_evidence

    base = tmp_path_factory.mktemp("pick")
    ev = make_evidence(base)
    t = time.monotonic()
    scan([ev], case=base / "ref", config=ScanConfig(workers=1))
    return PickScan(ev, base / "ref", (base / "ref" / "clues.jsonl").read_bytes(), time.monotonic() - t)


@pytest.fixture(scope="session")
def samples_records(samples_case) -> list[dict]:
    return read_jsonl(samples_case / "clues.jsonl")


@pytest.fixture(scope="session")
def by_path(samples_records) -> dict[str, tuple[dict, list[dict]]]:
    """Each item of the samples scan by path, with its clues."""
    items = {r["path"]: r for r in samples_records if r["record"] == "item"}
    clues: dict[str, list[dict]] = {}
    for r in samples_records:
        if r["record"] == "clue":
            clues.setdefault(r["item_id"], []).append(r)
    return {p: (it, clues.get(it["item_id"], [])) for p, it in items.items()}


def squash(s: str) -> str:
    """Text compared without whitespace or case."""
    return "".join(s.split()).casefold()


@pytest.fixture()
def small_evidence(tmp_path) -> Path:
    """A copy of a few sample images (fast scans for resume/dedupe tests)."""
    ev = tmp_path / "evidence"
    ev.mkdir()
    picked = sorted(p for p in SAMPLES.rglob("*") if p.suffix.lower() in (".jpg", ".png"))[:3]
    for p in picked:
        shutil.copy2(p, ev / p.name)
    return ev
