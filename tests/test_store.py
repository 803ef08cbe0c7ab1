"""The case store's rows: a clue goes in through Clue.to_row and comes back equal through
Clue.from_row, and a case written before schema 4 (known-hash matches as JSON inside the
items.note column) opens, migrates, and exports the same matches from their own column."""
from __future__ import annotations

import json
import sqlite3

from clueextract.export.published import item_record
from clueextract.records import Clue, CountryVote, Source
from clueextract.store import MIGRATIONS, SCHEMA_VERSION, CaseStore

MATCH = [{"list": "unit-list.json", "list_sha256": "ab" * 32, "format": "vics", "matched_on": "md5",
          "series": "Synthetic Series Ä", "category": 4}]


def _item(store: CaseStore, item_id: str, **more) -> None:
    store.upsert_item(item_id=item_id, root="ev", path=f"{item_id}.jpg", series="s", media_type="image",
                      status="pending", sha256="0" * 64, **more)


def test_a_clue_round_trips_through_the_clues_table(tmp_path):
    store = CaseStore(tmp_path / "case")
    _item(store, "i1")
    parent = Clue(kind="ocr_text", value="Jalan Ampang 12", normalized="jalan ampang 12", confidence=0.91,
                  source=Source("ocr", "rapidocr 3", "rec.onnx", "f" * 64), locator={"bbox": [1, 2, 30, 40]},
                  extra={"box_script": {"class": "Latn", "p": 0.99}})
    child = Clue(kind="address_term", value="Jalan", normalized="jalan", confidence=0.8,
                 source=Source("text", "packs"), language="ms", countries=[CountryVote("MY", 0.7, "Malay street word")],
                 extra={"span": [0, 5]}, parent=parent)
    for i, c in enumerate((parent, child)):
        c.assign_id("0" * 64, i)
    assert store.commit_result("i1", "done", None, [parent, child], {}, "cfg", 1)
    back = [Clue.from_row(r) for r in store.clues()]
    assert back == [parent, child] and back[1].derived_from == parent.clue_id
    assert [r["ordinal"] for r in store.clues()] == [0, 1]
    store.close()


def _v3_note(note, known) -> str:
    """How schema 3 wrote a match into the note column (deconflict.load.join_note, now gone)."""
    return json.dumps({"known": known, "note": note}, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _schema3_case(path) -> None:
    """A case store as clueextract wrote it at schema 3: a known match inside the note."""
    path.mkdir()
    db = sqlite3.connect(path / CaseStore.FILENAME, isolation_level=None)
    db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    for v in (1, 2, 3):
        for ddl in MIGRATIONS[v]:
            db.execute(ddl)
    db.execute("INSERT INTO meta VALUES ('schema_version', '3')")
    cols = "item_id, root, path, series, media_type, status, error, note, sha256"
    db.execute(f"INSERT INTO items ({cols}) VALUES ('k', 'ev', 'k.jpg', 's', 'image', 'skipped', 'known: ...', ?, ?)",
               (_v3_note("name ends in .jpg but content is image/png", MATCH), "1" * 64))
    db.execute(f"INSERT INTO items ({cols}) VALUES ('p', 'ev', 'p.jpg', 's', 'image', 'done', NULL, "
               "'a plain note', ?)", ("2" * 64,))
    db.close()


def test_a_schema_3_case_exports_read_only_and_migrates_its_known_matches(tmp_path):
    case = tmp_path / "old"
    _schema3_case(case)
    ro = CaseStore(case, read_only=True)  # exports never migrate: the old note is still understood
    before = {r["item_id"]: item_record(r) for r in ro.items()}
    ro.close()
    assert before["k"]["known"] == MATCH and before["k"]["note"] == "name ends in .jpg but content is image/png"

    store = CaseStore(case)
    assert store.schema_version() == SCHEMA_VERSION >= 4
    rows = {r["item_id"]: r for r in store.items()}
    assert json.loads(rows["k"]["known_json"]) == MATCH
    assert rows["k"]["note"] == "name ends in .jpg but content is image/png"
    assert rows["p"]["known_json"] is None and rows["p"]["note"] == "a plain note"
    assert {i: item_record(r) for i, r in rows.items()} == before
    store.close()
    assert CaseStore(case).schema_version() == SCHEMA_VERSION  # opening again migrates nothing twice
