"""Print the Debian packages for Tesseract and every traineddata the language packs name.

Used by scripts/install_system_deps.sh; `clueextract doctor` uses the same mapping to
say what is missing."""
from __future__ import annotations

import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def traineddata(packs_dir: Path) -> list[str]:
    names = set()
    for f in sorted(packs_dir.glob("*.yaml")):
        data = yaml.safe_load(f.read_text(encoding="utf-8")) or {}
        names.update((data.get("ocr") or {}).get("tesseract") or [])
    return sorted(names)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    from clueextract.scripts_hint import debian_packages

    packs = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "language_packs"
    print(" ".join(debian_packages(traineddata(packs))))
