"""The case store: one SQLite file per case, the source of truth for every output.

WAL journal, one transaction per item, a schema version with forward migrations.
Exports (clues.jsonl, summary.md) are regenerated from here, never kept elsewhere.
Readers that must not write (export, `clueextract serve`) open it with `read_only=True`
(no migration, SQLite refuses every write; see _open_read_only for read-only mounts).
"""
from __future__ import annotations

import json
import os
import sqlite3
import time
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Optional, Union
from urllib.parse import quote

from .records import CLUE_COLUMNS, Clue

SCHEMA_VERSION = 4

# a step is SQL, or a function of the connection for a data move SQL cannot say plainly
MIGRATIONS: dict[int, list[Union[str, Callable[[sqlite3.Connection], None]]]] = {
    1: [
        """CREATE TABLE runs (
            run_id INTEGER PRIMARY KEY AUTOINCREMENT, started_at TEXT NOT NULL, finished_at TEXT,
            status TEXT NOT NULL, tool_version TEXT NOT NULL, config_json TEXT NOT NULL,
            config_hash TEXT NOT NULL, engines_json TEXT NOT NULL, evidence_json TEXT NOT NULL,
            counts_json TEXT)""",
        """CREATE TABLE items (
            item_id TEXT PRIMARY KEY, root TEXT NOT NULL, path TEXT NOT NULL, path_b64 TEXT,
            series TEXT NOT NULL, media_type TEXT NOT NULL, mime TEXT, size INTEGER, mtime_ns INTEGER,
            sha256 TEXT, md5 TEXT, sha1 TEXT, status TEXT NOT NULL, error TEXT, note TEXT,
            duplicate_of TEXT, config_hash TEXT, run_id INTEGER, info_json TEXT)""",
        "CREATE INDEX items_sha256 ON items(sha256)",
        "CREATE INDEX items_status ON items(status)",
        """CREATE TABLE clues (
            clue_id TEXT PRIMARY KEY, item_id TEXT NOT NULL REFERENCES items(item_id), ordinal INTEGER NOT NULL,
            kind TEXT NOT NULL, value TEXT NOT NULL, normalized TEXT NOT NULL, confidence REAL NOT NULL,
            language TEXT, source_json TEXT NOT NULL, locator_json TEXT NOT NULL,
            countries_json TEXT NOT NULL, extra_json TEXT NOT NULL, derived_from TEXT)""",
        "CREATE INDEX clues_item ON clues(item_id, ordinal)",
        """CREATE TABLE reviews (
            review_id INTEGER PRIMARY KEY AUTOINCREMENT, series TEXT NOT NULL, country TEXT NOT NULL,
            decision TEXT NOT NULL CHECK (decision IN ('confirm','exclude')), reviewer TEXT NOT NULL,
            note TEXT, at TEXT NOT NULL)""",
    ],
    # 2: the items table is the work queue. The driver claims a pending item for one worker
    # with a fresh token; only the result carrying that token may commit (workers.queue).
    2: [
        "ALTER TABLE items ADD COLUMN claim_token TEXT",
        "ALTER TABLE items ADD COLUMN claimed_at TEXT",
    ],
    # 3: the review application (clueextract serve) reads one series at a time: its items, and
    # the decision log of a series. Indexes only; no data changes.
    3: [
        "CREATE INDEX IF NOT EXISTS items_series ON items(series, path)",
        "CREATE INDEX IF NOT EXISTS reviews_series ON reviews(series, review_id)",
    ],
    # 4: an item's known-hash list matches get their own column (JSON list, NULL: on no list);
    # before, they rode as JSON inside the note column. The matches of older cases move over.
    4: [
        "ALTER TABLE items ADD COLUMN known_json TEXT",
        lambda db: _move_known_out_of_note(db),
    ],
}


def _move_known_out_of_note(db: sqlite3.Connection) -> None:
    from .deconflict.load import NOTE_PREFIX, split_note  # noqa: PLC0415 (+8 ms at import; only the migration of cases that hold the old note format)

    rows = db.execute("SELECT item_id, note FROM items WHERE substr(note, 1, ?) = ?",
                      (len(NOTE_PREFIX), NOTE_PREFIX)).fetchall()
    for item_id, raw in rows:
        note, known = split_note(raw)
        if known is not None:
            db.execute("UPDATE items SET note=?, known_json=? WHERE item_id=?", (note, _dumps(known), item_id))


_INSERT_CLUE = (f"INSERT INTO clues ({', '.join(CLUE_COLUMNS)}) "
                f"VALUES ({', '.join('?' for _ in CLUE_COLUMNS)})")


class ReadOnlyStore(RuntimeError):
    """A write was asked of a store opened read-only (or on a read-only folder)."""


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def _dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


class CaseStore:
    FILENAME = "case.sqlite"

    def __init__(self, case_dir: str | Path, read_only: bool = False, check_same_thread: bool = True):
        self.case_dir = Path(case_dir)
        self.path = self.case_dir / self.FILENAME
        self.read_only = read_only
        if read_only:
            self.db = _open_read_only(self.path, check_same_thread)
            self.db.row_factory = sqlite3.Row
            version = self._stored_version()
            if version > SCHEMA_VERSION:
                raise RuntimeError(f"case store {self.path} has schema version {version}, newer than this "
                                   f"clueextract understands ({SCHEMA_VERSION}); upgrade clueextract")
            return
        self.case_dir.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(self.path, timeout=60, isolation_level=None, check_same_thread=check_same_thread)
        self.db.row_factory = sqlite3.Row
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.execute("PRAGMA foreign_keys=ON")
        self._migrate()

    def _stored_version(self) -> int:
        try:
            row = self.db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
        except sqlite3.OperationalError:  # no meta table: not a case store we wrote
            return 0
        return int(row[0]) if row else 0

    # -- schema -------------------------------------------------------------
    def _migrate(self) -> None:
        self.db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        row = self.db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
        current = int(row[0]) if row else 0
        if current > SCHEMA_VERSION:
            raise RuntimeError(f"case store {self.path} has schema version {current}, newer than this "
                               f"clueextract understands ({SCHEMA_VERSION}); upgrade clueextract")
        for version in range(current + 1, SCHEMA_VERSION + 1):
            with self.transaction():
                now = self.db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
                if now is not None and int(now[0]) >= version:  # another process (a review) migrated first
                    continue
                for step in MIGRATIONS[version]:
                    if callable(step):
                        step(self.db)
                    else:
                        self.db.execute(step)
                self.db.execute("INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", (str(version),))

    def schema_version(self) -> int:
        return int(self.db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()[0])

    def transaction(self):
        if self.read_only:
            raise ReadOnlyStore(f"the case store {self.path} was opened read-only")
        return _Tx(self.db)

    def close(self) -> None:
        self.db.close()

    # -- runs -----------------------------------------------------------------
    def begin_run(self, tool_version: str, config: dict, config_hash: str, engines: dict, evidence: list[str]) -> int:
        with self.transaction():
            cur = self.db.execute(
                "INSERT INTO runs (started_at, status, tool_version, config_json, config_hash, engines_json, evidence_json)"
                " VALUES (?, 'running', ?, ?, ?, ?, ?)",
                (_now(), tool_version, _dumps(config), config_hash, _dumps(engines), _dumps(evidence)))
            assert cur.lastrowid is not None  # an INSERT sets it
            return cur.lastrowid

    def finish_run(self, run_id: int, status: str, counts: dict) -> None:
        with self.transaction():
            self.db.execute("UPDATE runs SET finished_at=?, status=?, counts_json=? WHERE run_id=?",
                            (_now(), status, _dumps(counts), run_id))

    def last_run(self) -> Optional[sqlite3.Row]:
        return self.db.execute("SELECT * FROM runs ORDER BY run_id DESC LIMIT 1").fetchone()

    def runs(self) -> list[sqlite3.Row]:
        return self.db.execute("SELECT * FROM runs ORDER BY run_id").fetchall()

    # -- items ----------------------------------------------------------------
    def get_item(self, item_id: str) -> Optional[sqlite3.Row]:
        return self.db.execute("SELECT * FROM items WHERE item_id=?", (item_id,)).fetchone()

    def upsert_item(self, **fields: Any) -> None:
        cols = ", ".join(fields)
        marks = ", ".join("?" for _ in fields)
        updates = ", ".join(f"{k}=excluded.{k}" for k in fields if k != "item_id")
        with self.transaction():
            self.db.execute(f"INSERT INTO items ({cols}) VALUES ({marks}) "
                            f"ON CONFLICT(item_id) DO UPDATE SET {updates}", tuple(fields.values()))

    def canonical_for(self, sha256: str, item_id: str) -> Optional[str]:
        """The item already holding this content (processed once for all its paths)."""
        row = self.db.execute(
            "SELECT item_id FROM items WHERE sha256=? AND duplicate_of IS NULL AND item_id<>? "
            "ORDER BY rowid LIMIT 1", (sha256, item_id)).fetchone()
        return row[0] if row else None

    def pending_items(self) -> list[sqlite3.Row]:
        return self.db.execute(
            "SELECT * FROM items WHERE status='pending' AND duplicate_of IS NULL ORDER BY rowid").fetchall()

    # -- work queue (schema 2) ---------------------------------------------------
    def requeue_stale(self) -> int:
        """Give back claims left by a scan that died (kill -9, power loss). Only one scan
        holds a case at a time (workers.queue.case_lock), so every claim found at start is stale."""
        with self.transaction():
            return self.db.execute("UPDATE items SET claim_token=NULL, claimed_at=NULL "
                                   "WHERE claim_token IS NOT NULL").rowcount

    def abandon_stale_runs(self, current_run_id: int) -> int:
        """Runs still 'running' besides ours ended without saying so (killed): mark them 'aborted'."""
        with self.transaction():
            return self.db.execute("UPDATE runs SET status='aborted' WHERE status='running' AND run_id<>?",
                                   (current_run_id,)).rowcount

    def claim(self, item_id: str, token: str) -> bool:
        """Claim a pending, unclaimed canonical item for one worker; False if it is not available."""
        with self.transaction():
            return self.db.execute(
                "UPDATE items SET claim_token=?, claimed_at=? WHERE item_id=? AND status='pending' "
                "AND claim_token IS NULL AND duplicate_of IS NULL", (token, _now(), item_id)).rowcount == 1

    def release(self, item_id: str, token: str) -> None:
        """Put a claimed item back in the queue, still pending (its worker died or the scan stopped)."""
        with self.transaction():
            self.db.execute("UPDATE items SET claim_token=NULL, claimed_at=NULL WHERE item_id=? AND claim_token=?",
                            (item_id, token))

    def release_claims(self, token_prefix: str) -> int:
        """Put back every item still claimed under tokens starting with `token_prefix` (one
        run's): what a stopping scan does, so that none of its claims outlives it."""
        with self.transaction():
            return self.db.execute("UPDATE items SET claim_token=NULL, claimed_at=NULL "
                                   "WHERE substr(claim_token, 1, ?) = ?", (len(token_prefix), token_prefix)).rowcount

    def commit_result(self, item_id: str, status: str, error: Optional[str], clues: Iterable[Clue],
                      info: dict, config_hash: str, run_id: int, claim: Optional[str] = None) -> bool:
        """Replace an item's clues and status in one transaction; its duplicates follow it.
        With `claim`, only while that claim still holds the pending item: a late or repeated
        result commits nothing and False is returned (an item is never committed twice)."""
        with self.transaction():
            if claim is not None and self.db.execute(
                    "UPDATE items SET claim_token=NULL, claimed_at=NULL WHERE item_id=? AND claim_token=? "
                    "AND status='pending'", (item_id, claim)).rowcount != 1:
                return False
            self.db.execute("DELETE FROM clues WHERE item_id=?", (item_id,))
            self.db.executemany(_INSERT_CLUE, [c.to_row(item_id, i) for i, c in enumerate(clues)])
            for target in ("item_id", "duplicate_of"):
                self.db.execute(
                    f"UPDATE items SET status=?, error=?, info_json=?, config_hash=?, run_id=? WHERE {target}=?",
                    (status, error, _dumps(info), config_hash, run_id, item_id))
        return True

    def items(self) -> list[sqlite3.Row]:
        return self.db.execute("SELECT * FROM items ORDER BY root, path, item_id").fetchall()

    def clues(self) -> Iterator[sqlite3.Row]:
        yield from self.db.execute(
            "SELECT c.* FROM clues c JOIN items i USING (item_id) ORDER BY i.root, i.path, c.ordinal")

    def counts(self) -> dict[str, int]:
        """Items per status and the number of clues: done, skipped, error and clues are always
        present (0 when none), 'pending' only after an interrupted scan."""
        rows = self.db.execute("SELECT status, COUNT(*) FROM items GROUP BY status").fetchall()
        out = {"done": 0, "skipped": 0, "error": 0, **{r[0]: r[1] for r in rows}}
        out["clues"] = self.db.execute("SELECT COUNT(*) FROM clues").fetchone()[0]
        return out

    # -- one series (the review application reads a series at a time) -------------
    def series_names(self) -> list[str]:
        return [r[0] for r in self.db.execute("SELECT DISTINCT series FROM items ORDER BY series")]

    def has_series(self, series: str) -> bool:
        return self.db.execute("SELECT 1 FROM items WHERE series=? LIMIT 1", (series,)).fetchone() is not None

    def series_items(self, series: str) -> list[sqlite3.Row]:
        return self.db.execute("SELECT * FROM items WHERE series=? ORDER BY root, path, item_id", (series,)).fetchall()

    def clues_of(self, item_ids: Iterable[str]) -> list[sqlite3.Row]:
        """The clues of these items, in item then extraction order."""
        ids = sorted(set(item_ids))
        out: list[sqlite3.Row] = []
        for i in range(0, len(ids), 500):  # stay under SQLite's bound-parameter limit
            chunk = ids[i:i + 500]
            out += self.db.execute(f"SELECT * FROM clues WHERE item_id IN ({','.join('?' * len(chunk))}) "
                                   "ORDER BY item_id, ordinal", chunk).fetchall()
        return out

    def data_version(self) -> int:
        """Changes when another connection commits (SQLite's PRAGMA data_version): readers that
        cache what they built from the store know when to look again."""
        return int(self.db.execute("PRAGMA data_version").fetchone()[0])

    # -- reviews (append-only) --------------------------------------------------
    def reviews(self, series: Optional[str] = None) -> list[sqlite3.Row]:
        if series is not None:
            return self.db.execute("SELECT * FROM reviews WHERE series=? ORDER BY review_id", (series,)).fetchall()
        return self.db.execute("SELECT * FROM reviews ORDER BY review_id").fetchall()

    def review_count(self) -> int:
        """Grows with every decision (append-only): a cheap 'did anyone decide since' check."""
        return int(self.db.execute("SELECT COALESCE(MAX(review_id), 0) FROM reviews").fetchone()[0])


def _open_read_only(path: Path, check_same_thread: bool) -> sqlite3.Connection:
    """A connection that cannot write. In a folder that can be written: an ordinary WAL reader
    with `PRAGMA query_only` (SQLite's `mode=ro` would leave -wal and -shm files behind, which
    only a read-write connection removes on close; no migration runs). In a folder that cannot be
    written (a read-only mount): `mode=ro&immutable=1`, because SQLite cannot open a WAL database
    read-only without creating its -shm file, and nobody can be writing such a folder."""
    if not path.is_file():
        raise FileNotFoundError(f"no case store at {path}")
    if os.access(path.parent, os.W_OK):
        db = sqlite3.connect(path, timeout=60, isolation_level=None, check_same_thread=check_same_thread)
        db.execute("PRAGMA query_only=ON")
    else:
        db = sqlite3.connect("file:" + _uri_path(path) + "?mode=ro&immutable=1", uri=True, timeout=60,
                             isolation_level=None, check_same_thread=check_same_thread)
    db.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchall()  # fail here, not at the first query
    return db


def _uri_path(path: Path) -> str:
    return quote(str(path.resolve()), safe="/")


class _Tx:
    def __init__(self, db: sqlite3.Connection):
        self.db = db

    def __enter__(self):
        self.db.execute("BEGIN IMMEDIATE")
        return self.db

    def __exit__(self, exc_type, exc, tb):
        self.db.execute("COMMIT" if exc_type is None else "ROLLBACK")
        return False
