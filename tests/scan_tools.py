"""Helpers for the worker, Ray and durability tests: a small evidence folder and a CLI
scan run in the background with its JSON event log."""
from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from conftest import ROOT, SAMPLES

# Six sign images in five folders (five series), Latin, Hangul, kana/kanji and Chinese text,
# plus one byte-identical copy (a duplicate that must follow its canonical item).
PICK = ["berlin_shop/street_sign.jpg", "seoul_street/cafe_sign.jpg", "tokyo_station/station_exit_sign.jpg",
        "seoul_street/apple_price_tag.png", "sao_paulo_padaria/promo_price_tag.png",
        "shanghai_store/convenience_store_sign.jpg"]


def make_evidence(base: Path) -> Path:
    ev = base / "evidence"
    for rel in PICK:
        (ev / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(SAMPLES / rel, ev / rel)
    shutil.copy2(SAMPLES / PICK[0], ev / "seoul_street" / "copy_of_berlin_sign.jpg")
    return ev


def start_scan(evidence: Path, case: Path, *args: str, new_session: bool = False) -> subprocess.Popen:
    """`clueextract scan --log-json` in the background; its stderr is the event log.
    new_session: its own process group, so a test can signal it the way a terminal does; its SIGINT
    is set to the default first, since a test run started in the background of a non-interactive
    shell (`.ci/run &`, nohup) passes SIGINT on ignored and Python then never raises
    KeyboardInterrupt (the Ctrl-C test failed so once: the scan ran to the end and exited 0)."""
    return subprocess.Popen([sys.executable, "-m", "clueextract", "scan", str(evidence), "--case", str(case),
                             "--log-json", *args], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"}, cwd=ROOT, start_new_session=new_session,
                            preexec_fn=_default_sigint if new_session else None)


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def events_of(lines: list[str]) -> list[dict]:
    """Every stderr line of a --log-json scan must be one JSON object."""
    return [json.loads(line) for line in lines if line.strip()]


def query(case: Path, sql: str) -> list[tuple]:
    """Read the case store the way another process would (no migration, read-only)."""
    db = sqlite3.connect(f"file:{case / 'case.sqlite'}?mode=ro", uri=True, timeout=60)
    try:
        return db.execute(sql).fetchall()
    finally:
        db.close()


def integrity(case: Path) -> str:
    return query(case, "PRAGMA integrity_check")[0][0]


def wait_for(pred, timeout: float = 300.0, step: float = 0.2) -> None:
    end = time.monotonic() + timeout
    while not pred():
        if time.monotonic() > end:
            raise AssertionError("timed out waiting")
        time.sleep(step)
