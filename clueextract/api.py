"""The Python API pipelines import: scan(paths, case=...) -> ScanReport.

Ingest (walk, hash, sniff, dedupe, resume) writes every path into the case store;
pending unique contents are processed by workers; results are committed one item
per transaction; exports are regenerated from the store at the end.
"""
from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Optional

from . import TOOL
from .config import ScanConfig
from .deconflict.load import known_of, mark_item
from .hashing import file_sha256
from .export import write_case_outputs
from .ingest.hashing import hash_file, read_head
from .ingest.sniff import sniff
from .ingest.walk import Entry, series_for, walk
from .packs import Candidates, select
from .process import engines_identity
from .store import CaseStore
from .workers import QueueResult, case_lock, open_executor, run_queue

FINISHED = ("done", "error", "skipped")


class ScanError(ValueError):
    """The scan cannot start as asked (the CLI exits 2 with the message)."""


class EvidenceNotFound(ScanError, FileNotFoundError):
    """An evidence path does not exist."""


class CaseInsideEvidence(ScanError):
    """The case folder lies inside an evidence folder: the case store would be written into the
    evidence, and a later scan would read it as evidence."""


def check_paths(paths: Iterable[str | Path], case: str | Path) -> None:
    """The checks the CLI makes before a scan, for every caller: each evidence path exists (a
    dangling link counts: it is recorded, not followed), and the case folder is not inside one."""
    paths = [Path(p) for p in paths]
    missing = [str(p) for p in paths if not p.exists() and not p.is_symlink()]
    if missing:
        raise EvidenceNotFound(f"evidence path(s) not found: {', '.join(missing)}")
    for p in paths:
        if p.is_dir() and _inside(Path(case), p):
            raise CaseInsideEvidence(f"the case folder {case} lies inside the evidence {p}: "
                                     "clueextract never writes into evidence")


def _inside(child: Path, parent: Path) -> bool:
    try:
        child.resolve().relative_to(parent.resolve())
        return True
    except ValueError:
        return False


@dataclass
class ScanReport:
    case: Path
    run_id: int
    config_hash: str
    seen: int = 0
    processed: int = 0
    resumed: int = 0
    counts: dict = field(default_factory=dict)
    outputs: dict = field(default_factory=dict)
    requeued: int = 0                                  # items given back when their worker died
    engine: dict = field(default_factory=dict)         # where items ran: local / ray, workers, threads
    workers: list = field(default_factory=list)        # per worker: items, peak RSS


def item_id_for(entry: Entry) -> str:
    key = f"{entry.root}\x00{entry.path_b64 or entry.rel_path}"
    return "i-" + hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def scan(paths: Iterable[str | Path], case: str | Path, config: Optional[ScanConfig] = None,
         progress: Optional[Callable[[str, int, int], None]] = None,
         events: Optional[Callable[[dict[str, Any]], None]] = None, ray: Any = None) -> ScanReport:
    """Scan evidence paths into the case folder; resumable; never modifies evidence.

    progress(stage, n, total): "ingest" for each path seen, "process" for each item finished.
    events(event): one dict per event for pipelines (the CLI's --log-json): run_start, queue,
    item (item_id, path, status, seconds, ...), worker_lost, run_end (counts, workers).
    ray: None to process here, "local" or a cluster address (or a RayOptions) for Ray.
    One scan per case at a time (CaseBusy otherwise); Ctrl-C keeps every finished result.
    Raises before anything is written: EvidenceNotFound, CaseInsideEvidence, PackError (an
    unknown or invalid language pack). report.counts always holds done, skipped, error and clues.
    """
    config = config or ScanConfig()
    paths = [str(p) for p in paths]
    check_paths(paths, case)
    packs = select(config.resolved_packs_dir(), config.packs)  # a bad pack leaves no case folder behind
    with case_lock(case):
        return _scan(paths, case, config, packs, progress, events, ray)


def _scan(paths: list[str], case: str | Path, config: ScanConfig, packs: list, progress, events, ray) -> ScanReport:
    store = CaseStore(case)
    try:
        cand = Candidates.from_packs(packs)
        engines = engines_identity(config, cand)
        engines["packs"] = {p.code: file_sha256(p.path) for p in packs}
        config_hash = config.config_hash(engines)
        run_id = store.begin_run(TOOL, config.result_affecting(), config_hash, engines,
                                 [Path(p).name for p in paths])
        report = ScanReport(Path(case), run_id, config_hash)
        t0 = time.monotonic()
        if events:
            events({"event": "run_start", "run_id": run_id, "case": str(case), "config_hash": config_hash,
                    "evidence": paths})
        status = "interrupted"
        try:
            locations: dict[str, str] = {}
            _ingest(store, paths, config, config_hash, run_id, report, locations, progress, events)
            _process(store, config, cand, config_hash, run_id, report, locations, progress, events, ray)
            status = "completed"
        finally:
            report.counts = store.counts()
            store.finish_run(run_id, status, report.counts)
            report.outputs = write_case_outputs(store)
            if events:
                events({"event": "run_end", "run_id": run_id, "status": status, "seen": report.seen,
                        "processed": report.processed, "resumed": report.resumed, "requeued": report.requeued,
                        "counts": report.counts, "seconds": round(time.monotonic() - t0, 3),
                        "engine": report.engine, "workers": report.workers})
        return report
    finally:
        store.close()


def _ingest(store: CaseStore, paths: list[str], config: ScanConfig, config_hash: str, run_id: int,
            report: ScanReport, locations: dict[str, str], progress, events=None) -> None:
    """Record every path; hash new or changed files; queue unique contents not yet done
    under this configuration. `locations` receives where each file lies in this run. A file on
    a known-hash list is an `item` event of its own (status skipped, the list match in `known`):
    it never reaches the workers, whose events name every other item."""
    for entry in walk(paths):
        report.seen += 1
        if progress:
            progress("ingest", report.seen, 0)
        item_id = item_id_for(entry)
        series = series_for(entry.rel_path, entry.root, config.series_by)
        base = dict(item_id=item_id, root=entry.root, path=entry.rel_path, path_b64=entry.path_b64,
                    series=series, size=entry.size, mtime_ns=entry.mtime_ns, run_id=run_id,
                    config_hash=config_hash, duplicate_of=None, note=None, known_json=None, info_json=None)
        if entry.kind != "file":
            store.upsert_item(**base, media_type="other", mime=None, sha256=None, md5=None, sha1=None,
                              status="error" if entry.kind == "error" else "skipped", error=entry.note)
            continue
        locations[item_id] = entry.abs_path
        old = store.get_item(item_id)
        if old is not None and old["sha256"] and old["size"] == entry.size and old["mtime_ns"] == entry.mtime_ns:
            if old["config_hash"] == config_hash and old["status"] in FINISHED:
                report.resumed += 1
                continue
            sha256, md5, sha1, mime, media = old["sha256"], old["md5"], old["sha1"], old["mime"], old["media_type"]
            note = old["note"]
            try:  # the content is sniffed again: this version may know a format the last one refused
                s = sniff(read_head(entry.abs_path), entry.rel_path)
                mime, media, note = s.mime, s.media_type, s.note
            except OSError:
                pass  # kept as stored; processing will report the file if it cannot be read
        else:
            try:
                h = hash_file(entry.abs_path)
            except OSError as e:
                store.upsert_item(**base, media_type="other", mime=None, sha256=None, md5=None, sha1=None,
                                  status="error", error=f"cannot read file: {e.strerror or e}")
                continue
            sha256, md5, sha1 = h.sha256, h.md5, h.sha1
            if h.size == 0:
                store.upsert_item(**{**base, "size": 0}, media_type="other", mime=None, sha256=sha256, md5=md5,
                                  sha1=sha1, status="skipped", error="empty file (0 bytes)")
                continue
            s = sniff(h.head, entry.rel_path)
            mime, media, note = s.mime, s.media_type, s.note
        fields = {**base, "media_type": media, "mime": mime, "sha256": sha256, "md5": md5, "sha1": sha1,
                  "note": note}
        known, note = mark_item(config, fields)  # on a known-hash list: marked; skipped unless --process-known
        if known:
            store.upsert_item(**fields, status="skipped", error=known)
            if events:
                events({"event": "item", "item_id": item_id, "path": entry.rel_path, "series": series,
                        "media_type": media, "status": "skipped", "error": known,
                        "known": known_of(fields), "clues": 0, "seconds": None, "worker": None})
            continue
        if media == "other":
            why = f"unsupported content ({mime})" + (f": {note}" if note else "")
            store.upsert_item(**fields, status="skipped", error=why)
            continue
        if entry.size > config.max_file_bytes:
            store.upsert_item(**fields, status="skipped",
                              error=f"file of {entry.size} bytes exceeds max_file_bytes={config.max_file_bytes}")
            continue
        canonical = store.canonical_for(sha256, item_id)
        status, error = "pending", None
        if canonical is not None:
            fields["duplicate_of"] = canonical
            c = store.get_item(canonical)
            if c["config_hash"] == config_hash and c["status"] in FINISHED:
                status, error = c["status"], c["error"]
                fields["info_json"] = c["info_json"]
        store.upsert_item(**fields, status=status, error=error)


# -- processing -----------------------------------------------------------------
_COST_RANK = {"video": 0, "audio": 1, "image": 2}


def _longest_first(row) -> tuple:
    """Queue order: the items expected to take longest first (video, then audio, then images,
    larger files first within each), so that with several workers a scan does not end with
    one worker on a long video while the others wait (longest-processing-time-first).
    Output does not depend on the order (records are written sorted by path)."""
    return _COST_RANK.get(row["media_type"], 3), -(row["size"] or 0), row["item_id"]


def _process(store: CaseStore, config: ScanConfig, cand: Candidates, config_hash: str, run_id: int,
             report: ScanReport, locations: dict[str, str], progress, events, ray) -> None:
    """Hand the pending items found in this run to the workers (workers/queue.py)."""
    store.requeue_stale()  # claims of a scan that died: we hold the case lock, so none is live
    store.abandon_stale_runs(run_id)
    rows = sorted((r for r in store.pending_items() if r["item_id"] in locations), key=_longest_first)
    if not rows:
        return
    executor = open_executor(config, cand, len(rows), ray)
    report.engine = executor.describe()
    if events:
        events({"event": "queue", "pending": len(rows), **report.engine})
    q, finished = QueueResult(), False
    try:
        run_queue(store, executor, rows, locations, config_hash=config_hash, run_id=run_id, progress=progress,
                  emit=events, out=q)
        finished = True
    finally:
        report.processed += q.processed
        report.requeued += q.requeued
        report.workers = [w.to_json() for w in executor.stats()]
        executor.close(now=not finished)
