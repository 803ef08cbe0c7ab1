"""The stage table (clueextract/pipeline.py) and the invariants docs/ARCHITECTURE.md's recipes
rely on: every clue kind has a stage that produces it, every ScanConfig field reaches a stage
(or ingest, or the executor), every settings field is documented, and the processor steps
through the stages in table order."""
from __future__ import annotations

import dataclasses
import re
from pathlib import Path

from clueextract import kinds, pipeline
from clueextract.config import ScanConfig
from clueextract.records import MEDIA_TYPES

# fields that are not a stage's: who reads them instead
NOT_A_STAGE = {"packs": "packs.select (candidate languages; the packs' hashes go into the config hash)",
               "packs_dir": "packs.select", "series_by": "api._ingest", "workers": "workers.open_executor",
               "threads": "workers.open_executor", "extra": "deconflict (known-hash lists, at ingest)"}


def test_every_kind_has_a_producing_stage_and_no_stage_invents_one():
    produced = {k for s in pipeline.STAGES for k in s.kinds}
    assert produced == set(kinds.CLUE_KINDS), (set(kinds.CLUE_KINDS) - produced, produced - set(kinds.CLUE_KINDS))


def test_stages_name_known_media_and_have_versions_and_settings():
    assert [s.name for s in pipeline.STAGES] == ["metadata", "ocr", "speech", "text"]
    for s in pipeline.STAGES:
        assert set(s.media) <= set(MEDIA_TYPES) - {"other"} and s.media, s.name
        assert s.version and dataclasses.is_dataclass(s.settings) and s.about, s.name
        assert isinstance(s.settings_for(ScanConfig()), s.settings)


def test_each_settings_field_is_documented():
    for cls in [pipeline.InputSettings] + [s.settings for s in pipeline.STAGES]:
        doc = cls.__doc__ or ""
        for f in dataclasses.fields(cls):
            assert f"{f.name}:" in doc, f"{cls.__name__}.{f.name} has no line in the class docstring"


def test_every_scan_config_field_reaches_a_stage_or_a_named_reader():
    """A setting no stage reads does not exist: change each field and see a stage's settings
    (or the input settings) change, unless a named reader outside the stages takes it."""
    base = pipeline.settings_of(ScanConfig())
    for f in dataclasses.fields(ScanConfig):
        if f.name in NOT_A_STAGE:
            continue
        value = getattr(ScanConfig(), f.name)
        changed = {bool: lambda v: not v, int: lambda v: v + 1, float: lambda v: v / 2 + 0.01,
                   str: lambda v: v + "-x"}[type(value)](value)
        other = pipeline.settings_of(ScanConfig(**{f.name: changed}))
        assert other != base, f"ScanConfig.{f.name} reaches no stage"


def test_media_steps_in_table_order():
    assert [s.name for s in pipeline.steps_for("image")] == ["metadata", "ocr"]
    assert [s.name for s in pipeline.steps_for("video")] == ["metadata", "ocr", "speech"]
    assert [s.name for s in pipeline.steps_for("audio")] == ["speech"]
    assert pipeline.steps_for("other") == ()


def test_settings_defaults_are_scan_config_defaults():
    """The settings classes' own defaults agree with ScanConfig's (one default per setting)."""
    made = pipeline.settings_of(ScanConfig())
    assert made["input"] == pipeline.InputSettings()
    for s in pipeline.STAGES:
        assert made[s.name] == s.settings(), s.name


ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "ARCHITECTURE.md"


def test_the_architecture_doc_shows_the_stage_table_as_it_is():
    """docs/ARCHITECTURE.md's stage table names the stages, their media and kinds as pipeline.py has them."""
    rows = [line.split("|")[1:-1] for line in DOC.read_text(encoding="utf-8").splitlines()
            if line.startswith("| ") and "`" in line.split("|")[2]]
    table = {cells[1].strip().strip("`"): cells for cells in rows if cells[1].strip().strip("`") in pipeline.BY_NAME}
    assert list(table) == [s.name for s in pipeline.STAGES]
    for s in pipeline.STAGES:
        cells = table[s.name]
        assert [m.strip() for m in cells[2].split(",")] == list(s.media), s.name
        assert set(re.findall(r"[a-z_]+", cells[3])) >= set(s.kinds), s.name
        assert s.settings.__name__ in cells[4], s.name


def test_package_code_points_to_the_architecture_doc_not_outside_files():
    """Comments cite docs/ARCHITECTURE.md, which is in the repository; the design notes are not."""
    cited = [p.relative_to(ROOT).as_posix() for p in (ROOT / "clueextract").rglob("*")
             if p.suffix in (".py", ".json") and "DESIGN.md" in p.read_text(encoding="utf-8", errors="replace")]
    assert cited == [], cited
    assert DOC.is_file()
