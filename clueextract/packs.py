"""Language packs: YAML data files under language_packs/, one per language or variant.

A pack names the language's codes, scripts, the countries it is used in, the OCR/speech
engine codes to run for it, and regional knowledge (address words, legal forms, dialect
markers, brands) with country weights. Loading validates every pack against the JSON
Schema; a bad pack is refused with the file and field named.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable

import jsonschema
import yaml

_SCHEMA = Path(__file__).parent / "schema" / "language_pack.schema.json"


class PackError(ValueError):
    pass


@dataclass(frozen=True)
class Pack:
    code: str
    name: str
    path: str
    data: dict[str, Any]

    @property
    def iso639_1(self) -> str | None:
        return self.data["language"].get("iso639_1")

    @property
    def language(self) -> str:
        return self.iso639_1 or self.data["language"]["iso639_3"]

    @property
    def scripts(self) -> list[str]:
        return list(self.data["scripts"])

    @property
    def countries(self) -> list[str]:
        return list(self.data["countries"])


@lru_cache(maxsize=1)
def _validator() -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(json.loads(_SCHEMA.read_text(encoding="utf-8")))


# Deeper than any pack needs (a valid one nests 5 levels); PyYAML's Python composer hit
# RecursionError near 330 levels, and libyaml's composer recurses in C with no such guard.
MAX_DEPTH = 100
_CLoader = getattr(yaml, "CSafeLoader", None)


class _PackLoader(yaml.SafeLoader):
    """SafeLoader without aliases: packs never need them, and a few hundred bytes of nested
    aliases ("billion laughs") expand into billions of nodes once validated and reported.
    Used where PyYAML was built without libyaml; else `_load_text` checks the events first."""

    def compose_node(self, parent, index):  # type: ignore[no-untyped-def]
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(None, None, f"alias *{event.anchor} not allowed in a language pack",
                                              event.start_mark)
        return super().compose_node(parent, index)


class _TooDeep(Exception):
    pass


def _load_text(text: str) -> Any:
    """The YAML document, read by libyaml where PyYAML has it (measured on the 42 packs:
    0.76 s with the Python loader, 0.16 s with libyaml plus 0.04 s for this event pass, which
    refuses aliases and nesting deeper than MAX_DEPTH before anything is composed)."""
    if _CLoader is None:
        return yaml.load(text, Loader=_PackLoader)  # noqa: S506 - SafeLoader subclass
    depth = 0
    for event in yaml.parse(text, Loader=_CLoader):
        if isinstance(event, yaml.AliasEvent):
            raise yaml.composer.ComposerError(None, None, f"alias *{event.anchor} not allowed in a language pack",
                                              event.start_mark)
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                raise _TooDeep()
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
    return yaml.load(text, Loader=_CLoader)  # noqa: S506 - CSafeLoader: safe constructors only


def _load_yaml(path: Path) -> Any:
    return _load_text(path.read_text(encoding="utf-8"))


def validate_file(path: Path) -> list[str]:
    """Problems with one pack file, each naming the file and the field; [] when valid."""
    return _checked(str(path), _read_bytes(path))[1]


def _read_bytes(path: Path) -> bytes | OSError:
    try:
        return Path(path).read_bytes()
    except OSError as e:
        return e


@lru_cache(maxsize=256)
def _checked(path_s: str, raw: bytes | OSError) -> tuple[Any, list[str]]:
    """(data, problems) of one pack file's bytes, parsed and validated once per process:
    `scan` selects the packs in the CLI and again in the API (measured: 2 x 1.8 s before)."""
    path = Path(path_s)
    try:
        if isinstance(raw, OSError):
            raise raw
        data = _load_text(raw.decode("utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as e:
        return None, [f"{path}: cannot read as YAML: {e}"]
    except (RecursionError, _TooDeep):
        return None, [f"{path}: cannot read as YAML: nesting too deep"]
    except Exception as e:  # noqa: BLE001 - PyYAML's SafeLoader raises ValueError & co. building some values
        # ("date: 2001-02-30", an int of over 4300 digits, "!!timestamp x": AttributeError)
        return None, [f"{path}: cannot read as YAML: a value cannot be constructed ({type(e).__name__}: {e})"]
    problems = []
    try:
        errors = sorted(_validator().iter_errors(data), key=lambda e: list(e.absolute_path))
    except RecursionError:
        return None, [f"{path}: field (top level): nesting too deep"]
    for err in errors:
        field = "/".join(str(p) for p in err.absolute_path) or "(top level)"
        problems.append(f"{path}: field {field}: {err.message}")
    if not problems and isinstance(data, dict) and data.get("code") != path.stem:
        problems.append(f"{path}: field code: {data.get('code')!r} does not match the file name {path.stem!r}")
    return data, problems


def load_pack(path: Path) -> Pack:
    """The validated pack (parsed once per file content and process: its data is shared, read it only)."""
    data, problems = _checked(str(path), _read_bytes(path))
    if problems:
        raise PackError("\n".join(problems))
    return Pack(data["code"], data["name"], str(path), data)


def available(packs_dir: Path) -> list[Path]:
    return sorted(Path(packs_dir).glob("*.yaml"))


def select(packs_dir: Path, wanted: Iterable[str]) -> list[Pack]:
    """The packs to use: every pack for 'auto', else the named ones (unknown names are an error)."""
    files = {p.stem: p for p in available(packs_dir)}
    wanted = [w.strip() for w in wanted if w.strip()]
    if not wanted or wanted == ["auto"]:
        names = sorted(files)
    else:
        missing = [w for w in wanted if w not in files]
        if missing:
            raise PackError(f"unknown language pack(s) {', '.join(missing)}; available in {packs_dir}: "
                            f"{', '.join(sorted(files)) or 'none'}")
        names = sorted(set(wanted))
    if not names:
        raise PackError(f"no language packs found in {packs_dir}")
    return [load_pack(files[n]) for n in names]


@dataclass(frozen=True)
class Candidates:
    """What the active packs make plausible: text languages, regions, spoken languages."""

    languages: tuple[str, ...]
    regions: tuple[str, ...]
    speech: tuple[str, ...]
    packs: tuple[Pack, ...] = ()  # the packs themselves (OCR routing reads their scripts and traineddata)

    @classmethod
    def from_packs(cls, packs: list[Pack]) -> "Candidates":
        return cls(tuple(candidate_languages(packs)), tuple(candidate_regions(packs)), tuple(candidate_speech(packs)),
                   tuple(packs))

    def tesseract_languages(self) -> list[str]:
        return sorted({n for p in self.packs for n in p.data["ocr"].get("tesseract", [])})


def candidate_languages(packs: Iterable[Pack]) -> list[str]:
    return sorted({p.language for p in packs})


def candidate_speech(packs: Iterable[Pack]) -> list[str]:
    """Whisper language codes of the active packs."""
    return sorted({c for p in packs for c in p.data.get("speech", [])})


def candidate_regions(packs: Iterable[Pack]) -> list[str]:
    return sorted({c for p in packs for c in p.countries})
